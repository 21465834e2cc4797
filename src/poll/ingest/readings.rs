//! Readings: appended as they come, each once. A reading replayed after a crash, or read
//! again by the next poll (a daily log re-read), has the same key and is not written twice.

use parcd_connectors::Reading;

use super::{PageOutcome, SyncContext};

/// The quantity by which a telemetry source says whether a device answered its poll (1 or
/// 0): the sources that poll devices one by one report it (SNMP printers).
pub const RESPONDING: &str = parcd_connectors::reading::known::RESPONDING.name;
use crate::store::{ReadingRow, StoreError, Tx};

pub(super) async fn apply(
    tx: &mut Tx,
    cx: &SyncContext,
    readings: &[Reading],
    now: i64,
    out: &mut PageOutcome,
) -> Result<(), StoreError> {
    out.readings = readings.len() as u64;
    if readings.is_empty() {
        return Ok(());
    }
    let responding: Vec<f64> = readings
        .iter()
        .filter(|r| r.quantity == RESPONDING && r.subject.scope() == "device")
        .map(|r| r.value)
        .collect();
    if !responding.is_empty() {
        let answered = responding.iter().filter(|v| **v >= 1.0).count() as u64;
        out.devices_responding = Some((answered, responding.len() as u64));
    }
    let rows = readings
        .iter()
        .filter(|r| {
            // NaN and infinities have no place in a counter or a gauge; a connector that
            // sends one has misread its source.
            let ok = r.value.is_finite();
            if !ok {
                tracing::warn!(source = %cx.source, quantity = %r.quantity, "reading is not a finite number; skipped");
            }
            ok && private_enough(cx, r)
        })
        .map(|r| ReadingRow {
            source: cx.source.clone(),
            scope: r.subject.scope().to_string(),
            subject: r.subject.key().to_string(),
            quantity: r.quantity.clone(),
            at: r.at.timestamp(),
            value: r.value,
            unit: r.unit.clone(),
            measure: r.measure.as_str().to_string(),
            serial_key: r.subject.join_serial(),
            observed_at: now,
            poll_run: Some(cx.run_id.clone()),
        })
        .collect::<Vec<_>>();
    out.counter_steps = counter_steps(tx, &cx.source, &rows).await?;
    out.readings_new = tx.insert_readings(rows).await?;
    Ok(())
}

/// Whether a mail reading's subject is one the mail contract allows (a mail domain or an
/// entity): one that could name a person never reaches the store. Its key is
/// not logged, since it may be an address.
fn private_enough(cx: &SyncContext, r: &Reading) -> bool {
    use parcd_connectors::mail;
    let scope = r.subject.scope();
    if !scope.starts_with("mail") && !mail::is_mail_quantity(&r.quantity) {
        return true;
    }
    match mail::check_subject(&r.subject) {
        Ok(()) => true,
        Err(problem) => {
            tracing::error!(source = %cx.source, quantity = %r.quantity, scope, problem, "mail reading refused: its subject could name a person (a connector bug); skipped");
            false
        }
    }
}

/// For each counter quantity of `rows`, how much the page's new readings add to the
/// increase of each subject's stored series, summed over subjects: what the series says
/// once they are stored, less what it said before. So the pages printed counted as pages
/// come in are those counted again from the stored readings at a restart, whatever order
/// they come in: several readings of a subject on one page (a daily log read after days
/// away) each add their step; a subject's first reading is its baseline (what it counted
/// before parcd saw it is not this period's); a reading already stored (a replay) adds
/// nothing; one dated between two stored readings (a log's history read newest first)
/// adds only what the series gains by it.
async fn counter_steps(
    tx: &mut Tx,
    source: &str,
    rows: &[ReadingRow],
) -> Result<std::collections::BTreeMap<String, f64>, StoreError> {
    use std::collections::BTreeMap;
    /// A subject's readings on the page: (time, value).
    type Series<'a> = BTreeMap<&'a str, Vec<(i64, f64)>>;
    let mut by_quantity: BTreeMap<&str, Series> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.measure == "counter") {
        by_quantity
            .entry(&r.quantity)
            .or_default()
            .entry(&r.subject)
            .or_default()
            .push((r.at, r.value));
    }
    let mut steps = BTreeMap::new();
    for (quantity, subjects) in by_quantity {
        let ats = subjects.values().flatten().map(|(at, _)| *at);
        let (from, to) = (ats.clone().min().unwrap_or(0), ats.max().unwrap_or(0));
        // The stored series around the page: the reading before it, those within its span,
        // the one after it.
        let before = tx.latest_readings(source, quantity, from - 1).await?;
        let after = tx.earliest_readings(source, quantity, to + 1).await?;
        let mut stored: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
        for (subject, at, value) in tx.readings_between(source, quantity, from, to).await? {
            stored.entry(subject).or_default().insert(at, value);
        }
        let mut step = 0.0;
        for (subject, page) in subjects {
            let mut old = stored.remove(subject).unwrap_or_default();
            for neighbour in [before.get(subject), after.get(subject)]
                .into_iter()
                .flatten()
            {
                old.insert(neighbour.0, neighbour.1);
            }
            let mut new = old.clone();
            for (at, value) in page {
                // A reading stored already stays as it is (see `insert_readings`).
                new.entry(at).or_insert(value);
            }
            let increase = |s: &BTreeMap<i64, f64>| {
                crate::readings::counter::increase(s.values().copied()).total
            };
            step += (increase(&new) - increase(&old)).max(0.0);
        }
        *steps.entry(quantity.to_string()).or_insert(0.0) += step;
    }
    Ok(steps)
}
