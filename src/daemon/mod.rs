//! The daemon: store, metrics, HTTP server and one loop per source, until stopped.

pub mod logging;
mod tasks;

use std::net::SocketAddr;
use std::sync::Arc;

use parcd_connectors::mail::{MailKey, MailPrivacy};
use parcd_connectors::{BuildContext, ConnectorError, build_connector_in};
use thiserror::Error;
use tokio::sync::{oneshot, watch};

use crate::config::Config;
use crate::http::{HttpState, router};
use crate::metrics::Metrics;
use crate::poll::lease::Leases;
use crate::poll::scheduler::source_loop;
use crate::poll::sync::SourceRuntime;
use crate::store::{Store, StoreError};

#[derive(Debug, Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    WriterLock(#[from] crate::store::WriterLockError),
    #[error("cannot listen on {addr}: {source} (change [server] listen or PARCD__SERVER__LISTEN)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot make the mail hash key: {0} (set [mail] hash_key_file instead)")]
    MailKey(String),
    #[error("source {source_name}: {error}")]
    Connector {
        source_name: String,
        #[source]
        error: ConnectorError,
    },
}

/// What the core passes to the connectors it builds: the mail privacy context, with the
/// configured hash key or, without one, the key generated at the first start and kept in
/// the store (so a mailbox's hash is the same after a restart).
pub async fn build_context(config: &Config, store: &Store) -> Result<BuildContext, DaemonError> {
    let key = match &config.mail.hash_key {
        Some(k) => k.clone(),
        None => {
            let fresh = MailKey::generate().map_err(DaemonError::MailKey)?;
            let kept = store
                .mail_hash_key_or(fresh.expose(), chrono::Utc::now().timestamp())
                .await?;
            MailKey::new(secrecy::SecretString::from(kept)).map_err(|problem| {
                DaemonError::MailKey(format!("the key kept in the database {problem}"))
            })?
        }
    };
    Ok(BuildContext {
        mail: Some(MailPrivacy::new(&key, config.mail.entities.clone())),
    })
}

/// Builds the connector of every configured source.
pub fn runtimes(
    config: &Config,
    ctx: &BuildContext,
) -> Result<Vec<Arc<SourceRuntime>>, DaemonError> {
    config
        .sources
        .iter()
        .map(|s| {
            let connector =
                build_connector_in(&s.connector, ctx).map_err(|error| DaemonError::Connector {
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

/// Runs until `stop` turns true. `bound` receives the HTTP address once listening (tests
/// and the demo listen on port 0).
pub async fn run(
    config: &Config,
    stop: watch::Receiver<bool>,
    bound: Option<oneshot::Sender<SocketAddr>>,
) -> Result<(), DaemonError> {
    // Before the store opens: a second writer of a SQLite file is refused before it migrates
    // or reads anything.
    let _writer = crate::store::lock_sqlite_writer(&config.database.url, "run")?;
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
    let runtimes = runtimes(config, &build_context(config, &store).await?)?;
    restore_source_metrics(&store, &metrics, &runtimes).await?;
    // Before the figures first read the store: what other replicas commit from now on is
    // heard.
    let listening = crate::live::follow::listen_first(&store).await;
    let (listener, addr) = bind(config).await?;
    tracing::info!(%addr, "serving the web view at /, /metrics, /healthz, /readyz and /api/v1");

    let live = tasks::Live::start(config, &store, &metrics, &runtimes, &stop, listening);
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let leases = Leases::new(
        &store,
        config.database.lease_ttl,
        &runtimes
            .iter()
            .map(|r| r.name().to_string())
            .collect::<Vec<_>>(),
        Some(metrics.clone()),
    );
    let app = router(HttpState {
        fleet: live.fleet.clone(),
        circularity: live.circularity.clone(),
        printing: live.printing.clone(),
        mail: live.mail.clone(),
        store: store.clone(),
        metrics: metrics.clone(),
        sources: Arc::new(
            runtimes
                .iter()
                .map(|r| (r.name().to_string(), r.config.kind().to_string()))
                .collect(),
        ),
        lease_holder: leases.holder().map(str::to_string),
    });
    let app = crate::http::guard::guarded(app, &config.server);
    let limits = crate::http::connections::Limits {
        max_connections: config.server.max_connections,
        idle_timeout: config.server.idle_timeout,
    };
    let server = tasks::serve(listener, app, limits, stop.clone());
    if let Some(tx) = bound {
        let _ = tx.send(addr);
    }
    if let Some(holder) = leases.holder() {
        tracing::info!(
            holder,
            takeover_bound_seconds = leases.takeover_bound().as_secs_f64(),
            "polling the sources whose lease this replica holds"
        );
    }
    let lease_keeper = leases.run(stop.clone());
    let loops: Vec<_> = runtimes
        .iter()
        .map(|rt| {
            tokio::spawn(source_loop(
                live.deps.clone(),
                rt.clone(),
                leases.clone(),
                stop.clone(),
            ))
        })
        .collect();

    let mut stop_wait = stop.clone();
    let _ = stop_wait.wait_for(|s| *s).await;
    tracing::info!("stopping: finishing the pages under way");
    for l in loops {
        let _ = l.await;
    }
    if let Some(k) = lease_keeper {
        let _ = k.await;
    }
    // After the last page committed: the other replicas take the sources at their next try.
    leases.release().await;
    for rt in &runtimes {
        rt.connector.close().await;
    }
    live.join().await;
    let _ = server.await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Registers each source's series, with its last success restored from the store so that
/// "no success for a day" alerts stay true across restarts.
async fn restore_source_metrics(
    store: &Store,
    metrics: &Metrics,
    runtimes: &[Arc<SourceRuntime>],
) -> Result<(), DaemonError> {
    for rt in runtimes {
        metrics.register_source(rt.name());
        let state = store
            .source_state(rt.name(), rt.config.kind(), chrono::Utc::now().timestamp())
            .await?;
        if let Some(t) = state.last_success_at {
            metrics
                .source_last_success
                .with_label_values(&[rt.name()])
                .set(t as f64);
        }
        let held: i64 = store
            .vanish_holds_of(rt.name())
            .await?
            .iter()
            .map(|h| h.unseen)
            .sum();
        metrics
            .source_vanish_held
            .with_label_values(&[rt.name()])
            .set(held);
    }
    let now = chrono::Utc::now().timestamp();
    // Pages printed since each printer's first reading, as stored: the counter goes on from
    // there instead of starting again at 0.
    for (quantity, colour) in crate::metrics::PRINT_PAGES {
        let mut totals: std::collections::HashMap<String, f64> = Default::default();
        for i in crate::readings::increases(store, quantity, 0, now).await? {
            *totals.entry(i.source).or_default() += i.increase;
        }
        for rt in runtimes {
            if let Some(total) = totals.get(rt.name()) {
                metrics
                    .print_pages
                    .with_label_values(&[rt.name(), colour])
                    .inc_by(*total);
            }
        }
    }
    // The devices of the last round of each telemetry source, as stored.
    let mut rounds: std::collections::HashMap<String, (i64, i64)> = Default::default();
    for r in store
        .readings_as_of(crate::poll::ingest::RESPONDING, now)
        .await?
        .iter()
        .filter(|r| r.scope == "device")
    {
        let round = rounds.entry(r.source.clone()).or_default();
        round.0 += i64::from(r.value >= 1.0);
        round.1 += 1;
    }
    for rt in runtimes {
        if let Some((answered, polled)) = rounds.get(rt.name()) {
            metrics
                .source_devices_responding
                .with_label_values(&[rt.name()])
                .set(*answered);
            metrics
                .source_devices_polled
                .with_label_values(&[rt.name()])
                .set(*polled);
        }
    }
    Ok(())
}

async fn bind(config: &Config) -> Result<(tokio::net::TcpListener, SocketAddr), DaemonError> {
    let bind_err = |source| DaemonError::Bind {
        addr: config.server.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(bind_err)?;
    let addr = listener.local_addr().map_err(bind_err)?;
    Ok((listener, addr))
}

/// A stop signal that turns true on SIGINT or SIGTERM. SIGHUP, which administrators send
/// to make a daemon reload and whose default action is to end the process, is logged and
/// ignored: the configuration is read at start only.
pub fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    #[cfg(unix)]
    if let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::warn!(
                    "SIGHUP received and ignored: parcd reads its configuration at start only; \
                     restart it to apply a change (systemctl restart parcd)"
                );
            }
        });
    }
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
