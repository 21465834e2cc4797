//! The API described and guarded: its OpenAPI document, fuzzed by schemathesis against a
//! running daemon that holds a fleet; the bearer token of `[server] token`; bad input
//! answered with a JSON 4xx, never a 5xx; the token never in a log or in `check-config`.
//!
//! `tests/run.sh` installs schemathesis into target/schemathesis-venv and exports
//! `PARCD_SCHEMATHESIS_BIN`.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{EmptyDb, ParcdProcess, config_text, eventually, free_port, glpi, parcd};
use crate::on_both_backends;

const TOKEN: &str = "api-t0ken-4f9c2e7b1d";
const WRONG: &str = "api-t0ken-guessed-0000";

fn schemathesis() -> PathBuf {
    let bin = std::env::var("PARCD_SCHEMATHESIS_BIN").map_or_else(
        |_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/schemathesis-venv/bin/schemathesis")
        },
        PathBuf::from,
    );
    assert!(
        bin.is_file(),
        "no schemathesis at {}: run tests/run.sh, which installs it into target/schemathesis-venv \
         (or set PARCD_SCHEMATHESIS_BIN)",
        bin.display()
    );
    bin
}

/// A GET with the token, or with `auth` as the whole Authorization header.
async fn get(url: &str, auth: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new().get(url);
    if let Some(a) = auth {
        r = r.header("Authorization", a);
    }
    r.send().await.unwrap()
}

/// A 4xx whose body is `{"error": "..."}` with `says` in it.
async fn json_error(r: reqwest::Response, status: u16, says: &str) {
    let url = r.url().to_string();
    assert_eq!(r.status().as_u16(), status, "{url}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{url}: {ct}");
    let body: Value = r.json().await.unwrap();
    let error = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{url}: {body}"));
    assert!(error.contains(says), "{url}: {error}");
}

async fn the_api_is_described_guarded_and_survives_fuzzing(db: EmptyDb) {
    let sim = glpi(300).await;
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("api-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let text = config_text(&db.url, &sim.base_url(), "").replacen(
        "listen = \"127.0.0.1:0\"",
        &format!(
            "listen = \"127.0.0.1:{port}\"\ntoken_file = \"{}\"",
            token_file.display()
        ),
        1,
    );
    let config = dir.path().join("parcd.toml");
    std::fs::write(&config, text).unwrap();
    let daemon = ParcdProcess::run(&config, port);
    let base = daemon.base.clone();
    let bearer = format!("Bearer {TOKEN}");
    let auth = Some(bearer.as_str());

    eventually(
        60,
        "the fleet is read and the indicators computed",
        || async {
            let Ok(r) = reqwest::Client::new()
                .get(format!("{base}/api/v1/sources"))
                .header("Authorization", &bearer)
                .send()
                .await
            else {
                return false;
            };
            let sources: Value = r.json().await.unwrap_or_default();
            sources[0]["live_assets"].as_i64().unwrap_or(0) > 0
                && get(&format!("{base}/api/v1/indicators"), auth)
                    .await
                    .status()
                    == StatusCode::OK
        },
    )
    .await;

    // The probes and /metrics answer without the token; everything else asks for it.
    for open in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(
            get(&format!("{base}{open}"), None).await.status(),
            200,
            "{open}"
        );
    }
    for path in [
        "/api/v1/sources",
        "/api/v1/openapi.json",
        "/",
        "/no/such/page",
    ] {
        let r = get(&format!("{base}{path}"), None).await;
        assert_eq!(
            r.headers()["www-authenticate"].to_str().unwrap(),
            r#"Bearer realm="parcd""#
        );
        json_error(r, 401, "Authorization: Bearer").await;
        let r = get(&format!("{base}{path}"), Some(&format!("Bearer {WRONG}"))).await;
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains(r#"error="invalid_token""#)
        );
        json_error(r, 401, "not the one set in [server] token").await;
        let r = get(&format!("{base}{path}"), Some(&format!("Basic {TOKEN}"))).await;
        assert_eq!(r.status(), 401, "another scheme than Bearer: {path}");
    }
    let lower = format!("bearer {TOKEN}");
    assert_eq!(
        get(&format!("{base}/api/v1/sources"), Some(&lower))
            .await
            .status(),
        200
    );

    // The document lists every endpoint with its parameters and error bodies.
    let doc: Value = get(&format!("{base}/api/v1/openapi.json"), auth)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    for path in [
        "/api/v1/sources",
        "/api/v1/indicators",
        "/api/v1/simulate",
        "/api/v1/printing",
        "/api/v1/mail",
        "/api/v1/agec",
        "/api/v1/alerts",
        "/api/v1/openapi.json",
    ] {
        let op = &doc["paths"][path]["get"];
        assert!(op["responses"]["200"].is_object(), "{path}: {op}");
        assert!(op["responses"]["401"].is_object(), "{path}: {op}");
    }
    for (path, param) in [
        ("/api/v1/indicators", "at"),
        ("/api/v1/printing", "year"),
        ("/api/v1/printing", "month"),
        ("/api/v1/mail", "year"),
        ("/api/v1/mail", "month"),
        ("/api/v1/agec", "year"),
        ("/api/v1/agec", "list"),
        ("/api/v1/simulate", "lifespan"),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(params.iter().any(|p| p["name"] == param), "{path} {param}");
        let bad = &doc["paths"][path]["get"]["responses"]["400"]["content"]["application/json"];
        assert!(bad.is_object(), "{path}: the 400 body is described");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    // Bad input: a clear JSON 4xx, never a 5xx.
    for (path, status, says) in [
        ("/api/v1/agec?yaer=2026", 400, "unknown field `yaer`"),
        ("/api/v1/agec?year=twenty", 400, "year"),
        ("/api/v1/agec?year=99999999999", 400, "year"),
        ("/api/v1/agec?year=1999", 400, "out of range"),
        ("/api/v1/agec?list=-1", 400, "list"),
        (
            "/api/v1/agec?list=100001",
            400,
            "list=100001 is out of range",
        ),
        ("/api/v1/indicators?at=2026-02-30", 400, "not a date"),
        (
            "/api/v1/indicators?on=2026-01-01",
            400,
            "unknown field `on`",
        ),
        ("/api/v1/printing?month=2026-13", 400, "not a month"),
        ("/api/v1/printing?year=2026&month=2026-01", 400, "not both"),
        ("/api/v1/printing?year=1066", 400, "out of range"),
        ("/api/v1/simulate?lifespan=laptop=1000y", 400, "30 years"),
        ("/api/v1/simulate?lifespan=laptop=0y", 400, "30 years"),
        ("/api/v1/simulate?lifespan=toaster=7y", 400, "toaster"),
        ("/api/v1/simulate?span=laptop=7y", 400, "unknown parameter"),
        ("/api/v1/nothing/here", 404, "/api/v1/openapi.json"),
    ] {
        json_error(get(&format!("{base}{path}"), auth).await, status, says).await;
    }
    let posted = reqwest::Client::new()
        .post(format!("{base}/api/v1/sources"))
        .header("Authorization", &bearer)
        .body("x".repeat(10_000))
        .send()
        .await
        .unwrap();
    json_error(posted, 405, "read-only").await;
    let huge = format!("{base}/api/v1/indicators?at={}", "9".repeat(20_000));
    json_error(get(&huge, auth).await, 414, "over the 8192").await;
    // A huge header: read whole and refused with the same JSON error as the rest, token or
    // not, on the API and on a page.
    for (path, auth) in [("/api/v1/sources", auth), ("/", None)] {
        let mut request = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("X-Filler", "x".repeat(300 * 1024));
        if let Some(a) = auth {
            request = request.header("Authorization", a);
        }
        let r = request.send().await.unwrap();
        json_error(r, 431, "over the 65536 parcd reads").await;
    }
    // Past what the server reads at all: its own refusal, explained as well, when the client
    // reads it before its connection is reset for the bytes it was still sending.
    let past = reqwest::Client::new()
        .get(format!("{base}/api/v1/sources"))
        .header("Authorization", &bearer)
        .header("X-Filler", "x".repeat(3 << 20))
        .send()
        .await;
    if let Ok(r) = past {
        json_error(r, 431, "send fewer or shorter headers").await;
    }

    // schemathesis: the documented examples, the boundaries of every parameter and random
    // input; no 5xx, every status, header, content type and body as documented.
    let out = tokio::process::Command::new(schemathesis())
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: {bearer}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance,negative_data_rejection",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "60",
            "--seed",
            "2026",
            "--workers",
            "2",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .current_dir(dir.path())
        .output()
        .await
        .expect("schemathesis runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}"
    );
    // Every operation was tested, with a few hundred requests in all.
    let generated: usize = regex::Regex::new(r"(\d+) generated, \d+ passed")
        .unwrap()
        .captures(&report)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or(0);
    assert!(generated >= 200, "{generated} test cases:\n{report}");
    // Every operation of the document was tested, the seven endpoints of the API at least.
    let count = |pattern: &str| -> usize {
        regex::Regex::new(pattern)
            .unwrap()
            .captures(&report)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or(0)
    };
    let (total, tested) = (count(r"Selected: \d+/(\d+)"), count(r"Tested: (\d+)"));
    assert!(
        total >= 7 && tested == total,
        "{tested} of {total}:\n{report}"
    );

    let logs = daemon.stop().await;
    for secret in [TOKEN, WRONG] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
}

on_both_backends! {
    api_described_guarded_and_fuzzed => the_api_is_described_guarded_and_survives_fuzzing with EmptyDb;
}

/// `check-config` hides the token, refuses one too short to resist guessing without
/// printing it, and warns when `listen` is reachable from other machines with no token.
#[test]
fn check_config_hides_the_token_and_warns_on_an_open_listen() {
    let dir = tempfile::tempdir().unwrap();
    let check = |server: &str| {
        let file = dir.path().join("parcd.toml");
        std::fs::write(&file, format!("[server]\n{server}\n")).unwrap();
        let out = parcd()
            .args(["--config", file.to_str().unwrap(), "check-config"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, _, err) = check("listen = \"0.0.0.0:9478\"");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: [server] listen = \"0.0.0.0:9478\" is not a loopback address and no [server] token is set"),
        "{err}"
    );

    let (code, out, err) = check(&format!("listen = \"0.0.0.0:9478\"\ntoken = \"{TOKEN}\""));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("token = <hidden>"), "{out}");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}{err}");
    assert!(!err.contains("warning"), "{err}");

    let (code, _, err) = check("listen = \"127.0.0.1:9478\"");
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("warning"), "loopback needs no token: {err}");

    let (code, out, err) = check("token = \"s3cret-short\"");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("server.token: is 12 characters long"), "{err}");
    assert!(
        !out.contains("s3cret-short") && !err.contains("s3cret-short"),
        "{err}"
    );

    let (code, _, err) = check("token_for_metrics = true");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("server.token_for_metrics"), "{err}");
}
