//! What every connector shares: the trait and the page it returns, records and readings,
//! errors, the configuration reader, the status and class mappings, and the conformance
//! harness each connector's contract tests run.

pub mod amount;
pub mod api;
#[cfg(test)]
pub mod conformance;
pub mod error;
pub mod inventory;
pub mod kind;
#[cfg(test)]
pub mod log_capture;
pub mod mail;
pub mod mapping;
pub mod params;
pub mod reading;
pub mod record;
