//! Sources: cursors, syncs under way, and the record of every poll run.

use sqlx::Row;

use super::sql::Val;
use super::{Store, StoreError, Tx};

/// What the store knows of one source between polls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub name: String,
    pub kind: String,
    pub cursor: Option<String>,
    /// Mode and id of the sync under way, if a previous process stopped in the middle.
    pub sync: Option<(String, String)>,
    pub last_full_sync_at: Option<i64>,
    pub last_success_at: Option<i64>,
}

/// One poll run, as `sync --once` and the API report it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollRun {
    pub id: String,
    pub source: String,
    pub sync_id: String,
    pub mode: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub pages: i64,
    pub records_read: i64,
    pub created: i64,
    pub changed: i64,
    pub vanished: i64,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
}

impl Store {
    /// The state of `name`, registering the source on first sight.
    pub async fn source_state(
        &self,
        name: &str,
        kind: &str,
        now: i64,
    ) -> Result<SourceState, StoreError> {
        sqlx::query("INSERT INTO sources (name, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(name.to_string())
            .bind(kind.to_string())
            .bind(now)
            .execute(self.pool())
            .await?;
        let r = sqlx::query(
            "SELECT name, kind, cursor, sync_mode, sync_id, last_full_sync_at, last_success_at \
             FROM sources WHERE name = $1",
        )
        .bind(name.to_string())
        .fetch_one(self.pool())
        .await?;
        let stored_kind: String = r.try_get("kind")?;
        if stored_kind != kind {
            return Err(StoreError::Inconsistent(format!(
                "source {name} was a {stored_kind} source and is now configured as {kind}: \
                 give the new source another name"
            )));
        }
        let mode: Option<String> = r.try_get("sync_mode")?;
        let id: Option<String> = r.try_get("sync_id")?;
        Ok(SourceState {
            name: r.try_get("name")?,
            kind: stored_kind,
            cursor: r.try_get("cursor")?,
            sync: mode.zip(id),
            last_full_sync_at: r.try_get("last_full_sync_at")?,
            last_success_at: r.try_get("last_success_at")?,
        })
    }

    /// Records the start of a poll run.
    pub async fn start_run(&self, run: &PollRun) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO poll_runs (id, source, sync_id, mode, started_at, outcome) VALUES ($1, $2, $3, $4, $5, 'running')",
        )
        .bind(run.id.clone())
        .bind(run.source.clone())
        .bind(run.sync_id.clone())
        .bind(run.mode.clone())
        .bind(run.started_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records the end of a poll run.
    pub async fn finish_run(&self, run: &PollRun) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE poll_runs SET finished_at = $1, outcome = $2, error_type = $3, error_message = $4 WHERE id = $5",
        )
        .bind(run.finished_at)
        .bind(run.outcome.clone())
        .bind(run.error_type.clone())
        .bind(run.error_message.clone())
        .bind(run.id.clone())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The most recent runs of `source`, newest first.
    pub async fn recent_runs(&self, source: &str, limit: i64) -> Result<Vec<PollRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, sync_id, mode, started_at, finished_at, outcome, pages, records_read, \
             created, changed, vanished, error_type, error_message FROM poll_runs \
             WHERE source = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(source.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PollRun {
                    id: r.try_get("id")?,
                    source: r.try_get("source")?,
                    sync_id: r.try_get("sync_id")?,
                    mode: r.try_get("mode")?,
                    started_at: r.try_get("started_at")?,
                    finished_at: r.try_get("finished_at")?,
                    outcome: r.try_get("outcome")?,
                    pages: r.try_get("pages")?,
                    records_read: r.try_get("records_read")?,
                    created: r.try_get("created")?,
                    changed: r.try_get("changed")?,
                    vanished: r.try_get("vanished")?,
                    error_type: r.try_get("error_type")?,
                    error_message: r.try_get("error_message")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

impl Tx {
    /// Saves the cursor after a page, and the sync under way (`None` once it is done).
    pub async fn save_cursor(
        &mut self,
        source: &str,
        cursor: &str,
        sync: Option<(&str, &str, i64)>,
    ) -> Result<(), StoreError> {
        let (mode, id, started): (Option<&str>, Option<&str>, Option<i64>) = match sync {
            Some((m, i, s)) => (Some(m), Some(i), Some(s)),
            None => (None, None, None),
        };
        self.exec(
            "UPDATE sources SET cursor = $1, sync_mode = $2, sync_id = $3, sync_started_at = $4 WHERE name = $5"
                .to_string(),
            vec![cursor.into(), mode.into(), id.into(), Val::Int(started), source.into()],
        )
        .await?;
        Ok(())
    }

    /// Marks a completed sync.
    pub async fn sync_completed(
        &mut self,
        source: &str,
        full: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let sql = if full {
            "UPDATE sources SET last_success_at = $1, last_full_sync_at = $1 WHERE name = $2"
        } else {
            "UPDATE sources SET last_success_at = $1 WHERE name = $2"
        };
        self.exec(sql.to_string(), vec![now.into(), source.into()])
            .await?;
        Ok(())
    }

    /// Adds a page's counts to its poll run.
    pub async fn add_to_run(
        &mut self,
        run_id: &str,
        records: i64,
        created: i64,
        changed: i64,
        vanished: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "UPDATE poll_runs SET pages = pages + 1, records_read = records_read + $1, created = created + $2, \
             changed = changed + $3, vanished = vanished + $4 WHERE id = $5"
                .to_string(),
            vec![records.into(), created.into(), changed.into(), vanished.into(), run_id.into()],
        )
        .await?;
        Ok(())
    }
}
