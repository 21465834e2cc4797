//! Alert states and the outbox of alert messages.

use sqlx::Row;

use super::sql::Val;
use super::{Store, StoreError};
use crate::agec::Category;
use crate::alerts::evaluate::{AlertRow, Plan, State};
use crate::alerts::model::{Notice, Outgoing, QuotaKind, Rule};

/// What became of an evaluation's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanOutcome {
    /// Recorded, with the ids of the messages it queued.
    Recorded(Vec<i64>),
    /// Another replica changed one of these alerts since they were read: nothing recorded.
    Superseded,
}

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

/// The advisory lock key that makes outbox claims one replica at a time on PostgreSQL
/// ("parcd-ob" in ASCII).
const OUTBOX_CLAIM_LOCK: i64 = 0x7061_7263_642d_6f62;

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

    /// Applies an evaluation made from `stored` (the alerts as read before evaluating): the
    /// changed alert states, and one outbox message per notice and channel, in one
    /// transaction. Either all of it is recorded or none: a crash in between cannot leave
    /// an alert marked as said with its message never queued.
    ///
    /// Several replicas may evaluate the same state at once. Each changed row is written
    /// only if it is still as `stored` says; if another replica changed one first, nothing
    /// is recorded and [`PlanOutcome::Superseded`] says to evaluate again from the new
    /// state. Each message is queued under its notice's key and channel, and a key already
    /// queued is not queued again.
    pub async fn apply_alert_plan(
        &self,
        plan: &Plan,
        stored: &[AlertRow],
        channels: &[String],
        now: i64,
    ) -> Result<PlanOutcome, StoreError> {
        if plan.keys.len() != plan.notices.len() {
            return Err(StoreError::Inconsistent(format!(
                "an alert plan with {} notices and {} keys",
                plan.notices.len(),
                plan.keys.len()
            )));
        }
        let mut tx = self.begin().await?;
        for a in &plan.rows {
            let key = a.key();
            let values: Vec<Val> = vec![
                a.state.as_str().into(),
                a.fired_at.into(),
                a.last_notified_at.into(),
                Val::Int(a.resolved_at),
                now.into(),
                key.clone().into(),
            ];
            let written = match stored.iter().find(|p| p.key() == key) {
                None => {
                    let mut vals = values;
                    vals.extend([
                        a.rule.as_str().into(),
                        a.category.id().into(),
                        a.kind.as_str().into(),
                        i64::from(a.year).into(),
                    ]);
                    tx.exec(
                        "INSERT INTO alerts (state, fired_at, last_notified_at, resolved_at, \
                           updated_at, alert_key, rule, category, kind, year) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (alert_key) DO NOTHING"
                            .to_string(),
                        vals,
                    )
                    .await?
                }
                Some(p) => {
                    let mut vals = values;
                    vals.extend([
                        p.state.as_str().into(),
                        p.fired_at.into(),
                        p.last_notified_at.into(),
                    ]);
                    tx.exec(
                        "UPDATE alerts SET state = $1, fired_at = $2, last_notified_at = $3, \
                           resolved_at = $4, updated_at = $5 \
                         WHERE alert_key = $6 AND state = $7 AND fired_at = $8 \
                           AND last_notified_at = $9"
                            .to_string(),
                        vals,
                    )
                    .await?
                }
            };
            if written == 0 {
                // Dropping the transaction rolls it back.
                return Ok(PlanOutcome::Superseded);
            }
        }
        let mut ids = Vec::new();
        for (notice, key) in plan.notices.iter().zip(&plan.keys) {
            let json = serde_json::to_string(notice)
                .map_err(|e| StoreError::Inconsistent(format!("alert notice: {e}")))?;
            for channel in channels {
                // The id comes from the database (identity, AUTOINCREMENT): writers on
                // several replicas never pick the same one.
                let row = sqlx::query(
                    "INSERT INTO alert_outbox (channel, notice, created_at, idempotency_key) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING \
                     RETURNING id",
                )
                .bind(channel.as_str())
                .bind(json.as_str())
                .bind(now)
                .bind(format!("{key}@{channel}"))
                .fetch_optional(&mut *tx.conn())
                .await?;
                if let Some(row) = row {
                    ids.push(row.try_get("id")?);
                }
            }
        }
        tx.commit().await?;
        Ok(PlanOutcome::Recorded(ids))
    }

    /// How many messages wait for each channel, whichever replica holds them.
    pub async fn outbox_pending_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT channel, COUNT(*) AS n FROM alert_outbox \
             WHERE sent_at IS NULL AND dropped_at IS NULL GROUP BY channel",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("channel")?, r.try_get("n")?)))
            .collect()
    }

    /// Claims for `owner` (one replica) until `until` the pending messages no other
    /// replica holds, and renews the ones `owner` holds already; returns them oldest first.
    /// A claim whose time has passed (its replica died or stalled) is anyone's.
    ///
    /// A channel's messages stay with one replica, so that they arrive in order: a message
    /// behind one that another replica holds is left to that replica. On PostgreSQL the
    /// claims are made one replica at a time (an advisory lock for the transaction), so
    /// each sees the others' committed claims, and the rows are locked with `SKIP LOCKED`
    /// so that a claim never waits on a row being marked sent. SQLite has a single writer.
    pub async fn outbox_claim(
        &self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut tx = self.begin().await?;
        let lock = if self.backend() == super::Backend::Postgres {
            sqlx::query("SELECT 1 AS held FROM pg_advisory_xact_lock($1)")
                .bind(OUTBOX_CLAIM_LOCK)
                .execute(&mut *tx.conn())
                .await?;
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "UPDATE alert_outbox SET claimed_by = $1, claimed_until = $2 \
             WHERE id IN (SELECT o.id FROM alert_outbox o \
               WHERE o.sent_at IS NULL AND o.dropped_at IS NULL \
                 AND (o.claimed_by IS NULL OR o.claimed_by = $1 OR o.claimed_until < $3) \
                 AND NOT EXISTS (SELECT 1 FROM alert_outbox h \
                   WHERE h.channel = o.channel AND h.id < o.id \
                     AND h.sent_at IS NULL AND h.dropped_at IS NULL \
                     AND h.claimed_by <> $1 AND h.claimed_until >= $3) \
               ORDER BY o.id {lock}) \
             RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(owner)
        .bind(until)
        .bind(now)
        .fetch_all(&mut *tx.conn())
        .await?;
        tx.commit().await?;
        let mut claimed = rows
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|e| e.outgoing.id);
        Ok(claimed)
    }

    /// Extends `owner`'s claim on message `id` until `until`, right before sending it:
    /// `false` when the message is no longer `owner`'s to send (sent, dropped, or claimed
    /// by another replica after this one's claim ran out).
    pub async fn outbox_renew(&self, id: i64, owner: &str, until: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE alert_outbox SET claimed_until = $1 \
             WHERE id = $2 AND claimed_by = $3 AND sent_at IS NULL AND dropped_at IS NULL",
        )
        .bind(until)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up `owner`'s claims on messages not sent (at shutdown): another replica takes
    /// them at once instead of when the claims run out.
    pub async fn outbox_release(&self, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_outbox SET claimed_by = NULL, claimed_until = NULL \
             WHERE claimed_by = $1 AND sent_at IS NULL",
        )
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
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
