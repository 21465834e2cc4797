//! `parcd demo`: the real daemon, on an embedded SQLite file, reading a simulated GLPI
//! served over HTTP on loopback and the fleet's printers over SNMP from an agent in this
//! process (each printer on its own 127.0.0.1 UDP port), so the whole connector path runs.
//! The simulated fleet changes every few seconds and its printers print, so the metrics and
//! the printing figures move.

use std::time::Duration;

use chrono::Datelike;

use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};
use parcd_fakes::snmp_printers::agent::{MAX_DEMO_PRINTERS, Ports, PrinterAgents, demo_printers};
use tokio::sync::{oneshot, watch};

use crate::cli::DemoArgs;
use crate::config::{Config, ConfigError};
use crate::daemon::DaemonError;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot start the simulated GLPI: {0}")]
    Simulator(#[from] std::io::Error),
    #[error(
        "cannot start the simulated printers' SNMP agent on 127.0.0.1: {0} (choose another --printers-port, or 0 for free ports)"
    )]
    Printers(std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot write the demo's configuration to {path}: {source}")]
    WriteConfig {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Daemon(#[from] DaemonError),
}

/// The community the demo's printers answer.
pub const PRINTERS_COMMUNITY: &str = "demo-public";

/// The demo's configuration: one GLPI source polled every 10 seconds, and the SNMP printers
/// at `printers` (`127.0.0.1:PORT`, none for a fleet without printers) as often.
pub fn demo_config(
    args: &DemoArgs,
    glpi_url: &str,
    printers: &[String],
) -> Result<Config, ConfigError> {
    Config::from_toml(&demo_config_text(args, glpi_url, printers))
}

/// The TOML of [`demo_config`], as written to `--config-out`.
pub fn demo_config_text(args: &DemoArgs, glpi_url: &str, printers: &[String]) -> String {
    let snmp = if printers.is_empty() {
        String::new()
    } else {
        let targets: Vec<String> = printers.iter().map(|t| format!("\"{t}\"")).collect();
        format!(
            r#"
        [[sources]]
        name = "demo-printers"
        kind = "snmp_printers"
        targets = [{targets}]
        community = "{PRINTERS_COMMUNITY}"
        schedule = "*/10 * * * * *"
        timeout_ms = 500
        retries = 1
        jitter_seconds = 0
        retry_initial_seconds = 2
        retry_max_seconds = 30
        "#,
            targets = targets.join(", ")
        )
    };
    let text = format!(
        r#"
        [server]
        listen = "{listen}"

        [database]
        url = "{database}"

        [metrics]
        entity_label = true

        [[sources]]
        name = "demo-glpi"
        kind = "glpi"
        url = "{glpi_url}"
        app_token = "demo-app-token"
        user_token = "demo-user-token"
        schedule = "*/10 * * * * *"
        full_sync_schedule = "0 */5 * * * *"
        jitter_seconds = 1
        retry_initial_seconds = 2
        retry_max_seconds = 30
        {snmp}
        "#,
        listen = args.listen,
        database = args.database,
    );
    // The lines without the indentation of this source.
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    format!(
        "# parcd demo's configuration: its simulated GLPI and printers are gone once it stops,\n\
         # but the database stays for `parcd --config FILE report reen --year YYYY` and the like.\n{}\n",
        lines.join("\n").trim()
    )
}

/// Runs the demo until `stop` (or `--duration`).
pub async fn run(args: DemoArgs, stop: watch::Receiver<bool>) -> Result<(), DemoError> {
    let mut fleet = Fleet::generate(&FleetSpec {
        assets: args.assets,
        seed: 2026,
        templates: 3,
    });
    // A month of the GLPI Agent's page counters: printing figures from GLPI alone.
    fleet.record_printer_history(30, parcd_fakes::glpi::generated_at());
    // The printers the GLPI Agent reaches answer SNMP too, with GLPI's serial numbers: one
    // device per printer, whichever source reads it.
    let ports = match args.printers_port {
        0 => Ports::Ephemeral,
        first => Ports::From(first),
    };
    let printers = std::sync::Arc::new(
        PrinterAgents::start(
            demo_printers(&fleet, MAX_DEMO_PRINTERS),
            PRINTERS_COMMUNITY,
            ports,
        )
        .await
        .map_err(DemoError::Printers)?,
    );
    let sim = Simulator::start(
        fleet,
        SimOptions {
            app_token: Some("demo-app-token".into()),
            user_token: "demo-user-token".into(),
            login: None,
        },
    )
    .await?;
    let text = demo_config_text(&args, &sim.base_url(), &printers.targets());
    let config = Config::from_toml(&text)?;
    std::fs::write(&args.config_out, &text).map_err(|source| DemoError::WriteConfig {
        path: args.config_out.display().to_string(),
        source,
    })?;

    // The demo's own stop: Ctrl-C, or the end of --duration.
    let (tx, rx) = watch::channel(false);
    let mut outer = stop.clone();
    let duration = args.duration;
    tokio::spawn(async move {
        let deadline = async {
            if duration == 0 {
                std::future::pending::<()>().await
            } else {
                tokio::time::sleep(Duration::from_secs(duration)).await
            }
        };
        tokio::select! {
            _ = outer.wait_for(|s| *s) => {}
            _ = deadline => {}
        }
        let _ = tx.send(true);
    });

    let evolving = sim.clone();
    let printing = printers.clone();
    let every = Duration::from_secs(args.change_every.max(1));
    let mut evolve_stop = rx.clone();
    let evolver = tokio::spawn(async move {
        let mut round: u64 = 0;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = evolve_stop.wait_for(|s| *s) => return,
            }
            round += 1;
            let now = chrono::Local::now().naive_local();
            evolving.with_fleet(|f| f.evolve(5, round, now));
            printing.advance(round);
        }
    });

    let (bound_tx, bound_rx) = oneshot::channel();
    let shown = printers.clone();
    let banner = tokio::spawn(async move {
        if let Ok(addr) = bound_rx.await {
            eprintln!(
                "\nparcd demo: a simulated GLPI of {} devices (a shared DSI and its communes) at {}\n\
                 {} of its printers answer SNMP v2c on 127.0.0.1 (ports {}, community {}), {} of them switched off\n\
                 metrics:  http://{addr}/metrics\n\
                 sources:  http://{addr}/api/v1/sources\n\
                 footprint and fleet indicators: http://{addr}/api/v1/indicators\n\
                 printing: http://{addr}/api/v1/printing\n\
                 REEN review: parcd --config {} report reen --year {}\n\
                 The fleet changes and the printers print every {} s; press Ctrl-C to stop.\n",
                args.assets,
                sim.base_url(),
                shown.len(),
                port_span(&shown),
                PRINTERS_COMMUNITY,
                shown.len() - shown.answering(),
                args.config_out.display(),
                chrono::Local::now().year(),
                every.as_secs()
            );
        }
    });
    let result = crate::daemon::run(&config, rx, Some(bound_tx)).await;
    let _ = banner.await;
    let _ = evolver.await;
    drop(printers);
    result?;
    Ok(())
}

/// `40001-40023`, or the first few ports when the system chose them.
fn port_span(printers: &PrinterAgents) -> String {
    let ports: Vec<u16> = (0..printers.len())
        .map(|n| printers.addr(n).port())
        .collect();
    match (ports.first(), ports.last()) {
        (Some(first), Some(last))
            if ports.is_sorted() && usize::from(last - first) + 1 == ports.len() =>
        {
            format!("{first}-{last}")
        }
        _ => {
            let shown: Vec<String> = ports.iter().take(4).map(u16::to_string).collect();
            let more = if ports.len() > 4 { ", …" } else { "" };
            format!("{}{more}", shown.join(", "))
        }
    }
}
