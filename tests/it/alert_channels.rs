//! The alert channels against real servers on 127.0.0.1: aiosmtpd for email
//! (`tests/support/smtp_sink.py`, installed by `tests/run.sh` into `target/smtp-venv`, whose
//! python `PARCD_SMTP_SINK_PYTHON` names), and an axum receiver for webhooks.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use parcd::agec::Category;
use parcd::alerts::channel::{Channel, ChannelError, build_channels};
use parcd::alerts::message::{self, Language};
use parcd::alerts::model::{Change, Event, Notice, Outgoing, QuotaKind, Rule, Standing};
use parcd::config::Config;
use serde_json::Value;

use crate::helpers::free_port;

const SMTP_PASSWORD: &str = "pw-Zq8-secret";
const HOOK_TOKEN: &str = "T0KEN-hook-s3cret-7f3a";

fn notice() -> Notice {
    Notice {
        category: Category::ItTelephony,
        kind: QuotaKind::Reuse,
        year: 2026,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        changes: vec![
            Change {
                rule: Rule::QuotaNotMet,
                event: Event::Firing,
            },
            Change {
                rule: Rule::ProjectedMiss,
                event: Event::Firing,
            },
        ],
        min: 0.2,
        quota_source: "décret n° 2024-134, annexe".into(),
        year_to_date: Standing {
            share: Some(0.082),
            total_cents: 5_000_000,
            part_cents: 410_000,
            met: false,
            shortfall_cents: 590_000,
            extra_purchase_cents: Some(737_500),
        },
        projected: Some(Standing {
            share: Some(0.12),
            total_cents: 20_000_000,
            part_cents: 2_400_000,
            met: false,
            shortfall_cents: 1_600_000,
            extra_purchase_cents: Some(2_000_000),
        }),
        elapsed_days: 90,
        days_in_year: 365,
    }
}

pub(crate) fn outgoing(id: i64, channel: &str) -> Outgoing {
    Outgoing {
        id,
        channel: channel.into(),
        notice: notice(),
    }
}

/// The channels of an `[alerts]` section, read through the real configuration loader.
fn channels(alerts_toml: &str) -> Vec<Channel> {
    let config = Config::from_toml(alerts_toml).unwrap_or_else(|e| panic!("{e}"));
    build_channels(&config.alerts)
}

pub(crate) fn only_channel(alerts_toml: &str) -> Channel {
    let mut all = channels(alerts_toml);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// The error's Display and Debug together, for checks that must hold for both.
pub(crate) fn shown(e: &ChannelError) -> String {
    format!("{e}\n{e:?}")
}

// ---------------------------------------------------------------------------------------
// SMTP

/// The aiosmtpd sink, killed when dropped.
pub(crate) struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The virtualenv's python. Its absence fails the test rather than skipping it: a skipped
/// test passes while checking nothing.
/// Starts a test server that prints "ready" once it listens, and waits for that line (30 s
/// at most); its stderr goes to `log`, shown if it never gets ready.
pub(crate) fn spawn_until_ready(
    mut cmd: Command,
    log: std::fs::File,
    what: &str,
    log_path: &std::path::Path,
) -> Child {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    if line.trim() != "ready" {
        let _ = child.kill();
        panic!(
            "{what} did not start:\n{}",
            std::fs::read_to_string(log_path).unwrap_or_default()
        );
    }
    child
}

pub(crate) fn sink_python() -> PathBuf {
    if let Ok(python) = std::env::var("PARCD_SMTP_SINK_PYTHON") {
        let python = PathBuf::from(python);
        assert!(
            python.is_file(),
            "PARCD_SMTP_SINK_PYTHON={} does not exist: run tests/run.sh",
            python.display()
        );
        return python;
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/smtp-venv/bin/python");
    assert!(
        venv.is_file(),
        "no SMTP sink: set PARCD_SMTP_SINK_PYTHON to a python with aiosmtpd, or run tests/run.sh, \
         which installs aiosmtpd into target/smtp-venv"
    );
    venv
}

impl SmtpSink {
    pub(crate) fn start(auth: Option<(&str, &str)>) -> SmtpSink {
        SmtpSink::start_on(free_port(), auth)
    }

    /// On a chosen port: a test of an outage picks the port before the server exists.
    pub(crate) fn start_on(port: u16, auth: Option<(&str, &str)>) -> SmtpSink {
        SmtpSink::start_with(port, auth, None)
    }

    /// With STARTTLS offered and required, on the given certificate and key files.
    pub(crate) fn start_with(
        port: u16,
        auth: Option<(&str, &str)>,
        starttls: Option<(&std::path::Path, &std::path::Path)>,
    ) -> SmtpSink {
        SmtpSink::spawn(port, auth, starttls, &[])
    }

    /// A relay requiring `auth` that quotes a refused AUTH exchange in its 535 answer.
    pub(crate) fn start_echoing_auth(auth: (&str, &str)) -> SmtpSink {
        SmtpSink::spawn(free_port(), Some(auth), None, &["--echo-auth"])
    }

    fn spawn(
        port: u16,
        auth: Option<(&str, &str)>,
        starttls: Option<(&std::path::Path, &std::path::Path)>,
        extra: &[&str],
    ) -> SmtpSink {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(sink_python());
        cmd.arg(script)
            .arg(port.to_string())
            .arg(dir.path().join("mail"));
        if let Some((user, password)) = auth {
            cmd.args(["--username", user, "--password", password]);
        }
        if let Some((cert, key)) = starttls {
            cmd.arg("--starttls").arg(cert).arg(key);
        }
        cmd.args(extra);
        let log = std::fs::File::create(dir.path().join("sink.log")).unwrap();
        let child = spawn_until_ready(cmd, log, "the SMTP sink", &dir.path().join("sink.log"));
        SmtpSink { child, port, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default()
    }

    /// Every message received, as the sink parsed it, in arrival order.
    pub(crate) fn received(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail")) else {
            return Vec::new();
        };
        let mut files: Vec<(u32, PathBuf)> = entries
            .filter_map(|e| {
                let path = e.ok()?.path();
                let n = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".json")?
                    .parse()
                    .ok()?;
                Some((n, path))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    pub(crate) fn email_section(&self, extra: &str) -> String {
        format!(
            r#"
            [alerts.email]
            smtp_host = "127.0.0.1"
            smtp_port = {}
            tls = "none"
            from = "parcd <parcd@ville.fr>"
            to = ["achats@ville.fr", "Direction SI <dsi@ville.fr>"]
            timeout_seconds = 10
            {extra}
            "#,
            self.port
        )
    }
}

#[tokio::test]
async fn a_firing_alert_arrives_by_email_with_its_subject_ids_and_french_figures() {
    let sink = SmtpSink::start(None);
    let email = only_channel(&sink.email_section(""));
    assert_eq!(email.name(), "email");

    email
        .send(&outgoing(4242, "email"), Language::Fr)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sink.log()));

    let got = sink.received();
    assert_eq!(got.len(), 1, "{got:#?}");
    let m = &got[0];
    assert_eq!(m["mail_from"], "parcd@ville.fr");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["achats@ville.fr", "dsi@ville.fr"])
    );
    let h = &m["headers"];
    assert_eq!(h["subject"], message::subject(&notice(), Language::Fr));
    assert_eq!(h["from"], "parcd <parcd@ville.fr>");
    assert_eq!(h["to"], "achats@ville.fr, Direction SI <dsi@ville.fr>");
    assert_eq!(h["message-id"], "<parcd-alert-4242@parcd>");
    assert_eq!(h["x-parcd-alert"], "it_telephony/reuse/2026");
    assert_eq!(m["content_type"], "text/plain");
    assert_eq!(m["charset"], "utf-8");
    let body = m["body"].as_str().unwrap().replace("\r\n", "\n");
    assert_eq!(
        body.trim_end(),
        message::body(&notice(), Language::Fr).trim_end()
    );
    for figure in [
        "Matériel informatique et téléphonie",
        "8,2\u{a0}%",
        "12,0\u{a0}%",
        "5\u{a0}900\u{a0}€",
        "20\u{a0}000\u{a0}€\u{a0}HT",
        "31/03/2026",
        "décret n° 2024-134",
    ] {
        assert!(body.contains(figure), "{figure} missing from:\n{body}");
    }
}

#[tokio::test]
async fn an_english_alert_is_sent_in_english() {
    let sink = SmtpSink::start(None);
    let email = only_channel(&format!(
        "[alerts]\nlanguage = \"en\"\n{}",
        sink.email_section("")
    ));
    email
        .send(&outgoing(1, "email"), Language::En)
        .await
        .unwrap();
    let got = sink.received();
    let subject = got[0]["headers"]["subject"].as_str().unwrap();
    assert!(subject.starts_with("[parcd] AGEC alert 2026"), "{subject}");
    assert!(got[0]["body"].as_str().unwrap().contains("€5,900"));
}

#[tokio::test]
async fn email_authenticates_with_the_configured_username_and_password() {
    let sink = SmtpSink::start(Some(("parcd", SMTP_PASSWORD)));
    let email = only_channel(&sink.email_section(&format!(
        "username = \"parcd\"\npassword = \"{SMTP_PASSWORD}\""
    )));
    email
        .send(&outgoing(2, "email"), Language::Fr)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sink.log()));
    let got = sink.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["authenticated_as"], "parcd");
}

#[tokio::test]
async fn a_wrong_smtp_password_is_rejected_and_never_shown() {
    let sink = SmtpSink::start(Some(("parcd", "the-right-one")));
    let email = only_channel(&sink.email_section(&format!(
        "username = \"parcd\"\npassword = \"{SMTP_PASSWORD}\""
    )));
    let err = email
        .send(&outgoing(3, "email"), Language::Fr)
        .await
        .expect_err("a wrong password is refused");
    assert_eq!(err.kind(), "rejected", "{err}");
    assert!(
        matches!(err, ChannelError::SmtpRejected { code: 535, .. }),
        "{err:?}"
    );
    let text = shown(&err);
    assert!(!text.contains(SMTP_PASSWORD), "{text}");
    assert!(text.contains("email"), "{text}");
    assert!(sink.received().is_empty());
}

/// A relay that quotes the refused AUTH exchange in its answer, base64 and all.
#[tokio::test]
async fn a_relay_that_echoes_the_auth_exchange_never_shows_the_password() {
    use base64::Engine;
    let sink = SmtpSink::start_echoing_auth(("parcd", "the-right-one"));
    let email = only_channel(&sink.email_section(&format!(
        "username = \"parcd\"\npassword = \"{SMTP_PASSWORD}\""
    )));
    let err = email
        .send(&outgoing(4, "email"), Language::Fr)
        .await
        .expect_err("a wrong password is refused");
    assert!(
        matches!(err, ChannelError::SmtpRejected { code: 535, .. }),
        "{err:?}"
    );
    let text = shown(&err);
    assert!(
        text.contains("<hidden>"),
        "the relay echoed the exchange: {text}"
    );
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    for leak in [
        SMTP_PASSWORD.to_string(),
        b64(SMTP_PASSWORD),
        b64(&format!("\0parcd\0{SMTP_PASSWORD}")),
    ] {
        assert!(
            !text.contains(leak.trim_end_matches('=')),
            "{leak} in {text}"
        );
    }
}

#[tokio::test]
async fn a_closed_smtp_port_is_unreachable_and_names_the_channel() {
    let port = free_port();
    let email = only_channel(&format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {port}
        tls = "none"
        from = "parcd@ville.fr"
        to = ["achats@ville.fr"]
        "#
    ));
    let err = email
        .send(&outgoing(4, "email"), Language::Fr)
        .await
        .expect_err("nothing listens");
    assert_eq!(err.kind(), "unreachable", "{err:?}");
    let text = err.to_string();
    assert!(text.contains("alert channel email"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[tokio::test]
async fn a_recipient_the_server_refuses_is_rejected_with_the_smtp_code() {
    let sink = SmtpSink::start(None);
    let email = only_channel(&format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {}
        tls = "none"
        from = "parcd@ville.fr"
        to = ["reject-me@ville.fr"]
        "#,
        sink.port
    ));
    let err = email
        .send(&outgoing(5, "email"), Language::Fr)
        .await
        .expect_err("the recipient is refused");
    assert_eq!(err.kind(), "rejected", "{err:?}");
    assert!(
        matches!(err, ChannelError::SmtpRejected { code: 550, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("SMTP 550"), "{text}");
    assert!(text.contains("reject-me@ville.fr"), "{text}");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn tls_modes_against_a_plain_server_fail_as_tls_errors() {
    let sink = SmtpSink::start(None);
    for (tls, what) in [("tls", "SMTPS"), ("starttls", "STARTTLS")] {
        let email = only_channel(&format!(
            r#"
            [alerts.email]
            smtp_host = "127.0.0.1"
            smtp_port = {}
            tls = "{tls}"
            from = "parcd@ville.fr"
            to = ["achats@ville.fr"]
            timeout_seconds = 5
            "#,
            sink.port
        ));
        let err = email
            .send(&outgoing(6, "email"), Language::Fr)
            .await
            .expect_err("the sink speaks no TLS");
        assert_eq!(err.kind(), "tls", "{what}: {err:?}");
    }
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn an_smtp_server_that_never_greets_times_out() {
    // Accepts connections and says nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let email = only_channel(&format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {port}
        tls = "none"
        from = "parcd@ville.fr"
        to = ["achats@ville.fr"]
        timeout_seconds = 1
        "#
    ));
    let started = Instant::now();
    let err = email
        .send(&outgoing(7, "email"), Language::Fr)
        .await
        .expect_err("no greeting");
    assert_eq!(err.kind(), "timeout", "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    held.abort();
}

// ---------------------------------------------------------------------------------------
// Webhooks

#[derive(Clone, Copy)]
pub(crate) enum Answer {
    Ok,
    Fail,
    /// 403 quoting the token alone, then in base64, after a long preamble that puts the
    /// token across the place where the error's excerpt is cut.
    Quote,
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct Received {
    path: String,
    headers: HeaderMap,
    pub(crate) body: Value,
}

/// An HTTP receiver on 127.0.0.1 that records every request and answers as told.
pub(crate) struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shared = (Answer, Arc<Mutex<Vec<Received>>>);

async fn record(
    State((answer, got)): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    got.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body,
    });
    match answer {
        Answer::Ok => StatusCode::OK.into_response(),
        // Echoes the path, token included, as some servers do, and runs long.
        Answer::Fail => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "internal error while handling {}\n{}",
                uri.path(),
                "x".repeat(1000)
            ),
        )
            .into_response(),
        Answer::Quote => {
            use base64::Engine;
            let token = uri
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            (
                StatusCode::FORBIDDEN,
                format!(
                    "{} token {token} is unknown; Authorization: Basic {}",
                    "x".repeat(180),
                    base64::engine::general_purpose::STANDARD.encode(&token)
                ),
            )
                .into_response()
        }
        Answer::Never => std::future::pending().await,
    }
}

impl Receiver {
    pub(crate) async fn start(answer: Answer) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/hooks/{token}", axum::routing::post(record))
            .with_state((answer, got.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, got, task }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/hooks/{HOOK_TOKEN}", self.addr)
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

pub(crate) fn webhook_section(name: &str, url: &str, format: &str, timeout: u64) -> String {
    format!(
        r#"
        [[alerts.webhooks]]
        name = "{name}"
        url = "{url}"
        format = "{format}"
        timeout_seconds = {timeout}
        "#
    )
}

#[tokio::test]
async fn a_text_webhook_posts_only_the_text_with_an_idempotency_key() {
    let rx = Receiver::start(Answer::Ok).await;
    let hook = only_channel(&webhook_section("mattermost-achats", &rx.url(), "text", 5));
    assert_eq!(hook.name(), "mattermost-achats");
    hook.send(&outgoing(31, "mattermost-achats"), Language::Fr)
        .await
        .unwrap();

    let got = rx.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.path, format!("/hooks/{HOOK_TOKEN}"));
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.headers["idempotency-key"], "parcd-alert-31");
    assert_eq!(
        r.body,
        serde_json::json!({ "text": message::body(&notice(), Language::Fr) })
    );
}

#[tokio::test]
async fn a_teams_webhook_posts_an_adaptive_card_message() {
    let rx = Receiver::start(Answer::Ok).await;
    let hook = only_channel(&webhook_section("teams-achats", &rx.url(), "teams", 5));
    hook.send(&outgoing(32, "teams-achats"), Language::Fr)
        .await
        .unwrap();

    let got = rx.received();
    assert_eq!(got.len(), 1);
    let b = &got[0].body;
    assert_eq!(b["type"], "message");
    let attachments = b["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachments[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let blocks = card["body"].as_array().unwrap();
    assert!(blocks.len() >= 3, "{card}");
    assert!(
        blocks
            .iter()
            .all(|b| b["type"] == "TextBlock" && b["wrap"] == true),
        "{card}"
    );
    let text: Vec<&str> = blocks.iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert!(
        text[0].contains("Matériel informatique et téléphonie"),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.contains("8,2\u{a0}%")), "{text:?}");
    assert_eq!(got[0].headers["idempotency-key"], "parcd-alert-32");
}

#[tokio::test]
async fn a_json_webhook_posts_the_structured_notice() {
    let rx = Receiver::start(Answer::Ok).await;
    let hook = only_channel(&webhook_section("achats-api", &rx.url(), "json", 5));
    hook.send(&outgoing(33, "achats-api"), Language::En)
        .await
        .unwrap();

    let got = rx.received();
    assert_eq!(got.len(), 1);
    let b = &got[0].body;
    assert_eq!(b["id"], 33);
    assert_eq!(b["notice"], serde_json::to_value(notice()).unwrap());
    assert_eq!(b["text"], message::body(&notice(), Language::En));
    assert_eq!(b["subject"], message::subject(&notice(), Language::En));
    assert_eq!(got[0].headers["idempotency-key"], "parcd-alert-33");
}

#[tokio::test]
async fn a_500_answer_is_rejected_with_the_status_and_without_the_token() {
    let rx = Receiver::start(Answer::Fail).await;
    let hook = only_channel(&webhook_section("chat", &rx.url(), "text", 5));
    let err = hook
        .send(&outgoing(34, "chat"), Language::Fr)
        .await
        .expect_err("the receiver fails");
    assert_eq!(err.kind(), "rejected", "{err:?}");
    let ChannelError::HttpRejected { status, body, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 500);
    assert!(body.starts_with("internal error while handling"), "{body}");
    assert!(body.chars().count() <= 201, "{body}");
    let text = shown(&err);
    assert!(text.contains("HTTP 500"), "{text}");
    assert!(text.contains(&format!("http://{}", rx.addr)), "{text}");
    assert!(!text.contains(HOOK_TOKEN), "{text}");
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test]
async fn a_receiver_that_quotes_the_token_alone_or_encoded_never_shows_it() {
    use base64::Engine;
    let rx = Receiver::start(Answer::Quote).await;
    let hook = only_channel(&webhook_section("chat", &rx.url(), "text", 5));
    let err = hook
        .send(&outgoing(36, "chat"), Language::Fr)
        .await
        .expect_err("the receiver refuses");
    let ChannelError::HttpRejected { status, body, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 403);
    assert!(body.contains("token <hidden>"), "{body}");
    let text = shown(&err);
    let b64 = base64::engine::general_purpose::STANDARD.encode(HOOK_TOKEN);
    for leak in [HOOK_TOKEN, &HOOK_TOKEN[..8], b64.trim_end_matches('=')] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

#[tokio::test]
async fn a_closed_webhook_port_is_unreachable_and_hides_the_token() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hooks/{HOOK_TOKEN}");
    let hook = only_channel(&webhook_section("chat", &url, "text", 5));
    let err = hook
        .send(&outgoing(35, "chat"), Language::Fr)
        .await
        .expect_err("nothing listens");
    assert_eq!(err.kind(), "unreachable", "{err:?}");
    let text = shown(&err);
    assert!(text.contains("alert channel chat"), "{text}");
    assert!(text.contains(&format!("http://127.0.0.1:{port}")), "{text}");
    assert!(!text.contains(HOOK_TOKEN), "{text}");
}

#[tokio::test]
async fn a_webhook_that_never_answers_times_out_within_its_timeout() {
    let rx = Receiver::start(Answer::Never).await;
    let hook = only_channel(&webhook_section("chat", &rx.url(), "text", 1));
    let started = Instant::now();
    let err = hook
        .send(&outgoing(36, "chat"), Language::Fr)
        .await
        .expect_err("no answer");
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), "timeout", "{err:?}");
    // Its 1 s timeout, and no retry behind it: well under a second more.
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_millis(1900),
        "{elapsed:?}"
    );
    let text = shown(&err);
    assert!(text.contains("within 1 s"), "{text}");
    assert!(!text.contains(HOOK_TOKEN), "{text}");
    assert_eq!(rx.received().len(), 1, "the request reached the receiver");
}

#[tokio::test]
async fn channels_are_built_email_first_then_webhooks_in_order() {
    let all = channels(&format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        from = "parcd@ville.fr"
        to = ["achats@ville.fr"]
        {}
        {}
        "#,
        webhook_section("b-hook", "https://chat.ville.fr/hooks/x", "text", 5),
        webhook_section("a-hook", "https://chat.ville.fr/hooks/y", "json", 5),
    ));
    let names: Vec<&str> = all.iter().map(Channel::name).collect();
    assert_eq!(names, ["email", "b-hook", "a-hook"]);
}
