//! Test databases and records.

use std::sync::atomic::{AtomicU32, Ordering};

pub use parcd::store::Backend;
use parcd::store::Store;
use parcd_connectors::{AssetClass, AssetRecord, Cursor, Page, Phase, PurchaseRecord};

/// PostgreSQL server used by the tests; `tests/run.sh` makes sure one answers there.
pub fn pg_admin_url() -> String {
    std::env::var("PARCD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh, migrated database of either backend.
pub struct TestDb {
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("parcd.db").display());
        let store = Store::open(&url, 4).await.expect("sqlite store");
        TestDb {
            url,
            store,
            _dir: Some(dir),
        }
    }

    /// A new database on the test PostgreSQL server; `tests/run.sh` drops old ones.
    pub async fn postgres() -> TestDb {
        let url = new_pg_database().await;
        let store = Store::open(&url, 4).await.expect("postgres store");
        TestDb {
            url,
            store,
            _dir: None,
        }
    }
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn new_pg_database() -> String {
    let admin = pg_admin_url();
    let name = format!(
        "parcd_t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        fastrand::u32(..)
    );
    let store = Store::connect(&admin, 1).await.unwrap_or_else(|e| {
        panic!("PostgreSQL must answer at {admin} (tests/run.sh starts one): {e}")
    });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(store.pool())
        .await
        .expect("create test database");
    store.close().await;
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(b, _)| b)
        .to_string();
    format!("{base}/{name}")
}

/// What a test gets of a database, made anew for each backend by [`on_both_backends!`].
pub trait Fresh: Sized {
    fn fresh(backend: Backend) -> impl std::future::Future<Output = Self> + Send;
}

impl Fresh for TestDb {
    async fn fresh(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        }
    }
}

/// A database that exists and holds nothing, not even parcd's schema: for a test that hands
/// its URL to the `parcd` binary, which creates the schema itself (`migrate`, `run`, `demo`).
pub struct EmptyDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh for EmptyDb {
    async fn fresh(backend: Backend) -> EmptyDb {
        match backend {
            // The file does not exist yet: parcd creates it.
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("parcd.db").display());
                EmptyDb {
                    url,
                    backend,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => EmptyDb {
                url: new_pg_database().await,
                backend,
                _dir: None,
            },
        }
    }
}

/// Runs an async test body once on SQLite and once on a new PostgreSQL database:
/// `name => body;` hands `body` a migrated [`TestDb`], `name => body with EmptyDb;` an
/// [`EmptyDb`] (any [`Fresh`] type). Each line makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    (@one $name:ident, $body:ident, []) => {
        $crate::on_both_backends!(@one $name, $body, [$crate::helpers::TestDb]);
    };
    (@one $name:ident, $body:ident, [$db:ty]) => {
        mod $name {
            // `$db` is written in the calling module.
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Backend, Fresh};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body(<$db as Fresh>::fresh(Backend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body(<$db as Fresh>::fresh(Backend::Postgres).await).await
            }
        }
    };
    ($($name:ident => $body:ident $(with $db:ty)?;)+) => {
        $( $crate::on_both_backends!(@one $name, $body, [$($db)?]); )+
    };
}

/// A record with the given id, phase and entity.
pub fn record(id: u32, phase: Phase, entity: &str) -> AssetRecord {
    AssetRecord {
        external_id: format!("Computer/{id}"),
        item_type: "Computer".into(),
        class: AssetClass::Laptop,
        name: Some(format!("PC-{id:05}")),
        serial: Some(format!("SN{id:08}")),
        inventory_number: None,
        type_name: Some("Ordinateur portable".into()),
        model: Some("ThinkPad T14".into()),
        manufacturer: Some("Lenovo".into()),
        entity: Some(entity.into()),
        location: Some("Mairie".into()),
        status: Some("En production".into()),
        phase,
        status_mapped: true,
        rated_power_w: Some(45.0),
        addresses: Vec::new(),
        modified_at: Some("2026-01-01 10:00:00".into()),
        purchase: Some(PurchaseRecord {
            buy_date: chrono::NaiveDate::from_ymd_opt(2022, 3, 1),
            amount_cents: Some(89_900),
            supplier: Some("UGAP".into()),
            ..Default::default()
        }),
    }
}

/// A page holding `records`.
pub fn page(records: Vec<AssetRecord>, cursor: &str, done: bool) -> Page {
    Page {
        records,
        cursor: Cursor(cursor.into()),
        done,
        total_hint: None,
        ..Default::default()
    }
}

/// A simulated GLPI on 127.0.0.1 with `assets` devices.
pub async fn glpi(assets: usize) -> parcd_fakes::glpi::SimHandle {
    use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};
    Simulator::start(
        Fleet::generate(&FleetSpec {
            assets,
            seed: 11,
            templates: 2,
        }),
        SimOptions {
            app_token: None,
            user_token: TEST_USER_TOKEN.into(),
            login: None,
        },
    )
    .await
    .expect("simulator")
}

pub const TEST_USER_TOKEN: &str = "it-user-token-c0ffee";

/// A configuration with one GLPI source.
pub fn config_text(db_url: &str, glpi_url: &str, extra: &str) -> String {
    format!(
        r#"
        [server]
        listen = "127.0.0.1:0"
        [database]
        url = "{db_url}"
        [[sources]]
        name = "glpi"
        kind = "glpi"
        url = "{glpi_url}"
        user_token = "{TEST_USER_TOKEN}"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        {extra}
        "#
    )
}

/// A configuration with one source polled every second, with no jitter and retried after
/// 1 then 2 s: `source` holds the source's own keys (name and kind included), `tail` the
/// top-level tables after it. The daemon listens on a free port.
pub fn one_source_config(db_url: &str, source: &str, tail: &str) -> String {
    format!(
        r#"
        [server]
        listen = "127.0.0.1:0"
        [database]
        url = "{db_url}"
        [[sources]]
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        {source}
        {tail}
        "#
    )
}

/// The value of one sample of a Prometheus text exposition, if present.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Sum of every sample of a metric.
pub fn sum(text: &str, metric: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The `/metrics` text of the parcd serving at `base` (`http://ADDR`).
pub async fn metrics_text(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .expect("parcd answers")
        .text()
        .await
        .expect("a text body")
}

/// A JSON document parcd serves with 200.
pub async fn get_json(url: &str) -> serde_json::Value {
    let r = reqwest::get(url).await.expect("parcd answers");
    assert_eq!(r.status().as_u16(), 200, "{url}");
    r.json().await.expect("JSON")
}

/// `/api/v1/sources` at a moment when no source has a run under way. Sources polled every
/// second are often mid-run, and a run's outcome ("success" or a failure) is only known once
/// it ends, so a test reading an outcome must read it between runs. Fails after 30 s.
pub async fn settled_sources(base: &str) -> serde_json::Value {
    let url = format!("{base}/api/v1/sources");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let sources = get_json(&url).await;
        let running = sources
            .as_array()
            .expect("a list of sources")
            .iter()
            .any(|s| s["last_run"]["outcome"] == "running");
        if !running {
            return sources;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a source was still running after 30 s: {sources}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A JSON document parcd serves with 200, or `None` while it answers 503: the figures of a
/// daemon that has just started are computed in the background, so a poll loop must wait
/// for them instead of failing on the first request. Any other status fails the test.
pub async fn json_when_ready(url: &str) -> Option<serde_json::Value> {
    let r = reqwest::get(url).await.expect("parcd answers");
    match r.status().as_u16() {
        503 => None,
        200 => Some(r.json().await.expect("JSON")),
        other => panic!("{url} answered {other}"),
    }
}

/// Polls `check` every 100 ms until it holds, or panics after `secs` seconds.
pub async fn eventually<F, Fut>(secs: u64, what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    if !within(secs, check).await {
        panic!("timed out after {secs} s waiting for: {what}");
    }
}

/// Polls `check` every 100 ms until it holds (true), for at most `secs` seconds (false):
/// for a test that has more to say than [`eventually`] when it times out.
pub async fn within<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// The `parcd` binary, with no configuration inherited from the environment.
pub fn parcd() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_parcd"));
    c.env_remove("PARCD_CONFIG");
    for (k, _) in std::env::vars() {
        if k.starts_with("PARCD__") {
            c.env_remove(k);
        }
    }
    c
}

/// A port free on 127.0.0.1 at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A daemon running in this test process.
pub struct Daemon {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), parcd::daemon::DaemonError>>,
}

impl Daemon {
    /// Starts the daemon on `config` and waits until it listens.
    pub async fn start(config: parcd::config::Config) -> Daemon {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (bound_tx, bound) = tokio::sync::oneshot::channel();
        let task =
            tokio::spawn(async move { parcd::daemon::run(&config, stopped, Some(bound_tx)).await });
        let addr = bound.await.expect("the daemon listens");
        Daemon { addr, stop, task }
    }

    /// Asks it to stop and waits (20 s at most); the daemon's own result.
    pub async fn stop(self) -> Option<Result<(), parcd::daemon::DaemonError>> {
        self.stop.send(true).expect("the daemon is running");
        tokio::time::timeout(std::time::Duration::from_secs(20), self.task)
            .await
            .ok()
            .map(|joined| joined.expect("the daemon task does not panic"))
    }
}

/// The non-zero `parcd_assets{class,phase}` samples of a `/metrics` text.
pub fn published_counts(text: &str) -> std::collections::BTreeMap<(String, String), f64> {
    let label = |l: &str, key: &str| -> String {
        let start = l.find(&format!("{key}=\"")).expect("label present") + key.len() + 2;
        l[start..][..l[start..].find('"').expect("closing quote")].to_string()
    };
    text.lines()
        .filter(|l| l.starts_with("parcd_assets{"))
        .filter_map(|l| {
            let v: f64 = l.rsplit(' ').next()?.parse().ok()?;
            (v != 0.0).then(|| ((label(l, "class"), label(l, "phase")), v))
        })
        .collect()
}

/// `parcd --config FILE run` as its own process, for tests that need its exit, its logs or
/// its descriptors; killed if the test ends first.
pub struct ParcdProcess {
    child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl ParcdProcess {
    /// Starts it on `config` (a `parcd.toml` whose `[server] listen` is `127.0.0.1:port`),
    /// its stderr kept for [`ParcdProcess::stop`].
    pub fn run(config: &std::path::Path, port: u16) -> ParcdProcess {
        let config = config.to_str().expect("a UTF-8 path");
        ParcdProcess::spawn(&["--config", config, "run"], port)
    }

    /// Starts `parcd ARGS` serving on 127.0.0.1:`port`, its stderr kept for
    /// [`ParcdProcess::stop`].
    pub fn spawn(args: &[&str], port: u16) -> ParcdProcess {
        let mut c = tokio::process::Command::from(parcd());
        let child = c
            .args(args)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("parcd starts");
        ParcdProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Its `/metrics` text, or an empty text while nothing answers.
    pub async fn metrics(&self) -> String {
        match reqwest::get(format!("{}/metrics", self.base)).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Sends SIGTERM, checks that it exits cleanly within 30 s, and returns what it logged.
    pub async fn stop(self) -> String {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let out = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.child.wait_with_output(),
        )
        .await
        .expect("parcd stops within 30 s of SIGTERM")
        .expect("its output");
        assert!(
            out.status.success(),
            "SIGTERM ends parcd cleanly: {:?}",
            out.status
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The kinds of an asset's lifecycle events, oldest first.
pub async fn event_kinds(
    store: &parcd::store::Store,
    source: &str,
    external_id: &str,
) -> Vec<String> {
    store
        .events_of(source, external_id)
        .await
        .expect("the history reads")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// Whether one of the readings joined to GLPI's asset `external_id` passes `check`.
pub async fn glpi_asset_has_reading(
    store: &Store,
    external_id: &str,
    check: impl Fn(&parcd::store::ReadingRow) -> bool,
) -> bool {
    store
        .readings_of_asset("glpi", external_id)
        .await
        .unwrap()
        .iter()
        .any(check)
}
