//! The web view at `/`, on the demo: `parcd demo` started as a newcomer would, its address
//! given by `PARCD__SERVER__LISTEN` alone and closed by a token from `PARCD__SERVER__TOKEN`
//! (the demo layers every `PARCD__…` variable over its configuration, as `run` does); the
//! inputs the view refuses (a 4xx HTML page, never a 5xx); then the browser test, `tests/web/check.cjs`, in Debian's headless Chromium
//! through playwright-core with axe-core (installed by tests/run.sh into target/web-node):
//! every page loads, every chart renders, the figures shown equal the API's, the what-if
//! and the entity filter answer, the keyboard reaches the form, no serious or critical WCAG
//! violation. Its screenshots go to `PARCD_SCREENSHOTS_DIR` when set.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::helpers::*;
use crate::on_both_backends;

/// The demo's token, from the environment.
const TOKEN: &str = "web-view-demo-token-0123456789";

/// Pages the view refuses, with the status it answers.
fn refused(long: &str) -> Vec<(String, u16)> {
    let mut cases: Vec<(String, u16)> = [
        ("/?foo=1", 400),
        ("/?lang=de", 400),
        ("/?entity=Nowhere%20at%20all", 404),
        ("/?entity=a&entity=b", 400),
        ("/history?months=0", 400),
        ("/history?months=1000", 400),
        ("/history?indicator=happiness", 400),
        ("/circularity?year=abc", 400),
        ("/circularity?year=99999", 400),
        ("/printing?year=2999", 400),
        ("/printing?year=2026-02-30", 400),
        ("/mail?year=1999", 400),
        ("/mail?month=2026-01", 400),
        ("/what-if?laptop=0", 400),
        ("/what-if?laptop=1000", 400),
        ("/what-if?laptop=seven", 400),
        ("/what-if?laptop=7%26lifespan%3Ddesktop%3D1", 400),
        ("/what-if?toaster=3", 400),
        ("/sources?verbose=1", 400),
        ("/no/such/page", 404),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_string(), s))
    .collect();
    cases.push((format!("/?entity={long}"), 414));
    cases
}

async fn the_web_view_shows_the_apis_figures_in_a_browser(db: EmptyDb) {
    let modules = std::env::var("PARCD_WEB_NODE_MODULES").unwrap_or_else(|_| {
        format!(
            "{}/target/web-node/node_modules",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    assert!(
        Path::new(&modules).join("playwright-core").is_dir()
            && Path::new(&modules).join("axe-core").is_dir(),
        "playwright-core and axe-core are missing from {modules}: run tests/run.sh, which installs them"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Debian's chromium is missing: run tests/run.sh, which installs it"
    );

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let cwd = tempfile::tempdir().unwrap();
    let mut demo = tokio::process::Command::from(parcd())
        .current_dir(cwd.path())
        .env("PARCD__SERVER__LISTEN", &listen)
        .env("PARCD__SERVER__TOKEN", TOKEN)
        .args([
            "demo",
            "--assets",
            "400",
            "--duration",
            "900",
            // A still fleet: the page and the API are read a moment apart.
            "--change-every",
            "100000",
            "--database",
            &db.url,
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("parcd demo starts");

    // The demo listens where the environment says, and fills in: the fleet, then the SNMP
    // printers' first readings.
    let year = chrono::Utc::now().format("%Y").to_string();
    let client = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {TOKEN}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    eventually(
        180,
        "the demo's fleet, printers and mailboxes are read",
        || async {
            let Ok(r) = client.get(format!("{base}/api/v1/indicators")).send().await else {
                return false;
            };
            let Ok(ind) = r.json::<serde_json::Value>().await else {
                return false;
            };
            let Ok(r) = client
                .get(format!("{base}/api/v1/printing?year={year}"))
                .send()
                .await
            else {
                return false;
            };
            let Ok(printing) = r.json::<serde_json::Value>().await else {
                return false;
            };
            let Ok(r) = client
                .get(format!("{base}/api/v1/mail?year={year}"))
                .send()
                .await
            else {
                return false;
            };
            let Ok(mail) = r.json::<serde_json::Value>().await else {
                return false;
            };
            ind["total"]["devices"].as_u64().unwrap_or(0) >= 390
                && printing["total"]["printers_responding"]
                    .as_u64()
                    .unwrap_or(0)
                    > 0
                && mail["total"]["mailboxes"].as_u64().unwrap_or(0) > 0
        },
    )
    .await;

    // The token the environment set closes the view and the API alike.
    for path in ["/", "/api/v1/indicators"] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{path} without the token");
    }
    let page = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<html lang="fr">"#), "French by default");
    let english = client
        .get(format!("{base}/"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains(r#"<html lang="en">"#),
        "English when asked"
    );

    for (path, status) in refused(&"x".repeat(5000)) {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        let got = r.status().as_u16();
        let html = r
            .headers()
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/html"));
        let body = r.text().await.unwrap();
        let shown: String = path.chars().take(80).collect();
        assert_eq!(got, status, "{shown}: {body}");
        assert!(html && body.contains(r#"role="alert""#), "{shown}: {body}");
    }

    // The REEN review of the demo's database, through the configuration the demo wrote
    // next to it.
    let config = match db.backend {
        Backend::Sqlite => {
            Path::new(db.url.strip_prefix("sqlite://").unwrap()).with_file_name("parcd-demo.toml")
        }
        Backend::Postgres => cwd.path().join("parcd-demo.toml"),
    };
    let review = cwd.path().join("reen.html");
    let made = tokio::process::Command::from(parcd())
        .arg("--config")
        .arg(&config)
        .args(["report", "reen", "--year", &year, "--out"])
        .arg(&review)
        .output()
        .await
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let html = std::fs::read_to_string(&review).unwrap();
    assert!(
        html.matches(r#"role="img""#).count() >= 3,
        "charts in the review"
    );

    let screens = std::env::var("PARCD_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| cwd.path().join("screens"))
        .join(match db.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/check.cjs");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&base)
        .arg(&screens)
        .arg(&review)
        .env("NODE_PATH", &modules)
        .env("PARCD_TOKEN", TOKEN)
        .output()
        .await
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(
        out.status.success() && report.contains("all checks passed"),
        "{report}"
    );
    assert!(
        report.contains("what-if: ") && report.contains("entity filter: the overview"),
        "{report}"
    );
    assert!(screens.join("overview.png").is_file());
    assert!(screens.join("reen-report.png").is_file());

    // The web view is the first address the demo gives, and its configuration is next to
    // its database, naming the address it serves.
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &demo.id().expect("running").to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut stderr = String::new();
    use tokio::io::AsyncReadExt;
    demo.stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(demo.wait().await.unwrap().success(), "{stderr}");
    let first = stderr
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_default();
    assert_eq!(first, format!("http://{listen}/"), "{stderr}");
    let text = std::fs::read_to_string(&config)
        .unwrap_or_else(|e| panic!("{}: {e}\n{stderr}", config.display()));
    assert!(text.contains(&format!("listen = \"{listen}\"")), "{text}");
    // The variables it took are named in it, their values (a token here) never.
    assert!(
        text.contains("PARCD__SERVER__TOKEN") && !text.contains(TOKEN),
        "{text}"
    );
}

on_both_backends! {
    web_view => the_web_view_shows_the_apis_figures_in_a_browser with EmptyDb;
}
