//! The attachment scan's memory between rounds: for each mailbox (by its keyed hash) and
//! folder (by a hash of that and its name), the UIDVALIDITY and the UID the next scan
//! starts from, and what the messages scanned so far weighed. A round reads only the
//! messages that arrived since. No address nor folder name is kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Cursor;

/// One folder's scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderScan {
    /// UIDVALIDITY when scanned: another one means the UIDs were renumbered.
    pub v: u64,
    /// The next scan reads UIDs from this one.
    pub n: u64,
    /// Bytes of the messages scanned, and of their attachments.
    pub b: u64,
    pub a: u64,
}

/// By mailbox hash, then folder hash.
pub type Scans = BTreeMap<String, BTreeMap<String, FolderScan>>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapCursor {
    /// The mail tally's own cursor (each mailbox's Sent folder and INBOX UIDs, for the mail
    /// sent and received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tally: Option<String>,
    #[serde(default)]
    pub scans: Scans,
}

impl ImapCursor {
    /// An unreadable cursor only restarts the scan.
    pub fn decode(c: Option<&Cursor>) -> ImapCursor {
        let Some(c) = c.filter(|c| !c.0.is_empty()) else {
            return ImapCursor::default();
        };
        serde_json::from_str(&c.0).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the stored IMAP cursor does not read; the attachment scan starts afresh");
            ImapCursor::default()
        })
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("maps of numbers serialise"))
    }
}

/// A folder's key: 64 bits of SHA-256 over the mailbox's keyed hash and the folder's
/// name, so it is as blind as the mailbox's hash.
pub fn folder_key(mailbox_hash: &str, folder: &str) -> String {
    let mut h = Sha256::new();
    h.update(mailbox_hash.as_bytes());
    h.update([0]);
    h.update(folder.as_bytes());
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_holds_no_name() {
        let mut c = ImapCursor::default();
        let key = folder_key("0123456789abcdef0123456789abcdef", "Envoyés");
        assert_eq!(key.len(), 16);
        c.scans
            .entry("0123456789abcdef0123456789abcdef".into())
            .or_default()
            .insert(
                key,
                FolderScan {
                    v: 7,
                    n: 41,
                    b: 90_000,
                    a: 40_530,
                },
            );
        let text = c.encode();
        assert!(!text.0.contains("Envoy"));
        assert_eq!(ImapCursor::decode(Some(&text)), c);
        assert_eq!(
            ImapCursor::decode(Some(&Cursor("[".into()))),
            ImapCursor::default()
        );
    }
}
