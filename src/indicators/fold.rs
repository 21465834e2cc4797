//! One asset's contribution and its folding into the groups' running totals, on one thread (an
//! update) or on every core (a rebuild, see [`fold_in_parallel`]).
//!
//! A parallel rebuild runs in two phases over a window of assets. First the workers claim chunks
//! of the window in turn, evaluate them, fold them into totals of their own, and sort the keys
//! with their contributions by shard of the asset map. Then they claim the shards in turn and
//! insert every chunk's entries for the shard, in the window's order, so an asset fed twice
//! keeps its last form: the contribution it replaces is set aside and taken out of the totals
//! once merged.
//! Every sum is exact (integers, fixed point, day histograms), so the result does not depend
//! on how the assets were split: it is the one a single thread gives, to the bit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use parcd_connectors::{AssetClass, Phase};

use crate::footprint::model::{self, Assumptions, MAX_PERIOD_HOURS};
use crate::footprint::{Device, FactorSet, Impacts};

use super::aggregate::{Agg, Delta, Fixed, FixedFootprint, HOURS_PER_YEAR, Reason, fits};
use super::assets::{SHARDS, Shard, hash_key, shard_of};
use super::catalog::{CLASSES, Cache, Catalog, ProfileEntry, field_reason};
use super::engine::NO_ENTITY;
use super::facts::{AssetFacts, AssetKey};

/// What one live asset contributes, remembered so that it can be removed exactly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contribution {
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
    /// Index into the engine's intensities.
    intensity: u16,
    reconditioned: bool,
}

/// What is fixed for one rebuild or update, and what evaluating an asset reads.
pub(crate) struct Env<'a> {
    pub(crate) now_secs: i64,
    pub(crate) intensity: u16,
    pub(crate) per_kwh: &'a Impacts,
    pub(crate) factors: &'a FactorSet,
    pub(crate) assumptions: &'a Assumptions,
    pub(crate) catalog: &'a Mutex<Catalog>,
}

/// The contribution of one asset at `env.now_secs`, with its footprint in fixed point when it
/// has one; `None` when it counts nowhere.
pub(crate) fn evaluate(
    cache: &mut Cache,
    env: &Env<'_>,
    f: &AssetFacts,
) -> Option<(Contribution, Option<FixedFootprint>)> {
    if f.vanished {
        return None;
    }
    let entity = cache.entity(env.catalog, f.entity.as_deref().unwrap_or(NO_ENTITY));
    let start_secs = f
        .in_service_date
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(f.first_seen_at, |t| t.and_utc().timestamp());
    let mut fixed = None;
    let status = match f.phase {
        Phase::InService | Phase::InRepair => {
            let (status, fx) = in_service(cache, env, f, start_secs);
            fixed = fx;
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
        fixed,
    ))
}

fn in_service(
    cache: &mut Cache,
    env: &Env<'_>,
    f: &AssetFacts,
    start_secs: i64,
) -> (Status, Option<FixedFootprint>) {
    // A future date counts as age 0.
    let age_secs = env.now_secs.saturating_sub(start_secs).max(0);
    let age_hours = age_secs as f64 / 3600.0;
    let known_age = within_a_century(age_secs).then_some(age_secs);
    let slot = cache.slot(env.catalog, env.factors, f.class, f.model.as_deref());
    let entry = slot.ok().and_then(|i| cache.profile(i));
    let past_target = match (entry, known_age) {
        (Some(p), Some(_)) => age_hours > p.profile.lifespan_hours,
        _ => false,
    };
    let mut fixed = None;
    let footprint = slot.and_then(|i| {
        let entry = entry.ok_or(Reason::Other)?;
        let out = Footprint {
            power_w: f.rated_power_w.filter(|w| *w > 0.0).unwrap_or(0.0),
            // An absurd age is refused by the model (`other`), not clamped into a figure.
            age_hours,
            profile: i,
            intensity: env.intensity,
            reconditioned: f.reconditioned,
        };
        let (embodied, use_phase) = estimate(entry, &out, env.per_kwh, env.assumptions)?;
        // Beyond any real device: refused so that fixed-point sums cannot overflow.
        match entry.what_if[usize::from(f.reconditioned)] {
            Some((whole, steady)) if fits(&embodied) && fits(&use_phase) => {
                fixed = Some(FixedFootprint {
                    embodied: Fixed::from_impacts(&embodied),
                    use_phase: Fixed::from_impacts(&use_phase),
                    whole,
                    steady,
                });
                Ok(out)
            }
            _ => Err(Reason::Other),
        }
    });
    let status = Status::InService {
        age_secs: known_age,
        past_target,
        footprint,
    };
    (status, fixed)
}

/// One year of a device from its inputs: (embodied, use), or why the model refused them. The
/// refusal's text is never written: only its field is needed.
fn estimate(
    entry: &ProfileEntry,
    fp: &Footprint,
    per_kwh: &Impacts,
    assumptions: &Assumptions,
) -> Result<(Impacts, Impacts), Reason> {
    let device = Device {
        power_w: (fp.power_w > 0.0).then_some(fp.power_w),
        use_ratio: None,
        lifespan_hours: None,
        age_hours: fp.age_hours,
        reconditioned: fp.reconditioned,
    };
    let e = model::try_estimate(
        &entry.profile,
        &device,
        HOURS_PER_YEAR,
        per_kwh,
        assumptions,
    )
    .map_err(|r| field_reason(r.field))?;
    Ok((e.embodied, e.use_phase))
}

/// The fixed-point footprint of a remembered contribution, computed again from its inputs to
/// take it out of the totals: the same inputs give the same bits as when it was added.
pub(crate) fn footprint_of(
    c: &Contribution,
    profiles: &[ProfileEntry],
    intensities: &[Impacts],
    assumptions: &Assumptions,
) -> Option<FixedFootprint> {
    let Status::InService {
        footprint: Ok(fp), ..
    } = &c.status
    else {
        return None;
    };
    let entry = profiles.get(fp.profile as usize)?;
    let per_kwh = intensities.get(usize::from(fp.intensity))?;
    // These succeeded when the contribution was made: the fallback is never taken.
    let (embodied, use_phase) = estimate(entry, fp, per_kwh, assumptions).unwrap_or_default();
    let (whole, steady) = entry.what_if[usize::from(fp.reconditioned)].unwrap_or_default();
    Some(FixedFootprint {
        embodied: Fixed::from_impacts(&embodied),
        use_phase: Fixed::from_impacts(&use_phase),
        whole,
        steady,
    })
}

fn within_a_century(secs: i64) -> bool {
    secs as f64 / 3600.0 <= MAX_PERIOD_HOURS
}

/// Running totals of every group: the fleet, each class, each entity (by id).
#[derive(Debug, Default)]
pub(crate) struct Totals {
    pub(crate) total: Agg,
    pub(crate) classes: [Agg; CLASSES],
    pub(crate) entities: Vec<Agg>,
    /// Entity groups changed since the last refresh of medians.
    dirty_entities: Vec<u32>,
}

impl Totals {
    /// Adds (or removes exactly) a contribution to its three groups, with its footprint when
    /// it is in service and covered.
    pub(crate) fn apply(&mut self, c: &Contribution, add: bool, fixed: Option<&FixedFootprint>) {
        // The engine always gives a covered device its footprint; zeros stand in otherwise.
        const NO_FOOTPRINT: FixedFootprint = FixedFootprint::ZERO;
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
            } => Delta {
                in_service: true,
                footprint: match footprint {
                    Ok(_) => Ok(fixed.unwrap_or(&NO_FOOTPRINT)),
                    Err(r) => Err(*r),
                },
                age_secs: *age_secs,
                past_target: *past_target,
                exit: false,
                exit_life_secs: None,
            },
        };
        self.total.apply(&delta, add, false);
        self.classes[c.class as usize].apply(&delta, add, true);
        self.entity(c.entity).apply(&delta, add, false);
    }

    /// An entity's group, marked for the next refresh.
    fn entity(&mut self, id: u32) -> &mut Agg {
        let i = id as usize;
        if self.entities.len() <= i {
            self.entities.resize_with(i + 1, Agg::default);
        }
        let e = &mut self.entities[i];
        if !e.dirty {
            self.dirty_entities.push(id);
        }
        e
    }

    /// Adds what a worker folded, and empties the worker's totals (keeping their buffers).
    pub(crate) fn merge_from(&mut self, other: &mut Totals) {
        self.total.merge(&other.total);
        for (a, b) in self.classes.iter_mut().zip(&other.classes) {
            a.merge(b);
        }
        for id in std::mem::take(&mut other.dirty_entities) {
            let theirs = &other.entities[id as usize];
            self.entity(id).merge(theirs);
        }
        other.reset();
    }

    /// Back to empty, keeping buffers.
    pub(crate) fn reset(&mut self) {
        for a in std::iter::once(&mut self.total)
            .chain(&mut self.classes)
            .chain(&mut self.entities)
        {
            a.reset();
        }
        self.dirty_entities.clear();
    }

    /// Recomputes the cached medians of the groups changed since the last refresh.
    pub(crate) fn refresh(&mut self) {
        self.total.refresh();
        for a in &mut self.classes {
            a.refresh();
        }
        for id in self.dirty_entities.drain(..) {
            self.entities[id as usize].refresh();
        }
    }
}

/// An evaluated asset on its way to its shard of the asset map.
#[derive(Debug)]
pub(crate) struct Entry {
    hash: u64,
    key: AssetKey,
    /// `None` for a vanished asset: it takes out whatever the key had.
    contribution: Option<Contribution>,
}

/// One thread's state in a rebuild, kept across batches (and rebuilds) for its buffers.
#[derive(Debug, Default)]
pub(crate) struct Worker {
    pub(crate) cache: Cache,
    /// What it folded during the current rebuild, merged at its end.
    pub(crate) totals: Totals,
}

/// Evaluated assets by shard: what one chunk of a window sends to the shards' owners. Kept
/// across windows for their capacity.
pub(crate) type Outbox = Vec<Vec<Entry>>;

/// Assets a worker claims at a time: small enough that when one thread is descheduled (the
/// machine is shared), the others take over the rest of the window instead of waiting for it.
const CHUNK: usize = 2048;

impl Worker {
    /// Phase one: evaluates and folds `assets`, taking their strings (the keys go to the
    /// outbox, the rest is freed here, on this worker's core).
    fn evaluate_all(&mut self, assets: &mut [AssetFacts], outbox: &mut Outbox, env: &Env<'_>) {
        outbox.resize_with(SHARDS, Vec::new);
        for a in assets {
            let hash = hash_key(&a.key);
            let contribution = evaluate(&mut self.cache, env, a).map(|(c, fixed)| {
                self.totals.apply(&c, true, fixed.as_ref());
                c
            });
            drop(a.model.take());
            drop(a.entity.take());
            let key = AssetKey {
                source: std::mem::take(&mut a.key.source),
                external_id: std::mem::take(&mut a.key.external_id),
            };
            outbox[shard_of(hash)].push(Entry {
                hash,
                key,
                contribution,
            });
        }
    }
}

/// Phase two for one shard: inserts every chunk's entries for it, in order, and sets aside the
/// contributions they replace.
fn insert_all(
    shard: &mut Shard<Contribution>,
    inbox: &mut [Vec<Entry>],
    displaced: &mut Vec<Contribution>,
) {
    shard.reserve(inbox.iter().map(Vec::len).sum());
    for from_chunk in inbox {
        for e in from_chunk.drain(..) {
            let old = match e.contribution {
                Some(c) => shard.insert(e.hash, e.key, c),
                None => shard.remove(e.hash, e.key),
            };
            displaced.extend(old);
        }
    }
}

/// Runs `job` on each item of `jobs`, claimed one at a time by `threads` threads (this one
/// included), each with its own `state`; returns what each thread's `out` gathered.
fn share<J: Send, S: Send, O: Default + Send>(
    jobs: Vec<J>,
    states: &mut [S],
    job: impl Fn(&mut S, J, &mut O) + Sync,
) -> Vec<O> {
    let jobs: Vec<Mutex<Option<J>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let next = AtomicUsize::new(0);
    let run = |state: &mut S| {
        let mut out = O::default();
        // Each index is claimed by one thread only: the lock is never contended, it only
        // hands the job over.
        while let Some(slot) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let taken = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(j) = taken {
                job(state, j, &mut out);
            }
        }
        out
    };
    std::thread::scope(|s| {
        let mut states = states.iter_mut();
        let first = states.next();
        let handles: Vec<_> = states.map(|st| s.spawn(|| run(st))).collect();
        let mut outs: Vec<O> = first.map(&run).into_iter().collect();
        for h in handles {
            // A worker's panic is a bug in the engine: re-raised here, as a sequential fold
            // would raise it.
            outs.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        outs
    })
}

/// Folds `window` on `workers.len()` threads (this one included) into the workers' totals and
/// `shards`; the contributions replaced (assets fed twice) are appended to `displaced`.
/// `outboxes` are buffers kept from window to window.
pub(crate) fn fold_in_parallel(
    window: &mut [AssetFacts],
    workers: &mut [Worker],
    shards: &mut [Shard<Contribution>],
    outboxes: &mut Vec<Outbox>,
    env: &Env<'_>,
    displaced: &mut Vec<Contribution>,
) {
    let chunks = window.len().div_ceil(CHUNK);
    if outboxes.len() < chunks {
        outboxes.resize_with(chunks, Vec::new);
    }
    let jobs: Vec<_> = window.chunks_mut(CHUNK).zip(outboxes.iter_mut()).collect();
    share(jobs, workers, |w, (assets, outbox), _: &mut ()| {
        w.evaluate_all(assets, outbox, env)
    });

    // Each shard's entries, chunk by chunk (the window's order), for whoever claims the shard.
    let mut inboxes: Vec<Vec<Vec<Entry>>> = (0..SHARDS)
        .map(|s| {
            outboxes[..chunks]
                .iter_mut()
                .map(|o| o.get_mut(s).map(std::mem::take).unwrap_or_default())
                .collect()
        })
        .collect();
    let jobs: Vec<_> = shards.iter_mut().zip(inboxes.iter_mut()).collect();
    let set_aside = share(
        jobs,
        workers,
        |_, (shard, inbox), out: &mut Vec<Contribution>| insert_all(shard, inbox, out),
    );
    displaced.extend(set_aside.into_iter().flatten());
    // The emptied buffers go back, capacity kept for the next window.
    for (s, inbox) in inboxes.into_iter().enumerate() {
        for (o, buffer) in outboxes.iter_mut().zip(inbox) {
            if let Some(slot) = o.get_mut(s) {
                *slot = buffer;
            }
        }
    }
}
