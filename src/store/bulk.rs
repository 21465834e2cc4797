//! PostgreSQL's bulk write path: the rows of a page sent as one array per column, and
//! written by `INSERT … SELECT * FROM UNNEST(…)`.
//!
//! Why arrays rather than `COPY`: the store talks through sqlx's Any driver, which has no
//! `COPY` (`copy_in_raw` belongs to `PgConnection`, and an `AnyConnection` gives no way back
//! to it), and a `COPY` on a second connection could not share the page's transaction with
//! its cursor. One parameter per column instead of one per value: the statement's text is
//! the same whatever the number of rows, so it is parsed and planned once per connection,
//! it has no bind-parameter limit (65,535 on PostgreSQL), and each array is one text value
//! that the server reads in C instead of thousands of values the Any driver binds one by one.
//!
//! Each array travels as its text literal (`{"a","b\"c",NULL}`) cast to its type: every
//! parameter is text, so the prepared statement keeps one set of parameter types whatever
//! the NULLs of a page (see `Tx::exec` for what mixed types did to prepared statements).

use super::sql::{Statement, Val};

/// Rows per statement on PostgreSQL: no limit applies, but a page's next statement is built
/// while the database runs the last one (`Tx::run_pipelined`), which needs several.
pub const ROWS_PER_STATEMENT: usize = 1000;

/// The array literal of text values: each one quoted, `"` and `\` escaped, `None` as NULL.
pub fn text_array<'a>(values: impl Iterator<Item = Option<&'a str>>) -> String {
    let mut s = String::from("{");
    for (i, v) in values.enumerate() {
        if i > 0 {
            s.push(',');
        }
        match v {
            None => s.push_str("NULL"),
            Some(t) => {
                s.reserve(t.len() + 2);
                s.push('"');
                let mut from = 0;
                for (at, b) in t.bytes().enumerate() {
                    if b == b'"' || b == b'\\' {
                        s.push_str(&t[from..at]);
                        s.push('\\');
                        from = at;
                    }
                }
                s.push_str(&t[from..]);
                s.push('"');
            }
        }
    }
    s.push('}');
    s
}

/// The array literal of integers, `None` as NULL.
pub fn int_array(values: impl Iterator<Item = Option<i64>>) -> String {
    use std::fmt::Write;
    let mut s = String::from("{");
    for (i, v) in values.enumerate() {
        if i > 0 {
            s.push(',');
        }
        match v {
            None => s.push_str("NULL"),
            Some(n) => {
                let _ = write!(s, "{n}");
            }
        }
    }
    s.push('}');
    s
}

/// The array literal of floating-point values, `None` as NULL. Rust writes the shortest
/// decimal that reads back as the same value; infinities and NaN take PostgreSQL's spelling.
fn real_array(values: impl Iterator<Item = Option<f64>>) -> String {
    use std::fmt::Write;
    let mut s = String::from("{");
    for (i, v) in values.enumerate() {
        if i > 0 {
            s.push(',');
        }
        match v {
            None => s.push_str("NULL"),
            Some(f) if f.is_nan() => s.push_str("NaN"),
            Some(f) if f == f64::INFINITY => s.push_str("Infinity"),
            Some(f) if f == f64::NEG_INFINITY => s.push_str("-Infinity"),
            Some(f) => {
                let _ = write!(s, "{f:?}");
            }
        }
    }
    s.push('}');
    s
}

/// One column of `rows` as an array literal, with its SQL array type. The column's type is
/// the one of its first value: the store's typed rows give every row the same.
fn column(rows: &[Vec<Val>], j: usize) -> (String, &'static str) {
    match &rows[0][j] {
        Val::Int(_) => (
            int_array(rows.iter().map(|r| match &r[j] {
                Val::Int(v) => *v,
                other => unreachable!("column {j} mixes integers and {other:?}"),
            })),
            "bigint[]",
        ),
        Val::Real(_) => (
            real_array(rows.iter().map(|r| match &r[j] {
                Val::Real(v) => *v,
                other => unreachable!("column {j} mixes reals and {other:?}"),
            })),
            "float8[]",
        ),
        Val::Text(_) => (
            text_array(rows.iter().map(|r| match &r[j] {
                Val::Text(v) => v.as_deref(),
                other => unreachable!("column {j} mixes text and {other:?}"),
            })),
            "text[]",
        ),
    }
}

/// `INSERT INTO table (columns) SELECT * FROM UNNEST($1::type[], …) suffix` for `rows`
/// (at least one), as one statement of one parameter per column.
pub fn insert_unnest(
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    suffix: &str,
) -> Statement {
    debug_assert!(!rows.is_empty(), "an INSERT of no row");
    let mut casts = Vec::with_capacity(columns.len());
    let mut arrays = Vec::with_capacity(columns.len());
    for j in 0..columns.len() {
        let (array, ty) = column(&rows, j);
        casts.push(format!("${}::{ty}", j + 1));
        arrays.push(Val::Text(Some(array)));
    }
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT * FROM UNNEST({}) {suffix}",
        columns.join(", "),
        casts.join(", ")
    );
    Statement::new(sql, arrays)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_arrays_quote_every_value_and_escape_quotes_and_backslashes() {
        let values = [
            Some("plain"),
            None,
            Some(""),
            Some("NULL"),
            Some("a \"b\" \\c {d,e}"),
        ];
        assert_eq!(
            text_array(values.into_iter()),
            r#"{"plain",NULL,"","NULL","a \"b\" \\c {d,e}"}"#
        );
        assert_eq!(text_array(std::iter::empty()), "{}");
    }

    #[test]
    fn number_arrays_write_nulls_and_postgresql_spellings() {
        assert_eq!(
            int_array([Some(-1), None, Some(i64::MAX)].into_iter()),
            "{-1,NULL,9223372036854775807}"
        );
        assert_eq!(
            real_array([Some(0.1), Some(1e300), Some(f64::INFINITY), None].into_iter()),
            "{0.1,1e300,Infinity,NULL}"
        );
    }
}
