//! What an alert is about, as stored in the outbox and rendered by every channel.
//!
//! A [`Notice`] is frozen when the alert changes state: a message sent after an outage says
//! what was true when the alert fired, with its date, not what is true when the channel
//! came back.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::agec::Category;

/// Which AGEC minimum an alert is about (décret 2024-134 has two columns; 2021-254 had a
/// combined one).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QuotaKind {
    /// Reuse or reutilisation, valued donations included.
    Reuse,
    /// Recycled content.
    Recycled,
    /// Reuse, donations and recycled content together (décret 2021-254's first column).
    Combined,
}

impl QuotaKind {
    pub const ALL: [QuotaKind; 3] = [QuotaKind::Reuse, QuotaKind::Recycled, QuotaKind::Combined];

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaKind::Reuse => "reuse",
            QuotaKind::Recycled => "recycled",
            QuotaKind::Combined => "combined",
        }
    }
}

/// The alert rules.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The year-to-date share is below the minimum.
    QuotaNotMet,
    /// The share projected to 31 December is below the minimum.
    ProjectedMiss,
}

impl Rule {
    pub const ALL: [Rule; 2] = [Rule::QuotaNotMet, Rule::ProjectedMiss];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::QuotaNotMet => "quota_not_met",
            Rule::ProjectedMiss => "projected_miss",
        }
    }

    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// What happened to an alert.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The condition became true.
    Firing,
    /// Still true after the re-notification interval.
    Reminder,
    /// Back above the quota.
    Resolved,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Firing => "firing",
            Event::Reminder => "reminder",
            Event::Resolved => "resolved",
        }
    }
}

/// One rule's change in a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub rule: Rule,
    pub event: Event,
}

/// Where a share stands against its minimum, in cents excluding VAT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Standing {
    /// `part ÷ total`; `None` when nothing was spent.
    pub share: Option<f64>,
    /// All € of the category in the period.
    pub total_cents: i64,
    /// € that count toward this minimum.
    pub part_cents: i64,
    pub met: bool,
    /// € that should have been of this kind at the current total (0 when met).
    pub shortfall_cents: i64,
    /// € of this kind to buy on top to reach the minimum; `None` when the minimum is 100 %.
    pub extra_purchase_cents: Option<i64>,
}

/// Everything a message about one category's minimum says. Changes of several rules found
/// in the same evaluation go in one notice, so procurement gets one message, not two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    pub category: Category,
    pub kind: QuotaKind,
    pub year: i32,
    /// The day the figures are from.
    pub as_of: NaiveDate,
    /// At least one.
    pub changes: Vec<Change>,
    /// The minimum, as a fraction of 1.
    pub min: f64,
    /// The text the minimum comes from (a decree, or "parcd default ...").
    pub quota_source: String,
    pub year_to_date: Standing,
    /// Linear projection to 31 December plus purchases already dated later in the year.
    pub projected: Option<Standing>,
    pub elapsed_days: i64,
    pub days_in_year: i64,
}

impl Notice {
    /// True when every change is a resolution: the message is good news.
    pub fn is_resolution(&self) -> bool {
        self.changes.iter().all(|c| c.event == Event::Resolved)
    }
}

/// A notice queued for one channel. `id` is unique and stable across restarts and retries:
/// channels put it in the message (email Message-ID, webhook field) so that a receiver can
/// drop a copy sent twice after a crash between sending and recording it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outgoing {
    pub id: i64,
    pub channel: String,
    pub notice: Notice,
}
