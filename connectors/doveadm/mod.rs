//! Dovecot, read through its doveadm HTTP API: every user's stored bytes and messages, the
//! Sent, Trash and Junk folders, and the quota, in two requests per round sent together,
//! turned into the mail contract's per-domain and per-entity readings (`framework/mail.rs`).
//!
//! A round is two POSTs at once: `mailboxStatus` of every folder with `allUsers` (one row
//! per user and folder, summed here into the user's total, the special folders picked by
//! name), and `quotaGet` with `allUsers`; one page, `done`. Each `allUsers` command is one
//! pass of Dovecot over its users, whose cost is per user: two passes instead of the three
//! a `totalSum` command would add, and run side by side in two doveadm processes rather
//! than one after the other in one. Any command's failure fails the round: nothing of it
//! is stored, so a partial round never shows as a drop in storage. The cursor is the mail
//! tally's memory (each mailbox's Sent folder and INBOX UIDs under its keyed hash), from
//! which the next round counts the mail sent and received.

mod client;
mod normalise;
pub mod params;

#[cfg(test)]
mod contract_tests;

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use serde_json::json;

pub use params::DoveadmParams;

use crate::api::{Connector, Page, PollRequest, Role};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::mail::{MailPrivacy, MailTally};
use crate::params::Params;

use client::{Client, Command};

/// The registry's entry for `kind = "doveadm"`.
pub const KIND: Kind = Kind {
    name: "doveadm",
    read: |p: &mut Params| {
        DoveadmParams::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>)
    },
};

/// The doveadm connector.
pub struct DoveadmConnector {
    params: DoveadmParams,
    privacy: MailPrivacy,
    client: Client,
}

impl DoveadmConnector {
    pub fn new(params: DoveadmParams, privacy: MailPrivacy) -> Result<Self, ConnectorError> {
        let client = Client::new(&params)?;
        Ok(DoveadmConnector {
            params,
            privacy,
            client,
        })
    }

    /// Every folder of every user: totals and special folders from the same rows, and
    /// INBOX's UIDs (read from the same index header as its message count) for the mail
    /// received.
    fn status_command() -> Command {
        Command {
            name: "mailboxStatus",
            params: json!({
                "allUsers": true,
                "field": ["messages", "vsize", "uidnext", "uidvalidity"],
                "mailboxMask": ["*"],
            }),
            tag: "folders",
        }
    }

    fn quota_command() -> Command {
        Command {
            name: "quotaGet",
            params: json!({"allUsers": true}),
            tag: "quota",
        }
    }
}

#[async_trait]
impl Connector for DoveadmConnector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    fn role(&self) -> Role {
        Role::Telemetry
    }

    fn incremental(&self) -> bool {
        false
    }

    /// The credentials and the listener, with a command that reads no mailbox.
    async fn check(&self) -> Result<(), ConnectorError> {
        self.client
            .run(&[Command {
                name: "mailboxList",
                params: json!({"user": "parcd-probe-no-such-user"}),
                tag: "probe",
            }])
            .await
            .map(|_| ())
            .or_else(|e| match e {
                // An unknown user is an answer: the listener and the credentials work.
                ConnectorError::Protocol { .. } => Ok(()),
                e => Err(e),
            })
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let at = Utc::now().trunc_subsecs(0);
        // Two requests at once: Dovecot answers each from a doveadm process of its own.
        let (status, quota) = (Self::status_command(), Self::quota_command());
        let (folders, quota) = tokio::try_join!(
            self.client.run(std::slice::from_ref(&status)),
            self.client.run(std::slice::from_ref(&quota)),
        )?;
        let rows = normalise::RoundRows {
            folders: folders.into_iter().next().unwrap_or_default(),
            quota: quota.into_iter().next().unwrap_or_default(),
        };
        let mut tally = MailTally::new(&self.privacy, at, request.cursor);
        let users = normalise::tally(&self.params, self.client.endpoint(), &rows, &mut tally)?;
        tracing::info!(
            mailboxes = tally.mailboxes(),
            skipped = tally.skipped(),
            "doveadm round read"
        );
        let (readings, cursor) = tally.finish();
        Ok(Page {
            readings,
            cursor,
            done: true,
            total_hint: Some(users as u64),
            ..Page::default()
        })
    }
}
