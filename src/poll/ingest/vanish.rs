//! The end of a full sync of an inventory source: the live assets it did not see vanish.
//! Their rows are kept, with a `vanished` event; one that comes back gets `reappeared`.
//!
//! Two guards stand before that, because a source that answers wrongly looks like a fleet
//! thrown away. A sync that saw nothing at all vanishes nothing. And an item type (GLPI
//! reads each type by its own requests) of which the sync missed more than
//! `vanish_max_percent` of the live assets is held: its assets stay live, the hold is
//! stored, and only a later full sync that misses them again confirms it.

use std::collections::{BTreeMap, HashSet};

use super::{PageOutcome, SyncContext};
use crate::store::{EventRow, StoreError, Tx, UnseenAsset, VanishHold};

/// Item types with fewer live assets are not held: three printers retired at once are
/// ordinary.
pub const GUARD_MIN_LIVE: i64 = 10;

pub(super) async fn apply(
    tx: &mut Tx,
    cx: &SyncContext,
    now: i64,
    out: &mut PageOutcome,
) -> Result<(), StoreError> {
    // A sync that began on an empty source marked every asset stored since as seen: the
    // scan of them all would find none to vanish.
    let unseen = match cx.first_import {
        Some(_) => Vec::new(),
        None => tx.unseen_assets(&cx.source, &cx.sync_id).await?,
    };
    let holds = tx.vanish_holds(&cx.source).await?;
    if unseen.is_empty() {
        for item_type in holds.keys() {
            tx.release_vanish_hold(&cx.source, item_type).await?;
        }
        return Ok(());
    }
    // A full sync that saw nothing at all while assets are stored is taken for a broken
    // answer (an empty list from a misconfigured source), not for a fleet that vanished.
    if tx.seen_count(&cx.source, &cx.sync_id).await? == 0 {
        out.vanish_refused = true;
        return Ok(());
    }
    let held = hold_large_drops(tx, cx, now, &unseen, &holds, out).await?;
    for item_type in holds.keys().filter(|t| !held.contains(t.as_str())) {
        tx.release_vanish_hold(&cx.source, item_type).await?;
    }
    let mut events = Vec::with_capacity(unseen.len());
    let mut updates = Vec::with_capacity(unseen.len());
    for a in unseen.into_iter().filter(|a| !held.contains(&a.item_type)) {
        out.changed_ids.push(a.external_id.clone());
        events.push(EventRow {
            source: cx.source.clone(),
            external_id: a.external_id.clone(),
            seq: a.event_seq + 1,
            occurred_at: now,
            observed_at: now,
            kind: "vanished".into(),
            from_phase: Some(a.phase.clone()),
            to_phase: Some(a.phase),
            class: a.class,
            entity: a.entity,
            detail: None,
            poll_run: Some(cx.run_id.clone()),
        });
        updates.push((a.external_id, a.event_seq + 1));
    }
    out.vanished = updates.len() as u64;
    out.events += out.vanished;
    tx.insert_events(events).await?;
    tx.set_vanished(&cx.source, now, &updates).await
}

/// Holds the item types whose drop is too large to believe, unless an earlier full sync
/// held the same; returns the types held by this sync.
async fn hold_large_drops(
    tx: &mut Tx,
    cx: &SyncContext,
    now: i64,
    unseen: &[UnseenAsset],
    holds: &std::collections::HashMap<String, VanishHold>,
    out: &mut PageOutcome,
) -> Result<HashSet<String>, StoreError> {
    let mut held = HashSet::new();
    if cx.vanish_max_percent >= 100 {
        return Ok(held);
    }
    let mut by_type: BTreeMap<&str, i64> = BTreeMap::new();
    for a in unseen {
        *by_type.entry(a.item_type.as_str()).or_default() += 1;
    }
    let live = tx.live_by_item_type(&cx.source).await?;
    for (item_type, missed) in by_type {
        let live = live.get(item_type).copied().unwrap_or(0);
        let too_many = live >= GUARD_MIN_LIVE && missed * 100 > cx.vanish_max_percent * live;
        if !too_many {
            continue;
        }
        match holds.get(item_type) {
            // Held by an earlier sync, missed again by this one: confirmed.
            Some(h) if h.sync_id != cx.sync_id => {
                out.vanish_confirmed
                    .push((item_type.to_string(), missed as u64));
            }
            // New, or this sync's own hold written again (a page replayed after a crash).
            _ => {
                let hold = VanishHold {
                    item_type: item_type.to_string(),
                    live,
                    unseen: missed,
                    sync_id: cx.sync_id.clone(),
                    held_at: now,
                };
                tx.hold_vanish(&cx.source, &hold).await?;
                out.vanish_held.push((item_type.to_string(), missed as u64));
                held.insert(item_type.to_string());
            }
        }
    }
    Ok(held)
}
