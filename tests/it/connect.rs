//! `parcd check-config --connect`: each source tried, one line per source saying what
//! works and what does not, no secret shown, exit 1 when one fails; for inventory sources
//! (the GLPI simulator) and mail sources (a real Dovecot through doveadm and IMAP).

use std::process::Output;

use parcd_fakes::doveadm::{API_KEY, Dovecot, PASSWORD, TestUser};

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

/// A master passdb (Dovecot's master users) beside the users' own, as an IMAP source needs.
fn dovecot_with_master(dir: &std::path::Path) -> Dovecot {
    use std::os::unix::fs::PermissionsExt;
    let masters = dir.join("masters");
    std::fs::write(&masters, format!("{MASTER}:{{PLAIN}}{MASTER_PW}::::::\n")).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&masters, std::fs::Permissions::from_mode(0o644)).unwrap();
    let conf = format!(
        "passdb {{\n  driver = passwd-file\n  master = yes\n  args = scheme=PLAIN {}\n  \
         result_success = continue\n}}\n",
        masters.display()
    );
    Dovecot::start_with(
        &[
            TestUser::new("anne@montcalme.fr"),
            TestUser::new("bruno@valdebrume.fr"),
        ],
        None,
        &conf,
    )
}

const MASTER: &str = "parcd-admin";
const MASTER_PW: &str = "it-master-pw-6610";
const WRONG_KEY: &str = "it-wrong-doveadm-key-3392";
const WRONG_PASSWORD: &str = "it-wrong-doveadm-pw-7714";
const WRONG_MASTER_PW: &str = "it-wrong-master-pw-2285";

fn imap_source(name: &str, port: u16, master_password: &str) -> String {
    format!(
        r#"
        [[sources]]
        name = "{name}"
        kind = "imap"
        host = "127.0.0.1"
        port = {port}
        tls = "none"
        master_user = "{MASTER}"
        master_password = "{master_password}"
        mailboxes = ["anne@montcalme.fr", "bruno@valdebrume.fr"]
        timeout_seconds = 10
        "#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_connect_says_per_mail_source_what_works_and_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dovecot_with_master(dir.path());
    let mut stopped = Dovecot::start(&[TestUser::new("dan@montcalme.fr")], None);
    let stopped_url = stopped.url(false);
    stopped.stop();
    let url = d.url(false);
    let config = format!(
        r#"
        [[sources]]
        name = "dovecot-ok"
        kind = "doveadm"
        url = "{url}"
        api_key = "{API_KEY}"

        [[sources]]
        name = "dovecot-password-ok"
        kind = "doveadm"
        url = "{url}"
        password = "{PASSWORD}"

        [[sources]]
        name = "dovecot-wrong-key"
        kind = "doveadm"
        url = "{url}"
        api_key = "{WRONG_KEY}"

        [[sources]]
        name = "dovecot-wrong-password"
        kind = "doveadm"
        url = "{url}"
        password = "{WRONG_PASSWORD}"

        [[sources]]
        name = "dovecot-down"
        kind = "doveadm"
        url = "{stopped_url}"
        api_key = "{API_KEY}"
        timeout_seconds = 5
        {imap_ok}{imap_wrong}"#,
        imap_ok = imap_source("imap-ok", d.imap_port, MASTER_PW),
        imap_wrong = imap_source("imap-wrong-master", d.imap_port, WRONG_MASTER_PW),
    );
    let out = check_connect(config).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("# source {name} ")))
            .unwrap_or_else(|| panic!("no line for {name}: {stdout}"))
            .to_string()
    };
    for ok in ["dovecot-ok", "dovecot-password-ok", "imap-ok"] {
        assert!(line(ok).ends_with(": ok"), "{}", line(ok));
    }
    assert!(
        line("dovecot-ok").contains("(doveadm, telemetry)"),
        "{}",
        line("dovecot-ok")
    );
    let wrong_key = line("dovecot-wrong-key");
    assert!(wrong_key.contains("FAILED: auth:"), "{wrong_key}");
    assert!(wrong_key.contains("api_key"), "{wrong_key}");
    let wrong_password = line("dovecot-wrong-password");
    assert!(wrong_password.contains("FAILED: auth:"), "{wrong_password}");
    assert!(wrong_password.contains("password"), "{wrong_password}");
    let down = line("dovecot-down");
    assert!(down.contains("FAILED: connect:"), "{down}");
    let imap_wrong = line("imap-wrong-master");
    assert!(imap_wrong.contains("FAILED: auth:"), "{imap_wrong}");
    assert!(imap_wrong.contains("master_password"), "{imap_wrong}");
    // No secret anywhere, right or wrong, nor a mailbox's address.
    for secret in [
        API_KEY,
        PASSWORD,
        WRONG_KEY,
        WRONG_PASSWORD,
        MASTER_PW,
        WRONG_MASTER_PW,
        "anne@montcalme.fr",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} shown:\n{stdout}\n{stderr}"
        );
    }
}
