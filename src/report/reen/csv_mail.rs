//! The CSV's mail sections: the year's mail in total, per entity and per domain, its months,
//! and the factors with their sources.

use crate::mail::{MailGroup, Scenarios};
use crate::report::format::{plain, quantity};

use super::ReenReport;
use super::csv::Sheet;

const BYTES: &str = "bytes";
const KG: &str = "kgCO2e";

pub(super) fn mail(s: &mut Sheet, r: &ReenReport) {
    let Some(m) = r.mail else {
        return;
    };
    group(s, "mail", "", &m.total);
    for (entity, g) in &m.by_entity {
        group(s, "mail_entity", &format!("{entity}."), g);
    }
    for (domain, g) in &m.by_domain {
        group(s, "mail_domain", &format!("{domain}."), g);
    }
    for month in &m.months {
        let p = &month.month;
        s.row(
            "mail_month",
            &format!("{p}.stored_bytes"),
            plain(month.stored_bytes, 0),
            BYTES,
            "at the end of the month",
        );
        s.row(
            "mail_month",
            &format!("{p}.growth_bytes"),
            plain(month.growth_bytes, 0),
            BYTES,
            "",
        );
        s.row(
            "mail_month",
            &format!("{p}.sent_messages"),
            plain(month.sent_messages, 0),
            "messages",
            "",
        );
        s.row(
            "mail_month",
            &format!("{p}.received_messages"),
            plain(month.received_messages, 0),
            "messages",
            "",
        );
    }
    let sec = "mail_factors";
    let e = m.factors.electricity_kgco2e_per_kwh.value;
    for (part, factors, unit) in [
        ("storage", &m.factors.storage, "kgCO2e/GB/year"),
        ("transfer", &m.factors.transfer, "kgCO2e/GB"),
    ] {
        for f in factors {
            s.row(
                sec,
                &format!("{part}.{}", f.scenario.as_str()),
                quantity(Some(f.kg_per_gb(e))),
                unit,
                &format!("{} ({})", f.source, f.date),
            );
        }
    }
    let el = &m.factors.electricity_kgco2e_per_kwh;
    s.row(
        sec,
        "electricity_kgco2e_per_kwh",
        plain(Some(el.value), 6),
        el.unit,
        &format!("{} ({})", el.source, el.date),
    );
}

fn scenarios(s: &mut Sheet, sec: &str, name: &str, v: Option<Scenarios>) {
    for (scenario, x) in [
        ("low", v.map(|v| v.low)),
        ("central", v.map(|v| v.central)),
        ("high", v.map(|v| v.high)),
    ] {
        s.row(sec, &format!("{name}.{scenario}"), quantity(x), KG, "");
    }
}

fn group(s: &mut Sheet, sec: &str, prefix: &str, g: &MailGroup) {
    let name = |n: &str| format!("{prefix}{n}");
    s.count(sec, &name("mailboxes"), g.mailboxes, "mailboxes", "");
    s.row(
        sec,
        &name("stored_bytes"),
        plain(Some(g.stored_bytes), 0),
        BYTES,
        "",
    );
    s.row(
        sec,
        &name("stored_messages"),
        plain(Some(g.stored_messages), 0),
        "messages",
        "",
    );
    s.row(
        sec,
        &name("stored_bytes_per_agent"),
        plain(g.stored_bytes_per_agent, 0),
        BYTES,
        "[headcount]",
    );
    s.ratio(
        sec,
        &name("attachment_share"),
        g.attachment_share,
        "of the bytes whose structure was read",
    );
    s.row(
        sec,
        &name("sent_messages"),
        plain(g.sent_messages, 0),
        "messages",
        "",
    );
    s.row(sec, &name("sent_bytes"), plain(g.sent_bytes, 0), BYTES, "");
    s.row(
        sec,
        &name("received_messages"),
        plain(g.received_messages, 0),
        "messages",
        "",
    );
    scenarios(
        s,
        sec,
        &name("storage_kgco2e"),
        Some(g.footprint.storage_kgco2e),
    );
    scenarios(
        s,
        sec,
        &name("transfer_kgco2e"),
        g.footprint.transfer_kgco2e,
    );
}
