//! Runs an evaluation against the stored alert states and records its plan.

use crate::agec::YearShares;
use crate::store::{PlanOutcome, Store, StoreError};

use crate::alerts::evaluate::{AlertRow, EvalSettings, State, evaluate};

/// How many times an evaluation is redone when another replica changed the alerts between
/// its reading and its writing: each retry reads that replica's changes, after which there
/// is normally nothing left to change.
const ATTEMPTS: usize = 3;

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
    let mut queued = false;
    for attempt in 1..=ATTEMPTS {
        let stored = store.alerts().await?;
        let plan = evaluate(shares, &stored, settings, now);
        if plan.rows.is_empty() {
            break;
        }
        match store
            .apply_alert_plan(&plan, &stored, channels, now)
            .await?
        {
            PlanOutcome::Recorded(ids) => {
                for n in &plan.notices {
                    tracing::info!(
                        category = n.category.id(),
                        kind = n.kind.as_str(),
                        year = n.year,
                        changes = ?n.changes,
                        "AGEC alert"
                    );
                }
                queued = !ids.is_empty();
                break;
            }
            PlanOutcome::Superseded => {
                tracing::info!(
                    attempt,
                    "another replica recorded an AGEC alert change first; evaluating again"
                );
            }
        }
    }
    let firing = store
        .alerts()
        .await?
        .into_iter()
        .filter(|a| a.state == State::Firing)
        .collect();
    Ok((firing, queued))
}
