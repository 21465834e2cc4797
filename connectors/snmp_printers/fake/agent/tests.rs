//! The simulated printers without the network: their objects, how their counters and
//! supplies move, and which printers of a GLPI fleet are served. The agent on the network is
//! tested with the real connector as its client, in the connector's
//! `snmp_printers/demo_agent_tests.rs`.

use async_snmp::{Oid, Value};

use super::printer::SimPrinter;
use super::*;
use crate::glpi::{AssetType, Fleet, FleetSpec};

fn spec(serial: &str, make: Make, colour: bool) -> PrinterSpec {
    PrinterSpec {
        serial: serial.into(),
        sys_name: format!("PRN-{serial}"),
        sys_descr: "Test printer".into(),
        model: "Test LaserJet".into(),
        make,
        colour,
        pages: 10_000,
        pages_per_round: 10,
        nearly_empty: false,
        switched_off: false,
    }
}

fn get(p: &SimPrinter, oid: &[u32]) -> Option<Value> {
    p.view().get(&Oid::from_slice(oid)).cloned()
}

/// The level (column 9) of supply `n` of the printer's device `d`.
fn level(p: &SimPrinter, d: u32, n: u32) -> i32 {
    match get(p, &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9, d, n]) {
        Some(Value::Integer(l)) => l,
        other => panic!("no level for supply {n}: {other:?}"),
    }
}

#[test]
fn counters_grow_by_round_and_split_into_colour_and_mono() {
    let mut p = SimPrinter::new(spec("CNCOLOUR1", Make::Pwg, true));
    let start = (p.pages, p.colour_pages, p.duplex_pages);
    for round in 1..=40 {
        p.advance(round);
        assert_eq!(p.mono_pages() + p.colour_pages, p.pages);
    }
    assert!(p.pages > start.0 + 40, "{} pages after 40 rounds", p.pages);
    assert!(p.colour_pages > start.1, "colour pages are printed");
    assert!(p.mono_pages() > start.0 - start.1, "mono pages are printed");
    assert!(p.duplex_pages > start.2);
    // The same rounds give the same pages: a demo tells the same story every time.
    let mut again = SimPrinter::new(spec("CNCOLOUR1", Make::Pwg, true));
    (1..=40).for_each(|r| again.advance(r));
    assert_eq!((again.pages, again.colour_pages), (p.pages, p.colour_pages));
    // What the printer serves is what it counted: the marker's life count and PWG's.
    let counter = |oid: &[u32]| match get(&p, oid) {
        Some(Value::Counter32(n)) => u64::from(n),
        other => panic!("{oid:?}: {other:?}"),
    };
    assert_eq!(counter(&[1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 3, 1]), p.pages);
    let pwg = |c: u32| [1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, c, 1, 3, 3];
    assert_eq!(counter(&pwg(4)), p.pages);
    assert_eq!(counter(&pwg(5)), p.mono_pages());
    assert_eq!(counter(&pwg(7)), p.colour_pages);
}

#[test]
fn toner_falls_and_a_nearly_empty_cartridge_is_replaced_within_a_few_rounds() {
    let mut s = spec("CNLOW", Make::Hp, false);
    s.nearly_empty = true;
    let mut p = SimPrinter::new(s);
    // HP 59A: 3000 impressions, counted in impressions (unit 7).
    let first = level(&p, 1, 1);
    assert!((60..120).contains(&first), "nearly empty: {first}");
    let mut rounds = 0;
    while p.replaced == 0 {
        rounds += 1;
        assert!(rounds <= 20, "still not replaced after 20 rounds");
        let before = level(&p, 1, 1);
        p.advance(rounds);
        if p.replaced == 0 {
            assert!(level(&p, 1, 1) <= before, "a level only falls");
        }
    }
    assert!(
        level(&p, 1, 1) >= 2900,
        "a new cartridge: {}",
        level(&p, 1, 1)
    );
    // The drum says only "some remaining", as real ones do.
    assert_eq!(level(&p, 1, 2), -3);
}

#[test]
fn the_view_is_what_the_connector_reads_for_each_make() {
    let hp = SimPrinter::new(spec("CNHP1", Make::Hp, false));
    let v = hp.view();
    let oids: Vec<&Oid> = v.iter().map(|(o, _)| o).collect();
    assert!(oids.windows(2).all(|w| w[0] < w[1]), "served in OID order");
    // hrDeviceType of row 1 is hrDevicePrinter; the serial twice (Printer-MIB and HP's).
    assert_eq!(
        get(&hp, &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2, 1]),
        Some(Value::ObjectIdentifier(Oid::from_slice(&[
            1, 3, 6, 1, 2, 1, 25, 3, 1, 5
        ])))
    );
    let serial = Some(Value::OctetString("CNHP1".into()));
    assert_eq!(get(&hp, &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17, 1]), serial);
    assert_eq!(
        get(&hp, &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 1, 3, 3, 0]),
        serial
    );
    let hp_counter = |leaf: u32| {
        get(
            &hp,
            &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, leaf, 0],
        )
    };
    assert_eq!(
        hp_counter(22),
        Some(Value::Counter32(hp.duplex_pages as u32))
    );
    assert_eq!(hp_counter(7), None, "a mono HP has no colour count");

    // A colour MFP lists its processor and network interface first: the printer is row 3.
    let mfp = SimPrinter::new(spec("XRX1", Make::Xerox, true));
    assert_eq!(
        get(&mfp, &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2, 3]),
        Some(Value::ObjectIdentifier(Oid::from_slice(&[
            1, 3, 6, 1, 2, 1, 25, 3, 1, 5
        ])))
    );
    assert_eq!(
        get(&mfp, &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4, 3, 2]),
        Some(Value::OctetString("cyan".into()))
    );
    let xerox = |leaf: u32| {
        get(
            &mfp,
            &[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1, 6, 1, 20, leaf],
        )
    };
    assert_eq!(xerox(33), Some(Value::Counter32(mfp.colour_pages as u32)));
    assert_eq!(xerox(34), Some(Value::Counter32(mfp.mono_pages() as u32)));
    // Seven supplies: four toners in percent, a drum, a waste box (a receptacle), a fuser.
    for n in 1..=4 {
        let l = level(&mfp, 3, n);
        assert!((0..=100).contains(&l), "toner {n}: {l}");
    }
    assert_eq!(
        get(&mfp, &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 4, 3, 6]),
        Some(Value::Integer(4))
    );
}

#[test]
fn the_demo_serves_the_fleets_reachable_printers_with_their_glpi_serials() {
    let fleet = Fleet::generate(&FleetSpec {
        assets: 3000,
        seed: 2026,
        templates: 3,
    });
    let printers = demo_printers(&fleet, MAX_DEMO_PRINTERS);
    assert!(printers.len() >= 10, "{} printers", printers.len());
    let glpi: Vec<_> = fleet.assets(AssetType::Printer).to_vec();
    for p in &printers {
        let a = glpi
            .iter()
            .find(|a| a.serial.as_deref() == Some(p.serial.as_str()))
            .unwrap_or_else(|| panic!("{} is not a GLPI printer", p.serial));
        assert!(a.is_dynamic && !a.is_template && !a.is_deleted);
        assert_eq!(a.name.as_deref(), Some(p.sys_name.as_str()));
        assert!(p.pages >= a.last_pages_counter);
    }
    let mut serials: Vec<&str> = printers.iter().map(|p| p.serial.as_str()).collect();
    serials.sort_unstable();
    serials.dedup();
    assert_eq!(serials.len(), printers.len(), "one device per printer");
    assert_eq!(printers.iter().filter(|p| p.switched_off).count(), 1);
    assert_eq!(printers.iter().filter(|p| p.nearly_empty).count(), 1);
    assert!(printers.iter().any(|p| p.colour) && printers.iter().any(|p| !p.colour));
    assert!(printers.iter().any(|p| p.make == Make::Hp));
    assert!(printers.iter().any(|p| p.make == Make::Pwg));
    assert_eq!(demo_printers(&fleet, 3).len(), 3);
}

#[tokio::test]
async fn printers_listen_on_consecutive_ports_and_a_taken_port_is_an_error() {
    let free = crate::snmp_printers::free_udp_port();
    let specs = vec![
        spec("A1", Make::Hp, false),
        spec("A2", Make::Pwg, true),
        PrinterSpec {
            switched_off: true,
            ..spec("A3", Make::Pwg, false)
        },
    ];
    // Three ports from a free one may meet a taken one; try a few.
    let mut started = None;
    for first in [free, free.saturating_sub(100), free.saturating_sub(200)] {
        if let Ok(agents) = PrinterAgents::start(specs.clone(), "demo", Ports::From(first)).await {
            started = Some((first, agents));
            break;
        }
    }
    let (first, agents) = started.expect("three consecutive free ports");
    let ports: Vec<u16> = (0..3).map(|n| agents.addr(n).port()).collect();
    assert_eq!(ports, vec![first, first + 1, first + 2]);
    assert_eq!((agents.len(), agents.answering()), (3, 2));
    assert_eq!(agents.targets()[1], format!("127.0.0.1:{}", first + 1));
    let taken = PrinterAgents::start(specs, "demo", Ports::From(first)).await;
    assert!(taken.is_err(), "the ports are taken");
}
