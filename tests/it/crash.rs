//! kill -9 in the middle of a sync, then a restart: nothing lost, nothing twice.

use std::process::{Command, Stdio};
use std::time::Duration;

use parcd::store::Store;
use parcd_fakes::glpi::Fault;

use crate::helpers::{TestDb, config_text, eventually, glpi};
use crate::on_both_backends;

async fn committed_pages(store: &Store) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(SUM(pages), 0) AS BIGINT) FROM poll_runs")
        .fetch_one(store.pool())
        .await
        .expect("poll_runs is readable")
}

async fn a_sync_killed_mid_way_resumes_without_loss_or_duplicate(db: TestDb) {
    let sim = glpi(3000).await;
    let n = sim.with_fleet(|f| f.len()) as i64;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parcd.toml");
    std::fs::write(
        &file,
        config_text(&db.url, &sim.base_url(), "page_size = 50"),
    )
    .unwrap();

    // Slow GLPI down so the kill lands in the middle of the sync.
    sim.inject(Fault::Delay(Duration::from_millis(60)), 150);
    let mut child = Command::new(env!("CARGO_BIN_EXE_parcd"))
        .arg("--config")
        .arg(&file)
        .args(["sync", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually(60, "some pages committed", || async {
        committed_pages(&db.store).await >= 8
    })
    .await;
    child.kill().unwrap(); // SIGKILL: no cleanup of any kind
    child.wait().unwrap();

    let state = db.store.source_state("glpi", "glpi", 0).await.unwrap();
    assert!(state.sync.is_some(), "the interrupted sync is recorded");
    let (stored, _) = db.store.asset_totals("glpi").await.unwrap();
    assert!(
        stored > 0 && stored < n,
        "the kill landed mid-sync ({stored} of {n})"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_parcd"))
        .arg("--config")
        .arg(&file)
        .args(["sync", "--once"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("full sync (resumed)"), "{stdout}");

    assert_eq!(
        db.store.asset_totals("glpi").await.unwrap(),
        (n, 0),
        "every asset, none vanished"
    );
    let events = db.store.event_counts("glpi").await.unwrap();
    assert_eq!(
        events.get("first_seen"),
        Some(&n),
        "one first_seen per asset: {events:?}"
    );
    assert_eq!(
        events.values().sum::<i64>(),
        n,
        "and no other event: {events:?}"
    );
    let state = db.store.source_state("glpi", "glpi", 0).await.unwrap();
    assert!(state.sync.is_none() && state.last_full_sync_at.is_some());
}

on_both_backends! {
    kill_9_then_resume => a_sync_killed_mid_way_resumes_without_loss_or_duplicate;
}
