//! The impact criteria parcd carries and a fixed-size set of values over them.

use std::fmt;

/// One environmental criterion. Each has one unit for a device total and one per kWh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Criterion {
    /// Climate change, kgCO2e.
    Gwp,
    /// Abiotic depletion of minerals and metals, kgSbeq.
    Adpe,
    /// Abiotic depletion of fossil resources, MJ.
    Adpf,
    /// Primary energy, MJ.
    Pe,
    /// Water, litres (ADEME's indicator).
    Water,
}

impl Criterion {
    pub const COUNT: usize = 5;
    pub const ALL: [Criterion; Criterion::COUNT] = [
        Criterion::Gwp,
        Criterion::Adpe,
        Criterion::Adpf,
        Criterion::Pe,
        Criterion::Water,
    ];

    /// The key used in factor files, JSON output and metric labels.
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Gwp => "gwp",
            Criterion::Adpe => "adpe",
            Criterion::Adpf => "adpf",
            Criterion::Pe => "pe",
            Criterion::Water => "water",
        }
    }

    /// The unit of a device's impact.
    pub fn unit(self) -> &'static str {
        match self {
            Criterion::Gwp => "kgCO2e",
            Criterion::Adpe => "kgSbeq",
            Criterion::Adpf | Criterion::Pe => "MJ",
            Criterion::Water => "L",
        }
    }

    /// The unit of an electricity factor.
    pub fn unit_per_kwh(self) -> &'static str {
        match self {
            Criterion::Gwp => "kgCO2e/kWh",
            Criterion::Adpe => "kgSbeq/kWh",
            Criterion::Adpf | Criterion::Pe => "MJ/kWh",
            Criterion::Water => "L/kWh",
        }
    }

    pub fn parse(key: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A value per criterion, where some criteria may be unknown.
///
/// Plain `Copy` data with no allocation, so the fleet can sum 100,000 of them cheaply. An unknown
/// criterion stays unknown rather than 0: a missing factor must show as missing coverage, not as
/// a zero impact.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Impacts {
    values: [f64; Criterion::COUNT],
    known: u8,
}

impl Impacts {
    /// Every criterion unknown.
    pub const NONE: Impacts = Impacts {
        values: [0.0; Criterion::COUNT],
        known: 0,
    };

    pub fn get(&self, c: Criterion) -> Option<f64> {
        self.has(c).then(|| self.values[c.index()])
    }

    pub fn has(&self, c: Criterion) -> bool {
        self.known & (1 << c.index()) != 0
    }

    pub fn set(&mut self, c: Criterion, value: f64) {
        self.values[c.index()] = value;
        self.known |= 1 << c.index();
    }

    /// Builder form of [`Impacts::set`].
    pub fn with(mut self, c: Criterion, value: f64) -> Impacts {
        self.set(c, value);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.known == 0
    }

    /// The known criteria and their values, in [`Criterion::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Criterion, f64)> + '_ {
        Criterion::ALL
            .into_iter()
            .filter_map(|c| self.get(c).map(|v| (c, v)))
    }

    /// Every known value multiplied by `k`.
    pub fn scaled(&self, k: f64) -> Impacts {
        let mut out = *self;
        for v in &mut out.values {
            *v *= k;
        }
        out
    }

    /// Each known value of `self` times the same criterion of `per_unit`; a criterion unknown on
    /// either side stays unknown.
    pub fn times(&self, per_unit: &Impacts) -> Impacts {
        let mut out = Impacts {
            values: [0.0; Criterion::COUNT],
            known: self.known & per_unit.known,
        };
        for i in 0..Criterion::COUNT {
            out.values[i] = self.values[i] * per_unit.values[i];
        }
        out
    }

    /// Adds `other` criterion by criterion. A criterion becomes known once any term knows it, so
    /// a fleet total counts what is covered; coverage is counted apart with [`Impacts::has`].
    pub fn add(&mut self, other: &Impacts) {
        for i in 0..Criterion::COUNT {
            if other.known & (1 << i) != 0 {
                self.values[i] += other.values[i];
            }
        }
        self.known |= other.known;
    }

    /// Replaces the criteria `other` knows, keeping the rest.
    pub fn overlay(&mut self, other: &Impacts) {
        for c in Criterion::ALL {
            if let Some(v) = other.get(c) {
                self.set(c, v);
            }
        }
    }

    /// True when every known value is a finite number.
    pub fn all_finite(&self) -> bool {
        self.iter().all(|(_, v)| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_criterion_stays_unknown_through_arithmetic() {
        let a = Impacts::NONE.with(Criterion::Gwp, 2.0);
        let per = Impacts::NONE
            .with(Criterion::Gwp, 3.0)
            .with(Criterion::Pe, 5.0);
        let p = a.times(&per);
        assert_eq!(p.get(Criterion::Gwp), Some(6.0));
        assert_eq!(p.get(Criterion::Pe), None);
        assert_eq!(p.scaled(0.5).get(Criterion::Gwp), Some(3.0));
    }

    #[test]
    fn sums_know_what_any_term_knows() {
        let mut total = Impacts::NONE;
        total.add(&Impacts::NONE.with(Criterion::Gwp, 1.0));
        total.add(
            &Impacts::NONE
                .with(Criterion::Gwp, 2.0)
                .with(Criterion::Water, 4.0),
        );
        assert_eq!(total.get(Criterion::Gwp), Some(3.0));
        assert_eq!(total.get(Criterion::Water), Some(4.0));
        assert!(!total.has(Criterion::Adpe));
    }

    #[test]
    fn every_criterion_round_trips_through_its_key() {
        for c in Criterion::ALL {
            assert_eq!(Criterion::parse(c.key()), Some(c));
        }
        assert_eq!(Criterion::parse("adp"), None);
    }
}
