//! Fleet indicators: footprint (embodied and use, per criterion), coverage of the measure, age
//! and lifespan at exit, equipment rate, per class and entity, and the lifespan what-if.
//!
//! Pure and incremental, as design.md asks: the daemon feeds [`Engine::rebuild`] every stored
//! asset at start, then [`Engine::update`] the assets each sync commit changed, and publishes
//! [`Engine::snapshot`]. No I/O here: the store queries, metrics and API live around it.
//!
//! One device's yearly impact is [`crate::footprint::model::estimate`] over the 8760 h that
//! start at its current age (the BoaviztAPI convention: nothing embodied once past its
//! reference lifespan); [`Engine::simulate`] instead charges every in-service device E × 8760 / L
//! (the fleet renewed at that pace), which is what a change of renewal policy changes.

mod aggregate;
mod assets;
mod catalog;
mod engine;
pub mod facts;
mod fold;
mod lifespan;
mod output;

#[cfg(test)]
mod tests;

pub use aggregate::AGE_BAND_FROM_YEARS;
pub use engine::{Engine, EngineSettings, NO_ENTITY, Rebuild};
pub use facts::{AssetFacts, AssetKey};
pub use lifespan::parse_lifespan;
pub use output::{AgeBand, Group, Indicators, Simulation};
