//! The `parcd` binary as an administrator meets it.

use std::process::Command;

use parcd::store::Store;

use crate::helpers::{
    Backend, EmptyDb, ParcdProcess, eventually, free_port, get_json, parcd, sample, sum,
};
use crate::on_both_backends;

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
        [[sources]]
        name = "glpi"
        kind = "glpi"
        url = "https://glpi.example.org/apirest.php"
        user_token = "tok-5ecret"
        "#,
    );
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .env("PARCD__DATABSE__URL", "sqlite://typo.db")
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
        // Reported with the others, not once they are fixed.
        "sources[1].name",
        "\"glpi\" names two sources",
        "set by the environment variable PARCD__DATABSE__URL",
        "Fix:",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
    assert!(!err.contains("tok-5ecret"), "a secret leaked: {err}");
}

/// An SNMP source polling an inventory's printers must name an inventory source of the
/// file: a name no source has, and a telemetry source, are refused with the file, the key
/// and the inventory sources to choose from.
#[test]
fn an_inventory_source_that_is_not_one_is_refused_with_the_key_and_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "parcd.toml",
        r#"
        [[sources]]
        name = "imprimantes-mairie"
        kind = "snmp_printers"
        community = "public-ish"
        inventory_source = "glpi-mairie"
        [[sources]]
        name = "imprimantes-ecoles"
        kind = "snmp_printers"
        community = "public-ish"
        inventory_source = "imprimantes-mairie"
        [[sources]]
        name = "glpi-main"
        kind = "glpi"
        url = "https://glpi.example.org/apirest.php"
        user_token = "tok-5ecret"
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
    for needle in [
        file.display().to_string().as_str(),
        "2 problems",
        "sources[0].inventory_source: \"glpi-mairie\" names no source of this file",
        "sources[1].inventory_source: \"imprimantes-mairie\" is a telemetry source \
         (snmp_printers)",
        "Fix: name one of the inventory sources of this file: glpi-main",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }

    // Named right, with no targets of its own, the source is valid and shows its link.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"glpi-mairie\"", "\"glpi-main\"")
        .replace(
            "inventory_source = \"imprimantes-mairie\"",
            "inventory_source = \"glpi-main\"",
        );
    std::fs::write(&file, text).unwrap();
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("inventory_source = \"glpi-main\""),
        "{stdout}"
    );
}

/// Values the libraries below would take and turn into silence or a stray schema: a log
/// level tracing reads as a module name, database URLs that name no database or no file.
#[test]
fn a_log_level_typo_and_bare_database_urls_are_refused_with_their_fix() {
    let dir = tempfile::tempdir().unwrap();
    for (level, url, needles) in [
        (
            "warning",
            "postgres://",
            &[
                "log.level",
                "\"warning\"",
                "use \"warn\"",
                "database.url",
                "names no server",
            ][..],
        ),
        (
            "verbose",
            "sqlite://",
            &["log.level", "\"verbose\"", "database.url", "names no file"][..],
        ),
        (
            "inf",
            "postgres://postgres@127.0.0.1:5432/",
            &[
                "use \"info\"",
                "names no database",
                "postgres://USER@HOST:PORT/DATABASE",
            ][..],
        ),
    ] {
        let file = write(
            &dir,
            "parcd.toml",
            &format!("[database]\nurl = \"{url}\"\n[log]\nlevel = \"{level}\"\n"),
        );
        let out = parcd()
            .arg("--config")
            .arg(&file)
            .arg("check-config")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{level}, {url}: {err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
        for needle in needles {
            assert!(err.contains(needle), "missing {needle} in:\n{err}");
        }
    }
}

/// The same typo in `RUST_LOG` is set aside, said, and the file's level kept.
#[test]
fn a_rust_log_that_is_not_a_filter_of_levels_is_set_aside_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "parcd.toml", "[log]\nlevel = \"debug\"\n");
    let out = parcd()
        .arg("--config")
        .arg(&file)
        .arg("check-config")
        .env("RUST_LOG", "warning")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("RUST_LOG is set aside")
            && err.contains("\"warning\"")
            && err.contains("level = \"debug\""),
        "{err}"
    );
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

/// A directory, a device and a file saved in Latin-1 are each said for what they are.
#[test]
fn a_config_path_that_is_no_readable_text_file_is_said_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"[database]\nurl = \"sqlite://caf\xe9.db\"\n").unwrap();
    for (path, says) in [
        (dir.path().to_path_buf(), "is a directory"),
        ("/dev/null".into(), "is not a regular file"),
        (latin1, "is not UTF-8 (byte 0xe9 at line 2, column 20)"),
    ] {
        let out = parcd()
            .arg("--config")
            .arg(&path)
            .arg("check-config")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{}: {err}", path.display());
        assert!(!err.contains("no such file"), "{err}");
    }
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

/// `parcd ARGS…` to its end, without blocking the runtime.
async fn output(command: std::process::Command) -> std::process::Output {
    let mut c = tokio::process::Command::from(command);
    c.kill_on_drop(true);
    tokio::time::timeout(std::time::Duration::from_secs(120), c.output())
        .await
        .expect("parcd finishes within 120 s")
        .expect("parcd starts")
}

/// The file an `sqlite://` URL names.
fn sqlite_file(url: &str) -> std::path::PathBuf {
    url.strip_prefix("sqlite://")
        .unwrap_or_else(|| panic!("{url} is a SQLite URL"))
        .into()
}

async fn migrate_creates_the_schema(db: EmptyDb) {
    let mut c = parcd();
    c.arg("migrate").env("PARCD__DATABASE__URL", &db.url);
    let out = output(c).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("is up to date"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    if db.backend == Backend::Sqlite {
        assert!(sqlite_file(&db.url).is_file(), "the SQLite file is created");
    }
    let store = Store::connect(&db.url, 1)
        .await
        .expect("the database opens");
    assert!(store.ready().await, "every migration is applied");
    store.close().await;
}

/// The body of an HTTP answer, or `None` while nothing answers.
async fn get(url: &str) -> Option<(u16, String)> {
    let r = reqwest::get(url).await.ok()?;
    Some((r.status().as_u16(), r.text().await.ok()?))
}

async fn the_daemon_logs_json_without_secrets_and_stops_cleanly_on_sigterm(db: EmptyDb) {
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
            url = "{}"
            [log]
            format = "json"
            [[sources]]
            name = "glpi"
            kind = "glpi"
            url = "http://127.0.0.1:9/apirest.php"
            user_token = "log-5ecret-token"
            app_token = "log-5ecret-app"
            retry_initial_seconds = 1
            retry_max_seconds = 1
            "#,
            db.url
        ),
    );
    let mut c = tokio::process::Command::from(parcd());
    let child = c
        .arg("--config")
        .arg(&file)
        .arg("run")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let errors = r#"parcd_source_errors_total{error_type="connect",source="glpi"}"#;
    let failed = || async {
        get(&metrics)
            .await
            .and_then(|(_, t)| sample(&t, errors))
            .unwrap_or(0.0)
    };
    eventually(30, "the failed poll is counted", || async {
        failed().await >= 1.0
    })
    .await;
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/readyz"))
            .await
            .map(|r| r.0),
        Some(200),
        "ready: the schema is migrated"
    );
    // SIGHUP, which would end a process that does not handle it, is logged and ignored.
    let pid = child.id().expect("running").to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let before = failed().await;
    eventually(30, "the daemon goes on polling after SIGHUP", || async {
        failed().await > before
    })
    .await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().expect("running").to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("parcd stops within 30 s of SIGTERM")
        .unwrap();
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
    assert!(logs.contains("stopped"), "{logs}");
    assert!(logs.contains("SIGHUP received and ignored"), "{logs}");
    for secret in ["log-5ecret-token", "log-5ecret-app"] {
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
    }
}

async fn the_demo_runs_the_real_path_and_stores_the_simulated_fleet(db: EmptyDb) {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let config_out = dir.path().join("parcd-demo.toml");
    let listen = format!("127.0.0.1:{port}");
    let config_path = config_out.to_str().unwrap();
    let demo = ParcdProcess::spawn(
        &[
            "demo",
            "--assets",
            "400",
            "--duration",
            "120",
            "--change-every",
            "1",
            "--listen",
            &listen,
            "--database",
            &db.url,
            "--config-out",
            config_path,
        ],
        port,
    );
    // The configuration it wrote names its printers: the demo fleet's, over SNMP.
    let found = std::cell::Cell::new(0);
    eventually(30, "the demo writes its configuration", || async {
        let text = std::fs::read_to_string(&config_out).unwrap_or_default();
        found.set(
            text.lines()
                .find(|l| l.starts_with("targets = "))
                .map_or(0, |l| l.matches("127.0.0.1:").count()),
        );
        text.contains("kind = \"snmp_printers\"") && found.get() > 0
    })
    .await;
    let targets = found.get();
    assert!(targets >= 2, "{targets} printers");

    // Within a minute the printers answer (all but the one switched off) and their pages
    // are counted, beside GLPI's log.
    let printers = r#"source="demo-printers""#;
    let last = std::cell::RefCell::new(String::new());
    eventually(60, "the SNMP printers' pages are counted", || async {
        let text = demo.metrics().await;
        *last.borrow_mut() = text.clone();
        sample(
            &text,
            &format!("parcd_source_devices_responding{{{printers}}}"),
        ) == Some(targets as f64 - 1.0)
            && sample(
                &text,
                &format!(r#"parcd_print_pages_total{{colour="all",{printers}}}"#),
            )
            .is_some_and(|p| p > 0.0)
            && sum(&text, "parcd_printers_responding") > 0.0
    })
    .await;
    let text = last.into_inner();
    assert_eq!(
        sample(&text, &format!("parcd_source_devices_polled{{{printers}}}")),
        Some(targets as f64)
    );
    for colour in ["colour", "mono"] {
        let pages = sample(
            &text,
            &format!(r#"parcd_print_pages_total{{colour="{colour}",{printers}}}"#),
        );
        assert!(pages.is_some(), "{colour} pages from SNMP:\n{text}");
    }
    let year = chrono::Local::now().format("%Y").to_string();
    let printing = get_json(&format!("http://{listen}/api/v1/printing?year={year}")).await;
    assert_eq!(
        printing["total"]["printers_responding"],
        serde_json::json!(targets - 1),
        "{printing}"
    );
    // The communes' mail, from the simulated Dovecot through the doveadm connector.
    eventually(
        60,
        "the demo's mailboxes are counted per commune",
        || async {
            let text = demo.metrics().await;
            let n = sum(&text, "parcd_mail_mailboxes");
            n > 0.0 && n % 40.0 == 0.0 && sum(&text, "parcd_mail_entity_stored_bytes") > 0.0
        },
    )
    .await;
    let mail = get_json(&format!("http://{listen}/api/v1/mail")).await;
    assert!(
        mail["total"]["footprint"]["storage_kgco2e_per_year"]["central"]
            .as_f64()
            .is_some_and(|v| v > 0.0),
        "{mail}"
    );
    assert!(!mail.to_string().contains("agent0"), "{mail}");
    let logs = demo.stop().await;
    assert!(logs.contains("answer SNMP v2c on 127.0.0.1"), "{logs}");

    let store = Store::open(&db.url, 1).await.unwrap();
    // Every device of the demo fleet was stored, live or vanished since: the fleet loses a
    // few devices a second, so the live count alone depends on how long the test took.
    let (live, gone) = store.asset_totals("demo-glpi").await.unwrap();
    assert!(
        live + gone >= 390,
        "the demo fleet is stored: {live} live, {gone} vanished"
    );
    let kinds = store.event_counts("demo-glpi").await.unwrap();
    assert!(
        kinds.get("first_seen").copied().unwrap_or(0) >= 390,
        "{kinds:?}"
    );
    store.close().await;

    // The REEN review of the demo's database, with the configuration it wrote.
    let out = tokio::task::spawn_blocking({
        let config = config_out.clone();
        move || {
            parcd()
                .arg("--config")
                .arg(&config)
                .args(["report", "reen", "--year", &year, "--format", "csv"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cell = |indicator: &str| -> f64 {
        let prefix = format!("printing,{indicator},");
        csv.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no printing,{indicator} row:\n{csv}"))
    };
    assert_eq!(cell("printers_responding"), targets as f64 - 1.0);
    assert!(cell("printers_read") >= targets as f64 - 1.0, "{csv}");
    assert!(cell("pages") > 0.0, "{csv}");
}

on_both_backends! {
    migrate_creates_the_database => migrate_creates_the_schema with EmptyDb;
    daemon_logs_and_sigterm => the_daemon_logs_json_without_secrets_and_stops_cleanly_on_sigterm with EmptyDb;
    demo => the_demo_runs_the_real_path_and_stores_the_simulated_fleet with EmptyDb;
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

/// The example's commented blocks of other kinds, taken in: every key they show is a key
/// parcd accepts, with a value it accepts.
#[test]
fn the_example_blocks_of_other_kinds_are_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/parcd.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let (head, blocks) = text
        .split_once("## Other kinds of source.")
        .expect("the example has a section of other kinds");
    let mut config = head.to_string();
    let mut kinds = Vec::new();
    for line in blocks.lines() {
        if let Some(code) = line.strip_prefix("# ")
            && !line.starts_with("##")
        {
            if let Some(kind) = code.strip_prefix("kind = ") {
                kinds.push(kind.trim_matches('"').to_string());
            }
            config.push_str(code);
            config.push('\n');
        }
    }
    for kind in [
        "snipeit",
        "inventory_file",
        "snmp_printers",
        "doveadm",
        "m365",
        "imap",
    ] {
        assert!(kinds.contains(&kind.to_string()), "{kinds:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parcd.toml");
    std::fs::write(&file, &config).unwrap();
    // The spreadsheet the inventory_file block names, relative to the working directory.
    std::fs::create_dir(dir.path().join("inventaire")).unwrap();
    parcd_fakes::inventory_file::Fleet::generate(&parcd_fakes::inventory_file::FleetSpec {
        devices: 20,
        seed: 1,
    })
    .write_xlsx(
        &dir.path().join("inventaire/parc.xlsx"),
        &parcd_fakes::inventory_file::XlsxOptions::default(),
    )
    .unwrap();
    let out = parcd()
        .current_dir(dir.path())
        .args(["--config", file.to_str().unwrap(), "check-config"])
        .env("PARCD_GLPI_APP_TOKEN", "example-app-token")
        .env("PARCD_GLPI_USER_TOKEN", "example-user-token")
        .env("PARCD_SNIPEIT_API_TOKEN", "example-snipe-token")
        .env("PARCD_SNMP_COMMUNITY", "example-community")
        .env("PARCD_M365_CLIENT_SECRET", "example-m365-secret")
        .env("PARCD_IMAP_MASTER_PASSWORD", "example-imap-master")
        .env("PARCD_DOVEADM_API_KEY", "example-doveadm-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{config}",
        String::from_utf8_lossy(&out.stderr)
    );
    for kind in &kinds {
        assert!(
            stdout.contains(&format!("kind = \"{kind}\"")),
            "{kind} in:\n{stdout}"
        );
    }
    for secret in [
        "example-snipe-token",
        "example-community",
        "example-m365-secret",
        "example-imap-master",
        "accueil@valdelys.example",
        "example-doveadm-key",
    ] {
        assert!(!stdout.contains(secret), "{secret} in:\n{stdout}");
    }
}
