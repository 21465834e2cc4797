//! The read-only HTTP surface: `/metrics`, `/healthz`, `/readyz`, and the JSON API under
//! `/api/v1`: sources, indicators, simulate, agec, alerts.

pub mod connections;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;

use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Clone)]
pub struct HttpState {
    pub fleet: Arc<crate::live::fleet::Fleet>,
    pub circularity: Arc<crate::live::circularity::Circularity>,
    pub printing: Arc<crate::live::printing::Printing>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// (name, kind) of every configured source.
    pub sources: Arc<Vec<(String, String)>>,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/api/v1/sources", get(sources))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/simulate", get(simulate))
        .route("/api/v1/agec", get(agec))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/printing", get(printing))
        .with_state(state)
}

async fn metrics(State(s): State<HttpState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

/// Ready once the database answers and its schema is current; within a second either way,
/// with what the database said when it is not.
async fn readyz(State(s): State<HttpState>) -> impl IntoResponse {
    match s.store.readiness().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
    }
}

/// A store result, its error as a 503 answer with a pool timeout explained by the
/// database's own words.
async fn or_503<T>(
    store: &Store,
    r: Result<T, crate::store::StoreError>,
) -> Result<T, (StatusCode, String)> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{}\n", store.explain(e).await),
        )),
    }
}

#[derive(Serialize)]
struct SourceView {
    name: String,
    kind: String,
    live_assets: i64,
    vanished_assets: i64,
    last_success_at: Option<i64>,
    last_full_sync_at: Option<i64>,
    sync_in_progress: Option<String>,
    last_run: Option<RunView>,
}

#[derive(Serialize)]
struct RunView {
    mode: String,
    outcome: String,
    started_at: i64,
    finished_at: Option<i64>,
    records_read: i64,
    created: i64,
    changed: i64,
    vanished: i64,
    error_type: Option<String>,
    error_message: Option<String>,
}

async fn sources(
    State(s): State<HttpState>,
) -> Result<Json<Vec<SourceView>>, (StatusCode, String)> {
    let now = chrono::Utc::now().timestamp();
    let mut out = Vec::new();
    for (name, kind) in s.sources.iter() {
        let state = or_503(&s.store, s.store.source_state(name, kind, now).await).await?;
        let (live, vanished) = or_503(&s.store, s.store.asset_totals(name).await).await?;
        let last_run = or_503(&s.store, s.store.recent_runs(name, 1).await)
            .await?
            .into_iter()
            .next();
        out.push(SourceView {
            name: name.clone(),
            kind: kind.clone(),
            live_assets: live,
            vanished_assets: vanished,
            last_success_at: state.last_success_at,
            last_full_sync_at: state.last_full_sync_at,
            sync_in_progress: state.sync.map(|(mode, _)| mode),
            last_run: last_run.map(|r| RunView {
                mode: r.mode,
                outcome: r.outcome,
                started_at: r.started_at,
                finished_at: r.finished_at,
                records_read: r.records_read,
                created: r.created,
                changed: r.changed,
                vanished: r.vanished,
                error_type: r.error_type,
                error_message: r.error_message,
            }),
        });
    }
    Ok(Json(out))
}

#[derive(serde::Deserialize)]
struct IndicatorsQuery {
    /// `YYYY-MM-DD`: the indicators as they stood at the end of that day.
    at: Option<String>,
}

#[derive(Serialize)]
struct IndicatorsView {
    #[serde(flatten)]
    indicators: crate::indicators::Indicators,
    /// Printing as its own part of the footprint, this year to date (absent with `at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    printing: Option<crate::printing::FootprintPart>,
}

async fn indicators(
    State(s): State<HttpState>,
    axum::extract::Query(q): axum::extract::Query<IndicatorsQuery>,
) -> Result<Json<IndicatorsView>, (StatusCode, String)> {
    let view = |indicators, printing| {
        Json(IndicatorsView {
            indicators,
            printing,
        })
    };
    match q.at {
        None => s
            .fleet
            .latest()
            .map(|i| view(i, s.printing.latest().map(|p| p.footprint_part())))
            .ok_or((
                StatusCode::SERVICE_UNAVAILABLE,
                "indicators not computed yet\n".to_string(),
            )),
        Some(day) => {
            let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
                (
                    StatusCode::BAD_REQUEST,
                    format!("at={day} is not a date: write YYYY-MM-DD\n"),
                )
            })?;
            match s.fleet.check_day(day).await {
                Ok(()) => {}
                Err(crate::live::fleet::DayError::Store(e)) => or_503(&s.store, Err(e)).await?,
                Err(other) => return Err((StatusCode::BAD_REQUEST, format!("at={other}\n"))),
            }
            or_503(&s.store, s.fleet.at(day).await)
                .await
                .map(|i| view(i, None))
        }
    }
}

#[derive(serde::Deserialize)]
struct PrintingQuery {
    /// A calendar year; default the current one.
    year: Option<i32>,
    /// `YYYY-MM`: one month instead of a year.
    month: Option<String>,
}

/// `GET /api/v1/printing?year=2026` (with its months) or `?month=2026-03`: pages, paper,
/// printing footprint, printers and their sharing, supplies, per entity and class, with
/// every factor's source and date.
async fn printing(
    State(s): State<HttpState>,
    axum::extract::Query(q): axum::extract::Query<PrintingQuery>,
) -> Result<Json<crate::printing::PrintingFigures>, (StatusCode, String)> {
    use crate::live::printing::Period;
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let bad = |what: String| (StatusCode::BAD_REQUEST, format!("{what}\n"));
    let period = match (q.year, q.month.as_deref()) {
        (Some(_), Some(_)) => return Err(bad("give year or month, not both".into())),
        (_, Some(m)) => {
            let parsed = chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .map_err(|_| bad(format!("month={m} is not a month: write YYYY-MM")))?;
            Period::Month(parsed.year(), parsed.month())
        }
        (y, None) => Period::Year(y.unwrap_or(today.year())),
    };
    let year = match period {
        Period::Year(y) | Period::Month(y, _) => y,
    };
    if !(2000..=today.year()).contains(&year) {
        return Err(bad(format!(
            "{year} is out of range: write a year from 2000 to {}",
            today.year()
        )));
    }
    or_503(&s.store, s.printing.figures(period).await)
        .await
        .map(Json)
}

/// `GET /api/v1/simulate?lifespan=laptop=7y&lifespan=desktop=8y`.
async fn simulate(
    State(s): State<HttpState>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Result<Json<crate::indicators::Simulation>, (StatusCode, String)> {
    let mut lifespans = std::collections::BTreeMap::new();
    for pair in q.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let Some(("lifespan", value)) = pair.split_once('=') else {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("unknown parameter {pair}: use lifespan=CLASS=DURATION\n"),
            ));
        };
        let spaced = value.replace('+', " ");
        let value = percent_encoding::percent_decode_str(&spaced)
            .decode_utf8()
            .map_err(|_| {
                (
                    StatusCode::BAD_REQUEST,
                    format!("{value} is not UTF-8 once decoded\n"),
                )
            })?;
        let (class, hours) = crate::indicators::parse_lifespan(&value)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("{e}\n")))?;
        lifespans.insert(class, hours);
    }
    Ok(Json(s.fleet.simulate(&lifespans)))
}

#[derive(serde::Deserialize)]
struct AgecQuery {
    /// A calendar year; default the current one.
    year: Option<i32>,
    /// How many purchases and assets each listing shows (the counts are always whole).
    list: Option<usize>,
}

#[derive(Serialize)]
struct AgecView {
    #[serde(flatten)]
    figures: crate::agec::CircularityYear,
    /// Each listing (excluded, zero_amount, unplaced) is cut to this many entries.
    list_limit: usize,
}

/// `GET /api/v1/agec?year=2025&list=100`: AGEC shares per category, REEN reuse rate, DEEE
/// exits and donations of one year.
async fn agec(
    State(s): State<HttpState>,
    axum::extract::Query(q): axum::extract::Query<AgecQuery>,
) -> Result<Json<AgecView>, (StatusCode, String)> {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let year = q.year.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "year={year} is out of range: write a year such as {}\n",
                today.year()
            ),
        ));
    }
    let latest = s
        .circularity
        .latest()
        .filter(|l| l.year == year && l.today == today);
    let mut figures = match latest {
        Some(l) => (*l).clone(),
        None => or_503(&s.store, s.circularity.year(year, today).await).await?,
    };
    let limit = q.list.unwrap_or(100);
    figures.agec.excluded.truncate(limit);
    figures.agec.zero_amount.truncate(limit);
    figures.reen.unplaced.truncate(limit);
    figures.deee.unplaced.truncate(limit);
    Ok(Json(AgecView {
        figures,
        list_limit: limit,
    }))
}

#[derive(Serialize)]
struct AlertView {
    rule: &'static str,
    category: &'static str,
    category_label: &'static str,
    kind: &'static str,
    year: i32,
    state: &'static str,
    fired_at: i64,
    last_notified_at: i64,
    resolved_at: Option<i64>,
}

#[derive(Serialize)]
struct MessageView {
    id: i64,
    channel: String,
    category: &'static str,
    kind: &'static str,
    year: i32,
    changes: Vec<crate::alerts::model::Change>,
    created_at: i64,
    attempts: i64,
    last_error: Option<String>,
    sent_at: Option<i64>,
    dropped_at: Option<i64>,
}

#[derive(Serialize)]
struct AlertsView {
    alerts: Vec<AlertView>,
    /// The 50 latest messages, newest first.
    messages: Vec<MessageView>,
}

/// `GET /api/v1/alerts`: every AGEC alert's state and the latest messages with their
/// delivery.
async fn alerts(State(s): State<HttpState>) -> Result<Json<AlertsView>, (StatusCode, String)> {
    let alerts = or_503(&s.store, s.store.alerts().await)
        .await?
        .into_iter()
        .map(|a| AlertView {
            rule: a.rule.as_str(),
            category: a.category.id(),
            category_label: a.category.label(),
            kind: a.kind.as_str(),
            year: a.year,
            state: a.state.as_str(),
            fired_at: a.fired_at,
            last_notified_at: a.last_notified_at,
            resolved_at: a.resolved_at,
        })
        .collect();
    let messages = or_503(&s.store, s.store.outbox_recent(50).await)
        .await?
        .into_iter()
        .map(|e| MessageView {
            id: e.outgoing.id,
            channel: e.outgoing.channel,
            category: e.outgoing.notice.category.id(),
            kind: e.outgoing.notice.kind.as_str(),
            year: e.outgoing.notice.year,
            changes: e.outgoing.notice.changes,
            created_at: e.created_at,
            attempts: e.attempts,
            last_error: e.last_error,
            sent_at: e.sent_at,
            dropped_at: e.dropped_at,
        })
        .collect();
    Ok(Json(AlertsView { alerts, messages }))
}
