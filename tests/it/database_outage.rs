//! PostgreSQL going away under a running daemon, and not there at start: a server of its
//! own that the test starts and stops on a free loopback port (the shared one on 5432
//! stays up for the other tests). Readiness answers within a second, the API and the log
//! say what the database said, the figures in memory stay served, and everything resumes
//! when the server is back.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{ParcdProcess, config_text, eventually, free_port, glpi, parcd, sample, sum};

/// A PostgreSQL cluster in a temporary directory, run by the `postgres` user when the tests
/// run as root (PostgreSQL refuses to run as root). It listens on 127.0.0.1 only, and on a
/// unix socket in its directory.
pub(crate) struct OwnPostgres {
    dir: tempfile::TempDir,
    pub(crate) port: u16,
    /// The password of the `postgres` user over TCP, when the cluster asks for one.
    password: Option<String>,
}

fn pg_bin(name: &str) -> PathBuf {
    let versions = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries are installed (tests/run.sh installs them)");
    let mut dirs: Vec<PathBuf> = versions.filter_map(|e| Some(e.ok()?.path())).collect();
    dirs.sort();
    dirs.last()
        .expect("a PostgreSQL version")
        .join("bin")
        .join(name)
}

fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl OwnPostgres {
    /// A cluster that trusts every connection.
    pub(crate) fn init() -> OwnPostgres {
        OwnPostgres::init_with(None)
    }

    /// A cluster whose `postgres` user needs `password` over TCP (SCRAM), as a production
    /// server does: the password is then a secret parcd holds and must never show.
    pub(crate) fn init_with_password(password: &str) -> OwnPostgres {
        OwnPostgres::init_with(Some(password))
    }

    fn init_with(password: Option<&str>) -> OwnPostgres {
        let dir = tempfile::tempdir().unwrap();
        let _ = Command::new("chown")
            .args(["postgres:postgres", &dir.path().display().to_string()])
            .status();
        let mut c = as_postgres(&pg_bin("initdb"));
        c.args(["-U", "postgres", "--no-sync", "-D"])
            .arg(dir.path().join("data"));
        match password {
            None => {
                c.args(["-A", "trust"]);
            }
            Some(p) => {
                let file = dir.path().join("password");
                std::fs::write(&file, p).unwrap();
                c.args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                    .arg(format!("--pwfile={}", file.display()));
            }
        }
        run(c, "initdb");
        OwnPostgres {
            dir,
            port: free_port(),
            password: password.map(str::to_string),
        }
    }

    pub(crate) fn url(&self) -> String {
        match &self.password {
            None => format!("postgres://postgres@127.0.0.1:{}/postgres", self.port),
            Some(p) => format!("postgres://postgres:{p}@127.0.0.1:{}/postgres", self.port),
        }
    }

    pub(crate) fn start(&self) {
        let mut c = as_postgres(&pg_bin("pg_ctl"));
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
                self.port,
                self.dir.path().display()
            ))
            .args(["-w", "start"]);
        run(c, "pg_ctl start");
    }

    pub(crate) fn stop(&self) {
        let mut c = as_postgres(&pg_bin("pg_ctl"));
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "fast", "-w", "stop"]);
        run(c, "pg_ctl stop");
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let mut c = as_postgres(&pg_bin("pg_ctl"));
        c.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = c.status();
    }
}

/// Status, body and the time the answer took.
async fn timed_get(url: &str) -> (u16, String, Duration) {
    let start = Instant::now();
    let r = reqwest::get(url).await.expect("parcd answers");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_is_said_at_once_and_survived() {
    let pg = OwnPostgres::init();
    let refused_at = format!("127.0.0.1:{}", pg.port);

    // Not there at start: parcd stops at once with the server's answer, not after a pool's
    // timeout with "pool timed out".
    let dir = tempfile::tempdir().unwrap();
    let sim = glpi(60).await;
    let port = free_port();
    let file = dir.path().join("parcd.toml");
    let text = config_text(&pg.url(), &sim.base_url(), r#"schedule = "* * * * * *""#)
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
        + "\n[log]\nformat = \"json\"\n";
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("run")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("refused") && err.contains(&refused_at),
        "the start names the server and what it said: {err}"
    );
    assert!(!err.contains("pool timed out"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "parcd gave up after {:?}, not after a pool's 30 s",
        started.elapsed()
    );

    // Running, then the server stops.
    pg.start();
    let parcd_run = ParcdProcess::run(&file, port);
    let base = parcd_run.base.clone();
    let up = r#"parcd_source_up{source="glpi"}"#;
    let n = sim.with_fleet(|f| f.len()) as f64;
    let metrics = || parcd_run.metrics();
    eventually(60, "the fleet is synced", || async {
        let t = metrics().await;
        sample(&t, up) == Some(1.0) && sum(&t, "parcd_assets") == n
    })
    .await;
    assert_eq!(timed_get(&format!("{base}/readyz")).await.0, 200);

    pg.stop();
    // Readiness is a probe's answer: a second, not a pool's timeout (30 s before).
    let (status, body, took) = timed_get(&format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("refused") && body.contains(&refused_at),
        "{body}"
    );
    assert!(took < Duration::from_millis(1500), "/readyz took {took:?}");
    // The API says what the database said.
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    for path in [
        "/api/v1/sources".to_string(),
        "/api/v1/alerts".to_string(),
        format!("/api/v1/indicators?at={today}"),
    ] {
        let (status, body, took) = timed_get(&format!("{base}{path}")).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert!(body.contains("refused"), "{path}: {body}");
        assert!(!body.contains("pool timed out"), "{path}: {body}");
        assert!(took < Duration::from_secs(10), "{path} took {took:?}");
    }
    // The figures in memory are still served; the failed polls show.
    eventually(30, "the poll failures show", || async {
        let t = metrics().await;
        sample(&t, up) == Some(0.0)
            && sample(
                &t,
                r#"parcd_source_errors_total{error_type="store",source="glpi"}"#,
            )
            .is_some_and(|v| v >= 1.0)
    })
    .await;
    assert_eq!(sum(&metrics().await, "parcd_assets"), n);

    // Back: ready again, polling again, nothing lost.
    pg.start();
    eventually(30, "ready again", || async {
        timed_get(&format!("{base}/readyz")).await.0 == 200
    })
    .await;
    eventually(30, "polling again", || async {
        sample(&metrics().await, up) == Some(1.0)
    })
    .await;
    let sources: serde_json::Value = reqwest::get(format!("{base}/api/v1/sources"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sources[0]["live_assets"].as_f64(), Some(n), "{sources}");
    assert_eq!(sources[0]["vanished_assets"], 0, "{sources}");

    let logs = parcd_run.stop().await;
    assert!(
        logs.lines()
            .any(|l| l.contains("sync failed") && l.contains("refused")),
        "the failed sync is logged with the database's answer: {logs}"
    );
}
