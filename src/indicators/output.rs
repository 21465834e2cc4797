//! What the engine publishes: plain data for metrics, the JSON API and reports.

use std::collections::BTreeMap;

use serde::Serialize;

/// The fleet indicators at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Indicators {
    /// Unix seconds of the `now` of the latest rebuild or update.
    pub computed_at: i64,
    pub total: Group,
    /// `AssetClass::as_str()` → group; classes without a live asset are absent.
    pub by_class: BTreeMap<String, Group>,
    /// Entity name (`none` when unknown) → group; an entity is present while it has a live
    /// asset or a configured headcount.
    pub by_entity: BTreeMap<String, Group>,
}

/// The indicators of one group of assets. Every `f64` is finite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// Live (not vanished) assets of any phase.
    pub devices: u64,
    /// Phase in_service or in_repair.
    pub in_service: u64,
    /// In-service devices with a usable factor (their estimate succeeded).
    pub covered: u64,
    /// covered / in_service; 1.0 when nothing is in service.
    pub coverage_ratio: f64,
    /// Reason (`no_factor`, `invalid_power`, `invalid_lifespan`, `other`) → in-service devices
    /// excluded for it; reasons with no device are absent.
    pub excluded: BTreeMap<String, u64>,
    /// Criterion key → embodied impact per year over covered in-service devices; a criterion no
    /// covered device has a factor for is absent.
    pub embodied_per_year: BTreeMap<String, f64>,
    /// Criterion key → use-phase impact per year, likewise.
    pub use_per_year: BTreeMap<String, f64>,
    /// Over in-service devices with a known age, in years of 8760 h.
    pub age_mean_years: Option<f64>,
    /// Median to the day.
    pub age_median_years: Option<f64>,
    /// In-service devices of known age by band of age (years of 8760 h), youngest first: a
    /// year wide up to 8 years, then 8 to 10, then 10 and over (`to_years` absent).
    pub age_bands: Vec<AgeBand>,
    /// In-service devices older than their reference lifespan.
    pub past_target_lifespan: u64,
    /// Devices in an exit phase (reused, recycled, destroyed).
    pub exits: u64,
    /// exit_at − put into service (or first seen), over exited devices with an exit date.
    pub lifespan_at_exit_mean_years: Option<f64>,
    /// Median to the day.
    pub lifespan_at_exit_median_years: Option<f64>,
    /// Headcount of the entity (by_entity only).
    pub agents: Option<u64>,
    /// in_service / agents, by entity and for the total (over the sum of headcounts); `None`
    /// without a headcount.
    pub devices_per_agent: Option<f64>,
}

/// In-service devices whose age is at least `from_years` and below `to_years`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgeBand {
    pub from_years: u32,
    /// Absent for the last band, open-ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_years: Option<u32>,
    pub devices: u64,
}

/// The lifespan what-if: steady-state embodied impact per year of the in-service covered fleet.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Simulation {
    /// Class (and `total`) → criterion → embodied per year at the factor set's lifespans.
    pub current: BTreeMap<String, BTreeMap<String, f64>>,
    /// Likewise with the given lifespans for the classes listed.
    pub simulated: BTreeMap<String, BTreeMap<String, f64>>,
    /// Class → why its given lifespan was not used (not a number, not above 0, over a century);
    /// such a class keeps its current figures in `simulated`.
    pub rejected: BTreeMap<String, String>,
}
