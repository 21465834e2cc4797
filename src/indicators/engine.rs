//! The fleet engine: each asset's contribution is computed once, remembered, and added to
//! (or removed from) the running totals of its groups, so an update costs what the changed
//! assets cost, not what the fleet does. A rebuild folds the assets on every core (see
//! [`super::fold`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, Utc};
use parcd_connectors::AssetClass;

use crate::footprint::model::MAX_LIFESPAN_HOURS;
use crate::footprint::{Criterion, FootprintConfig, Impacts};

use super::aggregate::{Agg, HOURS_PER_YEAR};
use super::assets::{Assets, SHARDS};
use super::catalog::{Catalog, lock};
use super::facts::{AssetFacts, AssetKey};
use super::fold::{
    Contribution, Env, Outbox, Totals, Worker, evaluate, fold_in_parallel, footprint_of,
};
use super::output::{Indicators, Simulation};

/// What the engine is configured with.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Factors, assumptions, electricity datasets and the default location.
    pub footprint: FootprintConfig,
    /// Agents per entity (entity name as in [`AssetFacts::entity`]).
    pub headcount: BTreeMap<String, u64>,
}

/// Entity name used for assets without one.
pub const NO_ENTITY: &str = "none";

/// Assets a rebuild folds per window: the outboxes hold one window (about 120 bytes an asset,
/// 30 MB, kept for the next rebuild), and each window costs two rounds of thread starts and
/// joins. A join waits for every thread to be scheduled, which on a loaded machine can take a
/// time slice: with windows of 65,536 the bench's million took 0.84 to 1.03 s (load average 4.3
/// to 4.9 on 2 cores), with these 0.37 to 0.50 s (load average 3.4 to 4.1).
const WINDOW: usize = 1 << 18;

/// Below this many assets per worker, starting a thread costs more than it saves.
const MIN_PER_WORKER: usize = 4096;

/// What is fixed for one rebuild or update.
struct Context {
    now_secs: i64,
    intensity: u16,
}

/// The pure fleet indicator engine.
#[derive(Debug)]
pub struct Engine {
    settings: EngineSettings,
    /// Sum of the headcounts, for the fleet's devices per agent.
    agents_total: Option<u64>,
    /// Profiles and entity names, shared by the workers of a rebuild.
    catalog: Mutex<Catalog>,
    /// One per thread a rebuild runs on; the first also serves updates.
    workers: Vec<Worker>,
    /// A rebuild's buffers of evaluated assets, one per chunk of a window.
    outboxes: Vec<Outbox>,
    /// Threads a rebuild may use: the cores available when the engine was made.
    cores: usize,
    /// Electricity factors per kWh, resolved once per year: `Impacts::NONE` (no use figures)
    /// when the zone has none, with the error kept for [`Engine::electricity_issue`]. The
    /// current one is (year, index into `intensities`, error).
    intensity: Option<(i32, u16, Option<String>)>,
    /// Every intensity a remembered contribution was computed with (one per year seen).
    intensities: Vec<Impacts>,
    assets: Assets<Contribution>,
    totals: Totals,
    computed_at: i64,
    rebuilt_at: Option<i64>,
}

impl Engine {
    pub fn new(settings: EngineSettings) -> Engine {
        let agents_total = (!settings.headcount.is_empty())
            .then(|| settings.headcount.values().copied().sum::<u64>());
        let share = settings.footprint.assumptions.reconditioned_embodied_share;
        let mut catalog = Catalog::new(share);
        // Entities with a headcount are published even before they have a device.
        for n in settings.headcount.keys() {
            catalog.entity_id(n);
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Engine {
            settings,
            agents_total,
            catalog: Mutex::new(catalog),
            workers: vec![Worker::default()],
            outboxes: Vec::new(),
            cores: cores.clamp(1, SHARDS),
            intensity: None,
            intensities: Vec::new(),
            assets: Assets::new(),
            totals: Totals::default(),
            computed_at: 0,
            rebuilt_at: None,
        }
    }

    /// The same engine folding rebuilds on at most `threads` threads (1: on the caller's).
    #[cfg(test)]
    pub(crate) fn with_threads(mut self, threads: usize) -> Engine {
        self.cores = threads.clamp(1, SHARDS);
        self
    }

    /// Full recompute from every asset, at `now`.
    pub fn rebuild(&mut self, assets: impl IntoIterator<Item = AssetFacts>, now: DateTime<Utc>) {
        let mut rebuild = self.rebuild_in_batches(now);
        rebuild.feed(assets);
        rebuild.finish();
    }

    /// A full recompute at `now` fed in batches, for a caller that reads the assets as a
    /// stream: at a million assets, holding them all before the rebuild would cost more
    /// memory than the engine itself. Until [`Rebuild::finish`], the engine holds only the
    /// assets fed so far; the result is the same as [`Engine::rebuild`] of all of them.
    pub fn rebuild_in_batches(&mut self, now: DateTime<Utc>) -> Rebuild<'_> {
        self.assets.clear(self.cores);
        // Entity ids stay: they are only indexes, and an emptied group is not published.
        self.totals.reset();
        for w in &mut self.workers {
            w.totals.reset();
        }
        let ctx = self.context(now);
        Rebuild {
            engine: self,
            ctx,
            displaced: Vec::new(),
        }
    }

    /// Incremental: each given asset replaces its previous contribution (or is added); a
    /// vanished one is removed. Cost proportional to the number given.
    ///
    /// Unchanged assets keep the contribution computed at their last rebuild or update: ages
    /// and the in-year embodied share advance with time, so the daemon should also rebuild
    /// periodically (daily is plenty; see [`Engine::rebuilt_at`]).
    pub fn update(&mut self, changed: impl IntoIterator<Item = AssetFacts>, now: DateTime<Utc>) {
        let ctx = self.context(now);
        let env = Env {
            now_secs: ctx.now_secs,
            intensity: ctx.intensity,
            per_kwh: &self.intensities[usize::from(ctx.intensity)],
            factors: &self.settings.footprint.factors,
            assumptions: &self.settings.footprint.assumptions,
            catalog: &self.catalog,
        };
        let cache = &mut self.workers[0].cache;
        for a in changed {
            let old = match evaluate(cache, &env, &a) {
                Some((c, fixed)) => {
                    self.totals.apply(&c, true, fixed.as_ref());
                    self.assets.insert(a.key, c)
                }
                None => self.assets.remove(a.key),
            };
            if let Some(old) = old {
                take_out(
                    &mut self.totals,
                    &old,
                    &self.catalog,
                    &self.intensities,
                    &self.settings,
                );
            }
        }
        self.finish(&ctx);
    }

    /// Removes assets by key (deleted from the store): same as an update marking them vanished.
    pub fn remove<'a>(&mut self, keys: impl IntoIterator<Item = &'a AssetKey>, now: DateTime<Utc>) {
        let ctx = self.context(now);
        for k in keys {
            if let Some(old) = self.assets.remove(k.clone()) {
                take_out(
                    &mut self.totals,
                    &old,
                    &self.catalog,
                    &self.intensities,
                    &self.settings,
                );
            }
        }
        self.finish(&ctx);
    }

    /// The indicators now: a conversion of the running totals, no walk over assets.
    pub fn snapshot(&self) -> Indicators {
        let mut by_class = BTreeMap::new();
        for c in AssetClass::ALL {
            let a = &self.totals.classes[c as usize];
            if a.devices() > 0 {
                by_class.insert(c.as_str().to_string(), a.to_group(None, None));
            }
        }
        let mut by_entity = BTreeMap::new();
        let empty = Agg::default();
        for (i, name) in lock(&self.catalog).entity_names.iter().enumerate() {
            let a = self.totals.entities.get(i).unwrap_or(&empty);
            let agents = self.settings.headcount.get(name).copied();
            if a.devices() > 0 || agents.is_some() {
                by_entity.insert(name.clone(), a.to_group(agents, agents));
            }
        }
        Indicators {
            computed_at: self.computed_at,
            total: self.totals.total.to_group(None, self.agents_total),
            by_class,
            by_entity,
        }
    }

    /// What if: the steady-state embodied impact per year of the in-service covered fleet, each
    /// device charged E × 8760 / L (the fleet renewed at that pace, whatever its age), with the
    /// factor set's L (`current`) and with the given L for the listed classes (`simulated`).
    /// Reconditioned devices are charged their share of E, as in the model.
    pub fn simulate(&self, lifespans_hours: &BTreeMap<AssetClass, f64>) -> Simulation {
        let mut rejected = BTreeMap::new();
        let mut valid = BTreeMap::new();
        for (c, l) in lifespans_hours {
            if !l.is_finite() {
                rejected.insert(
                    c.as_str().to_string(),
                    format!("{l} is not a number of hours"),
                );
            } else if *l <= 0.0 {
                rejected.insert(c.as_str().to_string(), format!("{l} h is not above 0"));
            } else if *l > MAX_LIFESPAN_HOURS {
                rejected.insert(
                    c.as_str().to_string(),
                    format!("{l} h is over a century ({MAX_LIFESPAN_HOURS} h)"),
                );
            } else {
                valid.insert(*c, *l);
            }
        }
        let mut current = BTreeMap::new();
        let mut simulated = BTreeMap::new();
        let mut cur_total: BTreeMap<String, f64> = BTreeMap::new();
        let mut sim_total: BTreeMap<String, f64> = BTreeMap::new();
        for c in AssetClass::ALL {
            let a = &self.totals.classes[c as usize];
            let mut cur = BTreeMap::new();
            let mut sim = BTreeMap::new();
            for k in Criterion::ALL {
                let (Some(steady), Some(whole)) = (a.steady.get(k), a.whole.get(k)) else {
                    continue;
                };
                let s = match valid.get(&c) {
                    Some(l) => whole * HOURS_PER_YEAR / l,
                    None => steady,
                };
                cur.insert(k.key().to_string(), steady);
                sim.insert(k.key().to_string(), s);
                *cur_total.entry(k.key().to_string()).or_insert(0.0) += steady;
                *sim_total.entry(k.key().to_string()).or_insert(0.0) += s;
            }
            if !cur.is_empty() {
                current.insert(c.as_str().to_string(), cur);
                simulated.insert(c.as_str().to_string(), sim);
            }
        }
        current.insert("total".to_string(), cur_total);
        simulated.insert("total".to_string(), sim_total);
        Simulation {
            current,
            simulated,
            rejected,
        }
    }

    /// Live assets tracked (vanished ones are dropped).
    pub fn len(&self) -> usize {
        self.assets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unix seconds of the last full rebuild: contributions of assets not updated since were
    /// evaluated then.
    pub fn rebuilt_at(&self) -> Option<i64> {
        self.rebuilt_at
    }

    /// Why use-phase figures are missing, when the configured location and datasets give no
    /// electricity factor for the current year.
    pub fn electricity_issue(&self) -> Option<&str> {
        self.intensity.as_ref().and_then(|(_, _, e)| e.as_deref())
    }

    fn context(&mut self, now: DateTime<Utc>) -> Context {
        let year = now.year();
        let intensity = match &self.intensity {
            Some((y, i, _)) if *y == year => *i,
            _ => {
                let fp = &self.settings.footprint;
                let (per_kwh, issue) =
                    match fp.factors.intensity(&fp.location, year, &fp.electricity) {
                        Ok(i) => (i.per_kwh, None),
                        Err(e) => (Impacts::NONE, Some(e.to_string())),
                    };
                let i = match self.intensities.iter().position(|x| *x == per_kwh) {
                    Some(i) => i,
                    None => {
                        self.intensities.push(per_kwh);
                        self.intensities.len() - 1
                    }
                };
                // Distinct factor sets per year: a handful over a daemon's life.
                let i = u16::try_from(i).unwrap_or(u16::MAX);
                self.intensity = Some((year, i, issue));
                i
            }
        };
        Context {
            now_secs: now.timestamp(),
            intensity,
        }
    }

    fn finish(&mut self, ctx: &Context) {
        self.computed_at = ctx.now_secs;
        self.totals.refresh();
    }

    /// Folds a batch of a rebuild, a window at a time, on as many threads as it is worth.
    fn fold(&mut self, batch: &mut [AssetFacts], ctx: &Context, displaced: &mut Vec<Contribution>) {
        let env = Env {
            now_secs: ctx.now_secs,
            intensity: ctx.intensity,
            per_kwh: &self.intensities[usize::from(ctx.intensity)],
            factors: &self.settings.footprint.factors,
            assumptions: &self.settings.footprint.assumptions,
            catalog: &self.catalog,
        };
        for window in batch.chunks_mut(WINDOW) {
            let threads = self.cores.min(window.len() / MIN_PER_WORKER).max(1);
            if self.workers.len() < threads {
                self.workers.resize_with(threads, Worker::default);
            }
            fold_in_parallel(
                window,
                &mut self.workers[..threads],
                &mut self.assets.shards,
                &mut self.outboxes,
                &env,
                displaced,
            );
        }
    }
}

/// Takes a remembered contribution out of the totals, its footprint computed again.
fn take_out(
    totals: &mut Totals,
    old: &Contribution,
    catalog: &Mutex<Catalog>,
    intensities: &[Impacts],
    settings: &EngineSettings,
) {
    let fixed = footprint_of(
        old,
        &lock(catalog).profiles,
        intensities,
        &settings.footprint.assumptions,
    );
    totals.apply(old, false, fixed.as_ref());
}

/// A full recompute under way (see [`Engine::rebuild_in_batches`]).
pub struct Rebuild<'e> {
    engine: &'e mut Engine,
    ctx: Context,
    /// Contributions replaced by a later form of the same asset, taken out at the end.
    displaced: Vec<Contribution>,
}

impl Rebuild<'_> {
    /// Adds assets to the recompute; an asset fed twice counts once, as its last form.
    pub fn feed(&mut self, assets: impl IntoIterator<Item = AssetFacts>) {
        // From a `Vec`, this takes its buffer as it is (no copy).
        let mut batch: Vec<AssetFacts> = assets.into_iter().collect();
        self.engine.fold(&mut batch, &self.ctx, &mut self.displaced);
    }

    /// Ends the recompute: the figures are those of every asset fed.
    pub fn finish(self) {
        let e = self.engine;
        for w in &mut e.workers {
            e.totals.merge_from(&mut w.totals);
        }
        for old in &self.displaced {
            take_out(&mut e.totals, old, &e.catalog, &e.intensities, &e.settings);
        }
        e.rebuilt_at = Some(self.ctx.now_secs);
        e.finish(&self.ctx);
    }
}
