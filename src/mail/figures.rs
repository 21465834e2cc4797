//! The mail figures of a period from the stored mail readings: storage as the latest round
//! of each source left it, traffic over the period, per domain and per entity, with the
//! email footprint in three scenarios. No I/O here.

use std::collections::BTreeMap;

use parcd_connectors::mail::{SCOPE_DOMAIN, SCOPE_ENTITY};
use parcd_connectors::reading::known;
use serde::Serialize;

use super::factors::{BYTES_PER_GB, MailFactors, Scenarios};
use crate::printing::PrintPeriod;

/// Seconds in an average year, for GB-years.
pub const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

/// One stored reading of a mail quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct MailReading {
    pub source: String,
    pub scope: String,
    pub key: String,
    pub quantity: String,
    pub at: i64,
    pub value: f64,
}

/// The figures of a domain, an entity or all of them. A figure no source reports is `None`,
/// never 0. Every `f64` is finite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailGroup {
    pub mailboxes: u64,
    pub stored_bytes: f64,
    pub stored_messages: f64,
    /// Sum of the quota limits of the mailboxes that have one, and what their quota counts
    /// as used.
    pub quota_bytes: Option<f64>,
    pub quota_used_bytes: Option<f64>,
    pub sent_folder_bytes: Option<f64>,
    pub trash_folder_bytes: Option<f64>,
    pub junk_folder_bytes: Option<f64>,
    /// Bytes in attachments ÷ bytes of the messages whose structure was read (0 to 1).
    pub attachment_share: Option<f64>,
    /// Traffic over the period: the Sent folders' growth, the INBOXes' `UIDNEXT` growth
    /// (messages received: the UIDs do not tell their bytes, so `received_bytes` comes only
    /// from day amounts, which no source gives today), and the day amounts of the sources
    /// that report days.
    pub sent_messages: Option<f64>,
    pub sent_bytes: Option<f64>,
    pub received_messages: Option<f64>,
    pub received_bytes: Option<f64>,
    /// `[headcount]` of the entity (entities only; the total sums the headcounts of the
    /// entities with mail).
    pub agents: Option<u64>,
    pub stored_bytes_per_agent: Option<f64>,
    pub footprint: MailFootprint,
    #[serde(skip)]
    scanned: (f64, f64),
}

/// The email footprint of a group, kgCO2e in three scenarios.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailFootprint {
    /// A year of the current storage.
    pub storage_kgco2e_per_year: Scenarios,
    /// The storage over the part of the period the sources were read.
    pub storage_kgco2e: Scenarios,
    /// The mail sent over the period, where its bytes are known.
    pub transfer_kgco2e: Option<Scenarios>,
}

/// One month of a year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailMonth {
    pub month: String,
    /// As the month ended (or now), `None` before any round.
    pub stored_bytes: Option<f64>,
    pub stored_messages: Option<f64>,
    /// Stored bytes less the previous month's, when both are known.
    pub growth_bytes: Option<f64>,
    pub sent_messages: Option<f64>,
    pub sent_bytes: Option<f64>,
    pub received_messages: Option<f64>,
    pub storage_kgco2e: Scenarios,
}

/// The mail figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailFigures {
    pub period: PrintPeriod,
    pub total: MailGroup,
    pub by_domain: BTreeMap<String, MailGroup>,
    pub by_entity: BTreeMap<String, MailGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<MailMonth>,
    pub factors: MailFactors,
    pub notes: Vec<&'static str>,
}

pub const NOTES: [&str; 6] = [
    "storage: the latest complete round of each mail source by the end of the period; \
     mailboxes are counted per mail domain and per entity ([mail.entities]), never per person",
    "sent: the growth of the Sent folders between rounds (a mailbox's folder emptied starts a \
     new baseline), plus the day amounts of sources that report days; mail sent and deleted \
     between two rounds is not seen",
    "received: the growth of each INBOX's UIDNEXT between rounds (every message delivered \
     takes a UID, even if deleted or moved since; a renumbered INBOX, new UIDVALIDITY, starts \
     a new baseline), plus the day amounts of sources that report days; mail filed by a \
     server rule straight into another folder is not seen; received bytes are unknown (the \
     UIDs do not tell them)",
    "attachment_share: bytes in attachments ÷ bytes of the messages whose structure a source \
     read (a sample on large mailboxes); absent when no source reads structures",
    "footprint: storage GB-years (up to the latest round while the period is under way) and \
     GB sent times each scenario's factor; the devices mail is read on are in the fleet's \
     footprint already, so not counted again",
    "transfer: one recipient per message assumed (network_legs = 2), no source giving \
     recipient counts",
];

/// What the figures of one period are made from.
pub struct Inputs<'a> {
    /// The gauges of each source's latest round by the end of the period (see
    /// [`latest_rounds`]).
    pub stored: &'a [MailReading],
    /// The traffic counters' increases over the period (`value` is the increase): mail
    /// sent and received.
    pub counters: &'a [MailReading],
    /// Day amounts within the period.
    pub days: &'a [MailReading],
    /// GB-years are the stored GB times this (the part of the period with readings).
    pub observed_years: f64,
    pub headcount: &'a BTreeMap<String, u64>,
    pub factors: &'a MailFactors,
    pub period: PrintPeriod,
}

/// Keeps, of each source's latest gauges, those of its latest round (the time of its
/// latest `mail_mailboxes`): a domain a source no longer reports is not counted from an
/// old round.
pub fn latest_rounds(as_of: Vec<MailReading>) -> Vec<MailReading> {
    let mut round: BTreeMap<String, i64> = BTreeMap::new();
    for r in as_of
        .iter()
        .filter(|r| r.quantity == known::MAIL_MAILBOXES.name)
    {
        let at = round.entry(r.source.clone()).or_insert(r.at);
        *at = (*at).max(r.at);
    }
    as_of
        .into_iter()
        .filter(|r| round.get(&r.source) == Some(&r.at))
        .collect()
}

/// Figures per (scope, key) before totals.
#[derive(Default)]
struct Acc {
    sums: BTreeMap<&'static str, f64>,
}

impl Acc {
    fn add(&mut self, q: &'static str, v: f64) {
        *self.sums.entry(q).or_insert(0.0) += v;
    }
    fn get(&self, q: &str) -> Option<f64> {
        self.sums.get(q).copied()
    }
}

/// The quantities read as gauges, by name.
const GAUGES: [&str; 10] = [
    known::MAIL_MAILBOXES.name,
    known::MAIL_STORED_BYTES.name,
    known::MAIL_STORED_MESSAGES.name,
    known::MAIL_QUOTA_BYTES.name,
    known::MAIL_QUOTA_USED_BYTES.name,
    known::MAIL_FOLDER_SENT_BYTES.name,
    known::MAIL_FOLDER_TRASH_BYTES.name,
    known::MAIL_FOLDER_JUNK_BYTES.name,
    known::MAIL_SCANNED_BYTES.name,
    known::MAIL_SCANNED_ATTACHMENT_BYTES.name,
];

/// The counters' quantities, by the field of [`MailGroup`] their increases add to.
const COUNTERS: [(&str, &str); 3] = [
    (known::MAIL_SENT_MESSAGES.name, "sent_messages"),
    (known::MAIL_SENT_BYTES.name, "sent_bytes"),
    (known::MAIL_RECEIVED_MESSAGES.name, "received_messages"),
];

const DAYS: [(&str, &str); 4] = [
    (known::MAIL_DAY_SENT_MESSAGES.name, "sent_messages"),
    (known::MAIL_DAY_SENT_BYTES.name, "sent_bytes"),
    (known::MAIL_DAY_RECEIVED_MESSAGES.name, "received_messages"),
    (known::MAIL_DAY_RECEIVED_BYTES.name, "received_bytes"),
];

fn mail_scope(scope: &str) -> Option<&'static str> {
    [SCOPE_DOMAIN, SCOPE_ENTITY]
        .into_iter()
        .find(|s| *s == scope)
}

fn static_name(q: &str) -> Option<&'static str> {
    GAUGES.iter().copied().find(|g| *g == q)
}

fn group(acc: &Acc, agents: Option<u64>, i: &Inputs) -> MailGroup {
    let stored_bytes = acc.get(known::MAIL_STORED_BYTES.name).unwrap_or(0.0);
    let scanned = (
        acc.get(known::MAIL_SCANNED_BYTES.name).unwrap_or(0.0),
        acc.get(known::MAIL_SCANNED_ATTACHMENT_BYTES.name)
            .unwrap_or(0.0),
    );
    let e = i.factors.electricity_kgco2e_per_kwh.value;
    let gb = stored_bytes / BYTES_PER_GB;
    let sent_bytes = acc.get("sent_bytes");
    MailGroup {
        mailboxes: acc.get(known::MAIL_MAILBOXES.name).unwrap_or(0.0).round() as u64,
        stored_bytes,
        stored_messages: acc.get(known::MAIL_STORED_MESSAGES.name).unwrap_or(0.0),
        quota_bytes: acc.get(known::MAIL_QUOTA_BYTES.name),
        quota_used_bytes: acc.get(known::MAIL_QUOTA_USED_BYTES.name),
        sent_folder_bytes: acc.get(known::MAIL_FOLDER_SENT_BYTES.name),
        trash_folder_bytes: acc.get(known::MAIL_FOLDER_TRASH_BYTES.name),
        junk_folder_bytes: acc.get(known::MAIL_FOLDER_JUNK_BYTES.name),
        attachment_share: (scanned.0 > 0.0).then(|| (scanned.1 / scanned.0).clamp(0.0, 1.0)),
        sent_messages: acc.get("sent_messages"),
        sent_bytes,
        received_messages: acc.get("received_messages"),
        received_bytes: acc.get("received_bytes"),
        agents,
        stored_bytes_per_agent: agents.filter(|a| *a > 0).map(|a| stored_bytes / a as f64),
        footprint: MailFootprint {
            storage_kgco2e_per_year: Scenarios::of(gb, &i.factors.storage, e),
            storage_kgco2e: Scenarios::of(gb * i.observed_years, &i.factors.storage, e),
            transfer_kgco2e: sent_bytes
                .map(|b| Scenarios::of(b / BYTES_PER_GB, &i.factors.transfer, e)),
        },
        scanned,
    }
}

/// The figures of the period.
pub fn compute(i: &Inputs) -> MailFigures {
    let mut accs: BTreeMap<(&str, String), Acc> = BTreeMap::new();
    for r in i.stored {
        let (Some(q), Some(scope)) = (static_name(&r.quantity), mail_scope(&r.scope)) else {
            continue;
        };
        accs.entry((scope, r.key.clone()))
            .or_default()
            .add(q, r.value);
    }
    for r in i.counters {
        let Some((_, field)) = COUNTERS.iter().find(|(q, _)| *q == r.quantity) else {
            continue;
        };
        if let Some(scope) = mail_scope(&r.scope) {
            accs.entry((scope, r.key.clone()))
                .or_default()
                .add(field, r.value);
        }
    }
    for r in i.days {
        let Some((_, field)) = DAYS.iter().find(|(q, _)| *q == r.quantity) else {
            continue;
        };
        let Some(scope) = mail_scope(&r.scope) else {
            continue;
        };
        accs.entry((scope, r.key.clone()))
            .or_default()
            .add(field, r.value);
    }
    let mut total = Acc::default();
    let mut by_domain = BTreeMap::new();
    let mut by_entity = BTreeMap::new();
    let mut total_agents = None;
    for ((scope, key), acc) in &accs {
        if *scope == SCOPE_DOMAIN {
            // Every mailbox is in one domain: the domains add up to the total.
            for (q, v) in &acc.sums {
                total.add(q, *v);
            }
            by_domain.insert(key.clone(), group(acc, None, i));
        } else {
            let agents = i.headcount.get(key).copied();
            if let Some(a) = agents {
                *total_agents.get_or_insert(0) += a;
            }
            by_entity.insert(key.clone(), group(acc, agents, i));
        }
    }
    MailFigures {
        period: i.period.clone(),
        total: group(&total, total_agents, i),
        by_domain,
        by_entity,
        months: Vec::new(),
        factors: i.factors.clone(),
        notes: NOTES.to_vec(),
    }
}

impl MailFigures {
    /// This period as one month of a year (`previous`: the month before's stored bytes).
    pub fn as_month(&self, previous: Option<f64>) -> MailMonth {
        let t = &self.total;
        let stored = (t.mailboxes > 0).then_some(t.stored_bytes);
        MailMonth {
            month: self.period.label.clone(),
            stored_bytes: stored,
            stored_messages: stored.map(|_| t.stored_messages),
            growth_bytes: stored.zip(previous).map(|(now, before)| now - before),
            sent_messages: t.sent_messages,
            sent_bytes: t.sent_bytes,
            received_messages: t.received_messages,
            storage_kgco2e: t.footprint.storage_kgco2e,
        }
    }

    /// What mail adds to the fleet's footprint this period, central scenario with the
    /// range, for `/api/v1/indicators`.
    pub fn footprint_part(&self) -> MailFootprintPart {
        let f = &self.total.footprint;
        let t = f.transfer_kgco2e.unwrap_or_default();
        MailFootprintPart {
            period: self.period.label.clone(),
            stored_bytes: self.total.stored_bytes,
            mailboxes: self.total.mailboxes,
            storage_kgco2e_per_year: f.storage_kgco2e_per_year,
            kgco2e: Scenarios {
                low: f.storage_kgco2e.low + t.low,
                central: f.storage_kgco2e.central + t.central,
                high: f.storage_kgco2e.high + t.high,
            },
        }
    }
}

/// The mail part of the fleet indicators.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MailFootprintPart {
    pub period: String,
    pub stored_bytes: f64,
    pub mailboxes: u64,
    pub storage_kgco2e_per_year: Scenarios,
    /// Storage and transfer over the period to date.
    pub kgco2e: Scenarios,
}
