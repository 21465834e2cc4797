//! Any IMAP server (Dovecot, Cyrus, Stalwart, Exchange…): each configured mailbox's
//! folders, their messages and bytes, its quota and the share of its bytes in attachments,
//! counted by domain and entity through the mail contract, never per person.
//!
//! A poll is one round over every mailbox, `concurrency` connections at a time, each
//! logged in through the master user (SASL PLAIN with the mailbox as authorisation
//! identity) or with the mailbox's own password. Per mailbox:
//!
//! - the folders and their figures in one round trip where the server offers
//!   `LIST-STATUS` and `STATUS=SIZE` (RFC 5819, RFC 8438); else `STATUS` per folder; else,
//!   without `STATUS=SIZE`, the sum of `RFC822.SIZE` over each folder's messages, one line
//!   per message;
//! - INBOX's `UIDVALIDITY` and `UIDNEXT`, asked with its figures, whose growth is the mail
//!   received (the mail tally's cursor keeps them under the mailbox's keyed hash);
//! - the quota (`GETQUOTAROOT INBOX`, STORAGE in KiB) where the server has `QUOTA`;
//! - the attachment share, from `BODYSTRUCTURE` on a bounded sample: at most
//!   `attachment_sample` messages per mailbox and round, the newest first, INBOX first;
//!   the cursor remembers each folder's UIDVALIDITY and the next UID, so a later round
//!   reads only the messages that arrived since (and starts again on a folder whose
//!   UIDVALIDITY changed).
//!
//! A folder that disappears between LIST and its reading makes the mailbox be listed again
//! once. A mailbox that cannot be read (login refused, connection dropped, timeout) fails
//! the whole round: its page is not stored, since a domain's sum without it would show a
//! drop in storage that did not happen.
//!
//! Every round reads everything, so `incremental()` is false; it is one page.

mod cursor;
pub mod params;
mod protocol;
mod session;
mod structure;

#[cfg(test)]
mod contract_tests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use cursor::{FolderScan, ImapCursor, folder_key};
use params::Account;
pub use params::ImapParams;
use session::{Folder, FolderError, Session};

use crate::api::{Connector, Page, PollRequest, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::framework::mail::{
    FolderFigures, FolderRole, InboxUids, MailAddress, MailPrivacy, MailTally, MailboxFigures,
};
use crate::params::Params;

/// The registry's entry for `kind = "imap"`.
pub const KIND: Kind = Kind {
    name: "imap",
    read: |p: &mut Params| ImapParams::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>),
};

/// The IMAP connector.
pub struct ImapConnector {
    params: Arc<ImapParams>,
    tls: Arc<tokio_rustls::rustls::ClientConfig>,
    privacy: MailPrivacy,
}

/// What one mailbox gave.
struct Read {
    figures: MailboxFigures,
    scans: BTreeMap<String, FolderScan>,
}

/// Adds where the mailbox stands in the configuration to an error about it.
fn about(e: ConnectorError, place: &str) -> ConnectorError {
    match e {
        ConnectorError::Connect { endpoint, reason } => ConnectorError::Connect {
            endpoint,
            reason: format!("{place}: {reason}"),
        },
        ConnectorError::Protocol { endpoint, detail } => ConnectorError::Protocol {
            endpoint,
            detail: format!("{place}: {detail}"),
        },
        ConnectorError::Timeout { endpoint, seconds } => ConnectorError::Timeout {
            endpoint: format!("{endpoint} ({place})"),
            seconds,
        },
        other => other,
    }
}

/// The folder's role: its SPECIAL-USE flag, else its name.
fn role(f: &Folder) -> Option<FolderRole> {
    if f.name.eq_ignore_ascii_case("INBOX") {
        return None;
    }
    f.flags
        .iter()
        .find_map(|flag| FolderRole::from_special_use(flag))
        .or_else(|| FolderRole::from_name(&protocol::decode_folder_name(&f.name)))
}

/// The sizes of every selectable folder, INBOX's UIDs (for the mail received), and the
/// folders with their UIDs known.
async fn read_folders(
    s: &mut Session,
    listed: Vec<Folder>,
    with_size: bool,
    figures: &mut MailboxFigures,
) -> Result<Vec<Folder>, FolderError> {
    let mut out = Vec::with_capacity(listed.len());
    for folder in listed.into_iter().filter(Folder::selectable) {
        let complete = folder.messages.is_some() && (folder.size.is_some() || !with_size);
        let folder = if complete {
            folder
        } else {
            s.status(&folder, with_size).await?
        };
        let mut messages = folder.messages.unwrap_or(0);
        let bytes = match folder.size {
            Some(b) => b,
            None if messages == 0 => 0,
            None => {
                s.examine(&folder).await?;
                let (n, b) = s.sum_sizes().await?;
                messages = n;
                b
            }
        };
        figures.add_folder(role(&folder), FolderFigures { messages, bytes });
        if folder.name.eq_ignore_ascii_case("INBOX")
            && let (Some(uidvalidity), Some(uidnext)) = (folder.uidvalidity, folder.uidnext)
        {
            figures.inbox = Some(InboxUids {
                uidvalidity,
                uidnext,
            });
        }
        out.push(folder);
    }
    Ok(out)
}

/// Reads the structure of the messages that arrived since the last scan, INBOX first, at
/// most `budget` of them.
async fn scan_attachments(
    s: &mut Session,
    folders: &[Folder],
    mailbox_hash: &str,
    previous: &BTreeMap<String, FolderScan>,
    mut budget: u64,
) -> Result<BTreeMap<String, FolderScan>, FolderError> {
    let mut order: Vec<&Folder> = folders
        .iter()
        .filter(|f| f.messages.unwrap_or(0) > 0)
        .collect();
    order.sort_by_key(|f| !f.name.eq_ignore_ascii_case("INBOX"));
    let mut scans = BTreeMap::new();
    for f in order {
        let key = folder_key(mailbox_hash, &f.name);
        let validity = f.uidvalidity.unwrap_or(0);
        let mut scan = previous
            .get(&key)
            .copied()
            .filter(|p| p.v == validity)
            .unwrap_or(FolderScan {
                v: validity,
                n: 1,
                b: 0,
                a: 0,
            });
        let news = f.uidnext.is_none_or(|next| next > scan.n);
        if budget > 0 && news {
            let opened = s.examine(f).await?;
            if opened.uidvalidity.is_some_and(|v| v != scan.v) {
                scan = FolderScan {
                    v: opened.uidvalidity.unwrap_or(0),
                    n: 1,
                    b: 0,
                    a: 0,
                };
            }
            let uids = s.uids_from(scan.n).await?;
            let take = uids.len().min(budget as usize);
            let newest = &uids[uids.len() - take..];
            let (mut b, mut a) = (0u64, 0u64);
            s.structures(newest, |size, bs| {
                b += size;
                a += structure::attachment_bytes(bs).min(size);
            })
            .await?;
            budget -= take as u64;
            scan.b += b;
            scan.a += a;
            scan.n = opened
                .uidnext
                .or_else(|| uids.last().map(|u| u + 1))
                .unwrap_or(scan.n);
        }
        scans.insert(key, scan);
    }
    Ok(scans)
}

/// One mailbox, on a connection of its own.
async fn read_mailbox(
    p: &ImapParams,
    tls: &Arc<tokio_rustls::rustls::ClientConfig>,
    account: &Account,
    hash: &str,
    previous: &BTreeMap<String, FolderScan>,
) -> Result<Read, ConnectorError> {
    let mut s = Session::open(p, tls).await?;
    s.login(&account.login, &account.user, &account.place)
        .await?;
    let with_size = s.has("STATUS=SIZE");
    for attempt in 0..2 {
        let listed = s.list(with_size).await?;
        let mut figures = MailboxFigures::default();
        let result = async {
            let folders = read_folders(&mut s, listed, with_size, &mut figures).await?;
            let scans = match p.attachment_sample {
                0 => BTreeMap::new(),
                n => scan_attachments(&mut s, &folders, hash, previous, n).await?,
            };
            Ok::<_, FolderError>(scans)
        }
        .await;
        match result {
            Ok(scans) => {
                if let Some(q) = s.quota().await? {
                    figures.quota_limit_bytes = Some(q.limit_bytes);
                    figures.quota_used_bytes = Some(q.used_bytes);
                }
                if p.attachment_sample > 0 {
                    figures.scanned_bytes = Some(scans.values().map(|s| s.b).sum());
                    figures.scanned_attachment_bytes = Some(scans.values().map(|s| s.a).sum());
                }
                s.logout().await;
                return Ok(Read { figures, scans });
            }
            Err(FolderError::Gone) if attempt == 0 => {
                tracing::debug!("a folder went away between LIST and its reading; listing again");
            }
            Err(FolderError::Gone) => break,
            Err(FolderError::Other(e)) => return Err(e),
        }
    }
    Err(ConnectorError::Protocol {
        endpoint: p.endpoint(),
        detail: "folders kept disappearing between LIST and their reading, twice in a row".into(),
    })
}

impl ImapConnector {
    pub fn new(params: ImapParams, privacy: MailPrivacy) -> Result<Self, ConnectorError> {
        let tls = session::tls_config(&params)?;
        Ok(ImapConnector {
            params: Arc::new(params),
            tls,
            privacy,
        })
    }
}

#[async_trait]
impl Connector for ImapConnector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn incremental(&self) -> bool {
        false
    }

    /// The first mailbox's login: the server, TLS and the credentials.
    async fn check(&self) -> Result<(), ConnectorError> {
        let accounts = self.params.accounts()?;
        let first = accounts
            .first()
            .ok_or_else(|| ConnectorError::Config("no mailbox to read".into()))?;
        let mut s = Session::open(&self.params, &self.tls).await?;
        s.login(&first.login, &first.user, &first.place)
            .await
            .map_err(|e| about(e, &first.place))?;
        s.logout().await;
        Ok(())
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        // Readings are stored by the second: the round's start is every gauge's time.
        let at = Utc::now().trunc_subsecs(0);
        let started = Instant::now();
        let memory = ImapCursor::decode(request.cursor);
        let domain = self.params.domain.as_deref();
        let tally_cursor = memory.tally.clone().map(crate::api::Cursor);
        let mut tally = MailTally::new(&self.privacy, at, tally_cursor.as_ref());
        // Each mailbox once, by its keyed hash; unreadable identifiers are counted by the
        // tally as skipped.
        let mut jobs: Vec<(Account, String)> = Vec::new();
        for account in self.params.accounts()? {
            let Some(address) = MailAddress::parse(&account.user, domain) else {
                tally.add_mailbox(&account.user, domain, &MailboxFigures::default());
                continue;
            };
            let hash = self.privacy.place(&address).hash;
            if !jobs.iter().any(|(_, h)| *h == hash) {
                jobs.push((account, hash));
            }
        }
        let gate = Arc::new(Semaphore::new(self.params.concurrency));
        let mut tasks = JoinSet::new();
        for (n, (account, hash)) in jobs.iter().cloned().enumerate() {
            let (gate, params, tls) = (gate.clone(), self.params.clone(), self.tls.clone());
            let previous = memory.scans.get(&hash).cloned().unwrap_or_default();
            tasks.spawn(async move {
                let _slot = gate
                    .acquire_owned()
                    .await
                    .expect("the gate is never closed");
                let read = read_mailbox(&params, &tls, &account, &hash, &previous).await;
                (n, read.map_err(|e| about(e, &account.place)))
            });
        }
        let mut reads: Vec<Option<Read>> = (0..jobs.len()).map(|_| None).collect();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((n, Ok(read))) => reads[n] = Some(read),
                // The round fails whole: the other connections are dropped with the set.
                Ok((_, Err(e))) => {
                    tracing::warn!(
                        error_type = e.error_type().as_str(),
                        error = %e,
                        mailboxes = jobs.len(),
                        "a mailbox could not be read; the round is not stored"
                    );
                    return Err(e);
                }
                Err(e) => {
                    return Err(ConnectorError::Protocol {
                        endpoint: self.params.endpoint(),
                        detail: format!("the read of a mailbox panicked: {e}"),
                    });
                }
            }
        }
        let mut next = ImapCursor::default();
        for ((account, hash), read) in jobs.iter().zip(reads) {
            let read = read.expect("every task answered");
            tally.add_mailbox(&account.user, domain, &read.figures);
            if !read.scans.is_empty() {
                next.scans.insert(hash.clone(), read.scans);
            }
        }
        tracing::info!(
            mailboxes = tally.mailboxes(),
            skipped = tally.skipped(),
            seconds = started.elapsed().as_secs_f64(),
            "IMAP round read"
        );
        let (readings, tally_cursor) = tally.finish();
        next.tally = Some(tally_cursor.0);
        Ok(Page {
            readings,
            cursor: next.encode(),
            done: true,
            ..Page::default()
        })
    }
}
