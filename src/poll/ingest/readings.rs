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
            ok
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

/// For each counter quantity of `rows`, the sum over subjects of the step from the stored
/// reading before each one. A subject's first reading is its baseline (what it counted
/// before parcd saw it is not this period's); a reading already stored (a replay) adds
/// nothing.
async fn counter_steps(
    tx: &mut Tx,
    source: &str,
    rows: &[ReadingRow],
) -> Result<std::collections::BTreeMap<String, f64>, StoreError> {
    use std::collections::BTreeMap;
    let mut by_quantity: BTreeMap<(&str, i64), Vec<&ReadingRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.measure == "counter") {
        by_quantity.entry((&r.quantity, r.at)).or_default().push(r);
    }
    let mut steps = BTreeMap::new();
    for ((quantity, at), rows) in by_quantity {
        let before = tx.latest_readings(source, quantity, at).await?;
        let mut step = 0.0;
        for r in rows {
            match before.get(&r.subject) {
                Some((t, _)) if *t == r.at => {}
                Some((_, prev)) => {
                    step += crate::readings::counter::increase([*prev, r.value]).total;
                }
                None => {}
            }
        }
        *steps.entry(quantity.to_string()).or_insert(0.0) += step;
    }
    Ok(steps)
}
