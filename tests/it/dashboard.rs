//! The Grafana dashboard against a real Prometheus scraping `parcd demo` (given a
//! `[headcount]`, an alert channel and `[agec]` through `--config`): every query of every
//! panel is valid PromQL, and answers with data unless the panel says, in its no-value text,
//! why it can be empty. And the Kubernetes copies of the rules and the dashboard say what
//! deploy/prometheus and deploy/grafana say.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::helpers::{EmptyDb, ParcdProcess, eventually, free_port, within};
use crate::on_both_backends;
use crate::prometheus_server::Prometheus;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn dashboard() -> Value {
    let text = std::fs::read_to_string(root().join("deploy/grafana/parcd-fleet.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The queries that may answer nothing on the demo, by panel title and refId: each for a
/// reason the demo cannot show in two minutes, and each panel says so in its no-value text.
const MAY_BE_EMPTY: [(&str, &str, &str); 6] = [
    (
        "Errors by type",
        "A",
        "only failed polls, and the demo's sources answer",
    ),
    (
        "AGEC alerts firing",
        "A",
        "only firing alerts: the demo's purchases may meet every minimum",
    ),
    ("Alert messages sent and failed (1 h)", "B", "only failures"),
    ("Purchases to check", "A", "only unclassified purchases"),
    ("Purchases to check", "B", "only excluded purchases"),
    (
        "Purchases to check",
        "C",
        "only devices without purchase data",
    ),
];

/// Grafana's variables as "All": every value of a multi-value variable is `.*`.
fn with_variables(expr: &str) -> String {
    ["$dsi", "$class", "$source", "$entity"]
        .iter()
        .fold(expr.to_string(), |e, v| e.replace(v, ".*"))
}

async fn every_panel_of_the_dashboard_answers_on_the_demo(db: EmptyDb) {
    let dir = tempfile::tempdir().unwrap();
    // The tables the demo takes from --config: agents per entity, an alert channel (a
    // webhook nobody answers: its messages fail and stay queued), AGEC rules.
    let extra = dir.path().join("extra.toml");
    std::fs::write(
        &extra,
        format!(
            r#"
[headcount]
"Entité racine > SIN Val-de-Brume" = 45
"Entité racine > SIN Val-de-Brume > Mairie de Montcalme" = 320

[alerts]
renotify_after_days = 7

[[alerts.webhooks]]
name = "mattermost-achats"
url = "http://127.0.0.1:{}/hooks/achats"

[agec]
default_origin = "new"
"#,
            free_port()
        ),
    )
    .unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let config_out = dir.path().join("parcd-demo.toml");
    let demo = ParcdProcess::spawn(
        &[
            "--config",
            extra.to_str().unwrap(),
            "demo",
            "--assets",
            "600",
            "--duration",
            "300",
            "--change-every",
            "1",
            "--listen",
            &listen,
            "--database",
            &db.url,
            "--config-out",
            config_out.to_str().unwrap(),
        ],
        port,
    );

    let prom = Prometheus::start(
        dir.path(),
        &format!(
            "  - job_name: parcd\n    static_configs:\n      - targets: ['{listen}']\n        labels:\n          dsi: valdelys\n"
        ),
    )
    .await;

    // The demo's configuration took the tables of --config.
    eventually(30, "the demo writes its configuration", || async {
        std::fs::read_to_string(&config_out).is_ok_and(|t| t.contains("mattermost-achats"))
    })
    .await;
    let written = std::fs::read_to_string(&config_out).unwrap();
    assert!(written.contains("Mairie de Montcalme\" = 320"), "{written}");

    // Ready when the slowest figures are in: the SNMP printers' pages, the per-entity
    // footprint, the devices per agent, and enough scrapes for the rates.
    let ready = [
        "sum(parcd_print_year_pages) > 0",
        r#"parcd_source_devices_responding{source="demo-printers"} > 0"#,
        "count(parcd_footprint_entity_embodied_kgco2e_per_year) > 1",
        "parcd_devices_per_agent",
        "parcd_print_agents_per_printer",
        "rate(parcd_indicators_refresh_duration_seconds_count[15m]) > 0",
        "count_over_time(parcd_build_info[5m]) > 30",
    ];
    let waiting = std::cell::RefCell::new(String::new());
    let filled = within(150, || async {
        for expr in ready {
            let v = prom.query(expr).await;
            if v["data"]["result"].as_array().is_none_or(Vec::is_empty) {
                *waiting.borrow_mut() = expr.to_string();
                return false;
            }
        }
        true
    })
    .await;
    assert!(
        filled,
        "timed out after 150 s waiting for the demo's figures in Prometheus; still empty: {}",
        waiting.borrow()
    );

    let dash = dashboard();
    let may_be_empty: BTreeMap<(&str, &str), &str> = MAY_BE_EMPTY
        .iter()
        .map(|(title, r, why)| ((*title, *r), *why))
        .collect();
    let mut empty = Vec::new();
    let mut checked = 0;
    for panel in dash["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap();
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = with_variables(target["expr"].as_str().unwrap());
            let ref_id = target["refId"].as_str().unwrap();
            let v = prom.query(&expr).await;
            assert_eq!(v["status"], "success", "{title} {ref_id}: {expr}: {v}");
            checked += 1;
            let answered = v["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty());
            if !answered && !may_be_empty.contains_key(&(title, ref_id)) {
                empty.push(format!("{title} ({ref_id}): {expr}"));
            }
            if !answered {
                assert!(
                    panel["fieldConfig"]["defaults"]["noValue"].is_string(),
                    "{title} is empty and says nothing about why"
                );
            }
        }
    }
    assert!(checked > 100, "{checked} queries");
    assert!(
        empty.is_empty(),
        "panels with no data on the demo:\n{}",
        empty.join("\n")
    );

    // Every variable's query answers too, and the DSI label is there to choose.
    for var in dash["templating"]["list"].as_array().unwrap() {
        let Some(q) = var["query"]
            .as_str()
            .filter(|q| q.starts_with("label_values("))
        else {
            continue;
        };
        let inner = &q["label_values(".len()..q.len() - 1];
        let (selector, label) = inner.rsplit_once(", ").unwrap();
        let v = prom.series(&with_variables(selector)).await;
        let values: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s[label].as_str())
            .collect();
        assert!(!values.is_empty(), "variable {q} has no value");
    }

    // /metrics is gzip-compressed for a client that asks (Prometheus does), plain otherwise.
    let gz = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(format!("http://{listen}/metrics"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let compressed = gz.bytes().await.unwrap();
    let plain = demo.metrics().await;
    assert!(
        compressed.len() * 4 < plain.len(),
        "{} compressed bytes for {} plain",
        compressed.len(),
        plain.len()
    );
    assert!(plain.contains("process_resident_memory_bytes"), "{plain}");
    demo.stop().await;
}

on_both_backends! {
    dashboard_on_the_demo => every_panel_of_the_dashboard_answers_on_the_demo with EmptyDb;
}

/// `text` with its first `header_lines` lines dropped and `indent` spaces taken off the rest.
fn unindented(text: &str, after: &str, indent: usize) -> String {
    let start = text.find(after).unwrap_or_else(|| panic!("no {after:?}")) + after.len();
    text[start..]
        .lines()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_kubernetes_prometheus_rule_is_the_shipped_rules_file() {
    let rules = std::fs::read_to_string(root().join("deploy/prometheus/rules.yml")).unwrap();
    let k8s =
        std::fs::read_to_string(root().join("deploy/kubernetes/prometheusrule.yaml")).unwrap();
    assert_eq!(
        unindented(&k8s, "\nspec:\n", 2).trim_end(),
        rules.trim_end(),
        "regenerate deploy/kubernetes/prometheusrule.yaml (its header says how)"
    );
    let kustomization =
        std::fs::read_to_string(root().join("deploy/kubernetes/kustomization.yaml")).unwrap();
    for file in [
        "prometheusrule.yaml",
        "grafana-dashboard.yaml",
        "servicemonitor.yaml",
    ] {
        assert!(kustomization.contains(&format!("  - {file}\n")), "{file}");
    }
}

#[test]
fn the_kubernetes_dashboard_config_map_is_the_shipped_dashboard() {
    let k8s =
        std::fs::read_to_string(root().join("deploy/kubernetes/grafana-dashboard.yaml")).unwrap();
    let embedded = unindented(&k8s, "\n  parcd-fleet.json: |\n", 4);
    let embedded: Value = serde_json::from_str(&embedded).unwrap();
    assert_eq!(
        embedded,
        dashboard(),
        "regenerate deploy/kubernetes/grafana-dashboard.yaml (its header says how)"
    );
}

/// The footprint's per-entity families and the purchases files gauge are on panels; ADPe,
/// in kg Sb eq, shows enough decimals to read a fleet's few grams.
#[test]
fn the_dashboard_shows_the_entity_footprint_and_every_criterion_readably() {
    let dash = dashboard();
    let exprs: Vec<String> = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect();
    for phase in ["embodied", "use"] {
        for unit in [
            "kgco2e",
            "kgsbeq",
            "adpf_joules",
            "pe_joules",
            "water_liters",
        ] {
            let name = format!("parcd_footprint_entity_{phase}_{unit}_per_year");
            assert!(
                exprs.iter().any(|e| e.contains(&name)),
                "{name} on no panel"
            );
        }
    }
    for name in [
        "parcd_agec_purchases_files_failing",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
    ] {
        assert!(exprs.iter().any(|e| e.contains(name)), "{name} on no panel");
    }
    let vars: Vec<&str> = dash["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        vars.contains(&"dsi") && vars.contains(&"entity"),
        "{vars:?}"
    );
    for p in dash["panels"].as_array().unwrap() {
        for o in p["fieldConfig"]["overrides"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if o["matcher"]["options"]
                .as_str()
                .is_some_and(|n| n.starts_with("ADPe"))
            {
                let decimals = o["properties"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|prop| prop["id"] == "decimals")
                    .and_then(|prop| prop["value"].as_u64());
                assert!(
                    decimals >= Some(4),
                    "{}: ADPe decimals {decimals:?}",
                    p["title"]
                );
            }
        }
    }
}
