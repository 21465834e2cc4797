//! Ingest: one page of records becomes state changes, in one transaction with its cursor.
//!
//! The same record read twice changes nothing; a new asset gets a `first_seen` event, a
//! phase change a `phase_change` event, a move between entities or locations a `moved`
//! event, an asset gone from a full sync a `vanished` event (its row is kept), and one
//! that comes back a `reappeared` event. Events are numbered per asset, so replaying a
//! page after a crash cannot write one twice.

use std::collections::HashMap;

use chrono::NaiveDate;
use parcd_connectors::{AssetRecord, Page, Phase, PurchaseRecord, SyncMode};

use crate::store::{EventRow, Store, StoreError, StoredAsset, sql_val as val};

/// The sync a page belongs to.
#[derive(Debug, Clone)]
pub struct SyncContext {
    pub source: String,
    pub sync_id: String,
    pub mode: SyncMode,
    pub sync_started_at: i64,
    pub run_id: String,
}

/// What one page changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOutcome {
    pub records: u64,
    pub created: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub vanished: u64,
    pub events: u64,
    /// A full sync that saw nothing while the store holds live assets is taken for a
    /// broken answer, and nothing is marked vanished.
    pub vanish_refused: bool,
    /// External ids whose stored asset or purchase changed: what the indicators recompute.
    pub changed_ids: Vec<String>,
}

/// Stable 64-bit FNV-1a: the hash must not change between Rust releases, since it is stored.
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Hash of what the store keeps of an asset, purchase and source stamp aside: a bumped
/// `date_mod` alone is no change.
pub fn asset_hash(r: &AssetRecord) -> i64 {
    let mut r = r.clone();
    r.purchase = None;
    r.modified_at = None;
    fnv1a(&serde_json::to_vec(&r).expect("records serialise"))
}

fn purchase_hash(p: &PurchaseRecord) -> i64 {
    fnv1a(&serde_json::to_vec(p).expect("purchases serialise"))
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// When a move into `phase` happened: the decommission date for retirements and exits
/// when the source has one in the past, otherwise the moment parcd saw it.
fn occurred_at(phase: Phase, purchase: Option<&PurchaseRecord>, now: i64) -> i64 {
    if matches!(phase, Phase::Retired) || phase.is_exit() {
        let d = purchase
            .and_then(|p| p.decommission_date)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp());
        if let Some(t) = d
            && t <= now
        {
            return t;
        }
    }
    now
}

fn moved_detail(stored: &StoredAsset, r: &AssetRecord) -> Option<String> {
    let mut parts = Vec::new();
    if stored.entity != r.entity {
        parts.push(format!(
            "entity: {} -> {}",
            stored.entity.as_deref().unwrap_or("-"),
            r.entity.as_deref().unwrap_or("-")
        ));
    }
    if stored.location != r.location {
        parts.push(format!(
            "location: {} -> {}",
            stored.location.as_deref().unwrap_or("-"),
            r.location.as_deref().unwrap_or("-")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Applies `page` and advances the source's cursor, atomically.
pub async fn apply_page(
    store: &Store,
    cx: &SyncContext,
    page: &Page,
    now: i64,
) -> Result<PageOutcome, StoreError> {
    let mut out = PageOutcome {
        records: page.records.len() as u64,
        ..Default::default()
    };
    // A page may name an asset twice (an item edited while GLPI paged): the last wins.
    let mut latest: HashMap<&str, &AssetRecord> = HashMap::with_capacity(page.records.len());
    let mut order = Vec::with_capacity(page.records.len());
    for r in &page.records {
        if latest.insert(r.external_id.as_str(), r).is_none() {
            order.push(r.external_id.as_str());
        }
    }

    let mut tx = store.begin().await?;
    let stored = tx.stored_assets(&cx.source, &order).await?;
    let full = cx.mode == SyncMode::Full;
    let seen = full.then_some(cx.sync_id.as_str());

    let mut asset_rows = Vec::new();
    let mut purchase_rows = Vec::new();
    let mut events = Vec::new();
    let mut unchanged_ids = Vec::new();
    let event = |r: &AssetRecord,
                 seq: i64,
                 at: i64,
                 kind: &str,
                 from: Option<&str>,
                 detail: Option<String>| EventRow {
        source: cx.source.clone(),
        external_id: r.external_id.clone(),
        seq,
        occurred_at: at,
        observed_at: now,
        kind: kind.to_string(),
        from_phase: from.map(str::to_string),
        to_phase: Some(r.phase.as_str().to_string()),
        class: r.class.as_str().to_string(),
        entity: r.entity.clone(),
        detail,
        poll_run: Some(cx.run_id.clone()),
    };

    for id in &order {
        let r = latest[id];
        let hash = asset_hash(r);
        let prior = stored.get(*id);
        let mut seq = prior.map_or(0, |s| s.event_seq);
        match prior {
            None => {
                out.created += 1;
                seq += 1;
                events.push(event(r, seq, now, "first_seen", None, r.status.clone()));
            }
            Some(s) if s.record_hash == hash && !s.vanished => {
                out.unchanged += 1;
                unchanged_ids.push(*id);
            }
            Some(s) => {
                out.changed += 1;
                if s.vanished {
                    seq += 1;
                    events.push(event(r, seq, now, "reappeared", Some(&s.phase), None));
                }
                if s.phase != r.phase.as_str() {
                    seq += 1;
                    let at = occurred_at(r.phase, r.purchase.as_ref(), now);
                    events.push(event(
                        r,
                        seq,
                        at,
                        "phase_change",
                        Some(&s.phase),
                        r.status.clone(),
                    ));
                }
                if let Some(detail) = moved_detail(s, r) {
                    seq += 1;
                    events.push(event(r, seq, now, "moved", Some(&s.phase), Some(detail)));
                }
            }
        }
        let asset_changed = prior.is_none_or(|s| s.record_hash != hash || s.vanished);
        let mut purchase_changed = false;
        if asset_changed {
            asset_rows.push(vec![
                val(cx.source.as_str()),
                val(r.external_id.as_str()),
                val(r.item_type.as_str()),
                val(r.class.as_str()),
                val(r.name.clone()),
                val(r.serial.clone()),
                val(r.inventory_number.clone()),
                val(r.type_name.clone()),
                val(r.model.clone()),
                val(r.manufacturer.clone()),
                val(r.entity.clone()),
                val(r.location.clone()),
                val(r.status.clone()),
                val(r.phase.as_str()),
                val(i64::from(r.status_mapped)),
                val(r.rated_power_w.map(|w| (w * 1000.0).round() as i64)),
                val(r.modified_at.clone()),
                val(hash),
                val(seq),
                val(now),
                val(now),
                val(None::<i64>),
                val(seen.map(str::to_string)),
            ]);
        }
        if let Some(p) = &r.purchase {
            let ph = purchase_hash(p);
            if prior.and_then(|s| s.purchase_hash) != Some(ph) {
                purchase_changed = true;
                if let Some(text) = &p.amount_unreadable {
                    tracing::warn!(
                        source = %cx.source,
                        item = %r.external_id,
                        value = %text,
                        "purchase amount is not a number parcd can read (write it as 1234.50 or 1 234,50); \
                         the purchase is listed as unreadable_amount and left out of the AGEC shares"
                    );
                }
                purchase_rows.push(vec![
                    val(cx.source.as_str()),
                    val(r.external_id.as_str()),
                    val(day(p.order_date)),
                    val(day(p.buy_date)),
                    val(day(p.delivery_date)),
                    val(day(p.use_date)),
                    val(day(p.warranty_end)),
                    val(day(p.decommission_date)),
                    val(p.amount_cents),
                    val(p.supplier.clone()),
                    val(p.order_number.clone()),
                    val(p.comment.clone()),
                    val(p.amount_unreadable.clone()),
                    val(ph),
                    val(now),
                ]);
            }
        }
        if asset_changed || purchase_changed {
            out.changed_ids.push(r.external_id.clone());
        }
    }

    out.events = events.len() as u64;
    tx.upsert_assets(asset_rows).await?;
    tx.upsert_purchases(purchase_rows).await?;
    tx.insert_events(events).await?;
    if full {
        tx.mark_seen(&cx.source, &cx.sync_id, &unchanged_ids)
            .await?;
    }

    if page.done && full {
        let unseen = tx.unseen_assets(&cx.source, &cx.sync_id).await?;
        if !unseen.is_empty() && tx.seen_count(&cx.source, &cx.sync_id).await? == 0 {
            out.vanish_refused = true;
        } else if !unseen.is_empty() {
            let mut vanished_events = Vec::with_capacity(unseen.len());
            let mut updates = Vec::with_capacity(unseen.len());
            for (external_id, phase, class, entity, seq) in unseen {
                out.changed_ids.push(external_id.clone());
                vanished_events.push(EventRow {
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
            tx.insert_events(vanished_events).await?;
            tx.set_vanished(&cx.source, now, &updates).await?;
        }
    }

    let sync = (!page.done).then_some((cx.mode.as_str(), cx.sync_id.as_str(), cx.sync_started_at));
    tx.save_cursor(&cx.source, &page.cursor.0, sync).await?;
    if page.done {
        tx.sync_completed(&cx.source, full, now).await?;
    }
    tx.add_to_run(
        &cx.run_id,
        out.records as i64,
        out.created as i64,
        out.changed as i64,
        out.vanished as i64,
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_the_source_stamp_but_not_the_phase() {
        let r = AssetRecord {
            external_id: "Computer/1".into(),
            item_type: "Computer".into(),
            class: parcd_connectors::AssetClass::Laptop,
            name: Some("PC".into()),
            serial: None,
            inventory_number: None,
            type_name: None,
            model: None,
            manufacturer: None,
            entity: None,
            location: None,
            status: None,
            phase: Phase::InService,
            status_mapped: true,
            rated_power_w: None,
            modified_at: Some("2024-01-01 00:00:00".into()),
            purchase: None,
        };
        let mut bumped = r.clone();
        bumped.modified_at = Some("2025-01-01 00:00:00".into());
        assert_eq!(asset_hash(&r), asset_hash(&bumped));
        let mut moved = r.clone();
        moved.phase = Phase::Retired;
        assert_ne!(asset_hash(&r), asset_hash(&moved));
    }

    #[test]
    fn retirements_are_dated_by_the_decommission_date_when_it_is_past() {
        let p = PurchaseRecord {
            decommission_date: NaiveDate::from_ymd_opt(2025, 10, 31),
            ..Default::default()
        };
        let now = 1_800_000_000;
        assert_eq!(occurred_at(Phase::Retired, Some(&p), now), 1_761_868_800);
        assert_eq!(occurred_at(Phase::InService, Some(&p), now), now);
        assert_eq!(occurred_at(Phase::Recycled, None, now), now);
    }
}
