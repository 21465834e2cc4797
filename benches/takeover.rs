//! Takeover benchmark (`cargo bench --bench takeover`): how long after a kill -9 another
//! replica polls the dead one's source.
//!
//! Three `parcd run` replicas on one new PostgreSQL database poll one simulated GLPI (slowed
//! down so that a full sync lasts several seconds). When the lease holder has committed a
//! few pages, it is killed with SIGKILL; the figures are the time from the kill to the lease
//! row naming another replica (`acquired_at_ms`, the database's clock, which on this one
//! machine is the kill's), and to the end of the resumed sync. The documented bound is
//! `lease_ttl_seconds × 4/3` (README, "Scale"). The holder renews its lease with every page
//! it commits, so a kill mid-sync leaves it about a whole TTL, and the figures land between
//! `lease_ttl_seconds` and the bound, as the others' tries (every third of it) fall. A
//! measurement, not a test: nothing is asserted.
//!
//! Environment: PARCD_BENCH_RUNS (3), PARCD_BENCH_LEASE_TTL (15, seconds), PARCD_BENCH_ASSETS
//! (3000), PARCD_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use parcd::store::Store;
use parcd_fakes::glpi::{Fault, Fleet, FleetSpec, SimOptions, Simulator};

const TOKEN: &str = "bench-user-token";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn replica(dir: &std::path::Path, i: usize, db: &str, glpi: &str, ttl: u64) -> Child {
    let file = dir.join(format!("replica-{i}.toml"));
    std::fs::write(
        &file,
        format!(
            r#"
            [server]
            listen = "127.0.0.1:{}"
            [database]
            url = "{db}"
            lease_ttl_seconds = {ttl}
            [log]
            level = "warn"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            url = "{glpi}"
            user_token = "{TOKEN}"
            schedule = "0 0 * * * *"
            page_size = 50
            jitter_seconds = 0
            retry_initial_seconds = 1
            retry_max_seconds = 2
            "#,
            free_port()
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_parcd"))
        .arg("--config")
        .arg(&file)
        .arg("run")
        .env_remove("PARCD_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("parcd starts")
}

fn holder_pid(holder: &str) -> u32 {
    holder.rsplit(':').nth(1).unwrap().parse().unwrap()
}

async fn wait_for<F, Fut, T>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn one_run(admin: &str, assets: usize, ttl: u64, run: usize) -> (f64, f64) {
    let name = format!("parcd_bench_takeover_{}_{run}", std::process::id());
    let admin_store = Store::connect(admin, 1).await.expect("PostgreSQL answers");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(admin_store.pool())
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(admin_store.pool())
        .await
        .unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);

    let sim = Simulator::start(
        Fleet::generate(&FleetSpec {
            assets,
            seed: 7,
            templates: 2,
        }),
        SimOptions {
            app_token: None,
            user_token: TOKEN.into(),
            login: None,
        },
    )
    .await
    .expect("simulator");
    sim.inject(Fault::Delay(Duration::from_millis(40)), 100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut children: Vec<Child> = (0..3)
        .map(|i| replica(dir.path(), i, &url, &sim.base_url(), ttl))
        .collect();
    let store = wait_for("the schema", || async {
        let s = Store::connect(&url, 2).await.ok()?;
        s.leases().await.ok().map(|_| s)
    })
    .await;
    let (holder, unfinished) = wait_for("a sync half-way", || async {
        let pages: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(pages), 0) AS BIGINT) FROM poll_runs")
                .fetch_one(store.pool())
                .await
                .ok()?;
        let state = store.source_state("glpi", "glpi", 0).await.ok()?;
        let lease = store.leases().await.ok()?.into_iter().next()?;
        (pages >= 5).then_some(())?;
        Some((lease.holder, state.sync?.1))
    })
    .await;
    let victim = holder_pid(&holder);
    let killed = Instant::now();
    let killed_ms = chrono::Utc::now().timestamp_millis();
    let child = children.iter_mut().find(|c| c.id() == victim).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let taken = wait_for("another holder", || async {
        store
            .leases()
            .await
            .ok()?
            .into_iter()
            .find(|l| holder_pid(&l.holder) != victim)
    })
    .await;
    let takeover = (taken.acquired_at_ms - killed_ms) as f64 / 1000.0;
    wait_for("the resumed sync's end", || async {
        let done: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM poll_runs WHERE sync_id = $1 AND outcome = 'success'",
        )
        .bind(unfinished.clone())
        .fetch_one(store.pool())
        .await
        .ok()?;
        (done > 0).then_some(())
    })
    .await;
    let resumed = killed.elapsed().as_secs_f64();
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    store.close().await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(admin_store.pool())
        .await
        .unwrap();
    admin_store.close().await;
    (takeover, resumed)
}

#[tokio::main]
async fn main() {
    let runs: usize = env_or("PARCD_BENCH_RUNS", 3);
    let ttl: u64 = env_or("PARCD_BENCH_LEASE_TTL", 15);
    let assets: usize = env_or("PARCD_BENCH_ASSETS", 3000);
    let admin = std::env::var("PARCD_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let bound = ttl as f64 * 4.0 / 3.0;
    println!(
        "takeover after kill -9: 3 replicas, lease_ttl_seconds = {ttl}, documented bound {bound:.1} s"
    );
    let mut takeovers = Vec::new();
    for run in 0..runs {
        let (takeover, resumed) = one_run(&admin, assets, ttl, run).await;
        println!(
            "run {}: lease taken over {takeover:.2} s after the kill; resumed sync done {resumed:.2} s after it",
            run + 1
        );
        takeovers.push(takeover);
    }
    takeovers.sort_by(f64::total_cmp);
    println!(
        "median {:.2} s, max {:.2} s, bound {bound:.1} s",
        takeovers[takeovers.len() / 2],
        takeovers[takeovers.len() - 1]
    );
}
