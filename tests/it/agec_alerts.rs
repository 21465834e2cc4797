//! AGEC alerts end to end: a quota missed in a simulated GLPI reaches procurement by email
//! (a real SMTP server) and webhook (a local receiver), once, across restarts and outages.

use std::time::Duration;

use parcd::config::Config;
use serde_json::Value;

use crate::agec::{now, this_years_laptops};
use crate::alert_channels::{Answer, Receiver, SmtpSink, webhook_section};
use crate::helpers::{
    Daemon, TestDb, config_text, eventually, free_port, glpi, metrics_text, sample,
};
use crate::on_both_backends;

fn config(db: &TestDb, glpi_url: &str, email: &str, hook_url: &str) -> Config {
    Config::from_toml(&format!(
        "{}\n[alerts]\nprojection_min_days = 0\nnot_met_min_days = 0\nretry_initial_seconds = 1\nretry_max_seconds = 2\n{email}\n{}",
        config_text(&db.url, glpi_url, r#"schedule = "* * * * * *""#),
        webhook_section("achats", hook_url, "json", 5)
    ))
    .unwrap()
}

async fn metrics(daemon: &Daemon) -> String {
    metrics_text(&format!("http://{}", daemon.addr)).await
}

fn events(hook_body: &Value) -> Vec<(String, String)> {
    hook_body["notice"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap().to_string(),
                c["event"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn a_missed_quota_reaches_procurement_once_across_restarts_then_resolves(db: TestDb) {
    let sim = glpi(40).await;
    let [new_id, _, _] = this_years_laptops(&sim);
    let sink = SmtpSink::start(None);
    let hook = Receiver::start(Answer::Ok).await;
    let cfg = config(&db, &sim.base_url(), &sink.email_section(""), &hook.url());

    let daemon = Daemon::start(cfg.clone()).await;
    eventually(30, "the alert arrives by email and webhook", || async {
        !sink.received().is_empty() && !hook.received().is_empty()
    })
    .await;
    let mail = &sink.received()[0];
    assert!(
        mail["headers"]["subject"]
            .as_str()
            .unwrap()
            .contains("Matériel informatique et téléphonie"),
        "{mail}"
    );
    let body = &hook.received()[0].body;
    assert_eq!(body["notice"]["category"], "it_telephony");
    assert_eq!(body["notice"]["kind"], "reuse");
    assert_eq!(
        events(body),
        [
            ("quota_not_met".to_string(), "firing".to_string()),
            ("projected_miss".to_string(), "firing".to_string())
        ],
        "both rules in one message"
    );
    assert_eq!(body["notice"]["year_to_date"]["share"], 0.1);
    // Three more seconds of polls (one a second) send nothing more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!((sink.received().len(), hook.received().len()), (1, 1));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // A restart remembers what was said.
    let daemon = Daemon::start(cfg.clone()).await;
    eventually(30, "the restarted daemon has evaluated the alerts", || async {
        sample(
            &metrics(&daemon).await,
            r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#,
        ) == Some(1.0)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        (sink.received().len(), hook.received().len()),
        (1, 1),
        "a restart repeats no alert"
    );

    // Procurement fixes the record: back above the quota, one resolution message.
    sim.with_fleet(|f| {
        f.edit_infocom("Computer", new_id, now(), |ic| {
            ic.comment = Some("reconditionné".into())
        })
    });
    eventually(30, "the resolution arrives", || async {
        sink.received().len() == 2 && hook.received().len() == 2
    })
    .await;
    let body = &hook.received()[1].body;
    assert!(events(body).iter().all(|(_, e)| e == "resolved"), "{body}");
    assert_eq!(body["notice"]["year_to_date"]["share"], 1.0);
    let alerts: Value = reqwest::get(format!("http://{}/api/v1/alerts", daemon.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = alerts["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "two notices, two channels: {alerts}");
    assert!(messages.iter().all(|m| m["sent_at"].is_i64()), "{alerts}");
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

async fn an_smtp_outage_delays_the_email_without_losing_or_repeating_it(db: TestDb) {
    let sim = glpi(40).await;
    this_years_laptops(&sim);
    let hook = Receiver::start(Answer::Ok).await;
    // Nothing listens on the mail port yet.
    let port = free_port();
    let email = format!(
        r#"
        [alerts.email]
        smtp_host = "127.0.0.1"
        smtp_port = {port}
        tls = "none"
        from = "parcd <parcd@ville.fr>"
        to = ["achats@ville.fr"]
        timeout_seconds = 5
        "#
    );
    let daemon = Daemon::start(config(&db, &sim.base_url(), &email, &hook.url())).await;
    eventually(30, "the email fails and waits while the webhook is sent", || async {
        let text = metrics(&daemon).await;
        hook.received().len() == 1
            && sample(&text, r#"parcd_alert_notifications_pending{channel="email"}"#) == Some(1.0)
            && sample(
                &text,
                r#"parcd_alert_notification_failures_total{channel="email",error_type="unreachable"}"#,
            )
            .is_some_and(|n| n >= 1.0)
    })
    .await;

    let sink = SmtpSink::start_on(port, None);
    eventually(30, "the email goes out once the server is back", || async {
        sink.received().len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    assert_eq!(
        hook.received().len(),
        1,
        "the webhook did not wait for the mail"
    );
    let text = metrics(&daemon).await;
    assert_eq!(
        sample(
            &text,
            r#"parcd_alert_notifications_pending{channel="email"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"parcd_alert_notifications_sent_total{channel="email"}"#
        ),
        Some(1.0)
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

on_both_backends! {
    alerts_once_across_restarts => a_missed_quota_reaches_procurement_once_across_restarts_then_resolves;
    alerts_through_an_smtp_outage => an_smtp_outage_delays_the_email_without_losing_or_repeating_it;
}
