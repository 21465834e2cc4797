//! Several `parcd run` replicas on one PostgreSQL database: each source is polled by the one
//! replica holding its lease, a replica killed with -9 loses its sources to another within
//! the documented bound, and the fleet stays exact. On SQLite, a second writer is refused.
//!
//! The replica tests are PostgreSQL's only (replicas are a PostgreSQL feature); the refusal
//! test is SQLite's only.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use parcd::poll::ingest::{SyncContext, apply_page_fenced};
use parcd::poll::lease::Fence;
use parcd::store::{Store, StoreError};
use parcd_connectors::{Phase, Role, SyncMode};
use parcd_fakes::glpi::{Fault, SimHandle};

use crate::helpers::{
    ParcdProcess, TEST_USER_TOKEN, TestDb, eventually, free_port, glpi, new_pg_database, page,
    parcd, record, sample,
};

/// Short enough for a test, long enough for a loaded machine to renew in time.
const LEASE_TTL_S: u64 = 3;

/// The documented takeover bound for [`LEASE_TTL_S`]: the TTL and a third of it (see
/// `poll::lease`), in milliseconds.
const TAKEOVER_BOUND_MS: i64 = (LEASE_TTL_S * 1000 + LEASE_TTL_S * 1000 / 3) as i64;

/// What the bound leaves out: the database's and the scheduler's answer time, generous on
/// a 2-core machine shared with builds.
const ANSWER_ALLOWANCE_MS: i64 = 2000;

/// A replica's configuration: every source synced whole every second, so that any two
/// replicas polling one source would overlap their full syncs.
fn replica_config(
    db_url: &str,
    port: u16,
    sources: &[(&str, &SimHandle)],
    page_size: u32,
) -> String {
    let mut text = format!(
        r#"
        [server]
        listen = "127.0.0.1:{port}"
        [database]
        url = "{db_url}"
        lease_ttl_seconds = {LEASE_TTL_S}
        [log]
        level = "warn"
        "#
    );
    for (name, sim) in sources {
        text.push_str(&format!(
            r#"
            [[sources]]
            name = "{name}"
            kind = "glpi"
            url = "{}"
            user_token = "{TEST_USER_TOKEN}"
            schedule = "* * * * * *"
            full_sync_schedule = "* * * * * *"
            page_size = {page_size}
            jitter_seconds = 0
            retry_initial_seconds = 1
            retry_max_seconds = 2
            "#,
            sim.base_url()
        ));
    }
    text
}

/// `n` replicas started together on `db_url`, each with its own port and configuration.
fn start_replicas(
    dir: &Path,
    n: usize,
    db_url: &str,
    sources: &[(&str, &SimHandle)],
    page_size: u32,
) -> Vec<ParcdProcess> {
    (0..n)
        .map(|i| {
            let port = free_port();
            let file = dir.join(format!("replica-{i}.toml"));
            std::fs::write(&file, replica_config(db_url, port, sources, page_size)).unwrap();
            ParcdProcess::run(&file, port)
        })
        .collect()
}

async fn ready(p: &ParcdProcess) -> bool {
    match reqwest::get(format!("{}/readyz", p.base)).await {
        Ok(r) => r.status() == 200,
        Err(_) => false,
    }
}

/// The process id inside a holder's name (`host:pid:random`).
fn holder_pid(holder: &str) -> u32 {
    holder
        .rsplit(':')
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a holder name host:pid:random, not {holder}"))
}

async fn lease_of(store: &Store, source: &str) -> Option<parcd::store::Lease> {
    store
        .leases()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.source == source)
}

/// `(sync_id, outcome, started_at, finished_at)` of every run of `source`, oldest first.
async fn runs(store: &Store, source: &str) -> Vec<(String, String, i64, Option<i64>)> {
    sqlx::query_as::<_, (String, String, i64, Option<i64>)>(
        "SELECT sync_id, outcome, started_at, finished_at FROM poll_runs WHERE source = $1 \
         ORDER BY started_at, finished_at",
    )
    .bind(source.to_string())
    .fetch_all(store.pool())
    .await
    .unwrap()
}

async fn full_syncs_done(store: &Store, source: &str) -> usize {
    runs(store, source)
        .await
        .iter()
        .filter(|(_, outcome, _, _)| outcome == "success")
        .count()
}

/// The fleet of `source` is exactly the simulator's: every asset once and live, one
/// `first_seen` each and no other event (no false `vanished`, no `reappeared`).
async fn assert_exact(store: &Store, source: &str, n: i64) {
    assert_eq!(
        store.asset_totals(source).await.unwrap(),
        (n, 0),
        "{source}: every asset once, none vanished"
    );
    let events = store.event_counts(source).await.unwrap();
    assert_eq!(
        events.get("first_seen"),
        Some(&n),
        "{source}: one first_seen per asset: {events:?}"
    );
    assert_eq!(
        events.values().sum::<i64>(),
        n,
        "{source}: and no other event: {events:?}"
    );
}

/// No two runs of `source` overlapped in time (seconds of the store's clock): one replica
/// at a time polled it.
async fn assert_runs_one_at_a_time(store: &Store, source: &str) {
    let runs = runs(store, source).await;
    for pair in runs.windows(2) {
        let (_, _, _, Some(finished)) = &pair[0] else {
            panic!("{source}: a run never finished before the next began: {pair:?}");
        };
        assert!(
            pair[1].2 >= *finished,
            "{source}: two runs overlapped, two replicas polled at once: {pair:?}"
        );
    }
}

async fn several_replicas_poll_each_source_one_at_a_time(replicas: usize) {
    let (a, b) = (glpi(800).await, glpi(600).await);
    let (na, nb) = (
        a.with_fleet(|f| f.len()) as i64,
        b.with_fleet(|f| f.len()) as i64,
    );
    // An empty database: the replicas start together and race to migrate it, which sqlx's
    // migration lock serialises.
    let url = new_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let procs = start_replicas(dir.path(), replicas, &url, &[("a", &a), ("b", &b)], 50);
    for p in &procs {
        eventually(60, "every replica migrated and ready", || ready(p)).await;
    }
    let store = Store::connect(&url, 2).await.unwrap();

    // Full syncs every second, several of each source, with every replica up all along.
    eventually(120, "four full syncs of each source", || async {
        full_syncs_done(&store, "a").await >= 4 && full_syncs_done(&store, "b").await >= 4
    })
    .await;

    // The holder of each lease says it holds it, the others that they do not.
    let pids: Vec<u32> = procs.iter().map(ParcdProcess::pid).collect();
    let metrics: Vec<String> = metrics_of(&procs).await;
    for source in ["a", "b"] {
        let lease = lease_of(&store, source)
            .await
            .expect("the source has a lease");
        let holder = holder_pid(&lease.holder);
        assert!(
            pids.contains(&holder),
            "{source} is held by a replica: {lease:?}"
        );
        for (pid, text) in pids.iter().zip(&metrics) {
            let held = sample(
                text,
                &format!("parcd_source_lease_held{{source=\"{source}\"}}"),
            );
            assert_eq!(
                held,
                Some(f64::from(u8::from(*pid == holder))),
                "replica {pid} on {source} (held by {holder})"
            );
        }
        // And every replica's API says who polls it.
        for (pid, p) in pids.iter().zip(&procs) {
            let listed: serde_json::Value = reqwest::get(format!("{}/api/v1/sources", p.base))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let view = listed
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == source)
                .unwrap_or_else(|| panic!("{source} in /api/v1/sources: {listed}"));
            assert_eq!(
                view["lease"]["holder"], lease.holder,
                "replica {pid} on {source}: {view}"
            );
            assert_eq!(
                view["lease"]["this_replica"],
                *pid == holder,
                "replica {pid} on {source}: {view}"
            );
            assert!(view["lease"]["expires_at"].as_i64().unwrap() * 1000 >= lease.acquired_at_ms);
        }
    }

    // Every replica, polling or not, shows each source up, as the holder's runs left it.
    for p in &procs {
        eventually(30, "the source up on every replica", || async {
            let text = p.metrics().await;
            ["a", "b"].iter().all(|source| {
                sample(&text, &format!("parcd_source_up{{source=\"{source}\"}}")) == Some(1.0)
                    && sample(
                        &text,
                        &format!(
                            "parcd_source_last_success_timestamp_seconds{{source=\"{source}\"}}"
                        ),
                    )
                    .is_some_and(|t| t > 0.0)
            })
        })
        .await;
    }

    // A `parcd sync` beside them waits for the lease as long as a dead holder would keep it,
    // then gives up: the replicas keep renewing theirs.
    let out = parcd()
        .arg("--config")
        .arg(dir.path().join("replica-0.toml"))
        .args(["sync", "--once", "--source", "a"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for the source's lease") && stderr.contains("would race it"),
        "{stderr}"
    );

    for p in procs {
        p.stop().await;
    }
    for (source, n) in [("a", na), ("b", nb)] {
        assert_exact(&store, source, n).await;
        assert_runs_one_at_a_time(&store, source).await;
        let failed: Vec<_> = runs(&store, source)
            .await
            .into_iter()
            .filter(|(_, outcome, _, _)| outcome == "error")
            .collect();
        assert!(failed.is_empty(), "{source}: no run failed: {failed:?}");
    }
    assert!(
        store.leases().await.unwrap().is_empty(),
        "replicas stopped cleanly release their leases"
    );
    store.close().await;
}

async fn metrics_of(procs: &[ParcdProcess]) -> Vec<String> {
    let mut out = Vec::new();
    for p in procs {
        out.push(p.metrics().await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_postgres_poll_each_source_one_at_a_time() {
    several_replicas_poll_each_source_one_at_a_time(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_postgres_poll_each_source_one_at_a_time() {
    several_replicas_poll_each_source_one_at_a_time(3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_killed_mid_sync_loses_its_source_to_another_within_the_bound() {
    let sim = glpi(3000).await;
    let n = sim.with_fleet(|f| f.len()) as i64;
    let url = new_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    // Slow GLPI down so the kill lands in the middle of a sync.
    sim.inject(Fault::Delay(Duration::from_millis(60)), 200);
    let procs = start_replicas(dir.path(), 3, &url, &[("glpi", &sim)], 50);
    for p in &procs {
        eventually(60, "every replica ready", || ready(p)).await;
    }
    let store = Store::connect(&url, 2).await.unwrap();
    eventually(60, "the first sync half-way", || async {
        let pages: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(pages), 0) AS BIGINT) FROM poll_runs")
                .fetch_one(store.pool())
                .await
                .unwrap();
        pages >= 8
    })
    .await;

    let state = store.source_state("glpi", "glpi", 0).await.unwrap();
    let (_, unfinished) = state.sync.clone().expect("the kill lands mid-sync");
    let lease = lease_of(&store, "glpi")
        .await
        .expect("a replica holds the lease");
    let victim = holder_pid(&lease.holder);
    let killed_at_ms = chrono::Utc::now().timestamp_millis();
    let status = std::process::Command::new("kill")
        .args(["-KILL", &victim.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (stored, _) = store.asset_totals("glpi").await.unwrap();
    assert!(stored < n, "killed mid-sync ({stored} of {n})");

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let taken = loop {
        if let Some(l) = lease_of(&store, "glpi")
            .await
            .filter(|l| holder_pid(&l.holder) != victim)
        {
            break l;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no replica took the lease within 60 s of the kill"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took_ms = taken.acquired_at_ms - killed_at_ms;
    assert!(
        took_ms <= TAKEOVER_BOUND_MS + ANSWER_ALLOWANCE_MS,
        "taken over {took_ms} ms after the kill; documented: lease_ttl + lease_ttl/3 = \
         {TAKEOVER_BOUND_MS} ms, plus the database's answer time"
    );
    eprintln!("takeover after kill -9: {took_ms} ms (bound {TAKEOVER_BOUND_MS} ms)");

    let survivors: Vec<ParcdProcess> = procs.into_iter().filter(|p| p.pid() != victim).collect();
    let heir = survivors
        .iter()
        .find(|p| p.pid() == holder_pid(&taken.holder))
        .expect("a surviving replica took the lease");
    eventually(30, "the heir counts its takeover", || async {
        let text = heir.metrics().await;
        sample(&text, "parcd_source_lease_takeovers_total{source=\"glpi\"}") == Some(1.0)
            && sample(&text, "parcd_source_lease_held{source=\"glpi\"}") == Some(1.0)
    })
    .await;

    eventually(120, "the unfinished sync resumed and completed", || async {
        runs(&store, "glpi")
            .await
            .iter()
            .any(|(id, outcome, _, _)| *id == unfinished && outcome == "success")
    })
    .await;
    // A couple more full syncs by the heir: still nothing vanishes.
    let done = full_syncs_done(&store, "glpi").await;
    eventually(120, "two more full syncs", || async {
        full_syncs_done(&store, "glpi").await >= done + 2
    })
    .await;
    for p in survivors {
        p.stop().await;
    }
    assert_exact(&store, "glpi", n).await;
    store.close().await;
}

/// The lease rows themselves: one holder at a time, an expired lease taken over, and a page
/// whose fence names a replica that lost its lease written not at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_a_replica_that_lost_its_lease_is_not_written() {
    let db = TestDb::postgres().await;
    let s = &db.store;
    let first = s.try_acquire_lease("g", "a:1:x", 60_000).await.unwrap();
    assert_eq!(
        first.map(|a| a.previous),
        Some(None),
        "a free lease is taken"
    );
    assert!(
        s.try_acquire_lease("g", "b:2:y", 60_000)
            .await
            .unwrap()
            .is_none(),
        "a held lease is not"
    );
    assert_eq!(
        s.renew_leases("a:1:x", 300).await.unwrap(),
        vec!["g".to_string()]
    );
    // Let it expire unrenewed.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let taken = s.try_acquire_lease("g", "b:2:y", 60_000).await.unwrap();
    assert_eq!(
        taken.map(|a| a.previous),
        Some(Some("a:1:x".to_string())),
        "an expired lease is taken over, and the previous holder named"
    );
    assert!(s.renew_leases("a:1:x", 60_000).await.unwrap().is_empty());

    s.source_state("g", "glpi", 0).await.unwrap();
    let cx = SyncContext {
        source: "g".into(),
        role: Role::Inventory,
        sync_id: "s1".into(),
        mode: SyncMode::Incremental,
        sync_started_at: 1000,
        run_id: "r1".into(),
        vanish_max_percent: 50,
        first_import: None,
    };
    let records = vec![record(1, Phase::InService, "Mairie")];
    let stale = Fence {
        holder: "a:1:x".into(),
        ttl_ms: 60_000,
    };
    let err = apply_page_fenced(
        s,
        &cx,
        &page(records.clone(), "c1", true),
        1000,
        Some(&stale),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert_eq!(
        s.asset_totals("g").await.unwrap(),
        (0, 0),
        "nothing written"
    );
    assert_eq!(
        s.source_state("g", "glpi", 0).await.unwrap().cursor,
        None,
        "nor the cursor"
    );
    let holder = Fence {
        holder: "b:2:y".into(),
        ttl_ms: 60_000,
    };
    apply_page_fenced(s, &cx, &page(records, "c1", true), 1000, Some(&holder))
        .await
        .unwrap();
    assert_eq!(
        s.asset_totals("g").await.unwrap(),
        (1, 0),
        "the holder's page is"
    );
    assert_eq!(s.release_leases("b:2:y").await.unwrap(), 1);
}

/// SQLite takes one writer: a second `parcd run`, or a `parcd sync`, on the file a daemon
/// writes is refused at start, naming the file and the way out; a reader is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_of_one_sqlite_file_is_refused_at_start() {
    let sim = glpi(40).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcd.db");
    let url = format!("sqlite://{}", db.display());
    let port = free_port();
    let file = dir.path().join("parcd.toml");
    std::fs::write(&file, replica_config(&url, port, &[("glpi", &sim)], 50)).unwrap();
    let first = ParcdProcess::run(&file, port);
    eventually(60, "the first daemon ready", || ready(&first)).await;

    for args in [&["run"][..], &["sync", "--once"][..]] {
        let out = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::from(parcd())
                .arg("--config")
                .arg(&file)
                .args(args)
                .output(),
        )
        .await
        .expect("refused at start, not left running")
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "parcd {args:?} is refused: {stderr}");
        for needed in [
            "another parcd process writes to the SQLite database",
            db.to_str().unwrap(),
            "PostgreSQL",
        ] {
            assert!(stderr.contains(needed), "`{needed}` in: {stderr}");
        }
    }
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .args(["indicators"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a reader runs beside the daemon: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    first.stop().await;
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .args(["sync", "--once"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "once the daemon stopped, a sync runs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::connect(&url, 1).await.unwrap();
    let n = sim.with_fleet(|f| f.len()) as i64;
    assert_eq!(store.asset_totals("glpi").await.unwrap(), (n, 0));
    let by_kind: HashMap<String, i64> = store.event_counts("glpi").await.unwrap();
    assert_eq!(by_kind.values().sum::<i64>(), n, "{by_kind:?}");
    store.close().await;
}
