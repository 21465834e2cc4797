//! The store: SQLite (embedded default) or PostgreSQL, one code path through sqlx's Any
//! driver and one set of migrations. Every SQL statement of parcd lives under this module.

mod alerts;
mod assets;
mod circularity;
mod facts;
mod reach;
mod readings;
mod sources;
mod sql;
mod vanish_holds;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use thiserror::Error;

pub use alerts::OutboxEntry;
pub use assets::{AssetCount, AssetRow, EventRow, PurchaseRow, StoredAsset, UnseenAsset};
pub use readings::{DeviceSpan, LinkedAsset, ReadingRow, SerialAsset};
pub use sources::{PollRun, SourceState};
pub use sql::{Statement, Tx, Val, rows_per_statement};
pub use vanish_holds::VanishHold;

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
        sqlx::migrate!("./migrations").run(&self.pool).await?;
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
        Ok(Tx::new(self.pool.begin().await?, self.backend))
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
