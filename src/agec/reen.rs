//! REEN reuse rate of retired IT (décret 2023-266) and DEEE shares of exits, in units, from
//! per-asset facts.
//!
//! REEN rate for year N = A ÷ B, where B = in-scope equipment retired and in stock on
//! 1 January N plus in-scope equipment retired during N, and A = those of B that left for
//! reuse (phase `reused`) during N. Excluded from both: equipment over 10 years old on its
//! retirement date, and equipment holding classified or security-bound data (the decree sends
//! both elsewhere). An asset whose age is unknown is *kept*: not knowing the age exempts
//! nothing, and the count is given so the DSI can fill the dates in.

use std::collections::BTreeSet;

use chrono::{Months, NaiveDate};
use parcd_connectors::{AssetClass, Phase};
use serde::Serialize;

use super::quota::{ReenTarget, reen_target, year_bounds};

/// What the REEN and DEEE rates need of one asset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExitFacts {
    pub id: String,
    pub class: Option<AssetClass>,
    /// Put into service (Infocom use date, else delivery, else purchase date).
    pub in_service_date: Option<NaiveDate>,
    /// Retired from use (réforme: moved to `retired`, or the Infocom decommission date).
    pub retired_on: Option<NaiveDate>,
    /// `reused`, `recycled` or `destroyed` once the asset has left.
    pub exit_phase: Option<Phase>,
    pub exit_on: Option<NaiveDate>,
    /// Holds classified or security-bound data: outside décret 2023-266.
    pub security_excluded: bool,
    /// The source's status name (tells a donation from a sale among `reused` exits).
    pub status: Option<String>,
}

/// Classes counted by the REEN rate by default: the decree covers categories 2° (screens over
/// 100 cm²) and 6° (small IT and telecom equipment, no side over 50 cm) of Code de
/// l'environnement R. 543-172 II. Servers, copiers and floor-standing MFPs are usually large
/// equipment (4°), and `other` is unknown, so they are left out; `[agec] reen_classes`
/// changes the list.
pub const DEFAULT_REEN_CLASSES: [AssetClass; 9] = [
    AssetClass::Laptop,
    AssetClass::Desktop,
    AssetClass::ThinClient,
    AssetClass::Monitor,
    AssetClass::Smartphone,
    AssetClass::DeskPhone,
    AssetClass::Tablet,
    AssetClass::Printer,
    AssetClass::Network,
];

/// Equipment older than this on its retirement date is outside the REEN rate.
pub const REEN_MAX_AGE_MONTHS: u32 = 120;

/// Why an asset could not be placed in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unplaced {
    /// An exit phase with no exit date.
    ExitWithoutDate,
    /// An exit date with no exit phase, or a phase that is not an exit.
    DateWithoutExit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnplacedAsset {
    pub id: String,
    pub reason: Unplaced,
}

/// Where an asset stands in the retirement flow, when it can be told.
enum Flow {
    /// Never retired nor exited.
    InFleet,
    Retired {
        on: NaiveDate,
        exit: Option<(Phase, NaiveDate)>,
    },
    Unplaced(Unplaced),
}

fn flow(f: &ExitFacts) -> Flow {
    let exit = match (f.exit_phase, f.exit_on) {
        (Some(p), Some(d)) if p.is_exit() => Some((p, d)),
        (Some(p), None) if p.is_exit() => return Flow::Unplaced(Unplaced::ExitWithoutDate),
        (_, Some(_)) => return Flow::Unplaced(Unplaced::DateWithoutExit),
        _ => None,
    };
    // An asset that left without a recorded retirement was retired, at the latest, the day it
    // left; one recorded as retired after its exit is a typing slip, and the exit stands.
    let on = match (f.retired_on, exit) {
        (Some(r), Some((_, e))) => r.min(e),
        (Some(r), None) => r,
        (None, Some((_, e))) => e,
        (None, None) => return Flow::InFleet,
    };
    Flow::Retired { on, exit }
}

/// In the year's retired population: in stock on 1 January, or retired during the year.
/// `Some(true)` for the stock, `Some(false)` for retired during the year.
fn in_population(on: NaiveDate, exit: Option<(Phase, NaiveDate)>, year: i32) -> Option<bool> {
    let (start, end) = year_bounds(year);
    if on < start && exit.is_none_or(|(_, e)| e >= start) {
        Some(true)
    } else if (start..=end).contains(&on) {
        Some(false)
    } else {
        None
    }
}

fn exited_in(exit: Option<(Phase, NaiveDate)>, year: i32) -> Option<Phase> {
    let (start, end) = year_bounds(year);
    exit.filter(|(_, e)| (start..=end).contains(e))
        .map(|(p, _)| p)
}

fn ratio(part: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| part.min(total) as f64 / total as f64)
}

/// The REEN figures of one year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReenYear {
    pub year: i32,
    pub in_stock_on_1_january: u64,
    pub retired_during_year: u64,
    /// B = stock on 1 January + retired during the year.
    pub retired: u64,
    /// A = of those, left for reuse during the year.
    pub reused: u64,
    /// A ÷ B; `None` when B is 0.
    pub rate: Option<f64>,
    pub target: Option<ReenTarget>,
    /// Of B, assets whose age could not be told (kept in, see the module doc).
    pub unknown_age: u64,
    /// Left out: over 10 years old on the retirement date.
    pub excluded_over_10_years: u64,
    /// Left out: classified or security-bound data.
    pub excluded_security: u64,
    /// Left out: class outside `reen_classes`.
    pub excluded_class: u64,
    pub unplaced: Vec<UnplacedAsset>,
}

impl ReenYear {
    /// `None` without a target or without retired equipment.
    pub fn target_met(&self) -> Option<bool> {
        let target = self.target?;
        (self.retired > 0).then(|| {
            u128::from(self.reused) * 10_000
                >= u128::from(target.min.bp()) * u128::from(self.retired)
        })
    }
}

/// The REEN reuse rate of `year` (décret 2023-266) over `classes`.
pub fn reen_year(facts: &[ExitFacts], classes: &BTreeSet<AssetClass>, year: i32) -> ReenYear {
    let mut out = ReenYear {
        year,
        in_stock_on_1_january: 0,
        retired_during_year: 0,
        retired: 0,
        reused: 0,
        rate: None,
        target: reen_target(year).copied(),
        unknown_age: 0,
        excluded_over_10_years: 0,
        excluded_security: 0,
        excluded_class: 0,
        unplaced: Vec::new(),
    };
    for f in facts {
        let (on, exit) = match flow(f) {
            Flow::InFleet => continue,
            Flow::Unplaced(reason) => {
                out.unplaced.push(UnplacedAsset {
                    id: f.id.clone(),
                    reason,
                });
                continue;
            }
            Flow::Retired { on, exit } => (on, exit),
        };
        let Some(in_stock) = in_population(on, exit, year) else {
            continue;
        };
        if !f.class.is_some_and(|c| classes.contains(&c)) {
            out.excluded_class += 1;
            continue;
        }
        if f.security_excluded {
            out.excluded_security += 1;
            continue;
        }
        match f.in_service_date {
            None => out.unknown_age += 1,
            Some(start) => {
                let limit = start.checked_add_months(Months::new(REEN_MAX_AGE_MONTHS));
                if limit.is_some_and(|l| on > l) {
                    out.excluded_over_10_years += 1;
                    continue;
                }
            }
        }
        if in_stock {
            out.in_stock_on_1_january += 1;
        } else {
            out.retired_during_year += 1;
        }
        if exited_in(exit, year) == Some(Phase::Reused) {
            out.reused += 1;
        }
    }
    out.retired = out.in_stock_on_1_january + out.retired_during_year;
    out.rate = ratio(out.reused, out.retired);
    out
}

/// DEEE figures of one year, in units, over every class (all are electrical equipment).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeeeYear {
    pub year: i32,
    /// Assets that left during the year.
    pub exits: u64,
    pub reused: u64,
    /// Taken by an approved WEEE eco-organism.
    pub recycled: u64,
    pub destroyed: u64,
    pub reused_share: Option<f64>,
    pub recycled_share: Option<f64>,
    pub destroyed_share: Option<f64>,
    /// Retired equipment in stock on 1 January plus retired during the year.
    pub retired: u64,
    /// Sent to an approved channel during the year: reused or recycled.
    pub collected: u64,
    /// `collected ÷ retired`. A unit-based proxy of the directive's collection rate, which is
    /// by weight against equipment put on the market: the inventory knows units, not kilos.
    /// Destruction is not counted as collection: nothing says it went through an approved
    /// channel.
    pub collection_rate: Option<f64>,
    pub unplaced: Vec<UnplacedAsset>,
}

pub fn deee_year(facts: &[ExitFacts], year: i32) -> DeeeYear {
    let (mut exits, mut reused, mut recycled, mut destroyed, mut retired, mut collected) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let mut unplaced = Vec::new();
    for f in facts {
        let (on, exit) = match flow(f) {
            Flow::InFleet => continue,
            Flow::Unplaced(reason) => {
                unplaced.push(UnplacedAsset {
                    id: f.id.clone(),
                    reason,
                });
                continue;
            }
            Flow::Retired { on, exit } => (on, exit),
        };
        if in_population(on, exit, year).is_some() {
            retired += 1;
        }
        match exited_in(exit, year) {
            Some(Phase::Reused) => {
                exits += 1;
                reused += 1;
                collected += 1;
            }
            Some(Phase::Recycled) => {
                exits += 1;
                recycled += 1;
                collected += 1;
            }
            Some(_) => {
                exits += 1;
                destroyed += 1;
            }
            None => {}
        }
    }
    DeeeYear {
        year,
        exits,
        reused,
        recycled,
        destroyed,
        reused_share: ratio(reused, exits),
        recycled_share: ratio(recycled, exits),
        destroyed_share: ratio(destroyed, exits),
        retired,
        collected,
        collection_rate: ratio(collected, retired),
        unplaced,
    }
}

/// Classes of which one donated device equips one person on its own. A monitor, a printer or
/// a desk phone given with a computer equips nobody more.
pub const EQUIPPING_CLASSES: [AssetClass; 5] = [
    AssetClass::Laptop,
    AssetClass::Desktop,
    AssetClass::ThinClient,
    AssetClass::Tablet,
    AssetClass::Smartphone,
];

/// Devices given away during one year: those that left for reuse under a status the
/// donation pattern matches.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Donations {
    pub year: i32,
    pub devices_given: u64,
    /// An estimate: one person per donated device of [`EQUIPPING_CLASSES`]. Inventories do
    /// not record who received what, so a laptop given with its dock counts one person.
    pub people_equipped: u64,
    #[schema(value_type = std::collections::BTreeMap<String, u64>)]
    pub by_class: std::collections::BTreeMap<AssetClass, u64>,
}

pub fn donations_year(facts: &[ExitFacts], year: i32, donation_status: &regex::Regex) -> Donations {
    let mut out = Donations {
        year,
        devices_given: 0,
        people_equipped: 0,
        by_class: std::collections::BTreeMap::new(),
    };
    for f in facts {
        let Flow::Retired { exit, .. } = flow(f) else {
            continue;
        };
        if exited_in(exit, year) != Some(Phase::Reused)
            || !f
                .status
                .as_deref()
                .is_some_and(|s| donation_status.is_match(s))
        {
            continue;
        }
        out.devices_given += 1;
        if let Some(class) = f.class {
            *out.by_class.entry(class).or_default() += 1;
            if EQUIPPING_CLASSES.contains(&class) {
                out.people_equipped += 1;
            }
        }
    }
    out
}
