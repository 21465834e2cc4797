//! HTTP client for Snipe-IT's REST API (`/api/v1`): the bearer token, `limit`/`offset`
//! paging against `total`, and the ways Snipe-IT says no.
//!
//! Snipe-IT's refusals, from its `app/Exceptions/Handler.php` and
//! `RouteServiceProvider.php`: a bad token is `401 {"error": "Unauthorized or
//! unauthenticated."}` (a redirect to `/login` for a client not asking for JSON, hence
//! `Accept: application/json` and no redirect following); throttling is `429` with
//! `Retry-After` and `{"status": "error", "messages": "Too many requests…", "retryAfter":
//! N}`; and many failures come back as **HTTP 200** with `{"status": "error",
//! "messages": …, "payload": null}`, which must not be read as data.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::cursor::Pass;
use super::params::SnipeitParams;
use super::wire;
use crate::error::ConnectorError;

/// One page of `GET /hardware`, its rows borrowed from the body.
#[derive(Debug)]
pub struct ListPage<'a> {
    pub rows: Vec<wire::Row<'a>>,
    /// What Snipe-IT counted for the whole listing.
    pub total: u64,
    body: &'a [u8],
}

impl ListPage<'_> {
    /// Row `i` as sent, shortened, for an error message.
    pub fn row_text(&self, i: usize) -> String {
        serde_json::from_slice::<Value>(self.body)
            .ok()
            .and_then(|v| v.get("rows")?.get(i).map(wire::short))
            .unwrap_or_default()
    }
}

/// Reads a page [`SnipeitClient::list`] fetched.
pub(super) fn read_page<'a>(
    endpoint: &str,
    body: &'a [u8],
) -> Result<ListPage<'a>, ConnectorError> {
    let typed = serde_json::from_slice::<wire::Listing>(body);
    if let Ok(wire::Listing {
        error: false,
        total: Some(total),
        rows: Some(rows),
    }) = typed
    {
        return Ok(ListPage { rows, total, body });
    }
    // Not a listing: read it again, as any JSON, to say what it is.
    let value: Value = serde_json::from_slice(body).map_err(|e| ConnectorError::Decode {
        endpoint: endpoint.into(),
        detail: format!(
            "not JSON ({e}): the page may have been cut short, or url is not the Snipe-IT base URL"
        ),
    })?;
    if value.get("status").and_then(Value::as_str) == Some("error") {
        return Err(ConnectorError::Protocol {
            endpoint: endpoint.into(),
            detail: format!("Snipe-IT answered an error: {}", messages(&value)),
        });
    }
    let detail = match typed {
        // Not met: every reader of a row takes any JSON value.
        Err(e) => format!("a row could not be read ({e}): {}", wire::short(&value)),
        Ok(_) => format!(
            "expected {{\"total\": <number>, \"rows\": [...]}}, got {}",
            wire::short(&value)
        ),
    };
    Err(ConnectorError::Decode {
        endpoint: endpoint.into(),
        detail,
    })
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Full syncs: by id, oldest first.
    IdAsc,
    /// Incremental syncs: most recently updated first.
    UpdatedDesc,
}

pub struct SnipeitClient {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
    timeout: Duration,
}

impl SnipeitClient {
    pub fn new(params: &SnipeitParams) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(params.timeout)
            .connect_timeout(Duration::from_secs(10).min(params.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("parcd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::Config(format!("cannot build the HTTP client: {e}")))?;
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", params.api_token.expose_secret()))
                .map_err(|_| {
                    ConnectorError::Config(
                        "the api_token holds characters not allowed in an HTTP header".into(),
                    )
                })?;
        authorization.set_sensitive(true);
        Ok(SnipeitClient {
            http,
            base: params.api_base(),
            authorization,
            timeout: params.timeout,
        })
    }

    fn transport_error(&self, endpoint: &str, e: reqwest::Error) -> ConnectorError {
        ConnectorError::from_transport(endpoint, self.timeout, &e)
    }

    /// The body of one page of a listing, for [`read_page`]: the rows borrow from it.
    pub(super) async fn list(
        &self,
        pass: Pass,
        order: Order,
        offset: u64,
        limit: u64,
    ) -> Result<bytes::Bytes, ConnectorError> {
        let endpoint = match pass {
            Pass::Listed => "api/v1/hardware",
            Pass::Archived => "api/v1/hardware?status=Archived",
        };
        let (sort, dir) = match order {
            Order::IdAsc => ("id", "asc"),
            Order::UpdatedDesc => ("updated_at", "desc"),
        };
        let mut query = vec![
            ("limit", limit.to_string()),
            ("offset", offset.to_string()),
            ("sort", sort.to_string()),
            ("order", dir.to_string()),
        ];
        if pass == Pass::Archived {
            query.push(("status", "Archived".to_string()));
        }
        let resp = self
            .http
            .get(format!("{}/hardware", self.base))
            .header("Authorization", self.authorization.clone())
            .header("Accept", "application/json")
            .query(&query)
            .send()
            .await
            .map_err(|e| self.transport_error(endpoint, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(endpoint, e))?;
        if !status.is_success() {
            return Err(refusal(endpoint, status, &headers, &body));
        }
        Ok(body)
    }
}

/// The error for a non-2xx answer.
fn refusal(endpoint: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ConnectorError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let said = parsed.as_ref().map(messages).unwrap_or_else(|| {
        String::from_utf8_lossy(&body[..body.len().min(120)])
            .trim()
            .to_string()
    });
    match status {
        StatusCode::UNAUTHORIZED => ConnectorError::Auth(format!(
            "Snipe-IT refused the api_token (HTTP 401: {said}): check that the API key is \
             current and its user active"
        )),
        StatusCode::FORBIDDEN => ConnectorError::Auth(format!(
            "the user of the api_token may not list assets (HTTP 403: {said}): give it the \
             permission to view assets"
        )),
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited {
            endpoint: endpoint.into(),
            retry_after: retry_after(headers, parsed.as_ref()),
        },
        s if s.is_redirection() => {
            let location = headers
                .get("Location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if location.contains("/login") {
                ConnectorError::Auth(format!(
                    "Snipe-IT sent parcd to its login page (HTTP {}): the api_token was not accepted",
                    s.as_u16()
                ))
            } else {
                ConnectorError::Protocol {
                    endpoint: endpoint.into(),
                    detail: format!(
                        "redirected (HTTP {}) to {location}: set url to the address Snipe-IT \
                         answers on (https, no path)",
                        s.as_u16()
                    ),
                }
            }
        }
        StatusCode::NOT_FOUND => ConnectorError::Http {
            endpoint: endpoint.into(),
            status: 404,
            detail: format!("{said}: check url, the Snipe-IT base URL without /api/v1"),
        },
        s => ConnectorError::Http {
            endpoint: endpoint.into(),
            status: s.as_u16(),
            detail: said,
        },
    }
}

/// What Snipe-IT said: `messages` (a string or a field → errors map), `error` or
/// Laravel's `message`.
fn messages(v: &Value) -> String {
    let said = ["messages", "error", "message"]
        .iter()
        .find_map(|k| v.get(*k).filter(|m| !m.is_null()));
    match said {
        Some(Value::String(s)) => s.clone(),
        Some(other) => wire::short(other),
        None => wire::short(v),
    }
}

/// `Retry-After` in seconds or as an HTTP date; else the body's `retryAfter`.
fn retry_after(headers: &HeaderMap, body: Option<&Value>) -> Option<Duration> {
    let header = headers
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(h) = header {
        if let Ok(secs) = h.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = chrono::DateTime::parse_from_rfc2822(h) {
            let wait = at.signed_duration_since(chrono::Utc::now()).num_seconds();
            return Some(Duration::from_secs(wait.max(0) as u64));
        }
    }
    let from_body = body?.get("retryAfter")?;
    from_body
        .as_u64()
        .or_else(|| from_body.as_str()?.trim().parse().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_is_read_in_seconds_as_a_date_or_from_the_body() {
        assert_eq!(
            retry_after(&headers(&[("Retry-After", "42")]), None),
            Some(Duration::from_secs(42))
        );
        assert_eq!(
            retry_after(
                &headers(&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]),
                None
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&HeaderMap::new(), Some(&json!({"retryAfter": 17}))),
            Some(Duration::from_secs(17))
        );
        assert_eq!(retry_after(&HeaderMap::new(), Some(&json!({}))), None);
    }

    #[test]
    fn a_page_that_is_not_a_listing_says_what_it_is_and_a_row_without_id_is_shown() {
        use crate::error::ErrorType;
        let endpoint = "api/v1/hardware";
        let e = read_page(endpoint, b"<!DOCTYPE html><html>").unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Decode);
        assert!(e.to_string().contains("not JSON"), "{e}");
        let e = read_page(
            endpoint,
            br#"{"status":"error","messages":"Asset does not exist.","payload":null}"#,
        )
        .unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Protocol);
        assert!(e.to_string().contains("Asset does not exist."), "{e}");
        for body in [
            &br#"{"total":"3","rows":[]}"#[..],
            br#"{"total":3}"#,
            b"[1,2]",
        ] {
            let e = read_page(endpoint, body).unwrap_err();
            assert_eq!(e.error_type(), ErrorType::Decode);
            assert!(e.to_string().contains(r#"expected {"total""#), "{e}");
        }
        let page = read_page(
            endpoint,
            br#"{"total":2,"rows":[{"id":1},{"name":"sans id","id":null}]}"#,
        )
        .unwrap();
        assert_eq!((page.total, page.rows[0].id), (2, Some(1)));
        let e = super::super::SnipeitConnector::row_id(Pass::Listed, &page, 1).unwrap_err();
        assert_eq!(e.error_type(), ErrorType::Decode);
        assert!(
            e.to_string()
                .contains(r#"an asset row without an id: {"id":null,"name":"sans id"}"#),
            "{e}"
        );
    }

    #[test]
    fn snipe_it_refusals_get_their_kind() {
        use crate::error::ErrorType;
        let e = refusal(
            "api/v1/hardware",
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            br#"{"error":"Unauthorized or unauthenticated."}"#,
        );
        assert_eq!(e.error_type(), ErrorType::Auth);
        assert!(e.to_string().contains("api_token") && e.to_string().contains("unauthenticated"));
        let e = refusal(
            "api/v1/hardware",
            StatusCode::FOUND,
            &headers(&[("Location", "https://snipe.example.org/login")]),
            b"",
        );
        assert_eq!(e.error_type(), ErrorType::Auth);
        let e = refusal(
            "api/v1/hardware",
            StatusCode::NOT_FOUND,
            &HeaderMap::new(),
            br#"{"status":"error","messages":"404 endpoint not found","payload":null}"#,
        );
        assert_eq!(e.error_type(), ErrorType::Http);
        assert!(
            e.to_string().contains("404 endpoint not found") && e.to_string().contains("/api/v1")
        );
        assert_eq!(
            messages(&json!({"status": "error", "messages": {"limit": ["must be a number"]}})),
            r#"{"limit":["must be a number"]}"#
        );
    }
}
