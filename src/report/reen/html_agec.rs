//! The page's AGEC section: per category, the € excl. VAT by origin, the shares against their
//! minimums with the gap in €, the projection while the year runs, and what was left out.

use std::collections::BTreeMap;

use crate::agec::share::{CategoryYear, Gap};
use crate::report::format::{NBSP, esc, fr_count, fr_date, fr_euros, fr_percent, plural};

use super::ReenReport;
use super::html::{badge, close, open, opt_share, para};
use super::labels;

/// One measured share of a category: what it counts, its € and share, its gap now and, while
/// the year runs, at the year's pace.
struct Measure {
    name: &'static str,
    cents: i64,
    share: Option<f64>,
    gap: Option<Gap>,
    /// The projected total and gap, while the year runs.
    projected: Option<(i64, Option<Gap>)>,
}

/// The measures worth a line: those with a minimum or some spend. The combined one exists only
/// under décret 2021-254; a category with nothing to say keeps its reuse line.
fn measures(c: &CategoryYear) -> Vec<Measure> {
    let f = &c.year_to_date;
    let p = c.projected.as_ref();
    let reuse = Measure {
        name: "Réemploi, réutilisation et dons",
        cents: f.amounts.reuse_and_donations(),
        share: f.reuse_share,
        gap: f.reuse_gap,
        projected: p.map(|p| (p.amounts.total, p.reuse_gap)),
    };
    let recycled = Measure {
        name: "Matières recyclées",
        cents: f.amounts.recycled,
        share: f.recycled_share,
        gap: f.recycled_gap,
        projected: p.map(|p| (p.amounts.total, p.recycled_gap)),
    };
    let combined = Measure {
        name: "Réemploi ou matières recyclées",
        cents: f
            .amounts
            .reuse_and_donations()
            .saturating_add(f.amounts.recycled),
        share: f.combined_share,
        gap: f.combined_gap,
        projected: p.map(|p| (p.amounts.total, p.combined_gap)),
    };
    let show_recycled = recycled.gap.is_some() || recycled.cents > 0;
    let show_combined = combined.gap.is_some();
    let show_reuse = reuse.gap.is_some() || reuse.cents > 0 || !(show_recycled || show_combined);
    [
        (show_reuse, reuse),
        (show_recycled, recycled),
        (show_combined, combined),
    ]
    .into_iter()
    .filter_map(|(show, m)| show.then_some(m))
    .collect()
}

fn situation(total: i64, gap: Option<Gap>) -> String {
    match gap {
        _ if total == 0 => "aucune dépense".to_string(),
        None => "pas de minimum".to_string(),
        Some(g) if g.met => badge(true, "atteint"),
        Some(g) => format!(
            "{} il manque {}{NBSP}HT",
            badge(false, "non atteint"),
            fr_euros(g.shortfall_cents)
        ),
    }
}

fn projection(projected: Option<(i64, Option<Gap>)>) -> String {
    match projected {
        None | Some((0, _)) | Some((_, None)) => "—".to_string(),
        Some((_, Some(g))) if g.met => badge(true, "atteint"),
        Some((_, Some(g))) => format!("il manquerait {}{NBSP}HT", fr_euros(g.shortfall_cents)),
    }
}

pub(super) fn agec(out: &mut String, r: &ReenReport) {
    let a = r.agec;
    open(
        out,
        "agec",
        "Achats issus du réemploi, de la réutilisation ou du recyclage (loi AGEC)",
    );
    para(
        out,
        "",
        &format!(
            "Part des dépenses hors taxes de {} consacrée à des biens issus du réemploi ou de la \
             réutilisation (dons compris) ou intégrant des matières recyclées, par catégorie de \
             produits, comparée au minimum réglementaire.",
            a.year
        ),
    );
    let in_progress = a.progress.elapsed_days < a.progress.days_in_year;
    if in_progress {
        para(
            out,
            "note",
            &format!(
                "Dépenses arrêtées au {} ; la dernière colonne prolonge le rythme de dépense \
                 actuel jusqu'au 31 décembre et y ajoute les achats déjà datés d'ici là \
                 (commandes passées).",
                fr_date(a.today)
            ),
        );
    }
    out.push_str(&super::html_charts::agec(r));
    if a.categories.is_empty() {
        para(
            out,
            "",
            &format!("Aucune dépense ni minimum pour {}.", a.year),
        );
    } else {
        categories_table(out, &a.categories, in_progress);
    }
    agec_notes(out, r);
    close(out);
}

fn categories_table(out: &mut String, categories: &[CategoryYear], in_progress: bool) {
    out.push_str(
        "<table>\n<thead><tr><th scope=\"col\">Catégorie</th>\
         <th scope=\"col\" class=\"n\">Dépense totale HT</th><th scope=\"col\">Part visée</th>\
         <th scope=\"col\" class=\"n\">Montant HT</th><th scope=\"col\" class=\"n\">Part</th>\
         <th scope=\"col\" class=\"n\">Minimum</th><th scope=\"col\">Situation</th>",
    );
    if in_progress {
        out.push_str("<th scope=\"col\">Projection au 31 décembre</th>");
    }
    out.push_str("</tr></thead>\n");
    for c in categories {
        let ms = measures(c);
        let total = c.year_to_date.amounts.total;
        out.push_str("<tbody>\n");
        for (i, m) in ms.iter().enumerate() {
            out.push_str("<tr>");
            if i == 0 {
                out.push_str(&format!(
                    "<th scope=\"rowgroup\" rowspan=\"{n}\">{}</th>\
                     <td class=\"n\" rowspan=\"{n}\">{}</td>",
                    esc(c.category.label()),
                    fr_euros(total),
                    n = ms.len()
                ));
            }
            out.push_str(&format!(
                "<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td>{}</td>",
                m.name,
                fr_euros(m.cents),
                opt_share(m.share, m.gap.is_some_and(|g| !g.met)),
                m.gap
                    .map_or("—".to_string(), |g| fr_percent(g.min.fraction())),
                situation(total, m.gap),
            ));
            if in_progress {
                out.push_str(&format!("<td>{}</td>", projection(m.projected)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n");
}

fn agec_notes(out: &mut String, r: &ReenReport) {
    let a = r.agec;
    let mut notes = Vec::new();
    let (n, cents) = a.categories.iter().fold((0u64, 0i64), |(n, c), cat| {
        (
            n + cat.unclassified as u64,
            c.saturating_add(cat.year_to_date.amounts.unclassified),
        )
    });
    if n > 0 {
        notes.push(format!(
            "{} ({}{NBSP}HT) {} dans les dépenses mais dans aucune part : une règle d'origine \
             manque dans la configuration ([agec] origin_rules).",
            plural(
                n,
                "achat d'origine non déterminée",
                "achats d'origine non déterminée"
            ),
            fr_euros(cents),
            if n > 1 {
                "sont comptés"
            } else {
                "est compté"
            }
        ));
    }
    if !a.zero_amount.is_empty() {
        notes.push(format!(
            "{} à 0{NBSP}€ HT : montant à vérifier (non saisi, ou don pas encore valorisé selon \
             la grille de l'arrêté du 29 février 2024).",
            plural(a.zero_amount.len() as u64, "achat saisi", "achats saisis")
        ));
    }
    if !a.excluded.is_empty() {
        let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
        for l in &a.excluded {
            *by_reason
                .entry(labels::purchase_exclusion(l.reason))
                .or_default() += 1;
        }
        let detail: Vec<String> = by_reason
            .iter()
            .map(|(why, n)| format!("{} {why}", fr_count(*n)))
            .collect();
        notes.push(format!(
            "{} des parts : {}.",
            plural(a.excluded.len() as u64, "achat écarté", "achats écartés"),
            detail.join(", ")
        ));
    }
    let short = a.categories.iter().any(|c| {
        let f = &c.year_to_date;
        [f.reuse_gap, f.recycled_gap, f.combined_gap]
            .iter()
            .flatten()
            .any(|g| !g.met)
    });
    if short {
        notes.push(
            "« Il manque » : le montant d'achats neufs qu'il aurait fallu remplacer par des \
             achats du type visé, à dépense totale égale, pour atteindre le minimum."
                .to_string(),
        );
    }
    notes.push(format!(
        "Déclaration annuelle sur data.gouv.fr avant le 30 juin {} (fichier CSV produit par \
         parcd).",
        a.year + 1
    ));
    out.push_str("<ul class=\"note\">\n");
    for n in notes {
        out.push_str(&format!("<li>{n}</li>\n"));
    }
    out.push_str("</ul>\n");
}
