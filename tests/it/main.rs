//! parcd's integration tests: one binary, every storage test on SQLite and PostgreSQL.

mod helpers;

mod agec;
mod alert_channels;
mod cli;
mod crash;
mod daemon;
mod footprint;
mod indicators;
mod ingest;
mod prometheus;
