//! Every replica tells the same truth: of two `parcd run` replicas on PostgreSQL, the one that
//! does not hold the source's lease shows in `/metrics` and `/api/v1` what the other commits,
//! within about a second; after its listening connection is killed, it recomputes everything
//! and shows a change no note announced. PostgreSQL only: one process writes a SQLite file,
//! so there is nothing to follow.

use std::time::{Duration, Instant};

use crate::helpers::{
    ParcdProcess, TestDb, config_text, free_port, glpi, json_when_ready, published_counts, sample,
    sum,
};

/// Polls `check` every 10 ms until it holds; how long that took. Panics after `secs`.
async fn until<F, Fut>(secs: u64, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out after {secs} s waiting for: {what}");
}

/// `parcd sync --once` in its own process; panics on failure.
fn sync_once(config: &std::path::Path) {
    let out = crate::helpers::parcd()
        .arg("--config")
        .arg(config)
        .args(["sync", "--once"])
        .output()
        .expect("parcd runs");
    assert!(
        out.status.success(),
        "sync --once: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The asset counts the store holds, as `parcd_assets` publishes them.
async fn stored_counts(db: &TestDb) -> std::collections::BTreeMap<(String, String), f64> {
    let mut counts = std::collections::BTreeMap::new();
    for c in db.store.asset_counts(&["glpi"]).await.unwrap() {
        *counts.entry((c.class, c.phase)).or_default() += c.count as f64;
    }
    counts.retain(|_, n| *n != 0.0);
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_does_not_poll_follows_the_commits_of_the_one_that_does() {
    let db = TestDb::postgres().await;
    let sim = glpi(400).await;
    let n = sim.with_fleet(|f| f.len()) as f64;
    let dir = tempfile::tempdir().unwrap();
    // The first full sync, by `parcd sync --once` before any replica runs.
    let once = dir.path().join("once.toml");
    std::fs::write(&once, config_text(&db.url, &sim.base_url(), "")).unwrap();
    sync_once(&once);
    // Two replicas of one configuration, polling every second. The first to run takes the
    // source's lease and polls; the second waits for the lease and follows.
    let replica = |name: &str, port: u16| {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#)
                .replace("127.0.0.1:0", &format!("127.0.0.1:{port}")),
        )
        .unwrap();
        ParcdProcess::run(&file, port)
    };
    let held = r#"parcd_source_lease_held{source="glpi"}"#;
    let poller = replica("poller.toml", free_port());
    until(60, "the first replica holds the source's lease", || async {
        sample(&poller.metrics().await, held) == Some(1.0)
    })
    .await;
    let follower = replica("follower.toml", free_port());
    until(60, "the second replica serves and follows", || async {
        sample(&follower.metrics().await, "parcd_store_follow_connected") == Some(1.0)
    })
    .await;
    let api = format!("{}/api/v1/indicators", follower.base);
    until(30, "the follower counts the fleet", || async {
        sum(&follower.metrics().await, "parcd_assets") == n
    })
    .await;
    let text = follower.metrics().await;
    assert_eq!(sample(&text, held), Some(0.0), "the follower does not poll");

    // A device recycled in GLPI: the poller's next incremental sync moves it, and the
    // follower learns it from the poller's note.
    let in_service = |v: &serde_json::Value| v["total"]["in_service"].as_f64();
    let before = in_service(&json_when_ready(&api).await.unwrap()).unwrap();
    sim.with_fleet(|f| {
        let id = f
            .ids("Computer")
            .into_iter()
            .find(|id| {
                f.asset("Computer", *id)
                    .and_then(|a| f.state_name(a.states_id))
                    == Some("En production")
            })
            .expect("a computer in production");
        f.set_state(
            "Computer",
            id,
            "Recyclé",
            chrono::Local::now().naive_local() + chrono::Duration::hours(1),
        );
    });
    let changed = Instant::now();
    let to_api = until(
        30,
        "the follower's API shows the recycled device",
        || async {
            json_when_ready(&api)
                .await
                .and_then(|v| in_service(&v))
                .is_some_and(|now| now == before - 1.0)
        },
    )
    .await;
    until(30, "the follower's asset gauges show it", || async {
        published_counts(&follower.metrics().await) == stored_counts(&db).await
    })
    .await;
    let text = follower.metrics().await;
    assert!(
        sample(&text, "parcd_store_follow_notes_total").is_some_and(|n| n > 0.0),
        "the news came by a note: {text}"
    );
    assert_eq!(
        sample(&text, r#"parcd_source_records_read_total{source="glpi"}"#),
        Some(0.0),
        "the follower never read GLPI"
    );
    let (count, total) = (
        sample(&text, "parcd_indicators_refresh_duration_seconds_count").unwrap(),
        sample(&text, "parcd_indicators_refresh_duration_seconds_sum").unwrap(),
    );
    eprintln!(
        "a change in GLPI on the follower's /api/v1 {to_api:?} after it was made (the poller polls \
         every second; {:?} since the change); commit to published indicators, incremental \
         updates: {count}, mean {:.3} s",
        changed.elapsed(),
        if count > 0.0 { total / count } else { 0.0 }
    );

    a_missed_note_is_caught_up_by_a_reload(&db, &follower).await;
    follower.stop().await;
    poller.stop().await;
}

/// A change written with no note (as if it had been sent while nobody listened), then the
/// listening connection killed: the follower listens again, recomputes, and shows it.
async fn a_missed_note_is_caught_up_by_a_reload(db: &TestDb, follower: &ParcdProcess) {
    let reloads = |text: &str| {
        sample(
            text,
            r#"parcd_store_follow_reloads_total{reason="connected"}"#,
        )
        .unwrap_or(0.0)
    };
    let before = reloads(&follower.metrics().await);
    assert_eq!(
        before, 0.0,
        "no recomputation at start: a replica listens before it first reads the store"
    );
    let moved = sqlx::query(
        "UPDATE assets SET phase = 'in_stock' WHERE source = 'glpi' AND external_id IN \
         (SELECT external_id FROM assets WHERE phase = 'in_service' AND vanished_at IS NULL \
          ORDER BY external_id LIMIT 7)",
    )
    .execute(db.store.pool())
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(moved, 7);
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1",
    )
    .bind(parcd::live::follow::APPLICATION_NAME)
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert_eq!(
        killed,
        vec![true, true],
        "the two replicas' listening connections, killed"
    );
    let converged = until(60, "the follower shows the unannounced change", || async {
        let text = follower.metrics().await;
        reloads(&text) > before && published_counts(&text) == stored_counts(db).await
    })
    .await;
    assert_eq!(
        sample(&follower.metrics().await, "parcd_store_follow_connected"),
        Some(1.0)
    );
    eprintln!("listening connection killed: the follower converged {converged:?} later");
}
