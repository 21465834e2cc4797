//! The daemon end to end: a simulated GLPI over HTTP, a real database, `/metrics`.

use parcd::config::Config;
use parcd_fakes::glpi::Fault;

use crate::helpers::{Daemon, TEST_USER_TOKEN, TestDb, config_text, eventually, glpi, sample, sum};
use crate::on_both_backends;

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.expect("parcd answers");
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn the_daemon_publishes_the_fleet_and_survives_a_failing_source(db: TestDb) {
    let sim = glpi(300).await;
    let n = sim.with_fleet(|f| f.len()) as f64;
    // A status GLPI's admins made up and the status map does not know.
    sim.with_fleet(|f| {
        let id = f.ids("Computer")[0];
        f.set_state(
            "Computer",
            id,
            "Prêté à une association",
            chrono::Local::now().naive_local(),
        );
    });
    let config = Config::from_toml(&config_text(
        &db.url,
        &sim.base_url(),
        r#"schedule = "* * * * * *"
           page_size = 50"#,
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let addr = daemon.addr;
    let metrics_url = format!("http://{addr}/metrics");

    eventually(30, "the first sync is published", || async {
        let (_, text) = get(&metrics_url).await;
        sample(&text, r#"parcd_source_up{source="glpi"}"#) == Some(1.0)
            && sum(&text, "parcd_assets") == n
    })
    .await;
    let (_, text) = get(&metrics_url).await;
    assert!(
        sample(
            &text,
            r#"parcd_source_unmapped_status_assets{source="glpi"}"#
        )
        .is_some_and(|v| v >= 1.0),
        "an unknown status is counted, not fatal"
    );
    assert_eq!(get(&format!("http://{addr}/healthz")).await.0, 200);
    assert_eq!(get(&format!("http://{addr}/readyz")).await.0, 200);
    let (_, sources) = get(&format!("http://{addr}/api/v1/sources")).await;
    let sources: serde_json::Value = serde_json::from_str(&sources).unwrap();
    assert_eq!(sources[0]["name"], "glpi");
    assert_eq!(sources[0]["live_assets"].as_f64(), Some(n));
    // Who polls it: a lease on PostgreSQL, where replicas share sources; one process on
    // SQLite, nothing to say.
    match db.store.backend() {
        parcd::store::Backend::Postgres => {
            assert_eq!(sources[0]["lease"]["this_replica"], true, "{sources}");
            assert!(sources[0]["lease"]["holder"].is_string(), "{sources}");
        }
        parcd::store::Backend::Sqlite => {
            assert!(sources[0].get("lease").is_none(), "{sources}")
        }
    }

    // GLPI answers 500 three times: the daemon stays up, keeps the data, says so in
    // metrics, backs off and retries.
    sim.inject(Fault::ServerError, 3);
    eventually(30, "the failure shows in metrics", || async {
        let (_, text) = get(&metrics_url).await;
        sample(&text, r#"parcd_source_up{source="glpi"}"#) == Some(0.0)
            && sample(
                &text,
                r#"parcd_source_errors_total{error_type="http",source="glpi"}"#,
            )
            .is_some_and(|v| v >= 1.0)
    })
    .await;
    let (status, text) = get(&metrics_url).await;
    assert_eq!(status, 200);
    assert_eq!(sum(&text, "parcd_assets"), n, "the last good data stays");
    assert!(!text.contains(TEST_USER_TOKEN), "no secret in metrics");

    // It recovers on its own once GLPI does.
    eventually(30, "the source recovers", || async {
        let (_, text) = get(&metrics_url).await;
        sample(&text, r#"parcd_source_up{source="glpi"}"#) == Some(1.0)
    })
    .await;

    assert!(
        matches!(daemon.stop().await, Some(Ok(()))),
        "the daemon stops cleanly on request"
    );
    assert!(
        sim.stats().kill_sessions >= 1,
        "the GLPI session is closed on shutdown"
    );
}

async fn status_changes_in_glpi_reach_the_metrics_and_the_history(db: TestDb) {
    let sim = glpi(200).await;
    let config = Config::from_toml(&config_text(
        &db.url,
        &sim.base_url(),
        r#"schedule = "* * * * * *""#,
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let addr = daemon.addr;
    let metrics_url = format!("http://{addr}/metrics");
    let n = sim.with_fleet(|f| f.len()) as f64;
    eventually(30, "first sync published", || async {
        let text = get(&metrics_url).await.1;
        sample(&text, r#"parcd_source_up{source="glpi"}"#) == Some(1.0)
            && sum(&text, "parcd_assets") == n
    })
    .await;
    let count = |text: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with("parcd_assets{") && l.contains("phase=\"destroyed\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let before = count(&get(&metrics_url).await.1);
    let id = sim.with_fleet(|f| {
        let id = f.ids("Computer")[3];
        f.set_state(
            "Computer",
            id,
            "Détruit",
            chrono::Local::now().naive_local() + chrono::Duration::hours(1),
        );
        id
    });
    let store = db.store.clone();
    let external_id = format!("Computer/{id}");
    eventually(30, "the phase change is in the history", || {
        let store = store.clone();
        let external_id = external_id.clone();
        async move {
            let history = store.events_of("glpi", &external_id).await.unwrap();
            let last = history.last().unwrap();
            last.kind == "phase_change" && last.to_phase.as_deref() == Some("destroyed")
        }
    })
    .await;
    eventually(30, "the destroyed device is counted", || async {
        count(&get(&metrics_url).await.1) == before + 1.0
    })
    .await;
    daemon.stop().await;
}

/// GLPI answers `200 []` for Monitor alone (a profile that lost the right to it): the
/// monitors stay live and are shown as held; when Monitor answers again nothing was
/// vanished; when it stays empty, the next full sync confirms and vanishes them.
async fn an_item_type_answering_empty_is_held_not_vanished(db: TestDb) {
    let sim = glpi(300).await;
    let config = Config::from_toml(&config_text(
        &db.url,
        &sim.base_url(),
        r#"schedule = "0 0 0 1 1 *"
        full_sync_schedule = "* * * * * *""#,
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let metrics_url = format!("http://{}/metrics", daemon.addr);
    let (n, monitors) = sim.with_fleet(|f| (f.len() as i64, f.ids("Monitor").len() as i64));
    assert!(monitors >= 10, "the fleet has monitors to hold: {monitors}");
    let held = r#"parcd_source_vanish_held_assets{source="glpi"}"#;
    let refused = r#"parcd_source_vanish_refused_total{source="glpi"}"#;
    eventually(30, "first sync published", || async {
        let text = get(&metrics_url).await.1;
        sample(&text, r#"parcd_source_up{source="glpi"}"#) == Some(1.0)
            && sum(&text, "parcd_assets") == n as f64
    })
    .await;

    sim.answer_empty_list("Monitor", true);
    eventually(30, "the monitors are held", || async {
        let text = get(&metrics_url).await.1;
        sample(&text, held) == Some(monitors as f64) && sample(&text, refused) >= Some(1.0)
    })
    .await;
    let text = get(&metrics_url).await.1;
    assert_eq!(
        sample(&text, r#"parcd_source_up{source="glpi"}"#),
        Some(1.0)
    );
    assert_eq!(
        sum(&text, "parcd_assets"),
        n as f64,
        "the monitors are still counted"
    );
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n, 0));

    sim.answer_empty_list("Monitor", false);
    eventually(30, "the hold is released", || async {
        sample(&get(&metrics_url).await.1, held) == Some(0.0)
    })
    .await;
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n, 0));
    let events = db.store.event_counts("glpi").await.unwrap();
    assert_eq!(events.get("vanished"), None, "{events:?}");

    // Empty for good: held by one full sync, confirmed by the next.
    sim.answer_empty_list("Monitor", true);
    eventually(30, "the monitors are vanished", || async {
        db.store.asset_totals("glpi").await.unwrap() == (n - monitors, monitors)
    })
    .await;
    eventually(30, "nothing held any more", || async {
        let text = get(&metrics_url).await.1;
        sample(&text, held) == Some(0.0) && sum(&text, "parcd_assets") == (n - monitors) as f64
    })
    .await;
    daemon.stop().await;
}

on_both_backends! {
    daemon_end_to_end => the_daemon_publishes_the_fleet_and_survives_a_failing_source;
    status_change_to_metrics => status_changes_in_glpi_reach_the_metrics_and_the_history;
    item_type_held => an_item_type_answering_empty_is_held_not_vanished;
}
