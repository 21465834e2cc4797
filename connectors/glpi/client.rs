//! HTTP client for GLPI's legacy REST API: sessions, error bodies and `range` paging.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Mutex;

use super::params::{Credentials, GlpiParams};
use crate::error::{ConnectorError, root_cause};

/// One page of a list call.
#[derive(Debug)]
pub struct ListPage {
    pub rows: Vec<Value>,
    /// Total count from `Content-Range` (0 when GLPI omits the header on an empty list).
    pub total: u64,
}

/// A GLPI API session. Logs in lazily, logs in again once when GLPI says the session
/// expired (long syncs outlive sessions), and logs out on [`GlpiClient::logout`].
pub struct GlpiClient {
    http: reqwest::Client,
    base: String,
    app_token: Option<HeaderValue>,
    authorization: HeaderValue,
    session: Mutex<Option<HeaderValue>>,
    timeout: Duration,
}

/// What GLPI put in an error body: `["ERROR_CODE", "message"]`.
#[derive(Debug, Clone, Default)]
struct GlpiError {
    code: String,
    message: String,
}

/// GLPI's answer to a call it would not serve: its HTTP status and `[code, message]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl Refusal {
    pub(super) fn into_error(self, path: &str) -> ConnectorError {
        if self.status == StatusCode::FORBIDDEN.as_u16() {
            return ConnectorError::Auth(format!(
                "the GLPI user lacks the read right on {path} ({})",
                self.code
            ));
        }
        ConnectorError::Http {
            endpoint: path.to_string(),
            status: self.status,
            detail: format!("{} {}", self.code, self.message).trim().to_string(),
        }
    }
}

fn parse_error_body(body: &[u8]) -> GlpiError {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => GlpiError {
            code: items
                .first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            message: items
                .get(1)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        },
        _ => GlpiError {
            code: String::new(),
            message: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

fn sensitive(value: String) -> Result<HeaderValue, ConnectorError> {
    let mut v = HeaderValue::from_str(&value).map_err(|_| {
        ConnectorError::Config("a token holds characters not allowed in an HTTP header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

fn basic(username: &str, password: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{username}:{password}");
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl GlpiClient {
    pub fn new(params: &GlpiParams) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(params.timeout)
            .connect_timeout(Duration::from_secs(10).min(params.timeout))
            .user_agent(concat!("parcd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::Config(format!("cannot build the HTTP client: {e}")))?;
        let authorization = match &params.credentials {
            Credentials::UserToken(t) => sensitive(format!("user_token {}", t.expose_secret()))?,
            Credentials::Login { username, password } => sensitive(format!(
                "Basic {}",
                basic(username, password.expose_secret())
            ))?,
        };
        let app_token = match &params.app_token {
            Some(t) => Some(sensitive(t.expose_secret().to_string())?),
            None => None,
        };
        Ok(GlpiClient {
            http,
            base: params.url.clone(),
            app_token,
            authorization,
            session: Mutex::new(None),
            timeout: params.timeout,
        })
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("Content-Type", HeaderValue::from_static("application/json"));
        // Names come back HTML-escaped otherwise ("R&amp;D").
        h.insert(
            "X-GLPI-Sanitized-Content",
            HeaderValue::from_static("false"),
        );
        if let Some(t) = &self.app_token {
            h.insert("App-Token", t.clone());
        }
        h
    }

    fn transport_error(&self, endpoint: &str, e: reqwest::Error) -> ConnectorError {
        ConnectorError::from_transport(endpoint, self.timeout, &e)
    }

    async fn login(&self) -> Result<HeaderValue, ConnectorError> {
        let endpoint = "initSession";
        let resp = self
            .http
            .get(format!("{}/initSession", self.base))
            .headers(self.headers())
            .header("Authorization", self.authorization.clone())
            .send()
            .await
            .map_err(|e| self.transport_error(endpoint, e))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| self.transport_error(endpoint, e))?;
        if !status.is_success() {
            let err = parse_error_body(&body);
            let which = match err.code.as_str() {
                "ERROR_WRONG_APP_TOKEN_PARAMETER" => Some("the app_token was refused by GLPI"),
                "ERROR_APP_TOKEN_PARAMETERS_MISSING" => {
                    Some("GLPI requires an app_token for this client: set app_token")
                }
                "ERROR_GLPI_LOGIN_USER_TOKEN" => Some("the user_token was refused by GLPI"),
                "ERROR_GLPI_LOGIN" => Some("the username or password was refused by GLPI"),
                "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED" => {
                    Some("GLPI does not allow login with credentials on its API: use user_token")
                }
                "ERROR_NOT_ALLOWED_IP" => {
                    Some("GLPI does not allow API calls from parcd's address")
                }
                _ => None,
            };
            return Err(match which {
                Some(w) => ConnectorError::Auth(format!("{w} ({})", err.code)),
                None if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
                    ConnectorError::Auth(format!(
                        "HTTP {} {} {}",
                        status.as_u16(),
                        err.code,
                        err.message
                    ))
                }
                None => ConnectorError::Http {
                    endpoint: endpoint.into(),
                    status: status.as_u16(),
                    detail: format!("{} {}", err.code, err.message).trim().to_string(),
                },
            });
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| ConnectorError::Decode {
            endpoint: endpoint.into(),
            detail: format!("not JSON: {e}"),
        })?;
        let token = v
            .get("session_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ConnectorError::Decode {
                endpoint: endpoint.into(),
                detail: "no session_token in the answer".into(),
            })?;
        sensitive(token.to_string())
    }

    async fn session(&self) -> Result<HeaderValue, ConnectorError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = self.login().await?;
        *guard = Some(s.clone());
        Ok(s)
    }

    async fn drop_session(&self, stale: &HeaderValue) {
        let mut guard = self.session.lock().await;
        if guard.as_ref() == Some(stale) {
            *guard = None;
        }
    }

    /// GET `path` (relative to the API base) with `query`; returns status, headers and body
    /// of a 2xx answer. A session GLPI declares invalid is renewed once and the call replayed.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(StatusCode, HeaderMap, bytes::Bytes), ConnectorError> {
        self.fetch(path, query)
            .await?
            .map_err(|refusal| refusal.into_error(path))
    }

    /// As [`GlpiClient::get`], with GLPI's refusal of the call (a 4xx or 5xx answer other
    /// than an expired session) given back as such, for the callers that can do without
    /// what was asked.
    async fn fetch(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Result<(StatusCode, HeaderMap, bytes::Bytes), Refusal>, ConnectorError> {
        let mut retried = false;
        loop {
            let session = self.session().await?;
            let resp = self
                .http
                .get(format!("{}/{}", self.base, path))
                .headers(self.headers())
                .header("Session-Token", session.clone())
                .query(query)
                .send()
                .await
                .map_err(|e| self.transport_error(path, e))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp
                .bytes()
                .await
                .map_err(|e| self.transport_error(path, e))?;
            if status.is_success() {
                return Ok(Ok((status, headers, body)));
            }
            let err = parse_error_body(&body);
            if status == StatusCode::UNAUTHORIZED
                && err.code == "ERROR_SESSION_TOKEN_INVALID"
                && !retried
            {
                tracing::debug!(endpoint = path, "GLPI session expired, logging in again");
                self.drop_session(&session).await;
                retried = true;
                continue;
            }
            if err.code == "ERROR_SESSION_TOKEN_INVALID" {
                return Err(ConnectorError::Auth(
                    "GLPI refused a fresh session token (ERROR_SESSION_TOKEN_INVALID)".into(),
                ));
            }
            return Ok(Err(Refusal {
                status: status.as_u16(),
                code: err.code,
                message: err.message,
            }));
        }
    }

    /// One page of `GET /<itemtype>/` for rows `start..=end`.
    pub async fn list(
        &self,
        itemtype: &str,
        start: u64,
        end: u64,
        sort: &str,
        order: &str,
    ) -> Result<ListPage, ConnectorError> {
        self.list_served(itemtype, start, end, sort, order)
            .await?
            .map_err(|refusal| refusal.into_error(&format!("{itemtype}/")))
    }

    /// As [`GlpiClient::list`], with GLPI's refusal given back as such: an itemtype this
    /// GLPI does not have, or that the user may not read, is then the caller's to judge.
    pub async fn list_served(
        &self,
        itemtype: &str,
        start: u64,
        end: u64,
        sort: &str,
        order: &str,
    ) -> Result<Result<ListPage, Refusal>, ConnectorError> {
        let path = format!("{itemtype}/");
        let mut query = vec![
            ("range", format!("{start}-{end}")),
            ("sort", sort.to_string()),
            ("order", order.to_string()),
            ("is_deleted", "false".to_string()),
            ("expand_dropdowns", "false".to_string()),
            ("get_hateoas", "false".to_string()),
        ];
        query.extend(with_addresses(itemtype));
        let (status, headers, body) = match self.fetch(&path, &query).await? {
            Ok(answer) => answer,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // Parsed on a blocking thread: a page of a thousand rows takes milliseconds of CPU,
        // which the task that stores the previous page would otherwise wait for (at a
        // million devices, a third of the sync's own thread).
        let parsed = off_task(&path, move || serde_json::from_slice::<Value>(&body)).await?;
        let rows: Vec<Value> = match parsed {
            Ok(Value::Array(rows)) => rows,
            Ok(other) => {
                return Err(ConnectorError::Decode {
                    endpoint: path,
                    detail: format!("expected a JSON array of rows, got {}", short(&other)),
                });
            }
            Err(e) => {
                return Err(ConnectorError::Decode {
                    endpoint: path,
                    detail: format!("malformed JSON ({e}); the page may have been cut short"),
                });
            }
        };
        let range = headers
            .get("Content-Range")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let total = match range.as_deref() {
            None if rows.is_empty() => 0,
            None => {
                return Err(ConnectorError::Protocol {
                    endpoint: path,
                    detail: format!(
                        "HTTP {} with {} rows but no Content-Range header",
                        status.as_u16(),
                        rows.len()
                    ),
                });
            }
            Some(r) => {
                let (span, total) =
                    parse_content_range(r).ok_or_else(|| ConnectorError::Protocol {
                        endpoint: path.clone(),
                        detail: format!("unreadable Content-Range \"{r}\""),
                    })?;
                // A page shorter than the range GLPI claims to have sent is a cut answer
                // (proxy, crash): taking it would silently drop assets.
                if let Some((s, e)) = span
                    && (e + 1).saturating_sub(s) != rows.len() as u64
                {
                    return Err(ConnectorError::Protocol {
                        endpoint: path,
                        detail: format!(
                            "Content-Range {r} announces {} rows but the page holds {}",
                            (e + 1).saturating_sub(s),
                            rows.len()
                        ),
                    });
                }
                total
            }
        };
        Ok(Ok(ListPage { rows, total }))
    }

    /// Every row of a (small) collection, such as a dropdown.
    pub async fn list_all(
        &self,
        itemtype: &str,
        page_size: u64,
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut out = Vec::new();
        self.list_each(itemtype, page_size, |rows| out.extend(rows))
            .await?;
        Ok(out)
    }

    /// Every row of a collection, handed over page by page, so a large one (Infocom) is
    /// never held whole as JSON.
    pub async fn list_each(
        &self,
        itemtype: &str,
        page_size: u64,
        mut each: impl FnMut(Vec<Value>),
    ) -> Result<(), ConnectorError> {
        let first = self.list(itemtype, 0, page_size - 1, "id", "ASC").await?;
        let mut total = first.total;
        let mut start = first.rows.len() as u64;
        let mut ended = start == 0;
        // Pages read and not yet handed over.
        let mut ready = vec![first.rows];
        loop {
            if ended || start >= total {
                ready.into_iter().for_each(&mut each);
                return Ok(());
            }
            // The two next pages are asked for together, before the pages read are handed
            // over: GLPI prepares one while parcd parses the other and reads those before
            // them (a million Infocom rows are a thousand pages read before the sync's
            // first asset page).
            let page = |from: u64| async move {
                if from >= total {
                    return None;
                }
                Some(
                    self.list(itemtype, from, from + page_size - 1, "id", "ASC")
                        .await,
                )
            };
            let handed = std::mem::take(&mut ready);
            let (a, b, ()) = tokio::join!(page(start), page(start + page_size), async {
                handed.into_iter().for_each(&mut each)
            });
            for answer in [a, b].into_iter().flatten() {
                let page = answer?;
                let n = page.rows.len() as u64;
                total = page.total;
                start += n;
                ended = n == 0;
                ready.push(page.rows);
                // A short page (the list shrank while read): the next one was asked from a
                // position that no longer follows; it is asked again from this one's end.
                if n < page_size {
                    break;
                }
            }
        }
    }

    /// One item, or `None` when GLPI no longer has it.
    pub async fn item(&self, itemtype: &str, id: u64) -> Result<Option<Value>, ConnectorError> {
        let path = format!("{itemtype}/{id}");
        let mut query = vec![("expand_dropdowns", "false".to_string())];
        query.extend(with_addresses(itemtype));
        match self.get(&path, &query).await {
            Ok((_, _, body)) => {
                serde_json::from_slice(&body)
                    .map(Some)
                    .map_err(|e| ConnectorError::Decode {
                        endpoint: path,
                        detail: format!("malformed JSON ({e})"),
                    })
            }
            Err(ConnectorError::Http { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Ends the session at GLPI, if one is open.
    pub async fn logout(&self) {
        let session = self.session.lock().await.take();
        if let Some(s) = session {
            let res = self
                .http
                .get(format!("{}/killSession", self.base))
                .headers(self.headers())
                .header("Session-Token", s)
                .send()
                .await;
            if let Err(e) = res {
                tracing::debug!(error = %root_cause(&e), "killSession failed");
            }
        }
    }
}

/// `start-end/total` → (Some((start, end)), total); `*/total` → (None, total).
/// Printers are read with their network ports, for their IP addresses (`addresses.rs`):
/// an SNMP source may poll them there. GLPI runs queries per row for them, so other types,
/// whose addresses nothing reads, are listed without.
/// Runs `work` on a blocking thread, for the CPU a page costs (parsing it, reading its rows
/// into records), so that the task writing the page before is not held up; `endpoint`
/// names the page in the error of a thread that did not finish.
pub(super) async fn off_task<T: Send + 'static>(
    endpoint: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ConnectorError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ConnectorError::Protocol {
            endpoint: endpoint.to_string(),
            detail: format!("the page could not be read ({e})"),
        })
}

fn with_addresses(itemtype: &str) -> Option<(&'static str, String)> {
    (itemtype == "Printer").then(|| ("with_networkports", "true".to_string()))
}

fn parse_content_range(v: &str) -> Option<(Option<(u64, u64)>, u64)> {
    let v = v.trim().strip_prefix("items ").unwrap_or(v.trim());
    let (span, total) = v.split_once('/')?;
    let total = total.trim().parse().ok()?;
    if span.trim() == "*" {
        return Some((None, total));
    }
    let (s, e) = span.split_once('-')?;
    Some((
        Some((s.trim().parse().ok()?, e.trim().parse().ok()?)),
        total,
    ))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!("{}…", &s[..s.floor_char_boundary(80)])
    } else {
        s
    }
}

/// The innermost cause of a reqwest error: the outer layers only say "error sending request".
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_is_parsed_with_and_without_span() {
        assert_eq!(
            parse_content_range("0-999/4321"),
            Some((Some((0, 999)), 4321))
        );
        assert_eq!(parse_content_range("*/0"), Some((None, 0)));
        assert_eq!(parse_content_range("garbage"), None);
    }

    #[test]
    fn basic_auth_is_standard_base64() {
        assert_eq!(basic("glpi", "glpi"), "Z2xwaTpnbHBp");
        assert_eq!(basic("a", "b"), "YTpi");
        assert_eq!(basic("ab", "cd"), "YWI6Y2Q=");
    }

    #[test]
    fn glpi_error_arrays_are_read() {
        let e =
            parse_error_body(br#"["ERROR_SESSION_TOKEN_INVALID","session_token seems invalid"]"#);
        assert_eq!(e.code, "ERROR_SESSION_TOKEN_INVALID");
        assert_eq!(e.message, "session_token seems invalid");
    }
}
