//! Assets, their lifecycle events and purchases.

use std::collections::HashMap;

use sqlx::Row;

use super::sql::{Statement, Val, bind_all, insert_statement, list, ph, rows_per_statement};
use super::{Backend, Store, StoreError, Tx, bulk};

/// What ingest needs to know of a stored asset to diff a new record against it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAsset {
    pub record_hash: i64,
    pub phase: String,
    pub entity: Option<String>,
    pub location: Option<String>,
    pub event_seq: i64,
    pub vanished: bool,
    pub purchase_hash: Option<i64>,
}

/// One lifecycle event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub source: String,
    pub external_id: String,
    pub seq: i64,
    pub occurred_at: i64,
    pub observed_at: i64,
    pub kind: String,
    pub from_phase: Option<String>,
    pub to_phase: Option<String>,
    pub class: String,
    pub entity: Option<String>,
    pub detail: Option<String>,
    pub poll_run: Option<String>,
}

/// Live assets (not vanished) of one class, phase and entity.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetCount {
    pub class: String,
    pub phase: String,
    pub entity: Option<String>,
    pub count: i64,
}

/// One row of `assets`, as ingest writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    pub source: String,
    pub external_id: String,
    pub item_type: String,
    pub class: String,
    pub name: Option<String>,
    pub serial: Option<String>,
    pub serial_key: Option<String>,
    pub inventory_number: Option<String>,
    pub type_name: Option<String>,
    pub model: Option<String>,
    pub manufacturer: Option<String>,
    pub entity: Option<String>,
    pub location: Option<String>,
    pub status: Option<String>,
    pub phase: String,
    pub status_mapped: bool,
    pub rated_power_mw: Option<i64>,
    /// IP addresses separated by a space, `None` when the source has none.
    pub addresses: Option<String>,
    pub source_modified_at: Option<String>,
    pub record_hash: i64,
    pub event_seq: i64,
    pub first_seen_at: i64,
    pub updated_at: i64,
    pub vanished_at: Option<i64>,
    /// The full sync that saw it; `None` from an incremental sync, which keeps the mark.
    pub seen_sync_id: Option<String>,
}

impl AssetRow {
    /// Each column with its value: names and values cannot drift apart.
    fn columns(self) -> [(&'static str, Val); 25] {
        [
            ("source", self.source.into()),
            ("external_id", self.external_id.into()),
            ("item_type", self.item_type.into()),
            ("class", self.class.into()),
            ("name", self.name.into()),
            ("serial", self.serial.into()),
            ("serial_key", self.serial_key.into()),
            ("inventory_number", self.inventory_number.into()),
            ("type_name", self.type_name.into()),
            ("model", self.model.into()),
            ("manufacturer", self.manufacturer.into()),
            ("entity", self.entity.into()),
            ("location", self.location.into()),
            ("status", self.status.into()),
            ("phase", self.phase.into()),
            ("status_mapped", i64::from(self.status_mapped).into()),
            ("rated_power_mw", self.rated_power_mw.into()),
            ("addresses", self.addresses.into()),
            ("source_modified_at", self.source_modified_at.into()),
            ("record_hash", self.record_hash.into()),
            ("event_seq", self.event_seq.into()),
            ("first_seen_at", self.first_seen_at.into()),
            ("updated_at", self.updated_at.into()),
            ("vanished_at", self.vanished_at.into()),
            ("seen_sync_id", self.seen_sync_id.into()),
        ]
    }
}

/// One row of `purchases`, as ingest writes it. Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseRow {
    pub source: String,
    pub external_id: String,
    pub order_date: Option<String>,
    pub buy_date: Option<String>,
    pub delivery_date: Option<String>,
    pub use_date: Option<String>,
    pub warranty_end: Option<String>,
    pub decommission_date: Option<String>,
    pub amount_cents: Option<i64>,
    pub supplier: Option<String>,
    pub order_number: Option<String>,
    pub comment: Option<String>,
    pub amount_unreadable: Option<String>,
    pub record_hash: i64,
    pub updated_at: i64,
}

impl PurchaseRow {
    fn columns(self) -> [(&'static str, Val); 15] {
        [
            ("source", self.source.into()),
            ("external_id", self.external_id.into()),
            ("order_date", self.order_date.into()),
            ("buy_date", self.buy_date.into()),
            ("delivery_date", self.delivery_date.into()),
            ("use_date", self.use_date.into()),
            ("warranty_end", self.warranty_end.into()),
            ("decommission_date", self.decommission_date.into()),
            ("amount_cents", self.amount_cents.into()),
            ("supplier", self.supplier.into()),
            ("order_number", self.order_number.into()),
            ("comment", self.comment.into()),
            ("amount_unreadable", self.amount_unreadable.into()),
            ("record_hash", self.record_hash.into()),
            ("updated_at", self.updated_at.into()),
        ]
    }
}

/// Splits typed rows into the column names (taken from the first row) and their values.
pub(super) fn split_columns<const N: usize>(
    rows: impl IntoIterator<Item = [(&'static str, Val); N]>,
) -> ([&'static str; N], Vec<Vec<Val>>) {
    let mut names = [""; N];
    let values = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(i, (name, v))| {
                    names[i] = name;
                    v
                })
                .collect()
        })
        .collect();
    (names, values)
}

pub const EVENT_COLUMNS: [&str; 12] = [
    "source",
    "external_id",
    "seq",
    "occurred_at",
    "observed_at",
    "kind",
    "from_phase",
    "to_phase",
    "class",
    "entity",
    "detail",
    "poll_run",
];

/// SQLite allows 32,766 parameters, PostgreSQL 65,535: IN lists stay well under both.
const IN_CHUNK: usize = 900;

/// A live asset a full sync did not see.
#[derive(Debug, Clone)]
pub struct UnseenAsset {
    pub external_id: String,
    pub item_type: String,
    pub phase: String,
    pub class: String,
    pub entity: Option<String>,
    pub event_seq: i64,
}

/// The multi-row statements ingest writes a page with, built apart from the transaction so
/// that the next one is built while the database runs the last (`Tx::run_pipelined`).
impl AssetRow {
    pub const COLUMNS: usize = 25;

    /// Inserts or replaces whole asset rows.
    pub fn upsert(backend: Backend, rows: Vec<AssetRow>) -> Statement {
        let (columns, values) = split_columns(rows.into_iter().map(AssetRow::columns));
        let updates: Vec<String> = columns
            .iter()
            .filter(|c| !matches!(**c, "source" | "external_id" | "first_seen_at"))
            .map(|c| match *c {
                // An incremental sync does not see every asset: it leaves the full sync's mark.
                "seen_sync_id" => {
                    "seen_sync_id = COALESCE(excluded.seen_sync_id, assets.seen_sync_id)"
                        .to_string()
                }
                c => format!("{c} = excluded.{c}"),
            })
            .collect();
        let suffix = format!(
            "ON CONFLICT (source, external_id) DO UPDATE SET {}",
            updates.join(", ")
        );
        write_rows(backend, "assets", &columns, values, &suffix)
    }
}

/// How many rows of `columns` columns ingest puts in one statement: under the bind-parameter
/// limit on SQLite, a batch of the bulk path's arrays on PostgreSQL.
pub fn batch_rows(backend: Backend, columns: usize) -> usize {
    match backend {
        Backend::Sqlite => rows_per_statement(backend, columns),
        Backend::Postgres => bulk::ROWS_PER_STATEMENT,
    }
}

/// The statement that writes `rows`: multi-row `VALUES` on SQLite, one array per column on
/// PostgreSQL (see `bulk.rs`).
fn write_rows(
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    suffix: &str,
) -> Statement {
    match backend {
        Backend::Sqlite => insert_statement(backend, table, columns, rows, suffix),
        Backend::Postgres => bulk::insert_unnest(table, columns, rows, suffix),
    }
}

impl AssetRow {
    /// Inserts asset rows with nothing stored under their key.
    pub fn insert(backend: Backend, rows: Vec<AssetRow>) -> Statement {
        let (columns, values) = split_columns(rows.into_iter().map(AssetRow::columns));
        write_rows(backend, "assets", &columns, values, "")
    }
}

impl PurchaseRow {
    pub const COLUMNS: usize = 15;

    /// Inserts purchase rows with nothing stored under their key.
    pub fn insert(backend: Backend, rows: Vec<PurchaseRow>) -> Statement {
        let (columns, values) = split_columns(rows.into_iter().map(PurchaseRow::columns));
        write_rows(backend, "purchases", &columns, values, "")
    }

    /// Inserts or replaces purchase rows.
    pub fn upsert(backend: Backend, rows: Vec<PurchaseRow>) -> Statement {
        let (columns, values) = split_columns(rows.into_iter().map(PurchaseRow::columns));
        let updates: Vec<String> = columns
            .iter()
            .filter(|c| !matches!(**c, "source" | "external_id"))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let suffix = format!(
            "ON CONFLICT (source, external_id) DO UPDATE SET {}",
            updates.join(", ")
        );
        write_rows(backend, "purchases", &columns, values, &suffix)
    }
}

impl EventRow {
    pub const COLUMNS: usize = EVENT_COLUMNS.len();

    /// Appends events. A replayed event (same source, asset and seq) is refused by the
    /// primary key, never written twice.
    pub fn insert(backend: Backend, events: Vec<EventRow>) -> Statement {
        let rows = events.into_iter().map(EventRow::values).collect();
        write_rows(backend, "lifecycle_events", &EVENT_COLUMNS, rows, "")
    }

    fn values(self) -> Vec<Val> {
        vec![
            self.source.into(),
            self.external_id.into(),
            self.seq.into(),
            self.occurred_at.into(),
            self.observed_at.into(),
            self.kind.into(),
            self.from_phase.into(),
            self.to_phase.into(),
            self.class.into(),
            self.entity.into(),
            self.detail.into(),
            self.poll_run.into(),
        ]
    }
}

impl Tx {
    /// The stored state of the given assets of `source`.
    pub async fn stored_assets(
        &mut self,
        source: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, StoredAsset>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        let backend = self.backend();
        let chunk_len = match backend {
            Backend::Sqlite => IN_CHUNK,
            // One array parameter, whatever the number of ids.
            Backend::Postgres => ids.len().max(1),
        };
        for chunk in ids.chunks(chunk_len) {
            let (wanted, mut vals): (String, Vec<Val>) = match backend {
                Backend::Sqlite => (
                    format!("IN ({})", list(backend, chunk.len(), 2)),
                    chunk.iter().map(|id| Val::from(*id)).collect(),
                ),
                Backend::Postgres => (
                    "= ANY($2::text[])".to_string(),
                    vec![bulk::text_array(chunk.iter().map(|id| Some(*id))).into()],
                ),
            };
            let sql = format!(
                "SELECT a.external_id, a.record_hash, a.phase, a.entity, a.location, a.event_seq, \
                 a.vanished_at, p.record_hash AS purchase_hash \
                 FROM assets a LEFT JOIN purchases p \
                   ON p.source = a.source AND p.external_id = a.external_id \
                 WHERE a.source = {} AND a.external_id {wanted}",
                ph(backend, 1),
            );
            vals.insert(0, source.into());
            // Unnamed, so PostgreSQL plans it for these values: a cached generic plan of a
            // long `IN (…)` list may scan the whole table, and a 100,000-asset sync went
            // quadratic (145 s).
            let rows = bind_all(sqlx::query(&sql), vals)
                .persistent(false)
                .fetch_all(self.conn())
                .await?;
            for r in rows {
                let vanished_at: Option<i64> = r.try_get("vanished_at")?;
                out.insert(
                    r.try_get("external_id")?,
                    StoredAsset {
                        record_hash: r.try_get("record_hash")?,
                        phase: r.try_get("phase")?,
                        entity: r.try_get("entity")?,
                        location: r.try_get("location")?,
                        event_seq: r.try_get("event_seq")?,
                        vanished: vanished_at.is_some(),
                        purchase_hash: r.try_get("purchase_hash")?,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Appends events (see [`EventRow::insert`]).
    pub async fn insert_events(&mut self, events: Vec<EventRow>) -> Result<(), StoreError> {
        let backend = self.backend();
        let per = batch_rows(backend, EventRow::COLUMNS);
        let mut events = events.into_iter().peekable();
        let statements = std::iter::from_fn(|| {
            events.peek()?;
            Some(EventRow::insert(
                backend,
                events.by_ref().take(per).collect(),
            ))
        });
        self.run_pipelined(statements).await.map(drop)
    }

    /// Marks unchanged assets as seen by full sync `sync_id`.
    pub async fn mark_seen(
        &mut self,
        source: &str,
        sync_id: &str,
        ids: &[&str],
    ) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            if !ids.is_empty() {
                let ids = bulk::text_array(ids.iter().map(|id| Some(*id)));
                self.exec_unprepared(
                    "UPDATE assets SET seen_sync_id = $1 \
                     WHERE source = $2 AND external_id = ANY($3::text[])"
                        .to_string(),
                    vec![sync_id.into(), source.into(), ids.into()],
                )
                .await?;
            }
            return Ok(());
        }
        for chunk in ids.chunks(IN_CHUNK) {
            let sql = format!(
                "UPDATE assets SET seen_sync_id = {} WHERE source = {} AND external_id IN ({})",
                ph(self.backend(), 1),
                ph(self.backend(), 2),
                list(self.backend(), chunk.len(), 3)
            );
            let mut vals: Vec<Val> = vec![sync_id.into(), source.into()];
            vals.extend(chunk.iter().map(|id| Val::from(*id)));
            self.exec_unprepared(sql, vals).await?;
        }
        Ok(())
    }

    /// Live assets of `source` that full sync `sync_id` did not see: (external_id, phase,
    /// class, entity, event_seq).
    pub async fn unseen_assets(
        &mut self,
        source: &str,
        sync_id: &str,
    ) -> Result<Vec<UnseenAsset>, StoreError> {
        let rows = sqlx::query(
            "SELECT external_id, item_type, phase, class, entity, event_seq FROM assets \
             WHERE source = $1 AND vanished_at IS NULL \
               AND (seen_sync_id IS NULL OR seen_sync_id <> $2)",
        )
        .bind(source.to_string())
        .bind(sync_id.to_string())
        .fetch_all(self.conn())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(UnseenAsset {
                    external_id: r.try_get("external_id")?,
                    item_type: r.try_get("item_type")?,
                    phase: r.try_get("phase")?,
                    class: r.try_get("class")?,
                    entity: r.try_get("entity")?,
                    event_seq: r.try_get("event_seq")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// How many assets of `source` full sync `sync_id` has seen so far.
    pub async fn seen_count(&mut self, source: &str, sync_id: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM assets WHERE source = $1 AND seen_sync_id = $2",
        )
        .bind(source.to_string())
        .bind(sync_id.to_string())
        .fetch_one(self.conn())
        .await?)
    }

    /// Sets `vanished_at` and the new event count of vanished assets.
    pub async fn set_vanished(
        &mut self,
        source: &str,
        at: i64,
        assets: &[(String, i64)],
    ) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            if !assets.is_empty() {
                let ids = bulk::text_array(assets.iter().map(|(id, _)| Some(id.as_str())));
                let seqs = bulk::int_array(assets.iter().map(|(_, seq)| Some(*seq)));
                self.exec(
                    "UPDATE assets SET vanished_at = $1, event_seq = v.seq, updated_at = $1 \
                     FROM UNNEST($3::text[], $4::bigint[]) AS v (external_id, seq) \
                     WHERE assets.source = $2 AND assets.external_id = v.external_id"
                        .to_string(),
                    vec![at.into(), source.into(), ids.into(), seqs.into()],
                )
                .await?;
            }
            return Ok(());
        }
        for (id, seq) in assets {
            self.exec(
                "UPDATE assets SET vanished_at = $1, event_seq = $2, updated_at = $1 \
                 WHERE source = $3 AND external_id = $4"
                    .to_string(),
                vec![at.into(), (*seq).into(), source.into(), id.as_str().into()],
            )
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Live assets of the given sources by class, phase and entity. A source removed from
    /// the configuration keeps its history but leaves the counts.
    pub async fn asset_counts(&self, sources: &[&str]) -> Result<Vec<AssetCount>, StoreError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT class, phase, entity, COUNT(*) AS n FROM assets \
             WHERE vanished_at IS NULL AND source IN ({}) GROUP BY class, phase, entity",
            list(self.backend, sources.len(), 1)
        );
        let vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
        let rows = bind_all(sqlx::query(&sql), vals)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AssetCount {
                    class: r.try_get("class")?,
                    phase: r.try_get("phase")?,
                    entity: r.try_get("entity")?,
                    count: r.try_get("n")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Whether any asset of `source` is stored, live or vanished.
    pub async fn has_assets(&self, source: &str) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM assets WHERE source = $1 LIMIT 1")
                .bind(source.to_string())
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    /// Live assets of `source` whose status matched no mapping.
    pub async fn unmapped_status_count(&self, source: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM assets WHERE source = $1 AND vanished_at IS NULL AND status_mapped = 0",
        )
        .bind(source.to_string())
        .fetch_one(self.pool())
        .await?)
    }

    /// Number of assets of `source`, `(live, vanished)`.
    pub async fn asset_totals(&self, source: &str) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS total, COUNT(vanished_at) AS gone FROM assets WHERE source = $1",
        )
        .bind(source.to_string())
        .fetch_one(self.pool())
        .await?;
        let total: i64 = r.try_get("total")?;
        let gone: i64 = r.try_get("gone")?;
        Ok((total - gone, gone))
    }

    /// The history of one asset, oldest first.
    pub async fn events_of(
        &self,
        source: &str,
        external_id: &str,
    ) -> Result<Vec<EventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, external_id, seq, occurred_at, observed_at, kind, from_phase, to_phase, \
             class, entity, detail, poll_run FROM lifecycle_events \
             WHERE source = $1 AND external_id = $2 ORDER BY seq",
        )
        .bind(source.to_string())
        .bind(external_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// Number of events of `source` by kind.
    /// When the earliest lifecycle event stored happened: where the history starts.
    pub async fn first_event_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT MIN(occurred_at) FROM lifecycle_events")
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn event_counts(&self, source: &str) -> Result<HashMap<String, i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM lifecycle_events WHERE source = $1 GROUP BY kind",
        )
        .bind(source.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(r.try_get("kind")?, r.try_get("n")?);
        }
        Ok(out)
    }

    /// The stored phase and vanished flag of one asset.
    pub async fn asset_phase(
        &self,
        source: &str,
        external_id: &str,
    ) -> Result<Option<(String, bool)>, StoreError> {
        let row = sqlx::query(
            "SELECT phase, vanished_at FROM assets WHERE source = $1 AND external_id = $2",
        )
        .bind(source.to_string())
        .bind(external_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let v: Option<i64> = r.try_get("vanished_at")?;
                Ok(Some((r.try_get("phase")?, v.is_some())))
            }
        }
    }

    /// The stored purchase amount (cents) and buy date of one asset.
    pub async fn purchase_of(
        &self,
        source: &str,
        external_id: &str,
    ) -> Result<Option<(Option<i64>, Option<String>)>, StoreError> {
        let row = sqlx::query(
            "SELECT amount_cents, buy_date FROM purchases WHERE source = $1 AND external_id = $2",
        )
        .bind(source.to_string())
        .bind(external_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((r.try_get("amount_cents")?, r.try_get("buy_date")?))),
        }
    }
}

fn event_from_row(r: sqlx::any::AnyRow) -> Result<EventRow, StoreError> {
    Ok(EventRow {
        source: r.try_get("source")?,
        external_id: r.try_get("external_id")?,
        seq: r.try_get("seq")?,
        occurred_at: r.try_get("occurred_at")?,
        observed_at: r.try_get("observed_at")?,
        kind: r.try_get("kind")?,
        from_phase: r.try_get("from_phase")?,
        to_phase: r.try_get("to_phase")?,
        class: r.try_get("class")?,
        entity: r.try_get("entity")?,
        detail: r.try_get("detail")?,
        poll_run: r.try_get("poll_run")?,
    })
}
