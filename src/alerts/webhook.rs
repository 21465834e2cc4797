//! The webhook channel: one JSON POST per alert, in the shape the receiver reads.
//!
//! - `text`: `{"text": …}`, the incoming-webhook payload Slack, Mattermost and the legacy
//!   Teams connectors share;
//! - `teams`: a message holding an Adaptive Card 1.4, the only shape Teams Workflows
//!   webhooks take;
//! - `json`: `{"id", "idempotency_key", "language", "subject", "text", "notice"}`, the
//!   structured notice (as [`Notice`](super::model::Notice) serialises) with its words, for
//!   a program of the DSI's.
//!
//! Every POST carries `Idempotency-Key: parcd-alert-{id}`, the outbox id, stable across
//! retries. The URL is a secret (its path holds the token): errors show its scheme and host
//! only.

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::channel::{ChannelError, causes, excerpt, looks_like_tls, scrub};
use super::message::{self, Language};
use super::model::Outgoing;
use super::settings::{WebhookConfig, WebhookFormat, url_origin};

/// The characters of an error answer kept in a [`ChannelError`].
const BODY_EXCERPT_CHARS: usize = 200;

/// The JSON body posted for `out`.
pub fn payload(format: WebhookFormat, out: &Outgoing, lang: Language) -> Value {
    let body = message::body(&out.notice, lang);
    match format {
        WebhookFormat::Text => json!({ "text": body }),
        WebhookFormat::Teams => teams_card(&message::subject(&out.notice, lang), &body),
        WebhookFormat::Json => json!({
            "id": out.id,
            "idempotency_key": idempotency_key(out),
            "language": lang.as_str(),
            "subject": message::subject(&out.notice, lang),
            "text": body,
            "notice": out.notice,
        }),
    }
}

/// An Adaptive Card message: the title in bold, then one wrapped TextBlock per paragraph
/// (TextBlocks render the body's Markdown lists and bold).
fn teams_card(subject: &str, body: &str) -> Value {
    let mut paragraphs = body.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    let title = paragraphs
        .next()
        .map(|t| t.trim_matches('*').to_string())
        .unwrap_or_else(|| subject.to_string());
    let mut blocks = vec![json!({
        "type": "TextBlock",
        "text": title,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
    })];
    blocks.extend(paragraphs.map(|p| json!({ "type": "TextBlock", "text": p, "wrap": true })));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": { "width": "Full" },
                "body": blocks,
            },
        }],
    })
}

fn idempotency_key(out: &Outgoing) -> String {
    format!("parcd-alert-{}", out.id)
}

pub(super) struct WebhookChannel {
    cfg: WebhookConfig,
    /// Scheme and host: what errors may show of the URL.
    target: String,
    /// Built once; a failure (TLS set-up) is reported at each send.
    client: Result<reqwest::Client, String>,
}

impl WebhookChannel {
    pub(super) fn new(cfg: WebhookConfig) -> WebhookChannel {
        let mut builder = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            // A redirect turns a POST into a GET on the way; report it instead.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("parcd/", env!("CARGO_PKG_VERSION")));
        let mut ca_error = None;
        if let Some(ca) = &cfg.ca {
            match reqwest::Certificate::from_pem_bundle(&ca.pem) {
                Ok(certs) => {
                    for c in certs {
                        builder = builder.add_root_certificate(c);
                    }
                }
                Err(e) => ca_error = Some(format!("{}: {}", ca.path.display(), causes(&e))),
            }
        }
        let client = match ca_error {
            Some(e) => Err(e),
            None => builder.build().map_err(|e| causes(&e.without_url())),
        };
        WebhookChannel {
            target: url_origin(cfg.url.expose_secret()).unwrap_or_else(|| "the webhook".into()),
            cfg,
            client,
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// The longest a send may take.
    pub(super) fn send_timeout(&self) -> std::time::Duration {
        self.cfg.timeout
    }

    pub(super) async fn send(&self, out: &Outgoing, lang: Language) -> Result<(), ChannelError> {
        let client = self.client.as_ref().map_err(|reason| ChannelError::Tls {
            channel: self.cfg.name.clone(),
            target: self.target.clone(),
            reason: reason.clone(),
        })?;
        let body = serde_json::to_vec(&payload(self.cfg.format, out, lang)).map_err(|e| {
            ChannelError::Other {
                channel: self.cfg.name.clone(),
                detail: format!("cannot encode the payload: {e}"),
            }
        })?;
        let resp = client
            .post(self.cfg.url.expose_secret())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("Idempotency-Key", idempotency_key(out))
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let answer = read_excerpt(resp).await;
        Err(ChannelError::HttpRejected {
            channel: self.cfg.name.clone(),
            target: self.target.clone(),
            status: status.as_u16(),
            // Scrubbed before it is cut: a token cut in two would not be found.
            body: excerpt(&self.clean(&answer), BODY_EXCERPT_CHARS),
        })
    }

    fn transport_error(&self, e: reqwest::Error) -> ChannelError {
        // reqwest puts the URL, token included, in its Display.
        let e = e.without_url();
        let channel = self.cfg.name.clone();
        let target = self.target.clone();
        if e.is_timeout() {
            return ChannelError::Timeout {
                channel,
                target,
                seconds: self.cfg.timeout.as_secs(),
            };
        }
        let reason = self.clean(&causes(&e));
        if looks_like_tls(&e) {
            ChannelError::Tls {
                channel,
                target,
                reason,
            }
        } else if e.is_connect() {
            ChannelError::Unreachable {
                channel,
                target,
                reason,
            }
        } else {
            ChannelError::Other {
                channel,
                detail: format!("{target}: {reason}"),
            }
        }
    }

    /// Removes the URL and its path from text a server or library wrote.
    fn clean(&self, text: &str) -> String {
        let url = self.cfg.url.expose_secret();
        let path = reqwest::Url::parse(url)
            .map(|u| {
                let mut p = u.path().to_string();
                if let Some(q) = u.query() {
                    p = format!("{p}?{q}");
                }
                p
            })
            .unwrap_or_default();
        // The bare path "/" is no secret and would blank every slash.
        let path = if path.len() > 1 { path } else { String::new() };
        let mut secrets = vec![url.to_string(), path];
        secrets.extend(secret_parts(url));
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        scrub(text, &secrets)
    }
}

/// The parts of a webhook URL that may be its secret, for a peer that quotes one alone
/// ("unknown token …"): the password, and each path segment and query value that looks
/// like a token rather than a word (8 characters or more with a digit, or 20 or more).
fn secret_parts(url: &str) -> Vec<String> {
    let Ok(u) = reqwest::Url::parse(url) else {
        return Vec::new();
    };
    let looks_secret = |p: &str| {
        (p.len() >= 8 && p.chars().any(|c| c.is_ascii_digit())) || p.chars().count() >= 20
    };
    let decoded = |p: &str| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut parts: Vec<String> = u.password().map(decoded).into_iter().collect();
    parts.extend(u.path_segments().into_iter().flatten().map(decoded));
    parts.extend(u.query_pairs().map(|(_, v)| v.into_owned()));
    parts.retain(|p| looks_secret(p));
    parts
}

/// At most a few KiB of an error answer: a misconfigured proxy can answer with a whole
/// HTML page, and only its start is shown.
async fn read_excerpt(mut resp: reqwest::Response) -> String {
    const MAX_BYTES: usize = 4096;
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < MAX_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(MAX_BYTES);
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agec::Category;
    use crate::alerts::model::{Change, Event, Notice, QuotaKind, Rule, Standing};

    fn outgoing() -> Outgoing {
        Outgoing {
            id: 7,
            channel: "chat".into(),
            notice: Notice {
                category: Category::ItTelephony,
                kind: QuotaKind::Reuse,
                year: 2026,
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                changes: vec![Change {
                    rule: Rule::ProjectedMiss,
                    event: Event::Firing,
                }],
                min: 0.2,
                quota_source: "décret 2024-134".into(),
                year_to_date: Standing {
                    share: Some(0.25),
                    total_cents: 100_000,
                    part_cents: 25_000,
                    met: true,
                    shortfall_cents: 0,
                    extra_purchase_cents: Some(0),
                },
                projected: Some(Standing {
                    share: Some(0.15),
                    total_cents: 400_000,
                    part_cents: 60_000,
                    met: false,
                    shortfall_cents: 20_000,
                    extra_purchase_cents: Some(25_000),
                }),
                elapsed_days: 181,
                days_in_year: 365,
            },
        }
    }

    #[test]
    fn the_text_format_is_only_text() {
        let p = payload(WebhookFormat::Text, &outgoing(), Language::Fr);
        let obj = p.as_object().unwrap();
        assert_eq!(obj.len(), 1, "{p}");
        assert!(obj["text"].as_str().unwrap().contains("15,0\u{a0}%"), "{p}");
    }

    #[test]
    fn the_teams_format_is_an_adaptive_card_message() {
        let p = payload(WebhookFormat::Teams, &outgoing(), Language::En);
        assert_eq!(p["type"], "message");
        let att = &p["attachments"][0];
        assert_eq!(
            att["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(att["content"]["type"], "AdaptiveCard");
        assert_eq!(att["content"]["version"], "1.4");
        let blocks = att["content"]["body"].as_array().unwrap();
        assert!(blocks.len() >= 3, "{p}");
        assert!(blocks.iter().all(|b| b["type"] == "TextBlock"), "{p}");
        assert_eq!(blocks[0]["weight"], "Bolder");
        assert!(!blocks[0]["text"].as_str().unwrap().contains("**"), "{p}");
        let all: String = blocks.iter().map(|b| b["text"].as_str().unwrap()).collect();
        assert!(all.contains("15.0%"), "{all}");
    }

    #[test]
    fn the_json_format_carries_the_notice_and_the_id() {
        let p = payload(WebhookFormat::Json, &outgoing(), Language::Fr);
        assert_eq!(p["id"], 7);
        assert_eq!(p["idempotency_key"], "parcd-alert-7");
        assert_eq!(p["notice"]["category"], "it_telephony");
        assert_eq!(p["notice"]["changes"][0]["rule"], "projected_miss");
        assert_eq!(p["notice"]["projected"]["shortfall_cents"], 20_000);
        assert!(p["text"].as_str().unwrap().contains("Projection au 31/12"));
    }
}
