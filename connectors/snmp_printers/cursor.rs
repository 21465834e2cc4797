//! The resting cursor: what the connector remembers of each printer between two rounds, so
//! that a supply replaced in between is counted (its level jumped back up). Nothing else
//! is kept; a cursor lost or unreadable only restarts that count.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::Cursor;

/// A printer's supplies are a few rows; an agent listing more is not trusted further.
pub const MAX_SUPPLIES: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// The serial read last: another one at the same address is another printer, whose
    /// levels are not compared with the last one's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Last level in percent, by prtMarkerSuppliesIndex.
    #[serde(default)]
    pub levels: BTreeMap<u64, f64>,
    /// Replacements seen since the connector first read the printer.
    #[serde(default)]
    pub replacements: u64,
    /// The last non-zero value of each page counter, by quantity: a counter reading 0
    /// after it is left out of the round (see `normalise::readings`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnmpCursor {
    /// By target id (`host:port`); only targets still configured are kept.
    #[serde(default)]
    pub printers: BTreeMap<String, Memory>,
}

impl SnmpCursor {
    /// An unreadable cursor (written by an older version, or edited) starts afresh: it
    /// only holds replacement counts, which then start a new baseline.
    pub fn decode(c: Option<&Cursor>) -> SnmpCursor {
        let Some(c) = c.filter(|c| !c.0.is_empty()) else {
            return SnmpCursor::default();
        };
        serde_json::from_str(&c.0).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the stored cursor does not read; supply replacements are counted afresh");
            SnmpCursor::default()
        })
    }

    pub fn encode(&self) -> Cursor {
        Cursor(serde_json::to_string(self).expect("a map of numbers and strings serialises"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_broken_one_starts_afresh() {
        let mut c = SnmpCursor::default();
        c.printers.insert(
            "10.0.0.1:161".into(),
            Memory {
                serial: Some("CN1".into()),
                levels: BTreeMap::from([(1, 62.0), (2, 5.5)]),
                replacements: 3,
                counters: BTreeMap::from([("printed_pages".into(), 48213)]),
            },
        );
        let encoded = c.encode();
        assert_eq!(SnmpCursor::decode(Some(&encoded)), c);
        assert_eq!(
            SnmpCursor::decode(Some(&Cursor("{not json".into()))),
            SnmpCursor::default()
        );
        assert_eq!(SnmpCursor::decode(None), SnmpCursor::default());
    }
}
