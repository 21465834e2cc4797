//! The page's printing section: pages, paper, the climate impact of paper and printers'
//! electricity, printer sharing and supplies replaced, per entity, with the factors cited.

use crate::printing::{PrintGroup, PrintingFigures, Sourced};
use crate::report::format::{NBSP, esc, fr_count, fr_number, fr_quantity};

use super::ReenReport;
use super::html::{close, open, opt_quantity, para, table};

pub(super) fn printing(out: &mut String, r: &ReenReport) {
    let Some(p) = r.printing else {
        return;
    };
    open(out, "impression", "Impression");
    let t = &p.total;
    if t.printers == 0 {
        para(
            out,
            "",
            "Aucune imprimante n'est connue : ni l'inventaire ni un relevé de compteurs n'en \
             signale.",
        );
        factors(out, p);
        close(out);
        return;
    }
    let kg = |x: f64| format!("{}{NBSP}kg", fr_quantity(x));
    let co2 = |x: f64| format!("{}{NBSP}kgCO2e", fr_quantity(x));
    para(
        out,
        "lead",
        &format!(
            "<strong class=\"big\">{} pages</strong> imprimées sur {} feuilles, soit {} de \
             papier ; impact climatique de l'impression : <strong>{}</strong>, dont {} pour le \
             papier et {} pour l'électricité des imprimantes.",
            fr_count(t.pages.round() as u64),
            fr_count(t.sheets.round() as u64),
            kg(t.paper_kg),
            co2(t.kgco2e),
            co2(t.paper_kgco2e),
            co2(t.energy_kgco2e),
        ),
    );
    para(
        out,
        "note",
        &format!(
            "{} imprimantes, dont {} dont les compteurs sont relevés et {} qui répondaient au \
             dernier relevé ; {} cartouches et autres consommables remplacés. L'électricité \
             et la fabrication des imprimantes en service de l'inventaire sont déjà comptées \
             dans l'empreinte du parc ({} de l'électricité ci-dessus) : l'impression y ajoute \
             {}.",
            fr_count(t.printers),
            fr_count(t.printers_read),
            fr_count(t.printers_responding),
            fr_count(t.supply_replacements.round() as u64),
            co2(t.energy_kgco2e_in_fleet_use),
            co2(t.footprint_part_kgco2e),
        ),
    );
    let row = |name: String, g: &PrintGroup| {
        vec![
            name,
            fr_count(g.printers),
            g.agents_per_printer.map_or("—".into(), |a| fr_number(a, 1)),
            fr_count(g.pages.round() as u64),
            g.pages_per_printer_per_month
                .map_or("—".into(), |v| fr_count(v.round() as u64)),
            opt_quantity(Some(g.paper_kg)),
            opt_quantity(Some(g.paper_kgco2e)),
            opt_quantity(Some(g.energy_kgco2e)),
            fr_count(g.supply_replacements.round() as u64),
        ]
    };
    let rows: Vec<Vec<String>> = p
        .by_entity
        .iter()
        .map(|(e, g)| row(entity_name(e), g))
        .collect();
    out.push_str("<h3>Par entité</h3>\n");
    table(
        out,
        &[
            "Entité",
            "Imprimantes",
            "Agents par imprimante",
            "Pages",
            "Pages par imprimante et par mois",
            "Papier (kg)",
            "Papier (kgCO2e)",
            "Électricité (kgCO2e)",
            "Consommables remplacés",
        ],
        &rows,
        Some(&row("Total".into(), t)),
    );
    factors(out, p);
    close(out);
}

fn entity_name(e: &str) -> String {
    match e {
        crate::printing::UNASSIGNED => "Hors inventaire".to_string(),
        crate::indicators::NO_ENTITY => "Sans entité".to_string(),
        other => esc(other).into_owned(),
    }
}

fn cite(s: &Sourced) -> String {
    let date = if s.date.is_empty() {
        String::new()
    } else {
        format!(", {}", esc(&s.date))
    };
    format!("{}{date}", esc(&s.source))
}

fn factors(out: &mut String, p: &PrintingFigures) {
    let f = &p.factors;
    out.push_str("<h3>Facteurs</h3>\n<ul class=\"note\">\n");
    out.push_str(&format!(
        "<li>Feuille {} de {}{NBSP}g/m² : {}{NBSP}g.</li>\n",
        f.sheet_size,
        fr_number(f.grammage_g_per_m2, 0),
        fr_number(f.sheet_kg * 1000.0, 2)
    ));
    out.push_str(&format!(
        "<li>Papier ({}) : {}{NBSP}kgCO2e/kg ({}).</li>\n",
        if f.paper == "recycled" {
            "recyclé"
        } else {
            "fibres vierges"
        },
        fr_number(f.paper_kgco2e_per_kg.value, 3),
        cite(&f.paper_kgco2e_per_kg)
    ));
    for (class, tec) in &f.tec_kwh_per_week {
        out.push_str(&format!(
            "<li>Consommation hebdomadaire type ({}) : {}{NBSP}kWh par semaine ({}).</li>\n",
            esc(super::labels::class(class)),
            fr_number(tec.value, 3),
            cite(tec)
        ));
    }
    out.push_str(&format!(
        "<li>Électricité : {}{NBSP}kgCO2e/kWh ({}).</li>\n",
        fr_number(f.electricity_kgco2e_per_kwh.value, 4),
        cite(&f.electricity_kgco2e_per_kwh)
    ));
    out.push_str(&format!(
        "<li>Feuilles : le compteur de feuilles de l'imprimante, sinon les pages moins la \
         moitié des pages recto verso, sinon {} des pages supposées recto verso. Une imprimante \
         lue par plusieurs sources compte une fois.</li>\n\
         <li>Consommables : comptés, sans facteur d'impact vérifié, donc sans impact \
         chiffré.</li>\n</ul>\n",
        crate::report::format::fr_percent(f.duplex_share_when_unknown)
    ));
}
