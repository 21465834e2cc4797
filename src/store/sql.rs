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
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push_str(&ph(backend, first + r * cols + c));
        }
        s.push(')');
    }
    s
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

    pub(super) fn backend(&self) -> Backend {
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
        let mut written = 0;
        let per_stmt = (MAX_PARAMS / columns.len()).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_stmt).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {} {suffix}",
                columns.join(", "),
                placeholders(self.backend, chunk.len(), columns.len(), 1)
            );
            let vals: Vec<Val> = chunk.into_iter().flatten().collect();
            written += self.exec(sql, vals).await?;
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
