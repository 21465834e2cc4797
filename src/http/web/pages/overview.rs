//! `/`: the fleet by class, phase and entity, its footprint by class and criterion with its
//! coverage, ages and lifespans; for one entity with `?entity=`.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use parcd_connectors::Phase;

use super::super::api::{self, Doc};
use super::super::charts::{self, Bar, Cell, PALETTE, Series};
use super::super::i18n::{CRITERIA, Lang};
use super::super::layout::{self, auto, num, pct};
use super::super::{Ctx, PageResult};
use super::{cards, entity_bars, f, figure, key_figure, note, section};
use crate::http::HttpState;

/// A phase's colour in the stacked bars.
fn phase_colour(p: Phase) -> &'static str {
    match p {
        Phase::InService => PALETTE[0],
        Phase::InStock => PALETTE[5],
        Phase::InRepair => PALETTE[1],
        Phase::Ordered => PALETTE[3],
        Phase::Retired => PALETTE[6],
        Phase::Reused => PALETTE[2],
        Phase::Recycled => PALETTE[7],
        Phase::Destroyed => PALETTE[4],
    }
}

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse("/", q.as_deref(), &headers, &["entity"])?;
    let lang = ctx.lang;
    let ind = api::indicators(&s, lang, None).await?;
    let entities = api::entities(&ind);
    api::check_entity(lang, ctx.entity.as_deref(), &entities)?;
    let counts = api::asset_counts(&s, lang).await?;
    let group: Vec<&str> = match &ctx.entity {
        Some(e) => vec!["by_entity", e.as_str()],
        None => vec!["total"],
    };

    let mut body = layout::entity_filter(&ctx, &entities, &[]);
    body.push_str(&key_figures(&ctx, &ind, &group));
    body.push_str(&fleet(&ctx, &ind, &counts, &group));
    if ctx.entity.is_none() {
        body.push_str(&by_entity(&ctx, &ind));
    }
    body.push_str(&footprint(&ctx, &ind, &group));
    body.push_str(&ages(&ctx, &ind, &group));
    let computed = ind.at("/computed_at").as_i64().unwrap_or(0);
    body.push_str(&note(&format!(
        "{} {}.",
        lang.t("Indicateurs calculés le", "Indicators computed on"),
        layout::when(computed)
    )));
    Ok(Html(layout::page(
        &ctx,
        lang.t("Le parc et son empreinte", "The fleet and its footprint"),
        &body,
    )))
}

/// A cell for the number at `group/rest` of the indicators, shown by `show`.
fn cell(ind: &Doc, group: &[&str], rest: &[&str], show: impl Fn(f64) -> String) -> Cell {
    let keys: Vec<&str> = group.iter().chain(rest).copied().collect();
    figure(ind, &keys, show)
}

fn key_figures(ctx: &Ctx, ind: &Doc, group: &[&str]) -> String {
    let lang = ctx.lang;
    let item = |label: &str, rest: &[&str], show: &dyn Fn(f64) -> String| {
        let keys: Vec<&str> = group.iter().chain(rest).copied().collect();
        key_figure(ind, label, &keys, show)
    };
    let count = |v: f64| num(lang, v, 0);
    let kg = |v: f64| format!("{} kg CO2e", num(lang, v, 0));
    let years = |v: f64| format!("{} {}", num(lang, v, 1), lang.t("ans", "years"));
    let share = |v: f64| pct(lang, v);
    cards(&[
        item(lang.t("Appareils", "Devices"), &["devices"], &count),
        item(lang.t("En service", "In service"), &["in_service"], &count),
        item(
            lang.t("Fabrication, par an", "Manufacture, per year"),
            &["embodied_per_year", "gwp"],
            &kg,
        ),
        item(
            lang.t("Utilisation, par an", "Use, per year"),
            &["use_per_year", "gwp"],
            &kg,
        ),
        item(
            lang.t("Couverture de l'empreinte", "Footprint coverage"),
            &["coverage_ratio"],
            &share,
        ),
        item(lang.t("Âge moyen", "Mean age"), &["age_mean_years"], &years),
    ])
}

fn fleet(
    ctx: &Ctx,
    ind: &Doc,
    counts: &[(String, String, Option<String>, i64)],
    group: &[&str],
) -> String {
    let lang = ctx.lang;
    // class → phase → devices, for the entity asked or all.
    let mut table: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for (class, phase, entity, n) in counts {
        let entity = entity.as_deref().unwrap_or("none");
        if ctx.entity.as_deref().is_some_and(|e| e != entity) {
            continue;
        }
        *table
            .entry(class.as_str())
            .or_default()
            .entry(phase.as_str())
            .or_default() += n;
    }
    let phases: Vec<Phase> = Phase::ALL
        .into_iter()
        .filter(|p| table.values().any(|m| m.contains_key(p.as_str())))
        .collect();
    let classes: Vec<&str> = table.keys().copied().collect();
    let series: Vec<Series> = phases
        .iter()
        .map(|p| Series {
            name: lang.phase(*p).to_string(),
            colour: phase_colour(*p),
            values: classes
                .iter()
                .map(|c| table[c].get(p.as_str()).copied().unwrap_or(0) as f64)
                .collect(),
        })
        .collect();
    let mut columns = vec![lang.t("Type", "Class")];
    columns.extend(phases.iter().map(|p| lang.phase(*p)));
    columns.push(lang.t("Total", "Total"));
    let mut rows: Vec<Vec<Cell>> = classes
        .iter()
        .map(|c| {
            let c = *c;
            let mut row = vec![Cell::head(lang.class(c))];
            row.extend(phases.iter().map(|p| {
                Cell::num(num(
                    lang,
                    table[c].get(p.as_str()).copied().unwrap_or(0) as f64,
                    0,
                ))
            }));
            let total: i64 = table[c].values().sum();
            row.push(if ctx.entity.is_none() {
                cell(ind, &["by_class", c], &["devices"], |v| num(lang, v, 0))
            } else {
                Cell::num(num(lang, total as f64, 0))
            });
            row
        })
        .collect();
    let mut total_row = vec![Cell::head(lang.t("Tout le parc", "Whole fleet"))];
    total_row.extend(phases.iter().map(|p| {
        let n: i64 = table.values().filter_map(|m| m.get(p.as_str())).sum();
        Cell::num(num(lang, n as f64, 0))
    }));
    total_row.push(cell(ind, group, &["devices"], |v| num(lang, v, 0)));
    rows.push(total_row);
    let labels: Vec<String> = classes.iter().map(|c| lang.class(c)).collect();
    let title = lang.t(
        "Appareils par type et par phase",
        "Devices by class and phase",
    );
    let chart = charts::stacked(
        "fleet-by-class",
        title,
        lang,
        &labels,
        &series,
        &charts::table(title, &columns, &rows),
    );
    section(
        "fleet",
        lang.t("Le parc", "The fleet"),
        &format!(
            "{}{chart}",
            note(lang.t(
                "Appareils présents dans l'inventaire (hors disparus), par phase de leur cycle de vie.",
                "Devices in the inventory (not vanished), by phase of their life cycle."
            ))
        ),
    )
}

fn by_entity(ctx: &Ctx, ind: &Doc) -> String {
    let lang = ctx.lang;
    let Some((entities, bars)) = entity_bars(lang, ind, "devices") else {
        return String::new();
    };
    let rows: Vec<Vec<Cell>> = entities
        .iter()
        .map(|e| {
            let g = ["by_entity", e.as_str()];
            vec![
                Cell::head(e.as_str()),
                cell(ind, &g, &["devices"], |v| num(lang, v, 0)),
                cell(ind, &g, &["in_service"], |v| num(lang, v, 0)),
                cell(ind, &g, &["embodied_per_year", "gwp"], |v| num(lang, v, 0)),
                cell(ind, &g, &["use_per_year", "gwp"], |v| num(lang, v, 0)),
                cell(ind, &g, &["devices_per_agent"], |v| num(lang, v, 2)),
            ]
        })
        .collect();
    let title = lang.t("Appareils par entité", "Devices by entity");
    let table = charts::table(
        title,
        &[
            lang.t("Entité", "Entity"),
            lang.t("Appareils", "Devices"),
            lang.t("En service", "In service"),
            lang.t("Fabrication (kg CO2e/an)", "Manufacture (kg CO2e/yr)"),
            lang.t("Utilisation (kg CO2e/an)", "Use (kg CO2e/yr)"),
            lang.t("Appareils par agent", "Devices per agent"),
        ],
        &rows,
    );
    section(
        "entities",
        lang.t("Par entité", "By entity"),
        &charts::bars("fleet-by-entity", title, &bars, &table),
    )
}

fn footprint(ctx: &Ctx, ind: &Doc, group: &[&str]) -> String {
    let lang = ctx.lang;
    let mut out = note(lang.t(
        "Impact annuel des appareils en service : la fabrication répartie sur la durée de vie de référence, et l'électricité consommée (méthode BoaviztAPI). Un appareil sans facteur d'impact est compté à part, jamais comme zéro.",
        "Yearly impact of the devices in service: their manufacture spread over the reference lifespan, and the electricity they use (BoaviztAPI's method). A device with no impact factor is counted apart, never as zero.",
    ));
    if ctx.entity.is_none()
        && let Some(map) = ind.json["by_class"].as_object()
    {
        let classes: Vec<&String> = map
            .iter()
            .filter(|(_, g)| f(&g["in_service"]).unwrap_or(0.0) > 0.0)
            .map(|(c, _)| c)
            .collect();
        let value = |c: &str, part: &str| f(&map[c][part]["gwp"]).unwrap_or(0.0);
        let series = vec![
            Series {
                name: lang.t("Fabrication", "Manufacture").to_string(),
                colour: PALETTE[0],
                values: classes
                    .iter()
                    .map(|c| value(c, "embodied_per_year"))
                    .collect(),
            },
            Series {
                name: lang.t("Utilisation", "Use").to_string(),
                colour: PALETTE[1],
                values: classes.iter().map(|c| value(c, "use_per_year")).collect(),
            },
        ];
        let rows: Vec<Vec<Cell>> = classes
            .iter()
            .map(|c| {
                let g = ["by_class", c.as_str()];
                vec![
                    Cell::head(lang.class(c)),
                    cell(ind, &g, &["in_service"], |v| num(lang, v, 0)),
                    cell(ind, &g, &["coverage_ratio"], |v| pct(lang, v)),
                    cell(ind, &g, &["embodied_per_year", "gwp"], |v| num(lang, v, 0)),
                    cell(ind, &g, &["use_per_year", "gwp"], |v| num(lang, v, 0)),
                ]
            })
            .collect();
        let title = lang.t(
            "Changement climatique par type, kg CO2e par an",
            "Climate change by class, kg CO2e per year",
        );
        let table = charts::table(
            title,
            &[
                lang.t("Type", "Class"),
                lang.t("En service", "In service"),
                lang.t("Couverture", "Coverage"),
                lang.t("Fabrication", "Manufacture"),
                lang.t("Utilisation", "Use"),
            ],
            &rows,
        );
        let labels: Vec<String> = classes.iter().map(|c| lang.class(c)).collect();
        out.push_str(&charts::stacked(
            "footprint-by-class",
            title,
            lang,
            &labels,
            &series,
            &table,
        ));
    }
    let rows: Vec<Vec<Cell>> = CRITERIA
        .into_iter()
        .map(|c| {
            let (name, unit) = lang.criterion(c);
            vec![
                Cell::head(format!("{name} ({unit})")),
                cell(ind, group, &["embodied_per_year", c], |v| auto(lang, v)),
                cell(ind, group, &["use_per_year", c], |v| auto(lang, v)),
            ]
        })
        .collect();
    out.push_str(&charts::table(
        lang.t(
            "Impact par an, par critère (– : aucun facteur pour ce critère)",
            "Impact per year, by criterion (–: no factor for this criterion)",
        ),
        &[
            lang.t("Critère", "Criterion"),
            lang.t("Fabrication", "Manufacture"),
            lang.t("Utilisation", "Use"),
        ],
        &rows,
    ));
    let g = match group {
        [single] => &ind.json[*single],
        [a, b, ..] => &ind.json[*a][*b],
        [] => &serde_json::Value::Null,
    };
    let mut coverage = format!(
        "{} {} / {}.",
        lang.t(
            "Appareils en service couverts :",
            "In-service devices covered:"
        ),
        num(lang, f(&g["covered"]).unwrap_or(0.0), 0),
        num(lang, f(&g["in_service"]).unwrap_or(0.0), 0),
    );
    if let Some(excluded) = g["excluded"].as_object()
        && !excluded.is_empty()
    {
        let parts: Vec<String> = excluded
            .iter()
            .map(|(k, v)| {
                format!(
                    "{} {}",
                    num(lang, f(v).unwrap_or(0.0), 0),
                    lang.exclusion(k)
                )
            })
            .collect();
        coverage.push_str(&format!(
            " {} {}.",
            lang.t("Non comptés :", "Not counted:"),
            parts.join(", ")
        ));
    }
    out.push_str(&note(&coverage));
    section(
        "footprint",
        lang.t("Empreinte environnementale", "Environmental footprint"),
        &out,
    )
}

fn ages(ctx: &Ctx, ind: &Doc, group: &[&str]) -> String {
    let lang = ctx.lang;
    let years = |v: f64| num(lang, v, 1);
    let row = |label: String, g: &[&str]| {
        vec![
            Cell::head(label),
            cell(ind, g, &["age_mean_years"], years),
            cell(ind, g, &["age_median_years"], years),
            cell(ind, g, &["past_target_lifespan"], |v| num(lang, v, 0)),
            cell(ind, g, &["exits"], |v| num(lang, v, 0)),
            cell(ind, g, &["lifespan_at_exit_mean_years"], years),
            cell(ind, g, &["lifespan_at_exit_median_years"], years),
        ]
    };
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    if ctx.entity.is_none()
        && let Some(map) = ind.json["by_class"].as_object()
    {
        for (c, g) in map {
            if let Some(age) = f(&g["age_mean_years"]) {
                bars.push(Bar {
                    label: lang.class(c),
                    value: age,
                    shown: format!("{} {}", num(lang, age, 1), lang.t("ans", "yrs")),
                });
            }
            rows.push(row(lang.class(c), &["by_class", c.as_str()]));
        }
    }
    let whole = match &ctx.entity {
        Some(e) => e.clone(),
        None => lang.t("Tout le parc", "Whole fleet").to_string(),
    };
    rows.push(row(whole, group));
    let title = lang.t(
        "Âge moyen des appareils en service, en années",
        "Mean age of devices in service, in years",
    );
    let table = charts::table(
        lang.t(
            "Âges et durées de vie, en années",
            "Ages and lifespans, in years",
        ),
        &[
            lang.t("Type", "Class"),
            lang.t("Âge moyen", "Mean age"),
            lang.t("Âge médian", "Median age"),
            lang.t(
                "Au-delà de la durée de référence",
                "Past reference lifespan",
            ),
            lang.t("Sortis du parc", "Exits"),
            lang.t(
                "Durée de vie à la sortie, moyenne",
                "Lifespan at exit, mean",
            ),
            lang.t(
                "Durée de vie à la sortie, médiane",
                "Lifespan at exit, median",
            ),
        ],
        &rows,
    );
    let mut body = if bars.is_empty() {
        table
    } else {
        charts::bars("ages-by-class", title, &bars, &table)
    };
    body.push_str(&pyramid(ctx, ind, group));
    section(
        "ages",
        lang.t("Âges et durées de vie", "Ages and lifespans"),
        &format!(
            "{}{body}",
            note(lang.t(
                "Âge depuis la mise en service (sinon la livraison, l'achat, ou le premier relevé de parcd). Garder un appareil plus longtemps répartit sa fabrication sur plus d'années.",
                "Age since put into service (else delivery, purchase, or when parcd first saw it). Keeping a device longer spreads its manufacture over more years."
            ))
        ),
    )
}

/// The classes drawn apart in the age pyramid, the most numerous first; the others share
/// the last colour. The table gives every class.
const PYRAMID_CLASSES: usize = 7;

/// `Under 1 year`, `3–4 years`, `10 years and over`, from an age band of the API.
fn band_label(lang: Lang, band: &serde_json::Value) -> String {
    let from = band["from_years"].as_u64().unwrap_or(0);
    match (from, band["to_years"].as_u64()) {
        (0, Some(1)) => lang.t("Moins d'1 an", "Under 1 year").to_string(),
        (from, Some(to)) => format!(
            "{from} {} {to} {}",
            lang.t("à", "to"),
            lang.t("ans", "years")
        ),
        (from, None) => format!("{from} {}", lang.t("ans et plus", "years and over")),
    }
}

/// The devices in service by age band (the oldest on top), split by class for the whole
/// fleet; the table gives each class's bands as the API does.
fn pyramid(ctx: &Ctx, ind: &Doc, group: &[&str]) -> String {
    let lang = ctx.lang;
    let bands_of = |g: &serde_json::Value| -> Vec<f64> {
        g["age_bands"]
            .as_array()
            .map(|b| b.iter().map(|b| f(&b["devices"]).unwrap_or(0.0)).collect())
            .unwrap_or_default()
    };
    let whole = match group {
        [a, b] => &ind.json[*a][*b],
        [a] => &ind.json[*a],
        _ => &serde_json::Value::Null,
    };
    let Some(bands) = whole["age_bands"].as_array().filter(|b| !b.is_empty()) else {
        return String::new();
    };
    if bands_of(whole).iter().all(|n| *n == 0.0) {
        return String::new();
    }
    let labels: Vec<String> = bands.iter().map(|b| band_label(lang, b)).collect();
    // Rows of the chart: the oldest band on top.
    let rows: Vec<String> = labels.iter().rev().cloned().collect();
    let top = |v: Vec<f64>| -> Vec<f64> { v.into_iter().rev().collect() };
    let mut classes: Vec<(&String, &serde_json::Value)> = match ctx.entity {
        None => ind.json["by_class"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, g)| bands_of(g).iter().any(|n| *n > 0.0))
                    .collect()
            })
            .unwrap_or_default(),
        Some(_) => Vec::new(),
    };
    classes.sort_by(|a, b| {
        let n = |g: &serde_json::Value| f(&g["in_service"]).unwrap_or(0.0);
        n(b.1).total_cmp(&n(a.1)).then(a.0.cmp(b.0))
    });
    let mut series: Vec<Series> = classes
        .iter()
        .take(PYRAMID_CLASSES)
        .zip(PALETTE)
        .map(|((c, g), colour)| Series {
            name: lang.class(c),
            colour,
            values: top(bands_of(g)),
        })
        .collect();
    if classes.len() > PYRAMID_CLASSES {
        let mut rest = vec![0.0; bands.len()];
        for (_, g) in &classes[PYRAMID_CLASSES..] {
            for (r, n) in rest.iter_mut().zip(bands_of(g)) {
                *r += n;
            }
        }
        series.push(Series {
            name: lang.t("Autres types", "Other classes").to_string(),
            colour: PALETTE[PYRAMID_CLASSES],
            values: top(rest),
        });
    }
    if series.is_empty() {
        series.push(Series {
            name: lang.t("En service", "In service").to_string(),
            colour: PALETTE[0],
            values: top(bands_of(whole)),
        });
    }
    let count = |v: f64| num(lang, v, 0);
    let band_cells = |g: &[&str]| -> Vec<Cell> {
        (0..bands.len())
            .map(|i| {
                let i = i.to_string();
                cell(ind, g, &["age_bands", i.as_str(), "devices"], count)
            })
            .collect()
    };
    let mut table_rows: Vec<Vec<Cell>> = classes
        .iter()
        .map(|(c, _)| {
            let mut row = vec![Cell::head(lang.class(c))];
            row.extend(band_cells(&["by_class", c.as_str()]));
            row
        })
        .collect();
    let mut total = vec![Cell::head(match &ctx.entity {
        Some(e) => e.clone(),
        None => lang.t("Tout le parc", "Whole fleet").to_string(),
    })];
    total.extend(band_cells(group));
    table_rows.push(total);
    let mut columns = vec![lang.t("Type", "Class")];
    columns.extend(labels.iter().map(String::as_str));
    let title = lang.t(
        "Pyramide des âges des appareils en service",
        "Age pyramid of the devices in service",
    );
    charts::stacked(
        "age-pyramid",
        title,
        lang,
        &rows,
        &series,
        &charts::table(title, &columns, &table_rows),
    )
}
