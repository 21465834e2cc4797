//! parcd's integration tests, in one binary.
//!
//! Every test that opens a database runs twice, through `on_both_backends!` (helpers.rs):
//! `NAME::sqlite` on a new SQLite file and `NAME::postgres` on a new database of the
//! PostgreSQL server at `PARCD_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`). The
//! body gets a migrated `TestDb`, or an `EmptyDb` when it hands the URL to the `parcd` binary,
//! which creates the schema itself. That is 67 bodies, 134 tests: agec 2, agec_alerts 2, api 1
//! (the token, bad input, schemathesis), cli 3 (migrate, the daemon stopped by SIGTERM, the
//! demo), crash 1, daemon 3, dashboard 1 (every panel's query on the demo), faults 1,
//! glpi_printer_counters 1, http_limits 1, indicators 2, ingest 13, inventory_file 4,
//! inventory_printers 2, mail 2 (the figures, a doveadm answer cut midway), migrate 4 (a
//! demo store moved SQLite to PostgreSQL and back, a source in use, a schema version apart,
//! tables of later migrations), printers 2, printing 1, prometheus 1, readings 7,
//! replicas_alerts 1 (two stores racing to record one alert change and to deliver its
//! messages), reports 5, snipeit 6, web_view 1 (`test_list.rs` checks this sentence against
//! the files).
//!
//! database_outage runs once, on a PostgreSQL of its own that it starts and stops on another
//! loopback port (a server going away is PostgreSQL's fault; SQLite has no server), and so
//! does pg_restart (two replicas under a restarted PostgreSQL that asks for a password).
//! replicas_alerts' tests of two `parcd run` on one database (both evaluating the same
//! figures; one killed while it holds a message) run once, on the shared PostgreSQL
//! (several replicas on one SQLite file is not a supported setup). disk_full runs once, on
//! SQLite in a small filesystem it mounts (PostgreSQL keeps its files on its server's disk).
//! replicas runs several `parcd run` processes on one new PostgreSQL database (source leases,
//! a replica killed with -9) and checks once on SQLite that a second writer of one file is
//! refused; replicas_follow runs once on PostgreSQL (a replica following another process's
//! commits through LISTEN/NOTIFY; one process writes a SQLite file, nothing to follow).
//!
//! The other tests open no database and run once: alert_channels and alert_tls (channels
//! built from configuration, real SMTP and HTTP servers), connect (`check-config --connect`
//! against the fakes), api's and dashboard's checks of the configuration and of the
//! Kubernetes copies of the rules and the dashboard, footprint (the estimate command and
//! the comparisons with BoaviztAPI), cli's configuration checks, prometheus' promtool checks
//! of the shipped rules and dashboard, and reports' configuration checks. Two of those, a
//! report of a year to come and a declaration without SIRET, give parcd a SQLite URL and check
//! that it refuses before opening it: the file is never created. migrate's wrong URLs run
//! once too: they are refused before any database opens, but for a PostgreSQL server that
//! does not answer, which needs a source (SQLite) to get that far.

mod helpers;
mod prometheus_server;

mod agec;
mod agec_alerts;
mod alert_channels;
mod alert_tls;
mod api;
mod cli;
mod connect;
mod crash;
mod daemon;
mod dashboard;
mod database_outage;
mod disk_full;
mod faults;
mod footprint;
mod glpi_printer_counters;
mod http_limits;
mod indicators;
mod ingest;
mod inventory_file;
mod inventory_printers;
mod mail;
mod migrate;
mod pg_restart;
mod printers;
mod printing;
mod prometheus;
mod readings;
mod replicas;
mod replicas_alerts;
mod replicas_follow;
mod reports;
mod snipeit;
mod test_list;
mod web_view;
