//! GLPI, through its legacy REST API (`apirest.php`).
//!
//! A full sync reads every item type by ascending id, one `range` page per poll; an
//! incremental sync reads newest-first by `date_mod` and stops at the watermark, then
//! fetches the assets whose Infocom alone changed. Dropdowns (statuses, models, entities…)
//! and Infocom rows are read once per sync and kept in memory for its pages; after a
//! restart they are simply read again.

mod client;
mod cursor;
mod dropdowns;
mod normalise;
pub mod params;
pub mod wire;

#[cfg(test)]
mod contract_tests;

use std::collections::{HashMap, HashSet};

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
use crate::record::{AssetRecord, PurchaseRecord};

/// The registry's entry for `kind = "glpi"`.
pub const KIND: Kind = Kind {
    name: "glpi",
    read: |p: &mut Params| GlpiParams::from_params(p).map(|g| Box::new(g) as Box<dyn SourceParams>),
};

/// What one sync has read once and reuses on every page.
struct SyncCache {
    token: String,
    dropdowns: Dropdowns,
    /// Infocom rows keyed by (itemtype, items_id): all of them in a full sync, the changed
    /// ones in an incremental sync.
    purchases: HashMap<(String, u64), PurchaseRecord>,
    /// Incremental only: the assets whose Infocom changed since the watermark (not the
    /// rows at the watermark an earlier sync read as they are), for the Infocom-only pass.
    infocom_changed: HashSet<(String, u64)>,
    /// Incremental only: assets already emitted, so the Infocom-only pass skips them.
    emitted: HashSet<(String, u64)>,
    /// Newest Infocom rows read: part of the next watermark.
    infocom_newest: Newest,
    totals: Vec<u64>,
}

/// The GLPI connector.
pub struct GlpiConnector {
    params: GlpiParams,
    client: GlpiClient,
    cache: Mutex<Option<SyncCache>>,
}

impl GlpiConnector {
    pub fn new(params: GlpiParams) -> Result<Self, ConnectorError> {
        let client = GlpiClient::new(&params)?;
        Ok(GlpiConnector {
            params,
            client,
            cache: Mutex::new(None),
        })
    }

    async fn load_cache(&self, pos: &Position) -> Result<SyncCache, ConnectorError> {
        let dropdowns =
            Dropdowns::fetch(&self.client, &self.params.item_types, self.params.page_size).await?;
        let mut purchases = HashMap::new();
        let mut infocom_changed = HashSet::new();
        let mut infocom_newest = Newest::default();
        let mut keep = |rows: Vec<Value>| {
            for row in &rows {
                let (Some(itemtype), Some(id)) =
                    (wire::text(row, "itemtype"), wire::fk(row, "items_id"))
                else {
                    continue;
                };
                let key = format!("Infocom:{itemtype}/{id}");
                let date_mod = wire::text(row, "date_mod");
                let digest = wire::digest(row);
                if !pos.read_before(&key, date_mod.as_deref(), &digest) {
                    infocom_changed.insert((itemtype.clone(), id));
                }
                infocom_newest.see(key, date_mod, digest);
                purchases.insert((itemtype, id), normalise::purchase(row, &dropdowns));
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
        Ok(SyncCache {
            token: pos.token.clone(),
            dropdowns,
            purchases,
            infocom_changed,
            emitted: HashSet::new(),
            infocom_newest,
            totals,
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
        if wire::flag(row, "is_template") || wire::flag(row, "is_deleted") {
            return None;
        }
        normalise::asset(itemtype, row, &cache.dropdowns, &self.params, |id| {
            cache.purchases.get(&(itemtype.to_string(), id)).cloned()
        })
    }
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
            let mut reached_watermark = false;
            for row in &page.rows {
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
                let key = format!("{itemtype}/{id}");
                let digest = wire::digest(row);
                let read_before = pos.mode == SyncMode::Incremental
                    && pos.read_before(&key, date_mod.as_deref(), &digest);
                pos.newest.see(key, date_mod, digest);
                if read_before {
                    continue;
                }
                if pos.mode == SyncMode::Incremental {
                    cache.emitted.insert((itemtype.clone(), id));
                }
                if let Some(r) = self.record(&itemtype, row, cache) {
                    records.push(r);
                }
            }
            pos.start += n;
            if reached_watermark || n == 0 || pos.start >= page.total {
                pos.type_idx += 1;
                pos.start = 0;
            }
            if n > 0 {
                break;
            }
        }

        // Incremental: assets whose Infocom changed while the asset row did not.
        if pos.type_idx >= self.params.item_types.len() && pos.mode == SyncMode::Incremental {
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
                    records.push(r);
                }
                cache.emitted.insert((itemtype, id));
            }
        }

        let done = pos.type_idx >= self.params.item_types.len();
        if done {
            cur.advance(std::mem::take(&mut pos.newest));
            *guard = None;
        } else {
            cur.position = Some(pos);
        }
        Ok(Page {
            records,
            readings: Vec::new(),
            unchanged: false,
            rejected: 0,
            cursor: cur.encode(),
            done,
            total_hint,
        })
    }

    async fn close(&self) {
        self.client.logout().await;
    }
}
