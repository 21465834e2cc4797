//! The command line: `parcd [--config FILE] <command>`.

mod commands;
pub mod demo;
pub mod migrate;
mod progress;
mod reen_years;

pub use commands::{
    check_sources, circularity, fleet, report, report_year, simulation_table, sync_once,
};

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "parcd",
    version,
    about = "Lifecycle and environmental footprint of a public IT fleet"
)]
pub struct Cli {
    /// Configuration file (TOML). Every key can also be set as PARCD__SECTION__KEY.
    #[arg(long, short, global = true, env = "PARCD_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every source on its schedule and serve metrics.
    Run,
    /// Run the daemon on an embedded SQLite file against a simulated GLPI, for a first look.
    Demo(DemoArgs),
    /// Print the resolved configuration with secrets hidden, or every error in it.
    CheckConfig {
        /// Also try each source (its address, credentials and first answer) and say, per
        /// source, what works and what does not. Exits 1 when one fails.
        #[arg(long)]
        connect: bool,
    },
    /// Create or upgrade the database schema, then exit; or move a whole store to another
    /// database: `migrate --from sqlite://parcd.db --to postgres://USER@HOST/DATABASE`.
    Migrate(migrate::MigrateArgs),
    /// One device's embodied and use-phase footprint over a period (kgCO2e, kgSbeq, MJ, L).
    #[command(long_about = crate::footprint::estimate::UNITS_HELP)]
    Estimate(crate::footprint::estimate::EstimateArgs),
    /// Print the fleet indicators (footprint, coverage, ages, devices per agent) as JSON,
    /// now or as they stood at the end of a past day.
    Indicators {
        /// A past day, YYYY-MM-DD, rebuilt from the lifecycle history.
        #[arg(long)]
        at: Option<chrono::NaiveDate>,
    },
    /// What if devices were kept longer: the annual embodied impact of the current fleet with
    /// other reference lifespans, e.g. `--lifespan laptop=7y --lifespan desktop=8y`.
    Simulate {
        /// CLASS=DURATION, the duration in years (`7y`, or `7`) or hours (`61320h`).
        #[arg(long = "lifespan", required = true, value_parser = crate::indicators::parse_lifespan)]
        lifespans: Vec<(parcd_connectors::AssetClass, f64)>,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the AGEC shares per category, the REEN reuse rate, the DEEE exits and the
    /// donations of a year as JSON (as `GET /api/v1/agec`).
    Agec {
        /// Calendar year; default the current one.
        #[arg(long)]
        year: Option<i32>,
    },
    /// Write a yearly report.
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
    /// Poll sources once and exit.
    Sync {
        /// One pass of each source, then exit (the only mode: `run` is the daemon).
        #[arg(long, required = true)]
        once: bool,
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The AGEC declaration for data.gouv.fr (CSV, schema declaration-biens-valorisation
    /// v0.1.0): € excl. VAT per category, reuse with donations, donations, recycled content.
    /// Due by 30 June of the next year. Needs [agec] siret and organisation.
    Agec {
        #[arg(long)]
        year: i32,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// The REEN yearly figures: reuse rate of retired IT (décret 2023-266), DEEE exits,
    /// donations, AGEC shares, footprint, lifespans and coverage.
    Reen {
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = ReenFormat::Html)]
        format: ReenFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReenFormat {
    Csv,
    Html,
}

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Devices in the simulated fleet.
    #[arg(long, default_value_t = 3000)]
    pub assets: usize,
    /// Address of parcd's HTTP server and web view (or PARCD__SERVER__LISTEN, as for `run`).
    #[arg(long, env = "PARCD__SERVER__LISTEN", default_value = "127.0.0.1:9478")]
    pub listen: String,
    /// Database of the demo (a new SQLite file by default; or PARCD__DATABASE__URL).
    #[arg(
        long,
        env = "PARCD__DATABASE__URL",
        default_value = "sqlite://parcd-demo.db"
    )]
    pub database: String,
    /// Seconds between two changes of the simulated fleet.
    #[arg(long, default_value_t = 5)]
    pub change_every: u64,
    /// Stop after this many seconds (0: run until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    pub duration: u64,
    /// First UDP port of the simulated printers' SNMP agent on 127.0.0.1, one port per
    /// printer (0: free ports chosen by the system).
    #[arg(long, default_value_t = 0)]
    pub printers_port: u16,
    /// Where to write the demo's configuration, for the commands that read its database
    /// (`parcd --config FILE report reen --year YYYY`); by default `parcd-demo.toml` next to
    /// a SQLite database, else in the current directory.
    #[arg(long)]
    pub config_out: Option<PathBuf>,
    /// The global `--config`: the demo takes its `[headcount]`, `[alerts]` and `[agec]`.
    #[arg(skip)]
    pub sections_from: Option<PathBuf>,
}
