//! Running totals of one group (the fleet, a class or an entity), kept so that adding or removing
//! one asset costs a few integer additions and one ordered-map update.
//!
//! Impact sums are fixed-point integers, not floats: an asset's contribution converts to the
//! same integers whenever it is computed, and integer addition is exact and commutative, so
//! however many updates a long-running daemon applies, in whatever order, the totals equal those
//! of a fresh rebuild bit for bit instead of drifting by rounding.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::footprint::{Criterion, Impacts};

use super::output::{AgeBand, Group};

/// Fixed-point scale, 2^60: a resolution of 8.7e-19, far below the smallest per-device figure
/// (about 1e-6 kgSbeq a year for a printer's electricity), and room for sums up to 1.15e20.
const SCALE: f64 = (1u64 << 60) as f64;

/// Largest magnitude one device may contribute to one criterion. Real figures are below 1e6
/// (a copier's water over a year); the bound keeps 1e8 devices inside the fixed-point range,
/// so a sum can never overflow. A device above it is excluded as `other`.
pub(crate) const MAX_DEVICE_VALUE: f64 = 1e12;

/// One year in hours, the factor set's convention (`unit = "y"` is 8760 h).
pub(crate) const HOURS_PER_YEAR: f64 = 8760.0;
pub(crate) const SECS_PER_YEAR: f64 = HOURS_PER_YEAR * 3600.0;
pub(crate) const SECS_PER_DAY: i64 = 86_400;

/// Lower bounds, in whole years of age, of the age bands of the age pyramid: a year wide up
/// to 8 years (where reference lifespans lie), then 8 to 10, then 10 and over (past the REEN
/// decree's age limit).
pub const AGE_BAND_FROM_YEARS: [u32; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10];

/// The age band of an age in seconds (years of 8760 h).
fn age_band(age_secs: i64) -> usize {
    let years = age_secs as f64 / SECS_PER_YEAR;
    AGE_BAND_FROM_YEARS
        .iter()
        .rposition(|from| years >= f64::from(*from))
        .unwrap_or(0)
}

/// Why an in-service device has no footprint: a bounded set, so it can be a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    NoFactor,
    InvalidPower,
    InvalidLifespan,
    Other,
}

impl Reason {
    pub(crate) const COUNT: usize = 4;
    pub(crate) const ALL: [Reason; Reason::COUNT] = [
        Reason::NoFactor,
        Reason::InvalidPower,
        Reason::InvalidLifespan,
        Reason::Other,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Reason::NoFactor => "no_factor",
            Reason::InvalidPower => "invalid_power",
            Reason::InvalidLifespan => "invalid_lifespan",
            Reason::Other => "other",
        }
    }
}

/// True when every known value of `i` is finite and within [`MAX_DEVICE_VALUE`].
pub(crate) fn fits(i: &Impacts) -> bool {
    i.iter()
        .all(|(_, v)| v.is_finite() && v.abs() <= MAX_DEVICE_VALUE)
}

/// [`Impacts`] in fixed point. Only built from values that passed [`fits`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Fixed {
    values: [i128; Criterion::COUNT],
    known: [bool; Criterion::COUNT],
}

impl Fixed {
    pub(crate) const ZERO: Fixed = Fixed {
        values: [0; Criterion::COUNT],
        known: [false; Criterion::COUNT],
    };

    pub(crate) fn from_impacts(i: &Impacts) -> Fixed {
        let mut out = Fixed::default();
        for (c, v) in i.iter() {
            out.values[c as usize] = to_fixed(v);
            out.known[c as usize] = true;
        }
        out
    }
}

/// `x × 2^60` truncated toward zero, from the bits of `x`: a float-to-i128 cast is a library
/// call that cost a fifth of a rebuild, this is a few shifts. Only for values that passed
/// [`fits`] (finite, at most 1e12 < 2^40, so the result stays below 2^100).
fn to_fixed(x: f64) -> i128 {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Zero or subnormal (below 2^-1022): nothing at a resolution of 2^-60.
        return 0;
    }
    let mantissa = i128::from((bits & ((1u64 << 52) - 1)) | (1u64 << 52));
    // x = mantissa × 2^(exp − 1075); times 2^60.
    let shift = exp - 1075 + 60;
    let magnitude = if shift >= 0 {
        mantissa << shift
    } else if shift > -128 {
        mantissa >> -shift
    } else {
        0
    };
    if bits >> 63 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// A sum of [`Fixed`] values, with how many terms know each criterion: a criterion no covered
/// device has a factor for stays absent rather than showing as 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Sum {
    values: [i128; Criterion::COUNT],
    terms: [u64; Criterion::COUNT],
}

impl Sum {
    pub(crate) fn apply(&mut self, x: &Fixed, add: bool) {
        for i in 0..Criterion::COUNT {
            if x.known[i] {
                if add {
                    self.values[i] += x.values[i];
                } else {
                    self.values[i] -= x.values[i];
                }
                bump(&mut self.terms[i], add);
            }
        }
    }

    fn merge(&mut self, other: &Sum) {
        for i in 0..Criterion::COUNT {
            self.values[i] += other.values[i];
            self.terms[i] += other.terms[i];
        }
    }

    pub(crate) fn get(&self, c: Criterion) -> Option<f64> {
        (self.terms[c as usize] > 0).then(|| self.values[c as usize] as f64 / SCALE)
    }

    pub(crate) fn to_map(&self) -> BTreeMap<String, f64> {
        Criterion::ALL
            .into_iter()
            .filter_map(|c| self.get(c).map(|v| (c.key().to_string(), v)))
            .collect()
    }
}

/// A distribution of durations in seconds: exact count and sum for the mean, and the count of
/// each whole day for the median, so an update moves one bin instead of re-sorting the group.
///
/// The days are a flat histogram indexed by day: durations run from 0 to a century (the engine
/// clamps negative ones to 0 and drops longer ones), so it holds at most 36,525 bins and an
/// addition is one increment, where a tree of days (or a queue of days sorted per batch) was
/// the largest cost of a rebuild.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Durations {
    n: u64,
    sum_secs: i128,
    /// Values per day, from day 0; no trailing zero once refreshed. `u32`: a bin would need
    /// four billion devices of one group to overflow, far past what the engine holds in memory.
    days: Vec<u32>,
    /// Cached after each batch of changes (see [`Agg::refresh`]): `snapshot` only reads it.
    median_days: Option<f64>,
}

impl Durations {
    pub(crate) fn apply(&mut self, secs: i64, add: bool) {
        bump(&mut self.n, add);
        // Never negative (see above): the clamp only keeps the index in range.
        let day = usize::try_from(secs.div_euclid(SECS_PER_DAY)).unwrap_or(0);
        if add {
            self.sum_secs += i128::from(secs);
            if day >= self.days.len() {
                self.days.resize(day + 1, 0);
            }
            self.days[day] += 1;
        } else {
            self.sum_secs -= i128::from(secs);
            if let Some(k) = self.days.get_mut(day) {
                *k -= 1;
            }
        }
    }

    /// Adds another distribution to this one: what a worker of a parallel rebuild folded.
    fn merge(&mut self, other: &Durations) {
        self.n += other.n;
        self.sum_secs += other.sum_secs;
        if other.days.len() > self.days.len() {
            self.days.resize(other.days.len(), 0);
        }
        for (k, o) in self.days.iter_mut().zip(&other.days) {
            *k += o;
        }
    }

    /// Empties the distribution but keeps the histogram's buffer: a rebuild refills it.
    fn reset(&mut self) {
        let mut days = std::mem::take(&mut self.days);
        days.clear();
        *self = Durations {
            days,
            ..Durations::default()
        };
    }

    fn refresh(&mut self) {
        while self.days.last() == Some(&0) {
            self.days.pop();
        }
        let bins = self
            .days
            .iter()
            .enumerate()
            .filter(|(_, k)| **k > 0)
            .map(|(d, k)| (d as i64, u64::from(*k)));
        self.median_days = median(bins, self.n);
    }

    pub(crate) fn mean_years(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum_secs as f64 / self.n as f64 / SECS_PER_YEAR)
    }

    pub(crate) fn median_years(&self) -> Option<f64> {
        self.median_days.map(|d| d * 24.0 / HOURS_PER_YEAR)
    }
}

/// Median of a histogram of `n` values, as (value, count) in increasing value: the middle one,
/// or the mean of the two middle ones.
fn median<V: Borrow<i64>, K: Borrow<u64>>(
    bins: impl IntoIterator<Item = (V, K)>,
    n: u64,
) -> Option<f64> {
    if n == 0 {
        return None;
    }
    // 0-based ranks of the two middle values (the same one when n is odd).
    let (lo, hi) = ((n - 1) / 2, n / 2);
    let mut seen = 0u64;
    let mut lo_value = None;
    for (v, k) in bins {
        let (v, k) = (*v.borrow(), *k.borrow());
        seen += k;
        if lo_value.is_none() && seen > lo {
            lo_value = Some(v);
        }
        if seen > hi {
            let lo_value = lo_value.unwrap_or(v);
            return Some((lo_value as f64 + v as f64) / 2.0);
        }
    }
    None
}

fn bump(x: &mut u64, add: bool) {
    if add {
        *x += 1;
    } else {
        *x -= 1;
    }
}

/// What one live asset adds to a group, in the form the group sums.
pub(crate) struct Delta<'a> {
    pub in_service: bool,
    pub footprint: Result<&'a FixedFootprint, Reason>,
    pub age_secs: Option<i64>,
    pub past_target: bool,
    pub exit: bool,
    pub exit_life_secs: Option<i64>,
}

/// An in-service covered device's figures per year, in fixed point.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct FixedFootprint {
    pub embodied: Fixed,
    pub use_phase: Fixed,
    /// Whole embodied impact (times the reconditioned share), for the what-if.
    pub whole: Fixed,
    /// `whole × 8760 / L`: the steady-state yearly embodied impact at the reference lifespan.
    pub steady: Fixed,
}

impl FixedFootprint {
    pub(crate) const ZERO: FixedFootprint = FixedFootprint {
        embodied: Fixed::ZERO,
        use_phase: Fixed::ZERO,
        whole: Fixed::ZERO,
        steady: Fixed::ZERO,
    };
}

/// Running totals of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Agg {
    devices: u64,
    in_service: u64,
    covered: u64,
    excluded: [u64; Reason::COUNT],
    embodied: Sum,
    use_phase: Sum,
    age: Durations,
    /// In-service devices of known age per band of [`AGE_BAND_FROM_YEARS`].
    age_bands: [u64; AGE_BAND_FROM_YEARS.len()],
    past_target: u64,
    exits: u64,
    exit_life: Durations,
    /// Kept for class groups only: what the what-if needs.
    pub(crate) whole: Sum,
    pub(crate) steady: Sum,
    /// Changed since the last [`Agg::refresh`].
    pub(crate) dirty: bool,
}

impl Agg {
    /// Adds (or, with `add` false, removes exactly) one live asset. `what_if` also keeps the
    /// sums the what-if needs.
    pub(crate) fn apply(&mut self, d: &Delta<'_>, add: bool, what_if: bool) {
        self.dirty = true;
        bump(&mut self.devices, add);
        if d.exit {
            bump(&mut self.exits, add);
            if let Some(s) = d.exit_life_secs {
                self.exit_life.apply(s, add);
            }
        }
        if !d.in_service {
            return;
        }
        bump(&mut self.in_service, add);
        if let Some(s) = d.age_secs {
            self.age.apply(s, add);
            bump(&mut self.age_bands[age_band(s)], add);
        }
        if d.past_target {
            bump(&mut self.past_target, add);
        }
        match d.footprint {
            Ok(f) => {
                bump(&mut self.covered, add);
                self.embodied.apply(&f.embodied, add);
                self.use_phase.apply(&f.use_phase, add);
                if what_if {
                    self.whole.apply(&f.whole, add);
                    self.steady.apply(&f.steady, add);
                }
            }
            Err(r) => bump(&mut self.excluded[r as usize], add),
        }
    }

    /// Adds another group's totals to this one: what a worker of a parallel rebuild folded.
    pub(crate) fn merge(&mut self, o: &Agg) {
        self.dirty = true;
        self.devices += o.devices;
        self.in_service += o.in_service;
        self.covered += o.covered;
        for (x, y) in self.excluded.iter_mut().zip(o.excluded) {
            *x += y;
        }
        self.embodied.merge(&o.embodied);
        self.use_phase.merge(&o.use_phase);
        self.age.merge(&o.age);
        for (x, y) in self.age_bands.iter_mut().zip(o.age_bands) {
            *x += y;
        }
        self.past_target += o.past_target;
        self.exits += o.exits;
        self.exit_life.merge(&o.exit_life);
        self.whole.merge(&o.whole);
        self.steady.merge(&o.steady);
    }

    /// Back to empty, keeping buffers (see [`Durations::reset`]).
    pub(crate) fn reset(&mut self) {
        let mut age = std::mem::take(&mut self.age);
        let mut exit_life = std::mem::take(&mut self.exit_life);
        age.reset();
        exit_life.reset();
        *self = Agg {
            age,
            exit_life,
            ..Agg::default()
        };
    }

    /// Recomputes the cached medians; called once per batch for the groups it touched.
    pub(crate) fn refresh(&mut self) {
        if self.dirty {
            self.age.refresh();
            self.exit_life.refresh();
            self.dirty = false;
        }
    }

    pub(crate) fn devices(&self) -> u64 {
        self.devices
    }

    /// The published form. `agents` is the entity's headcount; `agents_for_ratio` the one
    /// devices per agent is computed with (the sum of headcounts for the fleet total).
    pub(crate) fn to_group(&self, agents: Option<u64>, agents_for_ratio: Option<u64>) -> Group {
        Group {
            devices: self.devices,
            in_service: self.in_service,
            covered: self.covered,
            coverage_ratio: if self.in_service == 0 {
                1.0
            } else {
                self.covered as f64 / self.in_service as f64
            },
            excluded: Reason::ALL
                .into_iter()
                .filter(|r| self.excluded[*r as usize] > 0)
                .map(|r| (r.key().to_string(), self.excluded[r as usize]))
                .collect(),
            embodied_per_year: self.embodied.to_map(),
            use_per_year: self.use_phase.to_map(),
            age_mean_years: self.age.mean_years(),
            age_median_years: self.age.median_years(),
            age_bands: AGE_BAND_FROM_YEARS
                .iter()
                .zip(AGE_BAND_FROM_YEARS.iter().skip(1).map(Some).chain([None]))
                .zip(self.age_bands)
                .map(|((from, to), devices)| AgeBand {
                    from_years: *from,
                    to_years: to.copied(),
                    devices,
                })
                .collect(),
            past_target_lifespan: self.past_target,
            exits: self.exits,
            lifespan_at_exit_mean_years: self.exit_life.mean_years(),
            lifespan_at_exit_median_years: self.exit_life.median_years(),
            agents,
            // No headcount, or a headcount of 0, gives no ratio rather than an infinity.
            devices_per_agent: agents_for_ratio
                .filter(|a| *a > 0)
                .map(|a| self.in_service as f64 / a as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(values: &[i64]) -> (BTreeMap<i64, u64>, u64) {
        let mut m = BTreeMap::new();
        for v in values {
            *m.entry(*v).or_insert(0) += 1;
        }
        (m, values.len() as u64)
    }

    #[test]
    fn an_age_falls_in_the_band_that_starts_at_or_below_it() {
        let year = SECS_PER_YEAR as i64;
        assert_eq!(age_band(0), 0);
        assert_eq!(age_band(year - 1), 0);
        assert_eq!(age_band(year), 1);
        assert_eq!(age_band(7 * year + year / 2), 7);
        assert_eq!(age_band(9 * year), 8);
        assert_eq!(age_band(10 * year), 9);
        assert_eq!(age_band(40 * year), 9);
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_value_and_of_an_even_count_the_mean_of_two() {
        let (m, n) = bins(&[5, 1, 9]);
        assert_eq!(median(&m, n), Some(5.0));
        let (m, n) = bins(&[1, 2, 2, 10]);
        assert_eq!(median(&m, n), Some(2.0));
        let (m, n) = bins(&[1, 3, 10, 12]);
        assert_eq!(median(&m, n), Some(6.5));
        let (m, n) = bins(&[]);
        assert_eq!(median(&m, n), None);
    }

    #[test]
    fn removing_what_was_added_leaves_an_empty_distribution_and_sum() {
        let mut d = Durations::default();
        d.apply(3 * SECS_PER_DAY + 5, true);
        d.apply(10 * SECS_PER_DAY, true);
        d.apply(3 * SECS_PER_DAY + 5, false);
        d.refresh();
        assert_eq!(d.median_years(), Some(10.0 / 365.0));
        d.apply(10 * SECS_PER_DAY, false);
        d.refresh();
        assert_eq!(d, Durations::default());

        let x = Fixed::from_impacts(&Impacts::NONE.with(Criterion::Gwp, 0.1));
        let mut s = Sum::default();
        for _ in 0..3 {
            s.apply(&x, true);
        }
        for _ in 0..3 {
            s.apply(&x, false);
        }
        assert_eq!(s, Sum::default());
        assert_eq!(s.get(Criterion::Gwp), None, "no term left, no figure");
    }

    #[test]
    fn fixed_point_sums_are_exact_whatever_the_order() {
        let vals = [0.1, 1e-6, 48_512.9, 3.3e-8, 7.0];
        let fx: Vec<Fixed> = vals
            .iter()
            .map(|v| Fixed::from_impacts(&Impacts::NONE.with(Criterion::Gwp, *v)))
            .collect();
        let mut forward = Sum::default();
        fx.iter().for_each(|x| forward.apply(x, true));
        let mut backward = Sum::default();
        fx.iter().rev().for_each(|x| backward.apply(x, true));
        assert_eq!(forward, backward);
        let float: f64 = vals.iter().sum();
        let got = forward.get(Criterion::Gwp).unwrap();
        assert!((got - float).abs() <= 1e-12 * float);
    }

    #[test]
    fn the_fixed_point_conversion_matches_a_float_cast_to_the_last_unit() {
        for x in [
            0.0, -0.0, 1.0, -2.5, 0.1, 1e-6, 3.3e-8, 48_512.9, 1e12, -1e12, 1e-300,
        ] {
            let want = (x * SCALE).trunc() as i128;
            assert_eq!(to_fixed(x), want, "{x}");
        }
    }

    #[test]
    fn only_finite_bounded_values_fit_a_fixed_point_sum() {
        assert!(fits(&Impacts::NONE.with(Criterion::Water, 1e6)));
        assert!(!fits(&Impacts::NONE.with(Criterion::Water, 1e13)));
        assert!(!fits(&Impacts::NONE.with(Criterion::Gwp, f64::NAN)));
    }
}
