//! The `parcd` binary as an administrator meets it.

use std::process::Command;

use crate::helpers::{free_port, parcd};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_config_with_several_mistakes_names_the_file_every_key_and_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "parcd.toml",
        r#"
        [server]
        listen = "localhost"
        [[sources]]
        name = "glpi"
        kind = "glpi"
        url = "https://glpi.example.org/apirest.php"
        user_token = "tok-5ecret"
        schedule = "0 */5 * * 1-5"
        item_types = ["Computer", "Racks"]
        [sources.status_map]
        "En production" = "working"
        "#,
    );
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&file.display().to_string()), "{err}");
    for needle in [
        "server.listen",
        "sources[0].schedule",
        "sources[0].item_types",
        "sources[0].status_map.En production",
        "Fix:",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
    assert!(!err.contains("tok-5ecret"), "a secret leaked: {err}");
}

#[test]
fn check_config_prints_the_resolved_config_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(&dir, "token", "file-5ecret-token\n");
    let file = write(
        &dir,
        "parcd.toml",
        &format!(
            r#"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            url = "https://glpi.example.org/apirest.php"
            user_token_file = "{}"
            app_token_env = "TEST_APP_TOKEN"
            "#,
            token.display()
        ),
    );
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .env("TEST_APP_TOKEN", "env-5ecret-token")
        .env("PARCD__SERVER__LISTEN", "127.0.0.1:19999")
        .env(
            "PARCD__DATABASE__URL",
            "postgres://parcd:db-5ecret@db.example.org/parcd",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("listen = \"127.0.0.1:19999\""),
        "environment overrides apply: {text}"
    );
    assert!(
        text.contains("\"en production\" = \"in_service\""),
        "default status map listed: {text}"
    );
    for secret in ["file-5ecret-token", "env-5ecret-token", "db-5ecret"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(text.contains("user_token = \"[REDACTED]\""));
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let out = parcd()
        .args(["--config", "/nonexistent/parcd.toml", "run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/parcd.toml") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
fn migrate_creates_the_embedded_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let out = parcd()
        .arg("migrate")
        .env("PARCD__DATABASE__URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.is_file());
}

fn get(url: &str) -> Option<(u16, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::get(url).await.ok()?;
        Some((r.status().as_u16(), r.text().await.ok()?))
    })
}

fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out after {secs} s waiting for: {what}");
}

#[test]
fn the_daemon_logs_json_without_secrets_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Nothing listens on port 9 of loopback: the source fails with a connect error.
    let file = write(
        &dir,
        "parcd.toml",
        &format!(
            r#"
            [server]
            listen = "127.0.0.1:{port}"
            [database]
            url = "sqlite://{}/parcd.db"
            [log]
            format = "json"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            url = "http://127.0.0.1:9/apirest.php"
            user_token = "log-5ecret-token"
            app_token = "log-5ecret-app"
            "#,
            dir.path().display()
        ),
    );
    let child = parcd()
        .arg("--config")
        .arg(&file)
        .arg("run")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    wait_for(30, "the failed poll is counted", || {
        get(&metrics).is_some_and(|(_, t)| {
            t.contains(r#"parcd_source_errors_total{error_type="connect",source="glpi"} 1"#)
        })
    });
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/readyz")).map(|r| r.0),
        Some(200)
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "SIGTERM ends the daemon cleanly: {:?}",
        out.status
    );
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{logs}");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("level").is_some(), "{line}");
    }
    assert!(
        logs.contains("sync failed") && logs.contains("glpi"),
        "the error names the source: {logs}"
    );
    assert!(
        logs.contains("\"stopped\"") || logs.contains("stopped"),
        "{logs}"
    );
    for secret in ["log-5ecret-token", "log-5ecret-app"] {
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
    }
}

#[test]
fn the_demo_runs_the_real_path_and_stores_the_simulated_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let port = free_port();
    let out = parcd()
        .args([
            "demo",
            "--assets",
            "400",
            "--duration",
            "6",
            "--change-every",
            "1",
        ])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--database", &format!("sqlite://{}", db.display())])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = parcd::store::Store::open(&format!("sqlite://{}", db.display()), 1)
            .await
            .unwrap();
        let (live, _) = store.asset_totals("demo-glpi").await.unwrap();
        assert!(live >= 390, "the demo fleet is stored: {live}");
        let kinds = store.event_counts("demo-glpi").await.unwrap();
        assert!(
            kinds.get("first_seen").copied().unwrap_or(0) >= 390,
            "{kinds:?}"
        );
    });
}

#[test]
fn the_shipped_example_configuration_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/parcd.example.toml");
    let out = parcd()
        .args(["--config", example, "check-config"])
        .env("PARCD_GLPI_APP_TOKEN", "example-app-token")
        .env("PARCD_GLPI_USER_TOKEN", "example-user-token")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("example-user-token"));
}
