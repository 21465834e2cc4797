//! The doveadm HTTP API: one POST of a batch of commands to `/doveadm/v1`, answered by one
//! JSON array with a response per command, in order, each tagged.
//!
//! ```text
//! → [["mailboxStatus", {"allUsers": true, "totalSum": true, …}, "total"], …]
//! ← [["doveadmResponse", [{"username": "alice", "messages": "6", "vsize": "277847"}], "total"],
//!    ["error", {"type": "exitCode", "exitCode": 67}, "quota"]]
//! ```
//!
//! Every value of a row is a string; a wrong key or password is HTTP 401 with no body.

use std::collections::BTreeMap;

use base64::Engine;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::params::{Auth, DoveadmParams};
use crate::error::{ConnectorError, root_cause};

/// One row of a response: field → value, all strings.
pub type Row = BTreeMap<String, String>;

/// One command of a batch.
pub struct Command {
    pub name: &'static str,
    pub params: Value,
    pub tag: &'static str,
}

pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    authorization: HeaderValue,
    timeout: std::time::Duration,
}

impl Client {
    pub fn new(p: &DoveadmParams) -> Result<Client, ConnectorError> {
        let mut builder = reqwest::Client::builder()
            .timeout(p.timeout)
            .connect_timeout(p.timeout.min(std::time::Duration::from_secs(30)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("parcd/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &p.ca {
            let certs = reqwest::Certificate::from_pem_bundle(&ca.pem).map_err(|e| {
                ConnectorError::Config(format!("ca_file {}: {}", ca.path.display(), root_cause(&e)))
            })?;
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ConnectorError::Config(format!("HTTP client: {}", root_cause(&e))))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let value = match &p.auth {
            Auth::ApiKey(k) => format!("X-Dovecot-API {}", b64.encode(k.expose_secret())),
            Auth::Password(pw) => format!(
                "Basic {}",
                b64.encode(format!("doveadm:{}", pw.expose_secret()))
            ),
        };
        let mut authorization = HeaderValue::from_str(&value).map_err(|_| {
            ConnectorError::Config(
                "the doveadm credentials hold characters HTTP cannot carry".into(),
            )
        })?;
        authorization.set_sensitive(true);
        Ok(Client {
            http,
            endpoint: p.endpoint(),
            authorization,
            timeout: p.timeout,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Runs a batch; the rows of each command, in the batch's order. Any command's error
    /// fails the whole batch: a round is read whole or not at all.
    pub async fn run(&self, batch: &[Command]) -> Result<Vec<Vec<Row>>, ConnectorError> {
        let body: Vec<Value> = batch
            .iter()
            .map(|c| json!([c.name, c.params, c.tag]))
            .collect();
        let resp = self
            .http
            .post(&self.endpoint)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .json(&body)
            .send()
            .await
            .map_err(|e| ConnectorError::from_transport(&self.endpoint, self.timeout, &e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ConnectorError::Auth(format!(
                "{} answered HTTP {}: check the source's api_key (Dovecot's doveadm_api_key) \
                 or password (doveadm_password)",
                self.endpoint,
                status.as_u16()
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ConnectorError::from_transport(&self.endpoint, self.timeout, &e))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(ConnectorError::Http {
                endpoint: self.endpoint.clone(),
                status: status.as_u16(),
                detail: text.chars().take(200).collect(),
            });
        }
        parse(&self.endpoint, &bytes, batch)
    }
}

/// Reads the batch's answer.
pub fn parse(
    endpoint: &str,
    bytes: &[u8],
    batch: &[Command],
) -> Result<Vec<Vec<Row>>, ConnectorError> {
    let decode = |detail: String| ConnectorError::Decode {
        endpoint: endpoint.to_string(),
        detail,
    };
    let top: Value = serde_json::from_slice(bytes).map_err(|e| decode(e.to_string()))?;
    let items = top
        .as_array()
        .ok_or_else(|| decode("the answer is not a JSON array".into()))?;
    let mut by_tag: BTreeMap<&str, &Value> = BTreeMap::new();
    for item in items {
        let parts = item
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or_else(|| decode("a response is not a [type, payload, tag] triple".into()))?;
        let tag = parts[2]
            .as_str()
            .ok_or_else(|| decode("a response's tag is not a string".into()))?;
        by_tag.insert(tag, item);
    }
    let mut out = Vec::with_capacity(batch.len());
    for c in batch {
        let item = by_tag
            .get(c.tag)
            .ok_or_else(|| decode(format!("no response to the {} command", c.name)))?;
        let (kind, payload) = (item[0].as_str().unwrap_or_default(), &item[1]);
        match kind {
            "doveadmResponse" => {
                let rows = payload
                    .as_array()
                    .ok_or_else(|| decode(format!("{}'s rows are not a list", c.name)))?;
                let mut parsed = Vec::with_capacity(rows.len());
                for r in rows {
                    let obj = r
                        .as_object()
                        .ok_or_else(|| decode(format!("a row of {} is not an object", c.name)))?;
                    let mut row = Row::new();
                    for (k, v) in obj {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            // Fields parcd does not read may be anything.
                            _ => continue,
                        };
                        row.insert(k.clone(), s);
                    }
                    parsed.push(row);
                }
                out.push(parsed);
            }
            "error" => {
                let code = payload.get("exitCode").and_then(Value::as_i64);
                let kind = payload
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                return Err(ConnectorError::Protocol {
                    endpoint: endpoint.to_string(),
                    detail: format!(
                        "doveadm failed the {} command ({kind}{}){}",
                        c.name,
                        code.map(|c| format!(", exit code {c}")).unwrap_or_default(),
                        match code {
                            Some(67) => ": a user of the list is unknown to the userdb",
                            Some(68) =>
                                ": the userdb cannot list its users (allUsers needs an iterable userdb)",
                            Some(75) => ": a temporary failure of Dovecot; the next round retries",
                            Some(77) => ": the doveadm user lacks the right",
                            _ => "",
                        }
                    ),
                });
            }
            other => return Err(decode(format!("unknown response type {other:?}"))),
        }
    }
    Ok(out)
}

/// A number field of a row; the error names the command and the field, not the user.
pub fn number(
    row: &Row,
    field: &str,
    command: &str,
    endpoint: &str,
) -> Result<u64, ConnectorError> {
    let v = row.get(field).ok_or_else(|| ConnectorError::Decode {
        endpoint: endpoint.to_string(),
        detail: format!("a row of {command} has no {field}"),
    })?;
    v.trim().parse::<u64>().map_err(|_| ConnectorError::Decode {
        endpoint: endpoint.to_string(),
        detail: format!("{command}'s {field} is {v:?}, not a whole number"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Vec<Command> {
        vec![
            Command {
                name: "mailboxStatus",
                params: json!({}),
                tag: "a",
            },
            Command {
                name: "quotaGet",
                params: json!({}),
                tag: "b",
            },
        ]
    }

    #[test]
    fn responses_are_matched_by_tag_and_values_read_as_strings() {
        let body = br#"[["doveadmResponse",[{"quota":"x"}],"b"],["doveadmResponse",[{"username":"u","vsize":"12","messages":3}],"a"]]"#;
        let rows = parse("e", body, &batch()).unwrap();
        assert_eq!(rows[0][0]["vsize"], "12");
        assert_eq!(rows[0][0]["messages"], "3");
        assert_eq!(rows[1][0]["quota"], "x");
    }

    #[test]
    fn one_failed_command_fails_the_batch_with_its_meaning() {
        let body =
            br#"[["doveadmResponse",[],"a"],["error",{"type":"exitCode","exitCode":67},"b"]]"#;
        let e = parse("e", body, &batch()).unwrap_err();
        assert_eq!(e.error_type(), crate::ErrorType::Protocol);
        assert!(
            e.to_string().contains("quotaGet") && e.to_string().contains("unknown"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_response_or_a_bad_number_is_a_decode_error() {
        let e = parse("e", br#"[["doveadmResponse",[],"a"]]"#, &batch()).unwrap_err();
        assert_eq!(e.error_type(), crate::ErrorType::Decode);
        let row: Row = [("vsize".to_string(), "12x".to_string())].into();
        let e = number(&row, "vsize", "mailboxStatus", "e").unwrap_err();
        assert!(e.to_string().contains("12x"), "{e}");
        assert!(parse("e", b"<html>", &batch()).is_err());
    }
}
