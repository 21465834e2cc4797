//! The command line: `parcd [--config FILE] <command>`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::config::Config;

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
    /// Create or upgrade the database schema, then exit.
    Migrate,
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
        #[arg(long = "lifespan", required = true, value_parser = parse_lifespan)]
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
    /// Address of parcd's HTTP server.
    #[arg(long, default_value = "127.0.0.1:9478")]
    pub listen: String,
    /// Database of the demo (a new SQLite file by default).
    #[arg(long, default_value = "sqlite://parcd-demo.db")]
    pub database: String,
    /// Seconds between two changes of the simulated fleet.
    #[arg(long, default_value_t = 5)]
    pub change_every: u64,
    /// Stop after this many seconds (0: run until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    pub duration: u64,
}

/// Runs `sync --once`: one sync per selected source, with progress on a terminal and plain
/// lines otherwise. Returns false when a source failed.
pub async fn sync_once(config: &Config, only: Option<&str>) -> anyhow::Result<bool> {
    if let Some(name) = only
        && !config.sources.iter().any(|s| s.name == name)
    {
        let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        anyhow::bail!(
            "no source named {name} in the configuration (sources: {})",
            known.join(", ")
        );
    }
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    let stop = crate::daemon::stop_on_signals();
    let mut all_ok = true;
    for rt in crate::daemon::runtimes(config)? {
        if only.is_some_and(|n| n != rt.name()) {
            continue;
        }
        let now = chrono::Utc::now();
        let state = store
            .source_state(rt.name(), rt.config.kind(), now.timestamp())
            .await?;
        let mode = crate::scheduler::mode_for(&rt, state.last_full_sync_at, now);
        let mut progress = ProgressOut::new(rt.name());
        let result = crate::sync::run_sync(
            &store,
            &rt,
            mode,
            &mut |p| progress.update(p.records_so_far, p.total_hint),
            stop.clone(),
        )
        .await;
        progress.finish();
        match result {
            Ok(r) => println!(
                "{}: {} sync{}{}: {} records read, {} assets created, {} changed, {} vanished, \
                 {} readings ({} new) in {:.1} s",
                r.source,
                r.mode.map_or("", |m| m.as_str()),
                if r.resumed { " (resumed)" } else { "" },
                if r.interrupted { " interrupted" } else { "" },
                r.records,
                r.created,
                r.changed,
                r.vanished,
                r.readings,
                r.readings_new,
                r.duration.as_secs_f64()
            ),
            Err(e) => {
                all_ok = false;
                eprintln!("error: {e}");
            }
        }
        rt.connector.close().await;
    }
    store.close().await;
    Ok(all_ok)
}

/// `check-config --connect`: tries every source's `check()` and prints one line per source.
/// True when all of them answered.
pub async fn check_sources(config: &Config) -> bool {
    // Each connector has its own request timeout; this bounds a source that would still
    // hang (a TCP peer that never answers the TLS handshake).
    const LIMIT: Duration = Duration::from_secs(120);
    let mut all_ok = true;
    if config.sources.is_empty() {
        println!("# no source configured: nothing to connect to");
    }
    for s in &config.sources {
        let label = format!("{} ({}, {})", s.name, s.kind(), s.connector.role().as_str());
        let result = match parcd_connectors::build_connector(&s.connector) {
            Err(e) => Err(e.to_string()),
            Ok(c) => {
                let r = match tokio::time::timeout(LIMIT, c.check()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(format!("{}: {e}", e.error_type().as_str())),
                    Err(_) => Err(format!("timeout: no answer within {} s", LIMIT.as_secs())),
                };
                c.close().await;
                r
            }
        };
        match result {
            Ok(()) => println!("# source {label}: ok"),
            Err(e) => {
                all_ok = false;
                println!("# source {label}: FAILED: {e}");
            }
        }
    }
    all_ok
}

/// A progress bar on a terminal, a line every few seconds otherwise.
struct ProgressOut {
    name: String,
    bar: Option<indicatif::ProgressBar>,
    last_line: Instant,
}

impl ProgressOut {
    fn new(name: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{prefix} [{bar:40}] {pos}/{len} records ({per_sec}, {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(name.to_string());
            b
        });
        ProgressOut {
            name: name.to_string(),
            bar,
            last_line: Instant::now(),
        }
    }

    fn update(&mut self, done: u64, total: Option<u64>) {
        match &self.bar {
            Some(b) => {
                if let Some(t) = total {
                    b.set_length(t.max(done));
                }
                b.set_position(done);
            }
            None if self.last_line.elapsed() >= Duration::from_secs(2) => {
                self.last_line = Instant::now();
                match total {
                    Some(t) => eprintln!("{}: {done}/{t} records", self.name),
                    None => eprintln!("{}: {done} records", self.name),
                }
            }
            None => {}
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// Parses `CLASS=DURATION` (`laptop=7y`, `laptop=7`, `laptop=61320h`) into the class and
/// hours.
pub fn parse_lifespan(s: &str) -> Result<(parcd_connectors::AssetClass, f64), String> {
    let (class, duration) = s
        .split_once('=')
        .ok_or_else(|| format!("\"{s}\" is not CLASS=DURATION, e.g. laptop=7y"))?;
    let class = parcd_connectors::AssetClass::parse(class.trim()).ok_or_else(|| {
        format!(
            "\"{class}\" is not an asset class: use one of {}",
            parcd_connectors::AssetClass::ALL
                .map(|c| c.as_str())
                .join(", ")
        )
    })?;
    let d = duration.trim();
    let (number, hours_per_unit) = match d.strip_suffix('h') {
        Some(n) => (n, 1.0),
        None => (d.strip_suffix('y').unwrap_or(d), 8760.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| {
        format!("\"{duration}\" is not a duration: write 7y (years) or 61320h (hours)")
    })?;
    let hours = value * hours_per_unit;
    if !(hours.is_finite() && hours > 0.0 && hours <= 876_600.0) {
        return Err(format!(
            "{duration} is not a lifespan between 0 and 100 years"
        ));
    }
    Ok((class, hours))
}

/// The fleet of the configured sources, computed from the store (for `indicators` and
/// `simulate`).
pub async fn fleet(config: &Config) -> anyhow::Result<crate::fleet::Fleet> {
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    Ok(crate::fleet::Fleet::new(
        store,
        config.sources.iter().map(|s| s.name.clone()).collect(),
        crate::indicators::EngineSettings {
            footprint: config.footprint.clone(),
            headcount: config.headcount.clone(),
        },
        config.agec.rules.origins.clone(),
    ))
}

/// The simulation as a table: per class, the annual embodied GWP now and with the new
/// lifespans.
pub fn simulation_table(sim: &crate::indicators::Simulation) -> String {
    let mut out = format!(
        "{:<12} {:>22} {:>22} {:>8}\n",
        "class", "embodied kgCO2e/y now", "with new lifespans", "change"
    );
    for (class, now) in &sim.current {
        let before = now.get("gwp").copied().unwrap_or(0.0);
        let after = sim
            .simulated
            .get(class)
            .and_then(|m| m.get("gwp"))
            .copied()
            .unwrap_or(0.0);
        let change = if before > 0.0 {
            format!("{:+.0} %", 100.0 * (after - before) / before)
        } else {
            "-".to_string()
        };
        out.push_str(&format!(
            "{class:<12} {before:>22.1} {after:>22.1} {change:>8}\n"
        ));
    }
    out
}

/// The circularity figures of the configured sources.
pub async fn circularity(config: &Config) -> anyhow::Result<crate::circularity::Circularity> {
    let store =
        crate::store::Store::open(&config.database.url, config.database.max_connections).await?;
    Ok(crate::circularity::Circularity::new(
        store,
        config.sources.iter().map(|s| s.name.clone()).collect(),
        config.agec.clone(),
    ))
}

/// Checks a report's year: reports are of years that have begun.
pub fn report_year(year: i32, today: chrono::NaiveDate) -> anyhow::Result<()> {
    use chrono::Datelike;
    if !(2000..=today.year()).contains(&year) {
        anyhow::bail!(
            "--year {year}: a report covers a year that has begun (2000 to {})",
            today.year()
        );
    }
    Ok(())
}

/// Builds a report's text. The second value warns that the year is not over.
pub async fn report(
    config: &Config,
    cmd: &ReportCommand,
) -> anyhow::Result<(String, Option<String>)> {
    let today = chrono::Utc::now().date_naive();
    let to_date = |year: i32, complete: bool| {
        (!complete)
            .then(|| format!("note: {year} is not over; the figures are those known on {today}"))
    };
    match cmd {
        ReportCommand::Agec { year, .. } => {
            report_year(*year, today)?;
            let (Some(siret), Some(organisation)) = (&config.agec.siret, &config.agec.organisation)
            else {
                anyhow::bail!(
                    "the AGEC declaration names the buying body: set siret (14 digits) and \
                     organisation (its legal name) in the [agec] section of {}",
                    config.file.as_ref().map_or_else(
                        || "the configuration".to_string(),
                        |f| f.display().to_string()
                    )
                );
            };
            let figures = circularity(config).await?.year(*year, today).await?;
            let csv = crate::report::declaration_csv(
                &figures.agec,
                &crate::report::Declarant {
                    siret: siret.clone(),
                    organisation: organisation.clone(),
                },
            );
            Ok((csv, to_date(*year, figures.complete)))
        }
        ReportCommand::Reen { year, format, .. } => {
            report_year(*year, today)?;
            let figures = circularity(config).await?.year(*year, today).await?;
            let fleet = fleet(config).await?;
            // A closed year's footprint as it stood on 31 December, from the history.
            let indicators = if figures.complete {
                let end = chrono::NaiveDate::from_ymd_opt(*year, 12, 31)
                    .ok_or_else(|| anyhow::anyhow!("--year {year} has no 31 December"))?;
                fleet.at(end).await?
            } else {
                fleet.rebuild().await?
            };
            let r = crate::report::ReenReport {
                year: *year,
                organisation: config.agec.organisation.as_deref(),
                generated_on: today,
                complete: figures.complete,
                reen: &figures.reen,
                deee: &figures.deee,
                donations: &figures.donations,
                agec: &figures.agec,
                indicators: &indicators,
            };
            let text = match format {
                ReenFormat::Csv => crate::report::reen_csv(&r),
                ReenFormat::Html => crate::report::reen_html(&r),
            };
            Ok((text, to_date(*year, figures.complete)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifespans_are_read_in_years_or_hours_and_mistakes_named() {
        assert_eq!(
            parse_lifespan("laptop=7y").unwrap(),
            (parcd_connectors::AssetClass::Laptop, 61_320.0)
        );
        assert_eq!(parse_lifespan("desktop=8").unwrap().1, 70_080.0);
        assert_eq!(parse_lifespan("monitor=1000h").unwrap().1, 1000.0);
        assert!(
            parse_lifespan("laptops=7y")
                .unwrap_err()
                .contains("not an asset class")
        );
        assert!(parse_lifespan("laptop=0y").is_err());
        assert!(parse_lifespan("laptop").is_err());
    }
}
