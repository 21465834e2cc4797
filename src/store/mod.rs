//! The store: SQLite (embedded default) or PostgreSQL, one code path through sqlx's Any
//! driver and one set of migrations. Every SQL statement of parcd lives under this module.

mod alerts;
mod assets;
mod bulk;
mod changes;
mod circularity;
mod copy;
mod facts;
mod inventory_devices;
mod leases;
mod mail;
mod migrations;
mod reach;
mod readings;
mod sources;
mod sql;
mod vanish_holds;
mod writer_lock;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use thiserror::Error;

pub use alerts::{OutboxEntry, PlanOutcome};
pub use assets::{
    AssetCount, AssetRow, EventRow, PurchaseRow, StoredAsset, UnseenAsset, batch_rows,
};
pub use changes::{CHANNEL as CHANGES_CHANNEL, ChangeNote};
pub use copy::{CopyError, CopyReport, Side, TableCount, copy_store};
pub use leases::{Acquired, Lease};
pub use readings::{DeviceSpan, LinkedAsset, ReadingRow, SerialAsset};
pub use sources::{PollRun, SourceState};
pub use sql::{Statement, Tx, Val, rows_per_statement};
pub use vanish_holds::VanishHold;
pub use writer_lock::{WriterLock, WriterLockError, lock_sqlite_writer};

/// Converts a value for binding (ingest builds rows with it).
pub fn sql_val(v: impl Into<Val>) -> Val {
    v.into()
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// No connection within the pool's wait: `reason` is what the database said to a
    /// connection tried just then (refused, unknown host, bad password…).
    #[error("database {url} unavailable: {reason}")]
    Unavailable { url: String, reason: String },
    #[error("cannot open database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(String),
    /// Another replica took the source's lease: this replica's page was not written.
    #[error(
        "source {source_name}: another replica took over its lease; this replica stopped polling it"
    )]
    LeaseLost { source_name: String },
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// How to open one connection outside the pool, to learn why the pool has none.
    options: std::sync::Arc<AnyConnectOptions>,
    /// The URL with its password hidden, for messages.
    url: std::sync::Arc<str>,
    /// Names this handle in the change notes it sends (see `changes.rs`).
    origin: std::sync::Arc<str>,
}

/// Hides the password of a database URL, for logs and `check-config`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:[REDACTED]@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl Store {
    /// Opens the database (creating a SQLite file if needed) without migrating it.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let url = if path.contains("mode=") {
                format!("sqlite://{path}")
            } else if path.contains('?') {
                format!("sqlite://{path}&mode=rwc")
            } else {
                format!("sqlite://{path}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let connect_err = |source| StoreError::Connect {
            url: redact_url(&url),
            source,
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(connect_err)?
            .disable_statement_logging();
        // The pool would retry a refused connection (or a SQLite file on a full disk) until
        // its timeout, logging each try, and then say only "pool timed out": one connection
        // first gives the database's own answer at once.
        reach::connect_once(&options, backend, &url, reach::FIRST_CONNECT)
            .await
            .map_err(|reason| StoreError::Unavailable {
                url: redact_url(&url),
                reason,
            })?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(reach::ACQUIRE_TIMEOUT);
        if backend == Backend::Sqlite {
            pool = pool.after_connect(|conn, _| Box::pin(reach::sqlite_settings(conn)));
        }
        let pool = pool
            .connect_with(options.clone())
            .await
            .map_err(connect_err)?;
        Ok(Store {
            pool,
            backend,
            options: std::sync::Arc::new(options),
            url: redact_url(&url).into(),
            origin: format!("{}-{:08x}", std::process::id(), fastrand::u32(..)).into(),
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        let store = Store::connect(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations not yet applied. Safe to run concurrently from several
    /// replicas on PostgreSQL (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrations::migrator(self.backend)
            .await?
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// True when the database answers and every migration is applied.
    pub async fn ready(&self) -> bool {
        self.readiness().await.is_ok()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = match self.backend {
            // Write transactions read first (the diff) and write after: a deferred one whose
            // snapshot another connection's commit made stale cannot take the write lock and
            // fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, code 517), busy
            // timeout or not. Taking the lock at BEGIN waits for it instead: a `sync --once`
            // beside the daemon, or two sources' pages at once.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx::new(tx, self.backend))
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
