//! `/history?indicator=&months=&entity=`: one indicator at the end of each past month and
//! today, rebuilt from the lifecycle history as `/api/v1/indicators?at=DAY` rebuilds it, so
//! a council sees the trend, not a snapshot. Months before parcd's history are left out.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use chrono::{Datelike, NaiveDate};

use super::super::api;
use super::super::charts::{self, Api, Bar, Cell};
use super::super::i18n::Lang;
use super::super::layout::{self, esc, num, pct};
use super::super::{Ctx, PageResult, WebError};
use super::{f, note, section};
use crate::http::HttpState;

/// The indicators a history can follow: key, JSON path in a group, French and English names.
const INDICATORS: [(&str, &[&str], &str, &str); 8] = [
    ("devices", &["devices"], "Appareils", "Devices"),
    (
        "in_service",
        &["in_service"],
        "Appareils en service",
        "Devices in service",
    ),
    (
        "exits",
        &["exits"],
        "Appareils sortis du parc",
        "Devices that left the fleet",
    ),
    (
        "embodied_gwp",
        &["embodied_per_year", "gwp"],
        "Fabrication, kg CO2e par an",
        "Manufacture, kg CO2e per year",
    ),
    (
        "use_gwp",
        &["use_per_year", "gwp"],
        "Utilisation, kg CO2e par an",
        "Use, kg CO2e per year",
    ),
    (
        "coverage",
        &["coverage_ratio"],
        "Couverture de l'empreinte",
        "Footprint coverage",
    ),
    (
        "age_mean",
        &["age_mean_years"],
        "Âge moyen (années)",
        "Mean age (years)",
    ),
    (
        "past_target",
        &["past_target_lifespan"],
        "Au-delà de la durée de référence",
        "Past reference lifespan",
    ),
];

/// The longest history a page rebuilds: each point is a rebuild from the event history.
const MAX_MONTHS: u32 = 36;

fn bad(lang: Lang, message: String) -> WebError {
    WebError::new(lang, StatusCode::BAD_REQUEST, message)
}

/// Today and the last day of each of the `months` months before, oldest first.
fn days(today: NaiveDate, months: u32) -> Vec<NaiveDate> {
    let mut out = vec![today];
    let mut first_of_month = today.with_day(1).expect("day 1 exists");
    for _ in 0..months {
        let last = first_of_month.pred_opt().expect("a day before");
        out.push(last);
        first_of_month = last.with_day(1).expect("day 1 exists");
    }
    out.reverse();
    out
}

pub async fn show(
    State(s): State<HttpState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> PageResult {
    let ctx = Ctx::parse(
        "/history",
        q.as_deref(),
        &headers,
        &["indicator", "months", "entity"],
    )?;
    let lang = ctx.lang;
    let key = ctx.param("indicator").unwrap_or("devices");
    let Some((key, path, fr, en)) = INDICATORS.iter().find(|i| i.0 == key).copied() else {
        let known: Vec<&str> = INDICATORS.iter().map(|i| i.0).collect();
        return Err(bad(
            lang,
            format!(
                "indicator={key} : {} {}",
                lang.t("écrivez l'un de", "write one of"),
                known.join(", ")
            ),
        ));
    };
    let months: u32 = match ctx.param("months") {
        None => 12,
        Some(m) => m
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=MAX_MONTHS).contains(m))
            .ok_or_else(|| {
                bad(
                    lang,
                    format!(
                        "months={m} : {} 1 {} {MAX_MONTHS}",
                        lang.t(
                            "écrivez un nombre de mois de",
                            "write a number of months from"
                        ),
                        lang.t("à", "to")
                    ),
                )
            })?,
    };
    let now = api::indicators(&s, lang, None).await?;
    let entities = api::entities(&now);
    api::check_entity(lang, ctx.entity.as_deref(), &entities)?;
    let mut group: Vec<&str> = match &ctx.entity {
        Some(e) => vec!["by_entity", e.as_str()],
        None => vec!["total"],
    };
    group.extend_from_slice(path);

    let today = chrono::Utc::now().date_naive();
    let mut points = Vec::new();
    let mut rows = Vec::new();
    for day in days(today, months) {
        let doc = match api::indicators(&s, lang, Some(day.to_string())).await {
            Ok(doc) => doc,
            // A day before the history starts: no point, rather than an empty fleet.
            Err(e) if e.status == StatusCode::BAD_REQUEST => continue,
            Err(e) => return Err(e),
        };
        let api = Api::new(&doc.url, &group);
        let value = f(doc.at(&api.ptr));
        let shown = value
            .map(|v| written(lang, key, v))
            .unwrap_or_else(|| "–".into());
        if let Some(v) = value {
            points.push(Bar {
                label: day.to_string(),
                value: v,
                shown: shown.clone(),
            });
        }
        rows.push(vec![
            Cell::head(day.to_string()),
            match value {
                Some(v) => Cell::api(shown, api, v),
                None => Cell::num("–"),
            },
        ]);
    }
    let name = lang.t(fr, en);
    let mut body = form(&ctx, key, months, &entities);
    body.push_str(&note(lang.t(
        "Chaque point reconstruit le parc tel qu'il était en fin de journée, à partir de l'historique des événements (mises en service, sorties, déménagements). Les mois antérieurs au premier relevé de parcd n'ont pas de point.",
        "Each point rebuilds the fleet as it stood at the end of the day from the event history (put into service, exits, moves). Months before parcd's first reading have no point.",
    )));
    if points.len() <= 1 {
        body.push_str(&note(lang.t(
            "L'historique de parcd commence à son premier relevé : la courbe s'allonge d'un point à chaque fin de mois.",
            "parcd's history starts at its first reading: the line grows by one point at the end of each month.",
        )));
    }
    let table = charts::table(name, &[lang.t("Jour", "Day"), name], &rows);
    body.push_str(&section(
        "trend",
        lang.t("Évolution", "Trend"),
        &charts::line("history", name, &points, &table),
    ));
    Ok(Html(layout::page(
        &ctx,
        &format!("{} {name}", lang.t("Historique :", "History:"),),
        &body,
    )))
}

/// A value of the indicator `key` as the page writes it.
fn written(lang: Lang, key: &str, v: f64) -> String {
    match key {
        "coverage" => pct(lang, v),
        "age_mean" => num(lang, v, 1),
        _ => num(lang, v, 0),
    }
}

fn form(ctx: &Ctx, key: &str, months: u32, entities: &[String]) -> String {
    let lang = ctx.lang;
    let mut indicators = String::new();
    for (k, _, fr, en) in INDICATORS {
        let selected = if k == key { " selected" } else { "" };
        indicators.push_str(&format!(
            r#"<option value="{k}"{selected}>{}</option>"#,
            lang.t(fr, en)
        ));
    }
    let mut options = format!(
        r#"<option value="">{}</option>"#,
        lang.t("Toutes les entités", "All entities")
    );
    for e in entities {
        let selected = if ctx.entity.as_deref() == Some(e) {
            " selected"
        } else {
            ""
        };
        options.push_str(&format!(
            r#"<option value="{v}"{selected}>{v}</option>"#,
            v = esc(e)
        ));
    }
    format!(
        r#"<form class="filter" method="get" action="/history"><input type="hidden" name="lang" value="{code}"><p><label for="indicator">{il}</label> <select id="indicator" name="indicator">{indicators}</select> <label for="months">{ml}</label> <input id="months" name="months" type="number" min="1" max="{MAX_MONTHS}" value="{months}"> <label for="entity">{el}</label> <select id="entity" name="entity">{options}</select> <button type="submit">{go}</button></p></form>"#,
        code = lang.code(),
        il = lang.t("Indicateur", "Indicator"),
        ml = lang.t("Mois", "Months"),
        el = lang.t("Entité", "Entity"),
        go = lang.t("Afficher", "Show"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ends_before_today_oldest_first() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let d: Vec<String> = days(today, 3).iter().map(|d| d.to_string()).collect();
        assert_eq!(d, ["2025-12-31", "2026-01-31", "2026-02-28", "2026-03-15"]);
    }
}
