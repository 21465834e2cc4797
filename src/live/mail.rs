//! The mail figures from the stored readings: each mail source's latest round by the end of
//! a period, its sent and received counters' increases and day amounts over it, handed to
//! [`crate::mail::compute`]. The daemon keeps the current year's figures in the metrics,
//! recomputed after readings arrive and every hour.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{Datelike, Utc};
use parcd_connectors::mail::{SCOPE_DOMAIN, SCOPE_ENTITY};
use parcd_connectors::reading::known;
use tokio::sync::{Notify, watch};

use crate::footprint::FootprintConfig;
use crate::live::printing::{Period, electricity_factor};
use crate::mail::figures::SECONDS_PER_YEAR;
use crate::mail::{Inputs, MailFactors, MailFigures, MailReading};
use crate::metrics::Metrics;
use crate::printing::PrintPeriod;
use crate::readings::SubjectIncrease;
use crate::store::{ReadingRow, Store, StoreError};

/// The gauges of a round.
const GAUGES: [&str; 10] = [
    known::MAIL_MAILBOXES.name,
    known::MAIL_STORED_BYTES.name,
    known::MAIL_STORED_MESSAGES.name,
    known::MAIL_QUOTA_BYTES.name,
    known::MAIL_QUOTA_USED_BYTES.name,
    known::MAIL_FOLDER_SENT_BYTES.name,
    known::MAIL_FOLDER_TRASH_BYTES.name,
    known::MAIL_FOLDER_JUNK_BYTES.name,
    known::MAIL_SCANNED_BYTES.name,
    known::MAIL_SCANNED_ATTACHMENT_BYTES.name,
];
const COUNTERS: [&str; 3] = [
    known::MAIL_SENT_MESSAGES.name,
    known::MAIL_SENT_BYTES.name,
    known::MAIL_RECEIVED_MESSAGES.name,
];
const DAYS: [&str; 4] = [
    known::MAIL_DAY_SENT_MESSAGES.name,
    known::MAIL_DAY_RECEIVED_MESSAGES.name,
    known::MAIL_DAY_SENT_BYTES.name,
    known::MAIL_DAY_RECEIVED_BYTES.name,
];

/// How often the current year's figures are recomputed when no reading arrives, so that
/// the storage's GB-years keep up with time.
pub const FULL_REFRESH: Duration = Duration::from_secs(3600);

/// The mail figures of the configured sources.
pub struct Mail {
    store: Store,
    sources: Vec<String>,
    footprint: FootprintConfig,
    headcount: BTreeMap<String, u64>,
    latest: RwLock<Option<MailFigures>>,
}

fn is_mail_scope(scope: &str) -> bool {
    scope == SCOPE_DOMAIN || scope == SCOPE_ENTITY
}

impl Mail {
    pub fn new(
        store: Store,
        sources: Vec<String>,
        footprint: FootprintConfig,
        headcount: BTreeMap<String, u64>,
    ) -> Mail {
        Mail {
            store,
            sources,
            footprint,
            headcount,
            latest: RwLock::new(None),
        }
    }

    /// The current year's figures, as last published.
    pub fn latest(&self) -> Option<MailFigures> {
        self.latest.read().expect("mail lock").clone()
    }

    /// The figures of a year with its months, or of one month.
    pub async fn figures(&self, period: Period) -> Result<MailFigures, StoreError> {
        let now = Utc::now().timestamp();
        let year = match period {
            Period::Year(y) | Period::Month(y, _) => y,
        };
        let mut figures = self.compute(period.span(now), year).await?;
        if let Period::Year(y) = period {
            let december = self.compute(Period::Year(y - 1).span(now), y - 1).await?;
            let mut previous =
                (december.total.mailboxes > 0).then_some(december.total.stored_bytes);
            for m in 1..=12 {
                let month = Period::Month(y, m).span(now);
                if month.from > now {
                    break;
                }
                let f = self.compute(month, y).await?;
                let row = f.as_month(previous);
                previous = row.stored_bytes;
                figures.months.push(row);
            }
        }
        Ok(figures)
    }

    /// Recomputes the current year's figures, with the current month only (its growth
    /// since the month before ended), keeps them and returns them.
    pub async fn refresh(&self) -> Result<MailFigures, StoreError> {
        let now = Utc::now();
        let (y, m) = (now.year(), now.month());
        let ts = now.timestamp();
        let mut figures = self.compute(Period::Year(y).span(ts), y).await?;
        let before = if m == 1 {
            Period::Month(y - 1, 12)
        } else {
            Period::Month(y, m - 1)
        };
        let before = self.compute(before.span(ts), y).await?;
        let month = self.compute(Period::Month(y, m).span(ts), y).await?;
        figures.months =
            vec![month.as_month((before.total.mailboxes > 0).then_some(before.total.stored_bytes))];
        *self.latest.write().expect("mail lock") = Some(figures.clone());
        Ok(figures)
    }

    fn ours(&self, r: &ReadingRow) -> bool {
        is_mail_scope(&r.scope) && self.sources.contains(&r.source)
    }

    async fn compute(&self, period: PrintPeriod, year: i32) -> Result<MailFigures, StoreError> {
        let row = |r: ReadingRow| MailReading {
            source: r.source,
            scope: r.scope,
            key: r.subject,
            quantity: r.quantity,
            at: r.at,
            value: r.value,
        };
        let mut as_of = Vec::new();
        for q in GAUGES {
            let rows = self.store.readings_as_of(q, period.to).await?;
            as_of.extend(rows.into_iter().filter(|r| self.ours(r)).map(row));
        }
        let stored = crate::mail::latest_rounds(as_of);
        let mut counters = Vec::new();
        for q in COUNTERS {
            let incs = crate::readings::increases(&self.store, q, period.from, period.to).await?;
            counters.extend(
                incs.into_iter()
                    .filter(|i| is_mail_scope(&i.scope) && self.sources.contains(&i.source))
                    .map(|i: SubjectIncrease| MailReading {
                        source: i.source,
                        scope: i.scope,
                        key: i.subject,
                        quantity: q.to_string(),
                        at: period.to,
                        value: i.increase,
                    }),
            );
        }
        let mut days = Vec::new();
        for q in DAYS {
            let rows = self.store.reading_series(q, period.from, period.to).await?;
            days.extend(rows.into_iter().filter(|r| self.ours(r)).map(row));
        }
        let observed_years = self.observed_seconds(&period, &stored).await? / SECONDS_PER_YEAR;
        let factors = MailFactors::new(electricity_factor(&self.footprint, year));
        Ok(crate::mail::compute(&Inputs {
            stored: &stored,
            counters: &counters,
            days: &days,
            observed_years,
            headcount: &self.headcount,
            factors: &factors,
            period,
        }))
    }

    /// The part of the period the mail sources were read in: from its start when a round
    /// came before it, else from the first round within it.
    async fn observed_seconds(
        &self,
        period: &PrintPeriod,
        stored: &[MailReading],
    ) -> Result<f64, StoreError> {
        if stored.is_empty() {
            return Ok(0.0);
        }
        let start = if stored.iter().any(|r| r.at < period.from) {
            period.from
        } else {
            self.store
                .reading_series(known::MAIL_MAILBOXES.name, period.from, period.to)
                .await?
                .iter()
                .filter(|r| self.ours(r))
                .map(|r| r.at)
                .min()
                .unwrap_or(period.to)
        };
        // A period under way is counted up to its latest round, not to the second of the
        // request: storage after the last round is not known yet, and the figures stay
        // the same between two rounds (a page and the API read a moment apart agree).
        let end = if period.complete {
            period.to
        } else {
            stored
                .iter()
                .map(|r| r.at)
                .max()
                .map_or(period.to, |at| at.min(period.to))
        };
        Ok((end - start).max(0) as f64)
    }
}

/// The daemon's mail task: the current year's figures at start, after readings arrive (at
/// most every second) and every [`FULL_REFRESH`], published to the metrics.
pub async fn run(
    mail: Arc<Mail>,
    metrics: Arc<Metrics>,
    readings: Arc<Notify>,
    stop: watch::Receiver<bool>,
) {
    let refresh = || async {
        match mail.refresh().await {
            Ok(f) => {
                metrics.mail.publish(&f);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot compute the mail figures; trying again shortly");
                false
            }
        }
    };
    crate::live::refresh_loop(refresh, readings, FULL_REFRESH, stop).await;
}
