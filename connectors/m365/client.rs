//! HTTP client for Microsoft Graph's usage reports: an OAuth2 client-credentials token
//! from the Microsoft identity platform, then each report as a CSV file.
//!
//! A report request answers `302 Found` with a pre-authenticated download URL on another
//! host (`reports.office.com`), valid for a few minutes. The redirect is followed by hand,
//! without the `Authorization` header, so the token never leaves Graph and a failed
//! download is told apart from a refused request. Refusals, from Microsoft's docs:
//! the token endpoint answers 400 or 401 with `{"error", "error_description": "AADSTS…"}`;
//! Graph answers 401 (`InvalidAuthenticationToken`), 403 (the app lacks `Reports.Read.All`)
//! and 429 with `Retry-After` when it throttles (`{"error": {"code", "message"}}`).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::params::M365Params;
use crate::error::ConnectorError;

/// The token endpoint, as named in errors.
pub const TOKEN_ENDPOINT: &str = "oauth2/v2.0/token";

/// A token is renewed this long before Microsoft says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

struct Token {
    value: SecretString,
    until: Instant,
}

pub struct GraphClient {
    http: reqwest::Client,
    token_url: String,
    graph_url: String,
    client_id: String,
    client_secret: SecretString,
    timeout: Duration,
    token: Mutex<Option<Token>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<Value>,
}

impl GraphClient {
    pub fn new(p: &M365Params) -> Result<Self, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(p.timeout)
            .connect_timeout(Duration::from_secs(10).min(p.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("parcd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConnectorError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(GraphClient {
            http,
            token_url: format!("{}/{}/{TOKEN_ENDPOINT}", p.login_url, p.tenant_id),
            graph_url: format!("{}/v1.0", p.graph_url),
            client_id: p.client_id.clone(),
            client_secret: p.client_secret.clone(),
            timeout: p.timeout,
            token: Mutex::new(None),
        })
    }

    fn transport(&self, endpoint: &str, e: reqwest::Error) -> ConnectorError {
        ConnectorError::from_transport(endpoint, self.timeout, &e)
    }

    /// A current token: the cached one, or a new one from the token endpoint.
    async fn token(&self) -> Result<SecretString, ConnectorError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.until
        {
            return Ok(t.value.clone());
        }
        let body = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        let resp = self
            .http
            .post(&self.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(TOKEN_ENDPOINT, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.transport(TOKEN_ENDPOINT, e))?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ConnectorError::RateLimited {
                endpoint: TOKEN_ENDPOINT.into(),
                retry_after: retry_after(&headers),
            });
        }
        if !status.is_success() {
            return Err(self.token_refused(status, &bytes));
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|e| ConnectorError::Decode {
                endpoint: TOKEN_ENDPOINT.into(),
                detail: format!("the token answer is not the documented JSON ({e})"),
            })?;
        let Some(value) = answer.access_token.filter(|t| !t.is_empty()) else {
            return Err(ConnectorError::Decode {
                endpoint: TOKEN_ENDPOINT.into(),
                detail: "the token answer holds no access_token".into(),
            });
        };
        // `expires_in` is a number of seconds (a string in older v1 endpoints).
        let lifetime = answer
            .expires_in
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3599);
        let value = SecretString::from(value);
        *cached = Some(Token {
            value: value.clone(),
            until: Instant::now() + Duration::from_secs(lifetime).saturating_sub(EXPIRY_MARGIN),
        });
        Ok(value)
    }

    /// What the identity platform's refusal means, in words a DSI can act on. Its
    /// `error_description` starts with the AADSTS code and its sentence; the trace and
    /// correlation ids that follow are left out.
    fn token_refused(&self, status: StatusCode, body: &[u8]) -> ConnectorError {
        let v: Option<Value> = serde_json::from_slice(body).ok();
        let error = v
            .as_ref()
            .and_then(|v| v.get("error")?.as_str())
            .unwrap_or("")
            .to_string();
        let said = v
            .as_ref()
            .and_then(|v| v.get("error_description")?.as_str())
            .and_then(|d| d.lines().next())
            .map(str::trim)
            .unwrap_or("")
            .replace(self.client_secret.expose_secret(), "<hidden>");
        let said = if said.is_empty() {
            String::from_utf8_lossy(&body[..body.len().min(120)])
                .trim()
                .to_string()
        } else {
            said
        };
        let fix = match error.as_str() {
            "invalid_client" => {
                "check client_secret: it must be the secret's Value (not its ID), current, of this app registration"
            }
            "unauthorized_client" => {
                "check client_id: the application (client) id of an app registration in this tenant"
            }
            "invalid_request" if said.contains("AADSTS90002") => {
                "check tenant_id: the directory (tenant) id of the organisation"
            }
            _ => "check tenant_id, client_id and client_secret",
        };
        if status.is_client_error() {
            ConnectorError::Auth(format!(
                "the Microsoft identity platform refused the client credentials (HTTP {}, {}: {said}): {fix}",
                status.as_u16(),
                if error.is_empty() {
                    "no error code"
                } else {
                    &error
                },
            ))
        } else {
            ConnectorError::Http {
                endpoint: TOKEN_ENDPOINT.into(),
                status: status.as_u16(),
                detail: said,
            }
        }
    }

    /// Forgets the cached token (Graph refused it).
    async fn drop_token(&self) {
        *self.token.lock().await = None;
    }

    /// The download location of a report (`endpoint` is the path under `/v1.0/reports/`,
    /// e.g. `getMailboxUsageDetail(period='D7')`), or the CSV itself when Graph answers it
    /// directly.
    async fn request(&self, endpoint: &str) -> Result<Located, ConnectorError> {
        let url = format!("{}/reports/{endpoint}", self.graph_url);
        let mut retried = false;
        loop {
            let token = self.token().await?;
            let resp = self
                .http
                .get(&url)
                .bearer_auth(token.expose_secret())
                .send()
                .await
                .map_err(|e| self.transport(endpoint, e))?;
            let status = resp.status();
            if status.is_redirection() {
                let location = resp
                    .headers()
                    .get("Location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .ok_or_else(|| ConnectorError::Protocol {
                        endpoint: endpoint.into(),
                        detail: format!(
                            "HTTP {} without a Location to download the report from",
                            status.as_u16()
                        ),
                    })?;
                return Ok(Located::At(location));
            }
            let headers = resp.headers().clone();
            let body = resp
                .bytes()
                .await
                .map_err(|e| self.transport(endpoint, e))?;
            if status.is_success() {
                return Ok(Located::Here(body));
            }
            // A token revoked or expired early: one new token, one more try.
            if status == StatusCode::UNAUTHORIZED && !retried {
                retried = true;
                self.drop_token().await;
                continue;
            }
            return Err(graph_refused(endpoint, status, &headers, &body));
        }
    }

    /// One report's CSV file.
    pub async fn report(&self, endpoint: &str) -> Result<bytes::Bytes, ConnectorError> {
        match self.request(endpoint).await? {
            Located::Here(body) => Ok(body),
            Located::At(location) => {
                // Pre-authenticated: no Authorization header goes to the download host.
                let resp = self
                    .http
                    .get(&location)
                    .send()
                    .await
                    .map_err(|e| self.transport(endpoint, e))?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = resp
                    .bytes()
                    .await
                    .map_err(|e| self.transport(endpoint, e))?;
                if status.is_success() {
                    Ok(body)
                } else if status == StatusCode::TOO_MANY_REQUESTS {
                    Err(ConnectorError::RateLimited {
                        endpoint: endpoint.into(),
                        retry_after: retry_after(&headers),
                    })
                } else {
                    Err(ConnectorError::Http {
                        endpoint: endpoint.into(),
                        status: status.as_u16(),
                        detail: "the report's download link (Graph's redirect) failed; it is \
                                 valid a few minutes only, the next poll asks for a new one"
                            .into(),
                    })
                }
            }
        }
    }

    /// Asks for a report without downloading it: token, permission and Graph reachable.
    pub async fn probe(&self, endpoint: &str) -> Result<(), ConnectorError> {
        self.request(endpoint).await.map(|_| ())
    }
}

enum Located {
    At(String),
    Here(bytes::Bytes),
}

/// The error of a Graph answer that is neither a redirect nor a success.
fn graph_refused(
    endpoint: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ConnectorError {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    let code = v
        .as_ref()
        .and_then(|v| v.get("error")?.get("code")?.as_str())
        .unwrap_or("");
    let message = v
        .as_ref()
        .and_then(|v| v.get("error")?.get("message")?.as_str())
        .unwrap_or("");
    let said = match (code, message) {
        ("", "") => String::from_utf8_lossy(&body[..body.len().min(120)])
            .trim()
            .to_string(),
        (c, m) => format!("{c}: {m}"),
    };
    match status {
        StatusCode::TOO_MANY_REQUESTS => ConnectorError::RateLimited {
            endpoint: endpoint.into(),
            retry_after: retry_after(headers),
        },
        StatusCode::UNAUTHORIZED => ConnectorError::Auth(format!(
            "Microsoft Graph refused the access token (HTTP 401, {said}): check that the app \
             registration belongs to tenant_id"
        )),
        StatusCode::FORBIDDEN => ConnectorError::Auth(format!(
            "Microsoft Graph denied the usage reports (HTTP 403, {said}): grant the app the \
             application permission Reports.Read.All, with an administrator's consent"
        )),
        s => ConnectorError::Http {
            endpoint: endpoint.into(),
            status: s.as_u16(),
            detail: said,
        },
    }
}

/// `Retry-After` in seconds (Graph's form) or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let h = headers.get("Retry-After")?.to_str().ok()?.trim();
    if let Ok(secs) = h.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(h).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now()).num_seconds();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorType;

    #[test]
    fn form_values_are_encoded_so_a_secret_with_tildes_and_plus_signs_survives() {
        assert_eq!(form_encode("a~b+c/d=e f"), "a%7Eb%2Bc%2Fd%3De+f");
        assert_eq!(
            form_encode("https://graph.microsoft.com/.default"),
            "https%3A%2F%2Fgraph.microsoft.com%2F.default"
        );
    }

    #[test]
    fn graph_refusals_get_their_kind_and_fix() {
        let e = graph_refused(
            "getMailboxUsageDetail(period='D7')",
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"error":{"code":"Forbidden","message":"Missing role permissions on the request."}}"#,
        );
        assert_eq!(e.error_type(), ErrorType::Auth);
        assert!(e.to_string().contains("Reports.Read.All"), "{e}");
        let mut h = HeaderMap::new();
        h.insert("Retry-After", "7".parse().unwrap());
        let e = graph_refused("r", StatusCode::TOO_MANY_REQUESTS, &h, b"{}");
        assert_eq!(e.error_type(), ErrorType::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = graph_refused(
            "r",
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            b"busy",
        );
        assert_eq!(e.error_type(), ErrorType::Http);
    }
}
