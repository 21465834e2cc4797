//! The printing figures from the stored readings: each printer's counter increases over a
//! period, joined to its inventory record by serial number (one device however many sources
//! read it), handed to [`crate::printing::compute`]. The daemon keeps the current year's
//! figures in the metrics, recomputed after each page of readings and every hour.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc};
use parcd_connectors::reading::known;
use parcd_connectors::{AssetClass, Phase};
use tokio::sync::{Notify, watch};

use crate::footprint::{Criterion, FootprintConfig};
use crate::indicators::NO_ENTITY;
use crate::metrics::Metrics;
use crate::printing::settings::PRINTING_CLASSES;
use crate::printing::{
    Inputs, PrintPeriod, PrinterUsage, PrintingConfig, PrintingFigures, Sourced, UNASSIGNED,
};
use crate::store::{Store, StoreError};

/// The counters a printer is known by.
const PAGE_QUANTITIES: [&str; 4] = [
    known::PRINTED_PAGES.name,
    known::PRINTED_PAGES_COLOUR.name,
    known::PRINTED_PAGES_MONO.name,
    known::PRINTED_SHEETS.name,
];

/// How often the current year's figures are recomputed when no reading arrives, so that
/// the electricity of printers read keeps up with time.
pub const FULL_REFRESH: Duration = Duration::from_secs(3600);

/// The printing figures of the configured sources.
pub struct Printing {
    store: Store,
    sources: Vec<String>,
    settings: PrintingConfig,
    footprint: FootprintConfig,
    headcount: BTreeMap<String, u64>,
    latest: RwLock<Option<PrintingFigures>>,
}

/// A period of the API: a year, or a month of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
}

impl Period {
    fn bounds(self) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Year(y) => (
                NaiveDate::from_ymd_opt(y, 1, 1).expect("a valid year"),
                NaiveDate::from_ymd_opt(y + 1, 1, 1).expect("a valid year"),
            ),
            Period::Month(y, m) => {
                let start = NaiveDate::from_ymd_opt(y, m, 1).expect("a valid month");
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                };
                (start, next.expect("a valid month"))
            }
        }
    }

    fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Month(y, _) => y,
        }
    }

    /// Unix seconds from the start to the end (or `now`, if sooner), and whether it is over.
    pub fn span(self, now: i64) -> PrintPeriod {
        let (start, next) = self.bounds();
        let from = start
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp();
        let end = next
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp()
            - 1;
        PrintPeriod {
            label: match self {
                Period::Year(y) => y.to_string(),
                Period::Month(y, m) => format!("{y}-{m:02}"),
            },
            from,
            to: end.min(now),
            complete: now > end,
        }
    }
}

impl Printing {
    pub fn new(
        store: Store,
        sources: Vec<String>,
        settings: PrintingConfig,
        footprint: FootprintConfig,
        headcount: BTreeMap<String, u64>,
    ) -> Printing {
        Printing {
            store,
            sources,
            settings,
            footprint,
            headcount,
            latest: RwLock::new(None),
        }
    }

    /// The current year's figures, as last published.
    pub fn latest(&self) -> Option<PrintingFigures> {
        self.latest.read().expect("printing lock").clone()
    }

    /// The figures of a year with its months, or of one month. The store is read once for
    /// the whole period, its months computed from what was read: a year asked month by month
    /// would read it thirteen times over.
    pub async fn figures(&self, period: Period) -> Result<PrintingFigures, StoreError> {
        let now = Utc::now().timestamp();
        let span = period.span(now);
        let read = self.read(span.from, span.to).await?;
        let mut figures = self.compute(&read, span, period.year());
        if let Period::Year(y) = period {
            for m in 1..=12 {
                let month = Period::Month(y, m).span(now);
                if month.from > now {
                    break;
                }
                figures
                    .months
                    .push(self.compute(&read, month, y).as_month());
            }
        }
        Ok(figures)
    }

    /// Recomputes the current year's figures, keeps them and returns them.
    pub async fn refresh(&self) -> Result<PrintingFigures, StoreError> {
        let now = Utc::now();
        let span = Period::Year(now.year()).span(now.timestamp());
        let read = self.read(span.from, span.to).await?;
        let figures = self.compute(&read, span, now.year());
        *self.latest.write().expect("printing lock") = Some(figures.clone());
        Ok(figures)
    }

    /// The figures of `period`, which lies within what `read` holds.
    fn compute(&self, read: &Read, period: PrintPeriod, year: i32) -> PrintingFigures {
        let printers = self.printers(read, period.from, period.to);
        crate::printing::compute(
            &printers,
            &Inputs {
                settings: &self.settings,
                headcount: &self.headcount,
                electricity: self.electricity(year),
                period,
            },
        )
    }

    /// What the figures of any period within `from..=to` are computed from.
    async fn read(&self, from: i64, to: i64) -> Result<Read, StoreError> {
        let spans = self
            .store
            .device_reading_spans(&PAGE_QUANTITIES, from, to)
            .await?;
        let mut counters = Vec::with_capacity(COUNTERS.len());
        for (quantity, field) in COUNTERS {
            counters.push((
                field,
                Series {
                    before: self.store.readings_as_of(quantity, from - 1).await?,
                    within: self.store.reading_series(quantity, from, to).await?,
                },
            ));
        }
        let responding = Series {
            before: self
                .store
                .readings_as_of(known::RESPONDING.name, from - 1)
                .await?,
            within: self
                .store
                .reading_series(known::RESPONDING.name, from, to)
                .await?,
        };
        // Every serial read in the span: a period's are among them.
        let sources: Vec<&str> = self.sources.iter().map(String::as_str).collect();
        let classes: Vec<&str> = PRINTING_CLASSES.iter().map(|c| c.as_str()).collect();
        let mut keys: Vec<&str> = spans
            .iter()
            .filter(|s| self.sources.contains(&s.source))
            .filter_map(|s| s.serial_key.as_deref())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut assets = self
            .store
            .assets_by_class_or_serial(&sources, &classes, &keys)
            .await?;
        assets.sort_by(|a, b| {
            (a.vanished, std::cmp::Reverse(a.updated_at))
                .cmp(&(b.vanished, std::cmp::Reverse(b.updated_at)))
        });
        Ok(Read {
            spans,
            counters,
            responding,
            assets,
        })
    }

    fn electricity(&self, year: i32) -> Sourced {
        electricity_factor(&self.footprint, year)
    }

    /// Every printer over `from..=to`: the printers read, once each, and the inventory's
    /// in-service printers no source reads.
    fn printers(&self, read: &Read, from: i64, to: i64) -> Vec<PrinterUsage> {
        let ours = |source: &str| self.sources.iter().any(|s| s == source);
        // A device is its serial where it has one, else the source's own name for it.
        let device = |source: &str, subject: &str, serial: &Option<String>| match serial {
            Some(k) => format!("serial:{k}"),
            None => format!("subject:{source}/{subject}"),
        };
        // A span is a device's first and last reading ever: in the period when they overlap it.
        let spans = read
            .spans
            .iter()
            .filter(|s| s.last_at >= from && s.first_at <= to);
        let mut usage: BTreeMap<String, PrinterUsage> = BTreeMap::new();
        let mut serials: BTreeMap<String, String> = BTreeMap::new();
        let mut observed: HashMap<String, (i64, i64)> = HashMap::new();
        for s in spans.filter(|s| ours(&s.source)) {
            let key = device(&s.source, &s.subject, &s.serial_key);
            let span = observed
                .entry(key.clone())
                .or_insert((s.first_at, s.last_at));
            span.0 = span.0.min(s.first_at);
            span.1 = span.1.max(s.last_at);
            if let Some(k) = &s.serial_key {
                serials.insert(key.clone(), k.clone());
            }
            usage.entry(key).or_default();
        }
        for (key, (first, last)) in &observed {
            let u = usage.get_mut(key).expect("a device read");
            u.observed_seconds = (last.min(&to) - first.max(&from)).max(0) as f64;
        }
        for (field, series) in &read.counters {
            for i in crate::readings::increases_within(&series.before, &series.within, from, to) {
                if i.scope != "device" || !ours(&i.source) {
                    continue;
                }
                let key = device(&i.source, &i.subject, &i.serial_key);
                // A printer no page counter was read of within the period is not one of it.
                let Some(u) = usage.get_mut(&key) else {
                    continue;
                };
                // Several sources read the same counter: one that started later saw less of it.
                let slot = field(u);
                *slot = Some(slot.map_or(i.increase, |v| v.max(i.increase)));
            }
        }
        for r in crate::readings::as_of_within(&read.responding.before, &read.responding.within, to)
            .into_iter()
            .filter(|r| r.scope == "device" && ours(&r.source))
        {
            let key = device(&r.source, &r.subject, &r.serial_key);
            if let Some(u) = usage.get_mut(&key) {
                u.responding = Some(u.responding == Some(true) || r.value >= 1.0);
            }
        }

        // Entity and class from the inventory's record; the live one when a serial is known
        // to several.
        let assets = &read.assets;
        let mut by_serial: HashMap<&str, &crate::store::SerialAsset> = HashMap::new();
        for a in assets {
            if let Some(k) = &a.serial_key {
                by_serial.entry(k.as_str()).or_insert(a);
            }
        }
        let in_service = |a: &crate::store::SerialAsset| {
            !a.vanished
                && matches!(
                    Phase::parse(&a.phase),
                    Some(Phase::InService | Phase::InRepair)
                )
        };
        let mut out = Vec::with_capacity(usage.len());
        let mut joined = std::collections::HashSet::new();
        for (key, mut u) in usage {
            let asset = serials.get(&key).and_then(|k| by_serial.get(k.as_str()));
            match asset {
                Some(a) => {
                    joined.insert((a.source.as_str(), a.external_id.as_str()));
                    u.entity = a.entity.clone().unwrap_or_else(|| NO_ENTITY.to_string());
                    u.class = AssetClass::parse(&a.class);
                    u.in_fleet = in_service(a);
                }
                None => {
                    u.entity = UNASSIGNED.to_string();
                    u.class = None;
                }
            }
            out.push(u);
        }
        // The in-service printers no source reads, once per serial.
        let mut counted: std::collections::HashSet<&str> =
            serials.values().map(String::as_str).collect();
        for a in assets {
            let class = AssetClass::parse(&a.class).filter(|c| PRINTING_CLASSES.contains(c));
            if class.is_none()
                || !in_service(a)
                || joined.contains(&(a.source.as_str(), a.external_id.as_str()))
                || a.serial_key.as_deref().is_some_and(|k| !counted.insert(k))
            {
                continue;
            }
            out.push(PrinterUsage {
                entity: a.entity.clone().unwrap_or_else(|| NO_ENTITY.to_string()),
                class,
                in_fleet: true,
                ..PrinterUsage::default()
            });
        }
        out
    }
}

/// The readings of one quantity for a span: the last of each subject before it, and those
/// within it, ordered by subject then time.
struct Series {
    before: Vec<crate::store::ReadingRow>,
    within: Vec<crate::store::ReadingRow>,
}

/// What the store holds for a span, from which the figures of any period within it are
/// computed (see [`Printing::figures`]).
struct Read {
    /// Each device read, with its first and last page reading ever.
    spans: Vec<crate::store::DeviceSpan>,
    counters: Vec<(Field, Series)>,
    responding: Series,
    /// The inventories' printers and the devices of every serial read, the live and most
    /// recently updated first.
    assets: Vec<crate::store::SerialAsset>,
}

type Field = fn(&mut PrinterUsage) -> &mut Option<f64>;

/// The counters a printer's usage is made of, and where each goes.
const COUNTERS: [(&str, Field); 8] = [
    (known::PRINTED_PAGES.name, |u| &mut u.pages),
    (known::PRINTED_SHEETS_A3.name, |u| &mut u.sheets_a3),
    (known::PRINTED_SHEETS_A4.name, |u| &mut u.sheets_a4),
    (known::PRINTED_PAGES_COLOUR.name, |u| &mut u.pages_colour),
    (known::PRINTED_PAGES_MONO.name, |u| &mut u.pages_mono),
    (known::PRINTED_PAGES_DUPLEX.name, |u| &mut u.pages_duplex),
    (known::PRINTED_SHEETS.name, |u| &mut u.sheets),
    (known::SUPPLY_REPLACEMENTS.name, |u| {
        &mut u.supply_replacements
    }),
];

/// The daemon's printing task: the current year's figures at start, after readings arrive
/// (at most every second) and every [`FULL_REFRESH`], published to the metrics.
pub async fn run(
    printing: Arc<Printing>,
    metrics: Arc<Metrics>,
    readings: Arc<Notify>,
    stop: watch::Receiver<bool>,
) {
    let refresh = || async {
        match printing.refresh().await {
            Ok(f) => {
                metrics.printing.publish(&f);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot compute the printing figures; trying again shortly");
                false
            }
        }
    };
    crate::live::refresh_loop(refresh, readings, FULL_REFRESH, stop).await;
}

/// The climate factor of a kWh in the fleet's zone for `year`, with where it comes from
/// (printers' electricity, mail servers').
pub fn electricity_factor(f: &FootprintConfig, year: i32) -> Sourced {
    let basis = f
        .factors
        .intensity(&f.location, year, &f.electricity)
        .ok()
        .and_then(|i| i.basis[Criterion::Gwp as usize].clone());
    match basis {
        Some(b) => {
            let title = f
                .factors
                .source(&b.source)
                .map_or(b.source.clone(), |s| s.title.clone());
            Sourced {
                value: b.value,
                unit: "kgCO2e/kWh",
                source: format!("{} ({}, zone {}, {})", title, b.dataset, b.zone, b.year),
                date: b.year.to_string(),
            }
        }
        // Checked at start: the configured zone has a climate factor.
        None => Sourced {
            value: 0.0,
            unit: "kgCO2e/kWh",
            source: "no electricity factor for the zone".into(),
            date: String::new(),
        },
    }
}
