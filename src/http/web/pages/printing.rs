//! `/printing?year=&entity=`: pages, paper and the printing footprint of a year, by entity
//! and class, month by month, with the printers answering.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;

use super::super::api::{self, Doc};
use super::super::charts::{self, Bar, Cell};
use super::super::i18n::Lang;
use super::super::layout::{self, auto, num};
use super::super::{Ctx, PageResult};
use super::{cards, entity_bars, entity_scope, f, figure, key_figure, note, section, year_param};
use crate::http::HttpState;

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse("/printing", q.as_deref(), &headers, &["year", "entity"])?;
    let lang = ctx.lang;
    let year = year_param(&ctx)?;
    let doc = api::printing(&s, lang, year).await?;
    let (entities, group) = entity_scope(&s, &ctx, &doc).await?;
    let mut body = layout::entity_filter(&ctx, &entities, &[("year", year.to_string())]);
    body.push_str(&key_figures(lang, &doc, &group));
    if ctx.entity.is_none() {
        body.push_str(&by_entity(lang, &doc));
        body.push_str(&months(lang, &doc));
    }
    body.push_str(&by_class(lang, &doc));
    body.push_str(&note(&format!(
        "{} {} kg CO2e/kg ({}).",
        lang.t("Facteur du papier :", "Paper factor:"),
        doc.at("/factors/paper_kgco2e_per_kg/value"),
        doc.at("/factors/paper_kgco2e_per_kg/source")
            .as_str()
            .unwrap_or("")
    )));
    Ok(Html(layout::page(
        &ctx,
        &format!("{} {year}", lang.t("Impression,", "Printing,")),
        &body,
    )))
}

fn key_figures(lang: Lang, doc: &Doc, group: &[&str]) -> String {
    let item = |label: &str, key: &str, show: &dyn Fn(f64) -> String| {
        let ptr: Vec<&str> = group.iter().copied().chain([key]).collect();
        key_figure(doc, label, &ptr, show)
    };
    let count = |v: f64| num(lang, v, 0);
    cards(&[
        item(lang.t("Pages imprimées", "Pages printed"), "pages", &count),
        item(lang.t("Feuilles", "Sheets"), "sheets", &count),
        item(lang.t("Papier (kg)", "Paper (kg)"), "paper_kg", &|v| {
            auto(lang, v)
        }),
        item(
            lang.t("Climat (kg CO2e)", "Climate (kg CO2e)"),
            "kgco2e",
            &|v| auto(lang, v),
        ),
        item(lang.t("Imprimantes", "Printers"), "printers", &count),
        item(
            lang.t("Imprimantes qui répondent", "Printers answering"),
            "printers_responding",
            &count,
        ),
    ])
}

fn by_entity(lang: Lang, doc: &Doc) -> String {
    let Some((entities, bars)) = entity_bars(lang, doc, "pages") else {
        return String::new();
    };
    let rows: Vec<Vec<Cell>> = entities
        .iter()
        .map(|e| {
            let g = |k: &'static str| ["by_entity", e.as_str(), k];
            vec![
                Cell::head(e.as_str()),
                figure(doc, &g("pages"), |v| num(lang, v, 0)),
                figure(doc, &g("paper_kg"), |v| auto(lang, v)),
                figure(doc, &g("kgco2e"), |v| auto(lang, v)),
                figure(doc, &g("printers"), |v| num(lang, v, 0)),
                figure(doc, &g("agents_per_printer"), |v| num(lang, v, 1)),
            ]
        })
        .collect();
    let title = lang.t("Pages imprimées par entité", "Pages printed by entity");
    let table = charts::table(
        title,
        &[
            lang.t("Entité", "Entity"),
            lang.t("Pages", "Pages"),
            lang.t("Papier (kg)", "Paper (kg)"),
            lang.t("Climat (kg CO2e)", "Climate (kg CO2e)"),
            lang.t("Imprimantes", "Printers"),
            lang.t("Agents par imprimante", "Agents per printer"),
        ],
        &rows,
    );
    section(
        "printing-entities",
        lang.t("Par entité", "By entity"),
        &charts::bars("printing-by-entity", title, &bars, &table),
    )
}

fn months(lang: Lang, doc: &Doc) -> String {
    let Some(months) = doc.at("/months").as_array() else {
        return String::new();
    };
    if months.is_empty() {
        return String::new();
    }
    let points: Vec<Bar> = months
        .iter()
        .map(|m| {
            let v = f(&m["pages"]).unwrap_or(0.0);
            Bar {
                label: m["month"].as_str().unwrap_or("?").to_string(),
                value: v,
                shown: num(lang, v, 0),
            }
        })
        .collect();
    let rows: Vec<Vec<Cell>> = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let i = i.to_string();
            vec![
                Cell::head(m["month"].as_str().unwrap_or("?")),
                figure(doc, &["months", i.as_str(), "pages"], |v| num(lang, v, 0)),
                figure(doc, &["months", i.as_str(), "paper_kg"], |v| auto(lang, v)),
                figure(doc, &["months", i.as_str(), "kgco2e"], |v| auto(lang, v)),
            ]
        })
        .collect();
    let title = lang.t("Pages imprimées par mois", "Pages printed by month");
    let table = charts::table(
        title,
        &[
            lang.t("Mois", "Month"),
            lang.t("Pages", "Pages"),
            lang.t("Papier (kg)", "Paper (kg)"),
            lang.t("Climat (kg CO2e)", "Climate (kg CO2e)"),
        ],
        &rows,
    );
    section(
        "printing-months",
        lang.t("Mois par mois", "Month by month"),
        &charts::line("printing-by-month", title, &points, &table),
    )
}

fn by_class(lang: Lang, doc: &Doc) -> String {
    let Some(map) = doc.at("/by_class").as_object() else {
        return String::new();
    };
    let rows: Vec<Vec<Cell>> = map
        .keys()
        .map(|c| {
            let g = |k: &'static str| ["by_class", c.as_str(), k];
            vec![
                Cell::head(lang.class(c)),
                figure(doc, &g("pages"), |v| num(lang, v, 0)),
                figure(doc, &g("sheets"), |v| num(lang, v, 0)),
                figure(doc, &g("energy_kwh"), |v| auto(lang, v)),
                figure(doc, &g("kgco2e"), |v| auto(lang, v)),
                figure(doc, &g("supply_replacements"), |v| num(lang, v, 0)),
            ]
        })
        .collect();
    section(
        "printing-classes",
        lang.t("Par type d'imprimante", "By printer class"),
        &charts::table(
            lang.t("Impression par type", "Printing by class"),
            &[
                lang.t("Type", "Class"),
                lang.t("Pages", "Pages"),
                lang.t("Feuilles", "Sheets"),
                lang.t("Électricité (kWh)", "Electricity (kWh)"),
                lang.t("Climat (kg CO2e)", "Climate (kg CO2e)"),
                lang.t("Consommables remplacés", "Supplies replaced"),
            ],
            &rows,
        ),
    )
}
