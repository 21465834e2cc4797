//! The GLPI connector's cursor: a watermark at rest, a position inside a sync.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{Cursor, SyncMode};
use crate::error::ConnectorError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct GlpiCursor {
    /// Newest `date_mod` seen by the last completed sync (GLPI's own clock and format,
    /// which sorts as text).
    pub watermark: Option<String>,
    /// The rows read at exactly `watermark`, with a digest of each. GLPI's clock counts
    /// seconds, so an incremental sync reads from that second again (an edit later in the
    /// same second must not be missed), and skips those rows whose digest is unchanged:
    /// without this, items stamped at the watermark were fetched again at every poll.
    #[serde(default)]
    pub at_watermark: BTreeMap<String, String>,
    /// Highest `PrinterLog` id read by the last completed sync. Log rows are only added
    /// (one per printer and day; GLPI rewrites the day's row in place, and parcd keeps the
    /// first value it read of a day), so every sync reads the rows above it, whatever its
    /// mode.
    #[serde(default)]
    pub printer_log: Option<u64>,
    /// Set while a sync is under way.
    pub position: Option<Position>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Position {
    pub mode: SyncMode,
    /// Tells this sync's in-memory cache from another's.
    pub token: String,
    /// The watermark this sync reads from (incremental only), and the rows read at it.
    pub since: Option<String>,
    #[serde(default)]
    pub read_at_since: BTreeMap<String, String>,
    pub type_idx: usize,
    pub start: u64,
    /// The newest rows this sync has read: the next watermark.
    #[serde(default)]
    pub newest: Newest,
    /// Incremental only: the assets whose Infocom alone changed have been read.
    #[serde(default)]
    pub infocom_pass_done: bool,
    /// The printer log: the highest id an earlier sync read, the offset reached in the
    /// list by descending id, the highest id this sync read, and whether it is read.
    #[serde(default)]
    pub log_since: Option<u64>,
    #[serde(default)]
    pub log_start: u64,
    #[serde(default)]
    pub log_newest: Option<u64>,
    #[serde(default)]
    pub logs_done: bool,
}

/// The newest `date_mod` read, and the rows read at exactly that second with their digest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Newest {
    pub date_mod: Option<String>,
    pub rows: BTreeMap<String, String>,
}

impl Newest {
    /// Whether a row modified at `date_mod` could be among the newest: only such rows need
    /// their key and digest, which cost a serialisation and a hash each (at a million rows,
    /// seconds that a full sync by id, whose dates come in no order, spent for a handful).
    pub fn may_hold(&self, date_mod: Option<&str>) -> bool {
        match (date_mod, &self.date_mod) {
            (None, _) => false,
            (Some(d), Some(cur)) => d >= cur.as_str(),
            (Some(_), None) => true,
        }
    }

    pub fn see(&mut self, key: String, date_mod: Option<String>, digest: String) {
        let Some(d) = date_mod else { return };
        match &self.date_mod {
            Some(cur) if d < *cur => {}
            Some(cur) if d == *cur => {
                self.rows.insert(key, digest);
            }
            _ => {
                self.date_mod = Some(d);
                self.rows = BTreeMap::from([(key, digest)]);
            }
        }
    }

    pub fn merge(&mut self, other: Newest) {
        if let Some(d) = other.date_mod {
            for (key, digest) in other.rows {
                self.see(key, Some(d.clone()), digest);
            }
        }
    }
}

impl Position {
    pub fn start(mode: SyncMode, token: String, cursor: &GlpiCursor) -> Self {
        let incremental = mode == SyncMode::Incremental;
        Position {
            mode,
            token,
            since: cursor.watermark.clone().filter(|_| incremental),
            read_at_since: if incremental {
                cursor.at_watermark.clone()
            } else {
                BTreeMap::new()
            },
            type_idx: 0,
            start: 0,
            newest: Newest::default(),
            infocom_pass_done: false,
            log_since: cursor.printer_log,
            log_start: 0,
            log_newest: None,
            logs_done: false,
        }
    }

    /// Whether a row modified at `date_mod` sits at the watermark this sync reads from, so
    /// that [`Position::read_before`] needs its digest.
    pub fn at_since(&self, date_mod: Option<&str>) -> bool {
        date_mod.is_some() && date_mod == self.since.as_deref()
    }

    /// A row at exactly the watermark that an earlier sync read as it is now.
    pub fn read_before(&self, key: &str, date_mod: Option<&str>, digest: &str) -> bool {
        date_mod.is_some()
            && date_mod == self.since.as_deref()
            && self.read_at_since.get(key).is_some_and(|d| d == digest)
    }
}

impl GlpiCursor {
    /// Ends a sync: the newest rows it read become the watermark (or join the rows already
    /// at it), and the highest log id it read the log's.
    pub fn advance(&mut self, newest: Newest, log_newest: Option<u64>) {
        self.printer_log = self.printer_log.max(log_newest);
        self.advance_rows(newest);
    }

    fn advance_rows(&mut self, newest: Newest) {
        let Some(d) = newest.date_mod else { return };
        match &self.watermark {
            Some(w) if d < *w => {}
            Some(w) if d == *w => self.at_watermark.extend(newest.rows),
            _ => {
                self.watermark = Some(d);
                self.at_watermark = newest.rows;
            }
        }
    }
}

impl GlpiCursor {
    pub fn decode(c: &Cursor) -> Result<Self, ConnectorError> {
        serde_json::from_str(&c.0).map_err(|e| ConnectorError::Protocol {
            endpoint: "cursor".into(),
            detail: format!("stored cursor is not a GLPI cursor ({e}); reset it with a full sync"),
        })
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("cursor serialises"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows seen only when `may_hold` says so give the same newest rows as every row seen:
    /// the gate the connector puts before a row's digest loses nothing.
    #[test]
    fn gating_on_may_hold_keeps_the_same_newest_rows() {
        let dates = [
            "2026-01-02 10:00:00",
            "2026-01-01 09:00:00",
            "2026-01-03 08:00:00",
            "2026-01-03 08:00:00",
            "2026-01-02 23:59:59",
            "2026-01-03 08:00:00",
            "2025-12-31 00:00:00",
        ];
        let (mut all, mut gated) = (Newest::default(), Newest::default());
        let mut skipped = 0;
        for (i, d) in dates.iter().enumerate() {
            let key = format!("Computer/{i}");
            all.see(key.clone(), Some(d.to_string()), format!("digest{i}"));
            if gated.may_hold(Some(d)) {
                gated.see(key, Some(d.to_string()), format!("digest{i}"));
            } else {
                skipped += 1;
            }
        }
        assert_eq!(all, gated);
        assert_eq!(gated.date_mod.as_deref(), Some("2026-01-03 08:00:00"));
        assert_eq!(gated.rows.len(), 3);
        assert_eq!(skipped, 3, "rows older than the newest are not digested");
        assert!(!gated.may_hold(None));
    }

    #[test]
    fn only_rows_at_the_watermark_are_at_since() {
        let cursor = GlpiCursor {
            watermark: Some("2026-01-03 08:00:00".into()),
            ..Default::default()
        };
        let inc = Position::start(SyncMode::Incremental, "t".into(), &cursor);
        assert!(inc.at_since(Some("2026-01-03 08:00:00")));
        assert!(!inc.at_since(Some("2026-01-03 08:00:01")));
        assert!(!inc.at_since(None));
        let full = Position::start(SyncMode::Full, "t".into(), &cursor);
        assert!(!full.at_since(Some("2026-01-03 08:00:00")));
    }
}
