//! A printer known to two sources is one device: GLPI inventories it, a real SNMP agent
//! (snmpsimd, on a free 127.0.0.1 port) answers for it, and the daemon stores the agent's
//! page counter as readings joined to GLPI's printer by its serial number, without adding a
//! device or vanishing one.

use parcd::config::Config;
use parcd_fakes::snmp_printers::{Snmpsim, free_udp_port};

use crate::helpers::{Daemon, TestDb, config_text, eventually, glpi, metrics_text, sample, sum};
use crate::on_both_backends;

const PAGES: u64 = 48_213;

/// A mono laser printer at hrDevice 1 with `serial`, having counted `pages`, served by
/// snmpsimd on `port` under the community `parc`.
pub(crate) fn printer_agent(port: u16, serial: &str, pages: u64) -> Snmpsim {
    let rec = format!(
        "1.3.6.1.2.1.1.1.0|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.1.5.0|4|PRN-MAIRIE-01\n\
         1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n\
         1.3.6.1.2.1.25.3.2.1.3.1|4|HP LaserJet Pro M404dn\n\
         1.3.6.1.2.1.25.3.2.1.5.1|2|2\n\
         1.3.6.1.2.1.25.3.5.1.1.1|2|3\n\
         1.3.6.1.2.1.43.5.1.1.17.1|4|{serial}\n\
         1.3.6.1.2.1.43.10.2.1.2.1.1|2|4\n\
         1.3.6.1.2.1.43.10.2.1.3.1.1|2|7\n\
         1.3.6.1.2.1.43.10.2.1.4.1.1|65|{pages}\n"
    );
    Snmpsim::start(&[("parc", &rec)], port)
}

async fn an_snmp_printer_joins_its_glpi_record_by_serial(db: TestDb) {
    let sim = glpi(120).await;
    let (printer, serial, n) = sim.with_fleet(|f| {
        let id = f.ids("Printer")[0];
        let serial = f
            .asset("Printer", id)
            .and_then(|a| a.serial.clone())
            .expect("the fake's printers have serials");
        (id, serial, f.len() as f64)
    });
    let agent = printer_agent(free_udp_port(), &serial, PAGES);
    // snmpsimd indexes its data before it answers; until then the SNMP source fails and
    // is retried, as with any printer that does not answer yet.
    let text = config_text(&db.url, &sim.base_url(), r#"schedule = "* * * * * *""#)
        + &format!(
            r#"
        [[sources]]
        name = "imprimantes"
        kind = "snmp_printers"
        targets = ["127.0.0.1:{port}", "127.0.0.1:{silent}"]
        community = "parc"
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#,
            port = agent.port,
            // Nothing listens there: a printer switched off.
            silent = free_udp_port(),
        );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let config = text;
    let base = format!("http://{}", daemon.addr);
    let external_id = format!("Printer/{printer}");
    eventually(
        90,
        "the printer's counter is joined to its GLPI record",
        || async {
            db.store
                .readings_of_asset("glpi", &external_id)
                .await
                .unwrap()
                .iter()
                .any(|r| r.quantity == "printed_pages" && r.value == PAGES as f64)
        },
    )
    .await;
    let readings = db
        .store
        .readings_of_asset("glpi", &external_id)
        .await
        .unwrap();
    assert!(
        readings.iter().all(|r| r.source == "imprimantes"),
        "{readings:?}"
    );
    assert!(
        readings
            .iter()
            .any(|r| r.quantity == "responding" && r.value == 1.0),
        "{readings:?}"
    );

    // One device, two sources: the SNMP source adds none, and the fleet is GLPI's.
    eventually(30, "the fleet is published", || async {
        sum(&metrics_text(&base).await, "parcd_assets") == n
    })
    .await;
    let text = metrics_text(&base).await;
    assert_eq!(
        sample(&text, r#"parcd_source_up{source="imprimantes"}"#),
        Some(1.0)
    );
    assert!(
        sample(
            &text,
            r#"parcd_source_readings_read_total{source="imprimantes"}"#
        )
        .is_some_and(|v| v >= 1.0),
        "{text}"
    );
    assert_eq!(db.store.asset_totals("imprimantes").await.unwrap(), (0, 0));
    // The round's printers: one answered, the one switched off did not, and the source as a
    // whole is up.
    eventually(30, "the round's printers are counted", || async {
        let t = metrics_text(&base).await;
        sample(&t, r#"parcd_source_devices_polled{source="imprimantes"}"#) == Some(2.0)
            && sample(
                &t,
                r#"parcd_source_devices_responding{source="imprimantes"}"#,
            ) == Some(1.0)
    })
    .await;
    assert_eq!(db.store.asset_totals("glpi").await.unwrap(), (n as i64, 0));
    assert!(!text.contains("community"), "no secret in metrics");

    // Pages printed: the first reading is a baseline; more prints add their pages; a reset
    // (a counter lower than before) adds nothing; the pages after it count again.
    let all = r#"parcd_print_pages_total{colour="all",source="imprimantes"}"#;
    assert_eq!(sample(&text, all), Some(0.0), "a baseline prints nothing");
    let port = agent.port;
    drop(agent);
    let pages_stored = |value: u64| {
        let store = db.store.clone();
        let external_id = external_id.clone();
        async move {
            store
                .readings_of_asset("glpi", &external_id)
                .await
                .unwrap()
                .iter()
                .any(|r| r.quantity == "printed_pages" && r.value == value as f64)
        }
    };
    for (counter, printed) in [(PAGES + 500, 500.0), (100, 500.0), (160, 560.0)] {
        let agent = printer_agent(port, &serial, counter);
        eventually(60, &format!("the counter at {counter} is read"), || {
            pages_stored(counter)
        })
        .await;
        eventually(30, &format!("{printed} pages printed"), || async {
            sample(&metrics_text(&base).await, all) == Some(printed)
        })
        .await;
        drop(agent);
    }
    assert!(matches!(daemon.stop().await, Some(Ok(()))));

    // A restart goes on from the stored readings, not from 0.
    let daemon = Daemon::start(Config::from_toml(&config).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    assert_eq!(sample(&metrics_text(&base).await, all), Some(560.0));
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

on_both_backends! {
    snmp_printer_joined => an_snmp_printer_joins_its_glpi_record_by_serial;
}
