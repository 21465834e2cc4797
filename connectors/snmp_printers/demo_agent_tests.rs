//! The in-process SNMP agent of `parcd demo` (`parcd_fakes::snmp_printers::agent`) with this
//! connector as its client: a GET, table columns read by GETBULK, the end of the MIB view, an unknown
//! community unanswered, and whole rounds that read what the simulated printers counted.
//! The connector's tests against real agents (snmpsimd, snmpd) are `contract_tests.rs`:
//! this agent is the demo's, not a stand-in for real printers.

use std::time::Duration;

use parcd_fakes::snmp_printers::agent::{Make, Ports, PrinterAgents, PrinterSpec};
use secrecy::SecretString;

use super::contract_tests::{Logs, poll, serial_of, v2c, value};
use super::normalise::SupplyKind;
use super::params::{Credentials, Target};
use super::session::{Columns, Session, Value};
use super::*;
use crate::error::ErrorType;

const COMMUNITY: &str = "demo-public";

fn spec(serial: &str, make: Make, colour: bool) -> PrinterSpec {
    PrinterSpec {
        serial: serial.into(),
        sys_name: format!("PRN-{serial}"),
        sys_descr: format!("{make:?} test printer"),
        model: format!("{make:?} Model {serial}"),
        make,
        colour,
        pages: 20_000,
        pages_per_round: 8,
        nearly_empty: false,
        switched_off: false,
    }
}

/// An HP desk laser (nearly out of toner), a PWG colour MFP, a Xerox colour MFP, and an HP
/// switched off.
async fn fleet() -> PrinterAgents {
    let printers = vec![
        PrinterSpec {
            nearly_empty: true,
            ..spec("CNHP0001", Make::Hp, false)
        },
        spec("RIC-0002", Make::Pwg, true),
        spec("XRX-0003", Make::Xerox, true),
        PrinterSpec {
            switched_off: true,
            ..spec("CNHP0004", Make::Hp, false)
        },
    ];
    PrinterAgents::start(printers, COMMUNITY, Ports::Ephemeral)
        .await
        .expect("the printers start")
}

async fn session(agents: &PrinterAgents, n: usize, community: &str) -> Session {
    let target = Target {
        host: "127.0.0.1".into(),
        port: agents.addr(n).port(),
        listed: true,
    };
    let credentials = Credentials::V2c {
        community: SecretString::from(community),
    };
    Session::open(&target, &credentials, Duration::from_millis(400), 1)
        .await
        .expect("a session opens")
}

#[tokio::test]
async fn get_answers_values_and_says_which_objects_it_does_not_hold() {
    let agents = fleet().await;
    let mut s = session(&agents, 0, COMMUNITY).await;
    let got = s
        .get(&[
            oids::SYS_NAME.to_vec(),
            oids::at(oids::PRT_GENERAL_SERIAL, &[1]),
            oids::at(oids::PRT_GENERAL_SERIAL, &[9]),
            oids::HP_COLOUR_PAGES.to_vec(),
            oids::at(oids::HR_DEVICE_TYPE, &[1]),
        ])
        .await
        .unwrap();
    assert_eq!(got[0], Value::Bytes(b"PRN-CNHP0001".to_vec()));
    assert_eq!(got[1], Value::Bytes(b"CNHP0001".to_vec()));
    // No device 9, and a mono HP has no colour count: noSuchInstance and noSuchObject.
    assert_eq!(got[2], Value::Missing);
    assert_eq!(got[3], Value::Missing);
    assert_eq!(got[4], Value::Oid(oids::HR_DEVICE_PRINTER.to_vec()));
    // sysUpTime moves with the agent's clock.
    let ticks = |v: &Value| match v {
        Value::Unsigned(t) => *t,
        other => panic!("sysUpTime: {other:?}"),
    };
    let uptime = [1, 3, 6, 1, 2, 1, 1, 3, 0].to_vec();
    let before = ticks(&s.get(std::slice::from_ref(&uptime)).await.unwrap()[0]);
    tokio::time::sleep(Duration::from_millis(60)).await;
    let after = ticks(&s.get(&[uptime]).await.unwrap()[0]);
    assert!(after > before, "{before} then {after}");
}

/// Every row of the columns `roots`, read side by side to their ends.
async fn read_columns(s: &mut Session, roots: &[&[u64]]) -> Vec<Vec<(Vec<u64>, Value)>> {
    let mut columns = Columns::default();
    let added: Vec<usize> = roots.iter().map(|r| columns.add(r)).collect();
    s.finish(&mut columns).await.unwrap();
    added.iter().map(|c| columns.rows(*c).to_vec()).collect()
}

#[tokio::test]
async fn columns_read_by_getbulk_go_to_their_ends_and_stop_at_the_end_of_the_mib_view() {
    let agents = fleet().await;
    let mut s = session(&agents, 1, COMMUNITY).await;
    // The colour MFP's supplies: 7 columns of 7 rows, side by side, more than one GETBULK
    // of 64 objects; and the marker table, one row, in the same requests.
    let supply_columns: Vec<Vec<u64>> = (3..=9)
        .map(|c| oids::at(oids::PRT_SUPPLIES_ENTRY, &[c]))
        .collect();
    let mut roots: Vec<&[u64]> = supply_columns.iter().map(|c| &c[..]).collect();
    let marker = oids::at(oids::PRT_MARKER_ENTRY, &[oids::MARKER_LIFE_COUNT]);
    roots.push(&marker);
    let got = read_columns(&mut s, &roots).await;
    for (column, rows) in supply_columns.iter().zip(&got) {
        assert_eq!(rows.len(), 7, "{column:?}: {rows:?}");
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(rows.iter().all(|(oid, _)| oid.starts_with(column)));
    }
    assert_eq!(got[7].len(), 1, "{:?}", got[7]);
    // Everything the printer holds, in order: the walk ends at endOfMibView.
    let all = read_columns(&mut s, &[&[1, 3, 6, 1]]).await.remove(0);
    // 4 system objects, 3 devices, the marker, 49 supplies, 4 colorants, the counters.
    assert!(all.len() > 70, "{} objects", all.len());
    assert_eq!(all[0].0, oids::SYS_DESCR.to_vec());
    let last = all.last().unwrap().0.clone();
    assert!(last.starts_with(&[1, 3, 6, 1, 4, 1, 2699]), "{last:?}");
    // Past the last object: nothing more (GETBULK answers endOfMibView only).
    assert!(read_columns(&mut s, &[&last]).await[0].is_empty());

    // What a raw GETBULK from the last object answers: endOfMibView, nothing else.
    let mut raw = snmp2::AsyncSession::new_v2c(agents.addr(1), COMMUNITY.as_bytes(), 7)
        .await
        .unwrap();
    let from = snmp2::Oid::from(&last[..]).unwrap();
    let pdu = tokio::time::timeout(Duration::from_secs(2), raw.getbulk(&[&from], 0, 5))
        .await
        .expect("an answer")
        .unwrap();
    let values: Vec<bool> = pdu
        .varbinds
        .clone()
        .map(|(_, v)| matches!(v, snmp2::Value::EndOfMibView))
        .collect();
    // RFC 3416 lets the agent stop at the first repetition that is all endOfMibView.
    assert!(
        !values.is_empty() && values.iter().all(|end| *end),
        "{values:?}"
    );
}

#[tokio::test]
async fn an_unknown_community_gets_no_answer() {
    let agents = fleet().await;
    let mut s = session(&agents, 0, "not-the-community").await;
    let e = s
        .get(&[oids::SYS_NAME.to_vec()])
        .await
        .expect_err("nobody answers a wrong community");
    assert_eq!(e.error_type(), ErrorType::Timeout, "{e}");
    // A round nobody answers is the source's failure, with the printer said not responding.
    let page = poll(&v2c(&[&agents.targets()[0]], "not-the-community"), None)
        .await
        .expect("a round's page");
    let failure = page.failure.as_ref().expect("no printer answered");
    assert_eq!(failure.error_type(), ErrorType::Timeout, "{failure}");
    assert!(
        page.readings
            .iter()
            .all(|r| r.quantity == "responding" && r.value == 0.0),
        "{:?}",
        page.readings
    );
    // The right one still gets an answer from the same printer.
    let mut s = session(&agents, 0, COMMUNITY).await;
    assert!(s.get(&[oids::SYS_NAME.to_vec()]).await.is_ok());
}

#[tokio::test]
async fn rounds_read_what_the_printers_counted_and_the_one_switched_off_does_not_answer() {
    let agents = fleet().await;
    let targets = agents.targets();
    let ids: Vec<&str> = targets.iter().map(String::as_str).collect();
    let p = v2c(&ids, COMMUNITY);
    let (logs, _guard) = Logs::capture();
    let first = poll(&p, None).await.unwrap();
    let pages = |page: &Page, n: usize| value(page, ids[n], PRINTED_PAGES);
    for (n, id) in ids.iter().enumerate().take(3) {
        assert_eq!(value(&first, id, RESPONDING), Some(1.0), "{n}");
        assert_eq!(
            serial_of(&first, id),
            Some(agents.spec(n).serial),
            "the serial joins the inventory's record"
        );
        assert_eq!(pages(&first, n), Some(agents.counters(n).pages as f64));
        assert_eq!(value(&first, id, PRINTER_STATUS), Some(3.0), "idle");
    }
    // The switched-off printer: one reading, responding 0, and a timeout warned about.
    assert_eq!(value(&first, ids[3], RESPONDING), Some(0.0));
    assert_eq!(
        first
            .readings
            .iter()
            .filter(|r| r.subject.key() == ids[3])
            .count(),
        1
    );
    let warned = logs.text();
    assert!(
        warned
            .lines()
            .any(|l| l.contains("WARN") && l.contains(ids[3]) && l.contains("timeout")),
        "{warned}"
    );

    // Colour and mono from PWG and Xerox, duplex from HP; toner levels in percent.
    for n in [1, 2] {
        let c = agents.counters(n);
        assert_eq!(
            value(&first, ids[n], PRINTED_PAGES_COLOUR),
            Some(c.colour_pages as f64)
        );
        assert_eq!(
            value(&first, ids[n], PRINTED_PAGES_MONO),
            Some(c.mono_pages as f64)
        );
        for kind in [
            SupplyKind::Black,
            SupplyKind::Cyan,
            SupplyKind::Magenta,
            SupplyKind::Yellow,
            SupplyKind::Waste,
        ] {
            let level = value(&first, ids[n], kind.quantity());
            assert!(
                level.is_some_and(|l| (0.0..=100.0).contains(&l)),
                "{kind:?}: {level:?}"
            );
        }
        assert_eq!(value(&first, ids[n], SupplyKind::Drum.quantity()), None);
    }
    assert_eq!(
        value(&first, ids[0], PRINTED_PAGES_DUPLEX),
        Some(agents.counters(0).duplex_pages as f64)
    );
    let black = value(&first, ids[0], SupplyKind::Black.quantity()).unwrap();
    assert!(black < 5.0, "nearly empty: {black}");

    // Rounds of work: pages grow as counted, and the nearly empty toner was replaced.
    let mut cursor = first.cursor.clone();
    let mut last = first;
    for round in 1..=30 {
        agents.advance(round);
        if round % 5 == 0 {
            last = poll(&p, Some(&cursor)).await.unwrap();
            cursor = last.cursor.clone();
        }
    }
    assert!(agents.counters(0).replaced >= 1);
    assert_eq!(value(&last, ids[0], SUPPLY_REPLACEMENTS), Some(1.0));
    for n in 0..3 {
        let c = agents.counters(n);
        assert_eq!(pages(&last, n), Some(c.pages as f64));
        assert!(c.pages > 20_000, "printer {n} printed: {}", c.pages);
    }
    assert_eq!(value(&last, ids[3], RESPONDING), Some(0.0));
}
