//! Microsoft 365 mailboxes, through Microsoft Graph's usage reports (CSV), with an app
//! registration's client credentials (application permission `Reports.Read.All`).
//!
//! A sync is a page per report: first the mailbox usage detail
//! (`getMailboxUsageDetail(period='D7')`: items, bytes, quota and Recoverable Items of
//! every mailbox, as of the report's refresh date), then the email activity detail of
//! each day not read yet (`getEmailActivityUserDetail(date=YYYY-MM-DD)`: messages sent
//! and received that day), up to the usage report's refresh date, at most 28 days back.
//! Each page's readings are whole: a report is read entirely or not at all, so a throttled
//! or broken download stores nothing of it and the next try starts from that report.
//!
//! Graph's reports lag 24 to 48 hours: every reading is dated by the report's day, never
//! by the poll. Reading the same day twice gives the same readings, which the core
//! stores once.

mod client;
mod cursor;
mod normalise;
pub mod params;
pub mod wire;

#[cfg(test)]
mod contract_tests;

use async_trait::async_trait;
use chrono::{Days as ChronoDays, NaiveDate};

use client::GraphClient;
use cursor::{Days, M365Cursor};
pub use params::M365Params;

use crate::api::{Connector, Page, PollRequest, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::framework::mail::MailPrivacy;
use crate::params::Params;

/// The registry's entry for `kind = "m365"`.
pub const KIND: Kind = Kind {
    name: "m365",
    read: |p: &mut Params| M365Params::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>),
};

/// The Microsoft 365 connector.
pub struct M365Connector {
    params: M365Params,
    client: GraphClient,
    privacy: MailPrivacy,
}

/// The first and last day of activity a sync reads, given the last day stored and the
/// usage report's refresh date.
fn days_to_read(
    through: Option<NaiveDate>,
    refresh: NaiveDate,
    first_sync_days: u64,
) -> Option<Days> {
    let oldest = refresh.checked_sub_days(ChronoDays::new(params::MAX_ACTIVITY_DAYS - 1))?;
    let next = match through {
        Some(t) => t.succ_opt()?,
        None if first_sync_days == 0 => return None,
        None => refresh.checked_sub_days(ChronoDays::new(first_sync_days - 1))?,
    };
    let next = next.max(oldest);
    (next <= refresh).then_some(Days {
        next,
        last: refresh,
    })
}

impl M365Connector {
    pub fn new(params: M365Params, privacy: MailPrivacy) -> Result<Self, ConnectorError> {
        let client = GraphClient::new(&params)?;
        Ok(M365Connector {
            params,
            client,
            privacy,
        })
    }

    fn usage_endpoint(&self) -> String {
        format!("getMailboxUsageDetail(period='{}')", self.params.period)
    }

    async fn usage_page(&self, mut cur: M365Cursor) -> Result<Page, ConnectorError> {
        let endpoint = self.usage_endpoint();
        let body = self.client.report(&endpoint).await?;
        let rows = wire::usage_rows(&endpoint, &body)?;
        let (readings, refresh, counts) =
            normalise::usage(&rows, &self.privacy, self.params.domain.as_deref());
        log_counts("mailbox usage", &counts, self.params.domain.is_some());
        cur.days =
            refresh.and_then(|r| days_to_read(cur.activity_through, r, self.params.activity_days));
        Ok(Page {
            readings,
            done: cur.days.is_none(),
            cursor: cur.encode(),
            ..Page::default()
        })
    }

    async fn activity_page(&self, mut cur: M365Cursor, days: Days) -> Result<Page, ConnectorError> {
        let day = days.next;
        let endpoint = format!("getEmailActivityUserDetail(date={day})");
        let body = self.client.report(&endpoint).await?;
        let (_, rows) = wire::activity_rows(&endpoint, &body)?;
        let (readings, counts) =
            normalise::activity(day, &rows, &self.privacy, self.params.domain.as_deref());
        log_counts("email activity", &counts, self.params.domain.is_some());
        let done = day >= days.last;
        if done {
            // The newest day may not be computed yet when its file is empty (a tenant
            // with mailboxes always receives mail): it is read again at the next sync.
            cur.activity_through = match rows.is_empty() {
                true => day.pred_opt().max(cur.activity_through),
                false => Some(day),
            };
            cur.days = None;
        } else {
            cur.days = day.succ_opt().map(|next| Days { next, ..days });
        }
        Ok(Page {
            readings,
            done: cur.days.is_none(),
            cursor: cur.encode(),
            ..Page::default()
        })
    }
}

fn log_counts(report: &str, c: &normalise::Counts, has_domain: bool) {
    tracing::debug!(
        report,
        mailboxes = c.mailboxes,
        deleted = c.deleted,
        skipped = c.skipped,
        "report read"
    );
    if c.concealed > 0 {
        tracing::warn!(
            report,
            concealed = c.concealed,
            counted_under = if has_domain {
                "the source's domain"
            } else {
                "no-domain"
            },
            "the tenant conceals user names in its reports, so these mailboxes cannot be told \
             apart by domain or entity; to map them, turn off \"Display concealed user, group, \
             and site names in all reports\" (Microsoft 365 admin center → Settings → Org \
             settings → Reports), or set domain for a single-domain tenant"
        );
    }
}

#[async_trait]
impl Connector for M365Connector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn incremental(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<(), ConnectorError> {
        self.client.probe(&self.usage_endpoint()).await
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let mut cur = M365Cursor::decode(request.cursor)?;
        match cur.days.take() {
            None => self.usage_page(cur).await,
            Some(days) => self.activity_page(cur, days).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn the_days_read_follow_the_last_stored_and_stay_within_graphs_28_days() {
        let refresh = d(12, 5);
        assert_eq!(
            days_to_read(None, refresh, 7),
            Some(Days {
                next: d(11, 29),
                last: refresh
            })
        );
        assert_eq!(days_to_read(None, refresh, 0), None);
        assert_eq!(days_to_read(Some(refresh), refresh, 7), None);
        assert_eq!(
            days_to_read(Some(d(12, 3)), refresh, 7).map(|d| d.next),
            Some(d(12, 4))
        );
        // Months without a poll: only what Graph still keeps.
        assert_eq!(
            days_to_read(Some(d(6, 1)), refresh, 7).map(|d| d.next),
            Some(d(11, 8))
        );
    }
}
