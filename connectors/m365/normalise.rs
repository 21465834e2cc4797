//! Report rows into mail readings, through the mail contract's tally: by domain and by
//! entity, never by person. The tally's cursor is not kept: Graph gives no Sent folder,
//! whose growth is what it remembers.
//!
//! The mailbox usage detail gives each mailbox's items and bytes (every folder), its
//! quota (`Prohibit Send/Receive Quota`, the hard limit) and its Recoverable Items
//! (`Deleted Item Count`/`Size`), which parcd counts as the mailbox's trash. Its gauges are
//! dated by the report's refresh date, the day Microsoft computed it (24 to 48 hours
//! before the poll), not by the poll. The email activity detail of a day gives each user's
//! messages sent and received that day; Graph has no byte figures for traffic.
//!
//! A tenant that conceals user names (Microsoft 365 admin center → Settings → Org settings
//! → Reports, the default since 2021) writes a hash in place of each address: those rows
//! have no domain and count under the source's `domain` key, or `no-domain`.

use chrono::NaiveDate;

use super::wire::{ActivityRow, UsageRow, domain_of};
use crate::framework::mail::{DayTraffic, FolderFigures, MailPrivacy, MailTally, MailboxFigures};
use crate::reading::Reading;

/// What a report gave, beyond its readings: counts for the log, never identifiers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub mailboxes: usize,
    /// Rows whose user is Microsoft's hash rather than an address.
    pub concealed: usize,
    /// Soft-deleted mailboxes, left out.
    pub deleted: usize,
    /// Rows whose identifier could not be read.
    pub skipped: u64,
}

fn concealed(user: &str) -> bool {
    domain_of(user).is_none()
}

/// The mailbox usage detail's readings, at its refresh date (00:00 UTC).
pub fn usage(
    rows: &[UsageRow],
    privacy: &MailPrivacy,
    domain: Option<&str>,
) -> (Vec<Reading>, Option<NaiveDate>, Counts) {
    let Some(refresh) = rows.iter().map(|r| r.refresh_date).max() else {
        return (Vec::new(), None, Counts::default());
    };
    let at = refresh.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut tally = MailTally::new(privacy, at, None);
    let mut counts = Counts::default();
    for r in rows {
        if r.deleted {
            counts.deleted += 1;
            continue;
        }
        counts.concealed += usize::from(concealed(&r.user));
        let mut f = MailboxFigures {
            stored: Some(FolderFigures {
                messages: r.items,
                bytes: r.storage_bytes,
            }),
            quota_limit_bytes: r.quota_bytes,
            quota_used_bytes: r.quota_bytes.map(|_| r.storage_bytes),
            ..MailboxFigures::default()
        };
        if let (Some(messages), Some(bytes)) = (r.deleted_items, r.deleted_bytes) {
            f.trash = Some(FolderFigures { messages, bytes });
        }
        tally.add_mailbox(&r.user, domain, &f);
    }
    counts.mailboxes = tally.mailboxes();
    counts.skipped = tally.skipped();
    (tally.finish().0, Some(refresh), counts)
}

/// One day's email activity readings, at 00:00 UTC of `day`.
pub fn activity(
    day: NaiveDate,
    rows: &[ActivityRow],
    privacy: &MailPrivacy,
    domain: Option<&str>,
) -> (Vec<Reading>, Counts) {
    let at = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut tally = MailTally::new(privacy, at, None);
    let mut counts = Counts::default();
    for r in rows {
        if r.deleted {
            counts.deleted += 1;
            continue;
        }
        counts.concealed += usize::from(concealed(&r.user));
        let t = DayTraffic {
            sent_messages: Some(r.sent),
            received_messages: Some(r.received),
            ..DayTraffic::default()
        };
        if tally.add_day(&r.user, domain, day, &t) {
            counts.mailboxes += 1;
        }
    }
    counts.skipped = tally.skipped();
    (tally.finish().0, counts)
}
