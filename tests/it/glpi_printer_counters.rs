//! Printing figures from GLPI: the daemon reads the page counter log the GLPI Agent keeps
//! (`PrinterLog`, one row per printer and day) as readings of the printers GLPI
//! inventories, joined to them by serial number; `parcd_print_pages_total` grows by the
//! log's steps, and is the same once recomputed from the stored readings at a restart. A
//! printer also polled over SNMP (a real snmpsimd agent) stays one device.

use chrono::Duration;
use parcd::config::Config;
use parcd_fakes::glpi::{PageCounters, generated_at};
use parcd_fakes::snmp_printers::free_udp_port;

use crate::helpers::{
    Daemon, TestDb, config_text, eventually, glpi, glpi_asset_has_reading, metrics_text, sample,
    sum,
};
use crate::on_both_backends;
use crate::printers::printer_agent;

const SNMP_PAGES: u64 = 48_213;

/// What the agent reads of a colour printer that has printed `total` pages, a fifth of them
/// in colour.
fn counters(total: u64) -> PageCounters {
    PageCounters {
        total_pages: total,
        bw_pages: total - total / 5,
        color_pages: total / 5,
        ..PageCounters::default()
    }
}

fn pages(source: &str, colour: &str) -> String {
    format!(r#"parcd_print_pages_total{{colour="{colour}",source="{source}"}}"#)
}

async fn the_glpi_printer_log_counts_pages_printed_on_glpi_s_printer(db: TestDb) {
    let sim = glpi(120).await;
    let today = generated_at();
    let (printer, serial, n) = sim.with_fleet(|f| {
        let (id, serial) = f
            .ids("Printer")
            .into_iter()
            .find_map(|id| Some((id, f.asset("Printer", id)?.serial.clone()?)))
            .expect("the fake has printers with serials");
        (id, serial, f.len() as f64)
    });
    sim.with_fleet(|f| {
        f.inventory_printer(printer, counters(10_000), today - Duration::days(1));
        f.inventory_printer(printer, counters(10_250), today);
    });
    let agent = printer_agent(free_udp_port(), &serial, SNMP_PAGES);
    let text = config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#)
        + &format!(
            r#"
        [[sources]]
        name = "imprimantes"
        kind = "snmp_printers"
        targets = ["127.0.0.1:{port}"]
        community = "parc"
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#,
            port = agent.port,
        );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    let external_id = format!("Printer/{printer}");
    let joined = |source: &'static str, quantity: &'static str, value: u64| {
        glpi_asset_has_reading(&db.store, &external_id, move |r| {
            r.source == source && r.quantity == quantity && r.value == value as f64
        })
    };
    eventually(90, "both sources' counters join GLPI's printer", || async {
        joined("glpi", "printed_pages", 10_250).await
            && joined("imprimantes", "printed_pages", SNMP_PAGES).await
    })
    .await;

    // The log's rows, each at the start of its day, under the printer's inventory id.
    let glpi_series = |quantity: &'static str| {
        let store = db.store.clone();
        let external_id = external_id.clone();
        async move {
            store
                .readings_of_asset("glpi", &external_id)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.source == "glpi" && r.quantity == quantity)
                .map(|r| (r.subject, r.at, r.value))
                .collect::<Vec<_>>()
        }
    };
    let midnight = |d: chrono::NaiveDateTime| d.date().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let yesterday = midnight(today - Duration::days(1)).timestamp();
    assert_eq!(
        glpi_series("printed_pages").await,
        [
            (external_id.clone(), yesterday, 10_000.0),
            (external_id.clone(), midnight(today).timestamp(), 10_250.0)
        ]
    );
    assert_eq!(
        glpi_series("printed_pages_colour").await,
        [
            (external_id.clone(), yesterday, 2_000.0),
            (external_id.clone(), midnight(today).timestamp(), 2_050.0)
        ]
    );

    // One device: GLPI's. Neither its log nor the SNMP source adds one.
    eventually(30, "the fleet is published", || async {
        sum(&metrics_text(&base).await, "parcd_assets") == n
    })
    .await;
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n as i64, 0));
    assert_eq!(db.store.asset_totals("imprimantes").await.unwrap(), (0, 0));

    // The log's first row is the baseline; the step to the next day is printed pages.
    eventually(30, "the log's step is counted", || async {
        let t = metrics_text(&base).await;
        sample(&t, &pages("glpi", "all")) == Some(250.0)
            && sample(&t, &pages("glpi", "colour")) == Some(50.0)
            && sample(&t, &pages("glpi", "mono")) == Some(200.0)
    })
    .await;

    // The agent inventories the printer the next day: its new row is read, and counted.
    let tomorrow = today + Duration::days(1);
    sim.with_fleet(|f| f.inventory_printer(printer, counters(10_400), tomorrow));
    eventually(30, "the next day's pages are counted", || async {
        let t = metrics_text(&base).await;
        sample(&t, &pages("glpi", "all")) == Some(400.0)
            && sample(&t, &pages("glpi", "colour")) == Some(80.0)
            && sample(&t, &pages("glpi", "mono")) == Some(320.0)
    })
    .await;

    // A second inventory the same day rewrites the day's row: read once, never counted
    // twice, however many polls read the log again.
    sim.with_fleet(|f| {
        f.inventory_printer(printer, counters(10_450), tomorrow + Duration::hours(2))
    });
    let log_reads = || {
        sim.stats()
            .requests_by_itemtype
            .get("PrinterLog")
            .copied()
            .unwrap_or(0)
    };
    let seen = log_reads();
    eventually(30, "the log is read again", || async {
        log_reads() >= seen + 3
    })
    .await;
    assert_eq!(glpi_series("printed_pages").await.len(), 3);
    assert_eq!(
        sample(&metrics_text(&base).await, &pages("glpi", "all")),
        Some(400.0)
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // At a restart the pages printed are recomputed from the stored readings: the same.
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let t = metrics_text(&format!("http://{}", daemon.addr)).await;
    assert_eq!(sample(&t, &pages("glpi", "all")), Some(400.0));
    assert_eq!(sample(&t, &pages("glpi", "colour")), Some(80.0));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
    drop(agent);
}

on_both_backends! {
    glpi_printer_log => the_glpi_printer_log_counts_pages_printed_on_glpi_s_printer;
}
