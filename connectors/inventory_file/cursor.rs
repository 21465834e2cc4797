//! The inventory file connector's cursor: which version of the file, read with which
//! mapping, and how far.

use serde::{Deserialize, Serialize};

use crate::api::Cursor;
use crate::error::ConnectorError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FileCursor {
    /// SHA-256 of the file's bytes, hex.
    pub fingerprint: String,
    /// The digest of the keys that change what a row becomes (`normalisation_digest`).
    pub mapping: String,
    /// Rows already served in the sync under way; `None` at rest, after a complete sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_row: Option<u64>,
}

impl FileCursor {
    pub fn decode(c: &Cursor, file: &str) -> Result<Self, ConnectorError> {
        serde_json::from_str(&c.0).map_err(|e| ConnectorError::Protocol {
            endpoint: file.to_string(),
            detail: format!(
                "the stored cursor is not an inventory file cursor ({e}); reset it with a full sync"
            ),
        })
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("cursor serialises"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_foreign_one_names_the_file() {
        let c = FileCursor {
            fingerprint: "ab".into(),
            mapping: "cd".into(),
            next_row: Some(5000),
        };
        assert_eq!(FileCursor::decode(&c.encode(), "f").unwrap(), c);
        let rest = FileCursor {
            next_row: None,
            ..c
        };
        assert!(!rest.encode().0.contains("next_row"));
        let e =
            FileCursor::decode(&Cursor("{\"watermark\":1}".into()), "/srv/parc.csv").unwrap_err();
        assert!(e.to_string().starts_with("/srv/parc.csv: "), "{e}");
    }
}
