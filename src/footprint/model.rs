//! The per-device model, as pure arithmetic: no I/O, no allocation, a few dozen nanoseconds.
//!
//! For one device over a period of `hours` that starts when the device is `age_hours` old:
//!
//! - embodied = E × overlap([age, age + hours], [0, L]) / L, the BoaviztAPI convention: the
//!   embodied impact E is spread linearly over the reference lifespan L, and nothing is charged
//!   once the device is past it. A reconditioned device is charged `share × E` instead of E.
//! - use = P / 1000 × use_ratio × hours × electricity factor, per criterion.
//!
//! With `age_hours = 0` this is exactly BoaviztAPI's `duration` semantics (embodied × duration /
//! lifetime, capped at the whole embodied impact).

use super::criteria::Impacts;
use super::error::FootprintError;
use super::factors::Profile;

/// Above this a power figure is a unit mistake (mW, VA × 1000…), not an IT device.
pub const MAX_POWER_W: f64 = 20_000.0;
/// A century: longer lifespans or periods are typing mistakes.
pub const MAX_LIFESPAN_HOURS: f64 = 876_600.0;
/// Longest period (and age) the model accepts, also a century.
pub const MAX_PERIOD_HOURS: f64 = 876_600.0;

/// One device as the fleet fills it from a stored asset (or `parcd estimate` from its flags).
/// `None` takes the value of the device's [`Profile`] (its model's, else its class's).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Device {
    /// Average power while switched on, W: the inventory's rated power (GLPI model
    /// `power_consumption`) or a measurement.
    pub power_w: Option<f64>,
    /// Share of the time switched on, 0..=1.
    pub use_ratio: Option<f64>,
    /// Reference lifespan, hours.
    pub lifespan_hours: Option<f64>,
    /// Hours since the device was put into service, at the start of the period.
    pub age_hours: f64,
    /// Bought reconditioned (or received second-hand): charged only a share of its embodied impact.
    pub reconditioned: bool,
}

/// Policy choices that are not data, from `[footprint]` in the config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    /// Share of the embodied impact charged to a reconditioned device, 0..=1.
    pub reconditioned_embodied_share: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            reconditioned_embodied_share: DEFAULT_RECONDITIONED_EMBODIED_SHARE,
        }
    }
}

/// ADEME (Sept 2022, "Évaluation de l'impact environnemental d'un ensemble de produits
/// reconditionnés"): a reconditioned smartphone has an 87 % lower yearly climate impact than a
/// new one. parcd applies the remaining 13 % to every class and criterion: an assumption, which
/// `[footprint] reconditioned_embodied_share` replaces.
pub const DEFAULT_RECONDITIONED_EMBODIED_SHARE: f64 = 0.13;

/// The numbers an estimate was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    pub power_w: f64,
    pub use_ratio: f64,
    pub lifespan_hours: f64,
    pub hours: f64,
    pub age_hours: f64,
    /// Share of the whole embodied impact charged to this period.
    pub embodied_share: f64,
    pub energy_kwh: f64,
}

/// One device's impact over one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub embodied: Impacts,
    pub use_phase: Impacts,
    pub inputs: Inputs,
}

/// The impact of `device` over `hours`, given its profile and the electricity factors per kWh of
/// its location. An input that makes no sense is refused, so the result is always finite.
pub fn estimate(
    profile: &Profile,
    device: &Device,
    hours: f64,
    per_kwh: &Impacts,
    assumptions: &Assumptions,
) -> Result<Estimate, FootprintError> {
    try_estimate(profile, device, hours, per_kwh, assumptions).map_err(Refusal::into_error)
}

/// Why [`try_estimate`] refused an input, as plain data: the fleet evaluates a million devices
/// per rebuild and only needs the field, so the explanation text is written only when asked
/// for ([`Refusal::into_error`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refusal {
    /// The input refused, as [`FootprintError::InvalidInput`] names it.
    pub field: &'static str,
    value: f64,
    problem: Problem,
    fix: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Problem {
    NotANumber,
    Negative,
    Below(f64),
    Above(f64),
    Fixed(&'static str),
}

impl Refusal {
    /// The error [`estimate`] returns, with its text.
    pub fn into_error(self) -> FootprintError {
        let problem = match self.problem {
            Problem::NotANumber => "is not a number".to_string(),
            Problem::Negative => "is negative".to_string(),
            Problem::Below(lo) => format!("is below {lo}"),
            Problem::Above(hi) => format!("is above the maximum {hi}"),
            Problem::Fixed(p) => p.to_string(),
        };
        FootprintError::InvalidInput {
            field: self.field,
            value: self.value.to_string(),
            problem,
            fix: self.fix.to_string(),
        }
    }
}

/// [`estimate`] without the text of a refusal: what the fleet calls per device.
pub fn try_estimate(
    profile: &Profile,
    device: &Device,
    hours: f64,
    per_kwh: &Impacts,
    assumptions: &Assumptions,
) -> Result<Estimate, Refusal> {
    let hours = check(
        "hours",
        hours,
        0.0,
        MAX_PERIOD_HOURS,
        "give the length of the period in hours, e.g. 8760 for a year",
    )?;
    let age_hours = check(
        "age_hours",
        device.age_hours,
        0.0,
        MAX_PERIOD_HOURS,
        "give the device's age at the start of the period in hours, 0 for a new one",
    )?;
    let power_w = check(
        "avg_power_w",
        device.power_w.unwrap_or(profile.power_w),
        0.0,
        MAX_POWER_W,
        "give the average power in watts while the device is on (check the unit: mW or kW \
         inventories need converting), or leave it out for the class default",
    )?;
    let use_ratio = check(
        "use_ratio",
        device.use_ratio.unwrap_or(profile.use_ratio),
        0.0,
        1.0,
        "give the share of the time the device is on, from 0 to 1 (0.3 is about 7 h a day)",
    )?;
    let lifespan_hours = device.lifespan_hours.unwrap_or(profile.lifespan_hours);
    if lifespan_hours <= 0.0 {
        return Err(Refusal {
            field: "lifespan_hours",
            value: lifespan_hours,
            problem: Problem::Fixed(
                "is not above 0: the embodied impact cannot be spread over no time",
            ),
            fix: "give the reference lifespan in hours (43800 for 5 years), or leave it out for \
                  the class's",
        });
    }
    let lifespan_hours = check(
        "lifespan_hours",
        lifespan_hours,
        0.0,
        MAX_LIFESPAN_HOURS,
        "give the reference lifespan in hours (43800 for 5 years)",
    )?;
    let share = assumptions.reconditioned_embodied_share;
    if !(0.0..=1.0).contains(&share) {
        return Err(Refusal {
            field: "reconditioned_embodied_share",
            value: share,
            problem: Problem::Fixed("is outside 0..1"),
            fix: "set [footprint] reconditioned_embodied_share to a share from 0 to 1",
        });
    }

    let overlap =
        ((age_hours + hours).min(lifespan_hours) - age_hours.min(lifespan_hours)).max(0.0);
    let mut embodied_share = overlap / lifespan_hours;
    if device.reconditioned {
        embodied_share *= share;
    }
    let energy_kwh = power_w / 1000.0 * use_ratio * hours;
    let out = Estimate {
        embodied: profile.embodied.scaled(embodied_share),
        use_phase: per_kwh.scaled(energy_kwh),
        inputs: Inputs {
            power_w,
            use_ratio,
            lifespan_hours,
            hours,
            age_hours,
            embodied_share,
            energy_kwh,
        },
    };
    // Factors are validated finite and inputs bounded, so this cannot fail; it guards the
    // promise that no NaN or infinity ever reaches a metric or a JSON document.
    if !(out.embodied.all_finite() && out.use_phase.all_finite()) {
        return Err(Refusal {
            field: "factors",
            value: f64::NAN,
            problem: Problem::Fixed("give a non-finite result"),
            fix: "check the factor set: every value must be a finite number",
        });
    }
    Ok(out)
}

fn check(field: &'static str, x: f64, lo: f64, hi: f64, fix: &'static str) -> Result<f64, Refusal> {
    let problem = if x.is_nan() {
        Problem::NotANumber
    } else if x < lo {
        if lo == 0.0 {
            Problem::Negative
        } else {
            Problem::Below(lo)
        }
    } else if x > hi {
        Problem::Above(hi)
    } else {
        return Ok(x);
    };
    Err(Refusal {
        field,
        value: x,
        problem,
        fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::criteria::Criterion;

    // BoaviztAPI 2.5.0 laptop-pro (footprint.md §1.5) and its FRA factor (§1.4).
    fn laptop() -> Profile {
        Profile {
            embodied: Impacts::NONE
                .with(Criterion::Gwp, 181.0)
                .with(Criterion::Adpe, 0.0086),
            lifespan_hours: 35040.0,
            power_w: 75.0,
            use_ratio: 0.3,
        }
    }

    fn fra() -> Impacts {
        Impacts::NONE.with(Criterion::Gwp, 0.098)
    }

    fn gwp(i: &Impacts) -> f64 {
        i.get(Criterion::Gwp).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn one_year_of_a_laptop_matches_the_boaviztapi_golden_vector() {
        // footprint.md §1.6: laptop FRA, 1 y, 20 W, ratio 0.25 → 45.25 embodied, 4.292 use.
        let d = Device {
            power_w: Some(20.0),
            use_ratio: Some(0.25),
            ..Device::default()
        };
        let e = estimate(&laptop(), &d, 8760.0, &fra(), &Assumptions::default()).unwrap();
        assert!(close(gwp(&e.embodied), 45.25));
        assert!((gwp(&e.use_phase) - 4.292).abs() < 0.0005);
        assert_eq!(
            e.use_phase.get(Criterion::Adpe),
            None,
            "no factor, no figure"
        );
    }

    #[test]
    fn embodied_is_capped_at_the_whole_and_zero_past_the_lifespan() {
        let p = laptop();
        let a = Assumptions::default();
        let whole = estimate(&p, &Device::default(), 100_000.0, &fra(), &a).unwrap();
        assert!(close(gwp(&whole.embodied), 181.0));
        let old = Device {
            age_hours: 40_000.0,
            ..Device::default()
        };
        let e = estimate(&p, &old, 8760.0, &fra(), &a).unwrap();
        assert_eq!(gwp(&e.embodied), 0.0);
        assert!(gwp(&e.use_phase) > 0.0, "an old device still uses power");
        let ending = Device {
            age_hours: 35_040.0 - 4380.0,
            ..Device::default()
        };
        let e = estimate(&p, &ending, 8760.0, &fra(), &a).unwrap();
        assert!(close(gwp(&e.embodied), 181.0 * 4380.0 / 35040.0));
    }

    #[test]
    fn a_longer_lifespan_lowers_the_yearly_embodied_share() {
        let d = Device {
            lifespan_hours: Some(52_560.0),
            ..Device::default()
        };
        let e = estimate(&laptop(), &d, 8760.0, &fra(), &Assumptions::default()).unwrap();
        // footprint.md §1.6: 30.17 with hours_life_time 52 560.
        assert!((gwp(&e.embodied) - 30.17).abs() < 0.005);
    }

    #[test]
    fn a_reconditioned_device_is_charged_the_configured_share() {
        let d = Device {
            reconditioned: true,
            ..Device::default()
        };
        let a = Assumptions {
            reconditioned_embodied_share: 0.5,
        };
        let e = estimate(&laptop(), &d, 35040.0, &fra(), &a).unwrap();
        assert!(close(gwp(&e.embodied), 90.5));
        assert!(close(e.embodied.get(Criterion::Adpe).unwrap(), 0.0043));
    }

    #[test]
    fn nonsense_inputs_are_refused_with_their_field_and_a_fix() {
        let a = Assumptions::default();
        let cases: Vec<(Device, f64, &str)> = vec![
            (
                Device {
                    power_w: Some(-5.0),
                    ..Device::default()
                },
                8760.0,
                "avg_power_w",
            ),
            (
                Device {
                    power_w: Some(75_000.0),
                    ..Device::default()
                },
                8760.0,
                "avg_power_w",
            ),
            (
                Device {
                    power_w: Some(f64::NAN),
                    ..Device::default()
                },
                8760.0,
                "avg_power_w",
            ),
            (
                Device {
                    lifespan_hours: Some(0.0),
                    ..Device::default()
                },
                8760.0,
                "lifespan_hours",
            ),
            (
                Device {
                    use_ratio: Some(1.5),
                    ..Device::default()
                },
                8760.0,
                "use_ratio",
            ),
            (Device::default(), -1.0, "hours"),
            (Device::default(), f64::INFINITY, "hours"),
            (
                Device {
                    age_hours: f64::NAN,
                    ..Device::default()
                },
                1.0,
                "age_hours",
            ),
        ];
        for (d, hours, field) in cases {
            match estimate(&laptop(), &d, hours, &fra(), &a) {
                Err(FootprintError::InvalidInput { field: f, fix, .. }) => {
                    assert_eq!(f, field);
                    assert!(!fix.is_empty());
                }
                other => panic!("{field}: expected an input error, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_zero_length_period_costs_nothing() {
        let e = estimate(
            &laptop(),
            &Device::default(),
            0.0,
            &fra(),
            &Assumptions::default(),
        )
        .unwrap();
        assert_eq!(gwp(&e.embodied), 0.0);
        assert_eq!(gwp(&e.use_phase), 0.0);
    }
}
