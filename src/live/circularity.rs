//! The AGEC shares, the REEN reuse rate, the DEEE exits and the donations of the configured
//! sources, read from the store and kept current for the metrics, the API and the alerts.
//!
//! Unlike the footprint, these figures are sums over the year's purchases and exits: one
//! pass over the store's rows (a few hundred milliseconds at 100,000 assets) is cheap
//! enough to redo after every burst of changes, so there is no incremental engine here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{Datelike, NaiveDate, Utc};

use crate::agec::purchases_file;
use crate::agec::{AgecConfig, CircularityInputs, CircularityYear, Purchase, year_figures};
use crate::store::{Store, StoreError};

/// The figures of the configured sources.
pub struct Circularity {
    store: Store,
    sources: Vec<String>,
    config: AgecConfig,
    latest: RwLock<Option<Arc<CircularityYear>>>,
    /// The last good reading of each purchases file: a file being rewritten, or gone for a
    /// moment, does not drop its purchases from the figures.
    files: Mutex<BTreeMap<std::path::PathBuf, Vec<Purchase>>>,
    /// Files whose last reading failed.
    failing_files: std::sync::atomic::AtomicUsize,
}

impl Circularity {
    pub fn new(store: Store, sources: Vec<String>, config: AgecConfig) -> Circularity {
        Circularity {
            store,
            sources,
            config,
            latest: RwLock::new(None),
            files: Mutex::new(BTreeMap::new()),
            failing_files: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// How many purchases files could not be read at the last computation.
    pub fn failing_files(&self) -> usize {
        self.failing_files
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Reads every purchases file, keeping the last good reading of one that fails.
    fn file_purchases(&self) -> Vec<Purchase> {
        let mut cache = self.files.lock().expect("purchases files lock");
        let mut failing = 0;
        for path in &self.config.purchases_files {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let read = std::fs::read_to_string(path)
                .map_err(|e| purchases_file::FileError::Unreadable {
                    file: path.display().to_string(),
                    reason: e.to_string(),
                })
                .and_then(|text| purchases_file::parse(&name, &text));
            match read {
                Ok(p) => {
                    cache.insert(path.clone(), p);
                }
                Err(e) => {
                    failing += 1;
                    tracing::warn!(
                        error = %e,
                        kept = cache.get(path).map_or(0, Vec::len),
                        "cannot read a purchases file; its last good reading is kept"
                    );
                }
            }
        }
        self.failing_files
            .store(failing, std::sync::atomic::Ordering::Relaxed);
        cache.values().flatten().cloned().collect()
    }

    pub fn config(&self) -> &AgecConfig {
        &self.config
    }

    async fn inputs(&self) -> Result<CircularityInputs, StoreError> {
        let sources: Vec<&str> = self.sources.iter().map(String::as_str).collect();
        let mut inputs = self.store.circularity_inputs(&sources).await?;
        inputs.purchases.extend(self.file_purchases());
        Ok(inputs)
    }

    /// The figures of `year` as known on `today`.
    pub async fn year(&self, year: i32, today: NaiveDate) -> Result<CircularityYear, StoreError> {
        Ok(year_figures(
            &self.inputs().await?,
            &self.config,
            year,
            today,
        ))
    }

    /// The figures of each of `years` as known on `today`, from one reading of the store.
    pub async fn years(
        &self,
        years: std::ops::RangeInclusive<i32>,
        today: NaiveDate,
    ) -> Result<Vec<CircularityYear>, StoreError> {
        let inputs = self.inputs().await?;
        Ok(years
            .map(|year| year_figures(&inputs, &self.config, year, today))
            .collect())
    }

    /// Recomputes the current year (UTC) and keeps it as the latest.
    pub async fn refresh(&self) -> Result<Arc<CircularityYear>, StoreError> {
        let today = Utc::now().date_naive();
        let figures = Arc::new(self.year(today.year(), today).await?);
        *self.latest.write().expect("circularity lock") = Some(figures.clone());
        Ok(figures)
    }

    /// The current year's figures from the last refresh.
    pub fn latest(&self) -> Option<Arc<CircularityYear>> {
        self.latest.read().expect("circularity lock").clone()
    }
}

/// What the circularity task needs to raise alerts.
pub struct AlertSetup {
    pub settings: crate::alerts::evaluate::EvalSettings,
    /// The configured channel names: a message is queued for each.
    pub channels: Vec<String>,
    /// Woken when a message is queued.
    pub dispatcher: Arc<tokio::sync::Notify>,
}

/// A burst of pages (a full sync commits one every few tens of milliseconds) is answered
/// with one recomputation this long after its first page.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// How often the figures are recomputed with no change in any source: the day moves the
/// projection, and reminders fall due.
pub const PERIODIC_REFRESH: std::time::Duration = std::time::Duration::from_secs(600);

/// `false` when the figures could not be computed (the database busy or away): the caller
/// tries again soon rather than at the next change or periodic refresh.
async fn refresh_and_alert(
    circ: &Circularity,
    metrics: &crate::metrics::Metrics,
    alerts: &AlertSetup,
) -> bool {
    let started = std::time::Instant::now();
    let figures = match circ.refresh().await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "cannot compute the AGEC and REEN figures; trying again shortly");
            return false;
        }
    };
    metrics
        .circularity
        .refresh_duration
        .observe(started.elapsed().as_secs_f64());
    metrics.circularity.publish(&figures);
    metrics
        .circularity
        .files_failing
        .set(i64::try_from(circ.failing_files()).unwrap_or(i64::MAX));
    let now = Utc::now().timestamp();
    match crate::live::alert_queue::evaluate_and_queue(
        &circ.store,
        &figures.agec,
        &alerts.settings,
        &alerts.channels,
        now,
    )
    .await
    {
        Ok((firing, queued)) => {
            let current: Vec<_> = firing
                .into_iter()
                .filter(|a| a.year == figures.year)
                .map(|a| (a.rule, a.category.id().to_string(), a.kind))
                .collect();
            metrics.circularity.publish_alerts(&current);
            if queued {
                alerts.dispatcher.notify_one();
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot record the AGEC alerts; trying again shortly");
            return false;
        }
    }
    true
}

/// The daemon's circularity task: compute at start, after each burst of changes and every
/// [`PERIODIC_REFRESH`]; publish the metrics and raise the alerts each time.
pub async fn run(
    circ: Arc<Circularity>,
    metrics: Arc<crate::metrics::Metrics>,
    alerts: AlertSetup,
    changed: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut failed = !refresh_and_alert(&circ, &metrics, &alerts).await;
    let mut periodic = tokio::time::interval(PERIODIC_REFRESH);
    periodic.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    periodic.tick().await;
    loop {
        tokio::select! {
            _ = changed.notified() => {
                tokio::select! {
                    _ = tokio::time::sleep(SETTLE) => {}
                    _ = async { drop(stop.wait_for(|s| *s).await) } => return,
                }
            }
            _ = periodic.tick() => {}
            _ = crate::live::retry_after(failed) => {}
            _ = async { drop(stop.wait_for(|s| *s).await) } => return,
        }
        failed = !refresh_and_alert(&circ, &metrics, &alerts).await;
    }
}
