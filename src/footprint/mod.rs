//! The footprint engine: sourced factors per asset class and electricity zone, and a pure
//! per-device model (embodied impact allocated over the lifespan, use phase from power and
//! electricity), after BoaviztAPI 2.5.0's method.
//!
//! How the fleet uses it, cheaply for 100,000 devices:
//!
//! 1. once: [`FactorSet`] from [`load::load`] (or [`settings::FootprintConfig`]);
//! 2. once per class or model: [`FactorSet::profile`] → a `Copy` [`Profile`];
//! 3. once per zone and year: [`FactorSet::intensity`] → factors per kWh;
//! 4. per device: [`model::estimate`], plain arithmetic returning an [`Estimate`] whose
//!    [`Impacts`] the fleet sums; an `Err` is an excluded device, to count.
//!
//! `parcd estimate` ([`estimate`]) runs the same four steps for one device.

pub mod criteria;
pub mod error;
pub mod estimate;
pub mod factors;
pub mod load;
pub mod model;
mod sections;
pub mod settings;
mod validate;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod load_tests;

pub use criteria::{Criterion, Impacts};
pub use error::{FactorIssue, FootprintError};
pub use factors::{FactorSet, Intensity, Profile, ResolvedProfile};
pub use model::{Assumptions, Device, Estimate};
pub use settings::FootprintConfig;
