//! parcd's integration tests: one binary, every storage test on SQLite and PostgreSQL.

mod helpers;

mod cli;
mod crash;
mod daemon;
mod footprint;
mod indicators;
mod ingest;
mod prometheus;
