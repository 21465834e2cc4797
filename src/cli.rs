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
    CheckConfig,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// One device's embodied and use-phase footprint over a period (kgCO2e, kgSbeq, MJ, L).
    #[command(long_about = crate::footprint::estimate::UNITS_HELP)]
    Estimate(crate::footprint::estimate::EstimateArgs),
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
        let mode = crate::scheduler::mode_due(&rt.config, state.last_full_sync_at, now);
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
                "{}: {} sync{}{}: {} records read, {} assets created, {} changed, {} vanished in {:.1} s",
                r.source,
                r.mode.map_or("", |m| m.as_str()),
                if r.resumed { " (resumed)" } else { "" },
                if r.interrupted { " interrupted" } else { "" },
                r.records,
                r.created,
                r.changed,
                r.vanished,
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
