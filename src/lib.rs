//! parcd: keeps the lifecycle of a public IT fleet from its inventories and publishes what
//! a DSI must report under the French REEN and AGEC laws.
//!
//! The folders follow the flow of data, and each one only uses the folders listed before
//! it (a test, `layering_tests`, checks it):
//!
//! 1. the domain, pure (no I/O): [`footprint`], [`indicators`], [`agec`], [`alerts`]
//!    (rules, messages, channels), [`printing`] (pages, paper and the printing footprint),
//!    [`mail`] (mail storage and traffic, the email footprint), [`readings`];
//! 2. [`store`]: every SQL statement, on SQLite or PostgreSQL;
//! 3. [`config`]: the configuration, read and validated;
//! 4. [`metrics`]: the Prometheus registry and what each figure publishes;
//! 5. [`live`]: the figures kept current as the store changes (fleet indicators, AGEC and
//!    REEN figures, alerts queued and delivered);
//! 6. [`poll`]: the poll pipeline: [`poll::scheduler`] runs each source on its cron
//!    schedule, [`poll::sync`] reads its pages from the connector ([`parcd_connectors`]),
//!    [`poll::ingest`] applies each page with its cursor in one transaction;
//! 7. [`http`]: `/metrics`, the health probes, the read-only API and the web view at `/`
//!    ([`http::web`]: pages and SVG charts, which the REEN review draws too);
//! 8. [`daemon`]: puts it all together (and the logs);
//! 9. [`report`]: the yearly AGEC declaration and REEN review;
//! 10. [`cli`]: the command line, apart from the daemon.

pub mod agec;
pub mod alerts;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod footprint;
pub mod http;
pub mod indicators;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod poll;
pub mod printing;
pub mod readings;
pub mod report;
pub mod store;

#[cfg(test)]
mod layering_tests;
