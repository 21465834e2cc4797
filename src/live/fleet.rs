//! Keeps the fleet indicators current: a full computation at start and every hour (ages
//! move), and between them an incremental update for each committed page of changes, so the
//! metrics follow a change in a source within a second.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{mpsc, watch};

use crate::agec::OriginRules;
use crate::indicators::{Engine, EngineSettings, Indicators};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// A committed page changed these assets of `source`.
#[derive(Debug)]
pub struct Changed {
    pub source: String,
    pub ids: Vec<String>,
    pub committed: Instant,
}

/// The indicators of the configured sources, shared by the daemon, the API and the CLI.
pub struct Fleet {
    store: Store,
    sources: Vec<String>,
    settings: EngineSettings,
    /// Tell devices bought second-hand, charged a share of their manufacture.
    origins: OriginRules,
    engine: Mutex<Engine>,
    latest: RwLock<Option<Indicators>>,
}

/// Assets read from the store per batch of a rebuild: a few megabytes of facts.
const REBUILD_BATCH: usize = 10_000;

/// How often everything is recomputed, so that ages and the share of lifespans consumed
/// move even when no source changes.
pub const FULL_REFRESH: Duration = Duration::from_secs(3600);

impl Fleet {
    pub fn new(
        store: Store,
        sources: Vec<String>,
        settings: EngineSettings,
        origins: OriginRules,
    ) -> Fleet {
        Fleet {
            store,
            sources,
            origins,
            engine: Mutex::new(Engine::new(settings.clone())),
            settings,
            latest: RwLock::new(None),
        }
    }

    fn source_refs(&self) -> Vec<&str> {
        self.sources.iter().map(String::as_str).collect()
    }

    /// Recomputes everything from the store.
    ///
    /// The assets are read as a stream into a new engine, a batch at a time, which then
    /// takes the place of the current one: at a million assets the whole fleet's rows are
    /// never held at once, and the engine's lock is not held while the store is read (the
    /// API's what-if goes on meanwhile with the previous figures). Updates come from the
    /// same task as rebuilds ([`run`]), so none is lost in the swap.
    pub async fn rebuild(&self) -> Result<Indicators, StoreError> {
        let mut fresh = Engine::new(self.settings.clone());
        let mut rebuild = fresh.rebuild_in_batches(Utc::now());
        self.store
            .indicator_facts_batches(
                &self.source_refs(),
                &self.origins,
                REBUILD_BATCH,
                &mut |facts| rebuild.feed(facts),
            )
            .await?;
        rebuild.finish();
        let snapshot = fresh.snapshot();
        *self.engine.lock().expect("engine lock") = fresh;
        *self.latest.write().expect("indicators lock") = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Recomputes the contributions of the given assets only.
    pub async fn update(&self, changes: &[Changed]) -> Result<Indicators, StoreError> {
        let mut by_source: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for c in changes {
            by_source
                .entry(&c.source)
                .or_default()
                .extend(c.ids.iter().cloned());
        }
        let mut facts = Vec::new();
        for (source, ids) in by_source {
            facts.extend(
                self.store
                    .indicator_facts_of(source, &ids, &self.origins)
                    .await?,
            );
        }
        let snapshot = {
            let mut engine = self.engine.lock().expect("engine lock");
            engine.update(facts, Utc::now());
            engine.snapshot()
        };
        *self.latest.write().expect("indicators lock") = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The last published indicators.
    pub fn latest(&self) -> Option<Indicators> {
        self.latest.read().expect("indicators lock").clone()
    }

    /// The indicators as they stood at the end of `day`, from the event history.
    pub async fn at(&self, day: chrono::NaiveDate) -> Result<Indicators, StoreError> {
        let end = day.and_hms_opt(23, 59, 59).expect("a valid time").and_utc();
        let facts = self
            .store
            .indicator_facts_at(&self.source_refs(), end.timestamp(), &self.origins)
            .await?;
        let mut engine = Engine::new(self.settings.clone());
        engine.rebuild(facts, end);
        Ok(engine.snapshot())
    }

    /// Whether the history can answer for `day`: from the first stored event to today.
    /// Before it the figures would be an empty fleet presented as a fact, and chrono reads
    /// years such as 0 or -2026 that no store holds.
    pub async fn check_day(&self, day: chrono::NaiveDate) -> Result<(), DayError> {
        let today = chrono::Utc::now().date_naive();
        if day > today {
            return Err(DayError::Future { day });
        }
        match self.first_day().await? {
            Some(first) if day >= first => Ok(()),
            Some(first) => Err(DayError::BeforeHistory { day, first, today }),
            None => Err(DayError::NoHistory { day }),
        }
    }

    /// The first day of parcd's history (of its first stored event), if it has one.
    pub async fn first_day(&self) -> Result<Option<chrono::NaiveDate>, StoreError> {
        Ok(self
            .store
            .first_event_at()
            .await?
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.date_naive()))
    }

    /// What-if lifespans (hours per class) on the current fleet.
    pub fn simulate(
        &self,
        lifespans_hours: &BTreeMap<parcd_connectors::AssetClass, f64>,
    ) -> crate::indicators::Simulation {
        self.engine
            .lock()
            .expect("engine lock")
            .simulate(lifespans_hours)
    }
}

/// A day the history cannot answer for.
#[derive(Debug, thiserror::Error)]
pub enum DayError {
    #[error("{day} is in the future: the figures of today are given without a date")]
    Future { day: chrono::NaiveDate },
    #[error(
        "{day} is before parcd's history, which starts on {first}: write a date from {first} to {today}"
    )]
    BeforeHistory {
        day: chrono::NaiveDate,
        first: chrono::NaiveDate,
        today: chrono::NaiveDate,
    },
    #[error("{day}: parcd holds no history yet; the first sync of a source starts it")]
    NoHistory { day: chrono::NaiveDate },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The daemon's indicator task: rebuild at start, every [`FULL_REFRESH`] and when `reload`
/// is woken (another process's changes that could not be told one by one), update on every
/// change, publish to the metrics each time.
pub async fn run(
    fleet: Arc<Fleet>,
    metrics: Arc<Metrics>,
    mut changes: mpsc::UnboundedReceiver<Changed>,
    reload: Arc<tokio::sync::Notify>,
    mut stop: watch::Receiver<bool>,
) {
    // A failed update loses its batch of changes: a rebuild shortly after catches up.
    let rebuild = || async {
        match fleet.rebuild().await {
            Ok(ind) => {
                metrics.fleet.publish(&ind);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot compute the fleet indicators; trying again shortly");
                false
            }
        }
    };
    let mut failed = !rebuild().await;
    let mut full = tokio::time::interval(FULL_REFRESH);
    full.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    full.tick().await;
    loop {
        tokio::select! {
            first = changes.recv() => {
                let Some(first) = first else { return };
                // Everything already queued goes in the same update.
                let mut batch = vec![first];
                while let Ok(more) = changes.try_recv() {
                    batch.push(more);
                }
                let oldest = batch.iter().map(|c| c.committed).min().unwrap_or_else(Instant::now);
                if failed {
                    // The batch joins the changes a rebuild reads from the store anyway.
                    failed = !rebuild().await;
                    continue;
                }
                match fleet.update(&batch).await {
                    Ok(ind) => {
                        metrics.fleet.publish(&ind);
                        metrics.fleet.refresh_duration.observe(oldest.elapsed().as_secs_f64());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot update the fleet indicators; rebuilding shortly");
                        failed = true;
                    }
                }
            }
            _ = full.tick() => failed = !rebuild().await,
            _ = reload.notified() => failed = !rebuild().await,
            _ = crate::live::retry_after(failed) => failed = !rebuild().await,
            // The guard `wait_for` returns must not live across the other branches' awaits.
            _ = async { drop(stop.wait_for(|s| *s).await) } => return,
        }
    }
}
