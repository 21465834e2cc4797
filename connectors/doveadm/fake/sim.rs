//! A simulated doveadm HTTP API for `parcd demo`, on a machine without Dovecot: the
//! commands a round sends (`mailboxStatus` of every folder with `allUsers`, with the
//! `uidnext` and `uidvalidity` fields when asked, `quotaGet`; and `totalSum` sums, which
//! Dovecot also answers), answered as Dovecot 2.3 answers them (every value a string,
//! 401 with `WWW-Authenticate: X-Dovecot-API` on a wrong key), for generated mailboxes
//! whose mail grows as [`MailSim::advance`] is called. The tests read a real Dovecot
//! ([`super::Dovecot`]); this serves the demo only.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// The API key the simulated server accepts.
pub const SIM_API_KEY: &str = "demo-doveadm-key";

/// One simulated mailbox.
#[derive(Debug, Clone)]
struct Mailbox {
    user: String,
    /// (messages, bytes) of INBOX and other folders, Sent, Trash.
    inbox: (u64, u64),
    sent: (u64, u64),
    trash: (u64, u64),
    quota_kib: Option<u64>,
    /// INBOX's UIDNEXT: one more for each message delivered, as Dovecot numbers them.
    uidnext: u64,
}

/// The UIDVALIDITY of every simulated INBOX (never renumbered).
const UIDVALIDITY: u64 = 1_733_500_000;

/// The simulated server's mailboxes, shared with its handler.
#[derive(Clone)]
pub struct MailSim {
    boxes: Arc<Mutex<Vec<Mailbox>>>,
    /// Where it listens, on 127.0.0.1.
    pub addr: SocketAddr,
}

/// A little arithmetic noise, the same for the same inputs.
fn spread(seed: u64, n: u64) -> u64 {
    let mut x = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    x ^= x >> 33;
    x % n.max(1)
}

impl MailSim {
    /// Serves `per_domain` mailboxes for each of `domains` on a free 127.0.0.1 port.
    pub async fn start(domains: &[String], per_domain: u64) -> std::io::Result<MailSim> {
        let mut boxes = Vec::new();
        for (d, domain) in domains.iter().enumerate() {
            for n in 0..per_domain {
                let seed = (d as u64) << 32 | n;
                let messages = 200 + spread(seed, 4000);
                // 20 KB to 220 KB a message on average, attachments included.
                let avg = 20_000 + spread(seed ^ 7, 200_000);
                let sent = messages / 5;
                boxes.push(Mailbox {
                    user: format!("agent{n:03}@{domain}"),
                    inbox: (messages, messages * avg),
                    sent: (sent, sent * avg / 2),
                    trash: (messages / 20, messages / 20 * avg),
                    quota_kib: (spread(seed ^ 3, 4) > 0).then_some(2 * 1024 * 1024),
                    uidnext: messages + 1,
                });
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let sim = MailSim {
            boxes: Arc::new(Mutex::new(boxes)),
            addr,
        };
        let app = Router::new()
            .route("/doveadm/v1", post(handle))
            .with_state(sim.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(sim)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Mailboxes served.
    pub fn len(&self) -> usize {
        self.boxes.lock().expect("sim lock").len()
    }

    /// Whether it serves no mailbox.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A round of mail: every mailbox receives a few messages, some send one, some empty
    /// their trash.
    pub fn advance(&self, round: u64) {
        let mut boxes = self.boxes.lock().expect("sim lock");
        for (i, b) in boxes.iter_mut().enumerate() {
            let seed = round << 20 | i as u64;
            let received = spread(seed, 4);
            let size = 15_000 + spread(seed ^ 11, 120_000);
            b.inbox.0 += received;
            b.inbox.1 += received * size;
            b.uidnext += received;
            if spread(seed ^ 5, 3) == 0 {
                b.sent.0 += 1;
                b.sent.1 += size;
            }
            if spread(seed ^ 9, 50) == 0 {
                b.trash = (0, 0);
            }
        }
    }
}

fn authorised(headers: &HeaderMap) -> bool {
    let expected = format!("X-Dovecot-API {}", b64(SIM_API_KEY.as_bytes()));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected)
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn s(n: u64) -> Value {
    Value::String(n.to_string())
}

async fn handle(State(sim): State<MailSim>, headers: HeaderMap, body: String) -> Response {
    if !authorised(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "X-Dovecot-API")],
        )
            .into_response();
    }
    let Ok(Value::Array(commands)) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected a JSON array of commands").into_response();
    };
    let boxes = sim.boxes.lock().expect("sim lock").clone();
    let mut out = Vec::new();
    for c in commands {
        let (name, params, tag) = (&c[0], &c[1], c[2].clone());
        let rows: Vec<Value> = match name.as_str() {
            Some("mailboxStatus") if params["totalSum"] == true => boxes
                .iter()
                .map(|b| {
                    let (m, v) = (
                        b.inbox.0 + b.sent.0 + b.trash.0,
                        b.inbox.1 + b.sent.1 + b.trash.1,
                    );
                    json!({"username": b.user, "messages": s(m), "vsize": s(v)})
                })
                .collect(),
            Some("mailboxStatus") => {
                let masks: Vec<&str> = params["mailboxMask"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let wanted = |f: &str| masks.contains(&"*") || masks.contains(&f);
                let fields: Vec<&str> = params["field"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut rows = Vec::new();
                for b in &boxes {
                    for (folder, (m, v)) in
                        [("INBOX", b.inbox), ("Sent", b.sent), ("Trash", b.trash)]
                    {
                        if !wanted(folder) {
                            continue;
                        }
                        let mut row = json!({"username": b.user, "mailbox": folder, "messages": s(m), "vsize": s(v)});
                        // The other folders' UIDs are never read: INBOX's say the mail received.
                        let (next, validity) = match folder {
                            "INBOX" => (b.uidnext, UIDVALIDITY),
                            _ => (m + 1, UIDVALIDITY + 1),
                        };
                        if fields.contains(&"uidnext") {
                            row["uidnext"] = s(next);
                        }
                        if fields.contains(&"uidvalidity") {
                            row["uidvalidity"] = s(validity);
                        }
                        rows.push(row);
                    }
                }
                rows
            }
            Some("quotaGet") => boxes
                .iter()
                .map(|b| {
                    let used = (b.inbox.1 + b.sent.1 + b.trash.1).div_ceil(1024);
                    json!({"username": b.user, "root": "User quota", "type": "STORAGE",
                           "value": s(used),
                           "limit": b.quota_kib.map_or(Value::String("-".into()), s),
                           "percent": "0"})
                })
                .collect(),
            _ => {
                out.push(json!(["error", {"type": "exitCode", "exitCode": 64}, tag]));
                continue;
            }
        };
        out.push(json!(["doveadmResponse", rows, tag]));
    }
    axum::Json(Value::Array(out)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn status(sim: &MailSim, fields: Value) -> Vec<Value> {
        let body = json!([["mailboxStatus",
            {"allUsers": true, "field": fields, "mailboxMask": ["*"]}, "f"]]);
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/doveadm/v1", sim.base_url()))
            .header(
                "Authorization",
                format!("X-Dovecot-API {}", b64(SIM_API_KEY.as_bytes())),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer[0][1].as_array().unwrap().clone()
    }

    #[tokio::test]
    async fn inbox_uidnext_grows_by_the_messages_delivered_when_asked() {
        let sim = MailSim::start(&["x.fr".to_string()], 3).await.unwrap();
        let inbox = |rows: &[Value], field: &str| -> Vec<u64> {
            rows.iter()
                .filter(|r| r["mailbox"] == "INBOX")
                .map(|r| r[field].as_str().unwrap().parse().unwrap())
                .collect()
        };
        let plain = status(&sim, json!(["messages", "vsize"])).await;
        assert!(plain.iter().all(|r| r.get("uidnext").is_none()));
        let fields = json!(["messages", "vsize", "uidnext", "uidvalidity"]);
        let before = status(&sim, fields.clone()).await;
        for round in 1..=4 {
            sim.advance(round);
        }
        let after = status(&sim, fields).await;
        let grew = |f: &str| -> Vec<u64> {
            inbox(&after, f)
                .iter()
                .zip(inbox(&before, f))
                .map(|(a, b)| a - b)
                .collect()
        };
        assert_eq!(grew("uidnext"), grew("messages"));
        assert!(grew("uidnext").iter().sum::<u64>() > 0);
        assert_eq!(inbox(&after, "uidvalidity"), inbox(&before, "uidvalidity"));
    }
}
