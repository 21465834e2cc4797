//! doveadm's rows to the mail contract's figures: one [`MailboxFigures`] per user, counted
//! through the [`MailTally`], so that no user name goes further than this function.

use std::collections::BTreeMap;

use super::client::{Row, number};
use super::params::DoveadmParams;
use crate::error::ConnectorError;
use crate::mail::{FolderFigures, InboxUids, MailTally, MailboxFigures};

/// Dovecot's quota STORAGE is in KiB.
const KIB: u64 = 1024;

/// What a round read, by command.
pub struct RoundRows {
    /// `mailboxStatus` of every folder: one row per user and folder.
    pub folders: Vec<Row>,
    /// `quotaGet`: one row per user, quota root and resource.
    pub quota: Vec<Row>,
}

fn user<'r>(row: &'r Row, command: &str, endpoint: &str) -> Result<&'r str, ConnectorError> {
    row.get("username")
        .map(String::as_str)
        .ok_or_else(|| ConnectorError::Decode {
            endpoint: endpoint.to_string(),
            detail: format!("a row of {command} has no username (was allUsers honoured?)"),
        })
}

/// INBOX's UIDVALIDITY and UIDNEXT, when the row has them (a Dovecot that does not answer
/// them leaves the mail received unknown, not 0).
fn inbox_uids(r: &Row, endpoint: &str) -> Result<Option<InboxUids>, ConnectorError> {
    if !r.contains_key("uidnext") || !r.contains_key("uidvalidity") {
        return Ok(None);
    }
    Ok(Some(InboxUids {
        uidvalidity: number(r, "uidvalidity", "mailboxStatus", endpoint)?,
        uidnext: number(r, "uidnext", "mailboxStatus", endpoint)?,
    }))
}

/// Adds every user of `rows` to `tally`; the number of users read. A row that cannot be
/// read fails the round: a round's sums are whole or not stored.
pub fn tally(
    p: &DoveadmParams,
    endpoint: &str,
    rows: &RoundRows,
    tally: &mut MailTally<'_>,
) -> Result<usize, ConnectorError> {
    let mut users: BTreeMap<&str, MailboxFigures> = BTreeMap::new();
    for r in &rows.folders {
        let u = user(r, "mailboxStatus", endpoint)?;
        let figures = FolderFigures {
            messages: number(r, "messages", "mailboxStatus", endpoint)?,
            bytes: number(r, "vsize", "mailboxStatus", endpoint)?,
        };
        let f = users.entry(u).or_default();
        // The user's total is the sum of its folders (what `totalSum` would answer).
        *f.stored.get_or_insert_with(FolderFigures::default) += figures;
        let folder = r.get("mailbox").map(String::as_str).unwrap_or_default();
        if folder == "INBOX" {
            f.inbox = inbox_uids(r, endpoint)?;
        }
        let slot = match p.role_of(folder) {
            Some(crate::mail::FolderRole::Sent) => &mut f.sent,
            Some(crate::mail::FolderRole::Trash) => &mut f.trash,
            Some(crate::mail::FolderRole::Junk) => &mut f.junk,
            None => continue,
        };
        *slot.get_or_insert_with(FolderFigures::default) += figures;
    }
    for r in &rows.quota {
        if r.get("type").map(String::as_str) != Some("STORAGE") {
            continue;
        }
        let u = user(r, "quotaGet", endpoint)?;
        let Some(f) = users.get_mut(u) else {
            continue;
        };
        // "-": no limit. A user under two quota roots counts the tighter one.
        let limit = match r.get("limit").map(|s| s.trim()) {
            None | Some("-") | Some("") => continue,
            Some(_) => number(r, "limit", "quotaGet", endpoint)? * KIB,
        };
        let used = number(r, "value", "quotaGet", endpoint)? * KIB;
        if f.quota_limit_bytes.is_none_or(|l| limit < l) {
            f.quota_limit_bytes = Some(limit);
            f.quota_used_bytes = Some(used);
        }
    }
    for (u, f) in &users {
        tally.add_mailbox(u, p.domain.as_deref(), f);
    }
    Ok(users.len())
}
