//! Mail servers through the daemon: a real Dovecot (Debian's dovecot-imapd on 127.0.0.1)
//! read through doveadm, stored as readings per mail domain and entity, published in the
//! metrics and `/api/v1/mail`, never per person, with the mail received between rounds; a
//! source with a wrong API key and one whose server is stopped fail on their own, named,
//! without their secret, while the others go on; and a doveadm answer cut halfway (a relay
//! in front of the real listener) fails its rounds without storing any of them, until the
//! answers come whole again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use parcd::config::Config;
use parcd_fakes::doveadm::{API_KEY, Dovecot, TestUser, message};

use crate::helpers::{
    Daemon, TestDb, eventually, get_json, json_when_ready, metrics_text, sample, settled_sources,
};
use crate::on_both_backends;

const WRONG_KEY: &str = "it-wrong-doveadm-key-4471";

fn source(name: &str, url: &str, key: &str) -> String {
    format!(
        r#"
        [[sources]]
        name = "{name}"
        kind = "doveadm"
        url = "{url}"
        api_key = "{key}"
        domain = "valdebrume.fr"
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#
    )
}

async fn dovecot_figures_reach_the_metrics_and_the_api_per_domain_and_entity(db: TestDb) {
    let d = Dovecot::start(
        &[
            TestUser::new("alice@montcalme.fr"),
            TestUser::new("bob@valdebrume.fr"),
            TestUser::new("carol"),
        ],
        None,
    );
    let mut montcalme = 0;
    for (user, folder, m) in [
        (
            "alice@montcalme.fr",
            "INBOX",
            message("ordre du jour", 600, None),
        ),
        (
            "alice@montcalme.fr",
            "Sent",
            message("budget", 200, Some(30_000)),
        ),
        (
            "bob@valdebrume.fr",
            "INBOX",
            message("plan", 300, Some(80_000)),
        ),
        ("carol", "INBOX", message("note", 100, None)),
    ] {
        if user.ends_with("montcalme.fr") {
            montcalme += m.len();
        }
        d.save(user, folder, &m);
    }
    let mut stopped = Dovecot::start(&[TestUser::new("dan@montcalme.fr")], None);
    stopped.stop();

    let text = format!(
        r#"
        [server]
        listen = "127.0.0.1:0"
        [database]
        url = "{db}"
        [headcount]
        "Mairie de Montcalme" = 2
        [mail.entities]
        "montcalme.fr" = "Mairie de Montcalme"
        "valdebrume.fr" = "SIN Val-de-Brume"
        {good}{wrong}{down}
        "#,
        db = db.url,
        good = source("messagerie", &d.url(false), API_KEY),
        wrong = source("messagerie-cle", &d.url(false), WRONG_KEY),
        down = source("messagerie-arretee", &stopped.url(false), API_KEY),
    );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);

    eventually(60, "the mail figures are published", || async {
        sample(
            &metrics_text(&base).await,
            r#"parcd_mail_stored_bytes{domain="montcalme.fr"}"#,
        ) == Some(montcalme as f64)
    })
    .await;
    let metrics = metrics_text(&base).await;
    assert_eq!(
        sample(&metrics, r#"parcd_mail_mailboxes{domain="valdebrume.fr"}"#),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &metrics,
            r#"parcd_mail_entity_stored_bytes_per_agent{entity="Mairie de Montcalme"}"#
        ),
        Some(montcalme as f64 / 2.0)
    );
    assert!(
        sample(&metrics, "parcd_mail_storage_kgco2e_per_year").is_some_and(|v| v > 0.0),
        "{metrics}"
    );
    // The two broken sources fail on their own, each with its kind of error.
    eventually(30, "the broken sources are counted down", || async {
        let t = metrics_text(&base).await;
        sample(
            &t,
            r#"parcd_source_errors_total{error_type="auth",source="messagerie-cle"}"#,
        )
        .is_some_and(|v| v >= 1.0)
            && sample(
                &t,
                r#"parcd_source_errors_total{error_type="connect",source="messagerie-arretee"}"#,
            )
            .is_some_and(|v| v >= 1.0)
    })
    .await;
    let metrics = metrics_text(&base).await;
    assert_eq!(
        sample(&metrics, r#"parcd_source_up{source="messagerie"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&metrics, r#"parcd_source_up{source="messagerie-cle"}"#),
        Some(0.0)
    );
    let sources = settled_sources(&base).await;
    let run = |name: &str| {
        sources
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["last_run"].clone())
            .unwrap()
    };
    let wrong = run("messagerie-cle");
    assert_eq!(wrong["error_type"], "auth", "{wrong}");
    let msg = wrong["error_message"].as_str().unwrap();
    assert!(
        msg.contains(&d.url(false)) && msg.contains("api_key"),
        "{msg}"
    );
    assert_eq!(run("messagerie-arretee")["error_type"], "connect");

    // The API: per domain and entity, the totals equal the mail loaded.
    let mail = loop {
        if let Some(m) = json_when_ready(&format!("{base}/api/v1/mail")).await {
            break m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(
        mail["by_domain"]["montcalme.fr"]["stored_bytes"],
        montcalme as f64
    );
    assert_eq!(mail["by_entity"]["SIN Val-de-Brume"]["mailboxes"], 2);
    assert_eq!(mail["total"]["mailboxes"], 3);
    assert!(
        mail["factors"]["storage"][1]["source"]
            .as_str()
            .unwrap()
            .contains("Cloud Carbon Footprint")
    );
    let indicators = get_json(&format!("{base}/api/v1/indicators")).await;
    assert_eq!(indicators["mail"]["mailboxes"], 3, "{indicators}");

    // Mail delivered after the INBOXes' baseline is mail received, per domain and entity.
    for (user, subject) in [
        ("alice@montcalme.fr", "convocation"),
        ("alice@montcalme.fr", "relance"),
        ("carol", "facture"),
    ] {
        d.save(user, "INBOX", &message(subject, 200, None));
    }
    eventually(60, "the mail received is published", || async {
        let t = metrics_text(&base).await;
        sample(
            &t,
            r#"parcd_mail_year_received_messages{domain="montcalme.fr"}"#,
        ) == Some(2.0)
            && sample(
                &t,
                r#"parcd_mail_entity_year_received_messages{entity="SIN Val-de-Brume"}"#,
            ) == Some(1.0)
    })
    .await;
    let mail = get_json(&format!("{base}/api/v1/mail")).await;
    assert_eq!(mail["by_domain"]["montcalme.fr"]["received_messages"], 2.0);
    assert_eq!(
        mail["by_entity"]["Mairie de Montcalme"]["received_messages"],
        2.0
    );
    assert_eq!(mail["total"]["received_messages"], 3.0);
    assert_eq!(mail["total"]["received_bytes"], serde_json::Value::Null);
    let metrics = metrics_text(&base).await;

    // Nobody anywhere: not in the metrics, the API, the sources, nor the stored readings.
    let everything = format!("{metrics}{mail}{indicators}{sources}");
    for name in ["alice", "bob", "carol", API_KEY, WRONG_KEY] {
        assert!(!everything.contains(name), "{name} is shown");
    }
    let stored = db
        .store
        .reading_series("mail_stored_bytes", 0, i64::MAX)
        .await
        .unwrap();
    assert!(!stored.is_empty());
    for r in [
        "mail_stored_bytes",
        "mail_sent_messages",
        "mail_received_messages",
        "mail_mailboxes",
    ] {
        for row in db.store.reading_series(r, 0, i64::MAX).await.unwrap() {
            assert!(
                !row.subject.contains('@') && !row.subject.contains("alice"),
                "{row:?}"
            );
            assert!(row.scope == "mail_domain" || row.scope == "mail_entity");
        }
    }
    daemon.stop().await;
}

/// Bytes of an answer's body the relay lets through before it closes, while it cuts.
const CUT_AFTER_BODY_BYTES: usize = 40;

/// A loopback TCP relay in front of doveadm's HTTP listener: it forwards each request
/// whole and, while `cut` is set when the connection comes, closes the connection once the
/// answer's headers and [`CUT_AFTER_BODY_BYTES`] of its body went through.
struct CuttingRelay {
    port: u16,
    cut: Arc<AtomicBool>,
    /// Answers cut so far.
    cuts: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CuttingRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CuttingRelay {
    async fn start(upstream: u16) -> CuttingRelay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, cuts) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (c, n) = (cut.clone(), cuts.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let cutting = c.load(Ordering::SeqCst);
                tokio::spawn(relay(client, upstream, cutting, n.clone()));
            }
        });
        CuttingRelay {
            port,
            cut,
            cuts,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn relay(
    client: tokio::net::TcpStream,
    upstream: u16,
    cutting: bool,
    cuts: Arc<AtomicUsize>,
) {
    let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let request = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut answer: Vec<u8> = Vec::new();
    let mut limit = None;
    let mut buf = [0u8; 4096];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        if cutting {
            let start = answer.len();
            answer.extend_from_slice(chunk);
            if limit.is_none() {
                limit = answer
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map(|h| h + 4 + CUT_AFTER_BODY_BYTES);
            }
            if let Some(l) = limit.filter(|l| answer.len() >= *l) {
                let _ = client_write.write_all(&chunk[..l - start]).await;
                cuts.fetch_add(1, Ordering::SeqCst);
                break;
            }
        }
        if client_write.write_all(chunk).await.is_err() {
            break;
        }
    }
    // Both halves dropped: the client sees the connection close mid-answer.
    request.abort();
}

/// How many rounds of `source` stored their `mail_mailboxes` (one reading per domain and
/// entity each), and the latest `mail_stored_bytes` of `domain`.
async fn stored_rounds(db: &TestDb, source: &str, domain: &str) -> (usize, Option<f64>) {
    let boxes = db
        .store
        .reading_series("mail_mailboxes", 0, i64::MAX)
        .await
        .unwrap();
    let rounds: std::collections::BTreeSet<i64> = boxes
        .iter()
        .filter(|r| r.source == source)
        .map(|r| r.at)
        .collect();
    let bytes = db
        .store
        .reading_series("mail_stored_bytes", 0, i64::MAX)
        .await
        .unwrap();
    let latest = bytes
        .iter()
        .filter(|r| r.source == source && r.scope == "mail_domain" && r.subject == domain)
        .max_by_key(|r| r.at)
        .map(|r| r.value);
    (rounds.len(), latest)
}

async fn a_doveadm_answer_cut_midway_fails_its_round_stores_none_of_it_and_the_next_whole_one_counts(
    db: TestDb,
) {
    let d = Dovecot::start(
        &[
            TestUser::new("alice@montcalme.fr"),
            TestUser::new("bob@valdebrume.fr"),
        ],
        None,
    );
    let mut montcalme = 0;
    for (user, m) in [
        ("alice@montcalme.fr", message("ordre du jour", 600, None)),
        ("alice@montcalme.fr", message("budget", 300, Some(20_000))),
        ("bob@valdebrume.fr", message("plan", 300, None)),
    ] {
        if user.ends_with("montcalme.fr") {
            montcalme += m.len();
        }
        d.save(user, "INBOX", &m);
    }
    let relay = CuttingRelay::start(d.http_port).await;
    let text = format!(
        r#"
        [server]
        listen = "127.0.0.1:0"
        [database]
        url = "{db}"
        [mail.entities]
        "montcalme.fr" = "Mairie de Montcalme"
        {source}
        "#,
        db = db.url,
        source = source("messagerie", &relay.url(), API_KEY),
    );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    let stored_bytes = |t: &str| sample(t, r#"parcd_mail_stored_bytes{domain="montcalme.fr"}"#);
    let errors = |t: &str| {
        sample(
            t,
            r#"parcd_source_errors_total{error_type="connect",source="messagerie"}"#,
        )
        .unwrap_or(0.0)
    };
    eventually(60, "a whole round through the relay", || async {
        stored_bytes(&metrics_text(&base).await) == Some(montcalme as f64)
    })
    .await;

    // The relay starts cutting every answer; once a round has failed, the mail grows.
    relay.cut.store(true, Ordering::SeqCst);
    eventually(60, "a round cut midway", || async {
        errors(&metrics_text(&base).await) >= 1.0
    })
    .await;
    let (rounds_before, latest_before) = stored_rounds(&db, "messagerie", "montcalme.fr").await;
    assert_eq!(latest_before, Some(montcalme as f64));
    let late = message("arrivé pendant la coupure", 900, Some(5_000));
    d.save("alice@montcalme.fr", "INBOX", &late);
    d.save("alice@montcalme.fr", "INBOX", &late);
    // Two more failed rounds: the second began after the mail was delivered.
    let seen = errors(&metrics_text(&base).await);
    eventually(60, "two more rounds cut midway", || async {
        errors(&metrics_text(&base).await) >= seen + 2.0
    })
    .await;
    assert!(
        relay.cuts.load(Ordering::SeqCst) >= 3,
        "the relay cut nothing"
    );
    let metrics = metrics_text(&base).await;
    assert_eq!(
        sample(&metrics, r#"parcd_source_up{source="messagerie"}"#),
        Some(0.0)
    );
    // Nothing of the cut rounds is stored: no new round, the last whole one's figures.
    assert_eq!(
        stored_rounds(&db, "messagerie", "montcalme.fr").await,
        (rounds_before, latest_before)
    );
    assert_eq!(stored_bytes(&metrics), Some(montcalme as f64));
    let mail = get_json(&format!("{base}/api/v1/mail")).await;
    assert_eq!(
        mail["by_domain"]["montcalme.fr"]["stored_bytes"],
        montcalme as f64
    );
    let sources = settled_sources(&base).await;
    let run = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "messagerie")
        .map(|s| s["last_run"].clone())
        .unwrap();
    assert_eq!(run["error_type"], "connect", "{run}");
    let msg = run["error_message"].as_str().unwrap();
    assert!(
        msg.contains("messagerie")
            && msg.contains(&relay.url())
            && msg.contains("closed before the answer was complete"),
        "the error names the source, its listener and what happened: {msg}"
    );
    // Neither the key nor the Authorization header that carries it (base64).
    let header = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, API_KEY);
    for secret in [API_KEY, header.as_str(), "X-Dovecot-API"] {
        assert!(!msg.contains(secret), "{secret} in {msg}");
        assert!(!format!("{metrics}{sources}").contains(secret));
    }

    // Whole answers again: the next round stores everything, the mail received during
    // the failures included (the failed rounds left the cursor where it was).
    relay.cut.store(false, Ordering::SeqCst);
    let now = (montcalme + 2 * late.len()) as f64;
    eventually(60, "a whole round after the cuts", || async {
        let t = metrics_text(&base).await;
        stored_bytes(&t) == Some(now)
            && sample(
                &t,
                r#"parcd_mail_year_received_messages{domain="montcalme.fr"}"#,
            ) == Some(2.0)
    })
    .await;
    let (rounds_after, latest_after) = stored_rounds(&db, "messagerie", "montcalme.fr").await;
    assert!(rounds_after > rounds_before);
    assert_eq!(latest_after, Some(now));
    eventually(30, "the source is up again", || async {
        sample(
            &metrics_text(&base).await,
            r#"parcd_source_up{source="messagerie"}"#,
        ) == Some(1.0)
    })
    .await;
    daemon.stop().await;
}

on_both_backends! {
    dovecot_figures => dovecot_figures_reach_the_metrics_and_the_api_per_domain_and_entity;
    doveadm_cut_midway => a_doveadm_answer_cut_midway_fails_its_round_stores_none_of_it_and_the_next_whole_one_counts;
}
