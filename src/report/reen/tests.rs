//! Tests of the review on figures built by the real computations (see `report::fixtures`).

use std::collections::{BTreeMap, BTreeSet};

use crate::agec::reen::DEFAULT_REEN_CLASSES;
use crate::agec::{AgecRules, deee_year, donations_year, reen_year, year_shares};
use crate::footprint::FootprintConfig;
use crate::indicators::{Engine, EngineSettings};
use crate::report::fixtures::{Review, YEAR, d};

use super::{reen_csv, reen_html};

/// Splits an RFC 4180 document into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last line ends with \\n"
    );
    records
}

/// `(section, indicator)` → `(value, unit, note)`.
fn cells(csv: &str) -> BTreeMap<(String, String), (String, String, String)> {
    let records = parse_csv(csv);
    assert_eq!(
        records[0],
        ["section", "indicator", "value", "unit", "note"]
    );
    let mut out = BTreeMap::new();
    for r in &records[1..] {
        assert_eq!(r.len(), 5, "{r:?}");
        let key = (r[0].clone(), r[1].clone());
        let dup = out.insert(key, (r[2].clone(), r[3].clone(), r[4].clone()));
        assert!(dup.is_none(), "one row per indicator: {r:?}");
    }
    out
}

fn value<'a>(
    cells: &'a BTreeMap<(String, String), (String, String, String)>,
    section: &str,
    indicator: &str,
) -> &'a str {
    &cells
        .get(&(section.to_string(), indicator.to_string()))
        .unwrap_or_else(|| panic!("no row {section},{indicator}"))
        .0
}

/// Figures of a year with nothing in it: every rate and share is `None`.
fn empty() -> Review {
    let classes = DEFAULT_REEN_CLASSES.into_iter().collect();
    let donation = regex::Regex::new(crate::agec::settings::DEFAULT_DONATION_STATUS).unwrap();
    let mut engine = Engine::new(EngineSettings {
        footprint: FootprintConfig::builtin().unwrap(),
        headcount: BTreeMap::new(),
    });
    engine.rebuild([], chrono::Utc::now());
    Review {
        reen: reen_year(&[], &classes, YEAR),
        deee: deee_year(&[], YEAR),
        donations: donations_year(&[], YEAR, &donation),
        agec: year_shares(&AgecRules::default(), &[], YEAR, d(YEAR, 6, 30)),
        indicators: engine.snapshot(),
        printing: None,
        mail: None,
        years: Vec::new(),
    }
}

#[test]
fn an_organisation_named_like_markup_is_escaped_in_the_page() {
    let f = Review::closed();
    let html = reen_html(&f.report(Some("<script>alert('x')</script> & Cie"), true));
    assert!(!html.contains("<script"), "no script element at all");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Cie"));
    assert!(html.contains("Matériel de reprographie et d&#39;impression"));
}

#[test]
fn the_page_is_french_and_self_contained() {
    let f = Review::closed();
    let html = reen_html(&f.report(Some("Ville de Saint-Exemple"), true));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(html.contains(
        "<title>Bilan annuel numérique responsable 2025 — Ville de Saint-Exemple</title>"
    ));
    assert!(html.contains("<h1>Bilan annuel numérique responsable 2025</h1>"));
    for banned in [
        "<script", "<link", "<img", "src=", "http://", "https://", "url(",
    ] {
        assert!(!html.contains(banned), "{banned}");
    }
    for id in [
        "synthese",
        "reen",
        "deee",
        "dons",
        "agec",
        "empreinte",
        "durees",
        "couverture",
        "methode",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn the_review_draws_its_rate_exits_and_ages_with_their_figures_in_words() {
    let f = Review::closed();
    let html = reen_html(&f.report(None, true));
    for id in ["graphique-reen", "graphique-deee", "graphique-ages"] {
        assert!(
            html.contains(&format!(r#"<figure class="chart" id="{id}">"#)),
            "{id}"
        );
        assert!(
            html.contains(&format!(r#"aria-labelledby="{id}-t {id}-d""#)),
            "{id}"
        );
    }
    assert!(html.contains("Matériel réformé parti en réemploi : 37,5\u{a0}%, minimum 50,0\u{a0}%"));
}

#[test]
fn the_to_date_banner_appears_only_when_the_year_is_not_over() {
    let f = Review::closed();
    let closed = reen_html(&f.report(None, true));
    assert!(!closed.contains("class=\"banner\""));
    assert!(!closed.contains("Chiffres à date"));
    let running = reen_html(&f.report(None, false));
    assert!(running.contains(
        "<strong>Chiffres à date.</strong> L'année 2025 n'est pas terminée : les chiffres sont \
         arrêtés au 30 juin 2025"
    ));
}

#[test]
fn the_reen_rate_and_its_target_appear_with_the_verdict() {
    let f = Review::closed();
    assert_eq!((f.reen.reused, f.reen.retired), (3, 8));
    let html = reen_html(&f.report(None, true));
    assert!(html.contains(
        "Taux de réemploi : <strong class=\"big\">37,5\u{a0}%</strong> pour un objectif de \
         <strong>50\u{a0}%</strong> en 2025."
    ));
    assert!(html.contains("objectif non atteint"));
    let running = reen_html(&f.report(None, false));
    assert!(running.contains("objectif pas encore atteint à cette date"));

    let c = cells(&reen_csv(&f.report(None, true)));
    let rate = &c[&("reen".to_string(), "reuse_rate".to_string())];
    assert_eq!(
        rate,
        &(
            "0.375".to_string(),
            "ratio".to_string(),
            "A / B, décret 2023-266, target 0.5".to_string()
        )
    );
    assert_eq!(value(&c, "reen", "target"), "0.5");
    assert_eq!(value(&c, "reen", "target_met"), "false");
    assert_eq!(value(&c, "reen", "retired_in_stock_1_january"), "5");
    assert_eq!(value(&c, "reen", "excluded_over_10_years"), "1");
    assert_eq!(value(&c, "reen", "excluded_security"), "1");
}

#[test]
fn figures_read_in_french_on_the_page() {
    let f = Review::closed();
    let html = reen_html(&f.report(None, true));
    // The IT spend: 1 236 067,94 € excl. VAT, grouped with narrow no-break spaces.
    assert!(html.contains("1\u{202f}236\u{202f}067,94\u{a0}€"));
    // DEEE: 3 of 6 exits reused; collection 5 of 10.
    assert!(html.contains("<td class=\"n\">3</td><td class=\"n\">50\u{a0}%</td>"));
    assert!(html.contains("Taux de collecte : <strong>50\u{a0}%</strong>"));
    assert!(html.contains("soit environ <strong>2 personnes équipées</strong>"));
    assert!(html.contains("kgCO2e"));
    // 18,977 % of IT spend from reuse, short of 20 %: rounded down, never shown as 20 %.
    assert!(html.contains("<td class=\"n\">18,9\u{a0}%</td><td class=\"n\">20\u{a0}%</td>"));
    assert!(html.contains("il manque 12\u{202f}645,65\u{a0}€\u{a0}HT"));
    // Textiles have a minimum and no spend.
    assert!(html.contains("aucune dépense"));
}

#[test]
fn nothing_reads_nan_none_or_null_when_rates_are_missing() {
    let f = empty();
    assert_eq!(f.reen.rate, None);
    assert_eq!(f.deee.collection_rate, None);
    assert!(
        f.agec
            .categories
            .iter()
            .all(|c| c.year_to_date.reuse_share.is_none())
    );
    for complete in [true, false] {
        let r = f.report(Some("Commune"), complete);
        for out in [reen_csv(&r), reen_html(&r)] {
            for bad in ["NaN", "None", "null", "Some(", "inf,"] {
                assert!(!out.contains(bad), "{bad} in\n{out}");
            }
        }
        let c = cells(&reen_csv(&r));
        assert_eq!(value(&c, "reen", "reuse_rate"), "");
        assert_eq!(value(&c, "reen", "target_met"), "");
        assert_eq!(value(&c, "deee", "collection_rate"), "");
        assert_eq!(value(&c, "agec", "it_telephony.reuse_share"), "");
        assert_eq!(value(&c, "lifespan", "age_mean_years"), "");
        assert_eq!(value(&c, "footprint", "embodied_kgco2e_per_year"), "");
    }
}

#[test]
fn every_csv_value_is_a_number_or_empty_except_text_dates_and_booleans() {
    let f = Review::closed();
    for complete in [true, false] {
        for ((section, indicator), (value, unit, _)) in cells(&reen_csv(&f.report(None, complete)))
        {
            match unit.as_str() {
                "text" | "date" | "datetime" => {}
                "boolean" => assert!(
                    ["true", "false", ""].contains(&value.as_str()),
                    "{section},{indicator}"
                ),
                _ => assert!(
                    value.is_empty()
                        || value.parse::<f64>().is_ok_and(f64::is_finite)
                            && !value.contains(['e', 'E']),
                    "{section},{indicator} = {value}"
                ),
            }
        }
    }
}

#[test]
fn the_csv_has_a_row_per_stated_indicator() {
    let f = Review::closed();
    let c = cells(&reen_csv(&f.report(Some("Ville"), true)));
    let want: BTreeSet<(&str, &str)> = [
        ("report", "year"),
        ("report", "organisation"),
        ("report", "generated_on"),
        ("report", "complete"),
        ("reen", "retired_in_stock_1_january"),
        ("reen", "retired_during_year"),
        ("reen", "retired_b"),
        ("reen", "reused_a"),
        ("reen", "reuse_rate"),
        ("reen", "target"),
        ("reen", "target_met"),
        ("reen", "unknown_age"),
        ("reen", "excluded_over_10_years"),
        ("reen", "excluded_security"),
        ("reen", "excluded_class"),
        ("reen", "unplaced"),
        ("deee", "exits"),
        ("deee", "reused"),
        ("deee", "recycled"),
        ("deee", "destroyed"),
        ("deee", "reused_share"),
        ("deee", "recycled_share"),
        ("deee", "destroyed_share"),
        ("deee", "retired"),
        ("deee", "collected"),
        ("deee", "collection_rate"),
        ("deee", "unplaced"),
        ("donations", "devices_given"),
        ("donations", "people_equipped"),
        ("donations_class", "laptop.devices_given"),
        ("footprint", "computed_at"),
        ("footprint", "in_service"),
        ("footprint", "embodied_kgco2e_per_year"),
        ("footprint", "use_kgco2e_per_year"),
        ("footprint", "total_kgco2e_per_year"),
        ("footprint", "devices_per_agent"),
        ("footprint_class", "laptop.embodied_kgco2e_per_year"),
        ("footprint_class", "desktop.total_kgco2e_per_year"),
        ("lifespan", "age_mean_years"),
        ("lifespan", "mean_at_exit_years"),
        ("lifespan", "laptop.mean_at_exit_years"),
        ("lifespan", "desktop.past_target_lifespan"),
        ("coverage", "devices"),
        ("coverage", "in_service"),
        ("coverage", "covered"),
        ("coverage", "coverage_ratio"),
        ("coverage", "excluded.no_factor"),
        ("coverage", "other.coverage_ratio"),
        ("agec", "as_of"),
        ("agec", "excluded_purchases"),
        ("agec", "excluded.no_date"),
        ("agec", "excluded.no_category"),
        ("agec", "zero_amount_purchases"),
        ("agec", "it_telephony.total_eur"),
        ("agec", "it_telephony.reuse_share"),
        ("agec", "it_telephony.reuse_min"),
        ("agec", "it_telephony.reuse_met"),
        ("agec", "it_telephony.reuse_gap_eur"),
        ("agec", "it_telephony.recycled_share"),
        ("agec", "textiles.recycled_min"),
    ]
    .into_iter()
    .collect();
    let have: BTreeSet<(&str, &str)> = c.keys().map(|(s, i)| (s.as_str(), i.as_str())).collect();
    let missing: Vec<_> = want.difference(&have).collect();
    assert!(missing.is_empty(), "missing rows: {missing:?}");

    assert_eq!(value(&c, "report", "organisation"), "Ville");
    assert_eq!(value(&c, "deee", "collection_rate"), "0.5");
    assert_eq!(value(&c, "donations", "people_equipped"), "2");
    assert_eq!(value(&c, "agec", "it_telephony.total_eur"), "1236067.94");
    assert_eq!(value(&c, "lifespan", "laptop.mean_at_exit_years"), "5.17");
    assert_eq!(value(&c, "coverage", "excluded.no_factor"), "1");
    // The projection is for a year still running only.
    assert!(!have.contains(&("agec", "it_telephony.projected_total_eur")));
}

#[test]
fn a_running_year_carries_the_projection_to_31_december() {
    let f = Review::new(crate::report::fixtures::shares_to_date());
    let c = cells(&reen_csv(&f.report(None, false)));
    assert_eq!(value(&c, "report", "complete"), "false");
    assert!(!value(&c, "agec", "it_telephony.projected_total_eur").is_empty());
    let html = reen_html(&f.report(None, false));
    assert!(html.contains("Projection au 31 décembre"));
}

#[test]
fn the_printing_section_shows_each_entity_with_the_factors_cited() {
    let f = Review::closed();
    let c = cells(&reen_csv(&f.report(None, true)));
    // 1000 sheets one-sided and 300 + 100 for the school's 500 pages (200 two-sided):
    // 1400 × 4.9896 g = 6.98544 kg; × 0.919 = 6.41961936 kgCO2e.
    assert_eq!(value(&c, "printing", "pages"), "1500");
    assert_eq!(value(&c, "printing", "sheets"), "1400");
    assert_eq!(value(&c, "printing", "paper_kg"), "6.98544");
    assert_eq!(value(&c, "printing", "paper_kgco2e"), "6.41962");
    // A week of an MFP (0.5376 kWh) and of a printer (0.42 kWh) at 0.0461 kgCO2e/kWh.
    assert_eq!(value(&c, "printing", "energy_kwh"), "0.9576");
    assert_eq!(value(&c, "printing", "energy_kgco2e"), "0.0441454");
    // The town hall's MFP is in the fleet: only the school's printer's energy is added.
    assert_eq!(
        value(&c, "printing", "energy_kgco2e_in_fleet_use"),
        "0.0247834"
    );
    assert_eq!(value(&c, "printing", "footprint_part_kgco2e"), "6.43898");
    assert_eq!(value(&c, "printing", "supply_replacements"), "2");
    assert_eq!(value(&c, "printing", "printers_responding"), "1");
    assert_eq!(
        value(&c, "printing_entity", "Mairie.agents_per_printer"),
        "120"
    );
    assert_eq!(
        value(&c, "printing_entity", "École <Jules Ferry>.pages"),
        "500"
    );
    assert_eq!(
        value(&c, "printing_factors", "paper_kgco2e_per_kg"),
        "0.919"
    );
    let (_, unit, note) = &c[&(
        "printing_factors".to_string(),
        "paper_kgco2e_per_kg".to_string(),
    )];
    assert_eq!(unit, "kgCO2e/kg");
    assert!(
        note.contains("Copacel") && note.ends_with("(2021)"),
        "{note}"
    );
    assert_eq!(
        value(&c, "printing_factors", "mfp.tec_kwh_per_week"),
        "0.5376"
    );

    let html = reen_html(&f.report(None, true));
    assert!(html.contains("<section id=\"impression\">"));
    assert!(
        html.contains("<strong class=\"big\">1\u{202f}500 pages</strong>"),
        "{html}"
    );
    assert!(html.contains("École &lt;Jules Ferry&gt;"));
    assert!(!html.contains("<Jules"));
    assert!(html.contains("Copacel"));
    assert!(html.contains("0,919\u{a0}kgCO2e/kg"));
    assert!(html.contains("ADEME Base Empreinte"));
    // No printing figures, no section.
    assert!(!reen_html(&empty().report(None, true)).contains("id=\"impression\""));
}

#[test]
fn the_mail_section_shows_entities_and_the_three_scenarios_with_their_sources() {
    let f = Review::closed();
    let c = cells(&reen_csv(&f.report(None, true)));
    assert_eq!(value(&c, "mail", "mailboxes"), "43");
    assert_eq!(value(&c, "mail", "stored_bytes"), "13000000000");
    assert_eq!(value(&c, "mail", "sent_messages"), "500");
    assert_eq!(value(&c, "mail", "received_messages"), "1800");
    assert_eq!(value(&c, "mail_entity", "Mairie.received_messages"), "1800");
    // The school's INBOXes were not counted: no figure, not a zero.
    assert_eq!(
        value(&c, "mail_entity", "École <Jules Ferry>.received_messages"),
        ""
    );
    // 12 GB over 120 agents.
    assert_eq!(
        value(&c, "mail_entity", "Mairie.stored_bytes_per_agent"),
        "100000000"
    );
    assert_eq!(
        value(&c, "mail_domain", "ecole.fr.attachment_share"),
        "0.25"
    );
    assert_eq!(value(&c, "mail", "attachment_share"), "0.25");
    // The ADEME model's 52.1 g per GB-year, 13 GB for the year.
    let high: f64 = value(&c, "mail", "storage_kgco2e.high").parse().unwrap();
    assert!((high - 13.0 * 0.0521).abs() < 0.01, "{high}");
    let low: f64 = value(&c, "mail", "storage_kgco2e.low").parse().unwrap();
    let central: f64 = value(&c, "mail", "storage_kgco2e.central").parse().unwrap();
    assert!(low < central && central < high);
    // Nothing sent from the school: no transfer figure, not a zero.
    assert_eq!(
        value(
            &c,
            "mail_entity",
            "École <Jules Ferry>.transfer_kgco2e.central"
        ),
        ""
    );
    let (_, unit, note) = &c[&("mail_factors".to_string(), "storage.high".to_string())];
    assert_eq!(unit, "kgCO2e/GB/year");
    assert!(note.contains("ADEME publicodes-acv-numerique"), "{note}");

    let html = reen_html(&f.report(None, true));
    assert!(html.contains("<section id=\"messagerie\">"));
    assert!(html.contains("École &lt;Jules Ferry&gt;"));
    assert!(html.contains("Stockage, scénario central"));
    assert!(html.contains("NegaOctet"));
    assert!(html.contains("1\u{202f}800 messages reçus"));
    assert!(html.contains(">Messages reçus</th>"));
    let section = &html[html.find("id=\"messagerie\"").unwrap()..];
    assert!(!section[..section.find("</section>").unwrap()].contains('@'));
}

#[test]
fn the_review_draws_the_years_the_reen_schedule_and_the_age_pyramid_with_their_figures() {
    let f = Review::closed();
    let html = reen_html(&f.report(None, true));
    for id in [
        "graphique-tendance",
        "graphique-reen-annees",
        "graphique-pyramide",
    ] {
        assert!(
            html.contains(&format!(r#"<figure class="chart" id="{id}">"#)),
            "{id}"
        );
        assert!(
            html.contains(&format!(r#"aria-labelledby="{id}-t {id}-d""#)),
            "{id}"
        );
    }
    assert!(html.contains(r#"<section id="tendance">"#));
    // Each year of the decree against its own target: none retired in 2023, 0 of 5 in
    // 2024 (against 35 %), 3 of 8 in 2025 (against 50 %).
    assert!(
        html.contains(
            "2023 : réemploi du matériel réformé : sans objet, minimum 25,0\u{a0}% ; \
             2024 : réemploi du matériel réformé : 0,0\u{a0}%, minimum 35,0\u{a0}% ; \
             2025 : réemploi du matériel réformé : 37,5\u{a0}%, minimum 50,0\u{a0}%"
        ),
        "{html}"
    );
    // The trend's points are the fleet's footprint at each year's end the history reaches.
    let gwp = |g: &crate::indicators::Group| g.embodied_per_year["gwp"] + g.use_per_year["gwp"];
    let by_year: Vec<(i32, f64)> = f
        .years
        .iter()
        .filter_map(|y| y.fleet.as_ref().map(|fl| (y.year, gwp(&fl.total))))
        .collect();
    assert_eq!(
        by_year.len(),
        2,
        "2024 and 2025, not 2023 (before the history)"
    );
    let desc = html
        .split(r#"<desc id="graphique-tendance-d">"#)
        .nth(1)
        .and_then(|s| s.split("</desc>").next())
        .unwrap();
    let want: Vec<String> = by_year
        .iter()
        .map(|(y, v)| format!("{y} : {} kgCO2e/an", crate::report::format::fr_quantity(*v)))
        .collect();
    assert_eq!(desc, want.join(" ; "));
    // The pyramid: the oldest band on top; each band's total is the fleet's.
    let bands: Vec<u64> = f
        .indicators
        .total
        .age_bands
        .iter()
        .map(|b| b.devices)
        .collect();
    assert_eq!(bands, [0, 1, 0, 3, 0, 0, 0, 0, 1, 0]);
    let desc = html
        .split(r#"<desc id="graphique-pyramide-d">"#)
        .nth(1)
        .and_then(|s| s.split("</desc>").next())
        .unwrap();
    assert!(
        desc.starts_with("10 ans et plus : 0 ; 8 à 10 ans : 1 (Ordinateurs fixes 1)"),
        "{desc}"
    );
    assert!(
        desc.contains("3 à 4 ans : 3 (")
            && desc.ends_with("Moins d&#39;1 an : 0")
            && desc.contains("1 à 2 ans : 1 (Ordinateurs portables 1)"),
        "{desc}"
    );
    // The pyramid's table gives every class and the unknown ages.
    assert!(html.contains("<th scope=\"col\" class=\"n\">Âge inconnu</th>"));
}

#[test]
fn the_csv_carries_the_years_and_the_age_bands() {
    let f = Review::closed();
    let c = cells(&reen_csv(&f.report(None, true)));
    assert_eq!(value(&c, "trend", "2023.reuse_rate"), "");
    assert_eq!(value(&c, "trend", "2023.reuse_target"), "0.25");
    assert_eq!(value(&c, "trend", "2024.reuse_rate"), "0");
    assert_eq!(value(&c, "trend", "2024.retired_b"), "5");
    assert_eq!(value(&c, "trend", "2025.reuse_rate"), "0.375");
    assert_eq!(value(&c, "trend", "2025.reuse_target"), "0.5");
    assert_eq!(value(&c, "trend", "2024.fleet_on"), "2024-12-31");
    assert_eq!(value(&c, "trend", "2025.in_service"), "5");
    assert!(!c.contains_key(&("trend".to_string(), "2023.in_service".to_string())));
    assert_eq!(value(&c, "age_bands", "age_3_4_years"), "3");
    assert_eq!(value(&c, "age_bands", "age_10_plus_years"), "0");
    assert_eq!(value(&c, "age_bands", "age_unknown"), "0");
    assert_eq!(value(&c, "age_bands", "desktop.age_8_10_years"), "1");
    assert_eq!(value(&c, "age_bands", "laptop.age_1_2_years"), "1");
}

#[test]
fn a_review_without_history_or_ages_has_no_trend_and_no_pyramid() {
    let f = empty();
    let html = reen_html(&f.report(None, true));
    assert!(!html.contains("id=\"tendance\""));
    assert!(!html.contains("graphique-pyramide"));
}
