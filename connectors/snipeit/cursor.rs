//! The Snipe-IT connector's cursor: a watermark at rest, a position inside a sync.

use serde::{Deserialize, Serialize};

use crate::api::{Cursor, SyncMode};
use crate::error::ConnectorError;

/// The two listings a sync reads. Snipe-IT's default asset list leaves out archived
/// assets (unless the instance's "show archived" setting is on), so they are read on
/// their own with `status=Archived`; the first pass skips any it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Pass {
    Listed,
    Archived,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct SnipeitCursor {
    /// Newest `updated_at` seen by the last completed sync (`YYYY-MM-DD HH:MM:SS`, the
    /// instance's clock; it sorts as text).
    pub watermark: Option<String>,
    /// Set while a sync is under way.
    pub position: Option<Position>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Position {
    pub mode: SyncMode,
    /// The watermark this sync reads from (incremental only; inclusive).
    pub since: Option<String>,
    pub pass: Pass,
    /// Rows of the current pass already read.
    pub offset: u64,
    /// Full syncs: the highest id read in this pass; the next page must start at or
    /// before it, or assets deleted meanwhile have shifted the rows (see `mod.rs`).
    pub last_id: Option<u64>,
    pub max_seen: Option<String>,
    /// Rows the whole sync expects (full syncs; progress only).
    pub total_hint: Option<u64>,
}

impl Position {
    pub fn start(mode: SyncMode, watermark: Option<String>) -> Self {
        Position {
            mode,
            since: match mode {
                SyncMode::Full => None,
                SyncMode::Incremental => watermark,
            },
            pass: Pass::Listed,
            offset: 0,
            last_id: None,
            max_seen: None,
            total_hint: None,
        }
    }

    /// Moves to the next pass; false when there is none.
    pub fn next_pass(&mut self) -> bool {
        match self.pass {
            Pass::Listed => {
                self.pass = Pass::Archived;
                self.offset = 0;
                self.last_id = None;
                true
            }
            Pass::Archived => false,
        }
    }
}

impl SnipeitCursor {
    pub fn decode(c: &Cursor) -> Result<Self, ConnectorError> {
        serde_json::from_str(&c.0).map_err(|e| ConnectorError::Protocol {
            endpoint: "cursor".into(),
            detail: format!(
                "stored cursor is not a Snipe-IT cursor ({e}); reset it with a full sync"
            ),
        })
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("cursor serialises"))
    }
}
