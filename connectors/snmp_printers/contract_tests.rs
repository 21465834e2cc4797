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
            inventory: &[],
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
    // hrPrinterStatus answered noSuchInstance, the Printer-MIB serial noSuchObject.
    assert_eq!(value(&page, &id, PRINTER_STATUS), None);
    assert_eq!(value(&page, &id, SupplyKind::Black.quantity()), None);
    assert_eq!(value(&page, &id, RESPONDING), Some(1.0));
    assert!(page.failure.is_none());
}

#[tokio::test]
async fn an_a3_colour_mfp_gives_its_sheets_by_media_size_and_two_sided_impressions() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    let page = poll(&v2c(&[id.as_str()], "colour-mfp-a3"), None)
        .await
        .unwrap();
    assert_eq!(serial_of(&page, &id).as_deref(), Some("3100R810042"));
    assert_eq!(value(&page, &id, PRINTED_PAGES), Some(120000.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_COLOUR), Some(40000.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_MONO), Some(80000.0));
    // PWG two-sided impressions, and its sheets where the marker counts impressions.
    assert_eq!(value(&page, &id, PRINTED_PAGES_DUPLEX), Some(50000.0));
    assert_eq!(value(&page, &id, PRINTED_SHEETS), Some(95000.0));
    // The device's own key (1), lifetime rows: A3 8000; A4 86000 and A5 1000. The print
    // service's key (2) and the power-on rows count the same sheets again.
    assert_eq!(value(&page, &id, PRINTED_SHEETS_A3), Some(8000.0));
    assert_eq!(value(&page, &id, PRINTED_SHEETS_A4), Some(87000.0));
    // A printer without the PWG MIB gives neither.
    let hp = poll(&v2c(&[id.as_str()], "hp-mono"), None).await.unwrap();
    assert_eq!(value(&hp, &id, PRINTED_SHEETS_A3), None);
    assert_eq!(value(&hp, &id, PRINTED_SHEETS_A4), None);
}

#[tokio::test]
async fn tables_longer_than_one_request_are_read_to_their_ends() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    // The printer is hrDevice 5, after four other devices; two markers, 20 supplies, six
    // colorants and a media table of three keys: more rows than the first request asks,
    // and for the supplies more than a second one holds.
    let page = poll(&v2c(&[id.as_str()], "long-tables"), None)
        .await
        .unwrap();
    assert!(page.failure.is_none());
    assert_eq!(serial_of(&page, &id).as_deref(), Some("CAN-7770-0099"));
    assert_eq!(value(&page, &id, DEVICE_STATUS), Some(2.0));
    assert_eq!(value(&page, &id, PRINTER_STATUS), Some(4.0));
    // Both markers count impressions: 100000 + 23456.
    assert_eq!(value(&page, &id, PRINTED_PAGES), Some(123456.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_COLOUR), Some(50000.0));
    assert_eq!(value(&page, &id, PRINTED_PAGES_MONO), Some(73456.0));
    // The first key's lifetime rows, all twelve media: A3, SRA3 and B4 as A3.
    assert_eq!(value(&page, &id, PRINTED_SHEETS_A3), Some(44006.0));
    assert_eq!(value(&page, &id, PRINTED_SHEETS_A4), Some(34006.0));
    // The lowest supply of each kind, the last rows included.
    for (kind, level) in [
        (SupplyKind::Black, 80.0),
        (SupplyKind::Cyan, 70.0),
        (SupplyKind::Magenta, 60.0),
        (SupplyKind::Yellow, 50.0),
        (SupplyKind::OtherColour, 33.0),
        (SupplyKind::Drum, 60.0),
        (SupplyKind::Waste, 60.0),
        (SupplyKind::Fuser, 80.0),
        (SupplyKind::Transfer, 10.0),
        (SupplyKind::Other, 25.0),
    ] {
        assert_eq!(value(&page, &id, kind.quantity()), Some(level), "{kind:?}");
    }
}

#[tokio::test]
async fn a_printer_is_read_in_one_request_when_its_tables_are_short() {
    let agent = Agent::snmpsim().await;
    let relay = agents::Relay::start(agent.port).await;
    let id = relay.target();
    // One GETBULK of the system and vendor objects with the first rows of every table,
    // the printer's hrDevice row among them: a mono HP, an agent of odd types; colour MFPs
    // (one whose printer is hrDevice 3) read the rest of their supplies, and the PWG media
    // table, in one more GETBULK.
    for (community, requests) in [
        ("hp-mono", 1),
        ("colour-mfp", 2),
        ("colour-mfp-a3", 2),
        ("odd", 1),
    ] {
        let before = relay.requests();
        let page = poll(&v2c(&[id.as_str()], community), None).await.unwrap();
        assert_eq!(value(&page, &id, RESPONDING), Some(1.0), "{community}");
        assert_eq!(relay.requests() - before, requests, "{community}");
    }
    // Longer tables cost more requests, a few more, not one per row.
    let before = relay.requests();
    poll(&v2c(&[id.as_str()], "long-tables"), None)
        .await
        .unwrap();
    let long = relay.requests() - before;
    assert!((3..=6).contains(&long), "{long} requests");
}

#[tokio::test]
async fn a_counter_at_zero_is_left_out_and_a_wrapped_one_reported_as_read() {
    let agent = Agent::snmpsim().await;
    let id = at(&agent);
    let targets = [id.as_str()];
    // A printer first read at 0 (new, or its counter not kept): 0 is its baseline.
    let zero = poll(&v2c(&targets, "hp-mono-zero"), None).await.unwrap();
    assert_eq!(value(&zero, &id, PRINTED_PAGES), Some(0.0));
    let first = poll(&v2c(&targets, "hp-mono"), Some(&zero.cursor))
        .await
        .unwrap();
    assert_eq!(value(&first, &id, PRINTED_PAGES), Some(48213.0));
    // It answers 0 while its engine starts: no counter this round, the rest is read.
    let (logs, _guard) = Logs::capture();
    let glitch = poll(&v2c(&targets, "hp-mono-zero"), Some(&first.cursor))
        .await
        .unwrap();
    assert_eq!(value(&glitch, &id, PRINTED_PAGES), None);
    assert_eq!(value(&glitch, &id, PRINTED_PAGES_DUPLEX), None);
    assert_eq!(value(&glitch, &id, RESPONDING), Some(1.0));
    assert!(
        logs.text().contains("reads 0 after 48213"),
        "{}",
        logs.text()
    );
    let later = poll(&v2c(&targets, "hp-mono-later"), Some(&glitch.cursor))
        .await
        .unwrap();
    assert_eq!(value(&later, &id, PRINTED_PAGES), Some(48999.0));
    // A Counter32 at its top, then wrapped: both as read, the lower one for the core to
    // take as a new baseline (never negative pages: see `readings::counter`).
    let top = poll(&v2c(&targets, "hp-mono-wrap"), Some(&later.cursor))
        .await
        .unwrap();
    assert_eq!(value(&top, &id, PRINTED_PAGES), Some(4294967290.0));
    let wrapped = poll(&v2c(&targets, "hp-mono-wrapped"), Some(&top.cursor))
        .await
        .unwrap();
    assert_eq!(value(&wrapped, &id, PRINTED_PAGES), Some(15.0));
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
    assert!(
        page.failure.is_none(),
        "one printer answered: the round succeeds"
    );
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
            inventory: &[],
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
    // The round fails, and still says the printer did not answer.
    let page = poll(&p, None)
        .await
        .expect("a failed round is still a page");
    assert_eq!(value(&page, &at(&agent), RESPONDING), Some(0.0));
    assert_eq!(page.readings.len(), 1, "{:?}", page.readings);
    let e = page.failure.expect("every target failed");
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
    let page = poll(&p, None)
        .await
        .expect("a failed round is still a page");
    assert_eq!(value(&page, &id, RESPONDING), Some(0.0));
    let e = page.failure.expect("a wrong password reads nothing");
    assert!(matches!(e.error_type(), ErrorType::Auth), "{e}");
    assert!(e.to_string().contains("SNMPv3"), "{e}");
    for text in [e.to_string(), format!("{e:?}"), logs.text(), p.render()] {
        for secret in [wrong, agents::V3_PRIV] {
            assert!(!text.contains(secret), "a v3 secret shows in: {text}");
        }
    }
}

#[tokio::test]
async fn a_round_nobody_answers_fails_and_still_says_each_listed_printer_is_silent() {
    // A printer switched off, a closed port, and a range around a closed port.
    let hole = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent = format!("127.0.0.1:{}", hole.local_addr().unwrap().port());
    let closed = format!("127.0.0.1:{}", agents::free_port());
    let range = format!("127.0.0.1/32:{}", agents::free_port());
    let p = v2c(&[&silent, &closed, &range], "hp-mono");
    // The last round had read the silent printer: its serial stays on its reading.
    let mut before = super::cursor::SnmpCursor::default();
    before.printers.insert(
        silent.clone(),
        super::cursor::Memory {
            serial: Some("CNBJT12345".into()),
            replacements: 2,
            ..Default::default()
        },
    );
    let (logs, _guard) = Logs::capture();
    let started = std::time::Instant::now();
    let page = poll(&p, Some(&before.encode())).await.unwrap();
    // 400 ms × 2 tries, the three targets at once.
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(value(&page, &silent, RESPONDING), Some(0.0));
    assert_eq!(serial_of(&page, &silent).as_deref(), Some("CNBJT12345"));
    assert_eq!(value(&page, &closed, RESPONDING), Some(0.0));
    assert_eq!(
        page.readings.len(),
        2,
        "one reading per listed target, none for the range: {:?}",
        page.readings
    );
    let e = page.failure.expect("no target answered");
    // A listed target's cause (not the range's), typed, with its address.
    let (t, why) = (e.error_type(), e.to_string());
    assert!(
        (t == ErrorType::Timeout && why.contains(&silent))
            || (t == ErrorType::Connect && why.contains(&closed)),
        "{t:?}: {why}"
    );
    let kept = super::cursor::SnmpCursor::decode(Some(&page.cursor));
    assert_eq!(kept.printers.get(&silent), before.printers.get(&silent));
    let logs = logs.text();
    for (target, error_type) in [(&silent, "timeout"), (&closed, "connect")] {
        assert!(
            logs.lines().any(|l| l.contains("WARN")
                && l.contains(target.as_str())
                && l.contains(&format!("error_type=\"{error_type}\""))),
            "no {error_type} warning about {target} in:\n{logs}"
        );
    }
    assert!(logs.contains("no target answered"), "{logs}");
}

/// With `inventory_source`, a round polls the inventory's printing devices it is handed, at
/// one address each on the source's `port`; the others are left out, those without a usable
/// address counted.
#[tokio::test]
async fn a_round_polls_the_printers_of_the_inventory_it_is_handed() {
    let agent = Agent::snmpsim().await;
    let p = params(json!({
        "inventory_source": "glpi-main", "port": agent.port, "community": "hp-mono",
        "timeout_ms": 400, "retries": 1,
    }));
    assert!(p.targets.is_empty());
    let c = p.build().expect("the connector builds");
    let feed = c
        .inventory_feed()
        .expect("it asks for the inventory's printers");
    assert_eq!(feed.source, "glpi-main");
    assert_eq!(
        feed.classes,
        [
            crate::record::AssetClass::Printer,
            crate::record::AssetClass::Mfp,
            crate::record::AssetClass::Copier
        ]
    );
    let device = |id: &str, class, addresses: &[&str]| crate::inventory::InventoryDevice {
        external_id: id.into(),
        class,
        name: Some(id.to_lowercase()),
        serial: None,
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
    };
    use crate::record::AssetClass::{Laptop, Mfp, Printer};
    let inventory = [
        device("Printer/1", Printer, &["fe80::1", "127.0.0.1"]),
        device("Printer/2", Mfp, &["fe80::2"]),
        device("Printer/3", Printer, &[]),
        // Not a printer: never polled, whatever its address.
        device("Computer/4", Laptop, &["127.0.0.9"]),
    ];
    let page = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: None,
            inventory: &inventory,
        })
        .await
        .unwrap();
    let id = format!("127.0.0.1:{}", agent.port);
    assert!(
        page.readings.iter().all(|r| r.subject.key() == id),
        "only the printer with an address is polled: {:?}",
        page.readings
    );
    assert_eq!(value(&page, &id, RESPONDING), Some(1.0));
    assert!(value(&page, &id, PRINTED_PAGES).is_some());
    assert_eq!(
        page.rejected, 2,
        "the two printers without a usable address"
    );
    assert!(page.failure.is_none());

    // The printer left the inventory: the next round polls nothing, and forgets it.
    let next = c
        .poll(PollRequest {
            mode: SyncMode::Full,
            cursor: Some(&page.cursor),
            inventory: &[],
        })
        .await
        .unwrap();
    assert!(next.readings.is_empty(), "{:?}", next.readings);
    assert_eq!(next.rejected, 0);
    assert!(next.failure.is_none(), "an empty round is no failure");
    assert!(!next.cursor.0.contains(&id), "{}", next.cursor.0);
    // Nothing to probe before a round knows the printers.
    c.check().await.unwrap();
}
