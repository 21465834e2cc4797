//! An SNMP source that polls the printers of an inventory source (`inventory_source`): the
//! GLPI fake records each printer's IP address in its network ports, snmpsimd answers for
//! the printers on distinct loopback addresses (127.0.0.2, 127.0.0.3…, all of 127.0.0.0/8
//! being the loopback) on one port, the source's `port`. The daemon polls the printers GLPI
//! holds at the start of each round, at their addresses, and joins the readings to GLPI's
//! printers by serial number: one device, two sources.

use std::net::Ipv4Addr;

use parcd::config::Config;
use parcd_connectors::{AssetClass, InventoryDevice};
use parcd_fakes::glpi::generated_at;
use parcd_fakes::snmp_printers::{Snmpsim, free_udp_port};

use crate::helpers::{
    Daemon, TestDb, config_text, eventually, glpi, glpi_asset_has_reading, metrics_text, page,
    record, sample, sum,
};
use crate::on_both_backends;
use crate::printers::printer_data;

const PAGES_A: u64 = 12_000;
const PAGES_B: u64 = 30_500;

fn agent(ip: [u8; 4], port: u16, serial: &str, pages: u64) -> Snmpsim {
    Snmpsim::start_at(
        &[("parc", &printer_data(serial, pages))],
        Ipv4Addr::from(ip),
        port,
    )
}

/// The subjects the SNMP source stored a reading of, with the reading's time.
async fn polled(db: &TestDb) -> Vec<(String, i64)> {
    db.store
        .reading_series("responding", 0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.source == "imprimantes")
        .map(|r| (r.subject, r.at))
        .collect()
}

/// The GLPI printers the store holds without an address, as the SNMP source is given them.
async fn unaddressed(db: &TestDb) -> usize {
    let printing = [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier];
    db.store
        .inventory_devices("glpi", &printing)
        .await
        .unwrap()
        .iter()
        .filter(|d: &&InventoryDevice| d.addresses.is_empty())
        .count()
}

async fn the_printers_of_an_inventory_are_polled_at_the_addresses_it_records(db: TestDb) {
    let sim = glpi(120).await;
    let now = generated_at();
    let (a, b, serial_a, serial_b, fleet) = sim.with_fleet(|f| {
        let ids = f.ids("Printer");
        assert!(ids.len() >= 3, "the fake's fleet has printers: {ids:?}");
        let (a, b) = (ids[0], ids[1]);
        for id in [a, b] {
            f.set_state("Printer", id, "En production", now);
        }
        f.set_address("Printer", a, Some("127.0.0.2"), now);
        f.set_address("Printer", b, Some("127.0.0.3"), now);
        let serial = |id| {
            f.asset("Printer", id)
                .and_then(|p| p.serial.clone())
                .unwrap()
        };
        (a, b, serial(a), serial(b), f.len() as f64)
    });
    let port = free_udp_port();
    let agent_a = agent([127, 0, 0, 2], port, &serial_a, PAGES_A);
    let _agent_b = agent([127, 0, 0, 3], port, &serial_b, PAGES_B);
    let text = config_text(
        &db.url,
        &sim.base_url(),
        // Removals show in full syncs only: one every 5 s.
        r#"schedule = "* * * * * *"
        full_sync_schedule = "*/5 * * * * *""#,
    ) + &format!(
        r#"
        [[sources]]
        name = "imprimantes"
        kind = "snmp_printers"
        inventory_source = "glpi"
        port = {port}
        community = "parc"
        timeout_ms = 300
        retries = 0
        schedule = "* * * * * *"
        jitter_seconds = 0
        retry_initial_seconds = 1
        retry_max_seconds = 2
        "#
    );
    let daemon = Daemon::start(Config::from_toml(&text).expect("valid configuration")).await;
    let base = format!("http://{}", daemon.addr);
    let (printer_a, printer_b) = (format!("Printer/{a}"), format!("Printer/{b}"));

    // Both printers are polled at GLPI's addresses, their readings joined to GLPI's printers.
    for (printer, pages) in [(&printer_a, PAGES_A), (&printer_b, PAGES_B)] {
        eventually(90, &format!("{printer}'s counter is joined to it"), || {
            glpi_asset_has_reading(&db.store, printer, move |r| {
                r.source == "imprimantes"
                    && r.quantity == "printed_pages"
                    && r.value == pages as f64
            })
        })
        .await;
    }
    let subjects: Vec<String> = polled(&db).await.into_iter().map(|(s, _)| s).collect();
    for address in ["127.0.0.2", "127.0.0.3"] {
        assert!(
            subjects.contains(&format!("{address}:{port}")),
            "{subjects:?}"
        );
    }
    // Nothing else is polled: the other printers of GLPI have no address.
    assert!(
        subjects
            .iter()
            .all(|s| *s == format!("127.0.0.2:{port}") || *s == format!("127.0.0.3:{port}")),
        "{subjects:?}"
    );

    // One device, two sources: the SNMP source adds none to the fleet.
    assert_eq!(db.store.asset_totals("imprimantes").await.unwrap(), (0, 0));
    eventually(30, "the fleet is GLPI's", || async {
        sum(&metrics_text(&base).await, "parcd_assets") == fleet
    })
    .await;

    // The printers without an address are left out of each round and counted.
    let left_out = unaddressed(&db).await;
    assert!(left_out >= 1, "the fake's other printers have no address");
    let rejected = r#"parcd_source_records_rejected_total{source="imprimantes"}"#;
    eventually(
        30,
        "the printers without an address are counted",
        || async {
            sample(&metrics_text(&base).await, rejected).is_some_and(|v| v >= left_out as f64)
        },
    )
    .await;
    let counted = sample(&metrics_text(&base).await, rejected).unwrap();
    assert_eq!(
        counted % left_out as f64,
        0.0,
        "{left_out} a round: {counted}"
    );

    // The printer moves: GLPI records its new address, the agent answers there. The next
    // rounds poll it there, and no longer at the old address.
    let moved = chrono::Utc::now().naive_utc();
    sim.with_fleet(|f| f.set_address("Printer", a, Some("127.0.0.4"), moved));
    let _agent_a2 = agent([127, 0, 0, 4], port, &serial_a, PAGES_A + 300);
    drop(agent_a);
    eventually(90, "the moved printer is read at its new address", || {
        glpi_asset_has_reading(&db.store, &printer_a, |r| {
            r.source == "imprimantes"
                && r.subject == format!("127.0.0.4:{port}")
                && r.quantity == "printed_pages"
                && r.value == (PAGES_A + 300) as f64
        })
    })
    .await;
    let first_there = polled(&db)
        .await
        .into_iter()
        .filter(|(s, _)| *s == format!("127.0.0.4:{port}"))
        .map(|(_, at)| at)
        .min()
        .unwrap();
    eventually(30, "two more rounds", || async {
        polled(&db)
            .await
            .iter()
            .any(|(_, at)| *at >= first_there + 2)
    })
    .await;
    let old = format!("127.0.0.2:{port}");
    let after: Vec<(String, i64)> = polled(&db)
        .await
        .into_iter()
        .filter(|(s, at)| *s == old && *at > first_there)
        .collect();
    assert!(
        after.is_empty(),
        "still polled at the old address: {after:?}"
    );

    // The other printer leaves GLPI: once a full sync has vanished it, it is no longer
    // polled, though its agent still answers.
    sim.with_fleet(|f| assert!(f.remove("Printer", b)));
    eventually(
        60,
        "the removed printer vanishes from the inventory",
        || async {
            db.store
                .asset_phase("glpi", &printer_b)
                .await
                .unwrap()
                .is_some_and(|(_, vanished)| vanished)
        },
    )
    .await;
    let gone = chrono::Utc::now().timestamp();
    eventually(30, "rounds after the removal", || async {
        polled(&db).await.iter().any(|(_, at)| *at >= gone + 3)
    })
    .await;
    let b_subject = format!("127.0.0.3:{port}");
    let after: Vec<(String, i64)> = polled(&db)
        .await
        .into_iter()
        .filter(|(s, at)| *s == b_subject && *at >= gone + 2)
        .collect();
    assert!(after.is_empty(), "still polled once removed: {after:?}");
    assert!(
        glpi_asset_has_reading(&db.store, &printer_a, |r| r.at >= gone + 2).await,
        "the printer left is polled on"
    );
    assert!(matches!(daemon.stop().await, Some(Ok(()))));
}

/// What the store hands a source polling an inventory: the live devices of the classes
/// asked, with their addresses in the inventory's order, none of another source, none that
/// vanished or whose life at the DSI ended; an address change stored as a change.
async fn the_store_hands_over_the_live_printers_with_their_addresses(db: TestDb) {
    use parcd::poll::ingest::{SyncContext, apply_page};
    use parcd_connectors::{Phase, Role, SyncMode};

    let printer = |id: u32, class: AssetClass, phase: Phase, addresses: &[&str]| {
        let mut r = record(id, phase, "Mairie");
        r.external_id = format!("Printer/{id}");
        r.item_type = "Printer".into();
        r.class = class;
        r.addresses = addresses.iter().map(|a| a.to_string()).collect();
        r
    };
    let context = |source: &str, sync_id: &str| SyncContext {
        role: Role::Inventory,
        source: source.into(),
        sync_id: sync_id.into(),
        mode: SyncMode::Full,
        sync_started_at: 1,
        run_id: format!("run-{sync_id}"),
        vanish_max_percent: 100,
        first_import: None,
    };
    for source in ["glpi", "tableur"] {
        db.store.source_state(source, "glpi", 1).await.unwrap();
    }
    let fleet = vec![
        printer(
            1,
            AssetClass::Printer,
            Phase::InService,
            &["10.1.2.1", "fe80::1"],
        ),
        printer(2, AssetClass::Mfp, Phase::InStock, &[]),
        printer(3, AssetClass::Copier, Phase::Recycled, &["10.1.2.3"]),
        printer(4, AssetClass::Printer, Phase::InService, &["10.1.2.4"]),
        record(5, Phase::InService, "Mairie"),
    ];
    apply_page(
        &db.store,
        &context("glpi", "s1"),
        &page(fleet.clone(), "c1", true),
        1000,
    )
    .await
    .unwrap();
    let other = vec![printer(
        9,
        AssetClass::Printer,
        Phase::InService,
        &["10.9.9.9"],
    )];
    apply_page(
        &db.store,
        &context("tableur", "t1"),
        &page(other, "t1", true),
        1000,
    )
    .await
    .unwrap();
    let printing = [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier];
    let handed = |devices: Vec<InventoryDevice>| -> Vec<(String, Vec<String>)> {
        devices
            .into_iter()
            .map(|d| (d.external_id, d.addresses))
            .collect()
    };
    let devices = db.store.inventory_devices("glpi", &printing).await.unwrap();
    assert_eq!(devices[0].serial.as_deref(), Some("SN00000001"));
    assert_eq!(devices[0].class, AssetClass::Printer);
    assert_eq!(
        handed(devices),
        [
            (
                "Printer/1".to_string(),
                vec!["10.1.2.1".to_string(), "fe80::1".to_string()]
            ),
            ("Printer/2".to_string(), vec![]),
            ("Printer/4".to_string(), vec!["10.1.2.4".to_string()]),
        ]
    );

    // Printer 4 leaves the inventory, printer 1 moves: a change, stored as such.
    let mut moved = fleet[..3].to_vec();
    moved[0].addresses = vec!["10.1.7.1".into()];
    let out = apply_page(
        &db.store,
        &context("glpi", "s2"),
        &page(moved, "c2", true),
        2000,
    )
    .await
    .unwrap();
    assert_eq!(
        (out.changed, out.vanished),
        (1, 2),
        "printer 1 moved, 4 and 5 gone"
    );
    assert_eq!(
        handed(db.store.inventory_devices("glpi", &printing).await.unwrap()),
        [
            ("Printer/1".to_string(), vec!["10.1.7.1".to_string()]),
            ("Printer/2".to_string(), vec![]),
        ]
    );
    assert!(
        db.store
            .inventory_devices("glpi", &[])
            .await
            .unwrap()
            .is_empty()
    );
}

on_both_backends! {
    inventory_printers_polled => the_printers_of_an_inventory_are_polled_at_the_addresses_it_records;
    inventory_devices_stored => the_store_hands_over_the_live_printers_with_their_addresses;
}
