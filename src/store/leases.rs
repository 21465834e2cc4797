//! Source leases: which PostgreSQL replica polls a source, until when (see `crate::replica`
//! for why rows with an expiry rather than advisory locks).
//!
//! Every time is the database's clock (`clock_timestamp()`, not `now()`, which stays at
//! the start of a transaction), so replicas on machines whose clocks drift still agree on
//! who holds a lease. These statements are PostgreSQL's only: SQLite has one writer process.

use sqlx::Row;

use super::{Backend, Store, StoreError, Tx};

/// The database's clock in milliseconds.
const NOW_MS: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub source: String,
    pub holder: String,
    pub acquired_at_ms: i64,
    pub expires_at_ms: i64,
}

/// A lease just taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    /// The holder whose lease had expired, when there was one (a takeover); `None` when the
    /// source had no lease (never polled, or released by a replica that stopped cleanly).
    pub previous: Option<String>,
    pub acquired_at_ms: i64,
}

fn postgres_only(store_backend: Backend) -> Result<(), StoreError> {
    match store_backend {
        Backend::Postgres => Ok(()),
        Backend::Sqlite => Err(StoreError::Inconsistent(
            "source leases are for PostgreSQL replicas; SQLite takes one writer process".into(),
        )),
    }
}

impl Store {
    /// Takes the lease of `source` for `ttl_ms` when nobody holds it, its holder let it
    /// expire, or `holder` holds it already. Two replicas asking at once serialise on the row: one gets it, the other
    /// `None`.
    pub async fn try_acquire_lease(
        &self,
        source: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<Option<Acquired>, StoreError> {
        postgres_only(self.backend)?;
        // The CTE reads the row as it was before this statement: the previous holder.
        let sql = format!(
            "WITH prev AS (SELECT holder FROM source_leases WHERE source = $1) \
             INSERT INTO source_leases (source, holder, acquired_at_ms, expires_at_ms) \
             VALUES ($1, $2, {NOW_MS}, {NOW_MS} + $3) \
             ON CONFLICT (source) DO UPDATE SET holder = EXCLUDED.holder, \
               acquired_at_ms = EXCLUDED.acquired_at_ms, expires_at_ms = EXCLUDED.expires_at_ms \
             WHERE source_leases.expires_at_ms < EXCLUDED.acquired_at_ms \
                OR source_leases.holder = EXCLUDED.holder \
             RETURNING (SELECT holder FROM prev) AS previous, acquired_at_ms"
        );
        let row = sqlx::query(&sql)
            .bind(source.to_string())
            .bind(holder.to_string())
            .bind(ttl_ms)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(Acquired {
                previous: r.try_get("previous")?,
                acquired_at_ms: r.try_get("acquired_at_ms")?,
            })
        })
        .transpose()
    }

    /// Extends every lease `holder` holds by `ttl_ms` from now; returns their sources. A
    /// lease that expired but that nobody took is still this holder's: no other replica
    /// wrote a page of its source meanwhile (see [`Tx::fence_lease`]).
    pub async fn renew_leases(&self, holder: &str, ttl_ms: i64) -> Result<Vec<String>, StoreError> {
        postgres_only(self.backend)?;
        let sql = format!(
            "UPDATE source_leases SET expires_at_ms = {NOW_MS} + $2 WHERE holder = $1 \
             RETURNING source"
        );
        Ok(sqlx::query_scalar::<_, String>(&sql)
            .bind(holder.to_string())
            .bind(ttl_ms)
            .fetch_all(self.pool())
            .await?)
    }

    /// Gives back every lease of `holder`, so that another replica takes its sources at its
    /// next try instead of after the expiry (a clean stop, a rolling update).
    pub async fn release_leases(&self, holder: &str) -> Result<u64, StoreError> {
        postgres_only(self.backend)?;
        Ok(sqlx::query("DELETE FROM source_leases WHERE holder = $1")
            .bind(holder.to_string())
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// Every lease, by source.
    pub async fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let rows = sqlx::query(
            "SELECT source, holder, acquired_at_ms, expires_at_ms FROM source_leases \
             ORDER BY source",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Lease {
                    source: r.try_get("source")?,
                    holder: r.try_get("holder")?,
                    acquired_at_ms: r.try_get("acquired_at_ms")?,
                    expires_at_ms: r.try_get("expires_at_ms")?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Fails the transaction unless `holder` still holds the lease of `source`, and extends
    /// it. Run last before the commit of a page: the row stays locked until the commit, so
    /// a replica taking the lease over waits for the commit and then sees it renewed, or
    /// took it first and this page is not written. Either way one holder writes a source's
    /// pages, even when a replica stalled past its lease without noticing.
    pub async fn fence_lease(
        &mut self,
        source: &str,
        holder: &str,
        ttl_ms: i64,
    ) -> Result<(), StoreError> {
        postgres_only(self.backend())?;
        let sql = format!(
            "UPDATE source_leases SET expires_at_ms = {NOW_MS} + $1 \
             WHERE source = $2 AND holder = $3"
        );
        let renewed = self
            .exec(sql, vec![ttl_ms.into(), source.into(), holder.into()])
            .await?;
        if renewed == 1 {
            Ok(())
        } else {
            Err(StoreError::LeaseLost {
                source_name: source.to_string(),
            })
        }
    }
}
