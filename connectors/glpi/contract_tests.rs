//! The GLPI connector against the simulator over real HTTP on 127.0.0.1: the contract of
//! GLPI's legacy API, and every way a GLPI server misbehaves.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::glpi::{GlpiConnector, GlpiParams};
use crate::params::Params;
use crate::reading::Subject;
use crate::{Connector, ConnectorError, Cursor, ErrorType, Page, PollRequest, SyncMode};
use parcd_fakes::glpi::{
    Fault, Fleet, FleetSpec, PageCounters, PrinterLogAccess, SimHandle, SimOptions, Simulator,
    generated_at,
};
use serde_json::json;

const APP: &str = "app-tok-1234";
const USER: &str = "user-tok-5678";

async fn simulator(assets: usize) -> SimHandle {
    let fleet = Fleet::generate(&FleetSpec {
        assets,
        seed: 7,
        templates: 3,
    });
    Simulator::start(
        fleet,
        SimOptions {
            app_token: Some(APP.into()),
            user_token: USER.into(),
            login: None,
        },
    )
    .await
    .expect("simulator starts on 127.0.0.1")
}

fn params(sim: &SimHandle, extra: serde_json::Value) -> GlpiParams {
    let mut table = json!({
        "url": sim.base_url(),
        "app_token": APP,
        "user_token": USER,
        "page_size": 100,
        "timeout_seconds": 5,
    });
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = GlpiParams::from_params(&mut p).expect("valid params");
    assert!(p.finish().is_empty());
    params
}

#[tokio::test]
async fn the_glpi_connector_passes_the_conformance_harness() {
    let sim = simulator(250).await;
    // Printer counters too: two months of daily log rows, over two pages at least.
    sim.with_fleet(|f| f.record_printer_history(60, generated_at()));
    let logged = sim.with_fleet(|f| f.printer_logs().len());
    assert!(logged > 100, "{logged} log rows");
    let good = params(&sim, json!({}));
    let wrong_token = params(&sim, json!({"user_token": "wrong-user-token-91"}));
    let wrong_app = params(&sim, json!({"app_token": "wrong-app-token-92"}));
    let closed = {
        let other = simulator(1).await;
        let p = params(&other, json!({}));
        other.shutdown();
        tokio::time::sleep(Duration::from_millis(100)).await;
        p
    };
    crate::framework::conformance::assert_conformance(crate::framework::conformance::Case {
        good: &good,
        failing: vec![
            (&wrong_token, ErrorType::Auth),
            (&wrong_app, ErrorType::Auth),
            (&closed, ErrorType::Connect),
        ],
        secrets: vec![APP, USER, "wrong-user-token-91", "wrong-app-token-92"],
    })
    .await;
}

fn connector(sim: &SimHandle, extra: serde_json::Value) -> GlpiConnector {
    let mut table = json!({
        "url": sim.base_url(),
        "app_token": APP,
        "user_token": USER,
        "page_size": 100,
        "timeout_seconds": 5,
    });
    for (k, v) in extra.as_object().unwrap() {
        table[k] = v.clone();
    }
    let mut p = Params::new("sources[0]", table.as_object().unwrap().clone());
    let params = GlpiParams::from_params(&mut p).expect("valid params");
    assert!(p.finish().is_empty());
    GlpiConnector::new(params).unwrap()
}

/// Polls until the sync is done; returns every page.
async fn sync(
    c: &GlpiConnector,
    mode: SyncMode,
    cursor: Option<Cursor>,
) -> Result<(Vec<Page>, Cursor), ConnectorError> {
    crate::framework::conformance::sync(c, mode, cursor, 10_000)
        .await
        .map(|(read, cursor)| (read.pages, cursor))
}

fn fleet_ids(sim: &SimHandle) -> BTreeSet<String> {
    sim.with_fleet(|f| {
        [
            "Computer",
            "Monitor",
            "Printer",
            "Phone",
            "NetworkEquipment",
            "Peripheral",
        ]
        .iter()
        .flat_map(|t| f.ids(t).into_iter().map(move |id| format!("{t}/{id}")))
        .collect()
    })
}

#[tokio::test]
async fn a_full_sync_reads_every_item_once_with_names_and_purchases() {
    let sim = simulator(600).await;
    let c = connector(&sim, json!({}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert!(
        pages.len() > 6,
        "600 items in pages of 100 take several pages"
    );
    let records: Vec<_> = pages.iter().flat_map(|p| p.records.iter()).collect();
    let ids: BTreeSet<String> = records.iter().map(|r| r.external_id.clone()).collect();
    assert_eq!(ids.len(), records.len(), "no record twice");
    assert_eq!(
        ids,
        fleet_ids(&sim),
        "every non-template item, nothing else"
    );
    assert_eq!(pages[0].total_hint.map(|t| t >= 600), Some(true));

    let with_status = records.iter().filter(|r| r.status.is_some()).count();
    let with_amount = records
        .iter()
        .filter(|r| {
            r.purchase
                .as_ref()
                .is_some_and(|p| p.amount_cents.is_some_and(|a| a > 0))
        })
        .count();
    assert!(
        with_status * 10 > records.len() * 9,
        "dropdown ids resolved to status names"
    );
    assert!(
        with_amount * 10 > records.len() * 8,
        "Infocom values joined, decimals parsed"
    );
    assert!(
        records
            .iter()
            .any(|r| r.entity.as_deref().is_some_and(|e| e.contains('>'))),
        "tree names"
    );
    assert!(
        records.iter().any(|r| r.rated_power_w.is_some()),
        "model power read"
    );
    assert!(
        records.iter().any(|r| !r.status_mapped),
        "an unknown status is flagged, not fatal"
    );
    for class in ["laptop", "desktop", "monitor", "smartphone", "printer"] {
        assert!(
            records.iter().any(|r| r.class.as_str() == class),
            "no {class}"
        );
    }
}

/// Infocom is read two pages at a time: whatever the page size, every row comes once, in
/// GLPI's order, as one single page would give them.
#[tokio::test]
async fn a_collection_read_two_pages_at_a_time_gives_every_row_once_in_order() {
    let sim = simulator(300).await;
    let client = crate::glpi::GlpiClient::new(&params(&sim, json!({}))).unwrap();
    let ids = |rows: Vec<serde_json::Value>, out: &mut Vec<u64>| {
        out.extend(rows.iter().map(|r| r["id"].as_u64().expect("an id")));
    };
    let mut whole = Vec::new();
    client
        .list_each("Infocom", 10_000, |rows| ids(rows, &mut whole))
        .await
        .unwrap();
    assert!(
        whole.len() > 200,
        "the fleet has Infocom rows: {}",
        whole.len()
    );
    for page_size in [1, 7, 100, whole.len() as u64 - 1, whole.len() as u64] {
        let mut paged = Vec::new();
        let mut calls = 0;
        client
            .list_each("Infocom", page_size, |rows| {
                calls += 1;
                ids(rows, &mut paged)
            })
            .await
            .unwrap();
        assert_eq!(paged, whole, "page size {page_size}");
        assert_eq!(
            calls as u64,
            (whole.len() as u64).div_ceil(page_size),
            "page size {page_size}"
        );
    }
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_request_replayed() {
    let sim = simulator(300).await;
    let c = connector(&sim, json!({}));
    let first = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    sim.expire_sessions();
    let (rest, _) = sync(&c, SyncMode::Full, Some(first.cursor.clone()))
        .await
        .unwrap();
    let n = first.records.len() + rest.iter().map(|p| p.records.len()).sum::<usize>();
    assert_eq!(n, fleet_ids(&sim).len());
    assert_eq!(sim.stats().init_sessions, 2);
}

#[tokio::test]
async fn a_sync_resumes_from_its_cursor_in_a_new_connector() {
    let sim = simulator(500).await;
    let before = connector(&sim, json!({}));
    let mut cursor = None;
    let mut seen = BTreeSet::new();
    for _ in 0..3 {
        let p = before
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: cursor.as_ref(),
                inventory: &[],
            })
            .await
            .unwrap();
        seen.extend(p.records.iter().map(|r| r.external_id.clone()));
        cursor = Some(p.cursor);
    }
    // As after a restart: nothing in memory, only the stored cursor.
    let after = connector(&sim, json!({}));
    let (pages, _) = sync(&after, SyncMode::Full, cursor).await.unwrap();
    seen.extend(
        pages
            .iter()
            .flat_map(|p| p.records.iter().map(|r| r.external_id.clone())),
    );
    assert_eq!(seen, fleet_ids(&sim));
}

#[tokio::test]
async fn an_incremental_sync_reads_only_what_changed_including_infocom_only_changes() {
    let sim = simulator(400).await;
    let c = connector(&sim, json!({}));
    let (full, watermark) = sync(&c, SyncMode::Full, None).await.unwrap();
    let newest = full
        .iter()
        .flat_map(|p| &p.records)
        .filter_map(|r| r.modified_at.clone())
        .max();
    let later = chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let (moved, priced) = sim.with_fleet(|f| {
        let ids = f.ids("Computer");
        f.set_state("Computer", ids[0], "Recyclé", later);
        f.set_infocom_value("Computer", ids[1], "1 234,50", later);
        (ids[0], ids[1])
    });
    let (pages, watermark) = sync(&c, SyncMode::Incremental, Some(watermark))
        .await
        .unwrap();
    let records: Vec<_> = pages.iter().flat_map(|p| p.records.iter()).collect();
    let changed = [format!("Computer/{moved}"), format!("Computer/{priced}")];
    let mut read: Vec<&str> = records.iter().map(|r| r.external_id.as_str()).collect();
    read.sort();
    // The items stamped at the full sync's newest second were read by it as they are now:
    // not again, although the watermark is inclusive.
    assert_eq!(
        read,
        changed.iter().map(String::as_str).collect::<Vec<_>>(),
        "newest before: {newest:?}"
    );
    let recycled = records
        .iter()
        .find(|r| r.external_id == format!("Computer/{moved}"))
        .unwrap();
    assert_eq!(recycled.phase.as_str(), "recycled");
    let repriced = records
        .iter()
        .find(|r| r.external_id == format!("Computer/{priced}"))
        .unwrap();
    assert_eq!(
        repriced.purchase.as_ref().unwrap().amount_cents,
        Some(123_450)
    );

    // Nothing changed since: the next incremental syncs read nothing and fetch no item,
    // although both changes sit at the watermark (an Infocom-only change was fetched again
    // at every poll before).
    let mut watermark = watermark;
    for _ in 0..2 {
        let by_type = |t: &str| {
            sim.stats()
                .requests_by_itemtype
                .get(t)
                .copied()
                .unwrap_or(0)
        };
        let (computers, monitors) = (by_type("Computer"), by_type("Monitor"));
        let (pages, next) = sync(&c, SyncMode::Incremental, Some(watermark))
            .await
            .unwrap();
        watermark = next;
        let again: Vec<_> = pages
            .iter()
            .flat_map(|p| &p.records)
            .map(|r| &r.external_id)
            .collect();
        assert!(again.is_empty(), "read again: {again:?}");
        // As many requests for Computer as for Monitor, which changed nothing: its lists,
        // and no `Computer/ID` fetch of the repriced item.
        assert_eq!(
            by_type("Computer") - computers,
            by_type("Monitor") - monitors,
            "an item was fetched again"
        );
    }

    // Edited again within the same second: its row differs, so it is read again.
    sim.with_fleet(|f| f.set_infocom_value("Computer", priced, "999,00", later));
    let (pages, _) = sync(&c, SyncMode::Incremental, Some(watermark))
        .await
        .unwrap();
    let again: Vec<_> = pages.iter().flat_map(|p| &p.records).collect();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].external_id, format!("Computer/{priced}"));
    assert_eq!(
        again[0].purchase.as_ref().unwrap().amount_cents,
        Some(99_900)
    );
}

#[tokio::test]
async fn a_status_created_while_a_sync_is_under_way_is_read_by_its_name() {
    let sim = simulator(300).await;
    let c = connector(&sim, json!({"page_size": 10}));
    // Entities, which do not change here, count how often the dropdowns are read.
    let dropdown_reads = || {
        sim.stats()
            .requests_by_itemtype
            .get("Entity")
            .copied()
            .unwrap_or(0)
    };
    // With no dropdown row added, a sync reads the dropdowns once.
    let before = dropdown_reads();
    sync(&c, SyncMode::Full, None).await.unwrap();
    let per_sync = dropdown_reads() - before;
    assert!(per_sync >= 1, "the dropdowns are read");

    // The next sync has read the dropdowns and its first page when GLPI gets a status it
    // never had, given to a computer of a later page.
    let before = dropdown_reads();
    let first = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    assert!(!first.done);
    let last = *sim.with_fleet(|f| f.ids("Computer")).last().unwrap();
    assert!(
        first
            .records
            .iter()
            .all(|r| r.external_id != format!("Computer/{last}")),
        "the computer is on a later page"
    );
    let now = chrono::Local::now().naive_local();
    sim.with_fleet(|f| f.set_state("Computer", last, "Prêté à une commune", now));
    let (pages, _) = sync(&c, SyncMode::Full, Some(first.cursor)).await.unwrap();
    let lent = pages
        .iter()
        .flat_map(|p| &p.records)
        .find(|r| r.external_id == format!("Computer/{last}"))
        .expect("the computer is read");
    assert_eq!(lent.status.as_deref(), Some("Prêté à une commune"));
    // The dropdowns were read again once for it, not at every page.
    assert_eq!(dropdown_reads() - before, 2 * per_sync);
}

#[tokio::test]
async fn a_removed_item_is_absent_from_the_next_full_sync() {
    let sim = simulator(200).await;
    let gone = sim.with_fleet(|f| {
        let id = f.ids("Monitor")[0];
        assert!(f.remove("Monitor", id));
        format!("Monitor/{id}")
    });
    let c = connector(&sim, json!({}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert!(
        !pages
            .iter()
            .flat_map(|p| &p.records)
            .any(|r| r.external_id == gone)
    );
}

async fn failure(c: &GlpiConnector) -> ConnectorError {
    sync(c, SyncMode::Full, None)
        .await
        .map(|_| ())
        .expect_err("the sync must fail")
}

#[tokio::test]
async fn a_wrong_user_token_names_the_token_but_never_shows_it() {
    let sim = simulator(10).await;
    let c = connector(&sim, json!({"user_token": "not-the-right-one"}));
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Auth);
    let msg = e.to_string();
    assert!(msg.contains("user_token"), "{msg}");
    assert!(
        !msg.contains("not-the-right-one") && !msg.contains(USER),
        "{msg}"
    );
}

#[tokio::test]
async fn a_wrong_app_token_names_the_app_token() {
    let sim = simulator(10).await;
    let c = connector(&sim, json!({"app_token": "wrong-app"}));
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Auth);
    assert!(e.to_string().contains("app_token"), "{e}");
    assert!(!e.to_string().contains("wrong-app"));
}

#[tokio::test]
async fn server_errors_malformed_and_truncated_pages_fail_the_poll_with_their_kind() {
    let sim = simulator(300).await;
    let cases = [
        (Fault::ServerError, ErrorType::Http),
        (Fault::MalformedJson, ErrorType::Decode),
        (Fault::WrongShape, ErrorType::Decode),
    ];
    for (fault, kind) in cases {
        let c = connector(&sim, json!({}));
        sim.inject(fault, 1);
        let e = failure(&c).await;
        assert_eq!(e.error_type(), kind, "{e}");
    }
    // A page cut in the middle is either unreadable JSON or fewer rows than announced.
    let c = connector(&sim, json!({}));
    let first = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .unwrap();
    sim.inject(Fault::TruncatedPage, 1);
    let e = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: Some(&first.cursor),
            inventory: &[],
        })
        .await
        .expect_err("a truncated page is refused");
    assert!(
        matches!(e.error_type(), ErrorType::Decode | ErrorType::Protocol),
        "{e}"
    );
    // The same cursor works once the server is healthy again: nothing was skipped.
    let (pages, _) = sync(&c, SyncMode::Full, Some(first.cursor.clone()))
        .await
        .unwrap();
    let n = first.records.len() + pages.iter().map(|p| p.records.len()).sum::<usize>();
    assert_eq!(n, fleet_ids(&sim).len());
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let sim = simulator(10).await;
    let c = connector(&sim, json!({"timeout_seconds": 1}));
    sim.inject(Fault::Delay(Duration::from_secs(3)), 50);
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Timeout, "{e}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    let sim = simulator(1).await;
    let url = sim.base_url();
    sim.shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = connector(&sim, json!({"url": url}));
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Connect, "{e}");
}

#[tokio::test]
async fn closing_ends_the_glpi_session() {
    let sim = simulator(10).await;
    let c = connector(&sim, json!({}));
    c.check().await.unwrap();
    c.close().await;
    assert_eq!(sim.stats().kill_sessions, 1);
}

#[tokio::test]
async fn basic_authentication_works_when_glpi_allows_it() {
    let fleet = Fleet::generate(&FleetSpec {
        assets: 50,
        seed: 3,
        templates: 0,
    });
    let sim = Simulator::start(
        fleet,
        SimOptions {
            app_token: None,
            user_token: USER.into(),
            login: Some(("parcd".into(), "pa:ss wörd".into())),
        },
    )
    .await
    .unwrap();
    let mut p = Params::new(
        "s",
        json!({"url": sim.base_url(), "username": "parcd", "password": "pa:ss wörd"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let c = GlpiConnector::new(GlpiParams::from_params(&mut p).unwrap()).unwrap();
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.records.len()).sum::<usize>(),
        sim.with_fleet(|f| f.len())
    );

    let mut p = Params::new(
        "s",
        json!({"url": sim.base_url(), "username": "parcd", "password": "wrong"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let c = GlpiConnector::new(GlpiParams::from_params(&mut p).unwrap()).unwrap();
    let e = failure(&c).await;
    assert_eq!(e.error_type(), ErrorType::Auth);
    assert!(e.to_string().contains("username or password"), "{e}");
}

/// The readings of a sync, as (subject, quantity, day or time, value).
fn readings_of(pages: &[Page]) -> BTreeSet<(String, String, String, u64)> {
    pages
        .iter()
        .flat_map(|p| &p.readings)
        .map(|r| {
            (
                r.subject.key().to_string(),
                r.quantity.clone(),
                r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.value as u64,
            )
        })
        .collect()
}

#[tokio::test]
async fn printer_counters_are_read_from_the_log_newer_rows_only() {
    let sim = simulator(400).await;
    let start = generated_at();
    sim.with_fleet(|f| f.record_printer_history(3, start));
    let (logged, serials) = sim.with_fleet(|f| {
        let logged: Vec<_> = f.printer_logs().to_vec();
        let serials: std::collections::HashMap<String, Option<String>> = f
            .assets(parcd_fakes::glpi::AssetType::Printer)
            .iter()
            .map(|a| (format!("Printer/{}", a.id), a.serial.clone()))
            .collect();
        (logged, serials)
    });
    let printers: BTreeSet<u64> = logged.iter().map(|r| r.printers_id).collect();
    assert!(
        printers.len() >= 3,
        "the fleet has printers the agent inventories"
    );
    let c = connector(&sim, json!({"page_size": 25}));

    // The first sync reads the whole log: each row's counters, at the start of its day,
    // about the printer as the inventory names it, with the printer's serial.
    let (pages, resting) = sync(&c, SyncMode::Full, None).await.unwrap();
    let got = readings_of(&pages);
    for row in &logged {
        let day = format!("{} 00:00:00", row.date.unwrap());
        let subject = format!("Printer/{}", row.printers_id);
        for (quantity, value) in [
            ("printed_pages", row.total_pages),
            ("printed_pages_mono", row.bw_pages),
            ("printed_pages_duplex", row.rv_pages),
            ("copied_pages", row.copies),
            ("scanned_pages", row.scanned),
        ] {
            assert!(
                got.contains(&(subject.clone(), quantity.into(), day.clone(), value)),
                "{subject} {quantity} {day} {value} missing"
            );
        }
        if row.color_pages > 0 {
            assert!(got.contains(&(subject, "printed_pages_colour".into(), day, row.color_pages)));
        }
    }
    assert!(
        !got.iter().any(|r| r.1 == "faxed_pages"),
        "a counter at 0 is no reading"
    );
    let records: BTreeSet<String> = pages
        .iter()
        .flat_map(|p| &p.records)
        .map(|r| r.external_id.clone())
        .collect();
    for r in pages.iter().flat_map(|p| &p.readings) {
        assert!(
            records.contains(r.subject.key()),
            "{} is a record too",
            r.subject.key()
        );
        let Subject::Device { serial, .. } = &r.subject else {
            panic!("a device reading");
        };
        assert_eq!(serial, &serials[r.subject.key()], "the printer's serial");
    }

    // Nothing new: no reading, in either mode, and no page of the log asked for (the
    // probe's highest id says there is none).
    let log_requests = || {
        sim.stats()
            .requests_by_itemtype
            .get("PrinterLog")
            .copied()
            .unwrap_or(0)
    };
    for mode in [SyncMode::Incremental, SyncMode::Full] {
        let before = log_requests();
        let (pages, _) = sync(&c, mode, Some(resting.clone())).await.unwrap();
        assert_eq!(readings_of(&pages), BTreeSet::new(), "{mode:?}");
        assert_eq!(log_requests() - before, 1, "{mode:?}: the probe only");
    }

    // The agent inventories one printer the next day: only its new row is read.
    let printer = *printers.iter().next().unwrap();
    let next_day = start + chrono::Duration::days(1);
    let counters = PageCounters {
        total_pages: 900_000,
        bw_pages: 900_000,
        ..PageCounters::default()
    };
    sim.with_fleet(|f| f.inventory_printer(printer, counters, next_day));
    let before = log_requests();
    let (pages, after) = sync(&c, SyncMode::Incremental, Some(resting.clone()))
        .await
        .unwrap();
    assert_eq!(log_requests() - before, 2, "the probe, then one row");
    assert_eq!(sim.stats().last_range_requested.as_deref(), Some("0-0"));
    let day = format!("{} 00:00:00", next_day.date());
    let subject = format!("Printer/{printer}");
    assert_eq!(
        readings_of(&pages),
        BTreeSet::from([
            (
                subject.clone(),
                "printed_pages".into(),
                day.clone(),
                900_000
            ),
            (
                subject.clone(),
                "printed_pages_mono".into(),
                day.clone(),
                900_000
            ),
        ])
    );
    // Read again from the same cursor (a replay after a crash): the same readings.
    let (replayed, _) = sync(&c, SyncMode::Incremental, Some(resting))
        .await
        .unwrap();
    assert_eq!(readings_of(&replayed), readings_of(&pages));

    // A second inventory the same day rewrites the day's row: its first value stands.
    let later = next_day + chrono::Duration::hours(3);
    sim.with_fleet(|f| {
        f.inventory_printer(
            printer,
            PageCounters {
                total_pages: 900_050,
                ..counters
            },
            later,
        )
    });
    let (pages, _) = sync(&c, SyncMode::Incremental, Some(after)).await.unwrap();
    assert_eq!(readings_of(&pages), BTreeSet::new());
    assert_eq!(
        pages.iter().flat_map(|p| &p.records).count(),
        1,
        "the printer's own row changed"
    );
}

#[tokio::test]
async fn without_the_printer_log_each_printer_counter_is_read_and_the_inventory_goes_on() {
    for access in [PrinterLogAccess::Absent, PrinterLogAccess::Forbidden] {
        let sim = simulator(400).await;
        sim.with_fleet(|f| f.record_printer_history(2, generated_at()));
        sim.printer_log(access);
        let c = connector(&sim, json!({}));
        let (pages, resting) = sync(&c, SyncMode::Full, None).await.unwrap();
        let records: Vec<_> = pages.iter().flat_map(|p| &p.records).collect();
        assert_eq!(
            records.len(),
            fleet_ids(&sim).len(),
            "{access:?}: the whole fleet"
        );
        // One reading per printer with a counter: last_pages_counter, dated at the
        // printer's last inventory (else its last change).
        let expected: BTreeSet<_> = sim.with_fleet(|f| {
            f.assets(parcd_fakes::glpi::AssetType::Printer)
                .iter()
                .filter(|a| !a.is_template && !a.is_deleted && a.last_pages_counter > 0)
                .map(|a| {
                    let at = a.last_inventory_update.or(a.date_mod).unwrap();
                    (
                        format!("Printer/{}", a.id),
                        "printed_pages".to_string(),
                        at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        a.last_pages_counter,
                    )
                })
                .collect()
        });
        assert!(expected.len() >= 3);
        assert_eq!(readings_of(&pages), expected, "{access:?}");

        // Incremental: a printer's counter is read again when its row changes.
        let printer = sim.with_fleet(|f| f.ids("Printer")[0]);
        let now = generated_at() + chrono::Duration::days(1);
        sim.with_fleet(|f| {
            f.inventory_printer(
                printer,
                PageCounters {
                    total_pages: 777_777,
                    ..PageCounters::default()
                },
                now,
            )
        });
        let (pages, _) = sync(&c, SyncMode::Incremental, Some(resting))
            .await
            .unwrap();
        assert_eq!(
            readings_of(&pages),
            BTreeSet::from([(
                format!("Printer/{printer}"),
                "printed_pages".to_string(),
                now.format("%Y-%m-%d %H:%M:%S").to_string(),
                777_777
            )])
        );

        // The log served again (GLPI upgraded, the right given): read from it.
        sim.printer_log(PrinterLogAccess::Served);
        let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
        let logged = sim.with_fleet(|f| f.printer_logs().len());
        let totals = readings_of(&pages)
            .iter()
            .filter(|r| r.1 == "printed_pages" && r.2.ends_with("00:00:00"))
            .count();
        assert_eq!(totals, logged, "{access:?}: one total per log row");
    }
}

#[tokio::test]
async fn with_printer_counters_off_the_log_is_not_asked_for() {
    let sim = simulator(300).await;
    sim.with_fleet(|f| f.record_printer_history(2, generated_at()));
    let c = connector(&sim, json!({"printer_counters": false}));
    let (pages, _) = sync(&c, SyncMode::Full, None).await.unwrap();
    assert!(pages.iter().all(|p| p.readings.is_empty()));
    assert_eq!(sim.stats().requests_by_itemtype.get("PrinterLog"), None);
}

#[tokio::test]
async fn another_refusal_of_the_log_fails_the_sync() {
    let sim = simulator(200).await;
    // The probe of the log is the first request after the dropdowns, Infocom and the
    // totals; a server error there is an error like any other, not a missing log.
    let probe_at = {
        let c2 = connector(&sim, json!({"printer_counters": false}));
        let before = sim.stats().requests;
        let _ = c2
            .poll(PollRequest {
                mode: SyncMode::Full,
                cursor: None,
                inventory: &[],
            })
            .await
            .unwrap();
        // The first poll without the probe: dropdowns, Infocom, totals, one page.
        sim.stats().requests - before - 1
    };
    let c3 = connector(&sim, json!({}));
    // Let the requests before the probe through, then fail the probe.
    sim.inject(Fault::Delay(Duration::from_millis(0)), probe_at);
    sim.inject(Fault::ServerError, 1);
    let e = c3
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &[],
        })
        .await
        .expect_err("a server error on the log fails the poll");
    assert_eq!(e.error_type(), ErrorType::Http, "{e}");
    assert!(e.to_string().contains("PrinterLog"), "{e}");
}

/// The printers' IP addresses, as GLPI 10 serves them in `_networkports`: read with each
/// printer of a full sync, followed by an incremental sync when the agent finds the printer
/// at another address, and none for a printer without a port.
#[tokio::test]
async fn printers_are_read_with_the_ip_addresses_of_their_network_ports() {
    let sim = simulator(300).await;
    let c = connector(&sim, json!({}));
    let later = chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let (addressed, bare) = sim.with_fleet(|f| {
        let ids = f.ids("Printer");
        f.set_address("Printer", ids[0], Some("10.1.2.30"), generated_at());
        (ids[0], ids[1])
    });

    // The wire: GLPI's field names, the address's id as text, `[]` without a port.
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .get(format!("{}/initSession", sim.base_url()))
        .header("App-Token", APP)
        .header("Authorization", format!("user_token {USER}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["session_token"].as_str().unwrap().to_string();
    let rows: serde_json::Value = http
        .get(format!(
            "{}/Printer/?range=0-999&with_networkports=true",
            sim.base_url()
        ))
        .header("App-Token", APP)
        .header("Session-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = |id: u64| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    let port = &row(addressed)["_networkports"]["NetworkPortEthernet"][0];
    assert_eq!(port["netport_id"], port["networkports_id"], "{port}");
    assert_eq!(port["NetworkName"]["IPAddress"][0]["name"], "10.1.2.30");
    assert!(
        port["NetworkName"]["IPAddress"][0]["id"].is_string(),
        "{port}"
    );
    assert!(port["NetworkName"]["IPAddress"][0]["IPNetwork"].is_array());
    assert_eq!(row(bare)["_networkports"], json!([]));
    let computers: serde_json::Value = http
        .get(format!("{}/Computer/?range=0-0", sim.base_url()))
        .header("App-Token", APP)
        .header("Session-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(computers[0].get("_networkports").is_none(), "not asked");

    // The connector asks for the ports of printers only, and reads their addresses.
    let (pages, watermark) = sync(&c, SyncMode::Full, None).await.unwrap();
    let record = |pages: &[Page], id: u64| {
        pages
            .iter()
            .flat_map(|p| &p.records)
            .find(|r| r.external_id == format!("Printer/{id}"))
            .cloned()
    };
    assert_eq!(record(&pages, addressed).unwrap().addresses, ["10.1.2.30"]);
    assert!(record(&pages, bare).unwrap().addresses.is_empty());
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.records)
            .all(|r| r.item_type == "Printer" || r.addresses.is_empty())
    );

    // The agent finds the printer at another address: the next incremental sync reads it.
    sim.with_fleet(|f| f.set_address("Printer", addressed, Some("10.1.3.44"), later));
    let (pages, _) = sync(&c, SyncMode::Incremental, Some(watermark))
        .await
        .unwrap();
    assert_eq!(record(&pages, addressed).unwrap().addresses, ["10.1.3.44"]);
    assert!(record(&pages, bare).is_none(), "unchanged, not read again");
}
