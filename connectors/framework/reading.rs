//! Readings: what a telemetry source measures (a printer's page counter, a mail domain's
//! stored bytes), each a timestamped value of a named quantity about a subject.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a quantity behaves over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Only grows (pages printed since manufacture). A value lower than the last one means
    /// the counter was reset or the device replaced: a new baseline, never a negative delta.
    Counter,
    /// Goes up and down (toner level, bytes stored).
    Gauge,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Counter => "counter",
            Measure::Gauge => "gauge",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "counter" => Some(Measure::Counter),
            "gauge" => Some(Measure::Gauge),
            _ => None,
        }
    }
}

/// A named quantity and its unit. Connectors declare theirs as constants, so the set stays
/// bounded (the core may publish them as metric label values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// snake_case, e.g. `printed_pages`.
    pub name: &'static str,
    /// The unit of the value, plural, e.g. `pages`, `bytes`, `percent`.
    pub unit: &'static str,
    pub measure: Measure,
}

/// The quantities the core computes figures from, whichever source reports them: a
/// connector that measures one of these uses the constant, so the core and the sources
/// agree on its name, unit and measure.
pub mod known {
    use super::{Measure, Quantity};

    /// Whether a polled device answered the round (1) or not (0).
    pub const RESPONDING: Quantity = Quantity {
        name: "responding",
        unit: "boolean",
        measure: Measure::Gauge,
    };
    /// Pages printed over a printer's life (impressions: one side of a sheet).
    pub const PRINTED_PAGES: Quantity = Quantity {
        name: "printed_pages",
        unit: "pages",
        measure: Measure::Counter,
    };
    pub const PRINTED_PAGES_COLOUR: Quantity = Quantity {
        name: "printed_pages_colour",
        unit: "pages",
        measure: Measure::Counter,
    };
    pub const PRINTED_PAGES_MONO: Quantity = Quantity {
        name: "printed_pages_mono",
        unit: "pages",
        measure: Measure::Counter,
    };
    /// Pages printed two-sided (HP's duplex count): each such sheet carries two of them.
    pub const PRINTED_PAGES_DUPLEX: Quantity = Quantity {
        name: "printed_pages_duplex",
        unit: "pages",
        measure: Measure::Counter,
    };
    /// Sheets of paper printed, from a counter that counts sheets rather than pages.
    pub const PRINTED_SHEETS: Quantity = Quantity {
        name: "printed_sheets",
        unit: "sheets",
        measure: Measure::Counter,
    };
    /// Sheets of A3 or a size near it (SRA3, B4, ledger/tabloid, larger), from a counter by
    /// media size: each weighs about two A4 sheets.
    pub const PRINTED_SHEETS_A3: Quantity = Quantity {
        name: "printed_sheets_a3",
        unit: "sheets",
        measure: Measure::Counter,
    };
    /// Sheets of every other media of the same counters by media size: A4, letter, legal,
    /// smaller ones, and sizes the printer does not name.
    pub const PRINTED_SHEETS_A4: Quantity = Quantity {
        name: "printed_sheets_a4",
        unit: "sheets",
        measure: Measure::Counter,
    };
    /// Supplies (toner, ink, drums…) replaced since the source first read the device: one
    /// for each supply level seen jumping back up.
    pub const SUPPLY_REPLACEMENTS: Quantity = Quantity {
        name: "supply_replacements",
        unit: "replacements",
        measure: Measure::Counter,
    };

    // Mail (see `framework/mail.rs` for who may emit these and on which subjects). All of
    // them are built by `mail::MailTally`, never by a connector's own hand.

    /// Mailboxes counted in the aggregate (`mail_domain` or `mail_entity`).
    pub const MAIL_MAILBOXES: Quantity = Quantity {
        name: "mail_mailboxes",
        unit: "mailboxes",
        measure: Measure::Gauge,
    };
    /// Bytes of mail stored, every folder (IMAP `SIZE`, Dovecot's `vsize`, M365's storage
    /// used).
    pub const MAIL_STORED_BYTES: Quantity = Quantity {
        name: "mail_stored_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_STORED_MESSAGES: Quantity = Quantity {
        name: "mail_stored_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    /// The sum of the quota limits of the mailboxes that have one (unlimited ones add
    /// nothing).
    pub const MAIL_QUOTA_BYTES: Quantity = Quantity {
        name: "mail_quota_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    /// What the quota counts as used, in the same mailboxes as [`MAIL_QUOTA_BYTES`]: the
    /// two make a ratio.
    pub const MAIL_QUOTA_USED_BYTES: Quantity = Quantity {
        name: "mail_quota_used_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    /// The Sent folder's bytes and messages (stored sent mail).
    pub const MAIL_FOLDER_SENT_BYTES: Quantity = Quantity {
        name: "mail_folder_sent_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_FOLDER_SENT_MESSAGES: Quantity = Quantity {
        name: "mail_folder_sent_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    pub const MAIL_FOLDER_TRASH_BYTES: Quantity = Quantity {
        name: "mail_folder_trash_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_FOLDER_TRASH_MESSAGES: Quantity = Quantity {
        name: "mail_folder_trash_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    pub const MAIL_FOLDER_JUNK_BYTES: Quantity = Quantity {
        name: "mail_folder_junk_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_FOLDER_JUNK_MESSAGES: Quantity = Quantity {
        name: "mail_folder_junk_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    /// Bytes of the messages whose structure was read (a sample, or all of them), and of
    /// those the bytes in attachments: their ratio is the attachment share.
    pub const MAIL_SCANNED_BYTES: Quantity = Quantity {
        name: "mail_scanned_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_SCANNED_ATTACHMENT_BYTES: Quantity = Quantity {
        name: "mail_scanned_attachment_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    /// Traffic of one UTC day, the day that starts at the reading's `at` (a report's day,
    /// such as Microsoft 365's activity detail): an amount of that day, not a running
    /// total.
    pub const MAIL_DAY_SENT_MESSAGES: Quantity = Quantity {
        name: "mail_day_sent_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    pub const MAIL_DAY_RECEIVED_MESSAGES: Quantity = Quantity {
        name: "mail_day_received_messages",
        unit: "messages",
        measure: Measure::Gauge,
    };
    pub const MAIL_DAY_SENT_BYTES: Quantity = Quantity {
        name: "mail_day_sent_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    pub const MAIL_DAY_RECEIVED_BYTES: Quantity = Quantity {
        name: "mail_day_received_bytes",
        unit: "bytes",
        measure: Measure::Gauge,
    };
    /// Messages (and bytes) sent from the aggregate's mailboxes since the source was first
    /// read: the growth of each Sent folder, a drop (mail deleted) being a new baseline.
    pub const MAIL_SENT_MESSAGES: Quantity = Quantity {
        name: "mail_sent_messages",
        unit: "messages",
        measure: Measure::Counter,
    };
    pub const MAIL_SENT_BYTES: Quantity = Quantity {
        name: "mail_sent_bytes",
        unit: "bytes",
        measure: Measure::Counter,
    };
    /// Messages delivered to the aggregate's INBOXes since the source was first read: the
    /// growth of each INBOX's `UIDNEXT` (`mail::InboxUids`), a renumbered INBOX being a new
    /// baseline. No bytes: the UIDs do not tell what the messages weighed.
    pub const MAIL_RECEIVED_MESSAGES: Quantity = Quantity {
        name: "mail_received_messages",
        unit: "messages",
        measure: Measure::Counter,
    };
}

/// What a reading is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "snake_case")]
pub enum Subject {
    /// A device, named by the source's own id for it (an address, an inventory id) and
    /// joined to the fleet by its serial number, across sources.
    Device { id: String, serial: Option<String> },
    /// Something that is not one device: a mail domain, an entity. `scope` says which
    /// (snake_case, bounded by the connector), `key` which one.
    Aggregate { scope: String, key: String },
}

impl Subject {
    /// The scope stored with the reading: `device` or the aggregate's own.
    pub fn scope(&self) -> &str {
        match self {
            Subject::Device { .. } => "device",
            Subject::Aggregate { scope, .. } => scope,
        }
    }

    /// The subject's key within its scope and source.
    pub fn key(&self) -> &str {
        match self {
            Subject::Device { id, .. } => id,
            Subject::Aggregate { key, .. } => key,
        }
    }

    /// The normalised serial number a device reading joins the fleet by.
    pub fn join_serial(&self) -> Option<String> {
        match self {
            Subject::Device { serial, .. } => serial.as_deref().and_then(join_key),
            Subject::Aggregate { .. } => None,
        }
    }
}

/// One measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub subject: Subject,
    pub quantity: String,
    pub unit: String,
    pub measure: Measure,
    pub value: f64,
    /// When the value was true at the source: the source's own date where it gives one
    /// (a daily counter log, a report dated two days back), else the moment it was read.
    pub at: DateTime<Utc>,
}

impl Reading {
    pub fn new(subject: Subject, quantity: Quantity, value: f64, at: DateTime<Utc>) -> Self {
        Reading {
            subject,
            quantity: quantity.name.to_string(),
            unit: quantity.unit.to_string(),
            measure: quantity.measure,
            value,
            at,
        }
    }
}

/// Serial numbers as written by vendors, inventories and agents differ in case and spacing;
/// a few placeholder values are written where none was read and must never join two
/// devices.
pub fn join_key(serial: &str) -> Option<String> {
    let key: String = serial
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    const PLACEHOLDERS: &[&str] = &[
        "",
        "0",
        "-",
        "N/A",
        "NA",
        "NONE",
        "NULL",
        "UNKNOWN",
        "DEFAULTSTRING",
        "TOBEFILLEDBYO.E.M.",
        "SYSTEMSERIALNUMBER",
        "0123456789",
    ];
    (!PLACEHOLDERS.contains(&key.as_str()) && !key.chars().all(|c| c == '0')).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_join_whatever_their_case_and_spacing() {
        assert_eq!(join_key(" cnd 123x "), Some("CND123X".into()));
        assert_eq!(join_key("CND123X"), join_key("cnd123x"));
    }

    #[test]
    fn placeholder_serials_join_nothing() {
        for s in [
            "",
            "  ",
            "To be filled by O.E.M.",
            "Default string",
            "N/A",
            "0000",
        ] {
            assert_eq!(join_key(s), None, "{s:?}");
        }
    }
}
