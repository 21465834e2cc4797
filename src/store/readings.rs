//! Readings: append-only measures of telemetry sources, and the queries over them (as of a
//! date, a subject's series, the readings of a fleet device across sources).

use sqlx::Row;

use super::assets::split_columns;
use super::sql::{Val, bind_all, list};
use super::{Store, StoreError, Tx};

/// One row of `readings`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadingRow {
    pub source: String,
    pub scope: String,
    pub subject: String,
    pub quantity: String,
    /// When the value was true at the source, unix seconds.
    pub at: i64,
    pub value: f64,
    pub unit: String,
    pub measure: String,
    pub serial_key: Option<String>,
    pub observed_at: i64,
    pub poll_run: Option<String>,
}

impl ReadingRow {
    fn columns(self) -> [(&'static str, Val); 11] {
        [
            ("source", self.source.into()),
            ("scope", self.scope.into()),
            ("subject", self.subject.into()),
            ("quantity", self.quantity.into()),
            ("at", self.at.into()),
            ("value", Some(self.value).into()),
            ("unit", self.unit.into()),
            ("measure", self.measure.into()),
            ("serial_key", self.serial_key.into()),
            ("observed_at", self.observed_at.into()),
            ("poll_run", self.poll_run.into()),
        ]
    }

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(ReadingRow {
            source: r.try_get("source")?,
            scope: r.try_get("scope")?,
            subject: r.try_get("subject")?,
            quantity: r.try_get("quantity")?,
            at: r.try_get("at")?,
            value: r.try_get("value")?,
            unit: r.try_get("unit")?,
            measure: r.try_get("measure")?,
            serial_key: r.try_get("serial_key")?,
            observed_at: r.try_get("observed_at")?,
            poll_run: r.try_get("poll_run")?,
        })
    }
}

const SELECT: &str = "SELECT source, scope, subject, quantity, at, value, unit, measure, \
                      serial_key, observed_at, poll_run FROM readings";

/// The readings of one device subject of a source: when parcd first and last read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpan {
    pub source: String,
    pub subject: String,
    pub serial_key: Option<String>,
    pub first_at: i64,
    pub last_at: i64,
}

/// A stored asset as the printing figures join it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialAsset {
    pub source: String,
    pub external_id: String,
    pub serial_key: Option<String>,
    pub class: String,
    pub entity: Option<String>,
    pub phase: String,
    pub vanished: bool,
    pub updated_at: i64,
}

/// A fleet device that readings join, by serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedAsset {
    pub serial_key: String,
    pub source: String,
    pub external_id: String,
}

impl Tx {
    /// Appends readings; one already stored (same source, subject, quantity and time) is
    /// left as it is. Returns how many were new.
    pub async fn insert_readings(&mut self, rows: Vec<ReadingRow>) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let (columns, values) = split_columns(rows.into_iter().map(ReadingRow::columns));
        self.insert_rows(
            "readings",
            &columns,
            values,
            "ON CONFLICT (source, scope, subject, quantity, at) DO NOTHING",
        )
        .await
    }

    /// The latest stored reading of `quantity` at or before `at` for each subject of
    /// `source`: subject → (time, value).
    pub async fn latest_readings(
        &mut self,
        source: &str,
        quantity: &str,
        at: i64,
    ) -> Result<std::collections::HashMap<String, (i64, f64)>, StoreError> {
        self.edge_readings(source, quantity, "MAX(at)", "<=", at)
            .await
    }

    /// The earliest stored reading of `quantity` at or after `at` for each subject of
    /// `source`: subject → (time, value).
    pub async fn earliest_readings(
        &mut self,
        source: &str,
        quantity: &str,
        at: i64,
    ) -> Result<std::collections::HashMap<String, (i64, f64)>, StoreError> {
        self.edge_readings(source, quantity, "MIN(at)", ">=", at)
            .await
    }

    /// For each subject, the reading whose time is `pick` (`MAX(at)` or `MIN(at)`) of those
    /// with `at <cmp> bound`.
    async fn edge_readings(
        &mut self,
        source: &str,
        quantity: &str,
        pick: &str,
        cmp: &str,
        bound: i64,
    ) -> Result<std::collections::HashMap<String, (i64, f64)>, StoreError> {
        let sql = format!(
            "SELECT subject, at, value FROM readings r WHERE source = $1 AND quantity = $2 \
             AND at = (SELECT {pick} FROM readings l WHERE l.source = r.source \
               AND l.scope = r.scope AND l.subject = r.subject AND l.quantity = r.quantity \
               AND l.at {cmp} $3)"
        );
        let rows = sqlx::query(&sql)
            .bind(source.to_string())
            .bind(quantity.to_string())
            .bind(bound)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("subject")?,
                    (r.try_get("at")?, r.try_get("value")?),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The stored readings of `quantity` of `source` with their time in `from..=to`:
    /// (subject, time, value).
    pub async fn readings_between(
        &mut self,
        source: &str,
        quantity: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64, f64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject, at, value FROM readings WHERE source = $1 AND quantity = $2 \
             AND at >= $3 AND at <= $4",
        )
        .bind(source.to_string())
        .bind(quantity.to_string())
        .bind(from)
        .bind(to)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("subject")?, r.try_get("at")?, r.try_get("value")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

impl Store {
    /// The latest reading of `quantity` of every subject at or before `at` (unix seconds).
    pub async fn readings_as_of(
        &self,
        quantity: &str,
        at: i64,
    ) -> Result<Vec<ReadingRow>, StoreError> {
        let sql = format!(
            "{SELECT} r WHERE quantity = $1 AND at <= $2 AND at = (\
               SELECT MAX(at) FROM readings l WHERE l.source = r.source AND l.scope = r.scope \
               AND l.subject = r.subject AND l.quantity = r.quantity AND l.at <= $2) \
             ORDER BY source, scope, subject"
        );
        let rows = sqlx::query(&sql)
            .bind(quantity.to_string())
            .bind(at)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(ReadingRow::from_row)
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    /// Every reading of `quantity` with its time in `from..=to`, ordered by subject then
    /// time: what counter increases are computed from.
    pub async fn reading_series(
        &self,
        quantity: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ReadingRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE quantity = $1 AND at >= $2 AND at <= $3 \
             ORDER BY source, scope, subject, at"
        );
        let rows = sqlx::query(&sql)
            .bind(quantity.to_string())
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(ReadingRow::from_row)
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    /// The readings about one fleet device, whichever source took them: joined by its
    /// serial number. Oldest first.
    pub async fn readings_of_asset(
        &self,
        source: &str,
        external_id: &str,
    ) -> Result<Vec<ReadingRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE serial_key IS NOT NULL AND serial_key = (\
               SELECT serial_key FROM assets WHERE source = $1 AND external_id = $2) \
             ORDER BY quantity, at, source"
        );
        let rows = sqlx::query(&sql)
            .bind(source.to_string())
            .bind(external_id.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(ReadingRow::from_row)
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    /// The stored assets that devices with these serial keys join: the live one when a
    /// serial is known to several (a device re-entered in a second inventory).
    pub async fn linked_assets(
        &self,
        serial_keys: &[&str],
    ) -> Result<Vec<LinkedAsset>, StoreError> {
        let mut out = Vec::new();
        for chunk in serial_keys.chunks(900) {
            let sql = format!(
                "SELECT serial_key, source, external_id FROM assets WHERE serial_key IN ({}) \
                 ORDER BY serial_key, (vanished_at IS NULL) DESC, updated_at DESC",
                list(self.backend(), chunk.len(), 1)
            );
            let vals: Vec<Val> = chunk.iter().map(|k| Val::from(*k)).collect();
            let rows = bind_all(sqlx::query(&sql), vals)
                .persistent(false)
                .fetch_all(self.pool())
                .await?;
            for r in rows {
                let key: String = r.try_get("serial_key")?;
                if out
                    .last()
                    .is_some_and(|l: &LinkedAsset| l.serial_key == key)
                {
                    continue;
                }
                out.push(LinkedAsset {
                    serial_key: key,
                    source: r.try_get("source")?,
                    external_id: r.try_get("external_id")?,
                });
            }
        }
        Ok(out)
    }

    /// For each device subject with a reading of one of `quantities`: its serial key and the
    /// times of its first and last such readings, for the subjects read between `from` and
    /// `to` or on both sides of them.
    pub async fn device_reading_spans(
        &self,
        quantities: &[&str],
        from: i64,
        to: i64,
    ) -> Result<Vec<DeviceSpan>, StoreError> {
        let q = list(self.backend(), quantities.len(), 1);
        let n = quantities.len();
        let sql = format!(
            "SELECT source, subject, MAX(serial_key) AS serial_key, MIN(at) AS first_at, \
             MAX(at) AS last_at FROM readings WHERE scope = 'device' AND quantity IN ({q}) \
             GROUP BY source, subject HAVING MAX(at) >= {} AND MIN(at) <= {} \
             ORDER BY source, subject",
            super::sql::ph(self.backend(), n + 1),
            super::sql::ph(self.backend(), n + 2),
        );
        let mut vals: Vec<Val> = quantities.iter().map(|q| Val::from(*q)).collect();
        vals.push(from.into());
        vals.push(to.into());
        let rows = bind_all(sqlx::query(&sql), vals)
            .persistent(false)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DeviceSpan {
                    source: r.try_get("source")?,
                    subject: r.try_get("subject")?,
                    serial_key: r.try_get("serial_key")?,
                    first_at: r.try_get("first_at")?,
                    last_at: r.try_get("last_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The assets of `sources` of the given classes, and those whose serial key is one of
    /// `serial_keys`, whatever their class: the printers of the inventories.
    pub async fn assets_by_class_or_serial(
        &self,
        sources: &[&str],
        classes: &[&str],
        serial_keys: &[&str],
    ) -> Result<Vec<SerialAsset>, StoreError> {
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let b = self.backend();
        let cols = "SELECT source, external_id, serial_key, class, entity, phase, \
                    vanished_at, updated_at FROM assets";
        let src = list(b, sources.len(), 1);
        let mut batches: Vec<(String, Vec<Val>)> = Vec::new();
        {
            let sql = format!(
                "{cols} WHERE source IN ({src}) AND class IN ({})",
                list(b, classes.len(), sources.len() + 1)
            );
            let mut vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
            vals.extend(classes.iter().map(|c| Val::from(*c)));
            batches.push((sql, vals));
        }
        for chunk in serial_keys.chunks(900) {
            let sql = format!(
                "{cols} WHERE source IN ({src}) AND serial_key IN ({})",
                list(b, chunk.len(), sources.len() + 1)
            );
            let mut vals: Vec<Val> = sources.iter().map(|s| Val::from(*s)).collect();
            vals.extend(chunk.iter().map(|k| Val::from(*k)));
            batches.push((sql, vals));
        }
        for (sql, vals) in batches {
            let rows = bind_all(sqlx::query(&sql), vals)
                .persistent(false)
                .fetch_all(self.pool())
                .await?;
            for r in rows {
                let a = SerialAsset {
                    source: r.try_get("source")?,
                    external_id: r.try_get("external_id")?,
                    serial_key: r.try_get("serial_key")?,
                    class: r.try_get("class")?,
                    entity: r.try_get("entity")?,
                    phase: r.try_get("phase")?,
                    vanished: r.try_get::<Option<i64>, _>("vanished_at")?.is_some(),
                    updated_at: r.try_get("updated_at")?,
                };
                if seen.insert((a.source.clone(), a.external_id.clone())) {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    /// Number of stored readings of `source`.
    pub async fn reading_count(&self, source: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM readings WHERE source = $1")
                .bind(source.to_string())
                .fetch_one(self.pool())
                .await?,
        )
    }
}
