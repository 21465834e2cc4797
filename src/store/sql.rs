//! Small helpers over sqlx's Any driver: owned values, numbered placeholders, and
//! multi-row statements split under both databases' bind-parameter limits.
//!
//! Placeholders are `$n` for PostgreSQL and plain `?` for SQLite, bound in order. SQLite
//! accepts `$n` and `?n` too, but keeps them in a list that both its parser and sqlx's
//! binding walk once per parameter: a 20,000-parameter INSERT then spends seconds on it.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Transaction};

use super::{Backend, StoreError};

/// SQLite accepts 32,766 bind parameters per statement, PostgreSQL 65,535.
const MAX_PARAMS: usize = 30_000;

/// Rows per multi-row INSERT on SQLite (see `rows_per_statement`).
const SQLITE_ROWS_PER_STMT: usize = 200;

/// A value to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Self {
        Val::Real(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        Val::Text(v.map(str::to_string))
    }
}

pub fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    vals: Vec<Val>,
) -> Query<'q, Any, AnyArguments<'q>> {
    for v in vals {
        q = match v {
            Val::Int(i) => q.bind(i),
            Val::Real(f) => q.bind(f),
            Val::Text(t) => q.bind(t),
        };
    }
    q
}

/// Placeholder number `n` (from 1) of a statement whose values are bound in order.
pub fn ph(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `($1, $2, …)` groups for `rows` rows of `cols` columns, numbered from `first`.
pub fn placeholders(backend: Backend, rows: usize, cols: usize, first: usize) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(rows * cols * 7);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    let _ = write!(s, "${}", first + r * cols + c);
                }
            }
        }
        s.push(')');
    }
    s
}

/// A statement with its values bound, built apart from the connection that runs it (see
/// [`Tx::run_pipelined`]).
pub struct Statement {
    sql: String,
    args: AnyArguments<'static>,
    has_real: bool,
}

impl Statement {
    pub fn new(sql: String, vals: Vec<Val>) -> Statement {
        use sqlx::Arguments;
        let has_real = vals.iter().any(|v| matches!(v, Val::Real(_)));
        let mut args = AnyArguments::default();
        args.reserve(vals.len(), 0);
        for v in vals {
            // Binding an owned value to Any cannot fail.
            let bound = match v {
                Val::Int(i) => args.add(i),
                Val::Real(f) => args.add(f),
                Val::Text(t) => args.add(t),
            };
            debug_assert!(bound.is_ok());
        }
        Statement {
            sql,
            args,
            has_real,
        }
    }
}

/// `INSERT INTO table (columns) VALUES … suffix` for `rows`, as one statement.
///
/// A plain multi-row INSERT on SQLite is `INSERT OR FAIL`: with the default (ABORT), a
/// constraint failure undoes only the failing statement, so SQLite copies every page the
/// statement touches into a statement journal first (a tenth of the SQLite thread's
/// time in a first import's profile, with a malloc per journal chunk). FAIL needs no such
/// journal; a failing statement fails its page, whose whole transaction is then rolled
/// back, so the rows it wrote before the failure are undone all the same. An upsert keeps
/// the default: its conflict target is handled by its own clause.
pub fn insert_statement(
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    suffix: &str,
) -> Statement {
    let verb = match backend {
        Backend::Sqlite if suffix.is_empty() => "INSERT OR FAIL",
        _ => "INSERT",
    };
    let sql = format!(
        "{verb} INTO {table} ({}) VALUES {} {suffix}",
        columns.join(", "),
        placeholders(backend, rows.len(), columns.len(), 1)
    );
    Statement::new(sql, rows.into_iter().flatten().collect())
}

/// How many rows of `columns` columns one multi-row INSERT takes.
pub fn rows_per_statement(backend: Backend, columns: usize) -> usize {
    let most = (MAX_PARAMS / columns).max(1);
    match backend {
        // Each connection keeps a prepared statement per SQL text, and parsing one of
        // 30,000 placeholders costs more than inserting its rows: statements of a fixed
        // row count are parsed once per connection, whatever the page size.
        Backend::Sqlite => SQLITE_ROWS_PER_STMT.min(most),
        Backend::Postgres => most,
    }
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` values.
pub fn list(backend: Backend, n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| ph(backend, i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A transaction.
pub struct Tx {
    inner: Transaction<'static, Any>,
    backend: Backend,
}

impl Tx {
    pub(super) fn new(inner: Transaction<'static, Any>, backend: Backend) -> Self {
        Tx { inner, backend }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }

    pub(super) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }

    /// Runs `sql` with `vals` bound.
    pub(super) async fn exec(&mut self, sql: String, vals: Vec<Val>) -> Result<u64, StoreError> {
        // Not cached as prepared statements: through the Any driver, re-executing a cached
        // multi-row statement on PostgreSQL failed with "incorrect binary data format in
        // bind parameter" once a page's NULLs fell in other slots (the kill -9 test on
        // PostgreSQL caught it). These statements change with every page size anyway.
        // A prepared statement keeps the parameter types of its first execution on
        // PostgreSQL, and sqlx's Any driver sends a NULL DOUBLE PRECISION as a FLOAT4
        // (sqlx-core 0.8.6, any/arguments.rs): a later value in that slot then fails with
        // "incorrect binary data format". So statements with a REAL column are parsed anew
        // each time; the store keeps its multi-row tables free of them (power is stored in
        // milliwatts) so that their statements are prepared once per page size.
        let has_real = vals.iter().any(|v| matches!(v, Val::Real(_)));
        let q = bind_all(sqlx::query(&sql), vals).persistent(!has_real);
        Ok(q.execute(&mut *self.inner).await?.rows_affected())
    }

    /// Runs `sql` as an unnamed statement, planned for its values: for `IN (…)` lookups,
    /// whose cached generic plan on PostgreSQL may scan the whole table.
    pub(super) async fn exec_unprepared(
        &mut self,
        sql: String,
        vals: Vec<Val>,
    ) -> Result<u64, StoreError> {
        let q = bind_all(sqlx::query(&sql), vals).persistent(false);
        Ok(q.execute(&mut *self.inner).await?.rows_affected())
    }

    /// `INSERT INTO table (columns) VALUES … suffix` for every row, in as few statements as
    /// the bind limits allow. Returns the number of rows written.
    pub(super) async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Val>>,
        suffix: &str,
    ) -> Result<u64, StoreError> {
        let per_stmt = rows_per_statement(self.backend, columns.len());
        let backend = self.backend;
        let mut rows = rows.into_iter().peekable();
        let statements = std::iter::from_fn(|| {
            rows.peek()?;
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_stmt).collect();
            Some(insert_statement(backend, table, columns, chunk, suffix))
        });
        self.run_pipelined(statements).await
    }

    /// Runs `statements` in order, building each one (a lazy iterator's `next`) while the
    /// database runs the one before: on SQLite the statement runs on sqlx's worker thread,
    /// so turning rows into bound values no longer waits for it. Returns the rows affected.
    pub async fn run_pipelined(
        &mut self,
        mut statements: impl Iterator<Item = Statement>,
    ) -> Result<u64, StoreError> {
        let mut written = 0;
        let mut next = statements.next();
        while let Some(st) = next.take() {
            // The same rule as `exec` for prepared statements and REAL values.
            let run = sqlx::query_with(&st.sql, st.args)
                .persistent(!st.has_real)
                .execute(&mut *self.inner);
            // Polled first, `run` hands the statement to the database; the next one is built
            // while it runs.
            let (done, built) = tokio::join!(biased; run, async { statements.next() });
            written += done?.rows_affected();
            next = built;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 2, 1),
            "($1, $2), ($3, $4)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 1, 2, 3), "(?, ?)");
        assert_eq!(list(Backend::Postgres, 3, 2), "$2, $3, $4");
    }
}
