//! What every request passes before its handler: a URI and headers of bounded length, and the bearer
//! token of `[server] token` when one is set. The token is asked of every path (the API,
//! and whatever else is served on `listen`) except the probes, which a load balancer or
//! the kubelet calls without credentials, and `/metrics` unless `token_for_metrics`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::config::ServerConfig;
use crate::http::error::ErrorBody;

/// Longest URI answered: far above any query the API takes (a what-if names 13 classes at
/// most), far below what would cost parsing time.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Largest request head answered (its headers' names and values, each counted with its
/// `: ` and line end): browsers send a few KiB, cookies included. hyper reads heads up to
/// [`crate::http::connections::READ_BUFFER_BYTES`], so that one over this limit is read
/// whole and refused here with an explanation.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Paths answered without the token.
const OPEN_PATHS: [&str; 2] = ["/healthz", "/readyz"];

struct Guard {
    token: Option<SecretString>,
    metrics_too: bool,
}

/// `app` behind the guard. Applied to the whole router once every route is on it, so a
/// route added later cannot be left open by mistake.
pub fn guarded(app: Router, server: &ServerConfig) -> Router {
    let guard = Arc::new(Guard {
        token: server.token.clone(),
        metrics_too: server.token_for_metrics,
    });
    app.layer(axum::middleware::from_fn_with_state(guard, check))
}

async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let uri_len = request.uri().to_string().len();
    if uri_len > MAX_URI_BYTES {
        return (
            StatusCode::URI_TOO_LONG,
            Json(ErrorBody {
                error: format!(
                    "the request's URI is {uri_len} bytes long, over the {MAX_URI_BYTES} parcd reads"
                ),
            }),
        )
            .into_response();
    }
    let header_len: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_len > MAX_HEADER_BYTES {
        return (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Json(ErrorBody {
                error: format!(
                    "the request's headers are {header_len} bytes long, over the {MAX_HEADER_BYTES} parcd reads: send fewer or shorter headers, such as cookies"
                ),
            }),
        )
            .into_response();
    }
    let Some(token) = &guard.token else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    let open = OPEN_PATHS.contains(&path) || (path == "/metrics" && !guard.metrics_too);
    if open {
        return next.run(request).await;
    }
    match bearer(request.headers().get(header::AUTHORIZATION)) {
        Some(given) if matches(given, token) => next.run(request).await,
        Some(_) => unauthorized(
            "the bearer token is not the one set in [server] token",
            r#"Bearer realm="parcd", error="invalid_token""#,
        ),
        None => unauthorized(
            "this parcd requires a bearer token: send the header `Authorization: Bearer TOKEN` with [server] token's value",
            r#"Bearer realm="parcd""#,
        ),
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (the scheme in any case).
fn bearer(value: Option<&HeaderValue>) -> Option<&[u8]> {
    let value = value?.as_bytes();
    let space = value.iter().position(|b| *b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    Some(rest.trim_ascii())
}

/// Compares in time independent of where the two differ, so the answer's delay tells
/// nothing of how much of a guess was right.
fn matches(given: &[u8], token: &SecretString) -> bool {
    given.ct_eq(token.expose_secret().as_bytes()).into()
}

fn unauthorized(why: &str, challenge: &'static str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
        Json(ErrorBody { error: why.into() }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_others_are_refused() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(bearer(Some(&v("Bearer abc"))), Some(&b"abc"[..]));
        assert_eq!(bearer(Some(&v("bearer  abc "))), Some(&b"abc"[..]));
        assert_eq!(bearer(Some(&v("Basic YWJj"))), None);
        assert_eq!(bearer(Some(&v("Bearer"))), None);
        assert_eq!(bearer(None), None);
    }

    #[tokio::test]
    async fn the_probes_are_open_and_metrics_ask_for_the_token_only_when_told() {
        use axum::routing::get;
        for metrics_too in [false, true] {
            let server = ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                max_connections: 4,
                idle_timeout: std::time::Duration::from_secs(5),
                token: Some(SecretString::from("0123456789abcdef".to_string())),
                token_for_metrics: metrics_too,
            };
            let app = Router::new()
                .route("/metrics", get(|| async { "m" }))
                .route("/healthz", get(|| async { "ok" }))
                .route("/readyz", get(|| async { "ready" }))
                .route("/api/v1/sources", get(|| async { "[]" }));
            let app = guarded(app, &server);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            let status = |path: &'static str, token: Option<&'static str>| async move {
                let mut r = reqwest::Client::new().get(format!("http://{addr}{path}"));
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                r.send().await.unwrap().status().as_u16()
            };
            assert_eq!(status("/healthz", None).await, 200);
            assert_eq!(status("/readyz", None).await, 200);
            assert_eq!(
                status("/metrics", None).await,
                if metrics_too { 401 } else { 200 }
            );
            assert_eq!(status("/metrics", Some("0123456789abcdef")).await, 200);
            assert_eq!(status("/api/v1/sources", None).await, 401);
            assert_eq!(
                status("/api/v1/sources", Some("0123456789abcdef")).await,
                200
            );
        }
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = SecretString::from("0123456789abcdef".to_string());
        assert!(matches(b"0123456789abcdef", &token));
        assert!(!matches(b"0123456789abcdeF", &token));
        assert!(!matches(b"0123456789abcde", &token));
        assert!(!matches(b"", &token));
    }
}
