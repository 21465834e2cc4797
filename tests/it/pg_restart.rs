//! PostgreSQL restarted under two running replicas, in the middle of a full sync: a server
//! of the test's own, on a free loopback port and asking for a password (the shared one on
//! 5432 stays up for the other tests). The replicas keep running and say they are not ready
//! while it is away, then resume from the last committed page: the fleet ends exact, and
//! the password never shows in their logs.

use std::time::Duration;

use parcd::store::Store;
use parcd_fakes::glpi::Fault;

use crate::database_outage::OwnPostgres;
use crate::helpers::{
    ParcdProcess, TEST_USER_TOKEN, config_text, eventually, free_port, glpi, within,
};

/// The `postgres` user's password on the test's server.
const PASSWORD: &str = "pg-restart-s3cr3t-7f1d";

async fn status(url: &str) -> Option<u16> {
    reqwest::get(url).await.ok().map(|r| r.status().as_u16())
}

/// Every replica's `/readyz` answers `code`.
async fn all_ready(replicas: &[ParcdProcess], code: u16) -> bool {
    for r in replicas {
        if status(&format!("{}/readyz", r.base)).await != Some(code) {
            return false;
        }
    }
    true
}

/// Live and vanished assets of the GLPI source, its first_seen events, the assets with one,
/// and every event.
async fn fleet(store: &Store) -> (i64, i64, i64, i64, i64) {
    let (live, vanished) = store.asset_totals("glpi").await.unwrap();
    let events = store.event_counts("glpi").await.unwrap();
    let first_seen = events.get("first_seen").copied().unwrap_or_default();
    let with_one: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT external_id) FROM lifecycle_events \
         WHERE source = 'glpi' AND kind = 'first_seen'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    (
        live,
        vanished,
        first_seen,
        with_one,
        events.values().sum::<i64>(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_wait_for_postgresql_restarted_under_them_and_lose_nothing() {
    let pg = OwnPostgres::init_with_password(PASSWORD);
    pg.start();
    let sim = glpi(1500).await;
    // GLPI slowed down so that the first full sync (30 pages of 50) lasts several
    // seconds: the database goes away in its middle.
    sim.inject(Fault::Delay(Duration::from_millis(150)), 60);
    let dir = tempfile::tempdir().unwrap();
    // Replica a polls GLPI, with the backoff of a real source (5 minutes, then more): a
    // database away must not make it wait that long once the database is back. Replica b
    // polls nothing (until sources are leased to one replica at a time, two replicas
    // polling one source race each other) and serves the same API and readiness.
    let polling = config_text(
        &pg.url(),
        &sim.base_url(),
        "schedule = \"* * * * * *\"\npage_size = 50",
    )
    .replace("retry_initial_seconds = 1", "retry_initial_seconds = 300")
    .replace("retry_max_seconds = 2", "retry_max_seconds = 900");
    let idle = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[database]\nurl = \"{}\"\n",
        pg.url()
    );
    let replicas: Vec<ParcdProcess> = [("a", polling), ("b", idle)]
        .into_iter()
        .map(|(name, text)| {
            let port = free_port();
            let text = text.replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
                + "\n[log]\nformat = \"json\"\n";
            let file = dir.path().join(format!("{name}.toml"));
            std::fs::write(&file, text).unwrap();
            ParcdProcess::run(&file, port)
        })
        .collect();
    // Migrating along with the replicas (sqlx's lock makes it once).
    let store = Store::open(&pg.url(), 2).await.unwrap();
    let n = sim.with_fleet(|f| f.len()) as i64;
    eventually(
        60,
        "both replicas ready and the full sync under way",
        || async {
            let live = fleet(&store).await.0;
            all_ready(&replicas, 200).await && live > 0 && live < n
        },
    )
    .await;
    store.close().await;

    // Devices added in GLPI while the database is away: the replicas must store them
    // once it is back.
    sim.with_fleet(|f| {
        for i in 0..25 {
            f.add_item(
                "Computer",
                &format!("PC-PENDANT-{i:02}"),
                "Ordinateur portable",
                "En production",
                crate::agec::now(),
            );
        }
    });
    let n = n + 25;
    pg.stop();
    eventually(
        30,
        "both replicas say they are not ready, and still answer",
        || async { all_ready(&replicas, 503).await },
    )
    .await;
    // Several polls fail meanwhile (one a second, retried after 1 then 2 s).
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(all_ready(&replicas, 503).await);

    pg.start();
    eventually(60, "both replicas ready again", || async {
        all_ready(&replicas, 200).await
    })
    .await;
    let store = Store::connect(&pg.url(), 2).await.unwrap();
    // Within a few seconds of the database's return, not after the source's backoff (nor
    // after it when a sync fails as the database comes back).
    if !within(60, || async { fleet(&store).await.0 == n }).await {
        let stored = fleet(&store).await;
        let mut replicas = replicas;
        let logs = replicas.remove(0).stop().await;
        panic!(
            "the devices added meanwhile are not stored after 60 s: {stored:?} of {n}; the polling replica logged:\n{logs}"
        );
    }
    // A few more polls of each replica on the restarted server.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        fleet(&store).await,
        (n, 0, n, n, n),
        "every device live once, none vanished, one first_seen each and no other event"
    );
    store.close().await;

    for (i, r) in replicas.into_iter().enumerate() {
        let logs = r.stop().await;
        if i == 0 {
            // The return is seen by the check every second ("the database answers
            // again") or by the store's own retry a second after a failure that came as
            // the database was coming back: either way a sync then succeeds.
            let lines: Vec<&str> = logs.lines().collect();
            let last_failure = lines
                .iter()
                .rposition(|l| l.contains("sync failed") && l.contains(r#""error_type":"store""#))
                .unwrap_or_else(|| panic!("the polling replica saw the outage: {logs}"));
            assert!(
                lines[last_failure..]
                    .iter()
                    .any(|l| l.contains("sync done")),
                "and a sync succeeded after it: {logs}"
            );
            assert!(
                logs.lines()
                    .any(|l| l.contains("sync done") && l.contains(r#""resumed":true"#)),
                "the full sync resumed from its last committed page: {logs}"
            );
        }
        for secret in [PASSWORD, TEST_USER_TOKEN] {
            assert!(!logs.contains(secret), "a secret in the logs: {logs}");
        }
    }
}
