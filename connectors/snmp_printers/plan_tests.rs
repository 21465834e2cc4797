//! Later rounds of one connector: a printer read before is read in GETs of what its first
//! read found, with the same readings, for fewer objects of its agent's work; a printer
//! swapped under its address, or that no longer holds an object, is read in full again in
//! the same round; targets silent in the last round wait beside the printers that answer,
//! not in their slots.

use super::agents::{Agent, Arrivals, Relay};
use super::contract_tests::{serial_of, v2c, value};
use super::*;
use crate::api::SyncMode;

const HP_MONO: &str = include_str!("testdata/hp-mono.snmprec");

async fn round(c: &dyn Connector, previous: Option<&Page>) -> Page {
    let page = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: previous.map(|p| &p.cursor),
            inventory: &[],
        })
        .await
        .expect("a round");
    assert!(page.failure.is_none(), "{:?}", page.failure);
    page
}

/// A round's readings without their time, in a stable order.
fn figures(page: &Page) -> Vec<String> {
    let mut all: Vec<String> = page
        .readings
        .iter()
        .map(|r| format!("{:?} {} {}", r.subject, r.quantity, r.value))
        .collect();
    all.sort();
    all
}

/// Requests and objects the relay passed while `f` ran.
async fn counted<F: std::future::Future<Output = Page>>(
    relay: &Relay,
    f: F,
) -> (Page, usize, usize) {
    let (r, o) = (relay.requests(), relay.answered());
    let page = f.await;
    (page, relay.requests() - r, relay.answered() - o)
}

#[tokio::test]
async fn a_printer_read_before_is_read_in_gets_of_what_it_holds_with_the_same_readings() {
    let agent = Agent::snmpsim().await;
    let relay = Relay::start(agent.port).await;
    let id = relay.target();
    for community in [
        "hp-mono",
        "colour-mfp",
        "colour-mfp-a3",
        "odd",
        "long-tables",
    ] {
        let c = v2c(&[id.as_str()], community).build().unwrap();
        let (first, r1, o1) = counted(&relay, round(c.as_ref(), None)).await;
        let (second, r2, o2) = counted(&relay, round(c.as_ref(), Some(&first))).await;
        eprintln!("{community}: first round {r1} requests, {o1} objects; next {r2}, {o2}");
        assert_eq!(value(&first, &id, RESPONDING), Some(1.0), "{community}");
        assert!(
            figures(&first).len() >= 4,
            "{community}: {:?}",
            figures(&first)
        );
        assert_eq!(figures(&second), figures(&first), "{community}");
        assert!(o2 < o1, "{community}: {o2} objects, first {o1}");
        assert!(r2 <= r1, "{community}: {r2} requests, first {r1}");
        if community == "hp-mono" {
            // 22 objects in one GET, where the full read's GETBULK answers 56.
            assert_eq!((r2, o2), (1, 22), "{community}");
        }
    }
}

#[tokio::test]
async fn a_printer_swapped_or_changed_under_its_address_is_read_in_full_again() {
    // The same layout with another serial and counter: another printer of the same model.
    let swapped = HP_MONO
        .replace("CNBJT12345", "CNBSWAP999")
        .replace("|65|48213", "|65|1200");
    // The duplex unit gone: an object the plan asks that the printer no longer holds.
    let no_duplex: String = HP_MONO
        .lines()
        .filter(|l| !l.starts_with("1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0|"))
        .map(|l| format!("{l}\n"))
        .collect();
    let a = Agent::snmpsim_with(&[("printer", HP_MONO)]).await;
    let b = Agent::snmpsim_with(&[("printer", swapped.as_str())]).await;
    let d = Agent::snmpsim_with(&[("printer", no_duplex.as_str())]).await;
    let relay = Relay::start(a.port).await;
    let id = relay.target();
    let c = v2c(&[id.as_str()], "printer").build().unwrap();

    let (first, _, _) = counted(&relay, round(c.as_ref(), None)).await;
    assert_eq!(serial_of(&first, &id).as_deref(), Some("CNBJT12345"));
    let (again, r, _) = counted(&relay, round(c.as_ref(), Some(&first))).await;
    assert_eq!(r, 1, "the plan's GET");
    assert_eq!(figures(&again), figures(&first));

    relay.switch_to(b.port);
    let (swap, r, _) = counted(&relay, round(c.as_ref(), Some(&again))).await;
    assert_eq!(
        r, 2,
        "the plan's GET found another serial, then the full read"
    );
    assert_eq!(serial_of(&swap, &id).as_deref(), Some("CNBSWAP999"));
    assert_eq!(value(&swap, &id, PRINTED_PAGES), Some(1200.0));
    let (after, r, _) = counted(&relay, round(c.as_ref(), Some(&swap))).await;
    assert_eq!(r, 1, "the new printer's plan");
    assert_eq!(figures(&after), figures(&swap));

    relay.switch_to(d.port);
    let (changed, r, _) = counted(&relay, round(c.as_ref(), Some(&after))).await;
    assert_eq!(
        r, 2,
        "the plan's GET found the duplex counter gone, then the full read"
    );
    assert_eq!(serial_of(&changed, &id).as_deref(), Some("CNBJT12345"));
    assert_eq!(value(&changed, &id, PRINTED_PAGES_DUPLEX), None);
    assert_eq!(value(&changed, &id, PRINTED_PAGES), Some(48213.0));
}

/// A UDP socket that notes every request and answers none: a printer switched off.
async fn hole(label: &'static str, arrivals: &Arrivals) -> u16 {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let arrivals = arrivals.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        while socket.recv_from(&mut buf).await.is_ok() {
            arrivals.lock().unwrap().push(label);
        }
    });
    port
}

#[tokio::test]
async fn targets_silent_in_the_last_round_do_not_hold_up_the_printers_that_answer() {
    let agent = Agent::snmpsim().await;
    let arrivals = Arrivals::default();
    let (a, b) = (
        hole("off-a", &arrivals).await,
        hole("off-b", &arrivals).await,
    );
    // off-1 is polled first (the lower port).
    let (off1, off2) = (a.min(b), a.max(b));
    let label = |port| if port == a { "off-a" } else { "off-b" };
    let (first_off, second_off) = (label(off1), label(off2));
    let relay = Relay::start_noting(agent.port, off2, Some((arrivals.clone(), "printer"))).await;
    let printer = relay.port;
    let targets: Vec<String> = [off1, off2, printer]
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    // One printer at a time, each silent one holding its slot 2 × 400 ms.
    let p = super::contract_tests::params(serde_json::json!({
        "targets": targets, "community": "hp-mono", "timeout_ms": 400, "retries": 1,
        "concurrency": 1,
    }));
    let c = p.build().unwrap();

    // The first round knows nobody: the targets take the one slot in their order, and the
    // printer is asked only once both silent targets gave up.
    let first = round(c.as_ref(), None).await;
    assert_eq!(value(&first, &targets[2], RESPONDING), Some(1.0));
    assert_eq!(value(&first, &targets[0], RESPONDING), Some(0.0));
    let order = std::mem::take(&mut *arrivals.lock().unwrap());
    assert_eq!(
        order,
        [first_off, first_off, second_off, second_off, "printer"],
        "the first round, one slot"
    );

    // The next round asks the printer at once, while the silent targets wait their turn in
    // a slot of their own: it is asked before the second silent target is.
    let next = round(c.as_ref(), Some(&first)).await;
    assert_eq!(value(&next, &targets[2], RESPONDING), Some(1.0));
    assert_eq!(value(&next, &targets[1], RESPONDING), Some(0.0));
    let order = std::mem::take(&mut *arrivals.lock().unwrap());
    let at = |label| order.iter().position(|l| *l == label).unwrap();
    assert!(at("printer") < at(second_off), "{order:?}");
    assert_eq!(
        order.iter().filter(|l| **l == second_off).count(),
        2,
        "{order:?}"
    );
}
