//! GLPI, through its legacy REST API (`apirest.php`).
//!
//! A full sync reads every item type by ascending id, one `range` page per poll; an
//! incremental sync reads newest-first by `date_mod` and stops at the watermark, then
//! fetches the assets whose Infocom alone changed. Dropdowns (statuses, models, entities…)
//! and Infocom rows are read once per sync and kept in memory for its pages; after a
//! restart they are simply read again. A page that refers to a dropdown row the sync has
//! not read (a status created in GLPI while the sync runs) has the dropdowns read again
//! first, once per such row. Then, when printers are read, the rows of their
//! page counter log newer than the last sync's, as readings (`printer_log.rs`).

mod addresses;
mod client;
mod cursor;
mod dropdowns;
mod normalise;
pub mod params;
pub mod printer_log;
pub mod wire;

#[cfg(test)]
mod contract_tests;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex as StdMutex;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::Mutex;

pub use client::GlpiClient;
use cursor::{GlpiCursor, Newest, Position};
use dropdowns::Dropdowns;
pub use params::GlpiParams;

use crate::api::{Connector, Page, PollRequest, SyncMode};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::params::Params;
use crate::reading::Reading;
use crate::record::{AssetRecord, PurchaseRecord};
use printer_log::Unserved;

/// The registry's entry for `kind = "glpi"`.
pub const KIND: Kind = Kind {
    name: "glpi",
    read: |p: &mut Params| GlpiParams::from_params(p).map(|g| Box::new(g) as Box<dyn SourceParams>),
};

/// What one sync has read once and reuses on every page.
struct SyncCache {
    token: String,
    /// Shared with the blocking thread that reads a page into records.
    dropdowns: Arc<Dropdowns>,
    /// Infocom rows keyed by (index of the itemtype in `item_types`, items_id): all of
    /// those of the item types read in a full sync, the changed ones in an incremental
    /// sync. Keyed by index rather than name: at a million assets the names alone took
    /// tens of megabytes, and Infocom rows of other item types are not kept at all.
    purchases: Arc<HashMap<(usize, u64), PurchaseRecord>>,
    /// Incremental only: the assets whose Infocom changed since the watermark (not the
    /// rows at the watermark an earlier sync read as they are), for the Infocom-only pass.
    infocom_changed: HashSet<(String, u64)>,
    /// Incremental only: assets already emitted, so the Infocom-only pass skips them.
    emitted: HashSet<(String, u64)>,
    /// Newest Infocom rows read: part of the next watermark.
    infocom_newest: Newest,
    totals: Vec<u64>,
    /// Whether this GLPI serves the printer log, with the highest log id when it does
    /// (probed once per sync); `None` when printer counters are not read.
    printer_log: Option<Result<Option<u64>, Unserved>>,
    /// The serial of each printer of the fleet read so far (by id), for the log's readings.
    printers: HashMap<u64, Option<String>>,
    /// A full sync read the printers from the first row in this cache.
    printers_from_zero: bool,
    /// Dropdown references still unknown after the dropdowns were read again for them
    /// (dangling ones): they do not make this sync read the dropdowns once more.
    dangling: HashSet<(String, u64)>,
    /// `printers` holds every printer of the fleet.
    printers_complete: bool,
}

/// The GLPI connector.
pub struct GlpiConnector {
    params: Arc<GlpiParams>,
    client: GlpiClient,
    cache: Mutex<Option<SyncCache>>,
    /// What the log said last about the printer log, so it is said once, not every sync.
    told: StdMutex<Option<String>>,
    /// GLPI refused the printers' network ports; said once.
    told_ports_refused: std::sync::atomic::AtomicBool,
}

impl GlpiConnector {
    pub fn new(params: GlpiParams) -> Result<Self, ConnectorError> {
        let client = GlpiClient::new(&params)?;
        Ok(GlpiConnector {
            params: Arc::new(params),
            client,
            cache: Mutex::new(None),
            told: StdMutex::new(None),
            told_ports_refused: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether GLPI serves the printer log to parcd; said in the log when that changes.
    async fn probe_printer_log(&self) -> Result<Result<Option<u64>, Unserved>, ConnectorError> {
        let answer = self
            .client
            .list_served(printer_log::ITEMTYPE, 0, 0, "id", "DESC")
            .await?;
        let state = match answer {
            Ok(page) => Ok(page.rows.first().and_then(|r| wire::uint(r, "id"))),
            Err(refusal) => Err(Unserved::of(refusal)
                .map_err(|r| r.into_error(&format!("{}/", printer_log::ITEMTYPE)))?),
        };
        let said = match &state {
            Ok(_) => "served".to_string(),
            Err(u) => u.explain(),
        };
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        if told.as_deref() != Some(said.as_str()) {
            match &state {
                Err(u) => tracing::warn!(url = %self.params.url, "{}", u.explain()),
                Ok(_) if told.is_some() => tracing::info!(
                    url = %self.params.url,
                    "GLPI now serves PrinterLog: printer page counters are read from it"
                ),
                Ok(_) => {}
            }
            *told = Some(said);
        }
        Ok(state)
    }

    /// Fills the serials of every printer of the fleet, once per sync at most.
    async fn list_printers(&self, cache: &mut SyncCache) -> Result<(), ConnectorError> {
        let mut printers = HashMap::new();
        self.client
            .list_each("Printer", self.params.page_size, |rows| {
                for row in rows {
                    if wire::flag(&row, "is_template") || wire::flag(&row, "is_deleted") {
                        continue;
                    }
                    if let Some(id) = wire::uint(&row, "id") {
                        printers.insert(id, wire::text(&row, "serial"));
                    }
                }
            })
            .await?;
        cache.printers.extend(printers);
        cache.printers_complete = true;
        Ok(())
    }

    /// One page of the printer log, newest first, down to the last sync's highest id.
    async fn printer_log_page(
        &self,
        pos: &mut Position,
        cache: &mut SyncCache,
        readings: &mut Vec<Reading>,
    ) -> Result<(), ConnectorError> {
        // Log ids only grow: with nothing above the last sync's, nothing is asked; with a
        // few rows, the first page asks for about as many (ids may have gaps, and rows
        // added since the probe are read on the next page).
        let top = match &cache.printer_log {
            Some(Ok(top)) => *top,
            _ => None,
        };
        let mut size = self.params.page_size;
        if pos.log_start == 0 {
            match (top, pos.log_since) {
                (None, _) => {
                    pos.logs_done = true;
                    return Ok(());
                }
                (Some(top), Some(since)) if top <= since => {
                    pos.logs_done = true;
                    return Ok(());
                }
                (Some(top), Some(since)) => size = size.min(top - since),
                (Some(_), None) => {}
            }
        }
        let end = pos.log_start + size - 1;
        let answer = self
            .client
            .list_served(printer_log::ITEMTYPE, pos.log_start, end, "id", "DESC")
            .await?;
        let page = match answer {
            Ok(page) => page,
            Err(refusal) => {
                // Refused since the probe (rights changed mid-sync): the log waits for the
                // next sync, the inventory goes on.
                let u = Unserved::of(refusal)
                    .map_err(|r| r.into_error(&format!("{}/", printer_log::ITEMTYPE)))?;
                tracing::warn!(url = %self.params.url, "{}", u.explain());
                pos.logs_done = true;
                return Ok(());
            }
        };
        let n = page.rows.len() as u64;
        let mut reached = false;
        let mut rows = Vec::new();
        for row in &page.rows {
            let Some(id) = wire::uint(row, "id") else {
                continue;
            };
            if pos.log_since.is_some_and(|since| id <= since) {
                reached = true;
                break;
            }
            pos.log_newest = pos.log_newest.max(Some(id));
            if let Some(printer) = printer_log::printer_of(row) {
                rows.push((printer, row));
            }
            // The row just above the last sync's: nothing newer is left below it.
            if pos.log_since.is_some_and(|since| id == since + 1) {
                reached = true;
                break;
            }
        }
        if !cache.printers_complete && rows.iter().any(|(p, _)| !cache.printers.contains_key(p)) {
            self.list_printers(cache).await?;
        }
        let mut unknown = 0;
        for (printer, row) in rows {
            // A printer outside the fleet parcd reads (another entity, in the trash).
            let Some(serial) = cache.printers.get(&printer) else {
                unknown += 1;
                continue;
            };
            readings.extend(printer_log::log_readings(printer, serial.as_deref(), row));
        }
        if unknown > 0 {
            tracing::debug!(
                rows = unknown,
                "printer log rows of printers outside the fleet read: left out"
            );
        }
        pos.log_start += n;
        if reached || n == 0 || pos.log_start >= page.total {
            pos.logs_done = true;
        }
        Ok(())
    }

    /// Reads the dropdowns again when `rows` refer to one this sync has not read: a status,
    /// model or entity created in GLPI after the sync started would otherwise be stored as
    /// unknown, and an incremental sync does not read that asset again until it changes.
    async fn refresh_dropdowns_for(
        &self,
        itemtype: &str,
        rows: &[Value],
        cache: &mut SyncCache,
    ) -> Result<(), ConnectorError> {
        let new_refs = |cache: &SyncCache| -> HashSet<(String, u64)> {
            rows.iter()
                .flat_map(|r| cache.dropdowns.unknown_refs(itemtype, r))
                .filter(|r| !cache.dangling.contains(r))
                .collect()
        };
        if new_refs(cache).is_empty() {
            return Ok(());
        }
        cache.dropdowns = Arc::new(
            Dropdowns::fetch(&self.client, &self.params.item_types, self.params.page_size).await?,
        );
        let dangling = new_refs(cache);
        if !dangling.is_empty() {
            tracing::debug!(
                references = dangling.len(),
                "assets refer to dropdown rows GLPI does not list: their names are left empty"
            );
        }
        cache.dangling.extend(dangling);
        Ok(())
    }

    async fn load_cache(&self, pos: &Position) -> Result<SyncCache, ConnectorError> {
        let dropdowns =
            Dropdowns::fetch(&self.client, &self.params.item_types, self.params.page_size).await?;
        let mut purchases = HashMap::new();
        let mut infocom_changed = HashSet::new();
        let mut infocom_newest = Newest::default();
        let item_types = &self.params.item_types;
        let incremental = pos.mode == SyncMode::Incremental;
        let mut keep = |rows: Vec<Value>| {
            for row in &rows {
                let (Some(itemtype), Some(id)) =
                    (wire::text(row, "itemtype"), wire::fk(row, "items_id"))
                else {
                    continue;
                };
                let date_mod = wire::text(row, "date_mod");
                let at_since = incremental && pos.at_since(date_mod.as_deref());
                let mut read_before = false;
                if at_since || infocom_newest.may_hold(date_mod.as_deref()) {
                    let key = format!("Infocom:{itemtype}/{id}");
                    let digest = wire::digest(row);
                    read_before = at_since && pos.read_before(&key, date_mod.as_deref(), &digest);
                    infocom_newest.see(key, date_mod, digest);
                }
                // Only an incremental sync has an Infocom-only pass: a full one reads every
                // asset anyway, and kept a million keys here for nothing.
                if incremental && !read_before {
                    infocom_changed.insert((itemtype.clone(), id));
                }
                if let Some(t) = item_types.iter().position(|t| *t == itemtype) {
                    purchases.insert((t, id), normalise::purchase(row, &dropdowns));
                }
            }
        };
        match (pos.mode, pos.since.as_deref()) {
            (SyncMode::Incremental, Some(since)) => {
                keep(self.changed_rows("Infocom", since).await?)
            }
            _ => {
                self.client
                    .list_each("Infocom", self.params.page_size, &mut keep)
                    .await?
            }
        }
        let mut totals = Vec::with_capacity(self.params.item_types.len());
        for t in &self.params.item_types {
            totals.push(self.client.list(t, 0, 0, "id", "ASC").await?.total);
        }
        let printer_log = if self.params.printer_counters {
            Some(self.probe_printer_log().await?)
        } else {
            None
        };
        Ok(SyncCache {
            token: pos.token.clone(),
            dropdowns: Arc::new(dropdowns),
            purchases: Arc::new(purchases),
            infocom_changed,
            emitted: HashSet::new(),
            infocom_newest,
            totals,
            printer_log,
            printers: HashMap::new(),
            printers_from_zero: false,
            printers_complete: false,
            dangling: HashSet::new(),
        })
    }

    /// Rows of `itemtype` modified at or after `since`, newest first.
    async fn changed_rows(
        &self,
        itemtype: &str,
        since: &str,
    ) -> Result<Vec<Value>, ConnectorError> {
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let page = self
                .client
                .list(
                    itemtype,
                    start,
                    start + self.params.page_size - 1,
                    "date_mod",
                    "DESC",
                )
                .await?;
            let n = page.rows.len() as u64;
            let mut reached = false;
            for row in page.rows {
                if wire::text(&row, "date_mod").is_some_and(|d| d.as_str() >= since) {
                    out.push(row);
                } else {
                    reached = true;
                    break;
                }
            }
            start += n;
            if reached || n == 0 || start >= page.total {
                return Ok(out);
            }
        }
    }

    fn record(&self, itemtype: &str, row: &Value, cache: &SyncCache) -> Option<AssetRecord> {
        self.warn_if_ports_refused(itemtype, row);
        record_of(
            itemtype,
            row,
            &cache.dropdowns,
            &self.params,
            &cache.purchases,
        )
    }

    /// Reads a page's rows into records (`None` for a row that is no device) on a blocking
    /// thread: at a thousand rows a page this is milliseconds of CPU, which would otherwise
    /// hold up the task that writes the page before.
    async fn records_of(
        &self,
        itemtype: &str,
        rows: Vec<Value>,
        cache: &SyncCache,
    ) -> Result<(Vec<Value>, Vec<Option<AssetRecord>>), ConnectorError> {
        let (dropdowns, purchases) = (cache.dropdowns.clone(), cache.purchases.clone());
        let (params, owned_type) = (self.params.clone(), itemtype.to_string());
        client::off_task(&format!("{itemtype}/"), move || {
            let records = rows
                .iter()
                .map(|row| record_of(&owned_type, row, &dropdowns, &params, &purchases))
                .collect();
            (rows, records)
        })
        .await
    }

    fn warn_if_ports_refused(&self, itemtype: &str, row: &Value) {
        if itemtype == "Printer"
            && addresses::ports(row) == addresses::Ports::Refused
            && !self
                .told_ports_refused
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                url = %self.params.url,
                "GLPI refuses the printers' network ports to parcd's profile: printers are read \
                 without their IP addresses, and an SNMP source polling them finds none (give \
                 the profile the read right on network equipment)"
            );
        }
    }
}

/// A row of `itemtype` as a record, with its purchase; `None` for a template or a row in
/// GLPI's trash.
fn record_of(
    itemtype: &str,
    row: &Value,
    dropdowns: &Dropdowns,
    params: &GlpiParams,
    purchases: &HashMap<(usize, u64), PurchaseRecord>,
) -> Option<AssetRecord> {
    if wire::flag(row, "is_template") || wire::flag(row, "is_deleted") {
        return None;
    }
    normalise::asset(itemtype, row, dropdowns, params, |id| {
        let t = params.item_types.iter().position(|t| t == itemtype)?;
        purchases.get(&(t, id)).cloned()
    })
}

fn new_token() -> String {
    format!("{:016x}", fastish_random())
}

/// Good enough to tell two syncs apart; not for secrets.
fn fastish_random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

#[async_trait]
impl Connector for GlpiConnector {
    fn kind(&self) -> &'static str {
        "glpi"
    }

    async fn check(&self) -> Result<(), ConnectorError> {
        for t in &self.params.item_types {
            self.client.list(t, 0, 0, "id", "ASC").await?;
        }
        Ok(())
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let mut cur = match request.cursor {
            Some(c) => GlpiCursor::decode(c)?,
            None => GlpiCursor::default(),
        };
        // A cursor at rest starts a new sync; one with a position continues it.
        let mut pos = match cur.position.take() {
            Some(p) => p,
            None => Position::start(request.mode, new_token(), &cur),
        };
        let mut guard = self.cache.lock().await;
        if guard.as_ref().is_none_or(|c| c.token != pos.token) {
            let cache = self.load_cache(&pos).await?;
            // Seeing the same rows again (a sync resumed by a new process) changes nothing.
            pos.newest.merge(cache.infocom_newest.clone());
            *guard = Some(cache);
        }
        let cache = guard.as_mut().expect("cache loaded above");
        let total_hint = Some(cache.totals.iter().sum());
        let mut records = Vec::new();
        let mut readings = Vec::new();
        let mut read_a_page = false;
        let now = chrono::Utc::now();
        // On a GLPI without the printer log, each printer's own counter is read with it.
        let printer_counter = matches!(cache.printer_log, Some(Err(_)));

        while pos.type_idx < self.params.item_types.len() {
            let itemtype = self.params.item_types[pos.type_idx].clone();
            let (sort, order) = match pos.mode {
                SyncMode::Full => ("id", "ASC"),
                SyncMode::Incremental => ("date_mod", "DESC"),
            };
            let end = pos.start + self.params.page_size - 1;
            let page = self
                .client
                .list(&itemtype, pos.start, end, sort, order)
                .await?;
            let n = page.rows.len() as u64;
            self.refresh_dropdowns_for(&itemtype, &page.rows, cache)
                .await?;
            let printers = itemtype == "Printer";
            if printers && pos.mode == SyncMode::Full && pos.start == 0 {
                cache.printers_from_zero = true;
            }
            let (rows, mut read) = self.records_of(&itemtype, page.rows, cache).await?;
            let mut reached_watermark = false;
            for (row, record) in rows.iter().zip(read.iter_mut()) {
                let date_mod = wire::text(row, "date_mod");
                if pos.mode == SyncMode::Incremental
                    && let Some(since) = &pos.since
                    && date_mod.as_deref().is_none_or(|d| d < since.as_str())
                {
                    reached_watermark = true;
                    break;
                }
                let Some(id) = wire::uint(row, "id") else {
                    continue;
                };
                let at_since =
                    pos.mode == SyncMode::Incremental && pos.at_since(date_mod.as_deref());
                let mut read_before = false;
                if at_since || pos.newest.may_hold(date_mod.as_deref()) {
                    let key = format!("{itemtype}/{id}");
                    let digest = wire::digest(row);
                    read_before = at_since && pos.read_before(&key, date_mod.as_deref(), &digest);
                    pos.newest.see(key, date_mod, digest);
                }
                if read_before {
                    continue;
                }
                if pos.mode == SyncMode::Incremental {
                    cache.emitted.insert((itemtype.clone(), id));
                }
                if record.is_some() {
                    self.warn_if_ports_refused(&itemtype, row);
                }
                if let Some(r) = record.take() {
                    if printers {
                        cache.printers.insert(id, r.serial.clone());
                        if printer_counter {
                            readings.extend(printer_log::counter_reading(
                                id,
                                r.serial.as_deref(),
                                row,
                                now,
                            ));
                        }
                    }
                    records.push(r);
                }
            }
            // Freed on a blocking thread, as it was parsed: a thousand rows of JSON trees
            // are a few milliseconds of the sync's own thread.
            tokio::task::spawn_blocking(move || drop(rows));
            pos.start += n;
            if reached_watermark || n == 0 || pos.start >= page.total {
                pos.type_idx += 1;
                pos.start = 0;
                if printers && cache.printers_from_zero && pos.mode == SyncMode::Full {
                    cache.printers_complete = true;
                }
            }
            if n > 0 {
                read_a_page = true;
                break;
            }
        }

        // Incremental: assets whose Infocom changed while the asset row did not.
        if pos.type_idx >= self.params.item_types.len()
            && pos.mode == SyncMode::Incremental
            && !pos.infocom_pass_done
        {
            pos.infocom_pass_done = true;
            let pending: Vec<(String, u64)> = cache
                .infocom_changed
                .iter()
                .filter(|k| self.params.item_types.contains(&k.0) && !cache.emitted.contains(*k))
                .cloned()
                .collect();
            let mut pending = pending;
            pending.sort();
            for (itemtype, id) in pending {
                if let Some(row) = self.client.item(&itemtype, id).await?
                    && let Some(r) = self.record(&itemtype, &row, cache)
                {
                    if itemtype == "Printer" && printer_counter {
                        readings.extend(printer_log::counter_reading(
                            id,
                            r.serial.as_deref(),
                            &row,
                            now,
                        ));
                    }
                    records.push(r);
                }
                cache.emitted.insert((itemtype, id));
            }
        }

        let types_done = pos.type_idx >= self.params.item_types.len();
        if types_done && !pos.logs_done {
            if matches!(cache.printer_log, Some(Ok(_))) {
                // One request per poll: the log page waits for a poll that read no asset.
                if !read_a_page {
                    self.printer_log_page(&mut pos, cache, &mut readings)
                        .await?;
                }
            } else {
                pos.logs_done = true;
            }
        }

        let done = types_done && pos.logs_done;
        if done {
            cur.advance(std::mem::take(&mut pos.newest), pos.log_newest);
            *guard = None;
        } else {
            cur.position = Some(pos);
        }
        Ok(Page {
            records,
            readings,
            unchanged: false,
            rejected: 0,
            cursor: cur.encode(),
            done,
            total_hint,
            failure: None,
        })
    }

    async fn close(&self) {
        self.client.logout().await;
    }
}
