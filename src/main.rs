//! The `parcd` binary: parse the command line, load the configuration, dispatch.

use std::process::ExitCode;

use clap::Parser;
use parcd::cli::{Cli, Command};
use parcd::config::Config;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Demo(args) = &cli.command {
        // The printers' SNMP agent says when each of its ports stops: not worth a line each.
        parcd::daemon::logging::init(parcd::config::LogFormat::Human, "info,async_snmp=warn");
        let args = parcd::cli::DemoArgs {
            sections_from: cli.config.clone(),
            ..args.clone()
        };
        parcd::cli::demo::run(args, parcd::daemon::stop_on_signals()).await?;
        return Ok(ExitCode::SUCCESS);
    }
    // Moving a store names both databases on the command line: no configuration needed.
    if let Command::Migrate(args) = &cli.command
        && let Some((from, to)) = args.copy()
    {
        parcd::cli::migrate::copy(from, to).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    parcd::daemon::logging::init(config.log.format, &config.log.level);
    match cli.command {
        Command::Run => {
            parcd::daemon::run(&config, parcd::daemon::stop_on_signals(), None).await?;
        }
        Command::CheckConfig { connect } => {
            use std::io::Write;
            // `check-config | head` closes the pipe early: not an error worth a panic.
            let _ = write!(
                std::io::stdout(),
                "{}\n# configuration is valid\n",
                config.render()
            );
            for warning in config.warnings() {
                eprintln!("warning: {warning}");
            }
            if connect && !parcd::cli::check_sources(&config).await {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Migrate(_) => {
            let store =
                parcd::store::Store::open(&config.database.url, config.database.max_connections)
                    .await?;
            println!(
                "database {} is up to date",
                parcd::store::redact_url(&config.database.url)
            );
            store.close().await;
        }
        Command::Indicators { at } => {
            use std::io::Write;
            let fleet = parcd::cli::fleet(&config).await?;
            let ind = match at {
                Some(day) => {
                    fleet.check_day(day).await?;
                    fleet.at(day).await?
                }
                None => fleet.rebuild().await?,
            };
            let _ = writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&ind)?);
        }
        Command::Simulate { lifespans, json } => {
            use std::io::Write;
            let fleet = parcd::cli::fleet(&config).await?;
            fleet.rebuild().await?;
            let sim = fleet.simulate(&lifespans.into_iter().collect());
            let text = if json {
                serde_json::to_string_pretty(&sim)?
            } else {
                parcd::cli::simulation_table(&sim)
            };
            let _ = writeln!(std::io::stdout(), "{text}");
        }
        Command::Sync { once: _, source } => {
            if !parcd::cli::sync_once(&config, source.as_deref()).await? {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Estimate(args) => {
            use std::io::Write;
            let text = parcd::footprint::estimate::run(&config.footprint, &args)?;
            // As for check-config: `estimate | head` closing the pipe is not worth a panic.
            let _ = write!(std::io::stdout(), "{text}");
        }
        Command::Agec { year } => {
            use chrono::Datelike;
            use std::io::Write;
            let today = chrono::Utc::now().date_naive();
            let year = year.unwrap_or(today.year());
            parcd::cli::report_year(year, today)?;
            let figures = parcd::cli::circularity(&config)
                .await?
                .year(year, today)
                .await?;
            let _ = writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&figures)?
            );
        }
        Command::Report { report } => {
            use std::io::Write;
            let (text, note) = parcd::cli::report(&config, &report).await?;
            let out = match &report {
                parcd::cli::ReportCommand::Agec { out, .. }
                | parcd::cli::ReportCommand::Reen { out, .. } => out,
            };
            match out {
                Some(path) => {
                    std::fs::write(path, text).map_err(|e| {
                        anyhow::anyhow!("cannot write the report to {}: {e}", path.display())
                    })?;
                    eprintln!("report written to {}", path.display());
                }
                None => {
                    let _ = write!(std::io::stdout(), "{text}");
                }
            }
            if let Some(note) = note {
                eprintln!("{note}");
            }
        }
        Command::Demo(_) => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}
