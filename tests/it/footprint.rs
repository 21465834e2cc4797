//! `parcd estimate` as a user meets it, and the footprint model against a running BoaviztAPI
//! (in `footprint/boaviztapi.rs`).

mod boaviztapi;

use std::process::Output;

use serde_json::Value;

use crate::helpers::parcd;

fn estimate(args: &[&str]) -> Output {
    parcd().arg("estimate").args(args).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn estimate_json_reproduces_the_boaviztapi_laptop_vector() {
    // footprint.md §1.6 (laptop_explicit.json): FRA, 1 year, 20 W, ratio 0.25 → 45.25 and 4.292.
    let out = estimate(&[
        "--class",
        "laptop",
        "--avg-power-w",
        "20",
        "--use-ratio",
        "0.25",
        "--hours",
        "8760",
        "--location",
        "FRA",
        "--electricity",
        "boaviztapi",
        "--json",
    ]);
    let v = json_of(&out);
    let gwp_embodied = v["embodied"]["gwp"].as_f64().unwrap();
    let gwp_use = v["use"]["gwp"].as_f64().unwrap();
    assert!((gwp_embodied - 45.25).abs() < 1e-9, "{v}");
    assert!((gwp_use - 4.292).abs() / 4.292 < 0.005, "{v}");
    assert!(
        v["embodied"].get("pe").is_none(),
        "BoaviztAPI has no embodied pe for terminals"
    );
    assert_eq!(v["units"]["gwp"], "kgCO2e");
    assert_eq!(v["units"]["adpe"], "kgSbeq");
    assert_eq!(
        v["basis"]["electricity"]["gwp"]["source"],
        "boaviztapi-elec-scarlat-2019"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let keys: Vec<usize> = ["\"embodied\"", "\"use\"", "\"units\"", "\"basis\""]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "key order: {text}");
}

#[test]
fn the_default_french_electricity_is_ademe_and_says_so() {
    let v = json_of(&estimate(&[
        "--class", "desktop", "--hours", "8760", "--year", "2024", "--json",
    ]));
    let gwp = &v["basis"]["electricity"]["gwp"];
    assert_eq!(gwp["dataset"], "ademe");
    assert_eq!(gwp["value"], 0.0519);
    // 175 W × 0.3 × 8760 h = 459.9 kWh at 0.0519 kgCO2e/kWh (footprint.md §1.5, §2.1).
    let expected = 0.175 * 0.3 * 8760.0 * 0.0519;
    assert!((v["use"]["gwp"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(v["basis"]["electricity"]["adpe"]["dataset"], "boaviztapi");
}

#[test]
fn estimate_without_json_prints_a_table_with_units_and_sources() {
    let out = estimate(&["--class", "monitor", "--hours", "8760", "--location", "DEU"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "criterion",
        "kgCO2e",
        "kgSbeq",
        "gwp boaviztapi DEU",
        "boaviztapi-devices",
        "factor set:",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}

#[test]
fn a_reconditioned_device_is_charged_the_configured_share() {
    let args = ["--class", "smartphone", "--hours", "21900", "--json"];
    let new = json_of(&estimate(&args));
    let mut reco = parcd();
    reco.env("PARCD__FOOTPRINT__RECONDITIONED_EMBODIED_SHARE", "0.2")
        .arg("estimate")
        .args(args)
        .arg("--reconditioned");
    let reco = json_of(&reco.output().unwrap());
    let (n, r) = (
        new["embodied"]["gwp"].as_f64().unwrap(),
        reco["embodied"]["gwp"].as_f64().unwrap(),
    );
    assert!((r - 0.2 * n).abs() < 1e-9, "{n} {r}");
    assert_eq!(reco["basis"]["reconditioned_embodied_share"], 0.2);
    assert_eq!(new["use"], reco["use"]);
}

#[test]
fn estimate_help_documents_the_units() {
    let out = estimate(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "kgCO2e",
        "kgSbeq",
        "MJ",
        "water L",
        "--avg-power-w",
        "--lifespan-hours",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}

#[test]
fn bad_input_is_refused_with_what_is_wrong_and_the_fix_never_a_nan() {
    let cases: [(&[&str], &str); 8] = [
        (&["--class", "scanner"], "unknown asset class \"scanner\""),
        (
            &["--class", "laptop", "--avg-power-w", "-5"],
            "avg_power_w = -5 is negative",
        ),
        (
            &["--class", "laptop", "--avg-power-w", "250000"],
            "avg_power_w = 250000 is above",
        ),
        (
            &["--class", "laptop", "--lifespan-hours", "0"],
            "lifespan_hours = 0 is not above 0",
        ),
        (
            &["--class", "laptop", "--use-ratio", "NaN"],
            "use_ratio = NaN is not a number",
        ),
        (
            &["--class", "laptop", "--location", "ATL"],
            "no electricity factor for \"ATL\"",
        ),
        (&["--class", "other"], "no embodied factor for class other"),
        (
            &["--class", "laptop", "--electricity", "rte"],
            "unknown electricity dataset",
        ),
    ];
    for (args, expected) in cases {
        let mut all = args.to_vec();
        all.extend(["--hours", "8760", "--json"]);
        let out = estimate(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("Fix:"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
    }
}

#[test]
fn a_factor_file_overrides_the_built_in_set_and_its_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("factors.toml");
    std::fs::write(
        &good,
        r#"
        [sources.dsi-2026]
        title = "DSI renewal policy"
        date = "2026-01-15"

        [classes.laptop]
        lifespan = { value = 7, unit = "y", source = "dsi-2026" }
        "#,
    )
    .unwrap();
    let mut c = parcd();
    c.env("PARCD__FOOTPRINT__FACTORS_FILE", &good)
        .args(["estimate", "--class", "laptop", "--hours", "8760", "--json"]);
    let v = json_of(&c.output().unwrap());
    assert_eq!(v["basis"]["lifespan_hours"], 61320.0);
    assert_eq!(v["basis"]["lifespan_source"], "dsi-2026");
    assert!((v["embodied"]["gwp"].as_f64().unwrap() - 181.0 / 7.0).abs() < 1e-9);

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[classes.laptop.embodied]\ngwp = { value = 150 }\n[sources.memo]\ntitle = \"memo\"\n",
    )
    .unwrap();
    let out = parcd()
        .env("PARCD__FOOTPRINT__FACTORS_FILE", &bad)
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "footprint.factors_file",
        "bad.toml",
        "classes.laptop.embodied.gwp.unit is missing",
        "classes.laptop.embodied.gwp.source is missing",
        "sources.memo.date is missing",
        "Fix:",
    ] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
}

#[test]
fn check_config_shows_the_footprint_section() {
    let out = parcd().arg("check-config").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "[footprint]",
        "reconditioned_embodied_share = 0.13",
        "electricity = [\"ademe\", \"boaviztapi\"]",
        "location = \"FRA\"",
        "boaviztapi (139 zones)",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}
