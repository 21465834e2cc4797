//! The words of an alert: one subject and one plain-text body per notice, in French (the
//! default: the readers are French buyers) or English.
//!
//! The body is plain text that also reads as Markdown (a bold title, `-` lists), because
//! the same text goes to email and to Mattermost, Slack and Teams. Amounts are rounded to
//! the euro: a buyer plans purchases, not cents. French figures use a non-breaking space
//! (U+00A0) to group digits and before `%` and `€`, so a chat client never wraps "12" away
//! from "345 €".

use chrono::NaiveDate;

use super::model::{Change, Event, Notice, QuotaKind, Rule, Standing};
use crate::agec::Category;

/// U+00A0, the French thousands separator and the space before `%` and `€`.
const NBSP: char = '\u{a0}';

/// The language of messages (`[alerts] language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Fr,
    En,
}

impl Language {
    /// Reads `fr` or `en` (case and surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Language> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Language::Fr),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

/// What the message announces as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Alert,
    Reminder,
    Resolved,
}

fn tone(n: &Notice) -> Tone {
    if n.is_resolution() {
        Tone::Resolved
    } else if n.changes.iter().any(|c| c.event == Event::Firing) {
        Tone::Alert
    } else {
        Tone::Reminder
    }
}

/// One line, e.g. `[parcd] Alerte AGEC 2026 – Matériel informatique et téléphonie : part
/// réemploi 8,2 % (projection au 31/12 : 12,0 %), minimum 20 %`.
pub fn subject(n: &Notice, lang: Language) -> String {
    let min = pct_min(n.min, lang);
    let ytd = share_text(n.year_to_date.share, lang);
    let category = category_name(n.category, lang);
    let short = kind_short(n.kind, lang);
    match lang {
        Language::Fr => {
            let word = match tone(n) {
                Tone::Alert => "Alerte",
                Tone::Reminder => "Rappel",
                Tone::Resolved => "Résolu",
            };
            let figures = match tone(n) {
                Tone::Resolved => {
                    format!(
                        "part {short} de nouveau au-dessus du minimum, {ytd}{proj} (minimum {min})",
                        proj = projected_clause(n, lang)
                    )
                }
                _ => format!(
                    "part {short} {ytd}{proj}, minimum {min}",
                    proj = projected_clause(n, lang)
                ),
            };
            format!("[parcd] {word} AGEC {} – {category} : {figures}", n.year)
        }
        Language::En => {
            let word = match tone(n) {
                Tone::Alert => "alert",
                Tone::Reminder => "reminder",
                Tone::Resolved => "resolved",
            };
            let figures = match tone(n) {
                Tone::Resolved => format!(
                    "{short} share back above quota, {ytd}{proj} (minimum {min})",
                    proj = projected_clause(n, lang)
                ),
                _ => format!(
                    "{short} share {ytd}{proj}, minimum {min}",
                    proj = projected_clause(n, lang)
                ),
            };
            format!("[parcd] AGEC {word} {} – {category}: {figures}", n.year)
        }
    }
}

/// ` (projection au 31/12 : 12,0 %)`, or nothing when there is no projection.
fn projected_clause(n: &Notice, lang: Language) -> String {
    match (n.projected.as_ref().and_then(|p| p.share), lang) {
        (Some(s), Language::Fr) => format!(" (projection au 31/12 : {})", pct(s, lang)),
        (Some(s), Language::En) => format!(" (projected to 31 Dec: {})", pct(s, lang)),
        (None, _) => String::new(),
    }
}

/// The whole message: what changed, the figures with their date, and what to do.
pub fn body(n: &Notice, lang: Language) -> String {
    let mut out = String::new();
    let year = n.year;
    let category = category_name(n.category, lang);
    let title = match (tone(n), lang) {
        (Tone::Alert, Language::Fr) => "Alerte AGEC",
        (Tone::Reminder, Language::Fr) => "Rappel d'alerte AGEC",
        (Tone::Resolved, Language::Fr) => "Fin d'alerte AGEC",
        (Tone::Alert, Language::En) => "AGEC alert",
        (Tone::Reminder, Language::En) => "AGEC alert reminder",
        (Tone::Resolved, Language::En) => "AGEC alert resolved",
    };
    out.push_str(&format!("**{title} {year} – {category}**\n\n"));

    // Firing first, resolutions last: the news that asks for work leads.
    let mut changes = n.changes.clone();
    changes.sort_by_key(|c| (c.event == Event::Resolved, c.rule));
    for c in &changes {
        out.push_str("- ");
        out.push_str(&change_line(n, *c, lang));
        out.push('\n');
    }
    out.push('\n');

    let elapsed = n.elapsed_days;
    let days = n.days_in_year;
    match lang {
        Language::Fr => out.push_str(&format!(
            "Chiffres au {} (jour {elapsed} sur {days}), montants en €{NBSP}HT :\n",
            date(n.as_of, lang)
        )),
        Language::En => out.push_str(&format!(
            "Figures as of {} (day {elapsed} of {days}), amounts in € excluding VAT:\n",
            date(n.as_of, lang)
        )),
    }
    let ytd_label = match lang {
        Language::Fr => format!("Part {} à ce jour : ", kind_short(n.kind, lang)),
        Language::En => format!("{} share to date: ", capitalise(kind_short(n.kind, lang))),
    };
    out.push_str(&format!(
        "- {ytd_label}{}\n",
        standing_text(&n.year_to_date, lang)
    ));
    let proj_label = match lang {
        Language::Fr => "Part projetée au 31/12 : ",
        Language::En => "Projected share at 31 December: ",
    };
    out.push_str(&format!(
        "- {proj_label}{}\n",
        match &n.projected {
            Some(p) => standing_text(p, lang),
            None => match lang {
                Language::Fr => "non calculée".to_string(),
                Language::En => "not computed".to_string(),
            },
        }
    ));
    let source = n.quota_source.trim();
    match lang {
        Language::Fr => out.push_str(&format!(
            "- Minimum : {} d'achats {}{}\n",
            pct_min(n.min, lang),
            kind_long(n.kind, lang),
            if source.is_empty() {
                String::new()
            } else {
                format!(" ; source : {source}")
            }
        )),
        Language::En => out.push_str(&format!(
            "- Minimum: {} of purchases {}{}\n",
            pct_min(n.min, lang),
            kind_long(n.kind, lang),
            if source.is_empty() {
                String::new()
            } else {
                format!("; source: {source}")
            }
        )),
    }
    out.push('\n');
    out.push_str(&advice(n, lang));
    out.push('\n');
    out
}

fn change_line(n: &Notice, c: Change, lang: Language) -> String {
    let min = pct_min(n.min, lang);
    let long = kind_long(n.kind, lang);
    let proj_share = n.projected.as_ref().and_then(|p| p.share);
    // Whole clauses rather than a figure alone: "est de" cannot precede "non calculée".
    let ytd = match (n.year_to_date.share.filter(|s| s.is_finite()), lang) {
        (Some(s), Language::Fr) => format!("la part des achats {long} est de {}", pct(s, lang)),
        (None, Language::Fr) => {
            format!("la part des achats {long} n'est pas calculable (aucun achat)")
        }
        (Some(s), Language::En) => format!("purchases {long} are {} of the total", pct(s, lang)),
        (None, Language::En) => {
            format!("the share of purchases {long} cannot be computed (no purchase)")
        }
    };
    let pace = match (proj_share.filter(|s| s.is_finite()), lang) {
        (Some(s), Language::Fr) => format!("{} si le rythme des achats se maintient", pct(s, lang)),
        (Some(s), Language::En) => format!("{} if purchases go on at the same pace", pct(s, lang)),
        (None, Language::Fr) => "non calculée".to_string(),
        (None, Language::En) => "not computed".to_string(),
    };
    let proj = share_text(proj_share, lang);
    match lang {
        Language::Fr => match (c.rule, c.event) {
            (Rule::QuotaNotMet, Event::Firing) => {
                format!("Minimum non atteint à ce jour : {ytd}, pour un minimum de {min}.")
            }
            (Rule::QuotaNotMet, Event::Reminder) => format!(
                "Rappel : minimum toujours non atteint à ce jour, {ytd}, pour un minimum de {min}."
            ),
            (Rule::QuotaNotMet, Event::Resolved) => {
                format!("De nouveau au-dessus du minimum : {ytd} à ce jour (minimum {min}).")
            }
            (Rule::ProjectedMiss, Event::Firing) => {
                format!("Projection au 31/12 sous le minimum : {pace} (minimum {min}).")
            }
            (Rule::ProjectedMiss, Event::Reminder) => format!(
                "Rappel : la projection au 31/12 reste sous le minimum, {pace} (minimum {min})."
            ),
            (Rule::ProjectedMiss, Event::Resolved) => format!(
                "Projection au 31/12 de nouveau au-dessus du minimum : {proj} (minimum {min})."
            ),
        },
        Language::En => match (c.rule, c.event) {
            (Rule::QuotaNotMet, Event::Firing) => {
                format!("Quota not met to date: {ytd}, against a minimum of {min}.")
            }
            (Rule::QuotaNotMet, Event::Reminder) => format!(
                "Reminder: the quota is still not met to date: {ytd}, against a minimum of {min}."
            ),
            (Rule::QuotaNotMet, Event::Resolved) => {
                format!("Back above quota: {ytd} to date (minimum {min}).")
            }
            (Rule::ProjectedMiss, Event::Firing) => {
                format!("Projected to miss the quota at 31 December: {pace} (minimum {min}).")
            }
            (Rule::ProjectedMiss, Event::Reminder) => format!(
                "Reminder: still projected to miss the quota at 31 December: {pace} (minimum {min})."
            ),
            (Rule::ProjectedMiss, Event::Resolved) => {
                format!("Projection back above quota at 31 December: {proj} (minimum {min}).")
            }
        },
    }
}

/// `8,2 % (4 100 € sur 50 000 €) ; il manque 5 900 €`.
fn standing_text(s: &Standing, lang: Language) -> String {
    let Some(share) = s.share else {
        return share_text(None, lang);
    };
    let mut t = match lang {
        Language::Fr => format!(
            "{} ({} sur {})",
            pct(share, lang),
            eur(s.part_cents, lang),
            eur(s.total_cents, lang)
        ),
        Language::En => format!(
            "{} ({} of {})",
            pct(share, lang),
            eur(s.part_cents, lang),
            eur(s.total_cents, lang)
        ),
    };
    if !s.met && s.shortfall_cents > 0 {
        match lang {
            Language::Fr => t.push_str(&format!(
                " ; écart au minimum : {}",
                eur(s.shortfall_cents, lang)
            )),
            Language::En => t.push_str(&format!("; shortfall: {}", eur(s.shortfall_cents, lang))),
        }
    }
    t
}

/// What to do: the purchase that closes the gap, or checking the origin rules.
fn advice(n: &Notice, lang: Language) -> String {
    if tone(n) == Tone::Resolved {
        return match lang {
            Language::Fr => "Aucune action requise.".to_string(),
            Language::En => "Nothing to do.".to_string(),
        };
    }
    let min = pct_min(n.min, lang);
    let what = kind_purchases(n.kind, lang);
    let check = match (n.kind, lang) {
        (QuotaKind::Reuse, Language::Fr) => "reconditionnés",
        (QuotaKind::Recycled, Language::Fr) => "à contenu recyclé",
        (QuotaKind::Combined, Language::Fr) => "reconditionnés ou à contenu recyclé",
        (QuotaKind::Reuse, Language::En) => "reconditioned",
        (QuotaKind::Recycled, Language::En) => "recycled-content",
        (QuotaKind::Combined, Language::En) => "reconditioned or recycled-content",
    };
    let check = match lang {
        Language::Fr => format!(
            "vérifier que les achats {check} sont bien reconnus par les règles d'origine (`parcd check-config`)"
        ),
        Language::En => format!(
            "check that {check} purchases are recognised by the origin rules (`parcd check-config`)"
        ),
    };
    // The projection's gap when it misses: a buyer plans for 31 December. The gap to date
    // otherwise (the projection meets the minimum, or is not computed yet).
    let projected_miss = n.projected.as_ref().filter(|p| !p.met);
    let (standing, by_year_end) = match projected_miss {
        Some(p) => (Some(p), true),
        None if !n.year_to_date.met => (Some(&n.year_to_date), false),
        None => (None, false),
    };
    let Some(standing) = standing else {
        return match lang {
            Language::Fr => format!("Que faire : {check}."),
            Language::En => format!("What to do: {}.", capitalise(&check)),
        };
    };
    let full = n.min >= 1.0;
    match (standing.extra_purchase_cents.filter(|_| !full), lang) {
        (None, _) if !full => match lang {
            Language::Fr => format!("Que faire : {check}."),
            Language::En => format!("What to do: {}.", capitalise(&check)),
        },
        (Some(extra), Language::Fr) => {
            let when = if by_year_end { "au 31/12" } else { "dès aujourd'hui" };
            format!(
                "Que faire : pour atteindre {min} {when}, prévoir environ {}{NBSP}HT d'achats {what}, ou {check}.",
                eur(extra, lang)
            )
        }
        (Some(extra), Language::En) => {
            let when = if by_year_end { "by 31 December" } else { "today" };
            format!(
                "What to do: to reach {min} {when}, plan about {} excluding VAT of purchases {what}, or {check}.",
                eur(extra, lang)
            )
        }
        // A 100 % minimum cannot be reached by buying more: any purchase of another kind
        // keeps the share below it.
        (None, Language::Fr) => format!(
            "Que faire : le minimum étant de 100 %, seuls des achats {what} le respectent ; ne plus acheter autrement dans cette catégorie cette année, ou {check}."
        )
        .replace("100 %", &format!("100{NBSP}%")),
        (None, Language::En) => format!(
            "What to do: with a 100% minimum, only purchases {what} comply; make no other purchase in this category this year, or {check}."
        ),
    }
}

fn kind_short(k: QuotaKind, lang: Language) -> &'static str {
    match (k, lang) {
        (QuotaKind::Reuse, Language::Fr) => "réemploi",
        (QuotaKind::Recycled, Language::Fr) => "matières recyclées",
        (QuotaKind::Combined, Language::Fr) => "réemploi ou recyclé",
        (QuotaKind::Reuse, Language::En) => "reuse",
        (QuotaKind::Recycled, Language::En) => "recycled content",
        (QuotaKind::Combined, Language::En) => "reuse or recycled",
    }
}

fn kind_long(k: QuotaKind, lang: Language) -> &'static str {
    match (k, lang) {
        (QuotaKind::Reuse, Language::Fr) => {
            "issus du réemploi ou de la réutilisation (dons valorisés compris)"
        }
        (QuotaKind::Recycled, Language::Fr) => "intégrant des matières recyclées",
        (QuotaKind::Combined, Language::Fr) => {
            "issus du réemploi, de la réutilisation ou intégrant des matières recyclées"
        }
        (QuotaKind::Reuse, Language::En) => {
            "from reuse or reutilisation (valued donations included)"
        }
        (QuotaKind::Recycled, Language::En) => "with recycled content",
        (QuotaKind::Combined, Language::En) => {
            "from reuse or reutilisation, or with recycled content"
        }
    }
}

/// The purchases that raise the share, with the usual French suppliers of each.
fn kind_purchases(k: QuotaKind, lang: Language) -> &'static str {
    match (k, lang) {
        (QuotaKind::Reuse, Language::Fr) => {
            "issus du réemploi ou reconditionnés (UGAP, ESAT, entreprises de l'économie sociale et solidaire) ou de dons valorisés"
        }
        (QuotaKind::Recycled, Language::Fr) => "intégrant des matières recyclées",
        (QuotaKind::Combined, Language::Fr) => {
            "issus du réemploi ou reconditionnés (UGAP, ESAT, entreprises de l'économie sociale et solidaire), de dons valorisés ou intégrant des matières recyclées"
        }
        (QuotaKind::Reuse, Language::En) => {
            "from reuse or reconditioned (UGAP, ESAT sheltered workshops, social and solidarity economy businesses) or valued donations"
        }
        (QuotaKind::Recycled, Language::En) => "with recycled content",
        (QuotaKind::Combined, Language::En) => {
            "from reuse or reconditioned (UGAP, ESAT sheltered workshops, social and solidarity economy businesses), valued donations or with recycled content"
        }
    }
}

/// The official French label; in English, followed by a gloss.
fn category_name(c: Category, lang: Language) -> String {
    match lang {
        Language::Fr => c.label().to_string(),
        Language::En => format!("{} ({})", c.label(), english_gloss(c)),
    }
}

fn english_gloss(c: Category) -> &'static str {
    match c {
        Category::Textiles => "textiles, except personal protective equipment",
        Category::ItTelephony => "IT and telephony equipment",
        Category::ReprographyPrinting => "reprography and printing equipment",
        Category::PrintingConsumables => "printing consumables",
        Category::Paper => "paper",
        Category::OfficeSupplies => "office supplies",
        Category::TransportEquipment => "transport machinery and spare parts",
        Category::Vehicles => "vehicles and spare parts",
        Category::Furniture => "furniture and interior fittings",
        Category::StreetFurniture => "street furniture",
        Category::WasteCollection => "waste collection equipment",
        Category::JarsBottles => "jars and bottles",
        Category::Sports => "sports goods and equipment",
        Category::GreenSpaces => "green space maintenance equipment",
        Category::ModularBuildings => "modular or prefabricated buildings",
        Category::LargeAppliances => "large appliances, professional ones included",
        Category::GamesToys => "games and toys",
    }
}

/// A share, or what stands for it when nothing was spent: never "NaN" nor "None".
fn share_text(share: Option<f64>, lang: Language) -> String {
    match (share.filter(|s| s.is_finite()), lang) {
        (Some(s), _) => pct(s, lang),
        (None, Language::Fr) => "non calculée (aucun achat)".to_string(),
        (None, Language::En) => "not computed (no purchase)".to_string(),
    }
}

/// A fraction as a percentage with one decimal: `8,2 %`, `8.2%`.
fn pct(fraction: f64, lang: Language) -> String {
    if !fraction.is_finite() {
        return share_text(None, lang);
    }
    let text = format!("{:.1}", fraction * 100.0);
    match lang {
        Language::Fr => format!("{}{NBSP}%", text.replace('.', ",")),
        Language::En => format!("{text}%"),
    }
}

/// A minimum: like [`pct`], without a `,0` that says nothing (`20 %`, `12,5 %`).
fn pct_min(fraction: f64, lang: Language) -> String {
    let text = pct(fraction, lang);
    text.replace(",0\u{a0}%", "\u{a0}%").replace(".0%", "%")
}

/// Cents as whole euros, rounded half away from zero: `12 345 €`, `€12,345`.
fn eur(cents: i64, lang: Language) -> String {
    let euros = (cents.unsigned_abs() + 50) / 100;
    let sign = if cents < 0 && euros > 0 { "-" } else { "" };
    let digits = euros.to_string();
    let sep = match lang {
        Language::Fr => NBSP,
        Language::En => ',',
    };
    let mut grouped = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(d);
    }
    match lang {
        Language::Fr => format!("{sign}{grouped}{NBSP}€"),
        Language::En => format!("{sign}€{grouped}"),
    }
}

fn date(d: NaiveDate, lang: Language) -> String {
    match lang {
        Language::Fr => d.format("%d/%m/%Y").to_string(),
        Language::En => d.format("%-d %B %Y").to_string(),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{Change, Event, Rule, Standing};

    fn firing_notice() -> Notice {
        Notice {
            category: Category::ItTelephony,
            kind: QuotaKind::Reuse,
            year: 2026,
            as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            changes: vec![
                Change {
                    rule: Rule::QuotaNotMet,
                    event: Event::Firing,
                },
                Change {
                    rule: Rule::ProjectedMiss,
                    event: Event::Firing,
                },
            ],
            min: 0.20,
            quota_source: "décret n° 2024-134, annexe".into(),
            year_to_date: Standing {
                share: Some(0.082),
                total_cents: 5_000_000,
                part_cents: 410_000,
                met: false,
                shortfall_cents: 590_000,
                extra_purchase_cents: Some(737_500),
            },
            projected: Some(Standing {
                share: Some(0.12),
                total_cents: 20_000_000,
                part_cents: 2_400_000,
                met: false,
                shortfall_cents: 1_600_000,
                extra_purchase_cents: Some(2_000_000),
            }),
            elapsed_days: 90,
            days_in_year: 365,
        }
    }

    fn nothing_spent() -> Notice {
        let mut n = firing_notice();
        n.year_to_date = Standing {
            share: None,
            total_cents: 0,
            part_cents: 0,
            met: false,
            shortfall_cents: 0,
            extra_purchase_cents: None,
        };
        n.projected = Some(Standing {
            share: None,
            ..n.year_to_date
        });
        n
    }

    #[test]
    fn the_french_message_states_every_figure() {
        let n = firing_notice();
        let s = subject(&n, Language::Fr);
        let b = body(&n, Language::Fr);
        for text in [&s, &b] {
            assert!(
                text.contains("Matériel informatique et téléphonie"),
                "{text}"
            );
            assert!(text.contains("2026"), "{text}");
            assert!(text.contains("8,2\u{a0}%"), "{text}");
            assert!(text.contains("12,0\u{a0}%"), "{text}");
            assert!(text.contains("20\u{a0}%"), "{text}");
        }
        assert!(s.starts_with("[parcd] Alerte AGEC 2026"), "{s}");
        assert!(b.contains("décret n° 2024-134, annexe"), "{b}");
        assert!(b.contains("31/03/2026"), "{b}");
        // Shortfall to date and the projected purchase to plan.
        assert!(b.contains("5\u{a0}900\u{a0}€"), "{b}");
        assert!(
            b.contains("4\u{a0}100\u{a0}€ sur 50\u{a0}000\u{a0}€"),
            "{b}"
        );
        assert!(
            b.contains(
                "Pour atteindre 20\u{a0}% au 31/12, prévoir environ 20\u{a0}000\u{a0}€\u{a0}HT"
            ) || b.contains(
                "pour atteindre 20\u{a0}% au 31/12, prévoir environ 20\u{a0}000\u{a0}€\u{a0}HT"
            ),
            "{b}"
        );
        assert!(b.contains("UGAP, ESAT"), "{b}");
        assert!(b.contains("`parcd check-config`"), "{b}");
    }

    #[test]
    fn the_english_message_states_every_figure() {
        let n = firing_notice();
        let s = subject(&n, Language::En);
        let b = body(&n, Language::En);
        for text in [&s, &b] {
            assert!(
                text.contains("Matériel informatique et téléphonie (IT and telephony equipment)"),
                "{text}"
            );
            assert!(text.contains("8.2%"), "{text}");
            assert!(text.contains("12.0%"), "{text}");
            assert!(text.contains("20%"), "{text}");
        }
        assert!(s.starts_with("[parcd] AGEC alert 2026"), "{s}");
        assert!(b.contains("31 March 2026"), "{b}");
        assert!(b.contains("€5,900"), "{b}");
        assert!(b.contains("€4,100 of €50,000"), "{b}");
        assert!(
            b.contains("to reach 20% by 31 December, plan about €20,000"),
            "{b}"
        );
        assert!(b.contains("décret n° 2024-134, annexe"), "{b}");
    }

    #[test]
    fn one_message_covers_both_rules() {
        let b = body(&firing_notice(), Language::Fr);
        assert!(b.contains("Minimum non atteint à ce jour"), "{b}");
        assert!(b.contains("Projection au 31/12 sous le minimum"), "{b}");
    }

    #[test]
    fn a_resolution_says_the_new_share() {
        let mut n = firing_notice();
        n.changes = vec![Change {
            rule: Rule::QuotaNotMet,
            event: Event::Resolved,
        }];
        n.year_to_date.share = Some(0.231);
        n.year_to_date.met = true;
        n.year_to_date.shortfall_cents = 0;
        let fr = format!("{}\n{}", subject(&n, Language::Fr), body(&n, Language::Fr));
        assert!(fr.contains("de nouveau au-dessus du minimum"), "{fr}");
        assert!(fr.contains("23,1\u{a0}%"), "{fr}");
        assert!(fr.contains("Aucune action requise"), "{fr}");
        let en = format!("{}\n{}", subject(&n, Language::En), body(&n, Language::En));
        assert!(en.contains("back above quota"), "{en}");
        assert!(en.contains("23.1%"), "{en}");
        assert!(!en.contains("plan about"), "{en}");
    }

    #[test]
    fn a_reminder_says_it_is_one() {
        let mut n = firing_notice();
        n.changes = vec![Change {
            rule: Rule::QuotaNotMet,
            event: Event::Reminder,
        }];
        assert!(subject(&n, Language::Fr).starts_with("[parcd] Rappel AGEC 2026"));
        assert!(body(&n, Language::Fr).contains("Rappel : minimum toujours non atteint"));
        assert!(subject(&n, Language::En).starts_with("[parcd] AGEC reminder 2026"));
        assert!(body(&n, Language::En).contains("Reminder: the quota is still not met"));
    }

    #[test]
    fn no_nan_nor_none_when_nothing_was_spent() {
        let n = nothing_spent();
        for lang in [Language::Fr, Language::En] {
            let text = format!("{}\n{}", subject(&n, lang), body(&n, lang));
            for bad in [
                "NaN",
                "None",
                "nan%",
                "inf%",
                "nan\u{a0}%",
                "inf\u{a0}%",
                "est de non",
            ] {
                assert!(!text.contains(bad), "{bad} in {text}");
            }
        }
        let fr = body(&n, Language::Fr);
        assert!(fr.contains("non calculée (aucun achat)"), "{fr}");
        assert!(fr.contains("n'est pas calculable (aucun achat)"), "{fr}");
        // Nothing to buy can be computed from nothing: the advice is to check the rules.
        assert!(fr.contains("Que faire : vérifier que les achats"), "{fr}");
        assert!(!fr.contains("100\u{a0}%"), "{fr}");
        let en = body(&n, Language::En);
        assert!(en.contains("not computed (no purchase)"), "{en}");
    }

    #[test]
    fn a_hundred_percent_minimum_asks_for_no_impossible_purchase() {
        let mut n = firing_notice();
        n.min = 1.0;
        n.projected = None;
        n.year_to_date.extra_purchase_cents = None;
        let b = body(&n, Language::Fr);
        assert!(b.contains("minimum étant de 100\u{a0}%"), "{b}");
        assert!(!b.contains("prévoir environ"), "{b}");
        assert!(body(&n, Language::En).contains("with a 100% minimum"));
    }

    #[test]
    fn amounts_are_grouped_the_way_each_language_writes_them() {
        assert_eq!(eur(123_456_789, Language::Fr), "1\u{a0}234\u{a0}568\u{a0}€");
        assert_eq!(eur(123_456_789, Language::En), "€1,234,568");
        assert_eq!(eur(99_900, Language::Fr), "999\u{a0}€");
        assert_eq!(eur(0, Language::En), "€0");
        assert_eq!(eur(-150_000, Language::En), "-€1,500");
        assert_eq!(pct(0.0826, Language::Fr), "8,3\u{a0}%");
        assert_eq!(pct_min(0.125, Language::En), "12.5%");
        assert_eq!(pct(f64::NAN, Language::En), "not computed (no purchase)");
    }

    #[test]
    fn languages_parse_from_their_codes() {
        assert_eq!(Language::parse("fr"), Some(Language::Fr));
        assert_eq!(Language::parse(" EN "), Some(Language::En));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::default(), Language::Fr);
    }
}
