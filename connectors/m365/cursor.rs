//! Where a Microsoft 365 sync stands: the last day of email activity stored, and inside a
//! sync, the days still to read. No identifier is ever kept here.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::api::Cursor;
use crate::error::ConnectorError;

/// The days of activity a sync under way still reads, `next..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Days {
    pub next: NaiveDate,
    pub last: NaiveDate,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct M365Cursor {
    /// Every day of activity up to this one is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_through: Option<NaiveDate>,
    /// Set inside a sync, after the usage report's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Days>,
}

impl M365Cursor {
    pub fn decode(c: Option<&Cursor>) -> Result<M365Cursor, ConnectorError> {
        match c.filter(|c| !c.0.is_empty()) {
            None => Ok(M365Cursor::default()),
            Some(c) => serde_json::from_str(&c.0).map_err(|e| ConnectorError::Protocol {
                endpoint: "cursor".into(),
                detail: format!(
                    "the stored Microsoft 365 cursor does not read ({e}): {}",
                    c.0
                ),
            }),
        }
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("dates serialise"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let c = M365Cursor {
            activity_through: Some(d(1)),
            days: Some(Days {
                next: d(2),
                last: d(5),
            }),
        };
        assert_eq!(M365Cursor::decode(Some(&c.encode())).unwrap(), c);
        assert_eq!(M365Cursor::decode(None).unwrap(), M365Cursor::default());
        assert!(M365Cursor::decode(Some(&Cursor("{x".into()))).is_err());
    }
}
