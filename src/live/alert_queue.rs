//! Runs an evaluation against the stored alert states and records its plan.

use crate::agec::YearShares;
use crate::store::{Store, StoreError};

use crate::alerts::evaluate::{AlertRow, EvalSettings, State, evaluate};

/// Evaluates `shares` (the current year) at `now`, stores the state changes and queues a
/// message per notice and channel. Returns the alerts firing afterwards, for the metrics, and
/// whether a message was queued.
pub async fn evaluate_and_queue(
    store: &Store,
    shares: &YearShares,
    settings: &EvalSettings,
    channels: &[String],
    now: i64,
) -> Result<(Vec<AlertRow>, bool), StoreError> {
    let stored = store.alerts().await?;
    let firing: Vec<AlertRow> = stored
        .into_iter()
        .filter(|a| a.state == State::Firing)
        .collect();
    let plan = evaluate(shares, &firing, settings, now);
    let queued = if plan.rows.is_empty() {
        false
    } else {
        for n in &plan.notices {
            tracing::info!(
                category = n.category.id(),
                kind = n.kind.as_str(),
                year = n.year,
                changes = ?n.changes,
                "AGEC alert"
            );
        }
        !store
            .apply_alert_plan(&plan, channels, now)
            .await?
            .is_empty()
    };
    let firing = store
        .alerts()
        .await?
        .into_iter()
        .filter(|a| a.state == State::Firing)
        .collect();
    Ok((firing, queued))
}
