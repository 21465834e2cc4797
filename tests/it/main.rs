//! parcd's integration tests: one binary, every storage test on SQLite and PostgreSQL.

mod helpers;

mod agec;
mod agec_alerts;
mod alert_channels;
mod alert_tls;
mod cli;
mod connect;
mod crash;
mod daemon;
mod footprint;
mod indicators;
mod ingest;
mod prometheus;
mod readings;
mod reports;
