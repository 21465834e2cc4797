//! The end of a full sync of an inventory source: the live assets it did not see vanish.
//! Their rows are kept, with a `vanished` event; one that comes back gets `reappeared`.

use super::{PageOutcome, SyncContext};
use crate::store::{EventRow, StoreError, Tx};

pub(super) async fn apply(
    tx: &mut Tx,
    cx: &SyncContext,
    now: i64,
    out: &mut PageOutcome,
) -> Result<(), StoreError> {
    let unseen = tx.unseen_assets(&cx.source, &cx.sync_id).await?;
    if unseen.is_empty() {
        return Ok(());
    }
    // A full sync that saw nothing at all while assets are stored is taken for a broken
    // answer (an empty list from a misconfigured source), not for a fleet that vanished.
    if tx.seen_count(&cx.source, &cx.sync_id).await? == 0 {
        out.vanish_refused = true;
        return Ok(());
    }
    let mut events = Vec::with_capacity(unseen.len());
    let mut updates = Vec::with_capacity(unseen.len());
    for (external_id, phase, class, entity, seq) in unseen {
        out.changed_ids.push(external_id.clone());
        events.push(EventRow {
            source: cx.source.clone(),
            external_id: external_id.clone(),
            seq: seq + 1,
            occurred_at: now,
            observed_at: now,
            kind: "vanished".into(),
            from_phase: Some(phase.clone()),
            to_phase: Some(phase),
            class,
            entity,
            detail: None,
            poll_run: Some(cx.run_id.clone()),
        });
        updates.push((external_id, seq + 1));
    }
    out.vanished = updates.len() as u64;
    out.events += out.vanished;
    tx.insert_events(events).await?;
    tx.set_vanished(&cx.source, now, &updates).await
}
