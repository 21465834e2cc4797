//! The `parcd` binary as an administrator meets it.

use std::process::Command;

fn parcd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parcd"));
    c.env_remove("PARCD_CONFIG");
    c
}

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
