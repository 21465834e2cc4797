//! The faults a GLPI in production shows, one after another under one running daemon: each
//! is counted under its error type, leaves the stored fleet exact (nothing vanished,
//! nothing lost), and is recovered from by the next polls; a change made in GLPI meanwhile
//! lands once. The faults already held before this suite existed are kept here so that they
//! keep holding.

use std::time::Duration;

use parcd::config::Config;
use parcd_fakes::glpi::Fault;

use crate::helpers::{Daemon, TestDb, config_text, eventually, glpi, metrics_text, sample, sum};
use crate::on_both_backends;

const UP: &str = r#"parcd_source_up{source="glpi"}"#;

fn errors(text: &str, kind: &str) -> f64 {
    sample(
        text,
        &format!(r#"parcd_source_errors_total{{error_type="{kind}",source="glpi"}}"#),
    )
    .unwrap_or(0.0)
}

async fn every_glpi_fault_leaves_the_fleet_exact_and_recovers(db: TestDb) {
    let sim = glpi(250).await;
    let n = sim.with_fleet(|f| f.len()) as i64;
    // Full syncs every 3 s, so that a fault hitting one would vanish what it did not read
    // if a fault could pass for an answer.
    let config = Config::from_toml(&config_text(
        &db.url,
        &sim.base_url(),
        r#"schedule = "* * * * * *"
        full_sync_schedule = "*/3 * * * * *"
        page_size = 50
        timeout_seconds = 2"#,
    ))
    .unwrap();
    let daemon = Daemon::start(config).await;
    let base = format!("http://{}", daemon.addr);
    eventually(30, "the first sync is published", || async {
        let t = metrics_text(&base).await;
        sample(&t, UP) == Some(1.0) && sum(&t, "parcd_assets") == n as f64
    })
    .await;

    // A device destroyed in GLPI while the faults go on: its change must land once.
    let destroyed = sim.with_fleet(|f| {
        let id = f.ids("Computer")[7];
        f.set_state(
            "Computer",
            id,
            "Détruit",
            chrono::Local::now().naive_local() + chrono::Duration::hours(1),
        );
        id
    });

    for (fault, times, kind) in [
        (Fault::ServerError, 2, "http"),
        (Fault::Delay(Duration::from_secs(3)), 1, "timeout"),
        (Fault::MalformedJson, 1, "decode"),
        (Fault::TruncatedPage, 1, "decode"),
        (Fault::WrongShape, 1, "decode"),
        (Fault::Dropped, 1, "connect"),
    ] {
        let what = format!("{fault:?}");
        let before = errors(&metrics_text(&base).await, kind);
        sim.inject(fault, times);
        eventually(30, &format!("{what} is counted as {kind}"), || async {
            errors(&metrics_text(&base).await, kind) > before
        })
        .await;
        assert_eq!(
            db.store.asset_totals("glpi").await.unwrap(),
            (n, 0),
            "{what}: nothing vanished, nothing lost"
        );
        assert_eq!(sum(&metrics_text(&base).await, "parcd_assets"), n as f64);
        eventually(30, &format!("back after {what}"), || async {
            sample(&metrics_text(&base).await, UP) == Some(1.0)
        })
        .await;
    }

    // GLPI forgets the session (a restart, a purge of sessions): a new one is opened
    // without any error.
    let logins = sim.stats().init_sessions;
    let auth_errors = errors(&metrics_text(&base).await, "auth");
    sim.expire_sessions();
    eventually(30, "a new session is opened", || async {
        sim.stats().init_sessions > logins && sample(&metrics_text(&base).await, UP) == Some(1.0)
    })
    .await;
    assert_eq!(errors(&metrics_text(&base).await, "auth"), auth_errors);

    // After it all: the fleet is GLPI's, and the history holds each device's first sight
    // and the one change, once.
    let external_id = format!("Computer/{destroyed}");
    eventually(
        30,
        "the change made during the faults is stored",
        || async {
            db.store
                .asset_phase("glpi", &external_id)
                .await
                .unwrap()
                .is_some_and(|(phase, _)| phase == "destroyed")
        },
    )
    .await;
    let counts = db.store.event_counts("glpi").await.unwrap();
    assert_eq!(
        counts,
        [
            ("first_seen".to_string(), n),
            ("phase_change".to_string(), 1)
        ]
        .into(),
        "nothing twice, nothing vanished"
    );
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n, 0));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

on_both_backends! {
    glpi_faults => every_glpi_fault_leaves_the_fleet_exact_and_recovers;
}
