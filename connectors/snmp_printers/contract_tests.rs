//! The connector against real SNMP agents on 127.0.0.1: snmpsimd serving the printers of
//! `testdata/` (one community per printer), net-snmp's snmpd for SNMPv3, a UDP socket that
//! never answers (a printer switched off) and a closed port.
//!
//! The framework's conformance harness is not run: it needs a sync of two pages or more
//! and the same page contents when the same data is read twice, while a telemetry round is
//! one page whose readings carry the time of the poll. What it checks that applies here is
//! checked below: `check()`, the role, typed errors, resuming from a stored cursor in a
//! fresh connector, and no secret in an error, a log line or `render()`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};

use super::agents::{self, Agent};
use super::normalise::SupplyKind;
use super::*;
use crate::api::{Cursor, SyncMode};
use crate::error::ErrorType;
use crate::reading::Quantity;

pub(super) fn params(v: Json) -> SnmpPrintersParams {
    let mut p = Params::new("sources[0]", v.as_object().unwrap().clone());
    let s = SnmpPrintersParams::from_params(&mut p);
    let issues = p.finish();
    assert!(issues.is_empty(), "{issues:?}");
    s.unwrap()
}

pub(super) fn v2c(targets: &[&str], community: &str) -> SnmpPrintersParams {
    params(json!({
        "targets": targets, "community": community, "timeout_ms": 400, "retries": 1,
    }))
}

fn v3(targets: &[&str], auth: &str) -> SnmpPrintersParams {
    params(json!({
        "targets": targets, "timeout_ms": 1000, "retries": 1,
        "v3": {"user": agents::V3_USER, "auth_password": auth, "auth_protocol": "sha",
               "priv_password": agents::V3_PRIV, "priv_protocol": "aes"},
    }))
}

pub(super) async fn poll(
    p: &SnmpPrintersParams,
    cursor: Option<&Cursor>,
) -> Result<Page, ConnectorError> {
    let c = p.build().expect("the connector builds");
    assert_eq!(c.role(), Role::Telemetry);
    assert!(!c.incremental(), "every round reads every printer");
    let page = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor,
        })
        .await?;
    assert!(page.done, "a round is one page");
    assert!(page.records.is_empty(), "a telemetry source adds no device");
    Ok(page)
}

/// The value of `q` about the device `id`; `None` when not read.
pub(super) fn value(page: &Page, id: &str, q: Quantity) -> Option<f64> {
    let found: Vec<&Reading> = page
        .readings
        .iter()
        .filter(|r| r.subject.key() == id && r.quantity == q.name)
        .collect();
    assert!(
        found.len() <= 1,
        "{} readings of {} about {id}",
        found.len(),
        q.name
    );
    found.first().map(|r| {
        assert_eq!(
            (r.unit.as_str(), r.measure),
            (q.unit, q.measure),
            "{}",
            q.name
        );
        r.value
    })
}

pub(super) fn serial_of(page: &Page, id: &str) -> Option<String> {
    let serials: std::collections::BTreeSet<Option<String>> = page
        .readings
        .iter()
        .filter(|r| r.subject.key() == id)
        .map(|r| r.subject.join_serial())
        .collect();
    assert_eq!(
        serials.len(),
        1,
        "one serial for every reading of {id}: {serials:?}"
    );
    serials.into_iter().next().flatten()
}

/// What the connector logs while a test runs (on the test's own thread).
#[derive(Clone, Default)]
pub(super) struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    pub(super) fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        (logs, tracing::subscriber::set_default(subscriber))
    }

    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn at(agent: &Agent) -> String {
    agent.target().id()
}

#[tokio::test]
async fn a_mono_hp_is_read_then_printed_had_its_toner_replaced_and_was_reset() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    let targets = [id.as_str()];

    let first = poll(&v2c(&targets, "hp-mono"), None).await.unwrap();
    assert_eq!(serial_of(&first, &id).as_deref(), Some("CNBJT12345"));
    assert_eq!(value(&first, &id, RESPONDING), Some(1.0));
    assert_eq!(value(&first, &id, PRINTED_PAGES), Some(48213.0));
    assert_eq!(value(&first, &id, PRINTED_PAGES_DUPLEX), Some(16071.0));
    assert_eq!(value(&first, &id, PRINTED_PAGES_COLOUR), None);
    assert_eq!(value(&first, &id, PRINTED_SHEETS), None);
    assert_eq!(value(&first, &id, DEVICE_STATUS), Some(2.0));
    assert_eq!(value(&first, &id, PRINTER_STATUS), Some(3.0));
    assert_eq!(value(&first, &id, SupplyKind::Black.quantity()), Some(8.0));
    // The drum says only "some remaining" (-3): no level.
    assert_eq!(value(&first, &id, SupplyKind::Drum.quantity()), None);
    assert_eq!(value(&first, &id, SUPPLY_REPLACEMENTS), Some(0.0));
    let at_first = first.readings[0].at;
    assert!(
        first.readings.iter().all(|r| r.at == at_first),
        "one time per round"
    );

    // Later (another data file for the same address): it printed, and the black
    // cartridge went from 8 % to full. A fresh connector resumes from the stored cursor.
    let later = poll(&v2c(&targets, "hp-mono-later"), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(value(&later, &id, PRINTED_PAGES), Some(48999.0));
    assert_eq!(
        value(&later, &id, SupplyKind::Black.quantity()),
        Some(100.0)
    );
    assert_eq!(value(&later, &id, SUPPLY_REPLACEMENTS), Some(1.0));

    // A reset board counts from 0 again: the value is reported as read (the core starts a
    // new baseline), and a level a little lower is no replacement.
    let reset = poll(&v2c(&targets, "hp-mono-reset"), Some(&later.cursor))
        .await
        .unwrap();
    assert_eq!(value(&reset, &id, PRINTED_PAGES), Some(12.0));
    assert_eq!(value(&reset, &id, SUPPLY_REPLACEMENTS), Some(1.0));

    // The cursor keeps the printers configured, no others.
    let mut stale = super::cursor::SnmpCursor::decode(Some(&reset.cursor));
    assert!(stale.printers.contains_key(&id), "{stale:?}");
    stale
        .printers
        .insert("10.9.9.9:161".into(), super::cursor::Memory::default());
    let again = poll(&v2c(&targets, "hp-mono-reset"), Some(&stale.encode()))
        .await
        .unwrap();
    let kept = super::cursor::SnmpCursor::decode(Some(&again.cursor));
    assert_eq!(kept.printers.keys().collect::<Vec<_>>(), [&id]);
}

#[tokio::test]
async fn a_colour_mfp_at_device_index_3_gives_colour_counts_and_skips_special_levels() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    let page = poll(&v2c(&[id.as_str()], "colour-mfp"), None)
        .await
        .unwrap();
    assert_eq!(serial_of(&page, &id).as_deref(), Some("XRX-3390-77A"));
    assert_eq!(value(&page, &id, PRINTED_PAGES), Some(250400.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_COLOUR), Some(90100.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_MONO), Some(160300.0));
    assert_eq!(value(&page, &id, PRINTER_STATUS), Some(4.0));
    assert_eq!(value(&page, &id, DEVICE_STATUS), Some(3.0));
    for (kind, level) in [
        (SupplyKind::Black, 35.0),
        (SupplyKind::Cyan, 80.0),
        (SupplyKind::Magenta, 12.0),
        (SupplyKind::Yellow, 64.0),
    ] {
        assert_eq!(value(&page, &id, kind.quantity()), Some(level), "{kind:?}");
    }
    // -3 (drum), -2 (waste) and -1 with a max of -1 (fuser) are no amounts.
    for kind in [SupplyKind::Drum, SupplyKind::Waste, SupplyKind::Fuser] {
        assert_eq!(value(&page, &id, kind.quantity()), None, "{kind:?}");
    }
}

#[tokio::test]
async fn wrong_types_are_left_out_and_the_vendor_serial_is_the_fallback() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    let page = poll(&v2c(&[id.as_str()], "odd"), None).await.unwrap();
    assert_eq!(serial_of(&page, &id).as_deref(), Some("CNXX0042"));
    // Marker 1 counts "many" sheets (a string): only marker 2's Counter32 is read.
    assert_eq!(value(&page, &id, PRINTED_SHEETS), Some(777.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES), None);
    assert_eq!(value(&page, &id, DEVICE_STATUS), Some(5.0));
    assert_eq!(value(&page, &id, SupplyKind::Black.quantity()), None);
    assert_eq!(value(&page, &id, RESPONDING), Some(1.0));
}

#[tokio::test]
async fn silent_and_closed_printers_read_as_not_responding_and_the_round_goes_on() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    // A socket that takes every request and answers none: a printer switched off.
    let hole = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent = format!("127.0.0.1:{}", hole.local_addr().unwrap().port());
    let closed = format!("127.0.0.1:{}", agents::free_port());
    // A range around nothing and a switch found by a range: expected, not warned about.
    let switch_in_range = format!("127.0.0.1/32:{}", agent.port);
    let p = v2c(&[&id, &silent, &closed], "hp-mono");
    let (logs, _guard) = Logs::capture();
    let page = poll(&p, None).await.unwrap();
    assert_eq!(value(&page, &id, RESPONDING), Some(1.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES), Some(48213.0));
    for dead in [&silent, &closed] {
        assert_eq!(value(&page, dead, RESPONDING), Some(0.0), "{dead}");
        assert_eq!(
            page.readings
                .iter()
                .filter(|r| r.subject.key() == *dead)
                .count(),
            1,
            "{dead}"
        );
    }
    let logs = logs.text();
    let line = |t: &str| {
        logs.lines()
            .find(|l| l.contains("WARN") && l.contains(t))
            .unwrap_or_else(|| panic!("no warning about {t} in:\n{logs}"))
            .to_string()
    };
    assert!(
        line(&silent).contains("error_type=\"timeout\""),
        "{}",
        line(&silent)
    );
    assert!(line(&silent).contains("the community"), "{}", line(&silent));
    assert!(
        line(&closed).contains("error_type=\"connect\""),
        "{}",
        line(&closed)
    );

    let c = v2c(&[&switch_in_range], "switch").build().unwrap();
    let (logs, _guard) = Logs::capture();
    let page = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
        })
        .await
        .unwrap();
    assert!(page.readings.is_empty(), "{:?}", page.readings);
    assert!(!logs.text().contains("WARN"), "{}", logs.text());
    c.check().await.expect("the switch answers");
}

#[tokio::test]
async fn a_wrong_community_fails_the_poll_and_check_without_showing_it() {
    let agent = Agent::snmpsim().await;
    let secret = "wrong-community-5521";
    let p = v2c(&[&at(&agent)], secret);
    let (logs, _guard) = Logs::capture();
    let c = p.build().unwrap();
    let e = c
        .check()
        .await
        .expect_err("nobody answers a wrong community");
    assert_eq!(e.error_type(), ErrorType::Timeout, "{e}");
    let e = poll(&p, None).await.expect_err("every target failed");
    assert_eq!(e.error_type(), ErrorType::Timeout, "{e}");
    assert!(e.to_string().contains("community"), "{e}");
    for text in [e.to_string(), format!("{e:?}"), logs.text(), p.render()] {
        assert!(!text.contains(secret), "the community shows in: {text}");
    }
}

#[tokio::test]
async fn snmpv3_auth_priv_reads_net_snmp_and_a_wrong_password_is_an_auth_error() {
    let agent = Agent::snmpd().await;
    let id = at(&agent);
    let page = poll(&v3(&[id.as_str()], agents::V3_AUTH), None)
        .await
        .unwrap();
    assert_eq!(value(&page, &id, RESPONDING), Some(1.0));
    assert_eq!(
        value(&page, &id, PRINTED_PAGES),
        Some(agents::SNMPD_PAGES as f64)
    );
    assert_eq!(serial_of(&page, &id).as_deref(), Some(agents::SNMPD_SERIAL));

    let wrong = "wrong-auth-pass-3390";
    let p = v3(&[id.as_str()], wrong);
    let (logs, _guard) = Logs::capture();
    let e = poll(&p, None)
        .await
        .expect_err("a wrong password reads nothing");
    assert!(matches!(e.error_type(), ErrorType::Auth), "{e}");
    assert!(e.to_string().contains("SNMPv3"), "{e}");
    for text in [e.to_string(), format!("{e:?}"), logs.text(), p.render()] {
        for secret in [wrong, agents::V3_PRIV] {
            assert!(!text.contains(secret), "a v3 secret shows in: {text}");
        }
    }
}
