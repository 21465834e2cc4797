//! Reaching the database when it is away: answers within a second for readiness, and the
//! database's own words ("connection refused", "password authentication failed") instead
//! of the pool's "timed out while waiting for an open connection".

use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Store, StoreError};

/// How long a query waits for a connection of the pool. A sync or an API request waits this
/// long when the database is down, then fails with [`Store::explain`]'s reason.
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// The first connection at start: a server that accepts the TCP connection but never
/// answers is given this long.
pub(super) const FIRST_CONNECT: Duration = Duration::from_secs(10);

/// Readiness answers within a second: half to get a pooled connection and ask, half to
/// learn why not.
const READY_QUERY: Duration = Duration::from_millis(500);
const PROBE: Duration = Duration::from_millis(450);

/// The settings of every SQLite connection. WAL lets readers (metrics, API) run while a
/// sync writes; NORMAL is durable across process crashes, which is what the kill -9
/// guarantee needs.
pub(super) async fn sqlite_settings(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("PRAGMA synchronous = NORMAL").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    // A multi-row upsert keeps a statement journal, to undo itself alone on a conflict: in a
    // temporary file by default, it made ingest write each page it touched once more with a
    // system call (530,000 writes for 100,000 assets). In memory it lives no longer than
    // the statement.
    conn.execute("PRAGMA temp_store = MEMORY").await?;
    // 32 MiB of page cache per connection instead of 2: ingest inserts into five indexes in
    // no particular order, and with 2 MiB half its page reads went back to the disk.
    conn.execute("PRAGMA cache_size = -32768").await?;
    // A checkpoint every 10,000 WAL pages (40 MiB) instead of 1,000: a sync commits a page
    // of assets at a time, and each commit rewrites the same index pages; checkpointed
    // every 4 MiB, they were copied into the database (and the file synced) once for
    // nearly every page of the sync. Durability is the WAL's, whatever the checkpoint.
    conn.execute("PRAGMA wal_autocheckpoint = 10000").await?;
    Ok(())
}

/// Opens one connection outside any pool, set up as the pool's are, and closes it; what
/// the database said otherwise (sqlx's connection errors name the host and the user, never
/// the password), with the free space of a SQLite file's disk when it is full.
pub(super) async fn connect_once(
    options: &AnyConnectOptions,
    backend: super::Backend,
    url: &str,
    within: Duration,
) -> Result<(), String> {
    let tried = tokio::time::timeout(within, async {
        let mut conn = options.connect().await?;
        if backend == super::Backend::Sqlite {
            sqlite_settings(&mut conn).await?;
        }
        conn.close().await
    })
    .await;
    match tried {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) if backend == super::Backend::Sqlite => Err(sqlite_reason(&e, url)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", within.as_millis())),
    }
}

/// SQLite says "database or disk is full" or "disk I/O error (code 4874)" when its file or
/// the WAL's shared memory cannot grow: the disk's free space says which.
fn sqlite_reason(e: &sqlx::Error, url: &str) -> String {
    let text = e.to_string();
    let path = url
        .strip_prefix("sqlite://")
        .unwrap_or(url)
        .split('?')
        .next()
        .unwrap_or_default();
    let dir = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let free = rustix::fs::statvfs(dir)
        .ok()
        .map(|s| s.f_bavail.saturating_mul(s.f_frsize));
    match free {
        Some(bytes) if bytes < 1024 * 1024 => format!(
            "the disk holding {} is full ({bytes} bytes free): free some space, or set [database] url \
             to a file on another disk (SQLite said: {text})",
            dir.display()
        ),
        _ => text,
    }
}

impl Store {
    /// `Ok` when the database answers within a second and every migration is applied; what
    /// is wrong otherwise.
    pub async fn readiness(&self) -> Result<(), String> {
        let expected = sqlx::migrate!("./migrations").iter().count();
        let asked = tokio::time::timeout(READY_QUERY, async {
            let mut conn = self.pool.acquire().await?;
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE",
            )
            .fetch_one(&mut *conn)
            .await
        })
        .await;
        match asked {
            Ok(Ok(n)) if n as usize >= expected => Ok(()),
            Ok(Ok(n)) => Err(format!(
                "{n} of {expected} migrations applied: run parcd migrate, or start parcd run once"
            )),
            Ok(Err(e)) if !matches!(e, sqlx::Error::PoolTimedOut) => {
                Err(format!("database {}: {e}", self.url))
            }
            _ => Err(format!(
                "database {}: {}",
                self.url,
                self.why_unreachable(PROBE).await
            )),
        }
    }

    /// A pool timeout turned into what the database answers to a connection tried now;
    /// other errors unchanged.
    pub async fn explain(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Query(sqlx::Error::PoolTimedOut) => StoreError::Unavailable {
                url: self.url.to_string(),
                reason: self.why_unreachable(Duration::from_secs(2)).await,
            },
            other => other,
        }
    }

    async fn why_unreachable(&self, within: Duration) -> String {
        match connect_once(&self.options, self.backend, &self.url, within).await {
            Err(reason) => reason,
            Ok(()) => format!(
                "it answers, but every connection of parcd's pool stayed busy for {} s \
                 ([database] max_connections)",
                ACQUIRE_TIMEOUT.as_secs()
            ),
        }
    }
}
