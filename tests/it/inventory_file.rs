//! A spreadsheet inventory end to end: the daemon reads a CSV or XLSX export from disk and a
//! DSI whose fleet lives in a spreadsheet gets the same history, AGEC figures and alerts as
//! a GLPI user, and the same behaviour when the file is broken or gone.
//!
//! The files of the first tests are written here by hand, as a DSI's export looks (a title
//! line, French headers, `;`, Windows-1252, amounts in euros with a comma), and every
//! expected figure is written here from the connector's README, not taken from the
//! connector. The last test reads a large XLSX from the contract fake's generator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use parcd::config::Config;
use parcd_fakes::inventory_file::{Fleet, FleetSpec, XlsxOptions};

use crate::helpers::{
    Daemon, TestDb, event_kinds, eventually, metrics_text, one_source_config, published_counts,
    sample, settled_sources, sum,
};
use crate::on_both_backends;

const SOURCE: &str = "tableur";
const UP: &str = r#"parcd_source_up{source="tableur"}"#;
const REJECTED: &str = r#"parcd_source_records_rejected_total{source="tableur"}"#;
const READ: &str = r#"parcd_source_records_read_total{source="tableur"}"#;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The heading line a DSI's export carries above its header row, then the header row.
const HEADER: &str = "Inventaire du parc informatique — export de la DSI\n\n\
    N° d'inventaire;Numéro de série;Nom;Catégorie;Fabricant;Modèle;Statut;Date d'achat;Montant HT;Reconditionné;Entité\n";

/// One line of the export.
struct Row<'a> {
    inventory: &'a str,
    category: &'a str,
    status: &'a str,
    bought: NaiveDate,
    amount: &'a str,
    refurbished: &'a str,
}

impl Row<'_> {
    fn line(&self) -> String {
        format!(
            "{inv};SN-{inv};Poste {inv};{cat};Dell;Latitude 5440;{status};{date};{amount};{recond};Mairie\n",
            inv = self.inventory,
            cat = self.category,
            status = self.status,
            date = self.bought.format("%d/%m/%Y"),
            amount = self.amount,
            recond = self.refurbished,
        )
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The fleet of the first tests: two laptops bought this year, one new at 9,000 € and one
/// reconditioned at 1,000 € (a 10 % reuse share, under AGEC's 20 %), and a device in each
/// other phase a French export names.
fn rows() -> Vec<Row<'static>> {
    let row = |inventory, category, status, bought, amount, refurbished| Row {
        inventory,
        category,
        status,
        bought,
        amount,
        refurbished,
    };
    vec![
        row(
            "INV-001",
            "Ordinateur portable",
            "En service",
            today(),
            "9 000,00 €",
            "Non",
        ),
        row(
            "INV-002",
            "Ordinateur portable",
            "En service",
            today(),
            "1 000,00 €",
            "Oui",
        ),
        row(
            "INV-003",
            "Écran",
            "En stock",
            day(2021, 3, 15),
            "189,90 €",
            "",
        ),
        row(
            "INV-004",
            "Unité centrale",
            "En réparation",
            day(2020, 9, 1),
            "720,00 €",
            "Non",
        ),
        row(
            "INV-005",
            "Ordinateur portable",
            "Réformé",
            day(2017, 1, 10),
            "1 150,00 €",
            "",
        ),
        row(
            "INV-006",
            "Smartphone",
            "DEEE",
            day(2019, 6, 30),
            "320,00 €",
            "",
        ),
        row(
            "INV-007",
            "Imprimante",
            "Donné",
            day(2018, 11, 5),
            "450,00 €",
            "",
        ),
    ]
}

/// The (class, phase) of each row of [`rows`], as the connector's README gives them.
fn expected(rows: &[Row]) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for r in rows {
        let class = match r.category {
            "Ordinateur portable" => "laptop",
            "Écran" => "monitor",
            "Unité centrale" => "desktop",
            "Smartphone" => "smartphone",
            "Imprimante" => "printer",
            other => panic!("no class written here for {other}"),
        };
        let phase = match r.status {
            "En service" => "in_service",
            "En stock" => "in_stock",
            "En réparation" => "in_repair",
            "Réformé" => "retired",
            "DEEE" => "recycled",
            "Donné" => "reused",
            other => panic!("no phase written here for {other}"),
        };
        *out.entry((class.to_string(), phase.to_string()))
            .or_insert(0.0) += 1.0;
    }
    out
}

/// The export as the DSI's office suite writes it: Windows-1252.
fn export(rows: &[Row], extra: &str) -> Vec<u8> {
    let text = rows.iter().fold(HEADER.to_string(), |t, r| t + &r.line()) + extra;
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "the export is written in Windows-1252");
    bytes.into_owned()
}

/// Replaces the file in one step, as a tool that writes a new export beside the old one
/// and renames it does, so that a poll never sees half a file.
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The identifier parcd stores for a row: the identity column's value.
fn external_id(inventory: &str) -> String {
    inventory.to_string()
}

/// A configuration with one spreadsheet source read every second; `tail` is added after it.
fn config(db_url: &str, path: &Path, tail: &str) -> String {
    let keys = format!(
        r#"name = "{SOURCE}"
        kind = "inventory_file"
        path = "{}""#,
        path.display()
    );
    one_source_config(db_url, &keys, tail)
}

async fn start(db: &TestDb, path: &Path, tail: &str) -> (Daemon, String) {
    let text = config(&db.url, path, tail);
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    (daemon, base)
}

async fn synced(base: &str, n: f64) {
    eventually(30, "the file is read", || async {
        let text = metrics_text(base).await;
        sample(&text, UP) == Some(1.0) && sum(&text, "parcd_assets") == n
    })
    .await;
}

fn file_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

const AGEC_ALERTS: &str = r#"
        [alerts]
        projection_min_days = 0
        not_met_min_days = 0
        "#;

async fn a_french_export_reaches_the_fleet_the_history_and_agec(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = file_in(&dir, "parc.csv");
    let rows = rows();
    // A row without its inventory number and a second INV-003 are refused and counted.
    let bad = "; SN-X;Sans numéro;Écran;Dell;P2422H;En stock;01/02/2022;150,00 €;;Mairie\n\
               INV-003;SN-DUP;Doublon;Écran;Dell;P2422H;En service;01/02/2022;150,00 €;;Mairie\n";
    std::fs::write(&path, export(&rows, bad)).unwrap();
    let n = rows.len() as f64;
    let (daemon, base) = start(&db, &path, AGEC_ALERTS).await;
    synced(&base, n).await;

    let text = metrics_text(&base).await;
    assert_eq!(published_counts(&text), expected(&rows));
    assert_eq!(sample(&text, REJECTED), Some(2.0), "two rows refused");
    let counts = db.store.event_counts(SOURCE).await.unwrap();
    assert_eq!(
        counts,
        [("first_seen".to_string(), rows.len() as i64)].into()
    );
    let history = db
        .store
        .events_of(SOURCE, &external_id("INV-005"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].class, "laptop");
    assert_eq!(history[0].to_phase.as_deref(), Some("retired"));
    // The first INV-003 is the one kept.
    let kept = db
        .store
        .asset_phase(SOURCE, &external_id("INV-003"))
        .await
        .unwrap();
    assert_eq!(kept, Some(("in_stock".to_string(), false)));
    assert_eq!(
        db.store
            .purchase_of(SOURCE, &external_id("INV-002"))
            .await
            .unwrap(),
        Some((Some(100_000), Some(today().format("%Y-%m-%d").to_string())))
    );

    // "Reconditionné: Oui" is reuse by the shipped origin rules: 1,000 € of 10,000 €.
    let series =
        r#"parcd_agec_share_ratio{category="it_telephony",kind="reuse",period="year_to_date"}"#;
    eventually(30, "this year's 10 % reuse share is published", || async {
        sample(&metrics_text(&base).await, series) == Some(0.1)
    })
    .await;
    let firing =
        r#"parcd_agec_alert_firing{category="it_telephony",kind="reuse",rule="quota_not_met"}"#;
    eventually(30, "the AGEC alert fires", || async {
        sample(&metrics_text(&base).await, firing) == Some(1.0)
    })
    .await;

    let sources = settled_sources(&base).await;
    let s = &sources[0];
    assert_eq!(s["kind"], "inventory_file");
    assert_eq!(s["live_assets"].as_f64(), Some(n));
    assert_eq!(s["vanished_assets"], 0);
    assert_eq!(s["last_run"]["outcome"], "success", "{s}");
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

async fn edits_to_the_file_reach_the_history(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = file_in(&dir, "parc.csv");
    let mut rows = rows();
    std::fs::write(&path, export(&rows, "")).unwrap();
    let (daemon, base) = start(&db, &path, "").await;
    synced(&base, rows.len() as f64).await;

    // The monitor in stock is handed out; the desktop in repair leaves the export.
    rows[2].status = "En service";
    rows.remove(3);
    replace(&path, &export(&rows, ""));
    let monitor = external_id("INV-003");
    eventually(30, "the monitor moves to in_service", || async {
        let history = db.store.events_of(SOURCE, &monitor).await.unwrap();
        history.last().is_some_and(|e| {
            e.kind == "phase_change"
                && e.from_phase.as_deref() == Some("in_stock")
                && e.to_phase.as_deref() == Some("in_service")
        })
    })
    .await;
    let desktop = external_id("INV-004");
    eventually(30, "the removed desktop is vanished", || async {
        db.store
            .asset_phase(SOURCE, &desktop)
            .await
            .unwrap()
            .is_some_and(|(_, gone)| gone)
    })
    .await;
    let kinds = event_kinds(&db.store, SOURCE, &desktop).await;
    assert_eq!(kinds, ["first_seen", "vanished"]);
    synced(&base, rows.len() as f64).await;
    assert_eq!(
        published_counts(&metrics_text(&base).await),
        expected(&rows)
    );

    // The file stays as it is: polls go on and read nothing, and nothing is recorded.
    let polls = r#"parcd_source_poll_duration_seconds_count{source="tableur"}"#;
    let text = metrics_text(&base).await;
    let (read, polled) = (sample(&text, READ), sample(&text, polls).unwrap());
    let events = db.store.event_counts(SOURCE).await.unwrap();
    eventually(30, "three more polls", || async {
        sample(&metrics_text(&base).await, polls).is_some_and(|p| p >= polled + 3.0)
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(
        sample(&text, READ),
        read,
        "an unchanged file is not read again"
    );
    assert_eq!(sample(&text, UP), Some(1.0));
    assert_eq!(db.store.event_counts(SOURCE).await.unwrap(), events);
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

async fn a_broken_or_missing_file_keeps_the_fleet_and_recovers(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = file_in(&dir, "parc.csv");
    let rows = rows();
    let good = export(&rows, "");
    let headers_alone = export(&[], "");
    std::fs::write(&path, &good).unwrap();
    let n = rows.len() as f64;
    let (daemon, base) = start(&db, &path, "").await;
    synced(&base, n).await;
    let errors = |t: &str, kind: &str| {
        sample(
            t,
            &format!(r#"parcd_source_errors_total{{error_type="{kind}",source="tableur"}}"#),
        )
        .unwrap_or(0.0)
    };
    let file_name = path.display().to_string();

    // Three broken exports: headers parcd cannot read, the headers alone, then no file.
    let broken: [(&str, Option<&[u8]>, &str); 3] = [
        (
            "unknown headers",
            Some(b"Colonne A;Colonne B\n1;2\n3;4\n"),
            "protocol",
        ),
        ("headers and no row", Some(&headers_alone), "protocol"),
        ("the file removed", None, "connect"),
    ];
    for (what, bytes, kind) in broken {
        let before = errors(&metrics_text(&base).await, kind);
        match bytes {
            Some(b) => replace(&path, b),
            None => std::fs::remove_file(&path).unwrap(),
        }
        eventually(30, &format!("{what}: a {kind} error"), || async {
            let text = metrics_text(&base).await;
            sample(&text, UP) == Some(0.0) && errors(&text, kind) > before
        })
        .await;
        let text = metrics_text(&base).await;
        assert_eq!(
            sum(&text, "parcd_assets"),
            n,
            "{what}: the last good data stays"
        );
        assert_eq!(db.store.asset_totals(SOURCE).await.unwrap(), (n as i64, 0));
        let sources = settled_sources(&base).await;
        let run = &sources[0]["last_run"];
        assert_eq!(run["error_type"], kind, "{what}: {run}");
        let message = run["error_message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&file_name),
            "{what}: the error names the file: {message}"
        );
    }

    // The export comes back: the source is up, and nothing was vanished on the way.
    replace(&path, &good);
    eventually(30, "the source recovers", || async {
        sample(&metrics_text(&base).await, UP) == Some(1.0)
    })
    .await;
    assert_eq!(
        published_counts(&metrics_text(&base).await),
        expected(&rows)
    );
    assert_eq!(
        db.store.event_counts(SOURCE).await.unwrap(),
        [("first_seen".to_string(), rows.len() as i64)].into()
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// A large XLSX from the generator, its data sheet after a cover sheet and under a title:
/// every device counted in its class and phase.
async fn a_generated_xlsx_fleet_is_counted(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = file_in(&dir, "parc.xlsx");
    let fleet = Fleet::generate(&FleetSpec {
        devices: 3000,
        seed: 7,
    });
    let options = XlsxOptions {
        sheet_before: Some("Notice".into()),
        title: Some("Parc informatique au 1er décembre".into()),
        ..XlsxOptions::default()
    };
    fleet.write_xlsx(&path, &options).unwrap();
    let mut expected: BTreeMap<(String, String), f64> = BTreeMap::new();
    for d in &fleet.devices {
        *expected
            .entry((d.class().to_string(), d.phase().to_string()))
            .or_default() += 1.0;
    }
    let phases: std::collections::BTreeSet<&str> =
        expected.keys().map(|(_, p)| p.as_str()).collect();
    let classes: std::collections::BTreeSet<&str> =
        expected.keys().map(|(c, _)| c.as_str()).collect();
    assert!(phases.len() >= 6, "the fleet has most phases: {phases:?}");
    assert!(
        classes.len() >= 6,
        "the fleet has most classes: {classes:?}"
    );
    let n = fleet.devices.len() as f64;
    let (daemon, base) = start(&db, &path, r#"sheet = "Parc""#).await;
    synced(&base, n).await;
    assert_eq!(published_counts(&metrics_text(&base).await), expected);
    assert_eq!(
        sample(&metrics_text(&base).await, REJECTED).unwrap_or(0.0),
        0.0
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

on_both_backends! {
    inventory_file_fleet => a_french_export_reaches_the_fleet_the_history_and_agec;
    inventory_file_edits => edits_to_the_file_reach_the_history;
    inventory_file_broken => a_broken_or_missing_file_keeps_the_fleet_and_recovers;
    inventory_file_xlsx => a_generated_xlsx_fleet_is_counted;
}
