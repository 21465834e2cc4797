//! parcd: keeps the lifecycle of a public IT fleet from its inventories and publishes what
//! a DSI must report under the French REEN and AGEC laws.
//!
//! The flow: [`parcd_connectors`] fetch and normalise → [`ingest`] diffs against the
//! [`store`] in one transaction per page → [`metrics`] and [`http`] publish. [`scheduler`]
//! runs each source on its cron schedule; [`daemon`] puts it all together.

pub mod agec;
pub mod alerts;
pub mod circularity;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod fleet;
pub mod footprint;
pub mod http;
pub mod indicators;
pub mod ingest;
pub mod metrics;
pub mod metrics_circularity;
pub mod metrics_fleet;
pub mod readings;
pub mod report;
pub mod scheduler;
pub mod store;
pub mod sync;
pub mod telemetry;
