//! AGEC alerts with several replicas on one database: each evaluates the alerts and each
//! delivers the outbox, and each alert change still reaches its channel once.
//!
//! The first test races two stores on one database through the store's own steps (on both
//! databases: SQLite has one writer, but the same rules must hold). The others run two
//! `parcd run` processes on one PostgreSQL database, both polling the same GLPI, with a
//! real SMTP server (and a webhook receiver): both evaluate the same figures at once, and
//! one is killed while it holds a message its mail server does not take.

use std::time::Duration;

use chrono::NaiveDate;
use parcd::agec::{AgecRules, Purchase, YearShares, year_shares};
use parcd::alerts::evaluate::{EvalSettings, Plan, evaluate};
use parcd::store::{PlanOutcome, Store};
use parcd_connectors::AssetClass;

use crate::agec::{now, this_years_laptops};
use crate::alert_channels::{Answer, Receiver, SmtpSink, webhook_section};
use crate::helpers::{
    ParcdProcess, TestDb, config_text, eventually, free_port, get_json, glpi, new_pg_database,
    sample,
};
use crate::on_both_backends;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 10 % reconditioned laptops against IT's 20 % minimum, on 1 March 2025.
fn below_the_quota() -> YearShares {
    let buy = |id: &str, date, cents, comment: Option<&str>| Purchase {
        id: id.into(),
        class: Some(AssetClass::Laptop),
        date: Some(date),
        amount_cents: Some(cents),
        comment: comment.map(str::to_string),
        ..Purchase::default()
    };
    let p = [
        buy("a", d(2025, 1, 2), 10_000, Some("reconditionné")),
        buy("b", d(2025, 1, 3), 90_000, None),
    ];
    year_shares(&AgecRules::default(), &p, 2025, d(2025, 3, 1))
}

const SETTINGS: EvalSettings = EvalSettings {
    renotify_after: None,
    projection_min_days: 0,
    not_met_min_days: 0,
};

fn channels() -> Vec<String> {
    vec!["email".into(), "achats".into()]
}

async fn outbox_ids(store: &Store) -> Vec<(i64, String)> {
    let mut all: Vec<(i64, String)> = store
        .outbox_recent(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.outgoing.id, e.outgoing.channel))
        .collect();
    all.sort();
    all
}

async fn two_replicas_evaluating_the_same_state_queue_one_message(db: TestDb) {
    // A second replica: its own pool on the same database.
    let other = Store::open(&db.url, 4).await.unwrap();
    let shares = below_the_quota();

    // Both read the same state (no alert yet) and evaluate it a few seconds apart.
    let seen = db.store.alerts().await.unwrap();
    let plan_a = evaluate(&shares, &seen, &SETTINGS, 1_000);
    let plan_b = evaluate(&shares, &seen, &SETTINGS, 1_003);
    assert!(!plan_a.notices.is_empty());
    assert_eq!(plan_a.keys, plan_b.keys, "the same changes, named alike");
    let chans = channels();
    let (a, b) = tokio::join!(
        db.store.apply_alert_plan(&plan_a, &seen, &chans, 1_000),
        other.apply_alert_plan(&plan_b, &seen, &chans, 1_003),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    let queued: Vec<&Vec<i64>> = outcomes
        .iter()
        .filter_map(|o| match o {
            PlanOutcome::Recorded(ids) => Some(ids),
            PlanOutcome::Superseded => None,
        })
        .collect();
    assert_eq!(
        queued.len(),
        1,
        "one replica records the change, the other is told to look again: {outcomes:?}"
    );
    let expected = plan_a.notices.len() * chans.len();
    assert_eq!(
        queued[0].len(),
        expected,
        "a message per notice and channel"
    );
    let ids = outbox_ids(&db.store).await;
    assert_eq!(ids.len(), expected, "{ids:?}");

    // Looking again, the loser finds the alerts firing and has nothing to say.
    let again = other.alerts().await.unwrap();
    assert!(evaluate(&shares, &again, &SETTINGS, 1_010).rows.is_empty());

    // Should both pass their state check anyway, the messages' keys hold: the same
    // notices queued again add nothing.
    let replay = Plan {
        rows: Vec::new(),
        ..plan_b.clone()
    };
    assert_eq!(
        other
            .apply_alert_plan(&replay, &again, &chans, 1_020)
            .await
            .unwrap(),
        PlanOutcome::Recorded(Vec::new())
    );
    assert_eq!(outbox_ids(&db.store).await, ids);

    // Delivery: replica "a" claims every message; "b" gets none while a's claim lasts.
    let claimed = db.store.outbox_claim("a", 2_000, 2_100).await.unwrap();
    assert_eq!(claimed.len(), expected);
    assert!(
        other
            .outbox_claim("b", 2_001, 2_101)
            .await
            .unwrap()
            .is_empty()
    );
    // A new change queued meanwhile: its messages wait behind a's, channel by channel,
    // so that each channel receives its messages in order.
    let resolved = evaluate(&fixed(), &again, &SETTINGS, 2_002);
    assert!(!resolved.notices.is_empty());
    let PlanOutcome::Recorded(later) = other
        .apply_alert_plan(&resolved, &again, &chans, 2_002)
        .await
        .unwrap()
    else {
        panic!("nobody else changed the alerts");
    };
    assert!(
        later.iter().all(|l| ids.iter().all(|(i, _)| l > i)),
        "ids from the database grow: {later:?} after {ids:?}"
    );
    assert!(
        other
            .outbox_claim("b", 2_003, 2_103)
            .await
            .unwrap()
            .is_empty()
    );
    // a sends the emails it holds: b may now take the emails queued after them, not the
    // webhook's, still behind a's.
    let (emails, hooks): (Vec<_>, Vec<_>) =
        claimed.iter().partition(|e| e.outgoing.channel == "email");
    for e in &emails {
        db.store.outbox_sent(e.outgoing.id, 2_004).await.unwrap();
    }
    let taken = other.outbox_claim("b", 2_005, 2_105).await.unwrap();
    assert_eq!(
        taken
            .iter()
            .map(|e| e.outgoing.channel.as_str())
            .collect::<Vec<_>>(),
        vec!["email"; resolved.notices.len()],
        "{taken:?}"
    );
    // a stops answering: once its claim has run out, b takes the rest (a's webhooks, the
    // new ones, and renews its emails), and a, back, may no longer send what it held.
    let rest = other.outbox_claim("b", 2_200, 2_300).await.unwrap();
    let unsent = hooks.len() + 2 * resolved.notices.len();
    assert_eq!(rest.len(), unsent, "{rest:?}");
    assert!(
        !db.store
            .outbox_renew(hooks[0].outgoing.id, "a", 2_400)
            .await
            .unwrap()
    );
    assert!(
        other
            .outbox_renew(hooks[0].outgoing.id, "b", 2_400)
            .await
            .unwrap()
    );
    // b stops: it gives its messages up, and a takes them at once.
    other.outbox_release("b").await.unwrap();
    assert_eq!(
        db.store
            .outbox_claim("a", 2_201, 2_301)
            .await
            .unwrap()
            .len(),
        unsent
    );
    other.close().await;
}

/// The purchases of [`below_the_quota`] and a reconditioned one more: above the minimum.
fn fixed() -> YearShares {
    let p = [
        Purchase {
            id: "a".into(),
            class: Some(AssetClass::Laptop),
            date: Some(d(2025, 1, 2)),
            amount_cents: Some(60_000),
            comment: Some("reconditionné".into()),
            ..Purchase::default()
        },
        Purchase {
            id: "b".into(),
            class: Some(AssetClass::Laptop),
            date: Some(d(2025, 1, 3)),
            amount_cents: Some(90_000),
            ..Purchase::default()
        },
    ];
    year_shares(&AgecRules::default(), &p, 2025, d(2025, 3, 1))
}

on_both_backends! {
    replicas_queue_one_message => two_replicas_evaluating_the_same_state_queue_one_message;
}

/// `parcd run` on `db_url` polling `glpi_url` every second, alerting by email to `sink` and
/// by webhook to `hook`, serving on `port`.
fn replica_config(
    dir: &std::path::Path,
    name: &str,
    db_url: &str,
    glpi_url: &str,
    sink: &SmtpSink,
    hook: &Receiver,
    port: u16,
) -> std::path::PathBuf {
    let text = format!(
        "{}\n[alerts]\nprojection_min_days = 0\nnot_met_min_days = 0\nretry_initial_seconds = 1\nretry_max_seconds = 2\n{}\n{}\n[log]\nformat = \"json\"\n",
        config_text(db_url, glpi_url, r#"schedule = "* * * * * *""#),
        sink.email_section(""),
        webhook_section("achats", &hook.url(), "json", 5)
    )
    .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    file
}

const FIRING: &str =
    r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#;

/// Whether `check` holds within `secs` seconds (polled every 100 ms).
async fn within<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Fails with what the replicas said and published, and what the receivers got.
async fn fail(what: &str, replicas: Vec<ParcdProcess>, sink: &SmtpSink, hook: &Receiver) -> ! {
    let mut said = String::new();
    for r in replicas {
        let alerts: String = r
            .metrics()
            .await
            .lines()
            .filter(|l| l.starts_with("parcd_agec_alert") || l.starts_with("parcd_alert"))
            .map(|l| format!("{l}\n"))
            .collect();
        let base = r.base.clone();
        said += &format!("--- {base}\n{alerts}{}\n", r.stop().await);
    }
    panic!(
        "timed out waiting for: {what}; {} emails, {} webhook calls\n{said}",
        sink.received().len(),
        hook.received().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_send_each_alert_once() {
    let db_url = new_pg_database().await;
    let sim = glpi(40).await;
    let [new_id, _, _] = this_years_laptops(&sim);
    let sink = SmtpSink::start(None);
    let hook = Receiver::start(Answer::Ok).await;
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(std::path::PathBuf, u16)> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let port = free_port();
            let file = replica_config(
                dir.path(),
                name,
                &db_url,
                &sim.base_url(),
                &sink,
                &hook,
                port,
            );
            (file, port)
        })
        .collect();
    // The fleet synced first, with no alert evaluated yet (`sync --once` evaluates none):
    // both replicas then evaluate the same stored state as they start, at the same moment.
    let out = crate::helpers::parcd()
        .arg("--config")
        .arg(&files[0].0)
        .args(["sync", "--once"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replicas: Vec<ParcdProcess> = files
        .iter()
        .map(|(file, port)| ParcdProcess::run(file, *port))
        .collect();

    // Each replica found the miss, and the outbox is empty: `firing` replicas see the
    // alert firing, `sent` messages reached each channel.
    let settled = |firing: usize, sent: usize| {
        let replicas = &replicas;
        let (sink, hook) = (&sink, &hook);
        async move {
            if sink.received().len() < sent || hook.received().len() < sent {
                return false;
            }
            let mut seen_firing = 0;
            for r in replicas {
                let text = r.metrics().await;
                if sample(&text, FIRING) == Some(1.0) {
                    seen_firing += 1;
                }
                if sample(
                    &text,
                    r#"parcd_alert_notifications_pending{channel="email"}"#,
                ) != Some(0.0)
                    || sample(
                        &text,
                        r#"parcd_alert_notifications_pending{channel="achats"}"#,
                    ) != Some(0.0)
                {
                    return false;
                }
            }
            seen_firing == firing
        }
    };
    if !within(60, || settled(2, 1)).await {
        fail(
            "both replicas see the alert firing, and it was sent",
            replicas,
            &sink,
            &hook,
        )
        .await;
    }
    // Several more polls of each replica (one a second), each followed by an evaluation.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        (sink.received().len(), hook.received().len()),
        (1, 1),
        "one email and one webhook call for the alert, though two replicas evaluated it"
    );

    // Back above the minimum: one resolution, whichever replica saw it first.
    sim.with_fleet(|f| {
        f.edit_infocom("Computer", new_id, now(), |ic| {
            ic.comment = Some("reconditionné".into())
        })
    });
    // Only the replica whose poll read the change evaluates it (the other learns of it at
    // its periodic refresh): it is enough that one sees it resolved.
    if !within(60, || async { settled(1, 2).await || settled(0, 2).await }).await {
        fail("the resolution was sent", replicas, &sink, &hook).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!((sink.received().len(), hook.received().len()), (2, 2));
    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m["headers"]["message-id"].to_string())
        .collect();
    assert_ne!(ids[0], ids[1], "two messages: {ids:?}");
    let alerts = get_json(&format!("{}/api/v1/alerts", replicas[1].base)).await;
    let messages = alerts["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "two notices, two channels: {alerts}");
    assert!(messages.iter().all(|m| m["sent_at"].is_i64()), "{alerts}");

    let mut recorded = 0;
    for r in replicas {
        recorded += r
            .stop()
            .await
            .lines()
            .filter(|l| l.contains(r#""message":"AGEC alert""#))
            .count();
    }
    assert_eq!(
        recorded, 2,
        "each change recorded by one replica only: the firing, then the resolution"
    );
}

/// `parcd run` on `db_url` polling `glpi_url` every second, alerting by email through
/// 127.0.0.1:`smtp_port` with a 1 s timeout, serving on `port`.
fn email_only_config(
    dir: &std::path::Path,
    name: &str,
    db_url: &str,
    glpi_url: &str,
    smtp_port: u16,
    port: u16,
) -> std::path::PathBuf {
    let text = format!(
        r#"{}
        [alerts]
        projection_min_days = 0
        not_met_min_days = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {smtp_port}
        tls = "none"
        from = "parcd <parcd@ville.fr>"
        to = ["achats@ville.fr"]
        timeout_seconds = 1
        [log]
        format = "json"
        "#,
        config_text(db_url, glpi_url, r#"schedule = "* * * * * *""#)
    )
    .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    file
}

const EMAIL_FAILURES: &str =
    r#"parcd_alert_notification_failures_total{channel="email",error_type="unreachable"}"#;
const EMAIL_PENDING: &str = r#"parcd_alert_notifications_pending{channel="email"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_holding_a_message_hands_it_over_once_its_claim_runs_out() {
    let db_url = new_pg_database().await;
    let sim = glpi(40).await;
    this_years_laptops(&sim);
    // Nothing listens on the mail port yet: the message waits.
    let smtp_port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let (a_port, b_port) = (free_port(), free_port());
    let a_file = email_only_config(dir.path(), "a", &db_url, &sim.base_url(), smtp_port, a_port);
    let b_file = email_only_config(dir.path(), "b", &db_url, &sim.base_url(), smtp_port, b_port);

    let a = ParcdProcess::run(&a_file, a_port);
    eventually(
        60,
        "replica a holds the message and fails to send it",
        || async { sample(&a.metrics().await, EMAIL_FAILURES).is_some_and(|n| n >= 1.0) },
    )
    .await;
    let b = ParcdProcess::run(&b_file, b_port);
    // b sees the message waiting, and a keeps trying (every 1 to 2 s): b, whose claims
    // come second, never tries it.
    let tried_by_a = sample(&a.metrics().await, EMAIL_FAILURES).unwrap();
    eventually(
        60,
        "replica b sees the message waiting, a tries again",
        || async {
            sample(&b.metrics().await, EMAIL_PENDING) == Some(1.0)
                && sample(&a.metrics().await, EMAIL_FAILURES).is_some_and(|n| n >= tried_by_a + 2.0)
        },
    )
    .await;
    assert_eq!(
        sample(&b.metrics().await, EMAIL_FAILURES),
        Some(0.0),
        "only the replica holding the message tries to send it"
    );

    // a dies without a word; the mail server comes up. b sends the message once a's claim
    // has run out (2 × 1 s + 60 s), and only once.
    let status = std::process::Command::new("kill")
        .args(["-KILL", &a.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    drop(a);
    let sink = SmtpSink::start_on(smtp_port, None);
    eventually(120, "replica b sends the message a held", || async {
        sink.received().len() == 1 && sample(&b.metrics().await, EMAIL_PENDING) == Some(0.0)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    let logs = b.stop().await;
    assert!(
        logs.lines().any(|l| l.contains("alert message sent")),
        "replica b sent it: {logs}"
    );
}
