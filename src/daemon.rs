//! The daemon: store, metrics, HTTP server and one loop per source, until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parcd_connectors::{ConnectorError, build_connector};
use thiserror::Error;
use tokio::sync::{Notify, oneshot, watch};

use crate::config::Config;
use crate::http::{HttpState, router};
use crate::metrics::Metrics;
use crate::scheduler::{Deps, source_loop};
use crate::store::{Store, StoreError};
use crate::sync::SourceRuntime;

#[derive(Debug, Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source} (change [server] listen or PARCD__SERVER__LISTEN)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("source {source_name}: {error}")]
    Connector {
        source_name: String,
        #[source]
        error: ConnectorError,
    },
}

/// Builds the connector of every configured source.
pub fn runtimes(config: &Config) -> Result<Vec<Arc<SourceRuntime>>, DaemonError> {
    config
        .sources
        .iter()
        .map(|s| {
            let connector =
                build_connector(&s.connector).map_err(|error| DaemonError::Connector {
                    source_name: s.name.clone(),
                    error,
                })?;
            Ok(Arc::new(SourceRuntime {
                config: s.clone(),
                connector,
            }))
        })
        .collect()
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

/// Runs until `stop` turns true. `bound` receives the HTTP address once listening (tests
/// and the demo listen on port 0).
pub async fn run(
    config: &Config,
    stop: watch::Receiver<bool>,
    bound: Option<oneshot::Sender<SocketAddr>>,
) -> Result<(), DaemonError> {
    let store = Store::open(&config.database.url, config.database.max_connections).await?;
    tracing::info!(
        database = %crate::store::redact_url(&config.database.url),
        backend = store.backend().as_str(),
        "store ready"
    );
    let metrics = Arc::new(Metrics::new(
        config.metrics.entity_label,
        config.metrics.max_entities,
    ));
    let runtimes = runtimes(config)?;
    for rt in &runtimes {
        metrics.register_source(rt.name());
        // The last success survives restarts, so "no success for a day" alerts stay true.
        let state = store
            .source_state(rt.name(), rt.config.kind(), chrono::Utc::now().timestamp())
            .await?;
        if let Some(t) = state.last_success_at {
            metrics
                .source_last_success
                .with_label_values(&[rt.name()])
                .set(t as f64);
        }
    }

    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(|source| DaemonError::Bind {
            addr: config.server.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| DaemonError::Bind {
        addr: config.server.listen,
        source,
    })?;
    tracing::info!(%addr, "serving /metrics, /healthz, /readyz and /api/v1");
    let fleet = Arc::new(crate::fleet::Fleet::new(
        store.clone(),
        runtimes.iter().map(|r| r.name().to_string()).collect(),
        crate::indicators::EngineSettings {
            footprint: config.footprint.clone(),
            headcount: config.headcount.clone(),
        },
        config.agec.rules.origins.clone(),
    ));
    let circularity = Arc::new(crate::circularity::Circularity::new(
        store.clone(),
        runtimes.iter().map(|r| r.name().to_string()).collect(),
        config.agec.clone(),
    ));
    let app = router(HttpState {
        fleet: fleet.clone(),
        circularity: circularity.clone(),
        store: store.clone(),
        metrics: metrics.clone(),
        sources: Arc::new(
            runtimes
                .iter()
                .map(|r| (r.name().to_string(), r.config.kind().to_string()))
                .collect(),
        ),
    });
    let mut http_stop = stop.clone();
    let server = tokio::spawn(async move {
        let res = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = http_stop.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = res {
            tracing::error!(error = %e, "HTTP server stopped");
        }
    });
    if let Some(tx) = bound {
        let _ = tx.send(addr);
    }

    let changed = Arc::new(Notify::new());
    let names = runtimes.iter().map(|r| r.name().to_string()).collect();
    let gauges = tokio::spawn(refresh_gauges(
        store.clone(),
        metrics.clone(),
        names,
        changed.clone(),
        stop.clone(),
    ));
    let (fleet_tx, fleet_rx) = tokio::sync::mpsc::unbounded_channel();
    let indicators = tokio::spawn(crate::fleet::run(
        fleet.clone(),
        metrics.clone(),
        fleet_rx,
        stop.clone(),
    ));
    let circularity_changed = Arc::new(Notify::new());
    let dispatcher_wake = Arc::new(Notify::new());
    let channels = crate::alerts::channel::build_channels(&config.alerts);
    let alert_setup = crate::circularity::AlertSetup {
        settings: crate::alerts::evaluate::EvalSettings {
            renotify_after: config.alerts.renotify_after,
            projection_min_days: config.alerts.projection_min_days,
            not_met_min_days: config.alerts.not_met_min_days,
        },
        channels: channels.iter().map(|c| c.name().to_string()).collect(),
        dispatcher: dispatcher_wake.clone(),
    };
    let circularity_task = tokio::spawn(crate::circularity::run(
        circularity,
        metrics.clone(),
        alert_setup,
        circularity_changed.clone(),
        stop.clone(),
    ));
    let dispatcher = tokio::spawn(
        crate::alerts::dispatch::Dispatcher {
            store: store.clone(),
            channels,
            language: config.alerts.language,
            metrics: metrics.clone(),
            retry_initial: config.alerts.retry_initial,
            retry_max: config.alerts.retry_max,
        }
        .run(dispatcher_wake, stop.clone()),
    );
    let deps = Deps {
        store: store.clone(),
        metrics: metrics.clone(),
        changed,
        fleet_changes: Some(fleet_tx),
        circularity: Some(circularity_changed),
    };
    let loops: Vec<_> = runtimes
        .iter()
        .map(|rt| tokio::spawn(source_loop(deps.clone(), rt.clone(), stop.clone())))
        .collect();

    let mut stop_wait = stop.clone();
    let _ = stop_wait.wait_for(|s| *s).await;
    tracing::info!("stopping: finishing the pages under way");
    for l in loops {
        let _ = l.await;
    }
    for rt in &runtimes {
        rt.connector.close().await;
    }
    let _ = gauges.await;
    let _ = indicators.await;
    let _ = circularity_task.await;
    let _ = dispatcher.await;
    let _ = server.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// A stop signal that turns true on SIGINT or SIGTERM.
pub fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        let _ = tx.send(true);
    });
    rx
}
