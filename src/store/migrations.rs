//! The migrations as each database runs them. One directory serves both databases, in
//! portable SQL, except where they spell a thing differently (an identity column): such a
//! file holds a section per database, opened by a marker line, and each database runs the
//! shared lines and its own section. The checksum stays the whole file's, the same on both.

use std::borrow::Cow;

use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, Migrator};

use super::{Backend, StoreError};

const SQLITE_ONLY: &str = "-- parcd: sqlite only";
const POSTGRES_ONLY: &str = "-- parcd: postgres only";
const BOTH: &str = "-- parcd: both";

/// The embedded migrations, each with the other database's section left out.
#[derive(Debug)]
struct ForBackend(Backend);

type Resolved<'s> = Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>>;

impl<'s> MigrationSource<'s> for ForBackend {
    fn resolve(self) -> Resolved<'s> {
        Box::pin(async move {
            Ok(sqlx::migrate!("./migrations")
                .iter()
                .map(|m| Migration {
                    sql: Cow::Owned(section(self.0, &m.sql)),
                    ..m.clone()
                })
                .collect())
        })
    }
}

/// The migrator for `backend` (it takes sqlx's lock on PostgreSQL, so several replicas
/// starting at once migrate once).
pub(super) async fn migrator(backend: Backend) -> Result<Migrator, StoreError> {
    Ok(Migrator::new(ForBackend(backend)).await?)
}

/// The lines of `sql` that `backend` runs.
fn section(backend: Backend, sql: &str) -> String {
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        match line.trim_end() {
            SQLITE_ONLY => keep = backend == Backend::Sqlite,
            POSTGRES_ONLY => keep = backend == Backend::Postgres,
            BOTH => keep = true,
            _ => {}
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_database_runs_the_shared_lines_and_its_own_section() {
        let sql = "CREATE TABLE a (x BIGINT);\n-- parcd: sqlite only\nSQLITE;\n\
                   -- parcd: postgres only\nPOSTGRES;\n-- parcd: both\nSHARED;\n";
        let lite = section(Backend::Sqlite, sql);
        let pg = section(Backend::Postgres, sql);
        assert!(
            lite.contains("SQLITE;") && !lite.contains("POSTGRES;"),
            "{lite}"
        );
        assert!(pg.contains("POSTGRES;") && !pg.contains("SQLITE;"), "{pg}");
        for s in [&lite, &pg] {
            assert!(s.contains("CREATE TABLE a") && s.contains("SHARED;"), "{s}");
        }
        assert_eq!(section(Backend::Sqlite, "SELECT 1;\n"), "SELECT 1;\n");
    }

    /// A misspelt marker would run a section on the wrong database.
    #[test]
    fn every_marker_of_the_migrations_is_known() {
        for m in sqlx::migrate!("./migrations").iter() {
            for line in m.sql.lines().filter(|l| l.starts_with("-- parcd:")) {
                assert!(
                    [SQLITE_ONLY, POSTGRES_ONLY, BOTH].contains(&line.trim_end()),
                    "migration {}: unknown marker {line:?}",
                    m.version
                );
            }
        }
    }
}
