//! The axum side: the identity platform's token endpoint, Graph's report functions (a 302
//! to a download URL) and the download host, with Microsoft's error bodies.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

use super::tenant::Tenant;
use super::{FakeOptions, FakeStats, Fault};

pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) opts: FakeOptions,
    pub(crate) tenant: Mutex<Tenant>,
    pub(crate) control: Mutex<Control>,
}

#[derive(Default)]
pub(crate) struct Control {
    pub(crate) faults: VecDeque<(Fault, usize)>,
    pub(crate) stats: FakeStats,
    /// Access tokens issued, with their end.
    pub(crate) tokens: HashMap<String, Instant>,
    /// Download ids to the report they serve and the fault that damages it.
    downloads: HashMap<u64, (Report, Option<Fault>)>,
    next_id: u64,
}

#[derive(Clone, Copy)]
enum Report {
    Usage(u32),
    Activity(NaiveDate),
}

/// A poisoned lock only means a test panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/v1.0/reports/{function}", get(report))
        .route("/data/download/{id}", get(download))
        .fallback(|| async {
            graph_error(
                StatusCode::NOT_FOUND,
                "Request_ResourceNotFound",
                "Resource not found.",
            )
        })
        .with_state(shared)
}

fn json_reply(status: StatusCode, v: &Value, extra: &[(&str, String)]) -> Response {
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8");
    for (k, v) in extra {
        b = b.header(*k, v);
    }
    b.body(Body::from(serde_json::to_vec(v).unwrap_or_default()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Graph's error body: `{"error": {"code", "message", "innerError"}}`.
fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_reply(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-12-07T02:00:00",
                "request-id": "b6f1a8c4-0c8e-4f5e-9a7d-3e1f2a9b8c70",
                "client-request-id": "b6f1a8c4-0c8e-4f5e-9a7d-3e1f2a9b8c70"
            }
        }}),
        &[],
    )
}

/// The identity platform's error body: the AADSTS code and sentence, then the trace lines.
fn aad_error(status: StatusCode, error: &str, code: u32, sentence: &str) -> Response {
    json_reply(
        status,
        &json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {sentence}\r\nTrace ID: 2f0c4b1e-9d3a-4c7b-8e21-5a6f7d8c9e00\r\n\
                 Correlation ID: 7a1b2c3d-4e5f-4a6b-9c8d-0e1f2a3b4c5d\r\nTimestamp: 2026-12-07 02:00:00Z"
            ),
            "error_codes": [code],
            "timestamp": "2026-12-07 02:00:00Z",
            "trace_id": "2f0c4b1e-9d3a-4c7b-8e21-5a6f7d8c9e00",
            "correlation_id": "7a1b2c3d-4e5f-4a6b-9c8d-0e1f2a3b4c5d",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
        &[],
    )
}

fn form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((decode(k), decode(v)))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    lock(&shared.control).stats.token_requests += 1;
    let f = form(&body);
    let o = &shared.opts;
    if tenant != o.tenant_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID \
                 and are signing into the correct cloud. Check with your subscription \
                 administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        );
    }
    if f.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if f.get("scope").map(String::as_str) != Some("https://graph.microsoft.com/.default") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a \
             scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }
    let client = f.get("client_id").cloned().unwrap_or_default();
    if client != o.client_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client}' was not found in the directory \
                 '{tenant}'. This can happen if the application has not been installed by the \
                 administrator of the tenant or consented to by any user in the tenant. You may \
                 have sent your authentication request to the wrong tenant."
            ),
        );
    }
    if f.get("client_secret") != Some(&o.client_secret) {
        lock(&shared.control).stats.refused += 1;
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is \
                 the client secret value, not the client secret ID, for a secret added to app \
                 '{client}'."
            ),
        );
    }
    let mut control = lock(&shared.control);
    control.next_id += 1;
    let access = format!(
        "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImZha2Ui.{}.sig",
        control.next_id
    );
    control.tokens.insert(
        access.clone(),
        Instant::now() + Duration::from_secs(o.token_lifetime_seconds),
    );
    json_reply(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": o.token_lifetime_seconds,
            "ext_expires_in": o.token_lifetime_seconds,
            "access_token": access,
        }),
        &[],
    )
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

/// `getMailboxUsageDetail(period='D7')` or `getEmailActivityUserDetail(date=2026-12-01)`;
/// else the message of Graph's 400 `BadRequest`.
fn parse_function(f: &str, refresh: NaiveDate) -> Result<Report, String> {
    if let Some(arg) = f
        .strip_prefix("getMailboxUsageDetail(period='")
        .and_then(|r| r.strip_suffix("')"))
    {
        return match arg {
            "D7" => Ok(Report::Usage(7)),
            "D30" => Ok(Report::Usage(30)),
            "D90" => Ok(Report::Usage(90)),
            "D180" => Ok(Report::Usage(180)),
            _ => Err("Invalid period. Supported values: D7, D30, D90, D180.".into()),
        };
    }
    if let Some(arg) = f
        .strip_prefix("getEmailActivityUserDetail(date=")
        .and_then(|r| r.strip_suffix(')'))
    {
        let day = NaiveDate::parse_from_str(arg, "%Y-%m-%d")
            .map_err(|_| "Invalid date. The date must be in the format YYYY-MM-DD.".to_string())?;
        // Graph keeps 30 days; a later day than computed has an empty file.
        if day < refresh - Days::new(29) {
            return Err("Invalid date. Data is available for the last 30 days only.".into());
        }
        return Ok(Report::Activity(day));
    }
    Err(format!(
        "Resource not found for the segment '{}'.",
        f.split('(').next().unwrap_or(f)
    ))
}

async fn report(
    State(shared): State<Arc<Shared>>,
    Path(function): Path<String>,
    headers: HeaderMap,
) -> Response {
    let fault = {
        let mut control = lock(&shared.control);
        control.stats.report_requests += 1;
        take_fault(&mut control)
    };
    match &fault {
        Some(Fault::Throttled(secs)) => {
            return json_reply(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({"error": {"code": "TooManyRequests", "message": "Too many requests.",
                        "innerError": {"date": "2026-12-07T02:00:00"}}}),
                &[("Retry-After", secs.to_string())],
            );
        }
        Some(Fault::ServiceUnavailable) => {
            return graph_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
        }
        Some(Fault::Hang(d)) => tokio::time::sleep(*d).await,
        _ => {}
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let valid = {
        let control = lock(&shared.control);
        control
            .tokens
            .get(bearer)
            .is_some_and(|until| Instant::now() < *until)
    };
    if !valid {
        lock(&shared.control).stats.refused += 1;
        let message = if bearer.is_empty() {
            "Access token is empty."
        } else {
            "Lifetime validation failed, the token is expired."
        };
        return graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        );
    }
    if !shared.opts.reports_permission {
        return graph_error(
            StatusCode::FORBIDDEN,
            "UnknownError",
            "{\"error\":{\"code\":\"S2SUnauthorized\",\"message\":\"Invalid permission.\"}}",
        );
    }
    let refresh = lock(&shared.tenant).refresh_date;
    let report = match parse_function(&function, refresh) {
        Ok(r) => r,
        Err(message) => return graph_error(StatusCode::BAD_REQUEST, "BadRequest", &message),
    };
    let mut control = lock(&shared.control);
    control.next_id += 1;
    let id = control.next_id;
    control.downloads.insert(id, (report, fault));
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::CONTENT_TYPE, "text/plain")
        .header(
            header::LOCATION,
            format!("{}/data/download/{id}", shared.base_url),
        )
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn download(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let entry = {
        let mut control = lock(&shared.control);
        control.stats.downloads += 1;
        if headers.contains_key(header::AUTHORIZATION) {
            control.stats.downloads_with_authorization += 1;
        }
        // A download URL serves once, for a few minutes: a replay is refused.
        id.parse().ok().and_then(|id| control.downloads.remove(&id))
    };
    let Some((report, fault)) = entry else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("The requested download link has expired."))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let mut body = {
        let t = lock(&shared.tenant);
        let malformed = fault == Some(Fault::MalformedCsv);
        match report {
            Report::Usage(days) => t.usage_csv(days, malformed),
            Report::Activity(day) => t.activity_csv(day, malformed),
        }
    };
    if fault == Some(Fault::HalfPage) {
        // Cut inside a row, past the header, as a proxy that gave up would.
        let header_end = body.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
        let cut = header_end + (body.len() - header_end) / 2;
        let cut = (cut..body.len())
            .find(|i| body[*i] == b',')
            .unwrap_or(body.len());
        body.truncate(cut);
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
