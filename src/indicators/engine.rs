//! The fleet engine: each asset's contribution is computed once, remembered, and added to
//! (or removed from) the running totals of its groups, so an update costs what the changed
//! assets cost, not what the fleet does.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{DateTime, Datelike, Utc};
use parcd_connectors::{AssetClass, Phase};

use crate::footprint::model::{self, MAX_LIFESPAN_HOURS, MAX_PERIOD_HOURS};
use crate::footprint::{
    Criterion, Device, FactorSet, FootprintConfig, FootprintError, Impacts, Profile,
};

use super::aggregate::{Agg, Delta, Fixed, FixedFootprint, HOURS_PER_YEAR, Reason, fits};
use super::facts::{AssetFacts, AssetKey};
use super::output::{Indicators, Simulation};

/// What the engine is configured with.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Factors, assumptions, electricity datasets and the default location.
    pub footprint: FootprintConfig,
    /// Agents per entity (entity name as in [`AssetFacts::entity`]).
    pub headcount: BTreeMap<String, u64>,
}

/// A multiply-rotate hasher (FxHash's): SipHash was a tenth of a rebuild. Keys are the DSI's
/// own inventory identifiers and entity names, not input from the network, so the flooding
/// resistance SipHash buys is not needed here.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Entity name used for assets without one.
pub const NO_ENTITY: &str = "none";

const CLASSES: usize = AssetClass::ALL.len();

/// What one live asset contributes, remembered so that it can be removed exactly.
#[derive(Debug, Clone, PartialEq)]
struct Contribution {
    class: AssetClass,
    entity: u32,
    status: Status,
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    /// Ordered, in stock or retired: counted as a device only.
    Idle,
    InService {
        /// `None` when the dates give an absurd age (over a century).
        age_secs: Option<i64>,
        past_target: bool,
        footprint: Result<Footprint, Reason>,
    },
    Exited {
        life_secs: Option<i64>,
    },
}

/// The inputs of an in-service covered device's estimate. Its figures are computed again on
/// removal (same inputs, same function: the same bits) rather than stored: it halves the size of
/// an entry, and with it the cost of filling the map on a rebuild.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Footprint {
    /// 0 for the profile's power (the inventory gave none, or none above 0).
    power_w: f64,
    age_hours: f64,
    profile: u32,
    /// Index into [`Engine::intensities`].
    intensity: u16,
    reconditioned: bool,
}

/// A resolved profile's index in [`Profiles::list`], or why there is none.
type Slot = Result<u32, Reason>;

/// Profiles resolved once per class and per (class, model), shared by every device of the kind.
#[derive(Debug, Default)]
struct Profiles {
    list: Vec<Profile>,
    /// Per profile, new then reconditioned: the what-if sums in fixed point, or `None` when
    /// they exceed what a fixed-point sum holds. They depend on the profile alone.
    what_if: Vec<[Option<(Fixed, Fixed)>; 2]>,
    share: f64,
    classes: [Option<Slot>; CLASSES],
    /// Only models the factor set has overrides for: the rest use their class's profile.
    models: HashMap<String, Vec<(AssetClass, Slot)>>,
}

impl Profiles {
    fn resolve(
        &mut self,
        factors: &FactorSet,
        class: AssetClass,
        model: Option<&str>,
    ) -> Result<u32, Reason> {
        let model = model.filter(|m| factors.has_model(m));
        let Some(model) = model else {
            if let Some(slot) = self.classes[class as usize] {
                return slot;
            }
            let slot = self.push(factors.profile(class, None));
            self.classes[class as usize] = Some(slot);
            return slot;
        };
        if let Some(slot) = self
            .models
            .get(model)
            .and_then(|v| v.iter().find(|(c, _)| *c == class))
        {
            return slot.1;
        }
        let slot = self.push(factors.profile(class, Some(model)));
        self.models
            .entry(model.to_string())
            .or_default()
            .push((class, slot));
        slot
    }

    fn push(
        &mut self,
        resolved: Result<crate::footprint::ResolvedProfile, FootprintError>,
    ) -> Result<u32, Reason> {
        let p = resolved.map_err(|e| reason(&e))?;
        let fixed = |reconditioned| {
            let (whole, steady) = what_if(&p.profile, reconditioned, self.share);
            (fits(&whole) && fits(&steady))
                .then(|| (Fixed::from_impacts(&whole), Fixed::from_impacts(&steady)))
        };
        let what_if = [fixed(false), fixed(true)];
        self.what_if.push(what_if);
        self.list.push(p.profile);
        Ok((self.list.len() - 1) as u32)
    }
}

/// The bounded exclusion reason of an estimate error.
fn reason(e: &FootprintError) -> Reason {
    match e {
        FootprintError::NoClassFactor { .. } | FootprintError::UnknownModel { .. } => {
            Reason::NoFactor
        }
        FootprintError::InvalidInput { field, .. } => match *field {
            "avg_power_w" => Reason::InvalidPower,
            "lifespan_hours" => Reason::InvalidLifespan,
            // Includes a model declared for another class than the asset's: a data mistake to
            // show, not to paper over with the class figures.
            _ => Reason::Other,
        },
        _ => Reason::Other,
    }
}

/// An estimate's (embodied, use) figures, when just computed.
type Figures = Option<(Impacts, Impacts)>;

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
    profiles: Profiles,
    /// Electricity factors per kWh, resolved once per year: `Impacts::NONE` (no use figures)
    /// when the zone has none, with the error kept for [`Engine::electricity_issue`]. The
    /// current one is (year, index into `intensities`, error).
    intensity: Option<(i32, u16, Option<String>)>,
    /// Every intensity a remembered contribution was computed with (one per year seen).
    intensities: Vec<Impacts>,
    assets: FastMap<AssetKey, Contribution>,
    total: Agg,
    classes: [Agg; CLASSES],
    entity_ids: FastMap<String, u32>,
    entity_names: Vec<String>,
    entities: Vec<Agg>,
    /// Entity groups changed since the last refresh of medians.
    dirty_entities: Vec<u32>,
    computed_at: i64,
    rebuilt_at: Option<i64>,
}

impl Engine {
    pub fn new(settings: EngineSettings) -> Engine {
        let agents_total = (!settings.headcount.is_empty())
            .then(|| settings.headcount.values().copied().sum::<u64>());
        let share = settings.footprint.assumptions.reconditioned_embodied_share;
        let mut e = Engine {
            settings,
            agents_total,
            profiles: Profiles {
                share,
                ..Profiles::default()
            },
            intensity: None,
            intensities: Vec::new(),
            assets: FastMap::default(),
            total: Agg::default(),
            classes: Default::default(),
            entity_ids: FastMap::default(),
            entity_names: Vec::new(),
            entities: Vec::new(),
            dirty_entities: Vec::new(),
            computed_at: 0,
            rebuilt_at: None,
        };
        // Entities with a headcount are published even before they have a device.
        let names: Vec<String> = e.settings.headcount.keys().cloned().collect();
        for n in names {
            e.entity_id(Some(&n));
        }
        e
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
        self.assets.clear();
        // Entity ids stay: they are only indexes, and an emptied group is not published.
        for a in std::iter::once(&mut self.total)
            .chain(&mut self.classes)
            .chain(&mut self.entities)
        {
            a.reset();
        }
        self.dirty_entities.clear();
        let ctx = self.context(now);
        Rebuild { engine: self, ctx }
    }

    /// Incremental: each given asset replaces its previous contribution (or is added); a
    /// vanished one is removed. Cost proportional to the number given.
    ///
    /// Unchanged assets keep the contribution computed at their last rebuild or update: ages
    /// and the in-year embodied share advance with time, so the daemon should also rebuild
    /// periodically (daily is plenty; see [`Engine::rebuilt_at`]).
    pub fn update(&mut self, changed: impl IntoIterator<Item = AssetFacts>, now: DateTime<Utc>) {
        let ctx = self.context(now);
        for a in changed {
            self.upsert(a, &ctx);
        }
        self.finish(&ctx);
    }

    /// Removes assets by key (deleted from the store): same as an update marking them vanished.
    pub fn remove<'a>(&mut self, keys: impl IntoIterator<Item = &'a AssetKey>, now: DateTime<Utc>) {
        let ctx = self.context(now);
        for k in keys {
            if let Some(old) = self.assets.remove(k) {
                self.apply(&old, false, None);
            }
        }
        self.finish(&ctx);
    }

    /// The indicators now: a conversion of the running totals, no walk over assets.
    pub fn snapshot(&self) -> Indicators {
        let mut by_class = BTreeMap::new();
        for c in AssetClass::ALL {
            let a = &self.classes[c as usize];
            if a.devices() > 0 {
                by_class.insert(c.as_str().to_string(), a.to_group(None, None));
            }
        }
        let mut by_entity = BTreeMap::new();
        for (name, a) in self.entity_names.iter().zip(&self.entities) {
            let agents = self.settings.headcount.get(name).copied();
            if a.devices() > 0 || agents.is_some() {
                by_entity.insert(name.clone(), a.to_group(agents, agents));
            }
        }
        Indicators {
            computed_at: self.computed_at,
            total: self.total.to_group(None, self.agents_total),
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
            let a = &self.classes[c as usize];
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
        self.assets.is_empty()
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
        self.total.refresh();
        for a in &mut self.classes {
            a.refresh();
        }
        for id in self.dirty_entities.drain(..) {
            self.entities[id as usize].refresh();
        }
    }

    fn upsert(&mut self, facts: AssetFacts, ctx: &Context) {
        let old = match self.evaluate(&facts, ctx) {
            Some((c, figures)) => {
                self.apply(&c, true, figures);
                self.assets.insert(facts.key, c)
            }
            None => self.assets.remove(&facts.key),
        };
        if let Some(old) = old {
            self.apply(&old, false, None);
        }
    }

    /// The contribution of one asset at `ctx.now_secs`, with its estimate's (embodied, use)
    /// figures when it has some; `None` when it counts nowhere.
    fn evaluate(&mut self, f: &AssetFacts, ctx: &Context) -> Option<(Contribution, Figures)> {
        if f.vanished {
            return None;
        }
        let entity = self.entity_id(f.entity.as_deref());
        let start_secs = f
            .in_service_date
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(f.first_seen_at, |t| t.and_utc().timestamp());
        let mut figures = None;
        let status = match f.phase {
            Phase::InService | Phase::InRepair => {
                let (status, fig) = self.in_service(f, ctx, start_secs);
                figures = fig;
                status
            }
            p if p.is_exit() => Status::Exited {
                // An exit dated before the service date is a data mistake: counted as 0, as a
                // future service date counts as age 0.
                life_secs: f
                    .exit_at
                    .map(|x| x.saturating_sub(start_secs).max(0))
                    .filter(|s| within_a_century(*s)),
            },
            _ => Status::Idle,
        };
        Some((
            Contribution {
                class: f.class,
                entity,
                status,
            },
            figures,
        ))
    }

    fn in_service(&mut self, f: &AssetFacts, ctx: &Context, start_secs: i64) -> (Status, Figures) {
        // A future date counts as age 0.
        let age_secs = ctx.now_secs.saturating_sub(start_secs).max(0);
        let age_hours = age_secs as f64 / 3600.0;
        let known_age = within_a_century(age_secs).then_some(age_secs);
        let fp = &self.settings.footprint;
        let profile = self
            .profiles
            .resolve(&fp.factors, f.class, f.model.as_deref());
        let past_target = match (profile, known_age) {
            (Ok(i), Some(_)) => age_hours > self.profiles.list[i as usize].lifespan_hours,
            _ => false,
        };
        let mut figures = None;
        let footprint = profile.and_then(|i| {
            let out = Footprint {
                power_w: f.rated_power_w.filter(|w| *w > 0.0).unwrap_or(0.0),
                // An absurd age is refused by the model (`other`), not clamped into a figure.
                age_hours,
                profile: i,
                intensity: ctx.intensity,
                reconditioned: f.reconditioned,
            };
            let (embodied, use_phase) = self.estimate(&out).map_err(|e| reason(&e))?;
            let what_if_fits = self.profiles.what_if[i as usize][usize::from(f.reconditioned)];
            // Beyond any real device: refused so that fixed-point sums cannot overflow.
            if fits(&embodied) && fits(&use_phase) && what_if_fits.is_some() {
                figures = Some((embodied, use_phase));
                Ok(out)
            } else {
                Err(Reason::Other)
            }
        });
        let status = Status::InService {
            age_secs: known_age,
            past_target,
            footprint,
        };
        (status, figures)
    }

    /// One year of a device from its remembered inputs: (embodied, use).
    fn estimate(&self, fp: &Footprint) -> Result<(Impacts, Impacts), FootprintError> {
        let device = Device {
            power_w: (fp.power_w > 0.0).then_some(fp.power_w),
            use_ratio: None,
            lifespan_hours: None,
            age_hours: fp.age_hours,
            reconditioned: fp.reconditioned,
        };
        let e = model::estimate(
            &self.profiles.list[fp.profile as usize],
            &device,
            HOURS_PER_YEAR,
            &self.intensities[usize::from(fp.intensity)],
            &self.settings.footprint.assumptions,
        )?;
        Ok((e.embodied, e.use_phase))
    }

    /// Adds (or removes exactly) a contribution to its three groups. `figures` are its
    /// estimate's when just computed; `None` computes them again from the remembered inputs.
    fn apply(&mut self, c: &Contribution, add: bool, figures: Figures) {
        let fixed;
        let delta = match &c.status {
            Status::Idle => Delta {
                in_service: false,
                footprint: Err(Reason::Other),
                age_secs: None,
                past_target: false,
                exit: false,
                exit_life_secs: None,
            },
            Status::Exited { life_secs } => Delta {
                in_service: false,
                footprint: Err(Reason::Other),
                age_secs: None,
                past_target: false,
                exit: true,
                exit_life_secs: *life_secs,
            },
            Status::InService {
                age_secs,
                past_target,
                footprint,
            } => {
                let footprint = match footprint {
                    Ok(fp) => {
                        // These succeeded when the contribution was made, and the same inputs
                        // give the same result: the fallback is never taken.
                        let (embodied, use_phase) = figures
                            .or_else(|| self.estimate(fp).ok())
                            .unwrap_or_default();
                        let (whole, steady) = self.profiles.what_if[fp.profile as usize]
                            [usize::from(fp.reconditioned)]
                        .unwrap_or_default();
                        fixed = FixedFootprint {
                            embodied: Fixed::from_impacts(&embodied),
                            use_phase: Fixed::from_impacts(&use_phase),
                            whole,
                            steady,
                        };
                        Ok(&fixed)
                    }
                    Err(r) => Err(*r),
                };
                Delta {
                    in_service: true,
                    footprint,
                    age_secs: *age_secs,
                    past_target: *past_target,
                    exit: false,
                    exit_life_secs: None,
                }
            }
        };
        self.total.apply(&delta, add, false);
        self.classes[c.class as usize].apply(&delta, add, true);
        let e = &mut self.entities[c.entity as usize];
        if !e.dirty {
            self.dirty_entities.push(c.entity);
        }
        e.apply(&delta, add, false);
    }

    fn entity_id(&mut self, name: Option<&str>) -> u32 {
        let name = name.unwrap_or(NO_ENTITY);
        if let Some(id) = self.entity_ids.get(name) {
            return *id;
        }
        let id = self.entities.len() as u32;
        self.entity_ids.insert(name.to_string(), id);
        self.entity_names.push(name.to_string());
        self.entities.push(Agg::default());
        id
    }
}

/// A full recompute under way (see [`Engine::rebuild_in_batches`]).
pub struct Rebuild<'e> {
    engine: &'e mut Engine,
    ctx: Context,
}

impl Rebuild<'_> {
    /// Adds assets to the recompute; an asset fed twice counts once, as its last form.
    pub fn feed(&mut self, assets: impl IntoIterator<Item = AssetFacts>) {
        let assets = assets.into_iter();
        self.engine.assets.reserve(assets.size_hint().0);
        for a in assets {
            self.engine.upsert(a, &self.ctx);
        }
    }

    /// Ends the recompute: the figures are those of every asset fed.
    pub fn finish(self) {
        self.engine.rebuilt_at = Some(self.ctx.now_secs);
        self.engine.finish(&self.ctx);
    }
}

/// The whole embodied impact charged to a device (its reconditioned share when reconditioned,
/// as [`model::estimate`] charges it) and that whole spread over one year of its reference
/// lifespan.
fn what_if(p: &Profile, reconditioned: bool, reconditioned_share: f64) -> (Impacts, Impacts) {
    let share = if reconditioned {
        reconditioned_share
    } else {
        1.0
    };
    let whole = p.embodied.scaled(share);
    (whole, whole.scaled(HOURS_PER_YEAR / p.lifespan_hours))
}

fn within_a_century(secs: i64) -> bool {
    secs as f64 / 3600.0 <= MAX_PERIOD_HOURS
}
