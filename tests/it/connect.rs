//! `parcd check-config --connect`: each source tried, one line per source saying what
//! works and what does not, no secret shown, exit 1 when one fails.

use std::process::Output;

use crate::helpers::{TEST_USER_TOKEN, free_port, glpi, parcd};

/// Runs the binary without blocking the runtime the simulator serves on.
async fn check_connect(config: String) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcd.toml");
    std::fs::write(&path, config).unwrap();
    tokio::task::spawn_blocking(move || {
        let out = parcd()
            .args([
                "--config",
                path.to_str().unwrap(),
                "check-config",
                "--connect",
            ])
            .output()
            .unwrap();
        drop(dir);
        out
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_connect_says_per_source_what_works() {
    let sim = glpi(5).await;
    let closed = free_port();
    let config = format!(
        r#"
        [[sources]]
        name = "glpi-ok"
        kind = "glpi"
        url = "{ok}"
        user_token = "{TEST_USER_TOKEN}"

        [[sources]]
        name = "glpi-wrong-token"
        kind = "glpi"
        url = "{ok}"
        user_token = "wrong-token-5150"

        [[sources]]
        name = "glpi-down"
        kind = "glpi"
        url = "http://127.0.0.1:{closed}/apirest.php"
        user_token = "{TEST_USER_TOKEN}"
        timeout_seconds = 2
        "#,
        ok = sim.base_url()
    );
    let out = check_connect(config).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("# source glpi-ok (glpi, inventory): ok"),
        "{stdout}"
    );
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("# source {name} ")))
            .unwrap_or_else(|| panic!("no line for {name}: {stdout}"))
            .to_string()
    };
    let wrong = line("glpi-wrong-token");
    assert!(wrong.contains("FAILED: auth:"), "{wrong}");
    assert!(wrong.contains("user_token"), "{wrong}");
    let down = line("glpi-down");
    assert!(down.contains("FAILED: connect:"), "{down}");
    for secret in [TEST_USER_TOKEN, "wrong-token-5150"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_connect_exits_0_when_every_source_answers() {
    let sim = glpi(5).await;
    let config = format!(
        "[[sources]]\nname = \"glpi\"\nkind = \"glpi\"\nurl = \"{}\"\nuser_token = \"{TEST_USER_TOKEN}\"\n",
        sim.base_url()
    );
    let out = check_connect(config).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("# configuration is valid"), "{stdout}");
    assert!(
        stdout.contains("# source glpi (glpi, inventory): ok"),
        "{stdout}"
    );
}
