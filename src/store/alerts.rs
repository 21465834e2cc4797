//! Alert states and the outbox of alert messages.

use sqlx::Row;

use super::sql::Val;
use super::{Store, StoreError};
use crate::agec::Category;
use crate::alerts::evaluate::{AlertRow, Plan, State};
use crate::alerts::model::{Notice, Outgoing, QuotaKind, Rule};

/// A message in the outbox, sent or not.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub outgoing: Outgoing,
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub dropped_at: Option<i64>,
}

fn alert_from_row(r: &sqlx::any::AnyRow) -> Result<Option<AlertRow>, StoreError> {
    let rule: String = r.try_get("rule")?;
    let category: String = r.try_get("category")?;
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let kind = QuotaKind::ALL.into_iter().find(|k| k.as_str() == kind);
    // Rows of a newer parcd with rules this one does not know are left alone.
    let (Some(rule), Ok(category), Some(kind), Some(state)) = (
        Rule::parse(&rule),
        Category::parse(&category),
        kind,
        State::parse(&state),
    ) else {
        return Ok(None);
    };
    let year: i64 = r.try_get("year")?;
    Ok(Some(AlertRow {
        rule,
        category,
        kind,
        year: i32::try_from(year).unwrap_or_default(),
        state,
        fired_at: r.try_get("fired_at")?,
        last_notified_at: r.try_get("last_notified_at")?,
        resolved_at: r.try_get("resolved_at")?,
    }))
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<OutboxEntry, StoreError> {
    let notice: String = r.try_get("notice")?;
    let notice: Notice = serde_json::from_str(&notice)
        .map_err(|e| StoreError::Inconsistent(format!("alert_outbox.notice: {e}")))?;
    Ok(OutboxEntry {
        outgoing: Outgoing {
            id: r.try_get("id")?,
            channel: r.try_get("channel")?,
            notice,
        },
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        sent_at: r.try_get("sent_at")?,
        dropped_at: r.try_get("dropped_at")?,
    })
}

const OUTBOX_COLUMNS: &str =
    "id, channel, notice, created_at, attempts, last_error, sent_at, dropped_at";

impl Store {
    /// Every stored alert, newest year first.
    pub async fn alerts(&self) -> Result<Vec<AlertRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT rule, category, kind, year, state, fired_at, last_notified_at, resolved_at \
             FROM alerts ORDER BY year DESC, alert_key",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.extend(alert_from_row(r)?);
        }
        Ok(out)
    }

    /// Applies an evaluation: the changed alert states, and one outbox message per notice and
    /// channel, in one transaction. Either all of it is recorded or none: a crash in between
    /// cannot leave an alert marked as said with its message never queued.
    pub async fn apply_alert_plan(
        &self,
        plan: &Plan,
        channels: &[String],
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin().await?;
        for a in &plan.rows {
            tx.exec(
                "INSERT INTO alerts (alert_key, rule, category, kind, year, state, fired_at, \
                   last_notified_at, resolved_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (alert_key) DO UPDATE SET state = excluded.state, \
                   fired_at = excluded.fired_at, last_notified_at = excluded.last_notified_at, \
                   resolved_at = excluded.resolved_at, updated_at = excluded.updated_at"
                    .to_string(),
                vec![
                    a.key().into(),
                    a.rule.as_str().into(),
                    a.category.id().into(),
                    a.kind.as_str().into(),
                    i64::from(a.year).into(),
                    a.state.as_str().into(),
                    a.fired_at.into(),
                    a.last_notified_at.into(),
                    Val::Int(a.resolved_at),
                    now.into(),
                ],
            )
            .await?;
        }
        let mut ids = Vec::new();
        if !plan.notices.is_empty() && !channels.is_empty() {
            // One writer (the daemon's alert task), so the next id is the highest plus one.
            let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS top FROM alert_outbox")
                .fetch_one(&mut *tx.conn())
                .await?;
            let mut next: i64 = row.try_get("top")?;
            for notice in &plan.notices {
                let json = serde_json::to_string(notice)
                    .map_err(|e| StoreError::Inconsistent(format!("alert notice: {e}")))?;
                for channel in channels {
                    next += 1;
                    tx.exec(
                        "INSERT INTO alert_outbox (id, channel, notice, created_at) \
                         VALUES ($1, $2, $3, $4)"
                            .to_string(),
                        vec![
                            next.into(),
                            channel.as_str().into(),
                            json.clone().into(),
                            now.into(),
                        ],
                    )
                    .await?;
                    ids.push(next);
                }
            }
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Messages not sent nor dropped, oldest first.
    pub async fn outbox_pending(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM alert_outbox \
             WHERE sent_at IS NULL AND dropped_at IS NULL ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The latest `limit` messages, newest first.
    pub async fn outbox_recent(&self, limit: i64) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM alert_outbox ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_outbox SET sent_at = $1, attempts = attempts + 1, last_attempt_at = $1, \
             last_error = NULL WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn outbox_failed(&self, id: i64, error: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_outbox SET attempts = attempts + 1, last_attempt_at = $1, \
             last_error = $2 WHERE id = $3",
        )
        .bind(now)
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn outbox_dropped(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE alert_outbox SET dropped_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
