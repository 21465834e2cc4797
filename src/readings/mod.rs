//! Readings over time: what telemetry sources measured, read back from the store as of a
//! date and as increases over a period, with counter resets handled (`counter.rs`).

pub mod counter;

use serde::Serialize;

use crate::store::{ReadingRow, Store, StoreError};

/// How much a counter of one subject grew over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectIncrease {
    pub source: String,
    pub scope: String,
    pub subject: String,
    pub serial_key: Option<String>,
    pub unit: String,
    pub increase: f64,
    pub resets: u32,
}

/// The increase of counter `quantity` per subject between `from` and `to` (unix seconds,
/// both included): the readings in the period plus the last one before it, so that the
/// step across `from` counts.
pub async fn increases(
    store: &Store,
    quantity: &str,
    from: i64,
    to: i64,
) -> Result<Vec<SubjectIncrease>, StoreError> {
    let before = store.readings_as_of(quantity, from - 1).await?;
    let within = store.reading_series(quantity, from, to).await?;
    Ok(group_increases(before, within))
}

/// Pure part of [`increases`]: `within` ordered by subject then time.
fn group_increases(before: Vec<ReadingRow>, within: Vec<ReadingRow>) -> Vec<SubjectIncrease> {
    use std::collections::BTreeMap;
    type Key = (String, String, String);
    let mut series: BTreeMap<Key, Vec<ReadingRow>> = BTreeMap::new();
    for r in before.into_iter().chain(within) {
        series
            .entry((r.source.clone(), r.scope.clone(), r.subject.clone()))
            .or_default()
            .push(r);
    }
    series
        .into_iter()
        .filter(|(_, rows)| rows.iter().all(|r| r.measure == "counter"))
        .map(|((source, scope, subject), mut rows)| {
            rows.sort_by_key(|r| r.at);
            let inc = counter::increase(rows.iter().map(|r| r.value));
            let last = rows.last().expect("a series has a reading");
            SubjectIncrease {
                serial_key: last.serial_key.clone(),
                unit: last.unit.clone(),
                source,
                scope,
                subject,
                increase: inc.total,
                resets: inc.resets,
            }
        })
        .collect()
}
