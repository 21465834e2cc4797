//! Moving a store to another database (`parcd migrate --from URL --to URL`): every table
//! the source holds, read from its schema rather than from a list kept here, so that a
//! table a later migration adds is copied too, or refused by name when one of its columns
//! has a type this module cannot carry.
//!
//! The source is read in one snapshot that no writer can change: on SQLite the file is
//! taken in exclusive locking mode, which fails at once while another process (a daemon)
//! has it open and keeps every other process out until the copy ends; on PostgreSQL its
//! tables are locked in SHARE mode (writers wait). The target is written in one
//! transaction, its tables locked the same way: a failure leaves it as empty as it was,
//! and the command can simply be run again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use sqlx::{Any, Executor, Row, Transaction};
use thiserror::Error;

use super::sql::{Statement, Tx, Val, placeholders, rows_per_statement};
use super::{Backend, Store, StoreError, redact_url};

/// sqlx's own bookkeeping: written on the target by its migrations, compared, not copied.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// How long the copy waits for a lock another session holds before saying who to stop.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Which side of the copy a message is about: named as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    From,
    To,
}

impl Side {
    pub fn key(self) -> &'static str {
        match self {
            Side::From => "--from",
            Side::To => "--to",
        }
    }

    fn open_fix(self) -> &'static str {
        match self {
            Side::From => {
                "give the URL of the daemon's database ([database] url of its configuration)"
            }
            Side::To => {
                "give a database that exists and answers (createdb NAME on the PostgreSQL \
                 server), with the user's password in the URL if the server asks for one"
            }
        }
    }
}

#[derive(Debug, Error)]
pub enum CopyError {
    // The causes are in the messages, not chained: `error: {e:#}` would say them twice.
    #[error("{key} {url}: {error}. Fix: {fix}", key = side.key(), fix = side.open_fix())]
    Open {
        side: Side,
        url: String,
        error: StoreError,
    },
    #[error(
        "--from {path}: no such SQLite file. Fix: give the file the daemon uses (its [database] url)"
    )]
    NoSourceFile { path: String },
    #[error("--from and --to name the same database ({0}): give --to a new, empty database")]
    SameDatabase(String),
    #[error(
        "--from {url} is not a parcd database (it has no {MIGRATIONS_TABLE} table). Fix: give the \
         URL of the daemon's database ([database] url of its configuration)"
    )]
    NotParcd { url: String },
    #[error(
        "--from {url} has the schema of another parcd version: {detail}. Fix: {fix}; both databases \
         must be at this binary's schema (newest migration {binary})"
    )]
    SchemaVersion {
        url: String,
        detail: String,
        fix: String,
        binary: i64,
    },
    #[error(
        "{key} {url} is in use by another process (a parcd daemon or demo?): {reason}. Fix: stop it, \
         then run parcd migrate again",
        key = side.key()
    )]
    InUse {
        side: Side,
        url: String,
        reason: String,
    },
    #[error(
        "--to {url} is not empty ({tables}): parcd migrate only copies into an empty database, and \
         left it untouched. Fix: give --to a new database (createdb NAME, or a new SQLite file)"
    )]
    TargetNotEmpty { url: String, tables: String },
    #[error(
        "table {table} cannot be copied: {reason}. Fix: teach src/store/copy.rs this table before \
         moving a store of this schema"
    )]
    Unhandled { table: String, reason: String },
    #[error(
        "table {table}: the source holds {source_rows} rows, {copied} were read and the target holds \
         {target_rows}: nothing was committed to the target"
    )]
    CountMismatch {
        table: String,
        source_rows: i64,
        copied: i64,
        target_rows: i64,
    },
    #[error("{key}: {error}", key = side.key())]
    Query { side: Side, error: StoreError },
}

/// One table's rows, counted on each side once copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source: i64,
    pub target: i64,
}

/// What a copy did.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub tables: Vec<TableCount>,
    /// Id counters (PostgreSQL sequences, SQLite AUTOINCREMENT) set past the ids copied and
    /// those the source handed out, as `table.column (next N)`.
    pub sequences: Vec<String>,
    /// The newest migration of both databases.
    pub schema_version: i64,
    /// Other sessions connected to a PostgreSQL source while it was copied: idle replicas
    /// are not refused (only a write under way is), but what they write later stays there.
    pub other_sessions: i64,
    pub elapsed: Duration,
}

impl CopyReport {
    pub fn rows(&self) -> i64 {
        self.tables.iter().map(|t| t.target).sum()
    }
}

/// How a column's values travel: the three kinds the store's migrations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
}

impl Kind {
    /// The kind of a declared type (SQLite's declaration, PostgreSQL's `data_type`); `None`
    /// for one the copy cannot carry unchanged (a BOOLEAN, NUMERIC, BYTEA, JSON…).
    fn of(declared: &str) -> Option<Kind> {
        let t = declared.trim().to_ascii_uppercase();
        // `VARCHAR(40)`, `NUMERIC(10, 2)`: the length does not change the kind.
        let base = t.split('(').next().unwrap_or_default().trim();
        match base {
            "INTEGER" | "INT" | "BIGINT" | "SMALLINT" | "INT2" | "INT4" | "INT8" => Some(Kind::Int),
            "DOUBLE PRECISION" | "DOUBLE" | "REAL" | "FLOAT" | "FLOAT4" | "FLOAT8" => {
                Some(Kind::Real)
            }
            "TEXT" | "VARCHAR" | "CHARACTER VARYING" | "CHARACTER" | "CHAR" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// A column as one database declares it.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    declared: String,
    /// PostgreSQL `GENERATED ALWAYS AS IDENTITY`: inserted with OVERRIDING SYSTEM VALUE.
    identity_always: bool,
}

/// The tables of one database (without sqlx's), each with its stored columns (generated
/// ones left out: the target computes them).
type Schema = BTreeMap<String, Vec<Column>>;

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

async fn table_names(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
             ESCAPE '\\' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    sqlx::query_scalar::<_, String>(sql)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
}

async fn schema(conn: &mut sqlx::AnyConnection, backend: Backend) -> Result<Schema, sqlx::Error> {
    let mut out = Schema::new();
    for table in table_names(conn, backend).await? {
        if table == MIGRATIONS_TABLE {
            continue;
        }
        let columns = match backend {
            Backend::Sqlite => {
                // table_xinfo, not table_info: it shows generated columns, marked hidden.
                let rows = sqlx::query(&format!("PRAGMA table_xinfo({})", quote(&table)))
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut cols = Vec::new();
                for r in rows {
                    let hidden: i64 = r.try_get("hidden")?;
                    if hidden == 0 {
                        cols.push(Column {
                            name: r.try_get("name")?,
                            declared: r.try_get("type")?,
                            identity_always: false,
                        });
                    }
                }
                cols
            }
            Backend::Postgres => {
                let rows = sqlx::query(
                    "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS declared, \
                     CAST(COALESCE(identity_generation, '') AS TEXT) AS identity \
                     FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     AND is_generated = 'NEVER' ORDER BY ordinal_position",
                )
                .bind(table.clone())
                .persistent(false)
                .fetch_all(&mut *conn)
                .await?;
                let mut cols = Vec::new();
                for r in rows {
                    let identity: String = r.try_get("identity")?;
                    cols.push(Column {
                        name: r.try_get("name")?,
                        declared: r.try_get("declared")?,
                        identity_always: identity == "ALWAYS",
                    });
                }
                cols
            }
        };
        out.insert(table, columns);
    }
    Ok(out)
}

/// The migrations a database has applied, `(version, checksum)`, oldest first; `None`
/// when it has no migrations table at all.
async fn applied(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<Option<Vec<(i64, Vec<u8>)>>, sqlx::Error> {
    if !table_names(conn, backend)
        .await?
        .iter()
        .any(|t| t == MIGRATIONS_TABLE)
    {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get("version")?, r.try_get("checksum")?));
    }
    Ok(Some(out))
}

/// The binary's migrations, `(version, checksum)`, oldest first.
fn binary_migrations() -> Vec<(i64, Vec<u8>)> {
    sqlx::migrate!("./migrations")
        .iter()
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect()
}

/// Why the source's applied migrations are not the binary's, and what to do; `None` when
/// they are the same.
fn version_gap(source: &[(i64, Vec<u8>)], binary: &[(i64, Vec<u8>)]) -> Option<(String, String)> {
    let newest = |list: &[(i64, Vec<u8>)]| list.last().map_or(0, |m| m.0);
    let missing: Vec<String> = binary
        .iter()
        .filter(|b| !source.iter().any(|s| s.0 == b.0))
        .map(|b| b.0.to_string())
        .collect();
    let unknown: Vec<String> = source
        .iter()
        .filter(|s| !binary.iter().any(|b| b.0 == s.0))
        .map(|s| s.0.to_string())
        .collect();
    let changed: Vec<String> = source
        .iter()
        .filter(|s| binary.iter().any(|b| b.0 == s.0 && b.1 != s.1))
        .map(|s| s.0.to_string())
        .collect();
    if !unknown.is_empty() {
        Some((
            format!(
                "it has migrations this binary does not know ({}; newest {})",
                unknown.join(", "),
                newest(source)
            ),
            "run the parcd version that wrote it".into(),
        ))
    } else if !changed.is_empty() {
        Some((
            format!(
                "its migrations {} differ from this binary's",
                changed.join(", ")
            ),
            "run the parcd version that wrote it".into(),
        ))
    } else if !missing.is_empty() {
        Some((
            format!(
                "it lacks this binary's migrations {} (newest applied {})",
                missing.join(", "),
                newest(source)
            ),
            "upgrade it first with this binary (PARCD__DATABASE__URL=URL parcd migrate), with the \
             daemon stopped"
                .into(),
        ))
    } else {
        None
    }
}

/// A database URL's SQLite file, if it names one.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or_default())
}

/// The same database, as far as two URLs tell.
fn same_database(a: &str, b: &str) -> bool {
    match (sqlite_path(a), sqlite_path(b)) {
        (Some(pa), Some(pb)) => match (std::fs::canonicalize(pa), std::fs::canonicalize(pb)) {
            (Ok(ca), Ok(cb)) => ca == cb,
            _ => pa == pb,
        },
        (None, None) => a.trim_end_matches('/') == b.trim_end_matches('/'),
        _ => false,
    }
}

/// Rows per table of `conn`'s database, in its current transaction.
async fn counts(
    conn: &mut sqlx::AnyConnection,
    tables: impl Iterator<Item = &String>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(t)))
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
        out.push((t.clone(), n));
    }
    Ok(out)
}

/// Tables of `conn`'s database that hold rows, as `name (N rows)`; empty when none does.
async fn filled(
    conn: &mut sqlx::AnyConnection,
    schema: &Schema,
) -> Result<Vec<String>, sqlx::Error> {
    Ok(counts(conn, schema.keys())
        .await?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t}: {n} rows"))
        .collect())
}

/// Takes the whole database in exclusive locking mode (SQLite), in a transaction that no
/// other connection can join until the pool closes: refused while another process has the
/// file open. The pool must hold a single connection.
async fn exclusive_sqlite(
    store: &Store,
    side: Side,
) -> Result<Transaction<'static, Any>, CopyError> {
    let in_use = |e: sqlx::Error| CopyError::InUse {
        side,
        url: shown(store),
        reason: e.to_string(),
    };
    let pool = store.pool();
    pool.execute(format!("PRAGMA busy_timeout = {}", LOCK_WAIT.as_millis()).as_str())
        .await
        .map_err(in_use)?;
    pool.execute("PRAGMA locking_mode = EXCLUSIVE")
        .await
        .map_err(in_use)?;
    let mut tx = pool.begin_with("BEGIN EXCLUSIVE").await.map_err(in_use)?;
    let mode: String = sqlx::query_scalar("PRAGMA locking_mode")
        .persistent(false)
        .fetch_one(&mut *tx)
        .await
        .map_err(in_use)?;
    if !mode.eq_ignore_ascii_case("exclusive") {
        return Err(CopyError::InUse {
            side,
            url: shown(store),
            reason: format!("the connection is in {mode} locking mode, not exclusive"),
        });
    }
    Ok(tx)
}

/// A PostgreSQL transaction with every table of `schema` locked in `mode`, taken before
/// anything is read so that a REPEATABLE READ snapshot starts after the last writer.
async fn locked_postgres(
    store: &Store,
    side: Side,
    begin: &'static str,
    schema: &Schema,
    mode: &str,
) -> Result<Transaction<'static, Any>, CopyError> {
    let in_use = |e: sqlx::Error| CopyError::InUse {
        side,
        url: shown(store),
        reason: e.to_string(),
    };
    let mut tx = store
        .pool()
        .begin_with(begin)
        .await
        .map_err(|e| CopyError::Query {
            side,
            error: e.into(),
        })?;
    tx.execute(format!("SET LOCAL lock_timeout = '{}ms'", LOCK_WAIT.as_millis()).as_str())
        .await
        .map_err(|e| CopyError::Query {
            side,
            error: e.into(),
        })?;
    if !schema.is_empty() {
        let tables: Vec<String> = schema.keys().map(|t| quote(t)).collect();
        tx.execute(format!("LOCK TABLE {} IN {mode} MODE", tables.join(", ")).as_str())
            .await
            .map_err(in_use)?;
    }
    Ok(tx)
}

/// The URL as the command line gave it: without the `mode=rwc` that `Store::connect` adds
/// to SQLite's, and without the password.
fn shown(store: &Store) -> String {
    store
        .url
        .replace("?mode=rwc&", "?")
        .replace("?mode=rwc", "")
        .replace("&mode=rwc", "")
}

/// Opens one side with a single connection, naming the side in any error.
async fn open_side(url: &str, side: Side) -> Result<Store, CopyError> {
    Store::connect(url, 1)
        .await
        .map_err(|error| CopyError::Open {
            side,
            url: redact_url(url),
            error,
        })
}

/// Copies every table of the store at `from` into the empty database at `to` (migrated
/// first), then checks each table's rows on both sides. `progress` is told of each table
/// once it is copied.
pub async fn copy_store(
    from: &str,
    to: &str,
    mut progress: impl FnMut(&TableCount),
) -> Result<CopyReport, CopyError> {
    let started = Instant::now();
    if same_database(from, to) {
        return Err(CopyError::SameDatabase(redact_url(to)));
    }
    // A source file that does not exist would be created empty by the connection.
    if let Some(path) = sqlite_path(from)
        && !std::path::Path::new(path).is_file()
    {
        return Err(CopyError::NoSourceFile { path: path.into() });
    }
    let source = open_side(from, Side::From).await?;
    let result = copy_from(&source, to, &mut progress, started).await;
    source.close().await;
    result
}

async fn copy_from(
    source: &Store,
    to: &str,
    progress: &mut impl FnMut(&TableCount),
    started: Instant,
) -> Result<CopyReport, CopyError> {
    let src_err = |e: sqlx::Error| CopyError::Query {
        side: Side::From,
        error: e.into(),
    };
    let dst_err = |e: sqlx::Error| CopyError::Query {
        side: Side::To,
        error: e.into(),
    };
    let from_url = shown(source);

    // The source's schema and version, before anything is written anywhere.
    let (src_schema, src_versions) = {
        let mut conn = source.pool().acquire().await.map_err(src_err)?;
        let versions = applied(&mut conn, source.backend)
            .await
            .map_err(src_err)?
            .ok_or_else(|| CopyError::NotParcd {
                url: from_url.clone(),
            })?;
        (
            schema(&mut conn, source.backend).await.map_err(src_err)?,
            versions,
        )
    };
    let binary = binary_migrations();
    let binary_newest = binary.last().map_or(0, |m| m.0);
    if let Some((detail, fix)) = version_gap(&src_versions, &binary) {
        return Err(CopyError::SchemaVersion {
            url: from_url,
            detail,
            fix,
            binary: binary_newest,
        });
    }
    let mut src_tx = match source.backend {
        Backend::Sqlite => exclusive_sqlite(source, Side::From).await?,
        Backend::Postgres => {
            locked_postgres(
                source,
                Side::From,
                "BEGIN ISOLATION LEVEL REPEATABLE READ",
                &src_schema,
                "SHARE",
            )
            .await?
        }
    };
    let other_sessions = match source.backend {
        Backend::Sqlite => 0,
        Backend::Postgres => sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
        )
        .persistent(false)
        .fetch_one(&mut *src_tx)
        .await
        .map_err(src_err)?,
    };

    let target = open_side(to, Side::To).await?;
    let result = async {
        let to_url = shown(&target);
        // Refused before the migrations touch it.
        {
            let mut conn = target.pool().acquire().await.map_err(dst_err)?;
            let existing = schema(&mut conn, target.backend).await.map_err(dst_err)?;
            let rows = filled(&mut conn, &existing).await.map_err(dst_err)?;
            if !rows.is_empty() {
                return Err(CopyError::TargetNotEmpty {
                    url: to_url,
                    tables: rows.join(", "),
                });
            }
        }
        target.migrate().await.map_err(|error| CopyError::Open {
            side: Side::To,
            url: to_url.clone(),
            error,
        })?;
        let dst_schema = {
            let mut conn = target.pool().acquire().await.map_err(dst_err)?;
            schema(&mut conn, target.backend).await.map_err(dst_err)?
        };
        let plans = plan(&src_schema, &dst_schema)?;
        let dst_tx = match target.backend {
            Backend::Sqlite => exclusive_sqlite(&target, Side::To).await?,
            Backend::Postgres => {
                locked_postgres(&target, Side::To, "BEGIN", &dst_schema, "EXCLUSIVE").await?
            }
        };
        let mut dst_tx = Tx::new(dst_tx, target.backend);
        // Checked again under the lock: a daemon started on it meanwhile wrote nothing.
        let rows = filled(dst_tx.conn(), &dst_schema).await.map_err(dst_err)?;
        if !rows.is_empty() {
            return Err(CopyError::TargetNotEmpty {
                url: to_url,
                tables: rows.join(", "),
            });
        }

        let mut tables = Vec::new();
        for plan in &plans {
            let copied = copy_table(&mut src_tx, &mut dst_tx, plan).await?;
            let source_rows: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(&plan.table)))
                    .persistent(false)
                    .fetch_one(&mut *src_tx)
                    .await
                    .map_err(src_err)?;
            let target_rows: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quote(&plan.table)))
                    .persistent(false)
                    .fetch_one(dst_tx.conn())
                    .await
                    .map_err(dst_err)?;
            if source_rows != copied || target_rows != copied {
                return Err(CopyError::CountMismatch {
                    table: plan.table.clone(),
                    source_rows,
                    copied,
                    target_rows,
                });
            }
            let count = TableCount {
                table: plan.table.clone(),
                source: source_rows,
                target: target_rows,
            };
            progress(&count);
            tables.push(count);
        }
        let issued = issued_ids(&mut src_tx, source.backend, &plans)
            .await
            .map_err(src_err)?;
        let sequences = set_counters(dst_tx.conn(), target.backend, &plans, &issued)
            .await
            .map_err(dst_err)?;
        dst_tx.commit().await.map_err(|error| CopyError::Query {
            side: Side::To,
            error,
        })?;
        Ok(CopyReport {
            tables,
            sequences,
            schema_version: binary_newest,
            other_sessions,
            elapsed: started.elapsed(),
        })
    }
    .await;
    // The source was only read: its transaction ends either way.
    let _ = src_tx.rollback().await;
    target.close().await;
    result
}

/// One table's copy: its columns, in the source's order, with their kind.
struct Plan {
    table: String,
    columns: Vec<(String, Kind)>,
    identity_always: bool,
}

/// The tables to copy, each checked against the target's schema: same columns, each of a
/// kind the copy carries. Tables the target has and the source lacks stay empty (none
/// after the same migrations).
fn plan(source: &Schema, target: &Schema) -> Result<Vec<Plan>, CopyError> {
    let unhandled = |table: &str, reason: String| CopyError::Unhandled {
        table: table.to_string(),
        reason,
    };
    let mut plans = Vec::new();
    for (table, src_cols) in source {
        let Some(dst_cols) = target.get(table) else {
            return Err(unhandled(
                table,
                "the source has it, the target's schema after migrations does not".into(),
            ));
        };
        let mut columns = Vec::new();
        for c in src_cols {
            let Some(d) = dst_cols.iter().find(|d| d.name == c.name) else {
                return Err(unhandled(
                    table,
                    format!("column {} is in the source only", c.name),
                ));
            };
            let kinds = (Kind::of(&c.declared), Kind::of(&d.declared));
            match kinds {
                (Some(a), Some(b)) if a == b => columns.push((c.name.clone(), a)),
                _ => {
                    return Err(unhandled(
                        table,
                        format!(
                            "column {} is declared {} in the source and {} in the target; the copy \
                             carries integers, floating-point numbers and text",
                            c.name, c.declared, d.declared
                        ),
                    ));
                }
            }
        }
        if let Some(d) = dst_cols
            .iter()
            .find(|d| !src_cols.iter().any(|c| c.name == d.name))
        {
            return Err(unhandled(
                table,
                format!("column {} is in the target only", d.name),
            ));
        }
        if columns.is_empty() {
            return Err(unhandled(table, "it has no column to copy".into()));
        }
        plans.push(Plan {
            table: table.clone(),
            columns,
            identity_always: dst_cols.iter().any(|d| d.identity_always),
        });
    }
    Ok(plans)
}

/// Streams one table from the source into the target, a multi-row INSERT at a time (the
/// next one read while the target writes the last); returns the rows read.
async fn copy_table(
    src: &mut Transaction<'static, Any>,
    dst: &mut Tx,
    plan: &Plan,
) -> Result<i64, CopyError> {
    let backend = dst.backend();
    let names: Vec<String> = plan.columns.iter().map(|(n, _)| quote(n)).collect();
    let select = format!("SELECT {} FROM {}", names.join(", "), quote(&plan.table));
    let per_stmt = rows_per_statement(backend, plan.columns.len());
    let overriding = if plan.identity_always && backend == Backend::Postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let insert = |rows: Vec<Vec<Val>>| {
        let sql = format!(
            "INSERT INTO {} ({}){overriding} VALUES {}",
            quote(&plan.table),
            names.join(", "),
            placeholders(backend, rows.len(), names.len(), 1)
        );
        Statement::new(sql, rows.into_iter().flatten().collect())
    };
    let mut rows = sqlx::query(&select).persistent(false).fetch(&mut **src);
    let mut read = 0i64;
    let mut batch = next_batch(&mut rows, plan, per_stmt).await?;
    while !batch.is_empty() {
        read += batch.len() as i64;
        let statement = insert(batch);
        let (written, next) = tokio::join!(
            dst.run_pipelined(std::iter::once(statement)),
            next_batch(&mut rows, plan, per_stmt)
        );
        written.map_err(|error| CopyError::Query {
            side: Side::To,
            error,
        })?;
        batch = next?;
    }
    Ok(read)
}

/// Up to `n` rows of the stream, as values to bind; fewer at its end.
async fn next_batch<S>(rows: &mut S, plan: &Plan, n: usize) -> Result<Vec<Vec<Val>>, CopyError>
where
    S: futures_util::Stream<Item = Result<sqlx::any::AnyRow, sqlx::Error>> + Unpin,
{
    let mut batch = Vec::with_capacity(n);
    while batch.len() < n {
        let Some(row) = rows.try_next().await.map_err(|e| CopyError::Query {
            side: Side::From,
            error: e.into(),
        })?
        else {
            break;
        };
        let mut vals = Vec::with_capacity(plan.columns.len());
        for (i, (name, kind)) in plan.columns.iter().enumerate() {
            let v = match kind {
                Kind::Int => row.try_get::<Option<i64>, _>(i).map(Val::Int),
                Kind::Real => row.try_get::<Option<f64>, _>(i).map(Val::Real),
                Kind::Text => row.try_get::<Option<String>, _>(i).map(Val::Text),
            };
            // SQLite lets a column hold a value of another type than it declares.
            vals.push(v.map_err(|e| CopyError::Unhandled {
                table: plan.table.clone(),
                reason: format!("a value of column {name} is not of its declared type: {e}"),
            })?);
        }
        batch.push(vals);
    }
    Ok(batch)
}

/// The sequence (SERIAL, IDENTITY) behind a PostgreSQL column, if any.
async fn pg_sequence(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    column: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(pg_get_serial_sequence($1, $2) AS TEXT)")
        .bind(quote(table))
        .bind(column.to_string())
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
}

/// The highest id each generated-id table of the source has handed out, per table: its
/// SQLite AUTOINCREMENT counter or its PostgreSQL sequence. It may exceed the largest id
/// copied (the newest rows deleted), and an id must not be handed out twice: a channel's
/// idempotency key may carry it.
async fn issued_ids(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    plans: &[Plan],
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let mut issued = BTreeMap::new();
    match backend {
        Backend::Sqlite => {
            let has_counters: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
            )
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
            if has_counters > 0 {
                let rows = sqlx::query("SELECT name, seq FROM sqlite_sequence")
                    .persistent(false)
                    .fetch_all(&mut *conn)
                    .await?;
                for r in rows {
                    issued.insert(r.try_get("name")?, r.try_get("seq")?);
                }
            }
        }
        Backend::Postgres => {
            for plan in plans {
                for (column, kind) in &plan.columns {
                    if *kind != Kind::Int {
                        continue;
                    }
                    let Some(sequence) = pg_sequence(conn, &plan.table, column).await? else {
                        continue;
                    };
                    let row = sqlx::query(&format!(
                        "SELECT last_value, CASE WHEN is_called THEN 1 ELSE 0 END AS called FROM {sequence}"
                    ))
                    .persistent(false)
                    .fetch_one(&mut *conn)
                    .await?;
                    let (last, called): (i64, i32) = (row.try_get(0)?, row.try_get(1)?);
                    issued.insert(
                        plan.table.clone(),
                        if called == 1 { last } else { last - 1 },
                    );
                }
            }
        }
    }
    Ok(issued)
}

/// Sets the target's id counter of each table that has one past both the largest id copied
/// and the highest the source handed out, so that the next row a daemon inserts takes a
/// new id. Returns them as `table.column (next N)`.
async fn set_counters(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    plans: &[Plan],
    issued: &BTreeMap<String, i64>,
) -> Result<Vec<String>, sqlx::Error> {
    let mut done = Vec::new();
    for plan in plans {
        for (column, kind) in &plan.columns {
            if *kind != Kind::Int {
                continue;
            }
            let target = match backend {
                Backend::Postgres => pg_sequence(conn, &plan.table, column).await?,
                // The rowid of an AUTOINCREMENT table: SQLite says which in its schema.
                Backend::Sqlite => {
                    let sql: String = sqlx::query_scalar(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1",
                    )
                    .bind(plan.table.clone())
                    .persistent(false)
                    .fetch_one(&mut *conn)
                    .await?;
                    let pk: i64 = sqlx::query_scalar(&format!(
                        "SELECT pk FROM pragma_table_info({}) WHERE name = $1",
                        quote_literal(&plan.table)
                    ))
                    .bind(column.clone())
                    .persistent(false)
                    .fetch_one(&mut *conn)
                    .await?;
                    (pk > 0 && sql.to_ascii_uppercase().contains("AUTOINCREMENT"))
                        .then(|| plan.table.clone())
                }
            };
            let Some(counter) = target else { continue };
            let largest: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT MAX({}) FROM {}",
                quote(column),
                quote(&plan.table)
            ))
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
            let last = largest
                .unwrap_or(0)
                .max(issued.get(&plan.table).copied().unwrap_or(0));
            // Never used on either side: the fresh counter is right as it is.
            if last < 1 {
                continue;
            }
            match backend {
                Backend::Postgres => {
                    sqlx::query("SELECT setval($1, $2)")
                        .bind(counter)
                        .bind(last)
                        .persistent(false)
                        .execute(&mut *conn)
                        .await?;
                }
                Backend::Sqlite => {
                    // The row SQLite keeps per AUTOINCREMENT table, made by the copy's inserts.
                    sqlx::query("DELETE FROM sqlite_sequence WHERE name = $1")
                        .bind(counter.clone())
                        .persistent(false)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)")
                        .bind(counter)
                        .bind(last)
                        .persistent(false)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            done.push(format!("{}.{column} (next {})", plan.table, last + 1));
        }
    }
    Ok(done)
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_types_have_a_kind_and_others_none() {
        for (declared, kind) in [
            ("BIGINT", Some(Kind::Int)),
            ("bigint", Some(Kind::Int)),
            ("SMALLINT", Some(Kind::Int)),
            ("INTEGER", Some(Kind::Int)),
            ("DOUBLE PRECISION", Some(Kind::Real)),
            ("double precision", Some(Kind::Real)),
            ("TEXT", Some(Kind::Text)),
            ("character varying", Some(Kind::Text)),
            ("VARCHAR(40)", Some(Kind::Text)),
            ("point", None),
            ("BOOLEAN", None),
            ("bytea", None),
            ("NUMERIC(10, 2)", None),
            ("jsonb", None),
            ("", None),
        ] {
            assert_eq!(Kind::of(declared), kind, "{declared}");
        }
    }

    #[test]
    fn a_version_gap_says_which_way_to_go() {
        let m = |v: i64, c: u8| (v, vec![c]);
        let binary = vec![m(1, 1), m(2, 2)];
        assert!(version_gap(&binary, &binary).is_none());
        let (detail, fix) = version_gap(&[m(1, 1)], &binary).unwrap();
        assert!(
            detail.contains("lacks this binary's migrations 2"),
            "{detail}"
        );
        assert!(fix.contains("parcd migrate"), "{fix}");
        let (detail, fix) = version_gap(&[m(1, 1), m(2, 2), m(3, 3)], &binary).unwrap();
        assert!(detail.contains("does not know (3"), "{detail}");
        assert!(fix.contains("version that wrote it"), "{fix}");
        let (detail, _) = version_gap(&[m(1, 1), m(2, 9)], &binary).unwrap();
        assert!(detail.contains("migrations 2 differ"), "{detail}");
    }

    #[test]
    fn two_urls_of_one_file_are_the_same_database() {
        assert!(same_database("sqlite://a.db", "sqlite:a.db?mode=rwc"));
        assert!(!same_database("sqlite://a.db", "sqlite://b.db"));
        assert!(same_database("postgres://u@h/db", "postgres://u@h/db/"));
        assert!(!same_database("postgres://u@h/db", "sqlite://db"));
    }
}
