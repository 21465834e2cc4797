//! Readings against real databases: append-only, idempotent on replay, queried as of a date,
//! joined to the fleet by serial number across sources; telemetry sources never vanish a
//! device and never add one.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use parcd::poll::ingest::{SyncContext, apply_page};
use parcd::poll::sync::{SourceRuntime, run_sync};
use parcd::store::Store;
use parcd_connectors::{
    Connector, ConnectorError, Cursor, Measure, Page, Phase, PollRequest, Quantity, Reading, Role,
    Subject, SyncMode,
};

use crate::helpers::{TestDb, page, record};
use crate::on_both_backends;

const PAGES: Quantity = Quantity {
    name: "printed_pages",
    unit: "pages",
    measure: Measure::Counter,
};
const TONER: Quantity = Quantity {
    name: "toner_level",
    unit: "percent",
    measure: Measure::Gauge,
};

fn at(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 6, 0, 0).unwrap()
}

fn printer(id: &str, serial: Option<&str>) -> Subject {
    Subject::Device {
        id: id.into(),
        serial: serial.map(str::to_string),
    }
}

async fn context(store: &Store, source: &str, role: Role, mode: SyncMode) -> SyncContext {
    store.source_state(source, "test", 1).await.unwrap();
    SyncContext {
        source: source.into(),
        role,
        sync_id: format!("{source}-sync"),
        mode,
        sync_started_at: 1,
        run_id: format!("{source}-run"),
        vanish_max_percent: 50,
        first_import: None,
    }
}

fn readings_page(readings: Vec<Reading>, cursor: &str) -> Page {
    Page {
        readings,
        cursor: Cursor(cursor.into()),
        done: true,
        ..Default::default()
    }
}

async fn readings_are_stored_once_even_when_replayed(db: TestDb) {
    let s = &db.store;
    let cx = context(s, "snmp", Role::Telemetry, SyncMode::Full).await;
    let readings = vec![
        Reading::new(
            printer("10.1.0.5", Some("CNB1X00001")),
            PAGES,
            1000.0,
            at(1),
        ),
        Reading::new(
            printer("10.1.0.5", Some("CNB1X00001")),
            PAGES,
            1250.0,
            at(2),
        ),
        Reading::new(printer("10.1.0.5", Some("CNB1X00001")), TONER, 64.0, at(2)),
    ];
    let first = apply_page(s, &cx, &readings_page(readings.clone(), "c1"), 100)
        .await
        .unwrap();
    assert_eq!((first.readings, first.readings_new), (3, 3));
    let again = apply_page(s, &cx, &readings_page(readings, "c2"), 200)
        .await
        .unwrap();
    assert_eq!((again.readings, again.readings_new), (3, 0));
    assert_eq!(s.reading_count("snmp").await.unwrap(), 3);
    // The first value stays: a replay never rewrites history.
    let later = vec![Reading::new(
        printer("10.1.0.5", Some("CNB1X00001")),
        PAGES,
        9999.0,
        at(1),
    )];
    apply_page(s, &cx, &readings_page(later, "c3"), 300)
        .await
        .unwrap();
    let as_of = s
        .readings_as_of("printed_pages", at(1).timestamp())
        .await
        .unwrap();
    assert_eq!(as_of.len(), 1);
    assert_eq!(as_of[0].value, 1000.0);
}

async fn readings_are_read_as_of_a_date(db: TestDb) {
    let s = &db.store;
    let cx = context(s, "snmp", Role::Telemetry, SyncMode::Full).await;
    let readings = vec![
        Reading::new(printer("a", None), PAGES, 10.0, at(1)),
        Reading::new(printer("a", None), PAGES, 20.0, at(3)),
        Reading::new(printer("a", None), PAGES, 30.0, at(5)),
        Reading::new(printer("b", None), PAGES, 7.0, at(4)),
    ];
    apply_page(s, &cx, &readings_page(readings, "c"), 100)
        .await
        .unwrap();
    let values = |rows: Vec<parcd::store::ReadingRow>| -> Vec<(String, f64)> {
        rows.into_iter().map(|r| (r.subject, r.value)).collect()
    };
    assert_eq!(
        values(
            s.readings_as_of("printed_pages", at(2).timestamp())
                .await
                .unwrap()
        ),
        vec![("a".to_string(), 10.0)]
    );
    assert_eq!(
        values(
            s.readings_as_of("printed_pages", at(4).timestamp())
                .await
                .unwrap()
        ),
        vec![("a".to_string(), 20.0), ("b".to_string(), 7.0)]
    );
    assert!(
        s.readings_as_of("printed_pages", at(1).timestamp() - 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.readings_as_of("toner_level", at(5).timestamp())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_counter_that_goes_down_starts_a_new_baseline(db: TestDb) {
    let s = &db.store;
    let cx = context(s, "snmp", Role::Telemetry, SyncMode::Full).await;
    // 1000 before the period; +200 inside; a replaced board reads 40, then 90 (+50).
    let readings = [(1, 1000.0), (3, 1200.0), (4, 40.0), (5, 90.0)]
        .into_iter()
        .map(|(d, v)| Reading::new(printer("a", Some("SN-A")), PAGES, v, at(d)))
        .collect();
    apply_page(s, &cx, &readings_page(readings, "c"), 100)
        .await
        .unwrap();
    let inc = parcd::readings::increases(s, "printed_pages", at(2).timestamp(), at(30).timestamp())
        .await
        .unwrap();
    assert_eq!(inc.len(), 1, "{inc:?}");
    assert_eq!(inc[0].increase, 250.0);
    assert_eq!(inc[0].resets, 1);
    assert_eq!(inc[0].serial_key.as_deref(), Some("SN-A"));
}

/// A daily log brings several readings of a printer on one page, and its history newest
/// first: the pages counted as pages come in are those the stored series adds up to, as
/// recomputed at a restart.
async fn counter_steps_add_up_to_the_stored_series_in_any_order(db: TestDb) {
    let s = &db.store;
    let cx = context(s, "glpi", Role::Inventory, SyncMode::Incremental).await;
    let mut counted = 0.0;
    let pages_of = |days: &[(u32, f64)]| -> Vec<Reading> {
        days.iter()
            .map(|&(d, v)| Reading::new(printer("Printer/7", Some("SN-7")), PAGES, v, at(d)))
            .collect()
    };
    // (readings of the page, pages it adds): the newest days first, both on one page (the
    // first is the baseline); the same page again; older days, read after (the baseline
    // moves back to them, and the pages from them to it count); days after a stop.
    for (i, (days, adds)) in [
        (vec![(10, 1000.0), (11, 1100.0)], 100.0),
        (vec![(10, 1000.0), (11, 1100.0)], 0.0),
        (vec![(8, 900.0), (9, 950.0)], 100.0),
        (vec![(12, 1180.0), (13, 1300.0), (14, 1310.0)], 210.0),
    ]
    .into_iter()
    .enumerate()
    {
        let out = apply_page(
            s,
            &cx,
            &readings_page(pages_of(&days), &format!("c{i}")),
            100,
        )
        .await
        .unwrap();
        let step = out
            .counter_steps
            .get("printed_pages")
            .copied()
            .unwrap_or(0.0);
        assert_eq!(step, adds, "page {i}");
        counted += step;
    }
    let stored = parcd::readings::increases(s, "printed_pages", 0, at(30).timestamp())
        .await
        .unwrap();
    assert_eq!(stored[0].increase, counted, "{stored:?}");
    assert_eq!(counted, 410.0);
}

async fn a_reading_joins_its_device_by_serial_across_sources(db: TestDb) {
    let s = &db.store;
    // The inventory knows the printer with its serial written in lower case and spaced.
    let mut inv = record(7, Phase::InService, "Mairie");
    inv.external_id = "Printer/7".into();
    inv.serial = Some("cnb1 x00007".into());
    let cx = context(s, "glpi", Role::Inventory, SyncMode::Full).await;
    apply_page(s, &cx, &page(vec![inv], "c", true), 100)
        .await
        .unwrap();
    let cx = context(s, "snmp", Role::Telemetry, SyncMode::Full).await;
    let readings = vec![
        Reading::new(printer("10.1.0.7", Some("CNB1X00007")), PAGES, 500.0, at(1)),
        Reading::new(printer("10.1.0.8", Some("OTHER")), PAGES, 80.0, at(1)),
        Reading::new(printer("10.1.0.9", Some("N/A")), PAGES, 90.0, at(1)),
    ];
    apply_page(s, &cx, &readings_page(readings, "c"), 100)
        .await
        .unwrap();
    let mine = s.readings_of_asset("glpi", "Printer/7").await.unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!((mine[0].source.as_str(), mine[0].value), ("snmp", 500.0));
    let linked = s.linked_assets(&["CNB1X00007", "OTHER"]).await.unwrap();
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_eq!(
        (linked[0].source.as_str(), linked[0].external_id.as_str()),
        ("glpi", "Printer/7")
    );
    // The telemetry source added no device: the fleet is the inventory's alone.
    assert_eq!(s.asset_totals("snmp").await.unwrap(), (0, 0));
    assert_eq!(s.asset_totals("glpi").await.unwrap(), (1, 0));
}

async fn a_full_sync_of_a_telemetry_source_or_an_unchanged_file_vanishes_nothing(db: TestDb) {
    let s = &db.store;
    let cx = context(s, "file", Role::Inventory, SyncMode::Full).await;
    let fleet = vec![
        record(1, Phase::InService, "A"),
        record(2, Phase::InService, "A"),
    ];
    apply_page(s, &cx, &page(fleet, "c", true), 100)
        .await
        .unwrap();
    // An unchanged source says nothing of what vanished.
    let mut cx = context(s, "file", Role::Inventory, SyncMode::Full).await;
    cx.sync_id = "file-sync-2".into();
    let unchanged = Page {
        cursor: Cursor("c".into()),
        done: true,
        unchanged: true,
        ..Default::default()
    };
    let out = apply_page(s, &cx, &unchanged, 200).await.unwrap();
    assert_eq!((out.vanished, out.vanish_refused), (0, false));
    assert_eq!(s.asset_totals("file").await.unwrap(), (2, 0));
    // The same empty page from a changed file is refused as a broken read, not a vanished
    // fleet.
    let mut cx = context(s, "file", Role::Inventory, SyncMode::Full).await;
    cx.sync_id = "file-sync-3".into();
    let out = apply_page(s, &cx, &page(vec![], "c", true), 300)
        .await
        .unwrap();
    assert!(out.vanish_refused);
    assert_eq!(s.asset_totals("file").await.unwrap(), (2, 0));
}

/// A telemetry connector that breaks its contract by sending device records.
struct RogueTelemetry;

#[async_trait]
impl Connector for RogueTelemetry {
    fn kind(&self) -> &'static str {
        "rogue_telemetry"
    }
    fn role(&self) -> Role {
        Role::Telemetry
    }
    async fn check(&self) -> Result<(), ConnectorError> {
        Ok(())
    }
    async fn poll(&self, _: PollRequest<'_>) -> Result<Page, ConnectorError> {
        Ok(page(vec![record(1, Phase::InService, "A")], "c", true))
    }
}

async fn a_telemetry_source_that_sends_devices_is_refused(db: TestDb) {
    let s = &db.store;
    let config = parcd::config::Config::from_toml(
        "[[sources]]\nname = \"rogue\"\nkind = \"glpi\"\nurl = \"http://127.0.0.1:9/apirest.php\"\nuser_token = \"t\"\n",
    )
    .unwrap();
    let rt = SourceRuntime {
        config: config.sources[0].clone(),
        connector: Box::new(RogueTelemetry),
    };
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let err = run_sync(s, &rt, SyncMode::Full, &mut |_| {}, stop)
        .await
        .expect_err("records from a telemetry source are refused");
    assert!(err.to_string().contains("telemetry"), "{err}");
    assert_eq!(err.error_type(), "protocol");
    assert_eq!(s.asset_totals("rogue").await.unwrap(), (0, 0));
}

on_both_backends! {
    readings_stored_once => readings_are_stored_once_even_when_replayed;
    readings_as_of => readings_are_read_as_of_a_date;
    counter_baseline => a_counter_that_goes_down_starts_a_new_baseline;
    counter_steps_any_order => counter_steps_add_up_to_the_stored_series_in_any_order;
    reading_joins_device => a_reading_joins_its_device_by_serial_across_sources;
    nothing_vanished_without_a_full_read => a_full_sync_of_a_telemetry_source_or_an_unchanged_file_vanishes_nothing;
    telemetry_records_refused => a_telemetry_source_that_sends_devices_is_refused;
}
