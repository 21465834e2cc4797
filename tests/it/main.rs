//! parcd's integration tests, in one binary.
//!
//! Every test that opens a database runs twice, through `on_both_backends!` (helpers.rs):
//! `NAME::sqlite` on a new SQLite file and `NAME::postgres` on a new database of the
//! PostgreSQL server at `PARCD_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`). The
//! body gets a migrated `TestDb`, or an `EmptyDb` when it hands the URL to the `parcd` binary,
//! which creates the schema itself. That is 50 bodies, 100 tests: agec 2, agec_alerts 2, cli 3
//! (migrate, the daemon stopped by SIGTERM, the demo), crash 1, daemon 3, faults 1,
//! glpi_printer_counters 1, http_limits 1, indicators 2, ingest 8, inventory_file 4, printers 2,
//! printing 1, prometheus 1, readings 7, reports 5, snipeit 6 (`test_list.rs` checks this
//! sentence against the files).
//!
//! database_outage runs once, on a PostgreSQL of its own that it starts and stops on another
//! loopback port (a server going away is PostgreSQL's fault; SQLite has no server), and
//! disk_full once, on SQLite in a small filesystem it mounts (PostgreSQL keeps its files on
//! its server's disk).
//!
//! The other tests open no database and run once: alert_channels and alert_tls (channels
//! built from configuration, real SMTP and HTTP servers), connect (`check-config --connect`
//! against the fakes), footprint (the estimate command and
//! the comparisons with BoaviztAPI), cli's configuration checks, prometheus' promtool checks
//! of the shipped rules and dashboard, and reports' configuration checks. Two of those, a
//! report of a year to come and a declaration without SIRET, give parcd a SQLite URL and check
//! that it refuses before opening it: the file is never created.

mod helpers;

mod agec;
mod agec_alerts;
mod alert_channels;
mod alert_tls;
mod cli;
mod connect;
mod crash;
mod daemon;
mod database_outage;
mod disk_full;
mod faults;
mod footprint;
mod glpi_printer_counters;
mod http_limits;
mod indicators;
mod ingest;
mod inventory_file;
mod printers;
mod printing;
mod prometheus;
mod readings;
mod reports;
mod snipeit;
mod test_list;
