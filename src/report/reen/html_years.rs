//! The page's section on the years: the fleet's footprint at the end of each year parcd's
//! history reaches, and the REEN rate of each year since the decree against its target.

use crate::footprint::Criterion;
use crate::report::format::{NBSP, fr_count, fr_date, fr_percent};

use super::html::{close, open, opt_percent, opt_quantity, para, table, years};
use super::html_charts::year_label;
use super::{ReenReport, parts};

pub(super) fn years_section(out: &mut String, r: &ReenReport) {
    if r.years.is_empty() {
        return;
    }
    open(out, "tendance", "Évolution d'une année sur l'autre");
    let first = r
        .years
        .iter()
        .find_map(|y| y.fleet.as_ref().map(|f| f.on.format("%Y").to_string()));
    match first {
        Some(first) => para(
            out,
            "",
            &format!(
                "Le parc tel qu'il était à la fin de chaque année, reconstitué à partir de \
                 l'historique que parcd tient depuis {first} (mises en service, sorties, \
                 déménagements) ; pour l'année en cours, le parc au jour du bilan."
            ),
        ),
        None => para(
            out,
            "note",
            "L'historique de parcd ne remonte pas à la fin d'une année : l'évolution du parc \
             apparaîtra dans le bilan de l'an prochain.",
        ),
    }
    out.push_str(&super::html_charts::trend(r));
    let fleet_rows: Vec<Vec<String>> = r
        .years
        .iter()
        .filter_map(|y| {
            let f = y.fleet.as_ref()?;
            let (_, _, total) = parts(&f.total, Criterion::Gwp);
            Some(vec![
                year_label(r, y.year),
                fr_date(f.on),
                fr_count(f.total.in_service),
                opt_quantity(total),
                years(f.total.age_mean_years),
                fr_count(y.deee.exits),
            ])
        })
        .collect();
    if !fleet_rows.is_empty() {
        table(
            out,
            &[
                "Année",
                "Parc au",
                "Appareils en service",
                "Empreinte carbone (kgCO2e par an)",
                "Âge moyen",
                "Sorties dans l'année",
            ],
            &fleet_rows,
            None,
        );
    }
    let reen: Vec<_> = r.years.iter().filter(|y| y.reen.target.is_some()).collect();
    if !reen.is_empty() {
        out.push_str("<h3>Taux de réemploi face à l'objectif, année par année</h3>\n");
        out.push_str(&super::html_charts::reen_years(r));
        let rows: Vec<Vec<String>> = reen
            .iter()
            .map(|y| {
                let verdict = match y.reen.target_met() {
                    Some(true) => "atteint",
                    Some(false) if y.year == r.year && !r.complete => "pas encore atteint",
                    Some(false) => "non atteint",
                    None => "sans objet (aucun matériel réformé)",
                };
                vec![
                    year_label(r, y.year),
                    fr_count(y.reen.reused),
                    fr_count(y.reen.retired),
                    opt_percent(y.reen.rate),
                    y.reen
                        .target
                        .map_or("—".into(), |t| fr_percent(t.min.fraction())),
                    verdict.to_string(),
                ]
            })
            .collect();
        table(
            out,
            &[
                "Année",
                "A : partis en réemploi",
                "B : réformés",
                "Taux A÷B",
                "Objectif",
                "Résultat",
            ],
            &rows,
            None,
        );
        para(
            out,
            "note",
            &format!(
                "Taux calculés à partir des dates de réforme et de sortie inscrites dans \
                 l'inventaire, selon le décret n°{NBSP}2023-266 (objectifs de 25{NBSP}% en 2023, \
                 35{NBSP}% en 2024, 50{NBSP}% à partir de 2025)."
            ),
        );
    }
    close(out);
}
