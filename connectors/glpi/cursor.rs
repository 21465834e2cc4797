//! The GLPI connector's cursor: a watermark at rest, a position inside a sync.

use serde::{Deserialize, Serialize};

use crate::api::{Cursor, SyncMode};
use crate::error::ConnectorError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct GlpiCursor {
    /// Newest `date_mod` seen by the last completed sync (GLPI's own clock and format,
    /// which sorts as text).
    pub watermark: Option<String>,
    /// Set while a sync is under way.
    pub position: Option<Position>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Position {
    pub mode: SyncMode,
    /// Tells this sync's in-memory cache from another's.
    pub token: String,
    /// The watermark this sync reads from (incremental only).
    pub since: Option<String>,
    pub type_idx: usize,
    pub start: u64,
    pub max_seen: Option<String>,
}

impl Position {
    pub fn start(mode: SyncMode, token: String, watermark: Option<String>) -> Self {
        Position {
            mode,
            token,
            since: match mode {
                SyncMode::Full => None,
                SyncMode::Incremental => watermark,
            },
            type_idx: 0,
            start: 0,
            max_seen: None,
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
