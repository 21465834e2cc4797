//! A Snipe-IT source end to end: the daemon polls the contract fake over HTTP and a DSI whose
//! devices live in Snipe-IT gets the same history, footprint, AGEC figures and alerts as a
//! GLPI user, and the same behaviour when the source misbehaves.
//!
//! Every expected figure is computed here from the fake's fleet with the rules of the
//! connector's README (category → class, label → phase, the "Reconditionné" field → reuse),
//! written again rather than taken from the connector, so that the connector is checked
//! against its documentation and not against itself.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use parcd::config::Config;
use parcd_fakes::snipeit::{
    Asset, Cost, FakeHandle, FakeOptions, Fault, Fleet, FleetSpec, SnipeitFake, StatusType,
};
use serde_json::Value;

use crate::helpers::{
    Daemon, EmptyDb, TestDb, eventually, free_port, get_json, metrics_text, one_source_config,
    parcd, published_counts, sample, settled_sources, sum,
};
use crate::on_both_backends;

const SOURCE: &str = "snipe";
const TOKEN: &str = "snipe-it-5ecret-key-0ff1ce";
const UP: &str = r#"parcd_source_up{source="snipe"}"#;

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A fake Snipe-IT serving a generated fleet, accepting [`TOKEN`].
async fn snipe(assets: usize) -> FakeHandle {
    let fleet = Fleet::generate(&FleetSpec { assets, seed: 23 });
    let opts = FakeOptions {
        token: TOKEN.into(),
        denied_token: None,
    };
    SnipeitFake::start(fleet, opts).await.expect("snipeit fake")
}

/// A configuration with one Snipe-IT source polled every second; `source` is added to the
/// source's table, `tail` after it (top-level tables).
fn config(db_url: &str, url: &str, token: &str, source: &str, tail: &str) -> String {
    let keys = format!(
        r#"name = "{SOURCE}"
        kind = "snipeit"
        url = "{url}"
        api_token = "{token}"
        page_size = 100
        {source}"#
    );
    one_source_config(db_url, &keys, tail)
}

async fn start(db: &TestDb, fake: &FakeHandle, source: &str, tail: &str) -> (Daemon, String) {
    let text = config(&db.url, &fake.base_url(), TOKEN, source, tail);
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    (daemon, base)
}

/// The category name the API shows for an asset (`None` once its model is deleted).
fn category(fleet: &Fleet, a: &Asset) -> Option<String> {
    let model = &fleet.models[a.model];
    (!model.deleted).then(|| fleet.categories[model.category].name.clone())
}

/// The class the connector's README gives each category of the generated fleet.
fn expected_class(category: Option<&str>) -> &'static str {
    match category {
        Some("Laptops") => "laptop",
        Some("Postes fixes") => "desktop",
        Some("Monitors") => "monitor",
        Some("Imprimantes") => "printer",
        Some("Copieurs multifonctions") => "copier",
        Some("Téléphones portables") => "smartphone",
        Some("VOIP Phones") => "desk_phone",
        Some("Tablets") => "tablet",
        Some("Switches") => "network",
        Some("Stations d'accueil") | None => "other",
        Some(other) => panic!(
            "the fake has a category this test does not know, \"{other}\": add its class as the connector's README gives it"
        ),
    }
}

/// The phase the README gives: the label's name through the default French map, else its
/// type; a checked-out asset in stock is in service; a deleted label gets `no_status_phase`.
fn expected_phase(fleet: &Fleet, a: &Asset) -> &'static str {
    let label = fleet.status_of(a);
    if label.deleted {
        return "in_service";
    }
    let phase = match label.name.as_str() {
        "En commande" => "ordered",
        "Réformé" => "retired",
        "Donné" => "reused",
        "Recyclé" => "recycled",
        _ => match label.kind {
            StatusType::Deployable | StatusType::Pending => "in_stock",
            StatusType::Undeployable => "in_repair",
            StatusType::Archived => "retired",
        },
    };
    if phase == "in_stock" && a.assigned_to.is_some() {
        "in_service"
    } else {
        phase
    }
}

fn live(fleet: &Fleet) -> impl Iterator<Item = &Asset> {
    fleet.assets.iter().filter(|a| a.deleted_at.is_none())
}

/// Live assets by (class, phase), as the fake's data implies.
fn expected_counts(fleet: &Fleet) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for a in live(fleet) {
        let class = expected_class(category(fleet, a).as_deref());
        *out.entry((class.to_string(), expected_phase(fleet, a).to_string()))
            .or_insert(0.0) += 1.0;
    }
    out
}

async fn a_snipeit_fleet_reaches_the_metrics_the_history_and_the_sources_api(db: TestDb) {
    let fake = snipe(300).await;
    let (expected, n, unmapped) = fake.with_fleet(|f| {
        let unmapped = live(f).filter(|a| f.status_of(a).deleted).count() as f64;
        (expected_counts(f), f.len() as f64, unmapped)
    });
    let phases: std::collections::BTreeSet<&str> =
        expected.keys().map(|(_, p)| p.as_str()).collect();
    assert!(
        phases.len() >= 7,
        "the fleet exercises nearly every phase: {phases:?}"
    );
    let (daemon, base) = start(&db, &fake, "", "").await;

    eventually(30, "the first sync is published", || async {
        let text = metrics_text(&base).await;
        sample(&text, UP) == Some(1.0) && sum(&text, "parcd_assets") == n
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(
        published_counts(&text),
        expected,
        "parcd_assets by class and phase"
    );
    assert_eq!(
        sample(
            &text,
            r#"parcd_source_unmapped_status_assets{source="snipe"}"#
        ),
        Some(unmapped)
    );
    assert!(!text.contains(TOKEN), "no secret in metrics");

    // One first_seen per asset, carrying the asset's class and phase.
    let counts = db.store.event_counts(SOURCE).await.unwrap();
    assert_eq!(
        counts,
        [("first_seen".to_string(), n as i64)].into(),
        "nothing but one first_seen per asset"
    );
    let assets: Vec<(u64, &str, &str)> = fake.with_fleet(|f| {
        live(f)
            .map(|a| {
                let class = expected_class(category(f, a).as_deref());
                (a.id, class, expected_phase(f, a))
            })
            .collect()
    });
    for (id, class, phase) in assets {
        let history = db
            .store
            .events_of(SOURCE, &format!("hardware/{id}"))
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "hardware/{id}: {history:?}");
        assert_eq!(history[0].kind, "first_seen");
        assert_eq!(history[0].class, class, "hardware/{id}");
        assert_eq!(history[0].to_phase.as_deref(), Some(phase), "hardware/{id}");
    }

    let sources = settled_sources(&base).await;
    assert_eq!(sources.as_array().map(Vec::len), Some(1), "{sources}");
    let s = &sources[0];
    assert_eq!(s["name"], SOURCE);
    assert_eq!(s["kind"], "snipeit");
    assert_eq!(s["live_assets"].as_f64(), Some(n));
    assert_eq!(s["vanished_assets"], 0);
    assert!(s["last_full_sync_at"].is_i64(), "{s}");
    assert_eq!(s["last_run"]["outcome"], "success", "{s}");
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// The id of the first live asset that `pick` accepts.
fn find(fake: &FakeHandle, what: &str, pick: impl Fn(&Fleet, &Asset) -> bool) -> u64 {
    fake.with_fleet(|f| live(f).find(|a| pick(f, a)).map(|a| a.id))
        .unwrap_or_else(|| panic!("the fleet has {what}"))
}

async fn phase_of(db: &TestDb, id: u64) -> Option<(String, bool)> {
    db.store
        .asset_phase(SOURCE, &format!("hardware/{id}"))
        .await
        .unwrap()
}

async fn changes_in_snipeit_reach_the_metrics_and_the_history(db: TestDb) {
    let fake = snipe(200).await;
    let n = fake.with_fleet(|f| f.len()) as f64;
    // Incremental syncs every second, a full one every five: deletions need a full one.
    let (daemon, base) = start(&db, &fake, r#"full_sync_schedule = "*/5 * * * * *""#, "").await;
    eventually(30, "the first sync is published", || async {
        let text = metrics_text(&base).await;
        sample(&text, UP) == Some(1.0) && sum(&text, "parcd_assets") == n
    })
    .await;

    // A laptop in service goes to the recycler ("Recyclé", an archived label, read by the
    // second listing); one in stock is checked out to an agent.
    let recycled = find(&fake, "a laptop in service", |f, a| {
        category(f, a).as_deref() == Some("Laptops") && expected_phase(f, a) == "in_service"
    });
    let handed = find(&fake, "an asset in stock", |f, a| {
        f.status_of(a).name == "Ready to Deploy" && a.assigned_to.is_none()
    });
    let handed_class = fake.with_fleet(|f| {
        expected_class(category(f, f.asset(handed).unwrap()).as_deref()).to_string()
    });
    let before = published_counts(&metrics_text(&base).await);
    let count = |c: &BTreeMap<(String, String), f64>, class: &str, phase: &str| {
        c.get(&(class.to_string(), phase.to_string()))
            .copied()
            .unwrap_or(0.0)
    };
    fake.with_fleet(|f| {
        assert!(f.set_status(recycled, "Recyclé", now()));
        assert!(f.check_out(handed, now()));
    });
    for (id, from, to) in [
        (recycled, "in_service", "recycled"),
        (handed, "in_stock", "in_service"),
    ] {
        let external_id = format!("hardware/{id}");
        eventually(30, &format!("{external_id} moves to {to}"), || async {
            let history = db.store.events_of(SOURCE, &external_id).await.unwrap();
            history.last().is_some_and(|e| {
                e.kind == "phase_change"
                    && e.from_phase.as_deref() == Some(from)
                    && e.to_phase.as_deref() == Some(to)
            })
        })
        .await;
    }
    eventually(30, "the metrics follow", || async {
        let now = published_counts(&metrics_text(&base).await);
        count(&now, "laptop", "recycled") == count(&before, "laptop", "recycled") + 1.0
            && count(&now, &handed_class, "in_service")
                == count(&before, &handed_class, "in_service") + 1.0
            && now.values().sum::<f64>() == n
    })
    .await;

    // An asset deleted in Snipe-IT leaves the counts at the next full sync, and stays in
    // the history as vanished.
    let deleted = find(&fake, "a monitor", |f, a| {
        category(f, a).as_deref() == Some("Monitors")
    });
    fake.with_fleet(|f| assert!(f.delete(deleted, now())));
    eventually(30, "the deleted asset is vanished", || async {
        phase_of(&db, deleted).await.is_some_and(|(_, gone)| gone)
    })
    .await;
    let history = db
        .store
        .events_of(SOURCE, &format!("hardware/{deleted}"))
        .await
        .unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["first_seen", "vanished"]);
    eventually(30, "the counts drop by one", || async {
        sum(&metrics_text(&base).await, "parcd_assets") == n - 1.0
    })
    .await;
    let expected = fake.with_fleet(|f| expected_counts(f));
    assert_eq!(published_counts(&metrics_text(&base).await), expected);
    let sources = settled_sources(&base).await;
    assert_eq!(sources[0]["vanished_assets"], 1, "{sources}");
    assert_eq!(sources[0]["live_assets"].as_f64(), Some(n - 1.0));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

async fn a_snipeit_fleet_has_a_footprint_and_a_coverage(db: TestDb) {
    let fake = snipe(300).await;
    // In service for the indicators: in_service and in_repair. Class `other` (docking
    // stations) has no footprint factor; every other class of the fleet has one.
    let (n, in_service, uncovered, laptops, entities) = fake.with_fleet(|f| {
        let mut entities: BTreeMap<String, u64> = BTreeMap::new();
        let (mut in_service, mut uncovered, mut laptops) = (0u64, 0u64, 0u64);
        for a in live(f) {
            let class = expected_class(category(f, a).as_deref());
            if matches!(expected_phase(f, a), "in_service" | "in_repair") {
                in_service += 1;
                uncovered += u64::from(class == "other");
                laptops += u64::from(class == "laptop");
            }
            let entity = a
                .company
                .map_or("none".to_string(), |c| f.companies[c].name.clone());
            *entities.entry(entity).or_default() += 1;
        }
        (f.len() as u64, in_service, uncovered, laptops, entities)
    });
    assert!(laptops > 0 && uncovered > 0, "the fleet tests both cases");
    let (daemon, base) = start(&db, &fake, "", "").await;
    let api = format!("{base}/api/v1/indicators");
    eventually(30, "the indicators cover the fleet", || async {
        let r = reqwest::get(&api).await.expect("parcd answers");
        r.status().as_u16() == 200
            && r.json::<Value>().await.unwrap()["total"]["devices"].as_u64() == Some(n)
    })
    .await;
    let v = get_json(&api).await;
    let total = &v["total"];
    assert_eq!(total["in_service"].as_u64(), Some(in_service), "{total}");
    assert_eq!(
        total["covered"].as_u64(),
        Some(in_service - uncovered),
        "{total}"
    );
    assert_eq!(total["excluded"]["no_factor"].as_u64(), Some(uncovered));
    let ratio = (in_service - uncovered) as f64 / in_service as f64;
    assert!(
        (total["coverage_ratio"].as_f64().unwrap() - ratio).abs() < 1e-12,
        "{total}"
    );
    let laptop = &v["by_class"]["laptop"];
    assert_eq!(laptop["covered"].as_u64(), Some(laptops), "{laptop}");
    assert_eq!(laptop["coverage_ratio"].as_f64(), Some(1.0));
    assert!(
        laptop["embodied_per_year"]["gwp"]
            .as_f64()
            .is_some_and(|g| g > 0.0),
        "{laptop}"
    );
    assert!(
        total["embodied_per_year"]["gwp"]
            .as_f64()
            .is_some_and(|g| g > 0.0),
        "{total}"
    );
    // Companies are the entities, their names unescaped ("L'Isle-d'Arbois", "Brume &
    // Rivières" come as `&#039;` and `&amp;`).
    let by_entity: BTreeMap<String, u64> = v["by_entity"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, g)| (k.clone(), g["devices"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_entity, entities);
    let text = metrics_text(&base).await;
    let published = sample(
        &text,
        r#"parcd_footprint_embodied_kgco2e_per_year{class="laptop"}"#,
    );
    assert_eq!(published, laptop["embodied_per_year"]["gwp"].as_f64());
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// The origin rule of the connector's README, and its custom field.
const ORIGIN_SOURCE: &str = r#"origin_fields = ["Reconditionné"]"#;
const ORIGIN_RULE: &str = r#"
        [alerts]
        projection_min_days = 0
        not_met_min_days = 0
        [[agec.origin_rules]]
        name = "reconditionné (Snipe-IT)"
        origin = "reuse"
        comment = "Reconditionné: Oui"
        "#;

/// AGEC's IT and telephony category: the classes of the generated fleet it holds.
const IT_CLASSES: &[&str] = &[
    "laptop",
    "desktop",
    "monitor",
    "smartphone",
    "desk_phone",
    "tablet",
];

/// What `year` should show for IT: (total, reuse) in cents excl. VAT, and how many
/// reconditioned purchases. Amounts written as text are listed, not counted.
fn expected_it_spend(fleet: &Fleet, year: i32) -> (i64, i64, usize) {
    let (mut total, mut reuse, mut reused) = (0, 0, 0);
    for a in live(fleet) {
        let in_year = a
            .purchase_date
            .is_some_and(|d| d.year() == year && d <= today());
        let it = IT_CLASSES.contains(&expected_class(category(fleet, a).as_deref()));
        if let (true, true, Some(Cost::Cents(c @ 0..))) = (in_year, it, &a.purchase_cost) {
            total += c;
            if a.reconditionne.as_deref() == Some("Oui") {
                reuse += c;
                reused += 1;
            }
        }
    }
    (total, reuse, reused)
}

fn it_category(agec: &Value) -> &Value {
    agec["agec"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "it_telephony")
        .expect("IT is listed")
}

async fn reconditioned_purchases_in_snipeit_count_as_reuse(db: TestDb) {
    let fake = snipe(300).await;
    // A past year with reconditioned and new IT purchases both: the year with the most
    // reconditioned ones.
    let year = fake.with_fleet(|f| {
        (2016..today().year())
            .max_by_key(|y| expected_it_spend(f, *y).2)
            .unwrap()
    });
    let (total, reuse, reused) = fake.with_fleet(|f| expected_it_spend(f, year));
    assert!(
        reuse > 0 && total > reuse,
        "{year} has both kinds of purchase"
    );
    // This year: two laptops, one new at 9,000 € and one reconditioned at 1,000 €.
    let [new_id, recond_id] = fake.with_fleet(|f| {
        let laptops: Vec<u64> = live(f)
            .filter(|a| category(f, a).as_deref() == Some("Laptops"))
            .map(|a| a.id)
            .take(2)
            .collect();
        for (id, euros, recond) in [(laptops[0], 9000, "Non"), (laptops[1], 1000, "Oui")] {
            let a = f.asset_mut(id).unwrap();
            a.purchase_date = Some(today());
            a.purchase_cost = Some(Cost::Cents(euros * 100));
            a.reconditionne = Some(recond.into());
            a.updated_at = now();
        }
        [laptops[0], laptops[1]]
    });
    let (this_total, this_reuse, _) = fake.with_fleet(|f| expected_it_spend(f, today().year()));
    assert_eq!((this_total, this_reuse), (1_000_000, 100_000));

    let (daemon, base) = start(&db, &fake, ORIGIN_SOURCE, ORIGIN_RULE).await;
    let series =
        r#"parcd_agec_share_ratio{category="it_telephony",kind="reuse",period="year_to_date"}"#;
    eventually(30, "this year's 10 % reuse share is published", || async {
        sample(&metrics_text(&base).await, series) == Some(0.1)
    })
    .await;

    // The share is published once the page holding the two laptops is stored; the past
    // year is whole only once every page is.
    let past_url = format!("{base}/api/v1/agec?year={year}");
    eventually(30, "every purchase of the past year is stored", || async {
        let past = get_json(&past_url).await;
        it_category(&past)["year_to_date"]["amounts"]["total"].as_i64() == Some(total)
    })
    .await;
    let past = get_json(&past_url).await;
    let it = it_category(&past);
    let amounts = &it["year_to_date"]["amounts"];
    assert_eq!(amounts["total"].as_i64(), Some(total), "{year}: {it}");
    assert_eq!(
        amounts["reuse"].as_i64(),
        Some(reuse),
        "{year}: only the purchases whose field says Oui are reuse: {it}"
    );
    assert_eq!(amounts["unclassified"].as_i64(), Some(total - reuse));
    assert_eq!(
        it["by_rule"]["reconditionné (Snipe-IT)"].as_u64(),
        Some(reused as u64),
        "{it}"
    );

    let agec = get_json(&format!("{base}/api/v1/agec")).await;
    let it = it_category(&agec);
    assert_eq!(it["year_to_date"]["amounts"]["total"], 1_000_000);
    assert_eq!(it["year_to_date"]["amounts"]["reuse"], 100_000);
    let firing =
        r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#;
    assert_eq!(sample(&metrics_text(&base).await, firing), Some(1.0));
    let alerts = get_json(&format!("{base}/api/v1/alerts")).await;
    assert!(
        alerts["alerts"].as_array().unwrap().iter().any(|a| {
            a["rule"] == "quota_not_met"
                && a["category"] == "it_telephony"
                && a["state"] == "firing"
        }),
        "{alerts}"
    );

    // Procurement corrects the field: the new laptop was reconditioned too.
    fake.with_fleet(|f| {
        let a = f.asset_mut(new_id).unwrap();
        a.reconditionne = Some("Oui".into());
        a.updated_at = now();
    });
    eventually(30, "the share follows and the alert resolves", || async {
        let text = metrics_text(&base).await;
        sample(&text, series) == Some(1.0) && sample(&text, firing).is_none()
    })
    .await;
    let stored = db
        .store
        .purchase_of(SOURCE, &format!("hardware/{recond_id}"))
        .await
        .unwrap();
    assert_eq!(
        stored,
        Some((Some(100_000), Some(today().format("%Y-%m-%d").to_string())))
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

async fn a_throttled_or_failing_snipeit_keeps_the_stored_fleet_and_recovers(db: TestDb) {
    let fake = snipe(150).await;
    let n = fake.with_fleet(|f| f.len()) as f64;
    let (daemon, base) = start(&db, &fake, "", "").await;
    eventually(30, "the first sync is published", || async {
        let text = metrics_text(&base).await;
        sample(&text, UP) == Some(1.0) && sum(&text, "parcd_assets") == n
    })
    .await;
    let errors = |t: &str, kind: &str| {
        sample(
            t,
            &format!(r#"parcd_source_errors_total{{error_type="{kind}",source="snipe"}}"#),
        )
        .unwrap_or(0.0)
    };

    // 429 with Retry-After: 3. The retry waits 3 s, not the 1 s backoff.
    let retry_after = 3;
    let injected = Instant::now();
    fake.inject(Fault::RateLimited(retry_after), 1);
    eventually(30, "the throttling shows in the metrics", || async {
        let text = metrics_text(&base).await;
        sample(&text, UP) == Some(0.0) && errors(&text, "rate_limited") == 1.0
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(sum(&text, "parcd_assets"), n, "the last good data stays");
    assert_eq!(db.store.asset_totals(SOURCE).await.unwrap(), (n as i64, 0));
    let sources = settled_sources(&base).await;
    assert_eq!(sources[0]["last_run"]["error_type"], "rate_limited");
    eventually(30, "the source recovers", || async {
        sample(&metrics_text(&base).await, UP) == Some(1.0)
    })
    .await;
    assert!(
        injected.elapsed() >= Duration::from_secs(retry_after),
        "Retry-After is honoured: back after {:?}",
        injected.elapsed()
    );
    assert_eq!(fake.stats().faults_served, 1);

    // 500 twice: `http`, then back.
    fake.inject(Fault::ServerError, 2);
    eventually(30, "the server error shows", || async {
        let text = metrics_text(&base).await;
        sample(&text, UP) == Some(0.0) && errors(&text, "http") >= 1.0
    })
    .await;
    assert_eq!(db.store.asset_totals(SOURCE).await.unwrap(), (n as i64, 0));
    eventually(30, "the source recovers", || async {
        sample(&metrics_text(&base).await, UP) == Some(1.0)
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(sum(&text, "parcd_assets"), n);
    assert_eq!(errors(&text, "auth"), 0.0);
    assert!(!text.contains(TOKEN), "no secret in metrics");
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// A wrong API key: `auth`, nothing stored, and the key in no metric, API answer or log.
async fn a_wrong_snipeit_key_is_an_auth_error_and_never_printed(db: EmptyDb) {
    let fake = snipe(20).await;
    let wrong = "wrong-5ecret-snipe-key-bad1dea";
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = dir.path().join("parcd.toml");
    let text = config(&db.url, &fake.base_url(), wrong, "", "")
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))
        + "\n[log]\nformat = \"json\"\nlevel = \"debug\"\n";
    std::fs::write(&file, text).unwrap();
    let mut c = tokio::process::Command::from(parcd());
    let child = c
        .arg("--config")
        .arg(&file)
        .arg("run")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let metrics = || async {
        match reqwest::get(format!("{base}/metrics")).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    };
    eventually(30, "the refused polls are counted", || async {
        sample(
            &metrics().await,
            r#"parcd_source_errors_total{error_type="auth",source="snipe"}"#,
        )
        .is_some_and(|v| v >= 2.0)
    })
    .await;
    let text = metrics().await;
    assert_eq!(sample(&text, UP), Some(0.0));
    assert_eq!(sum(&text, "parcd_assets"), 0.0);
    assert!(fake.stats().refused >= 2);
    let sources = reqwest::get(format!("{base}/api/v1/sources"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sources.contains("api_token"),
        "the error names the key to fix: {sources}"
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().expect("running").to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("parcd stops within 30 s of SIGTERM")
        .unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let logs =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        logs.contains("sync failed") && logs.contains("auth"),
        "the failure is logged: {logs}"
    );
    for (what, haystack) in [("metrics", &text), ("sources", &sources), ("logs", &logs)] {
        assert!(!haystack.contains(wrong), "the key is in the {what}");
    }
}

on_both_backends! {
    snipeit_fleet => a_snipeit_fleet_reaches_the_metrics_the_history_and_the_sources_api;
    snipeit_changes => changes_in_snipeit_reach_the_metrics_and_the_history;
    snipeit_footprint => a_snipeit_fleet_has_a_footprint_and_a_coverage;
    snipeit_agec => reconditioned_purchases_in_snipeit_count_as_reuse;
    snipeit_misbehaviour => a_throttled_or_failing_snipeit_keeps_the_stored_fleet_and_recovers;
    snipeit_wrong_key => a_wrong_snipeit_key_is_an_auth_error_and_never_printed with EmptyDb;
}
