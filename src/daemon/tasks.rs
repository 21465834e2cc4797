//! The daemon's background tasks besides the source loops: the HTTP server, the asset
//! gauges, and the live figures (fleet indicators, AGEC figures, printing figures, alert
//! delivery).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::live::circularity::{AlertSetup, Circularity};
use crate::live::fleet::Fleet;
use crate::live::printing::Printing;
use crate::metrics::Metrics;
use crate::poll::scheduler::Deps;
use crate::poll::sync::SourceRuntime;
use crate::store::Store;

/// Serves `app` on `listener` until `stop`.
pub(super) fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: crate::http::connections::Limits,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(crate::http::connections::serve(listener, app, limits, stop))
}

/// Republishes the asset gauges after changes, at most every `min_interval`.
async fn refresh_gauges(
    store: Store,
    metrics: Arc<Metrics>,
    sources: Vec<String>,
    changed: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let min_interval = Duration::from_millis(250);
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    loop {
        match store.asset_counts(&sources).await {
            Ok(counts) => metrics.set_asset_counts(&counts),
            Err(e) => tracing::warn!(error = %e, "cannot count assets for metrics"),
        }
        tokio::select! {
            _ = changed.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        tokio::time::sleep(min_interval).await;
    }
}

/// The live figures and what the source loops need to feed them.
pub(super) struct Live {
    pub fleet: Arc<Fleet>,
    pub circularity: Arc<Circularity>,
    pub printing: Arc<Printing>,
    pub mail: Arc<crate::live::mail::Mail>,
    /// Handed to every source loop: committed pages wake the figures through it.
    pub deps: Deps,
    tasks: Vec<JoinHandle<()>>,
}

impl Live {
    pub fn start(
        config: &Config,
        store: &Store,
        metrics: &Arc<Metrics>,
        runtimes: &[Arc<SourceRuntime>],
        stop: &watch::Receiver<bool>,
        listening: Option<sqlx::postgres::PgListener>,
    ) -> Live {
        let names: Vec<String> = runtimes.iter().map(|r| r.name().to_string()).collect();
        let fleet = Arc::new(Fleet::new(
            store.clone(),
            names.clone(),
            crate::indicators::EngineSettings {
                footprint: config.footprint.clone(),
                headcount: config.headcount.clone(),
            },
            config.agec.rules.origins.clone(),
        ));
        let circularity = Arc::new(Circularity::new(
            store.clone(),
            names.clone(),
            config.agec.clone(),
        ));
        let printing = Arc::new(Printing::new(
            store.clone(),
            names.clone(),
            config.printing.clone(),
            config.footprint.clone(),
            config.headcount.clone(),
        ));
        let mail = Arc::new(crate::live::mail::Mail::new(
            store.clone(),
            names.clone(),
            config.footprint.clone(),
            config.headcount.clone(),
        ));
        let printing_wake = Arc::new(Notify::new());
        let mail_wake = Arc::new(Notify::new());
        let changed = Arc::new(Notify::new());
        let (fleet_tx, fleet_rx) = tokio::sync::mpsc::unbounded_channel();
        let circularity_changed = Arc::new(Notify::new());
        let dispatcher_wake = Arc::new(Notify::new());
        let channels = crate::alerts::channel::build_channels(&config.alerts);
        for c in &channels {
            metrics.circularity.register_channel(c.name());
        }
        let alert_setup = AlertSetup {
            settings: crate::alerts::evaluate::EvalSettings {
                renotify_after: config.alerts.renotify_after,
                projection_min_days: config.alerts.projection_min_days,
                not_met_min_days: config.alerts.not_met_min_days,
            },
            channels: channels.iter().map(|c| c.name().to_string()).collect(),
            dispatcher: dispatcher_wake.clone(),
        };
        let dispatcher = crate::live::alert_dispatch::Dispatcher {
            store: store.clone(),
            channels,
            language: config.alerts.language,
            metrics: metrics.clone(),
            retry_initial: config.alerts.retry_initial,
            retry_max: config.alerts.retry_max,
        };
        let fleet_reload = Arc::new(Notify::new());
        let follower = crate::live::follow::Follower {
            store: store.clone(),
            metrics: metrics.clone(),
            sources: names.clone(),
            wakes: crate::live::follow::Wakes {
                assets: changed.clone(),
                fleet: fleet_tx.clone(),
                fleet_reload: fleet_reload.clone(),
                circularity: circularity_changed.clone(),
                printing: printing_wake.clone(),
                mail: mail_wake.clone(),
            },
            first: listening,
        };
        let tasks = vec![
            tokio::spawn(follower.run(stop.clone())),
            tokio::spawn(refresh_gauges(
                store.clone(),
                metrics.clone(),
                names,
                changed.clone(),
                stop.clone(),
            )),
            tokio::spawn(crate::live::fleet::run(
                fleet.clone(),
                metrics.clone(),
                fleet_rx,
                fleet_reload,
                stop.clone(),
            )),
            tokio::spawn(crate::live::circularity::run(
                circularity.clone(),
                metrics.clone(),
                alert_setup,
                circularity_changed.clone(),
                stop.clone(),
            )),
            tokio::spawn(dispatcher.run(dispatcher_wake, stop.clone())),
            tokio::spawn(crate::live::printing::run(
                printing.clone(),
                metrics.clone(),
                printing_wake.clone(),
                stop.clone(),
            )),
            tokio::spawn(crate::live::mail::run(
                mail.clone(),
                metrics.clone(),
                mail_wake.clone(),
                stop.clone(),
            )),
        ];
        let deps = Deps {
            store: store.clone(),
            metrics: metrics.clone(),
            changed,
            fleet_changes: Some(fleet_tx),
            circularity: Some(circularity_changed),
            printing: Some(printing_wake),
            mail: Some(mail_wake),
        };
        Live {
            fleet,
            circularity,
            printing,
            mail,
            deps,
            tasks,
        }
    }

    /// Waits for every task to end (they end on `stop`).
    pub async fn join(self) {
        drop(self.deps);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
