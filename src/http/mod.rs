//! The read-only HTTP surface: `/metrics`, `/healthz`, `/readyz`, and the JSON API under
//! `/api/v1`: sources, indicators, simulate, agec, alerts, printing, mail, and its OpenAPI
//! document.

pub mod connections;
pub mod error;
pub mod guard;
pub mod openapi;
pub mod parse_errors;
pub mod web;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;

use error::{ApiError, ApiQuery, ErrorBody};

use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Clone)]
pub struct HttpState {
    pub fleet: Arc<crate::live::fleet::Fleet>,
    pub circularity: Arc<crate::live::circularity::Circularity>,
    pub printing: Arc<crate::live::printing::Printing>,
    pub mail: Arc<crate::live::mail::Mail>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// (name, kind) of every configured source.
    pub sources: Arc<Vec<(String, String)>>,
    /// This replica's name in the source leases, on PostgreSQL (`None` on SQLite, where one
    /// process polls every source).
    pub lease_holder: Option<String>,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(metrics).layer(tower_http::compression::CompressionLayer::new()),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/api/v1/sources", get(sources))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/simulate", get(simulate))
        .route("/api/v1/agec", get(agec))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/printing", get(printing))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/mail", get(mail))
        .merge(web::routes())
        .fallback(web::not_found)
        .method_not_allowed_fallback(read_only)
        .with_state(state)
}

/// Any method but GET (or HEAD) on a known path: everything parcd serves is read-only.
async fn read_only(method: axum::http::Method, uri: axum::http::Uri) -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "GET, HEAD")],
        Json(ErrorBody {
            error: format!(
                "{method} {}: parcd's API and web view are read-only, ask with GET",
                uri.path()
            ),
        }),
    )
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
async fn or_503<T>(store: &Store, r: Result<T, crate::store::StoreError>) -> Result<T, ApiError> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(ApiError::unavailable(store.explain(e).await.to_string())),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct SourceView {
    name: String,
    kind: String,
    live_assets: i64,
    vanished_assets: i64,
    last_success_at: Option<i64>,
    last_full_sync_at: Option<i64>,
    sync_in_progress: Option<String>,
    last_run: Option<RunView>,
    /// Which replica polls the source, on PostgreSQL (absent on SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    lease: Option<LeaseView>,
}

/// A source's lease among PostgreSQL replicas (see the README's Scale section).
#[derive(Serialize, utoipa::ToSchema)]
struct LeaseView {
    /// The replica that holds it (host:pid:random), or `null` when none does: released by
    /// a replica that stopped, not taken yet.
    holder: Option<String>,
    /// Whether it is the replica that answers this request.
    this_replica: bool,
    /// Unix seconds: when it expires unless its holder renews it (every third of
    /// `[database] lease_ttl_seconds`).
    expires_at: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
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

/// Each configured source: its devices, last success, last full sync and last run.
#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    responses(
        (status = 200, description = "Every configured source", body = Vec<SourceView>),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
async fn sources(State(s): State<HttpState>) -> Result<Json<Vec<SourceView>>, ApiError> {
    let now = chrono::Utc::now().timestamp();
    let leases = match &s.lease_holder {
        Some(_) => Some(or_503(&s.store, s.store.leases().await).await?),
        None => None,
    };
    let mut out = Vec::new();
    for (name, kind) in s.sources.iter() {
        let lease = leases.as_ref().map(|all| {
            let held = all.iter().find(|l| l.source == *name);
            LeaseView {
                holder: held.map(|l| l.holder.clone()),
                this_replica: held.map(|l| &l.holder) == s.lease_holder.as_ref(),
                expires_at: held.map(|l| l.expires_at_ms.div_euclid(1000)),
            }
        });
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
            lease,
        });
    }
    Ok(Json(out))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct IndicatorsQuery {
    /// `YYYY-MM-DD`: the indicators as they stood at the end of that day, a day the history
    /// covers.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}$", example = "2026-06-30")]
    at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct IndicatorsView {
    #[serde(flatten)]
    indicators: crate::indicators::Indicators,
    /// Printing as its own part of the footprint, this year to date (absent with `at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    printing: Option<crate::printing::FootprintPart>,
    /// Mail storage and traffic as their own part of the footprint, this year to date, in
    /// three scenarios (absent with `at`, and while no mail source was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    mail: Option<crate::mail::MailFootprintPart>,
}

/// The fleet indicators, now or at the end of a past day.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "fleet", params(IndicatorsQuery),
    responses(
        (status = 200, description = "Footprint, coverage, ages, per class and entity", body = IndicatorsView),
        (status = 400, description = "An unknown parameter, or `at` not a day of the history", body = ErrorBody),
        (status = 503, description = "Not computed yet, or the database does not answer", body = ErrorBody),
    ))]
async fn indicators(
    State(s): State<HttpState>,
    ApiQuery(q): ApiQuery<IndicatorsQuery>,
) -> Result<Json<IndicatorsView>, ApiError> {
    let view = |indicators, printing, mail| {
        Json(IndicatorsView {
            indicators,
            printing,
            mail,
        })
    };
    match q.at {
        None => s
            .fleet
            .latest()
            .map(|i| {
                let mail = s
                    .mail
                    .latest()
                    .filter(|m| m.total.mailboxes > 0)
                    .map(|m| m.footprint_part());
                view(i, s.printing.latest().map(|p| p.footprint_part()), mail)
            })
            .ok_or_else(|| {
                ApiError::unavailable("indicators not computed yet: retry in a few seconds")
            }),
        Some(day) => {
            let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
                ApiError::bad_request(format!("at={day} is not a date: write YYYY-MM-DD"))
            })?;
            match s.fleet.check_day(day).await {
                Ok(()) => {}
                Err(crate::live::fleet::DayError::Store(e)) => or_503(&s.store, Err(e)).await?,
                Err(other) => return Err(ApiError::bad_request(format!("at={other}"))),
            }
            or_503(&s.store, s.fleet.at(day).await)
                .await
                .map(|i| view(i, None, None))
        }
    }
}

/// `?year=` or `?month=`, for the printing and mail figures.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PrintingQuery {
    /// A calendar year from 2000 to the current one; default the current one.
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
    /// `YYYY-MM`: one month instead of a year (not with `year`).
    #[param(pattern = r"^\d{4}-\d{2}$", example = "2026-03")]
    month: Option<String>,
}

/// The period of `?year=` or `?month=` (default the current year), checked.
fn period_of(q: &PrintingQuery) -> Result<crate::live::printing::Period, ApiError> {
    use crate::live::printing::Period;
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let bad = |what: String| ApiError::bad_request(what);
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
    Ok(period)
}

/// `GET /api/v1/printing?year=2026` (with its months) or `?month=2026-03`: pages, paper,
/// printing footprint, printers and their sharing, supplies, per entity and class, with
/// every factor's source and date.
#[utoipa::path(get, path = "/api/v1/printing", tag = "printing", params(PrintingQuery),
    responses(
        (status = 200, description = "The printing figures of the period", body = crate::printing::PrintingFigures),
        (status = 400, description = "An unknown parameter, both year and month, or a period out of range", body = ErrorBody),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
async fn printing(
    State(s): State<HttpState>,
    ApiQuery(q): ApiQuery<PrintingQuery>,
) -> Result<Json<crate::printing::PrintingFigures>, ApiError> {
    let period = period_of(&q)?;
    or_503(&s.store, s.printing.figures(period).await)
        .await
        .map(Json)
}

/// `GET /api/v1/mail?year=2026` (with its months) or `?month=2026-03`: mail stored, sent and
/// received, the attachment share and the email footprint in three scenarios, in total, per
/// mail domain and per entity, with every factor's source and date. Never per person.
#[utoipa::path(get, path = "/api/v1/mail", tag = "mail", params(PrintingQuery),
    responses(
        (status = 200, description = "The mail figures of the period, by domain and entity", body = crate::mail::MailFigures),
        (status = 400, description = "An unknown parameter, both year and month, or a period out of range", body = ErrorBody),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
async fn mail(
    State(s): State<HttpState>,
    ApiQuery(q): ApiQuery<PrintingQuery>,
) -> Result<Json<crate::mail::MailFigures>, ApiError> {
    let period = period_of(&q)?;
    or_503(&s.store, s.mail.figures(period).await)
        .await
        .map(Json)
}

/// `GET /api/v1/simulate?lifespan=laptop=7y&lifespan=desktop=8y`.
#[utoipa::path(get, path = "/api/v1/simulate", tag = "fleet",
    params(("lifespan" = Option<Vec<String>>, Query,
        description = "CLASS=DURATION, repeated (`lifespan=laptop=7y&lifespan=desktop=8y`): a class and a lifespan from one month (`730h`) to 30 years (`30y`), in years (`7y`, `7`) or hours (`61320h`)")),
    responses(
        (status = 200, description = "The annual embodied impact with the current and the given lifespans", body = crate::indicators::Simulation),
        (status = 400, description = "An unknown parameter, an unknown class, or a lifespan out of bounds", body = ErrorBody),
    ))]
async fn simulate(
    State(s): State<HttpState>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Result<Json<crate::indicators::Simulation>, ApiError> {
    let mut lifespans = std::collections::BTreeMap::new();
    for pair in q.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let Some(("lifespan", value)) = pair.split_once('=') else {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {pair}: use lifespan=CLASS=DURATION"
            )));
        };
        let spaced = value.replace('+', " ");
        let value = percent_encoding::percent_decode_str(&spaced)
            .decode_utf8()
            .map_err(|_| ApiError::bad_request(format!("{value} is not UTF-8 once decoded")))?;
        let (class, hours) = crate::indicators::parse_lifespan(&value)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        lifespans.insert(class, hours);
    }
    Ok(Json(s.fleet.simulate(&lifespans)))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AgecQuery {
    /// A calendar year from 2000 to 2100; default the current one.
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
    /// How many purchases and assets each listing shows (the counts are always whole);
    /// default 100.
    #[param(minimum = 0, maximum = 100000)]
    list: Option<usize>,
}

/// Longest listing `/api/v1/agec` answers with.
const MAX_LIST: usize = 100_000;

#[derive(Serialize, utoipa::ToSchema)]
struct AgecView {
    #[serde(flatten)]
    figures: crate::agec::CircularityYear,
    /// Each listing (excluded, zero_amount, unplaced) is cut to this many entries.
    list_limit: usize,
}

/// `GET /api/v1/agec?year=2025&list=100`: AGEC shares per category, REEN reuse rate, DEEE
/// exits and donations of one year.
#[utoipa::path(get, path = "/api/v1/agec", tag = "circularity", params(AgecQuery),
    responses(
        (status = 200, description = "The year's AGEC, REEN, DEEE and donation figures", body = AgecView),
        (status = 400, description = "An unknown parameter, or a year or list out of range", body = ErrorBody),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
async fn agec(
    State(s): State<HttpState>,
    ApiQuery(q): ApiQuery<AgecQuery>,
) -> Result<Json<AgecView>, ApiError> {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let year = q.year.unwrap_or(today.year());
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::bad_request(format!(
            "year={year} is out of range: write a year from 2000 to 2100, such as {}",
            today.year()
        )));
    }
    let limit = q.list.unwrap_or(100);
    if limit > MAX_LIST {
        return Err(ApiError::bad_request(format!(
            "list={limit} is out of range: write 0 to {MAX_LIST}"
        )));
    }
    let latest = s
        .circularity
        .latest()
        .filter(|l| l.year == year && l.today == today);
    let mut figures = match latest {
        Some(l) => (*l).clone(),
        None => or_503(&s.store, s.circularity.year(year, today).await).await?,
    };
    figures.agec.excluded.truncate(limit);
    figures.agec.zero_amount.truncate(limit);
    figures.reen.unplaced.truncate(limit);
    figures.deee.unplaced.truncate(limit);
    Ok(Json(AgecView {
        figures,
        list_limit: limit,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
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

#[derive(Serialize, utoipa::ToSchema)]
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

#[derive(Serialize, utoipa::ToSchema)]
struct AlertsView {
    alerts: Vec<AlertView>,
    /// The 50 latest messages, newest first.
    messages: Vec<MessageView>,
}

/// `GET /api/v1/alerts`: every AGEC alert's state and the latest messages with their
/// delivery.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "circularity",
    responses(
        (status = 200, description = "Every alert and the latest messages", body = AlertsView),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
async fn alerts(State(s): State<HttpState>) -> Result<Json<AlertsView>, ApiError> {
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
