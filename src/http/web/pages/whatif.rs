//! `/what-if?laptop=7&desktop=8`: what if devices were kept longer. A lifespan in years per
//! class gives the annual embodied impact of the fleet in service before and after, from
//! `/api/v1/simulate` (and its bounds: one month to 30 years).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use parcd_connectors::AssetClass;

use super::super::api::{self, Doc};
use super::super::charts::{self, Cell, PALETTE, Series};
use super::super::i18n::{CRITERIA, Lang};
use super::super::layout::{self, auto, esc, num};
use super::super::{Ctx, PageResult, WebError};
use super::{f, figure, note, section};
use crate::http::HttpState;

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let classes: Vec<&str> = AssetClass::ALL.iter().map(|c| c.as_str()).collect();
    let ctx = Ctx::parse("/what-if", q.as_deref(), &headers, &classes)?;
    let lang = ctx.lang;
    let mut lifespans = Vec::new();
    for (class, value) in &ctx.params {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        // A number only: the value goes into the API's query.
        let years: f64 = value
            .replace(',', ".")
            .parse()
            .ok()
            .filter(|y: &f64| y.is_finite())
            .ok_or_else(|| {
                WebError::new(
                    lang,
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{} : « {value} » — {}",
                        lang.class(class),
                        lang.t(
                            "écrivez une durée en années, par exemple 7 ou 6,5",
                            "write a duration in years, such as 7 or 6.5"
                        )
                    ),
                )
            })?;
        lifespans.push((class.clone(), format!("{years}y")));
    }
    let ind = api::indicators(&s, lang, None).await?;
    let mut body = form(&ctx, &ind);
    if lifespans.is_empty() {
        body.push_str(&note(lang.t(
            "Donnez une durée de vie pour un ou plusieurs types, puis « Calculer ».",
            "Give a lifespan for one or more classes, then “Compute”.",
        )));
    } else {
        let sim = api::simulate(&s, lang, &lifespans).await?;
        body.push_str(&result(lang, &sim));
    }
    Ok(Html(layout::page(
        &ctx,
        lang.t(
            "Simulation : garder les appareils plus longtemps",
            "What-if: keeping devices longer",
        ),
        &body,
    )))
}

fn form(ctx: &Ctx, ind: &Doc) -> String {
    let lang = ctx.lang;
    let mut fields = String::new();
    let classes = ind.at("/by_class").as_object().cloned().unwrap_or_default();
    for (class, g) in &classes {
        if f(&g["in_service"]).unwrap_or(0.0) <= 0.0 {
            continue;
        }
        let value = ctx.param(class).unwrap_or("");
        fields.push_str(&format!(
            r#"<p><label for="ls-{class}">{name} <span class="note">({unit})</span></label><br><input id="ls-{class}" name="{class}" type="text" inputmode="decimal" size="6" value="{value}" aria-describedby="ls-help"></p>"#,
            name = esc(&lang.class(class)),
            unit = lang.t("années", "years"),
            value = esc(value),
        ));
    }
    format!(
        r#"<form class="whatif" method="get" action="/what-if"><input type="hidden" name="lang" value="{code}"><p id="ls-help" class="note">{help}</p><div class="fields">{fields}</div><button type="submit">{go}</button></form>"#,
        code = lang.code(),
        help = lang.t(
            "Durée de vie de référence en années, d'un mois (0,1) à 30 ans ; laissez vide pour garder celle du référentiel.",
            "Reference lifespan in years, from one month (0.1) to 30 years; leave empty to keep the factor set's."
        ),
        go = lang.t("Calculer", "Compute"),
    )
}

fn result(lang: Lang, sim: &Doc) -> String {
    let current = sim.at("/current").as_object().cloned().unwrap_or_default();
    let classes: Vec<&String> = current.keys().filter(|c| *c != "total").collect();
    let gwp = |side: &str, class: &str| f(&sim.json[side][class]["gwp"]).unwrap_or(0.0);
    let series = vec![
        Series {
            name: lang.t("Aujourd'hui", "Today").to_string(),
            colour: PALETTE[0],
            values: classes.iter().map(|c| gwp("current", c)).collect(),
        },
        Series {
            name: lang.t("Simulé", "Simulated").to_string(),
            colour: PALETTE[2],
            values: classes.iter().map(|c| gwp("simulated", c)).collect(),
        },
    ];
    let cell = |side: &str, class: &str, criterion: &str| {
        figure(sim, &[side, class, criterion], |v| auto(lang, v))
    };
    let change = |class: &str, criterion: &str| {
        let now = f(&sim.json["current"][class][criterion]);
        let then = f(&sim.json["simulated"][class][criterion]);
        match (now, then) {
            (Some(a), Some(b)) if a > 0.0 => Cell::num(format!(
                "{}{}",
                if b >= a { "+" } else { "" },
                layout::pct(lang, b / a - 1.0)
            )),
            _ => Cell::num("–"),
        }
    };
    let mut rows: Vec<Vec<Cell>> = classes
        .iter()
        .map(|c| {
            vec![
                Cell::head(lang.class(c)),
                cell("current", c.as_str(), "gwp"),
                cell("simulated", c.as_str(), "gwp"),
                change(c.as_str(), "gwp"),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::head(lang.t("Tout le parc", "Whole fleet")),
        cell("current", "total", "gwp"),
        cell("simulated", "total", "gwp"),
        change("total", "gwp"),
    ]);
    let title = lang.t(
        "Fabrication, kg CO2e par an, aujourd'hui et simulé",
        "Manufacture, kg CO2e per year, today and simulated",
    );
    let table = charts::table(
        title,
        &[
            lang.t("Type", "Class"),
            lang.t("Aujourd'hui", "Today"),
            lang.t("Simulé", "Simulated"),
            lang.t("Écart", "Change"),
        ],
        &rows,
    );
    let labels: Vec<String> = classes.iter().map(|c| lang.class(c)).collect();
    let mut out = charts::grouped("whatif-gwp", title, lang, &labels, &series, &table);
    let criteria: Vec<Vec<Cell>> = CRITERIA
        .into_iter()
        .map(|c| {
            let (name, unit) = lang.criterion(c);
            vec![
                Cell::head(format!("{name} ({unit})")),
                cell("current", "total", c),
                cell("simulated", "total", c),
                change("total", c),
            ]
        })
        .collect();
    out.push_str(&charts::table(
        lang.t(
            "Tout le parc, fabrication par an, par critère",
            "Whole fleet, manufacture per year, by criterion",
        ),
        &[
            lang.t("Critère", "Criterion"),
            lang.t("Aujourd'hui", "Today"),
            lang.t("Simulé", "Simulated"),
            lang.t("Écart", "Change"),
        ],
        &criteria,
    ));
    if let Some(rejected) = sim.at("/rejected").as_object()
        && !rejected.is_empty()
    {
        let parts: Vec<String> = rejected
            .iter()
            .map(|(c, why)| format!("{} : {}", lang.class(c), why.as_str().unwrap_or("")))
            .collect();
        out.push_str(&format!(
            r#"<p class="bad">{} {}</p>"#,
            lang.t("Durées non retenues :", "Lifespans not used:"),
            esc(&parts.join(" ; "))
        ));
    }
    let total_now = f(&sim.json["current"]["total"]["gwp"]).unwrap_or(0.0);
    let total_then = f(&sim.json["simulated"]["total"]["gwp"]).unwrap_or(0.0);
    out.push_str(&note(&format!(
        "{} {} → {} kg CO2e {}",
        lang.t(
            "Impact annuel de fabrication du parc en service, en régime établi (chaque appareil renouvelé au bout de sa durée de vie) :",
            "Yearly manufacturing impact of the fleet in service, in steady state (each device renewed at the end of its lifespan):"
        ),
        num(lang, total_now, 0),
        num(lang, total_then, 0),
        lang.t("par an.", "per year."),
    )));
    section("whatif-result", lang.t("Résultat", "Result"), &out)
}
