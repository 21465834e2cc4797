//! One writer process per SQLite file: `parcd run` and `parcd sync` take an exclusive lock on
//! `FILE.lock` beside the database, and a second one is refused at start instead of racing
//! the first (two daemons on one file each ran their own full syncs, and each marked the
//! other's devices vanished, with "database is locked" errors between them).
//!
//! The lock is `flock(2)` on a file of its own, through `std::fs::File::try_lock`: the
//! kernel drops it when the process ends, even killed with -9, so a stale lock file never
//! blocks a restart. It is not on the database file itself: SQLite locks that file with
//! POSIX record locks, which a process loses on closing *any* descriptor of the file.
//! Readers (`report`, `indicators`, the API of `parcd run` itself) take no lock: WAL lets
//! them read while the writer writes.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriterLockError {
    #[error(
        "another parcd process writes to the SQLite database {database} (it holds {lock}): \
         SQLite takes one writer, so this `parcd {command}` would race it. Stop the other \
         process first (`parcd run` or `parcd sync`), or, to run several replicas, move the \
         store to PostgreSQL (README, \"Scale\")"
    )]
    Held {
        database: String,
        lock: String,
        command: &'static str,
    },
}

/// Held for as long as this process writes to its SQLite file; released when dropped.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

/// The database file of a SQLite URL, if it names one (not an in-memory database).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// Takes the writer lock of the SQLite database at `url` for `command` (`run`, `sync`).
/// `Ok(None)` for PostgreSQL (replicas share it through source leases), an in-memory
/// database, or a lock file that cannot be created: the database's own error about its
/// directory then follows, as before the lock existed.
pub fn lock_sqlite_writer(
    url: &str,
    command: &'static str,
) -> Result<Option<WriterLock>, WriterLockError> {
    let Some(db) = sqlite_path(url) else {
        return Ok(None);
    };
    let mut lock = db.clone().into_os_string();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let file = match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
    {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(
                lock = %lock.display(),
                error = %e,
                "cannot create the SQLite writer lock file; a second writer would not be refused"
            );
            return Ok(None);
        }
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(WriterLock { _file: file })),
        Err(TryLockError::WouldBlock) => Err(WriterLockError::Held {
            database: db.display().to_string(),
            lock: lock.display().to_string(),
            command,
        }),
        Err(TryLockError::Error(e)) => {
            tracing::warn!(
                lock = %lock.display(),
                error = %e,
                "cannot lock the SQLite writer lock file (its filesystem has no flock); a second \
                 writer would not be refused"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_of_one_file_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        let first = lock_sqlite_writer(&url, "run").unwrap();
        assert!(first.is_some());
        let err = lock_sqlite_writer(&url, "sync").unwrap_err().to_string();
        assert!(err.contains("p.db") && err.contains("PostgreSQL"), "{err}");
        assert!(err.contains("`parcd sync`"), "{err}");
        drop(first);
        assert!(lock_sqlite_writer(&url, "sync").unwrap().is_some());
    }

    #[test]
    fn postgres_and_memory_databases_take_no_file_lock() {
        assert!(
            lock_sqlite_writer("postgres://u@127.0.0.1/db", "run")
                .unwrap()
                .is_none()
        );
        assert!(
            lock_sqlite_writer("sqlite::memory:", "run")
                .unwrap()
                .is_none()
        );
    }
}
