//! The axum side: `GET /api/v1/hardware` and `GET /api/v1/hardware/{id}` over a shared
//! [`Fleet`], with Snipe-IT's authentication, listing rules and error bodies.
//!
//! Listing rules, from `Api\AssetsController::index`: `limit` is taken when
//! `0 < limit <= max_results`, else `max_results`; an `offset` past the count is clamped
//! to it (an empty page); `order` is `asc` only when it says exactly that; an unknown
//! `sort` falls back to `created_at`; `status=Archived` and `status=Deleted` select those
//! assets; without them, archived assets are left out unless the instance shows them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::fleet::{Fleet, StatusType};
use super::{FakeOptions, FakeStats, Fault, render};

pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) opts: FakeOptions,
    pub(crate) data: Mutex<Data>,
    pub(crate) control: Mutex<Control>,
}

/// Which assets a listing holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Filter {
    Default,
    Archived,
    Deleted,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Sort {
    Id,
    UpdatedAt,
    CreatedAt,
}

pub(crate) struct Data {
    pub(crate) fleet: Fleet,
    /// Listing orders (asset indices), computed once per fleet state.
    orders: HashMap<(Filter, Sort, bool), Arc<Vec<usize>>>,
}

impl Data {
    pub(crate) fn new(fleet: Fleet) -> Data {
        Data {
            fleet,
            orders: HashMap::new(),
        }
    }

    pub(crate) fn changed(&mut self) {
        self.orders.clear();
    }
}

#[derive(Default)]
pub(crate) struct Control {
    pub(crate) faults: VecDeque<(Fault, usize)>,
    pub(crate) stats: FakeStats,
}

/// A poisoned lock only means a test panicked while holding it; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/hardware", get(list))
        .route("/api/v1/hardware/{id}", get(one))
        .fallback(|| async {
            json_reply(
                StatusCode::NOT_FOUND,
                &json!({"status": "error", "messages": "404 endpoint not found", "payload": null}),
            )
        })
        .with_state(shared)
}

fn json_reply(status: StatusCode, v: &Value) -> Response {
    bytes_reply(status, serde_json::to_vec(v).unwrap_or_default(), &[])
}

fn bytes_reply(status: StatusCode, body: Vec<u8>, headers: &[(&str, String)]) -> Response {
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header("Cache-Control", "no-cache, private");
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn parse_query(raw: Option<&str>) -> HashMap<String, String> {
    raw.unwrap_or("")
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (!k.is_empty()).then(|| (k.to_string(), v.replace('+', " ")))
        })
        .collect()
}

/// Counts the request, then answers with an injected fault or the authentication
/// failure, if any; otherwise hands over the fault that damages the body, if any.
async fn gate(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Option<Fault>, Response> {
    let fault = {
        let mut control = lock(&shared.control);
        control.stats.requests += 1;
        control.stats.queries.push(query.unwrap_or("").to_string());
        take_fault(&mut control)
    };
    match fault {
        Some(Fault::ServerError) => {
            // Laravel in production (APP_DEBUG=false), for a client asking for JSON.
            return Err(json_reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"message": "Server Error"}),
            ));
        }
        Some(Fault::RateLimited(secs)) => {
            return Err(bytes_reply(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::to_vec(&json!({
                    "status": "error",
                    "messages": format!("Too many requests. Try again in {secs} seconds."),
                    "status_code": 429,
                    "retryAfter": secs,
                }))
                .unwrap_or_default(),
                &[
                    ("Retry-After", secs.to_string()),
                    ("X-RateLimit-Limit", "120".into()),
                    ("X-RateLimit-Remaining", "0".into()),
                ],
            ));
        }
        Some(Fault::Hang(d)) => tokio::time::sleep(d).await,
        _ => {}
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("/json") || a.contains("+json"));
    if bearer.is_some_and(|t| t == shared.opts.token) {
        return Ok(fault);
    }
    if bearer.is_some() && bearer == shared.opts.denied_token.as_deref() {
        // `$this->authorize('index', Asset::class)` failing, rendered by Laravel.
        return Err(json_reply(
            StatusCode::FORBIDDEN,
            &json!({"message": "This action is unauthorized."}),
        ));
    }
    lock(&shared.control).stats.refused += 1;
    if wants_json {
        Err(json_reply(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "Unauthorized or unauthenticated."}),
        ))
    } else {
        Err(Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, format!("{}/login", shared.base_url))
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
    }
}

fn take_fault(control: &mut Control) -> Option<Fault> {
    let (fault, left) = control.faults.front_mut()?;
    let fault = fault.clone();
    *left -= 1;
    if *left == 0 {
        control.faults.pop_front();
    }
    control.stats.faults_served += 1;
    Some(fault)
}

/// Damages a good answer the way broken instances and proxies do. `render(short)`
/// writes the answer, with half its rows when `short`.
fn finish(fault: Option<Fault>, render: impl Fn(bool) -> Vec<u8>) -> Response {
    let body = match fault {
        Some(Fault::MalformedJson) => {
            let mut broken = b"\nDeprecated: Creation of dynamic property App\\Models\\Asset::$use_text is deprecated in /var/www/snipeit/app/Http/Controllers/Api/AssetsController.php on line 412\n".to_vec();
            broken.extend_from_slice(&render(false));
            broken
        }
        Some(Fault::TruncatedPage) => {
            let mut body = render(false);
            body.truncate(body.len() / 2);
            body
        }
        Some(Fault::ShortPage) => render(true),
        Some(Fault::ErrorBody) => serde_json::to_vec(&json!({
            "status": "error",
            "messages": "Asset does not exist.",
            "payload": null,
        }))
        .unwrap_or_default(),
        _ => render(false),
    };
    bytes_reply(StatusCode::OK, body, &[])
}

async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let fault = match gate(&shared, &headers, raw.as_deref()).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let q = parse_query(raw.as_deref());
    let filter = match q.get("status").map(String::as_str) {
        Some("Archived") => Filter::Archived,
        Some("Deleted") => Filter::Deleted,
        _ => Filter::Default,
    };
    let sort = match q.get("sort").map(String::as_str) {
        Some("id") => Sort::Id,
        Some("updated_at") => Sort::UpdatedAt,
        _ => Sort::CreatedAt,
    };
    let asc = q.get("order").map(String::as_str) == Some("asc");
    let mut data = lock(&shared.data);
    let order = order(&mut data, filter, sort, asc);
    let max = data.fleet.settings.max_results;
    let total = order.len() as u64;
    let limit = match q.get("limit").and_then(|l| l.parse::<i64>().ok()) {
        Some(l) if l != 0 && l.unsigned_abs() <= max => l.unsigned_abs(),
        _ => max,
    };
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<u64>().ok())
        .unwrap_or(0)
        .min(total);
    let end = offset.saturating_add(limit).min(total);
    let rows = &order[offset as usize..end as usize];
    finish(fault, |short| {
        let rows = if short { &rows[..rows.len() / 2] } else { rows };
        let page = render::ListBody {
            fleet: &data.fleet,
            total,
            rows,
        };
        serde_json::to_vec(&page).unwrap_or_default()
    })
}

fn order(data: &mut Data, filter: Filter, sort: Sort, asc: bool) -> Arc<Vec<usize>> {
    if let Some(o) = data.orders.get(&(filter, sort, asc)) {
        return Arc::clone(o);
    }
    let f = &data.fleet;
    let mut idx: Vec<usize> = (0..f.assets.len())
        .filter(|i| {
            let a = &f.assets[*i];
            let archived = f.statuses[a.status].kind == StatusType::Archived;
            match filter {
                Filter::Deleted => a.deleted_at.is_some(),
                Filter::Archived => a.deleted_at.is_none() && archived,
                Filter::Default => {
                    a.deleted_at.is_none() && (f.settings.show_archived_in_list || !archived)
                }
            }
        })
        .collect();
    // Stable sorts: ties stay in id order (MySQL leaves them in no promised order).
    match sort {
        Sort::Id => {}
        Sort::UpdatedAt => idx.sort_by_key(|i| f.assets[*i].updated_at),
        Sort::CreatedAt => idx.sort_by_key(|i| f.assets[*i].created_at),
    }
    if !asc {
        // Reverse keeps ties by descending id, as a reversed stable sort does.
        idx.reverse();
    }
    let idx = Arc::new(idx);
    data.orders.insert((filter, sort, asc), Arc::clone(&idx));
    idx
}

async fn one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let fault = match gate(&shared, &headers, raw.as_deref()).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let data = lock(&shared.data);
    match id.parse::<u64>().ok().and_then(|id| data.fleet.asset(id)) {
        Some(a) => finish(fault, |_| {
            serde_json::to_vec(&render::asset(&data.fleet, a)).unwrap_or_default()
        }),
        // Snipe-IT's "no such asset": HTTP 200 with an error status.
        None => json_reply(
            StatusCode::OK,
            &json!({"status": "error", "messages": "Asset does not exist.", "payload": null}),
        ),
    }
}
