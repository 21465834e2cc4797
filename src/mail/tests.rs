use std::collections::BTreeMap;

use parcd_connectors::mail::{SCOPE_DOMAIN, SCOPE_ENTITY};
use parcd_connectors::reading::{Quantity, known};

use super::factors::{BYTES_PER_GB, MailFactors};
use super::figures::{Inputs, MailReading, compute, latest_rounds};
use crate::printing::{PrintPeriod, Sourced};

fn r(source: &str, scope: &str, key: &str, q: Quantity, at: i64, value: f64) -> MailReading {
    MailReading {
        source: source.into(),
        scope: scope.into(),
        key: key.into(),
        quantity: q.name.into(),
        at,
        value,
    }
}

fn factors() -> MailFactors {
    MailFactors::new(Sourced {
        value: 0.0461,
        unit: "kgCO2e/kWh",
        source: "ADEME".into(),
        date: "2025".into(),
    })
}

fn period() -> PrintPeriod {
    PrintPeriod {
        label: "2026".into(),
        from: 0,
        to: 100,
        complete: false,
    }
}

#[test]
fn an_old_round_of_a_source_is_not_counted_beside_its_latest() {
    let rows = vec![
        // Round at 10 saw two domains; the round at 20 only one.
        r("dv", SCOPE_DOMAIN, "old.fr", known::MAIL_MAILBOXES, 10, 5.0),
        r(
            "dv",
            SCOPE_DOMAIN,
            "old.fr",
            known::MAIL_STORED_BYTES,
            10,
            500.0,
        ),
        r("dv", SCOPE_DOMAIN, "a.fr", known::MAIL_MAILBOXES, 20, 2.0),
        r(
            "dv",
            SCOPE_DOMAIN,
            "a.fr",
            known::MAIL_STORED_BYTES,
            20,
            200.0,
        ),
        r("m365", SCOPE_DOMAIN, "b.fr", known::MAIL_MAILBOXES, 15, 1.0),
    ];
    let kept = latest_rounds(rows);
    let keys: Vec<(&str, &str)> = kept
        .iter()
        .map(|r| (r.source.as_str(), r.key.as_str()))
        .collect();
    assert!(!keys.contains(&("dv", "old.fr")), "{keys:?}");
    assert!(keys.contains(&("dv", "a.fr")) && keys.contains(&("m365", "b.fr")));
}

#[test]
fn domains_add_up_to_the_total_and_entities_get_their_agents() {
    let stored = vec![
        r("dv", SCOPE_DOMAIN, "a.fr", known::MAIL_MAILBOXES, 20, 2.0),
        r(
            "dv",
            SCOPE_DOMAIN,
            "a.fr",
            known::MAIL_STORED_BYTES,
            20,
            2e9,
        ),
        r("dv", SCOPE_DOMAIN, "b.fr", known::MAIL_MAILBOXES, 20, 1.0),
        r(
            "dv",
            SCOPE_DOMAIN,
            "b.fr",
            known::MAIL_STORED_BYTES,
            20,
            1e9,
        ),
        r(
            "dv",
            SCOPE_DOMAIN,
            "b.fr",
            known::MAIL_SCANNED_BYTES,
            20,
            1000.0,
        ),
        r(
            "dv",
            SCOPE_DOMAIN,
            "b.fr",
            known::MAIL_SCANNED_ATTACHMENT_BYTES,
            20,
            250.0,
        ),
        r("dv", SCOPE_ENTITY, "Mairie", known::MAIL_MAILBOXES, 20, 3.0),
        r(
            "dv",
            SCOPE_ENTITY,
            "Mairie",
            known::MAIL_STORED_BYTES,
            20,
            3e9,
        ),
    ];
    let sent = vec![
        r(
            "dv",
            SCOPE_DOMAIN,
            "a.fr",
            known::MAIL_SENT_MESSAGES,
            20,
            7.0,
        ),
        r("dv", SCOPE_DOMAIN, "a.fr", known::MAIL_SENT_BYTES, 20, 5e8),
        r(
            "dv",
            SCOPE_ENTITY,
            "Mairie",
            known::MAIL_SENT_MESSAGES,
            20,
            7.0,
        ),
        r(
            "dv",
            SCOPE_DOMAIN,
            "a.fr",
            known::MAIL_RECEIVED_MESSAGES,
            20,
            40.0,
        ),
        r(
            "dv",
            SCOPE_ENTITY,
            "Mairie",
            known::MAIL_RECEIVED_MESSAGES,
            20,
            40.0,
        ),
    ];
    let days = vec![
        r(
            "m365",
            SCOPE_DOMAIN,
            "b.fr",
            known::MAIL_DAY_SENT_MESSAGES,
            5,
            3.0,
        ),
        r(
            "m365",
            SCOPE_DOMAIN,
            "b.fr",
            known::MAIL_DAY_RECEIVED_MESSAGES,
            5,
            9.0,
        ),
    ];
    let headcount: BTreeMap<String, u64> = [("Mairie".to_string(), 30)].into();
    let f = factors();
    let fig = compute(&Inputs {
        stored: &stored,
        counters: &sent,
        days: &days,
        observed_years: 0.5,
        headcount: &headcount,
        factors: &f,
        period: period(),
    });
    let t = &fig.total;
    assert_eq!((t.mailboxes, t.stored_bytes), (3, 3e9));
    assert_eq!(t.sent_messages, Some(10.0));
    assert_eq!(t.attachment_share, Some(0.25));
    assert_eq!(fig.by_domain["a.fr"].attachment_share, None);
    let m = &fig.by_entity["Mairie"];
    assert_eq!(m.agents, Some(30));
    assert_eq!(m.stored_bytes_per_agent, Some(1e8));
    assert_eq!(m.sent_messages, Some(7.0));
    // 3 GB for a year, and for the half year read.
    let central = f.storage[1].kg_per_gb(0.0461);
    assert!((t.footprint.storage_kgco2e_per_year.central - 3.0 * central).abs() < 1e-12);
    assert!((t.footprint.storage_kgco2e.central - 1.5 * central).abs() < 1e-12);
    let transfer = t.footprint.transfer_kgco2e.unwrap();
    assert!(
        (transfer.central - 5e8 / BYTES_PER_GB * f.transfer[1].kg_per_gb(0.0461)).abs() < 1e-12
    );
    assert!(transfer.low < transfer.central && transfer.central < transfer.high);
    // Received: the INBOXes' counters and the day amounts add up, per domain and entity.
    assert_eq!(t.received_messages, Some(49.0));
    assert_eq!(fig.by_domain["a.fr"].received_messages, Some(40.0));
    assert_eq!(fig.by_domain["b.fr"].received_messages, Some(9.0));
    assert_eq!(m.received_messages, Some(40.0));
    assert_eq!(fig.as_month(None).received_messages, Some(49.0));
    // No source counts received bytes: absent, not 0.
    assert_eq!(t.received_bytes, None);
    assert_eq!(fig.by_domain["b.fr"].footprint.transfer_kgco2e, None);
}

#[test]
fn a_month_grows_by_the_difference_with_the_month_before() {
    let stored = vec![
        r("dv", SCOPE_DOMAIN, "a.fr", known::MAIL_MAILBOXES, 20, 2.0),
        r(
            "dv",
            SCOPE_DOMAIN,
            "a.fr",
            known::MAIL_STORED_BYTES,
            20,
            2500.0,
        ),
    ];
    let (f, h) = (factors(), BTreeMap::new());
    let fig = compute(&Inputs {
        stored: &stored,
        counters: &[],
        days: &[],
        observed_years: 0.1,
        headcount: &h,
        factors: &f,
        period: period(),
    });
    let m = fig.as_month(Some(2000.0));
    assert_eq!(m.growth_bytes, Some(500.0));
    assert_eq!(fig.as_month(None).growth_bytes, None);
    let empty = compute(&Inputs {
        stored: &[],
        counters: &[],
        days: &[],
        observed_years: 0.1,
        headcount: &h,
        factors: &f,
        period: period(),
    });
    assert_eq!(empty.as_month(Some(2000.0)).stored_bytes, None);
}
