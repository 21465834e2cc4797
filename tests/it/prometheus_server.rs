//! A real Prometheus server for the tests that scrape parcd: started on a free loopback port,
//! waited for until it says it is ready, killed when the test ends.
//!
//! Why not just spawn it: on a loaded machine Prometheus can take seconds to open its port,
//! and a port found free can be taken by another test before Prometheus binds it. A query
//! sent too early was then a "connection refused" that failed the test (CI, stop 18), with
//! nothing to say why, since Prometheus' own output went nowhere.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::free_port;

/// How long Prometheus may take to be ready (the TSDB opens, the web server listens).
const READY_WITHIN: Duration = Duration::from_secs(90);
/// Attempts on a fresh port when the one found free was taken meanwhile.
const PORT_ATTEMPTS: usize = 3;

pub struct Prometheus {
    pub url: String,
    child: Child,
    log: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus with `scrape_configs` (YAML, indented as the top-level key's items)
    /// under `dir`, and returns once `/-/ready` answers 200.
    pub async fn start(dir: &Path, scrape_configs: &str) -> Prometheus {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!("global:\n  scrape_interval: 1s\nscrape_configs:\n{scrape_configs}"),
        )
        .unwrap();
        let mut tried = Vec::new();
        for attempt in 1..=PORT_ATTEMPTS {
            let port = free_port();
            let log = dir.join(format!("prometheus-{attempt}.log"));
            let child = Command::new("prometheus")
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join(format!("data-{attempt}")).display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("prometheus is installed (tests/run.sh installs it)");
            let mut server = Prometheus {
                url: format!("http://127.0.0.1:{port}"),
                child,
                log,
            };
            match server.ready().await {
                Ok(()) => return server,
                Err(why) if why.contains("address already in use") => {
                    tried.push(format!("port {port}: taken"));
                }
                Err(why) => panic!("Prometheus on port {port} did not start: {why}"),
            }
        }
        panic!("Prometheus found no free port: {}", tried.join(", "));
    }

    /// Waits for `/-/ready`; on failure, why: its exit and log, or the time waited.
    async fn ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Err(format!("it exited ({status}):\n{}", self.log()));
            }
            let answer = client
                .get(format!("{}/-/ready", self.url))
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!(
            "not ready after {} s:\n{}",
            READY_WITHIN.as_secs(),
            self.log()
        ))
    }

    /// What Prometheus wrote on its standard error.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An instant query's whole answer; a server that does not answer fails the test with
    /// its log.
    pub async fn query(&self, expr: &str) -> Value {
        self.get("query", "query", expr).await
    }

    /// The series matching `selector` (`/api/v1/series`).
    pub async fn series(&self, selector: &str) -> Value {
        self.get("series", "match[]", selector).await
    }

    /// `GET /api/v1/<endpoint>?<param>=<value>`, its JSON answer or the test's failure with
    /// Prometheus' log.
    async fn get(&self, endpoint: &str, param: &str, value: &str) -> Value {
        let answer = async {
            reqwest::Client::new()
                .get(format!("{}/api/v1/{endpoint}", self.url))
                .query(&[(param, value)])
                .timeout(Duration::from_secs(30))
                .send()
                .await?
                .json::<Value>()
                .await
        }
        .await;
        answer.unwrap_or_else(|e| {
            panic!(
                "Prometheus did not answer {endpoint} {value}: {e}\nits log:\n{}",
                self.log()
            )
        })
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
