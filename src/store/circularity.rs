//! Reads what the AGEC shares and the REEN and DEEE rates need: every asset's purchase
//! (Infocom) and its retirement and exit, across the configured sources.

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use parcd_connectors::{AssetClass, Phase};
use sqlx::Row;

use super::sql::{Val, bind_all, list};
use super::{Store, StoreError};
use crate::agec::{CircularityInputs, ExitFacts, Purchase};

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn day_of(unix: Option<i64>) -> Option<NaiveDate> {
    unix.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.date_naive())
}

impl Store {
    pub async fn circularity_inputs(
        &self,
        sources: &[&str],
    ) -> Result<CircularityInputs, StoreError> {
        let mut out = CircularityInputs::default();
        if sources.is_empty() {
            return Ok(out);
        }
        // The latest move into `retired` and the latest exit: a device retired, put back in
        // service and retired again was retired the second time. One grouped pass over the
        // exit events rather than two lookups per asset, and rows read as a stream: the whole
        // result of a 100,000-device fleet is never held at once.
        let sql = format!(
            "SELECT a.source, a.external_id, a.class, a.name, a.status, a.phase, \
               p.external_id AS has_purchase, p.order_date, p.buy_date, p.delivery_date, \
               p.use_date, p.decommission_date, p.amount_cents, p.supplier, p.comment, \
               p.order_number, p.amount_unreadable, \
               ev.retired_event_at, ev.exit_event_at \
             FROM assets a LEFT JOIN purchases p \
               ON p.source = a.source AND p.external_id = a.external_id \
             LEFT JOIN (SELECT source, external_id, \
                 MAX(CASE WHEN to_phase = 'retired' THEN occurred_at END) AS retired_event_at, \
                 MAX(CASE WHEN to_phase <> 'retired' THEN occurred_at END) AS exit_event_at \
               FROM lifecycle_events \
               WHERE to_phase IN ('retired', 'reused', 'recycled', 'destroyed') \
               GROUP BY source, external_id) ev \
               ON ev.source = a.source AND ev.external_id = a.external_id \
             WHERE a.source IN ({})",
            list(self.backend, sources.len(), 1)
        );
        let vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
        let mut rows = bind_all(sqlx::query(&sql), vals).fetch(self.pool());
        while let Some(r) = rows.try_next().await? {
            let r = &r;
            let source: String = r.try_get("source")?;
            let external_id: String = r.try_get("external_id")?;
            let id = format!("{source}/{external_id}");
            let class = AssetClass::parse(&r.try_get::<String, _>("class")?);
            let phase = Phase::parse(&r.try_get::<String, _>("phase")?);
            let name: Option<String> = r.try_get("name")?;
            let status: Option<String> = r.try_get("status")?;
            let has_purchase: Option<String> = r.try_get("has_purchase")?;
            let (order, buy, delivery, use_date, decommission) = (
                date(r.try_get("order_date")?),
                date(r.try_get("buy_date")?),
                date(r.try_get("delivery_date")?),
                date(r.try_get("use_date")?),
                date(r.try_get("decommission_date")?),
            );
            if has_purchase.is_some() {
                out.purchases.push(Purchase {
                    id: id.clone(),
                    name: name.clone(),
                    class,
                    category: None,
                    // As `Purchase::spend_date`: the purchase date, else order, else delivery.
                    date: buy.or(order).or(delivery),
                    amount_cents: r.try_get("amount_cents")?,
                    amount_text: r.try_get("amount_unreadable")?,
                    supplier: r.try_get("supplier")?,
                    comment: r.try_get("comment")?,
                    status: status
                        .clone()
                        .filter(|_| super::facts::status_tells_origin(phase)),
                    order_number: r.try_get("order_number")?,
                    origin: None,
                });
            } else {
                out.without_purchase += 1;
            }
            let exit_phase = phase.filter(|p| p.is_exit());
            // GLPI's decommission date ("date de réforme") is when the device was retired;
            // the events give when parcd saw the moves, the fallback when it is empty.
            let retired_on = decommission.or(day_of(r.try_get("retired_event_at")?));
            let exit_on = exit_phase.and(day_of(r.try_get("exit_event_at")?));
            out.exits.push(ExitFacts {
                id,
                class,
                in_service_date: use_date.or(delivery).or(buy),
                // A device back in service after a retirement is not retired any more.
                retired_on: retired_on
                    .filter(|_| exit_phase.is_some() || phase == Some(Phase::Retired)),
                exit_phase,
                exit_on,
                security_excluded: false,
                status,
            });
        }
        Ok(out)
    }
}
