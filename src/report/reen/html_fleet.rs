//! The page's sections on the fleet: footprint per criterion and per class, ages and lifespans,
//! and how much of the fleet the measure covers.

use crate::footprint::Criterion;
use crate::indicators::Group;
use crate::report::format::{NBSP, esc, fr_count, fr_number, fr_percent, fr_quantity, plural};

use super::html::{close, open, opt_percent, opt_quantity, para, table, years};
use super::labels;
use super::{ReenReport, parts};

fn class_name(key: &str) -> String {
    esc(labels::class(key)).into_owned()
}

pub(super) fn footprint(out: &mut String, r: &ReenReport) {
    let ind = r.indicators;
    let t = &ind.total;
    open(out, "empreinte", "Empreinte environnementale du parc");
    let kg = |x: f64| format!("{}{NBSP}kgCO2e", fr_quantity(x));
    let lead = match parts(t, Criterion::Gwp) {
        (Some(e), Some(u), Some(total)) => format!(
            "Empreinte carbone annuelle du matériel en service : <strong class=\"big\">{} par \
             an</strong>, dont {} pour la fabrication et {} pour l'usage.",
            kg(total),
            kg(e),
            kg(u)
        ),
        _ => "Empreinte carbone non calculable : aucun appareil en service n'a de facteur \
              d'impact."
            .to_string(),
    };
    para(out, "lead", &lead);
    para(
        out,
        "note",
        "Fabrication : l'impact de la fabrication, du transport et de la fin de vie de chaque \
         appareil, réparti sur sa durée de vie de référence ; un appareil qui la dépasse n'en \
         porte plus. Usage : l'électricité consommée en un an.",
    );

    let rows: Vec<Vec<String>> = Criterion::ALL
        .into_iter()
        .filter(|c| {
            t.embodied_per_year.contains_key(c.key()) || t.use_per_year.contains_key(c.key())
        })
        .map(|c| {
            let (name, unit) = labels::criterion(c);
            let (e, u, total) = parts(t, c);
            vec![
                format!("{name} ({unit})"),
                opt_quantity(e),
                opt_quantity(u),
                opt_quantity(total),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str("<h3>Par indicateur</h3>\n");
        table(
            out,
            &[
                "Indicateur",
                "Fabrication par an",
                "Usage par an",
                "Total par an",
            ],
            &rows,
            None,
        );
    }

    let fleet_total = parts(t, Criterion::Gwp).2.filter(|v| *v > 0.0);
    let rows: Vec<Vec<String>> = ind
        .by_class
        .iter()
        .filter(|(_, g)| g.in_service > 0)
        .map(|(class, g)| {
            let (e, u, total) = parts(g, Criterion::Gwp);
            let share = total.zip(fleet_total).map(|(c, f)| c / f);
            vec![
                class_name(class),
                fr_count(g.in_service),
                opt_quantity(e),
                opt_quantity(u),
                opt_quantity(total),
                opt_percent(share),
            ]
        })
        .collect();
    if !rows.is_empty() {
        out.push_str("<h3>Par type de matériel (changement climatique)</h3>\n");
        let (e, u, total) = parts(t, Criterion::Gwp);
        table(
            out,
            &[
                "Type de matériel",
                "En service",
                "Fabrication (kgCO2e/an)",
                "Usage (kgCO2e/an)",
                "Total (kgCO2e/an)",
                "Part du total",
            ],
            &rows,
            Some(&[
                "Ensemble du parc".into(),
                fr_count(t.in_service),
                opt_quantity(e),
                opt_quantity(u),
                opt_quantity(total),
                opt_percent(fleet_total.map(|_| 1.0)),
            ]),
        );
    }
    if let Some(per_agent) = t.devices_per_agent.filter(|v| v.is_finite()) {
        para(
            out,
            "",
            &format!(
                "{} {} en service par agent.",
                fr_number(per_agent, 2),
                if per_agent < 2.0 {
                    "appareil"
                } else {
                    "appareils"
                }
            ),
        );
    }
    close(out);
}

fn age_row(name: String, g: &Group) -> Vec<String> {
    vec![
        name,
        fr_count(g.in_service),
        years(g.age_mean_years),
        years(g.age_median_years),
        fr_count(g.past_target_lifespan),
        fr_count(g.exits),
        years(g.lifespan_at_exit_mean_years),
        years(g.lifespan_at_exit_median_years),
    ]
}

pub(super) fn ages(out: &mut String, r: &ReenReport) {
    let ind = r.indicators;
    open(out, "durees", "Âge et durée de vie du matériel");
    out.push_str(&super::html_charts::ages(r));
    let rows: Vec<Vec<String>> = ind
        .by_class
        .iter()
        .map(|(class, g)| age_row(class_name(class), g))
        .collect();
    table(
        out,
        &[
            "Type de matériel",
            "En service",
            "Âge moyen",
            "Âge médian",
            "Au-delà de la durée de référence",
            "Sortis du parc (cumul)",
            "Durée de vie moyenne à la sortie",
            "Durée de vie médiane à la sortie",
        ],
        &rows,
        Some(&age_row("Ensemble du parc".into(), &ind.total)),
    );
    para(
        out,
        "note",
        "Âge compté depuis la mise en service (à défaut, depuis la première apparition dans \
         l'inventaire). Durée de vie à la sortie : de la mise en service au réemploi, au \
         recyclage ou à la destruction. Durée de référence : celle sur laquelle l'impact de \
         fabrication est réparti ; garder un appareil au-delà n'ajoute plus d'impact de \
         fabrication.",
    );
    pyramid(out, r);
    close(out);
}

/// The devices in service by age band and class: the chart and its table.
fn pyramid(out: &mut String, r: &ReenReport) {
    let chart = super::html_charts::pyramid(r);
    if chart.is_empty() {
        return;
    }
    let ind = r.indicators;
    out.push_str("<h3>Pyramide des âges</h3>\n");
    out.push_str(&chart);
    let row = |name: String, g: &Group| {
        let known: u64 = g.age_bands.iter().map(|b| b.devices).sum();
        let mut cells = vec![name];
        cells.extend(g.age_bands.iter().map(|b| fr_count(b.devices)));
        cells.push(fr_count(g.in_service.saturating_sub(known)));
        cells.push(fr_count(g.in_service));
        cells
    };
    let rows: Vec<Vec<String>> = ind
        .by_class
        .iter()
        .filter(|(_, g)| g.in_service > 0)
        .map(|(class, g)| row(class_name(class), g))
        .collect();
    let labels: Vec<String> = ind
        .total
        .age_bands
        .iter()
        .map(super::html_charts::band_label)
        .collect();
    let mut head: Vec<&str> = vec!["Type de matériel"];
    head.extend(labels.iter().map(String::as_str));
    head.extend(["Âge inconnu", "En service"]);
    table(
        out,
        &head,
        &rows,
        Some(&row("Ensemble du parc".into(), &ind.total)),
    );
}

pub(super) fn coverage(out: &mut String, r: &ReenReport) {
    let ind = r.indicators;
    let t = &ind.total;
    open(out, "couverture", "Couverture de la mesure");
    para(
        out,
        "",
        &format!(
            "{} sur {} ont un facteur d'impact : couverture de <strong>{}</strong>. L'inventaire \
             compte {} au total, toutes phases confondues (en commande, en stock, en service, \
             réformés, sortis).",
            plural(t.covered, "appareil en service", "appareils en service"),
            fr_count(t.in_service),
            fr_percent(t.coverage_ratio),
            plural(t.devices, "appareil", "appareils")
        ),
    );
    if !t.excluded.is_empty() {
        out.push_str(
            "<p>Non comptés dans l'empreinte, qui est sous-estimée d'autant :</p>\n<ul>\n",
        );
        for (reason, n) in &t.excluded {
            out.push_str(&format!(
                "<li>{} : {}</li>\n",
                plural(*n, "appareil", "appareils"),
                esc(labels::footprint_exclusion(reason))
            ));
        }
        out.push_str("</ul>\n");
    }
    let rows: Vec<Vec<String>> = ind
        .by_class
        .iter()
        .filter(|(_, g)| g.in_service > 0 && g.covered < g.in_service)
        .map(|(class, g)| {
            vec![
                class_name(class),
                fr_count(g.in_service),
                fr_count(g.covered),
                fr_percent(g.coverage_ratio),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(
            out,
            &[
                "Type de matériel",
                "En service",
                "Avec facteur",
                "Couverture",
            ],
            &rows,
            None,
        );
    }
    close(out);
}
