//! Reads what the indicators need of each asset, now or as of a past date.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use parcd_connectors::{AssetClass, Phase};
use sqlx::Row;

use super::sql::{Val, bind_all, list};
use super::{Store, StoreError};
use crate::agec::origin::RuleInput;
use crate::agec::{Origin, OriginRules};
use crate::indicators::facts::{AssetFacts, AssetKey};

/// An asset's last event up to a date: its state then.
struct LastEvent {
    kind: String,
    phase: Option<String>,
    entity: Option<String>,
}

/// The exit event is only looked up for assets in an exit phase (only theirs is used): for
/// every asset, it was a million index probes of the history per full recompute.
const COLUMNS: &str = "a.source, a.external_id, a.class, a.model, a.entity, a.phase, a.vanished_at, \
     a.rated_power_mw, a.first_seen_at, p.use_date, p.delivery_date, p.buy_date, p.decommission_date, \
     a.name, a.status, p.supplier, p.comment, p.order_number, \
     CASE WHEN a.phase IN ('reused', 'recycled', 'destroyed') THEN \
     (SELECT MAX(e.occurred_at) FROM lifecycle_events e \
       WHERE e.source = a.source AND e.external_id = a.external_id AND e.kind = 'phase_change' \
         AND e.to_phase IN ('reused', 'recycled', 'destroyed')) END AS exit_event_at";

const FROM: &str =
    "FROM assets a LEFT JOIN purchases p ON p.source = a.source AND p.external_id = a.external_id";

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp()
}

/// The status of a device still in the fleet may say how it came (a "Don reçu" status); once
/// it is retired or gone, its status says how it left ("Donné", "Vendu") and must not be
/// read as its origin.
pub(super) fn status_tells_origin(phase: Option<Phase>) -> bool {
    phase.is_some_and(|p| !p.is_exit() && p != Phase::Retired)
}

/// Bought second-hand: a reuse purchase or a donation received. Its manufacture was charged
/// to its first life, so the footprint charges it only the reconditioned share.
fn second_hand(r: &sqlx::any::AnyRow, origins: &OriginRules) -> Result<bool, StoreError> {
    let name: Option<String> = r.try_get("name")?;
    let status: Option<String> = r.try_get("status")?;
    let phase = Phase::parse(&r.try_get::<String, _>("phase")?);
    let status = status.filter(|_| status_tells_origin(phase));
    let supplier: Option<String> = r.try_get("supplier")?;
    let comment: Option<String> = r.try_get("comment")?;
    let order_number: Option<String> = r.try_get("order_number")?;
    let origin = origins
        .classify(&RuleInput {
            supplier: supplier.as_deref(),
            comment: comment.as_deref(),
            name: name.as_deref(),
            status: status.as_deref(),
            order_number: order_number.as_deref(),
        })
        .origin;
    Ok(matches!(origin, Some(Origin::Reuse | Origin::Donation)))
}

fn facts_from_row(
    r: &sqlx::any::AnyRow,
    origins: &OriginRules,
) -> Result<Option<AssetFacts>, StoreError> {
    let class: String = r.try_get("class")?;
    let phase: String = r.try_get("phase")?;
    // Rows written by a newer parcd with classes or phases this one does not know are left
    // out rather than guessed.
    let (Some(class), Some(phase)) = (AssetClass::parse(&class), Phase::parse(&phase)) else {
        return Ok(None);
    };
    let vanished_at: Option<i64> = r.try_get("vanished_at")?;
    let power_mw: Option<i64> = r.try_get("rated_power_mw")?;
    let in_service_date = date(r.try_get("use_date")?)
        .or(date(r.try_get("delivery_date")?))
        .or(date(r.try_get("buy_date")?));
    let decommissioned = date(r.try_get("decommission_date")?).map(midnight);
    let exit_event_at: Option<i64> = r.try_get("exit_event_at")?;
    Ok(Some(AssetFacts {
        key: AssetKey {
            source: r.try_get("source")?,
            external_id: r.try_get("external_id")?,
        },
        class,
        model: r.try_get("model")?,
        entity: r.try_get("entity")?,
        phase,
        vanished: vanished_at.is_some(),
        rated_power_w: power_mw.map(|mw| mw as f64 / 1000.0),
        in_service_date,
        first_seen_at: r.try_get("first_seen_at")?,
        // The decommission date is the exit's real date; the event is when parcd saw it.
        exit_at: phase
            .is_exit()
            .then_some(decommissioned.or(exit_event_at))
            .flatten(),
        reconditioned: second_hand(r, origins)?,
    }))
}

impl Store {
    /// Every asset of the given sources.
    pub async fn indicator_facts(
        &self,
        sources: &[&str],
        origins: &OriginRules,
    ) -> Result<Vec<AssetFacts>, StoreError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE a.source IN ({})",
            list(self.backend, sources.len(), 1)
        );
        let vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
        let rows = bind_all(sqlx::query(&sql), vals)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.extend(facts_from_row(r, origins)?);
        }
        Ok(out)
    }

    /// Every asset of the given sources, handed over `batch` at a time as the rows come:
    /// at a million assets, the rows and facts of the whole fleet at once would cost more
    /// memory than the indicators computed from them.
    pub async fn indicator_facts_batches(
        &self,
        sources: &[&str],
        origins: &OriginRules,
        batch: usize,
        each: &mut (dyn FnMut(Vec<AssetFacts>) + Send),
    ) -> Result<(), StoreError> {
        if sources.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE a.source IN ({})",
            list(self.backend, sources.len(), 1)
        );
        let vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
        let mut rows = bind_all(sqlx::query(&sql), vals).fetch(self.pool());
        let mut out = Vec::with_capacity(batch);
        while let Some(r) = rows.try_next().await? {
            out.extend(facts_from_row(&r, origins)?);
            if out.len() >= batch {
                each(std::mem::replace(&mut out, Vec::with_capacity(batch)));
            }
        }
        if !out.is_empty() {
            each(out);
        }
        Ok(())
    }

    /// The given assets of one source (those a page just changed).
    pub async fn indicator_facts_of(
        &self,
        source: &str,
        ids: &[String],
        origins: &OriginRules,
    ) -> Result<Vec<AssetFacts>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(900) {
            let sql = format!(
                "SELECT {COLUMNS} {FROM} WHERE a.source = {} AND a.external_id IN ({})",
                super::sql::ph(self.backend, 1),
                list(self.backend, chunk.len(), 2)
            );
            let mut vals: Vec<Val> = vec![source.into()];
            vals.extend(chunk.iter().map(|id| Val::from(id.as_str())));
            let rows = bind_all(sqlx::query(&sql), vals)
                .persistent(false)
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                out.extend(facts_from_row(r, origins)?);
            }
        }
        Ok(out)
    }

    /// Every asset of the given sources as it stood at `at` (unix seconds), rebuilt from the
    /// event history: its phase and entity are those of its last event up to then; an asset
    /// with no event by then did not exist for parcd yet.
    pub async fn indicator_facts_at(
        &self,
        sources: &[&str],
        at: i64,
        origins: &OriginRules,
    ) -> Result<Vec<AssetFacts>, StoreError> {
        let mut now = self.indicator_facts(sources, origins).await?;
        let rows = sqlx::query(
            "SELECT e.source, e.external_id, e.kind, e.to_phase, e.entity FROM lifecycle_events e \
             JOIN (SELECT source, external_id, MAX(seq) AS seq FROM lifecycle_events \
                   WHERE occurred_at <= $1 GROUP BY source, external_id) last \
               ON e.source = last.source AND e.external_id = last.external_id AND e.seq = last.seq",
        )
        .bind(at)
        .fetch_all(self.pool())
        .await?;
        let mut then: HashMap<(String, String), LastEvent> = HashMap::new();
        for r in rows {
            then.insert(
                (r.try_get("source")?, r.try_get("external_id")?),
                LastEvent {
                    kind: r.try_get("kind")?,
                    phase: r.try_get("to_phase")?,
                    entity: r.try_get("entity")?,
                },
            );
        }
        now.retain_mut(|f| {
            let Some(LastEvent {
                kind,
                phase,
                entity,
            }) = then.remove(&(f.key.source.clone(), f.key.external_id.clone()))
            else {
                return false;
            };
            f.vanished = kind == "vanished";
            if let Some(p) = phase.as_deref().and_then(Phase::parse) {
                f.phase = p;
            }
            f.entity = entity;
            if !f.phase.is_exit() {
                f.exit_at = None;
            }
            true
        });
        Ok(now)
    }
}
