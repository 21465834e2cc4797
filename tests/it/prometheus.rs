//! parcd's metrics as a real Prometheus sees them, and promtool's lint and rule checks.

use std::io::Write;
use std::process::{Command, Stdio};

use parcd::config::Config;

use crate::helpers::{Daemon, TestDb, config_text, eventually, glpi};
use crate::on_both_backends;
use crate::prometheus_server::Prometheus;

async fn a_real_prometheus_scrapes_the_fleet_and_promtool_finds_no_lint(db: TestDb) {
    let sim = glpi(250).await;
    let n = sim.with_fleet(|f| f.len());
    let config = Config::from_toml(&config_text(&db.url, &sim.base_url(), "")).unwrap();
    let daemon = Daemon::start(config).await;
    let parcd_addr = daemon.addr;

    let dir = tempfile::tempdir().unwrap();
    let prom = Prometheus::start(
        dir.path(),
        &format!("  - job_name: parcd\n    static_configs:\n      - targets: ['{parcd_addr}']\n"),
    )
    .await;

    eventually(60, "Prometheus has scraped the whole fleet", || async {
        let v = prom.query("sum(parcd_assets)").await;
        v["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|s| s.parse::<f64>().ok())
            == Some(n as f64)
    })
    .await;
    let v = prom.query("parcd_source_up").await;
    assert_eq!(v["data"]["result"][0]["metric"]["source"], "glpi");

    // promtool's lint: naming, units, _total on counters, help texts.
    let text = reqwest::get(format!("http://{parcd_addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    lint.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = lint.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "promtool check metrics:\n{report}"
    );

    daemon.stop().await;
}

on_both_backends! {
    prometheus_scrapes_the_fleet => a_real_prometheus_scrapes_the_fleet_and_promtool_finds_no_lint;
}

#[test]
fn the_shipped_alerting_rules_pass_promtool() {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus/rules.yml");
    assert!(std::path::Path::new(rules).is_file(), "{rules} is shipped");
    let out = Command::new("promtool")
        .args(["check", "rules", rules])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_alerting_rules_pass_their_unit_tests() {
    let tests = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/prometheus/rules.test.yml"
    );
    let out = Command::new("promtool")
        .args(["test", "rules", tests])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every AGEC, REEN, DEEE, donation and alert series the dashboard and the rules query is one
/// parcd declares: a renamed metric must not leave a panel or an alert silently empty. (These
/// are declared with their full names in `src/metrics/circularity.rs`; the footprint names
/// are built from parts and checked by the Prometheus test above.)
#[test]
fn the_dashboard_and_the_rules_query_only_circularity_metrics_parcd_declares() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = std::fs::read_to_string(root.join("src/metrics/circularity.rs")).unwrap();
    let name = regex::Regex::new(
        r"parcd_(agec|reen|deee|donat|alert|circularity|assets_without)[a-z0-9_]*",
    )
    .unwrap();
    let mut checked = 0;
    for file in [
        "deploy/prometheus/rules.yml",
        "deploy/grafana/parcd-fleet.json",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for m in name.find_iter(&text) {
            let n = m.as_str();
            // `parcd_agec_*` in a comment names a family, not a series.
            if text[m.end()..].starts_with('*') {
                continue;
            }
            let base = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| n.strip_suffix(s))
                .unwrap_or(n);
            checked += 1;
            assert!(
                code.contains(&format!("\"{base}\"")),
                "{file} queries {n}, which parcd does not declare"
            );
        }
    }
    assert!(
        checked >= 20,
        "the AGEC row and the rules query them ({checked} found)"
    );
}

/// Every printing series the dashboard queries is one parcd declares (with its full name in
/// `src/metrics/printing.rs`, or `src/metrics/mod.rs` for the pages counter).
#[test]
fn the_dashboard_queries_only_printing_metrics_parcd_declares() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = std::fs::read_to_string(root.join("src/metrics/printing.rs")).unwrap()
        + &std::fs::read_to_string(root.join("src/metrics/mod.rs")).unwrap();
    let name = regex::Regex::new(r"parcd_print[a-z0-9_]*").unwrap();
    let text = std::fs::read_to_string(root.join("deploy/grafana/parcd-fleet.json")).unwrap();
    let mut checked = 0;
    for m in name.find_iter(&text) {
        checked += 1;
        assert!(
            code.contains(&format!("\"{}\"", m.as_str())),
            "the dashboard queries {}, which parcd does not declare",
            m.as_str()
        );
    }
    assert!(
        checked >= 8,
        "the Printing row queries them ({checked} found)"
    );
}

/// Every mail series the dashboard queries is one parcd declares (with its full name in
/// `src/metrics/mail.rs`).
#[test]
fn the_dashboard_queries_only_mail_metrics_parcd_declares() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = std::fs::read_to_string(root.join("src/metrics/mail.rs")).unwrap();
    let name = regex::Regex::new(r"parcd_mail[a-z0-9_]*").unwrap();
    let text = std::fs::read_to_string(root.join("deploy/grafana/parcd-fleet.json")).unwrap();
    let mut checked = 0;
    for m in name.find_iter(&text) {
        checked += 1;
        assert!(
            code.contains(&format!("\"{}\"", m.as_str())),
            "the dashboard queries {}, which parcd does not declare",
            m.as_str()
        );
    }
    assert!(checked >= 6, "the Mail row queries them ({checked} found)");
}
