//! Records: each one diffed against its stored asset, with its lifecycle events.
//!
//! The same record read twice changes nothing; a new asset gets a `first_seen` event, a
//! phase change a `phase_change` event, a move between entities or locations a `moved`
//! event, and an asset that comes back after vanishing a `reappeared` event. Events are
//! numbered per asset, so replaying a page after a crash cannot write one twice.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use parcd_connectors::reading::join_key;
use parcd_connectors::{AssetRecord, Phase, PurchaseRecord, SyncMode};

use super::{PageOutcome, SyncContext};
use crate::store::{
    AssetRow, Backend, EventRow, PurchaseRow, Statement, StoreError, StoredAsset, Tx, batch_rows,
};

/// Stable 64-bit FNV-1a, fed as a writer so that what is hashed is never held in memory:
/// the hash must not change between Rust releases, since it is stored.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn finish(&self) -> i64 {
        self.0 as i64
    }
}

impl std::io::Write for Fnv1a {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash_json(value: &impl serde::Serialize) -> i64 {
    let mut h = Fnv1a::new();
    serde_json::to_writer(&mut h, value).expect("records serialise");
    h.finish()
}

/// An asset record as it serialises with its purchase and source stamp left out: the
/// same fields in the same order as `AssetRecord`, so its JSON, hence the stored hash, is
/// the one of such a copy of the record, without copying it.
#[derive(serde::Serialize)]
struct HashedAsset<'a> {
    external_id: &'a str,
    item_type: &'a str,
    class: &'a parcd_connectors::AssetClass,
    name: &'a Option<String>,
    serial: &'a Option<String>,
    inventory_number: &'a Option<String>,
    type_name: &'a Option<String>,
    model: &'a Option<String>,
    manufacturer: &'a Option<String>,
    entity: &'a Option<String>,
    location: &'a Option<String>,
    status: &'a Option<String>,
    phase: &'a Phase,
    status_mapped: bool,
    rated_power_w: Option<f64>,
    #[serde(skip_serializing_if = "no_address")]
    addresses: &'a [String],
    modified_at: Option<()>,
    purchase: Option<()>,
}

/// As `AssetRecord` leaves out an empty address list: a device without one keeps the hash
/// stored before addresses were read.
fn no_address(addresses: &&[String]) -> bool {
    addresses.is_empty()
}

/// Hash of what the store keeps of an asset, purchase and source stamp aside: a bumped
/// `date_mod` alone is no change.
pub fn asset_hash(r: &AssetRecord) -> i64 {
    // Destructured so that a field added to the record is not left out of the hash silently.
    let AssetRecord {
        external_id,
        item_type,
        class,
        name,
        serial,
        inventory_number,
        type_name,
        model,
        manufacturer,
        entity,
        location,
        status,
        phase,
        status_mapped,
        rated_power_w,
        addresses,
        modified_at: _,
        purchase: _,
    } = r;
    hash_json(&HashedAsset {
        external_id,
        item_type,
        class,
        name,
        serial,
        inventory_number,
        type_name,
        model,
        manufacturer,
        entity,
        location,
        status,
        phase,
        status_mapped: *status_mapped,
        rated_power_w: *rated_power_w,
        addresses,
        modified_at: None,
        purchase: None,
    })
}

fn purchase_hash(p: &PurchaseRecord) -> i64 {
    hash_json(p)
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    use chrono::Datelike;
    // Written by hand: chrono's `format` parses its pattern at every call, and ingest
    // writes six dates per purchase.
    d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
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

/// The last record of each asset on a page, in first-seen order: a page may name an asset
/// twice (an item edited while the source paged), and the last wins.
fn latest_by_id(records: &[AssetRecord]) -> Vec<&AssetRecord> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    let mut latest: Vec<&AssetRecord> = Vec::with_capacity(records.len());
    for r in records {
        match index.get(r.external_id.as_str()) {
            Some(i) => latest[*i] = r,
            None => {
                index.insert(r.external_id.as_str(), latest.len());
                latest.push(r);
            }
        }
    }
    latest
}

/// The ids a sync that began on an empty source has written so far, as 64-bit hashes (8
/// bytes an asset, a million assets in 16 MiB): no other asset of the source can be stored,
/// so the store is asked only about ids among them. On a first import the store is then
/// asked nothing, where it was asked about every id of every page; an id read twice (an item
/// edited while the source paged), or a hash collision, is looked up as before.
///
/// Only one sync of a source writes at a time (the scheduler's task per source), so nothing
/// else adds assets to the source while it runs.
#[derive(Debug, Clone, Default)]
pub struct FirstImport {
    written: Arc<Mutex<HashSet<u64>>>,
    hasher: std::collections::hash_map::RandomState,
}

impl FirstImport {
    fn key(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// The ids of `ids` this sync may have written already, noting the others as written
    /// (if the page's transaction fails, they are asked about later, which is only slower).
    fn may_be_stored<'a>(&self, ids: &[&'a str]) -> Vec<&'a str> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter()
            .filter(|id| !written.insert(self.key(id)))
            .copied()
            .collect()
    }
}

/// What one record changes: its events, and the rows to write.
struct RecordDiff {
    events: Vec<EventRow>,
    asset: Option<AssetRow>,
    purchase: Option<PurchaseRow>,
    /// Nothing stored yet for the asset, or for its purchase: a plain INSERT writes it.
    asset_new: bool,
    purchase_new: bool,
}

/// Diffs `r` against its stored state.
fn diff(
    cx: &SyncContext,
    r: &AssetRecord,
    prior: Option<&StoredAsset>,
    now: i64,
    out: &mut PageOutcome,
) -> RecordDiff {
    let hash = asset_hash(r);
    let mut seq = prior.map_or(0, |s| s.event_seq);
    let mut events = Vec::new();
    let mut event = |kind: &str, at: i64, from: Option<&str>, detail: Option<String>| {
        seq += 1;
        events.push(EventRow {
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
        });
    };
    match prior {
        None => {
            out.created += 1;
            event("first_seen", now, None, r.status.clone());
        }
        Some(s) if s.record_hash == hash && !s.vanished => out.unchanged += 1,
        Some(s) => {
            out.changed += 1;
            if s.vanished {
                event("reappeared", now, Some(&s.phase), None);
            }
            if s.phase != r.phase.as_str() {
                let at = occurred_at(r.phase, r.purchase.as_ref(), now);
                event("phase_change", at, Some(&s.phase), r.status.clone());
            }
            if let Some(detail) = moved_detail(s, r) {
                event("moved", now, Some(&s.phase), Some(detail));
            }
        }
    }
    let asset_changed = prior.is_none_or(|s| s.record_hash != hash || s.vanished);
    let asset = asset_changed.then(|| AssetRow {
        source: cx.source.clone(),
        external_id: r.external_id.clone(),
        item_type: r.item_type.clone(),
        class: r.class.as_str().to_string(),
        name: r.name.clone(),
        serial: r.serial.clone(),
        serial_key: r.serial.as_deref().and_then(join_key),
        inventory_number: r.inventory_number.clone(),
        type_name: r.type_name.clone(),
        model: r.model.clone(),
        manufacturer: r.manufacturer.clone(),
        entity: r.entity.clone(),
        location: r.location.clone(),
        status: r.status.clone(),
        phase: r.phase.as_str().to_string(),
        status_mapped: r.status_mapped,
        rated_power_mw: r.rated_power_w.map(|w| (w * 1000.0).round() as i64),
        addresses: (!r.addresses.is_empty()).then(|| r.addresses.join(" ")),
        source_modified_at: r.modified_at.clone(),
        record_hash: hash,
        event_seq: seq,
        first_seen_at: now,
        updated_at: now,
        vanished_at: None,
        seen_sync_id: (cx.mode == SyncMode::Full).then(|| cx.sync_id.clone()),
    });
    let purchase = r
        .purchase
        .as_ref()
        .map(|p| (p, purchase_hash(p)))
        .filter(|(_, ph)| prior.and_then(|s| s.purchase_hash) != Some(*ph))
        .map(|(p, ph)| purchase_row(cx, r, p, ph, now));
    RecordDiff {
        events,
        asset,
        purchase,
        asset_new: prior.is_none(),
        purchase_new: prior.and_then(|s| s.purchase_hash).is_none(),
    }
}

fn purchase_row(
    cx: &SyncContext,
    r: &AssetRecord,
    p: &PurchaseRecord,
    hash: i64,
    now: i64,
) -> PurchaseRow {
    if let Some(text) = &p.amount_unreadable {
        tracing::warn!(
            source = %cx.source,
            item = %r.external_id,
            value = %text,
            "purchase amount is not a number parcd can read (write it as 1234.50 or 1 234,50); \
             the purchase is listed as unreadable_amount and left out of the AGEC shares"
        );
    }
    PurchaseRow {
        source: cx.source.clone(),
        external_id: r.external_id.clone(),
        order_date: day(p.order_date),
        buy_date: day(p.buy_date),
        delivery_date: day(p.delivery_date),
        use_date: day(p.use_date),
        warranty_end: day(p.warranty_end),
        decommission_date: day(p.decommission_date),
        amount_cents: p.amount_cents,
        supplier: p.supplier.clone(),
        order_number: p.order_number.clone(),
        comment: p.comment.clone(),
        amount_unreadable: p.amount_unreadable.clone(),
        record_hash: hash,
        updated_at: now,
    }
}

/// Rows waiting to be written, a statement's worth per table at a time. Rows with nothing
/// stored under their key are plain INSERTs: an upsert checks for a conflict row by row, and
/// PostgreSQL writes each of its rows as a speculative insertion, confirmed by a second WAL
/// record. Either way, a row stored meanwhile under the same key fails the page, as its
/// `first_seen` event would.
struct Batches {
    backend: Backend,
    assets: Vec<AssetRow>,
    new_assets: Vec<AssetRow>,
    purchases: Vec<PurchaseRow>,
    new_purchases: Vec<PurchaseRow>,
    events: Vec<EventRow>,
}

impl Batches {
    fn new(backend: Backend) -> Self {
        Batches {
            backend,
            assets: Vec::new(),
            new_assets: Vec::new(),
            purchases: Vec::new(),
            new_purchases: Vec::new(),
            events: Vec::new(),
        }
    }

    fn add(&mut self, d: RecordDiff) {
        self.events.extend(d.events);
        match d.asset_new {
            true => self.new_assets.extend(d.asset),
            false => self.assets.extend(d.asset),
        }
        match d.purchase_new {
            true => self.new_purchases.extend(d.purchase),
            false => self.purchases.extend(d.purchase),
        }
    }

    /// A full statement of one table, once it has the rows for one.
    fn full(&mut self) -> Option<Statement> {
        let b = self.backend;
        if let Some(rows) = take_full(&mut self.new_assets, b, AssetRow::COLUMNS) {
            return Some(AssetRow::insert(b, rows));
        }
        if let Some(rows) = take_full(&mut self.assets, b, AssetRow::COLUMNS) {
            return Some(AssetRow::upsert(b, rows));
        }
        if let Some(rows) = take_full(&mut self.new_purchases, b, PurchaseRow::COLUMNS) {
            return Some(PurchaseRow::insert(b, rows));
        }
        if let Some(rows) = take_full(&mut self.purchases, b, PurchaseRow::COLUMNS) {
            return Some(PurchaseRow::upsert(b, rows));
        }
        take_full(&mut self.events, b, EventRow::COLUMNS).map(|rows| EventRow::insert(b, rows))
    }

    /// The rows left, once the page is read: a statement per table.
    fn rest(&mut self) -> Option<Statement> {
        let b = self.backend;
        if !self.new_assets.is_empty() {
            return Some(AssetRow::insert(b, std::mem::take(&mut self.new_assets)));
        }
        if !self.assets.is_empty() {
            return Some(AssetRow::upsert(b, std::mem::take(&mut self.assets)));
        }
        if !self.new_purchases.is_empty() {
            return Some(PurchaseRow::insert(
                b,
                std::mem::take(&mut self.new_purchases),
            ));
        }
        if !self.purchases.is_empty() {
            return Some(PurchaseRow::upsert(b, std::mem::take(&mut self.purchases)));
        }
        (!self.events.is_empty()).then(|| EventRow::insert(b, std::mem::take(&mut self.events)))
    }
}

/// A statement's worth of `rows`, when there are that many.
fn take_full<T>(rows: &mut Vec<T>, backend: Backend, columns: usize) -> Option<Vec<T>> {
    let per = batch_rows(backend, columns);
    (rows.len() >= per).then(|| rows.drain(..per).collect())
}

/// Diffs and writes the records of one page. Records are diffed as the statements that
/// write them are built, while the database runs the statement before.
pub(super) async fn apply(
    tx: &mut Tx,
    cx: &SyncContext,
    records: &[AssetRecord],
    now: i64,
    out: &mut PageOutcome,
) -> Result<(), StoreError> {
    out.records = records.len() as u64;
    if records.is_empty() {
        return Ok(());
    }
    let latest = latest_by_id(records);
    let ids: Vec<&str> = latest.iter().map(|r| r.external_id.as_str()).collect();
    let stored = match &cx.first_import {
        Some(first) => {
            let ask = first.may_be_stored(&ids);
            if ask.is_empty() {
                HashMap::new()
            } else {
                tx.stored_assets(&cx.source, &ask).await?
            }
        }
        None => tx.stored_assets(&cx.source, &ids).await?,
    };
    let mut unchanged_ids = Vec::new();
    let mut batches = Batches::new(tx.backend());
    let mut latest = latest.into_iter();
    let statements = std::iter::from_fn(|| {
        loop {
            if let Some(statement) = batches.full() {
                return Some(statement);
            }
            let Some(r) = latest.next() else {
                return batches.rest();
            };
            let d = diff(cx, r, stored.get(&r.external_id), now, out);
            if d.asset.is_none() {
                unchanged_ids.push(r.external_id.as_str());
            }
            if d.asset.is_some() || d.purchase.is_some() {
                out.changed_ids.push(r.external_id.clone());
            }
            out.events += d.events.len() as u64;
            batches.add(d);
        }
    });
    tx.run_pipelined(statements).await?;
    if cx.mode == SyncMode::Full {
        tx.mark_seen(&cx.source, &cx.sync_id, &unchanged_ids)
            .await?;
    }
    Ok(())
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
            addresses: Vec::new(),
            modified_at: Some("2024-01-01 00:00:00".into()),
            purchase: None,
        };
        let mut bumped = r.clone();
        bumped.modified_at = Some("2025-01-01 00:00:00".into());
        assert_eq!(asset_hash(&r), asset_hash(&bumped));
        let mut moved = r.clone();
        moved.phase = Phase::Retired;
        assert_ne!(asset_hash(&r), asset_hash(&moved));
        // A new address is a change to store, as a printer polled there depends on it.
        let mut readdressed = r.clone();
        readdressed.addresses = vec!["10.1.2.3".into()];
        assert_ne!(asset_hash(&r), asset_hash(&readdressed));
    }

    /// The hash is stored: computed without copying the record, it must stay the FNV-1a of
    /// the JSON of the record with its purchase and stamp taken out, as parcd first stored it.
    #[test]
    fn the_hash_is_the_one_stored_by_earlier_releases() {
        let r = AssetRecord {
            external_id: "Computer/7".into(),
            item_type: "Computer".into(),
            class: parcd_connectors::AssetClass::Desktop,
            name: Some("PC-\"7\"".into()),
            serial: Some("SN 7".into()),
            inventory_number: None,
            type_name: Some("Tour".into()),
            model: Some("OptiPlex".into()),
            manufacturer: Some("Dell".into()),
            entity: Some("Mairie > DSI".into()),
            location: None,
            status: Some("En service".into()),
            phase: Phase::InService,
            status_mapped: true,
            rated_power_w: Some(65.5),
            addresses: vec!["10.1.2.7".into(), "fe80::7".into()],
            modified_at: Some("2024-01-01 00:00:00".into()),
            purchase: Some(PurchaseRecord {
                amount_cents: Some(80_000),
                ..Default::default()
            }),
        };
        let mut copy = r.clone();
        copy.purchase = None;
        copy.modified_at = None;
        let bytes = serde_json::to_vec(&copy).unwrap();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in &bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(asset_hash(&r), h as i64);
        let p = r.purchase.as_ref().unwrap();
        assert_eq!(
            day(NaiveDate::from_ymd_opt(987, 3, 4)).as_deref(),
            Some("0987-03-04")
        );
        assert_ne!(purchase_hash(p), purchase_hash(&PurchaseRecord::default()));
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
