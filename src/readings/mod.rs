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

/// [`increases`] over `from..=to` from readings already read for a span that holds it:
/// `before`, the last reading of each subject before the span, and `within`, the span's
/// readings ordered by subject then time. A year read once gives each of its months.
pub fn increases_within(
    before: &[ReadingRow],
    within: &[ReadingRow],
    from: i64,
    to: i64,
) -> Vec<SubjectIncrease> {
    let (earlier, inside): (Vec<&ReadingRow>, Vec<&ReadingRow>) = within
        .iter()
        .filter(|r| r.at <= to)
        .partition(|r| r.at < from);
    group_increases(
        last_of_each(before.iter().chain(earlier)),
        inside.into_iter().cloned().collect(),
    )
}

/// The readings of each subject at its latest time up to `at`, as the store's
/// `readings_as_of` gives them, from `before` and `within` (see [`increases_within`]).
pub fn as_of_within(before: &[ReadingRow], within: &[ReadingRow], at: i64) -> Vec<ReadingRow> {
    let mut latest: std::collections::BTreeMap<(&str, &str, &str), Vec<&ReadingRow>> =
        std::collections::BTreeMap::new();
    for r in before.iter().chain(within).filter(|r| r.at <= at) {
        let slot = latest
            .entry((r.source.as_str(), r.scope.as_str(), r.subject.as_str()))
            .or_default();
        match slot.first().map(|f| f.at) {
            Some(t) if t > r.at => {}
            Some(t) if t == r.at => slot.push(r),
            _ => *slot = vec![r],
        }
    }
    latest.into_values().flatten().cloned().collect()
}

/// The last reading of each subject among `rows` (taken in time order per subject).
fn last_of_each<'a>(rows: impl Iterator<Item = &'a ReadingRow>) -> Vec<ReadingRow> {
    let mut last: std::collections::BTreeMap<(&str, &str, &str), &ReadingRow> =
        std::collections::BTreeMap::new();
    for r in rows {
        let slot = last
            .entry((r.source.as_str(), r.scope.as_str(), r.subject.as_str()))
            .or_insert(r);
        if r.at >= slot.at {
            *slot = r;
        }
    }
    last.into_values().cloned().collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(subject: &str, at: i64, value: f64) -> ReadingRow {
        ReadingRow {
            source: "snmp".into(),
            scope: "device".into(),
            subject: subject.into(),
            quantity: "printed_pages".into(),
            at,
            value,
            unit: "pages".into(),
            measure: "counter".into(),
            serial_key: None,
            observed_at: at,
            poll_run: None,
        }
    }

    #[test]
    fn a_period_within_a_span_read_once_has_the_increase_of_its_own_reading() {
        // As the store reads a span of 0..=100: p1's last reading before it, and its readings.
        let before = vec![row("p1", -5, 100.0), row("p2", -9, 7.0)];
        let within = vec![
            row("p1", 10, 120.0),
            row("p1", 20, 135.0),
            row("p1", 30, 150.0),
            // A reset: a new baseline, nothing counted for the step.
            row("p1", 40, 4.0),
            row("p3", 35, 1.0),
            row("p3", 60, 9.0),
        ];
        let inc = |from, to| -> Vec<(String, f64)> {
            increases_within(&before, &within, from, to)
                .into_iter()
                .map(|i| (i.subject, i.increase))
                .collect()
        };
        // The whole span: the step across its start counts.
        assert_eq!(
            inc(0, 100),
            [("p1".into(), 50.0), ("p2".into(), 0.0), ("p3".into(), 8.0)]
        );
        // A period inside it: from the last reading before the period.
        assert_eq!(inc(15, 25), [("p1".into(), 15.0), ("p2".into(), 0.0)]);
        assert_eq!(
            inc(31, 50),
            [("p1".into(), 0.0), ("p2".into(), 0.0), ("p3".into(), 0.0)]
        );
        // Each subject's latest reading as of a time.
        let at = |t| -> Vec<(String, f64)> {
            as_of_within(&before, &within, t)
                .into_iter()
                .map(|r| (r.subject, r.value))
                .collect()
        };
        assert_eq!(at(25), [("p1".into(), 135.0), ("p2".into(), 7.0)]);
        assert_eq!(
            at(100),
            [("p1".into(), 4.0), ("p2".into(), 7.0), ("p3".into(), 9.0)]
        );
    }
}
