//! `parcd migrate`: brings the configured database's schema up to date, or, with `--from`
//! and `--to`, moves a whole store to another database (SQLite to PostgreSQL when a DSI
//! outgrows the embedded file).

use std::io::Write;

use crate::config::checks;
use crate::store::{CopyReport, Side, TableCount, copy_store, redact_url};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct MigrateArgs {
    /// Copy the whole store of this database (the daemon's [database] url, daemon stopped)…
    #[arg(long, value_name = "URL", requires = "to")]
    pub from: Option<String>,
    /// …into this empty database, whose schema is created first: sqlite://PATH or
    /// postgres://USER@HOST:PORT/DATABASE. Without --from/--to, `migrate` only creates or
    /// upgrades the schema of the configured database.
    #[arg(long, value_name = "URL", requires = "from")]
    pub to: Option<String>,
}

impl MigrateArgs {
    /// `--from` and `--to`, when the command moves a store.
    pub fn copy(&self) -> Option<(&str, &str)> {
        Some((self.from.as_deref()?, self.to.as_deref()?))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{key}: {problem}. Fix: {fix}")]
    Url {
        key: &'static str,
        problem: String,
        fix: String,
    },
    #[error(transparent)]
    Copy(#[from] crate::store::CopyError),
}

/// Moves the store at `from` into `to`, printing each table's rows as it goes, then the
/// totals.
pub async fn copy(from: &str, to: &str) -> Result<CopyReport, MigrateError> {
    for (side, url) in [(Side::From, from), (Side::To, to)] {
        if let Some(p) = checks::database_url(url, &redact_url(url)) {
            return Err(MigrateError::Url {
                key: side.key(),
                problem: p.problem,
                fix: p.fix,
            });
        }
    }
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "copying {} to {}\n{:<24} {:>12} {:>12}",
        redact_url(from),
        redact_url(to),
        "table",
        "source rows",
        "target rows"
    );
    let report = copy_store(from, to, |t: &TableCount| {
        let _ = writeln!(
            std::io::stdout(),
            "{:<24} {:>12} {:>12}",
            t.table,
            t.source,
            t.target
        );
    })
    .await?;
    let _ = writeln!(out, "{}", summary(&report, to));
    if report.other_sessions > 0 {
        eprintln!(
            "warning: {} other sessions were connected to --from {} during the copy: if one is a \
             parcd replica, what it writes from now on stays there. Stop every replica before \
             pointing them at the new database.",
            report.other_sessions,
            redact_url(from)
        );
    }
    Ok(report)
}

fn summary(report: &CopyReport, to: &str) -> String {
    let sequences = if report.sequences.is_empty() {
        String::new()
    } else {
        format!(
            "; id counters set past the ids the source handed out: {}",
            report.sequences.join(", ")
        )
    };
    format!(
        "copied {} rows of {} tables in {:.1} s, schema {}; every table's rows match{sequences}.\n\
         Next: set [database] url = \"{}\" in parcd's configuration and start parcd run.",
        report.rows(),
        report.tables.len(),
        report.elapsed.as_secs_f64(),
        report.schema_version,
        redact_url(to)
    )
}
