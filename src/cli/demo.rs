//! `parcd demo`: the real daemon, on an embedded SQLite file, reading a simulated GLPI
//! served over HTTP on loopback, so the whole connector path runs. The simulated fleet
//! changes every few seconds, so the metrics move.

use std::time::Duration;

use parcd_fakes::glpi::{Fleet, FleetSpec, SimOptions, Simulator};
use tokio::sync::{oneshot, watch};

use crate::cli::DemoArgs;
use crate::config::{Config, ConfigError};
use crate::daemon::DaemonError;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot start the simulated GLPI: {0}")]
    Simulator(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Daemon(#[from] DaemonError),
}

/// The demo's configuration: one GLPI source polled every 10 seconds.
pub fn demo_config(args: &DemoArgs, glpi_url: &str) -> Result<Config, ConfigError> {
    Config::from_toml(&format!(
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
        "#,
        listen = args.listen,
        database = args.database,
    ))
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
    let sim = Simulator::start(
        fleet,
        SimOptions {
            app_token: Some("demo-app-token".into()),
            user_token: "demo-user-token".into(),
            login: None,
        },
    )
    .await?;
    let config = demo_config(&args, &sim.base_url())?;

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
        }
    });

    let (bound_tx, bound_rx) = oneshot::channel();
    let banner = tokio::spawn(async move {
        if let Ok(addr) = bound_rx.await {
            eprintln!(
                "\nparcd demo: a simulated GLPI of {} devices (a shared DSI and its communes) at {}\n\
                 metrics:  http://{addr}/metrics\n\
                 sources:  http://{addr}/api/v1/sources\n\
                 footprint and fleet indicators: http://{addr}/api/v1/indicators\n\
                 The fleet changes every {} s; press Ctrl-C to stop.\n",
                args.assets,
                sim.base_url(),
                every.as_secs()
            );
        }
    });
    let result = crate::daemon::run(&config, rx, Some(bound_tx)).await;
    let _ = banner.await;
    let _ = evolver.await;
    result?;
    Ok(())
}
