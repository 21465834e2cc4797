//! The figures of the pages, read through the API's own handlers and serialised as the API
//! sends them: a page shows the JSON of `/api/v1/*`, so the two can never differ. Each
//! function returns that JSON and the URL that gives it, which the pages write beside the
//! figures for the browser test to compare.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::WebError;
use super::i18n::Lang;
use crate::http::HttpState;
use crate::http::error::{ApiError, ApiQuery};

/// A document of the API and its URL (path and query).
pub struct Doc {
    pub url: String,
    pub json: Value,
}

impl Doc {
    /// The value at a JSON pointer, `Null` when absent.
    pub fn at(&self, ptr: &str) -> &Value {
        self.json.pointer(ptr).unwrap_or(&Value::Null)
    }
}

fn doc<T: serde::Serialize>(
    lang: Lang,
    url: String,
    answer: Result<Json<T>, ApiError>,
) -> Result<Doc, WebError> {
    let Json(v) = answer.map_err(|e| WebError::from_api(lang, e))?;
    let json = serde_json::to_value(v).map_err(|e| {
        WebError::new(
            lang,
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            e.to_string(),
        )
    })?;
    Ok(Doc { url, json })
}

/// `GET /api/v1/indicators[?at=DAY]`.
pub async fn indicators(s: &HttpState, lang: Lang, at: Option<String>) -> Result<Doc, WebError> {
    let url = match &at {
        Some(day) => format!("/api/v1/indicators?at={day}"),
        None => "/api/v1/indicators".to_string(),
    };
    let answer = crate::http::indicators(
        State(s.clone()),
        ApiQuery(crate::http::IndicatorsQuery { at }),
    )
    .await;
    doc(lang, url, answer)
}

/// `GET /api/v1/agec?year=YEAR`, its listings cut to 20 entries.
pub async fn agec(s: &HttpState, lang: Lang, year: i32) -> Result<Doc, WebError> {
    let answer = crate::http::agec(
        State(s.clone()),
        ApiQuery(crate::http::AgecQuery {
            year: Some(year),
            list: Some(20),
        }),
    )
    .await;
    doc(lang, format!("/api/v1/agec?year={year}&list=20"), answer)
}

/// `GET /api/v1/printing?year=YEAR`.
pub async fn printing(s: &HttpState, lang: Lang, year: i32) -> Result<Doc, WebError> {
    let answer = crate::http::printing(
        State(s.clone()),
        ApiQuery(crate::http::PrintingQuery {
            year: Some(year),
            month: None,
        }),
    )
    .await;
    doc(lang, format!("/api/v1/printing?year={year}"), answer)
}

/// `GET /api/v1/mail?year=YEAR`.
pub async fn mail(s: &HttpState, lang: Lang, year: i32) -> Result<Doc, WebError> {
    let answer = crate::http::mail(
        State(s.clone()),
        ApiQuery(crate::http::PrintingQuery {
            year: Some(year),
            month: None,
        }),
    )
    .await;
    doc(lang, format!("/api/v1/mail?year={year}"), answer)
}

/// `GET /api/v1/sources`.
pub async fn sources(s: &HttpState, lang: Lang) -> Result<Doc, WebError> {
    let answer = crate::http::sources(State(s.clone())).await;
    doc(lang, "/api/v1/sources".to_string(), answer)
}

/// `GET /api/v1/alerts`.
pub async fn alerts(s: &HttpState, lang: Lang) -> Result<Doc, WebError> {
    let answer = crate::http::alerts(State(s.clone())).await;
    doc(lang, "/api/v1/alerts".to_string(), answer)
}

/// `GET /api/v1/simulate?lifespan=CLASS=DURATION&…`, `lifespans` as (class, duration).
pub async fn simulate(
    s: &HttpState,
    lang: Lang,
    lifespans: &[(String, String)],
) -> Result<Doc, WebError> {
    let query: Vec<String> = lifespans
        .iter()
        .map(|(class, duration)| format!("lifespan={class}={duration}"))
        .collect();
    let query = query.join("&");
    let answer = crate::http::simulate(State(s.clone()), RawQuery(Some(query.clone()))).await;
    doc(lang, format!("/api/v1/simulate?{query}"), answer)
}

/// The live devices by class, phase and entity, as `/metrics` publishes them in
/// `parcd_assets` (the API has no per-phase count): (class, phase, entity, count).
pub async fn asset_counts(
    s: &HttpState,
    lang: Lang,
) -> Result<Vec<(String, String, Option<String>, i64)>, WebError> {
    let names: Vec<&str> = s.sources.iter().map(|(n, _)| n.as_str()).collect();
    let counts = crate::http::or_503(&s.store, s.store.asset_counts(&names).await)
        .await
        .map_err(|e| WebError::from_api(lang, e))?;
    Ok(counts
        .into_iter()
        .map(|c| (c.class, c.phase, c.entity, c.count))
        .collect())
}

/// The entities the indicators know (those with a live device or a headcount).
pub fn entities(ind: &Doc) -> Vec<String> {
    ind.json["by_entity"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Refuses an entity filter naming no entity, with 404 and the entities there are.
pub fn check_entity(lang: Lang, entity: Option<&str>, known: &[String]) -> Result<(), WebError> {
    match entity {
        Some(e) if !known.iter().any(|k| k == e) => Err(WebError::new(
            lang,
            axum::http::StatusCode::NOT_FOUND,
            format!(
                "{} « {e} ». {} {}",
                lang.t("Aucune entité ne s'appelle", "No entity is called"),
                lang.t("Entités :", "Entities:"),
                known.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}
