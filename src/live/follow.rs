//! Follows the pages other parcd processes commit to the store (another replica holding a
//! source's lease, a `parcd sync --once`), so that this process's metrics and API tell the
//! same figures as theirs within a second.
//!
//! PostgreSQL: a connection of its own LISTENs to the notes each commit sends (see
//! `store/changes.rs`); the changed ids go to the incremental fleet engine, the other
//! figures are woken as after a page of this process. Notes sent while that connection
//! was down are lost, so every reconnection recomputes everything (the first connection
//! opens before the figures first read the store, and misses nothing); a connection that
//! stops answering a periodic query counts as down.
//!
//! SQLite: nothing to follow. One parcd process writes a SQLite file (`store::writer_lock`
//! refuses a second `run` or `sync`), and that process's figures follow its own pages.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parcd_connectors::reading::known;
use sqlx::postgres::{PgListener, PgNotification, PgPoolOptions};
use tokio::sync::{Notify, mpsc, watch};

use crate::live::fleet::Changed;
use crate::metrics::Metrics;
use crate::store::{Backend, ChangeNote, Store, StoreError};

/// How often the listening connection is asked whether it still answers.
const LISTEN_CHECK: Duration = Duration::from_secs(15);

/// A listening connection lost sooner than this after it opened waits before the next.
const SHORT_LIVED: Duration = Duration::from_secs(5);

/// How long that question may take before the connection is taken for lost.
const LISTEN_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The `application_name` of the listening connection.
pub const APPLICATION_NAME: &str = "parcd follow";

/// What a followed change wakes: the same tasks a page committed here wakes.
pub struct Wakes {
    /// The asset gauges.
    pub assets: Arc<Notify>,
    /// The changed assets, for the incremental fleet indicators.
    pub fleet: mpsc::UnboundedSender<Changed>,
    /// A full recomputation of the fleet indicators.
    pub fleet_reload: Arc<Notify>,
    pub circularity: Arc<Notify>,
    pub printing: Arc<Notify>,
    pub mail: Arc<Notify>,
}

/// The follower of one daemon.
pub struct Follower {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// The configured sources: notes about others are not this process's figures.
    pub sources: Vec<String>,
    pub wakes: Wakes,
    /// The connection [`listen_first`] opened before the daemon read the store.
    pub first: Option<PgListener>,
}

/// Listens before the daemon's figures first read the store (PostgreSQL; `None` on SQLite,
/// or when the connection cannot be made: the follower then tries again and recomputes once
/// it listens). Every commit after this is announced to this process, and every one before
/// it is in what the figures read at start: the first connection needs no recomputation,
/// which at a million devices would double the start's.
pub async fn listen_first(store: &Store) -> Option<PgListener> {
    if store.backend() != Backend::Postgres {
        return None;
    }
    let options = store.listen_options()?;
    match listen_connection(options).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(
                error = %e,
                "cannot listen to the other replicas' changes yet; trying again shortly"
            );
            None
        }
    }
}

impl Follower {
    /// Follows until `stop`.
    pub async fn run(mut self, stop: watch::Receiver<bool>) {
        match self.store.backend() {
            Backend::Postgres => {
                let first = self.first.take();
                self.listen(first, stop).await
            }
            Backend::Sqlite => {}
        }
    }

    async fn listen(&self, mut first: Option<PgListener>, mut stop: watch::Receiver<bool>) {
        let Some(options) = self.store.listen_options() else {
            tracing::error!(
                "cannot read the database URL to listen to the other replicas' changes; \
                 this replica's figures follow them only at the hourly refresh"
            );
            return;
        };
        loop {
            let opened_before_start = first.is_some();
            let connected = match first.take() {
                Some(l) => Ok(l),
                None => tokio::select! {
                    c = listen_connection(options.clone()) => c,
                    _ = stopped(&mut stop) => return,
                },
            };
            let mut listener = match connected {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        "cannot listen to the other replicas' changes; trying again shortly"
                    );
                    tokio::select! {
                        _ = tokio::time::sleep(crate::live::RETRY) => continue,
                        _ = stopped(&mut stop) => return,
                    }
                }
            };
            self.metrics.follow.connected.set(1);
            let since = Instant::now();
            // Whatever was committed while no connection listened was announced to nobody.
            // The connection opened before the figures' first read missed only what the
            // per-source series read before it (daemon::restore_source_metrics): caught up
            // without recomputing the figures.
            if opened_before_start {
                self.catch_up().await;
            } else {
                self.reload("connected").await;
            }
            let mut check = tokio::time::interval(LISTEN_CHECK);
            check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            check.tick().await;
            let lost = loop {
                tokio::select! {
                    got = listener.try_recv() => match got {
                        Ok(Some(first)) => {
                            let mut batch = vec![first];
                            while let Some(more) = listener.next_buffered() {
                                batch.push(more);
                            }
                            self.apply(&batch).await;
                        }
                        Ok(None) => break "the connection closed".to_string(),
                        Err(e) => break e.to_string(),
                    },
                    // A connection cut without a word (a firewall dropping idle flows)
                    // delivers nothing and reports no error: a query tells.
                    _ = check.tick() => {
                        let answer = tokio::time::timeout(
                            LISTEN_CHECK_TIMEOUT,
                            sqlx::query("SELECT 1").execute(&mut listener),
                        )
                        .await;
                        match answer {
                            Ok(Ok(_)) => {}
                            Ok(Err(e)) => break e.to_string(),
                            Err(_) => break "no answer to a check".to_string(),
                        }
                    }
                    _ = stopped(&mut stop) => return,
                }
            };
            self.metrics.follow.connected.set(0);
            tracing::warn!(
                reason = %lost,
                "lost the connection listening to the other replicas' changes; \
                 listening again and recomputing every figure"
            );
            // A connection closed as soon as it opens (a server or a proxy refusing it)
            // would otherwise recompute everything in a loop.
            if since.elapsed() < SHORT_LIVED {
                tokio::select! {
                    _ = tokio::time::sleep(crate::live::RETRY) => {}
                    _ = stopped(&mut stop) => return,
                }
            }
        }
    }

    /// Applies notes received together.
    async fn apply(&self, batch: &[PgNotification]) {
        let mine = self.store.origin();
        let configured: HashSet<&str> = self.sources.iter().map(String::as_str).collect();
        let mut finished = BTreeSet::new();
        for n in batch {
            let note: ChangeNote = match serde_json::from_str(n.payload()) {
                Ok(note) => note,
                Err(e) => {
                    // A note of another parcd version: recomputing is always right.
                    tracing::warn!(error = %e, "unreadable change note; recomputing every figure");
                    self.reload("overflow").await;
                    continue;
                }
            };
            if note.origin == mine || !configured.contains(note.source.as_str()) {
                continue;
            }
            self.metrics.follow.notes.inc();
            if note.completed_at.is_some() {
                finished.insert(note.source.clone());
            }
            self.apply_note(note);
        }
        for source in finished {
            self.source_gauges(&source).await;
        }
    }

    fn apply_note(&self, note: ChangeNote) {
        let w = &self.wakes;
        let some_ids = note.ids.as_ref().is_none_or(|ids| !ids.is_empty());
        match note.ids {
            Some(ids) if !ids.is_empty() => {
                let lag = chrono::Utc::now().timestamp_millis() - note.at_ms;
                let committed = Instant::now()
                    .checked_sub(Duration::from_millis(lag.max(0) as u64))
                    .unwrap_or_else(Instant::now);
                // The receiver only goes away when the daemon stops.
                let _ = w.fleet.send(Changed {
                    source: note.source.clone(),
                    ids,
                    committed,
                });
            }
            Some(_) => {}
            None => {
                self.metrics
                    .follow
                    .reloads
                    .with_label_values(&["overflow"])
                    .inc();
                w.fleet_reload.notify_one();
            }
        }
        if note.assets || some_ids {
            w.assets.notify_one();
            w.circularity.notify_one();
        }
        // A printer's entity comes from the inventory: its changes move printing figures too.
        if note.readings || some_ids {
            w.printing.notify_one();
        }
        if note.readings {
            w.mail.notify_one();
        }
        let m = &self.metrics;
        for (quantity, colour) in crate::metrics::PRINT_PAGES {
            if let Some(step) = note.counter_steps.get(quantity) {
                m.print_pages
                    .with_label_values(&[note.source.as_str(), colour])
                    .inc_by(*step);
            }
        }
        if let Some((answered, polled)) = note.responding {
            m.source_devices_responding
                .with_label_values(&[&note.source])
                .set(answered as i64);
            m.source_devices_polled
                .with_label_values(&[&note.source])
                .set(polled as i64);
        }
        if let Some(t) = note.completed_at {
            m.source_last_success
                .with_label_values(&[&note.source])
                .set(t as f64);
        }
    }

    /// The gauges of a source a sync sets at its end, read from the store.
    async fn source_gauges(&self, source: &str) {
        let read = async {
            let unmapped = self.store.unmapped_status_count(source).await?;
            let held: i64 = self
                .store
                .vanish_holds_of(source)
                .await?
                .iter()
                .map(|h| h.unseen)
                .sum();
            Ok::<_, StoreError>((unmapped, held))
        };
        match read.await {
            Ok((unmapped, held)) => {
                let m = &self.metrics;
                m.source_unmapped_status
                    .with_label_values(&[source])
                    .set(unmapped);
                m.source_vanish_held.with_label_values(&[source]).set(held);
            }
            Err(e) => tracing::warn!(source, error = %e, "cannot read a source's gauges"),
        }
    }

    /// Recomputes every figure from the store, as at start.
    async fn reload(&self, reason: &'static str) {
        self.metrics
            .follow
            .reloads
            .with_label_values(&[reason])
            .inc();
        let w = &self.wakes;
        for wake in [
            &w.assets,
            &w.fleet_reload,
            &w.circularity,
            &w.printing,
            &w.mail,
        ] {
            wake.notify_one();
        }
        self.catch_up().await;
    }

    /// The per-source series a sync sets, read from the store.
    async fn catch_up(&self) {
        for source in &self.sources {
            self.source_gauges(source).await;
        }
        if let Err(e) = self.catch_up_counters().await {
            tracing::warn!(error = %e, "cannot read the last successes and page counts");
        }
    }

    /// What the pages this process never heard of changed in the per-source series: last
    /// successes, page counters (raised to the store's totals, never lowered), the devices
    /// of each telemetry source's last round.
    async fn catch_up_counters(&self) -> Result<(), StoreError> {
        let m = &self.metrics;
        let configured: HashSet<&str> = self.sources.iter().map(String::as_str).collect();
        for (source, t) in self.store.last_successes().await? {
            if configured.contains(source.as_str()) {
                let g = m.source_last_success.with_label_values(&[&source]);
                g.set(g.get().max(t as f64));
            }
        }
        let now = chrono::Utc::now().timestamp();
        for (quantity, colour) in crate::metrics::PRINT_PAGES {
            let mut totals: BTreeMap<String, f64> = BTreeMap::new();
            for i in crate::readings::increases(&self.store, quantity, 0, now).await? {
                *totals.entry(i.source).or_default() += i.increase;
            }
            for (source, total) in totals {
                if configured.contains(source.as_str()) {
                    let c = m.print_pages.with_label_values(&[source.as_str(), colour]);
                    let missing = total - c.get();
                    if missing > 0.0 {
                        c.inc_by(missing);
                    }
                }
            }
        }
        let mut rounds: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for r in self
            .store
            .readings_as_of(known::RESPONDING.name, now)
            .await?
        {
            if r.scope == "device" {
                let round = rounds.entry(r.source).or_default();
                round.0 += i64::from(r.value >= 1.0);
                round.1 += 1;
            }
        }
        for (source, (answered, polled)) in rounds {
            if configured.contains(source.as_str()) {
                m.source_devices_responding
                    .with_label_values(&[&source])
                    .set(answered);
                m.source_devices_polled
                    .with_label_values(&[&source])
                    .set(polled);
            }
        }
        Ok(())
    }
}

/// A connection listening to the change notes, outside the pool.
async fn listen_connection(
    options: sqlx::postgres::PgConnectOptions,
) -> Result<PgListener, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .max_lifetime(None)
        .idle_timeout(None)
        // Named, so that an administrator (or a test) finds it in pg_stat_activity.
        .connect_lazy_with(options.application_name(APPLICATION_NAME));
    let mut listener = PgListener::connect_with(&pool).await?;
    // Its own reconnection would hide the gap from `try_recv`'s caller: this loop makes a
    // new listener, then recomputes.
    listener.eager_reconnect(false);
    listener.listen(crate::store::CHANGES_CHANNEL).await?;
    Ok(listener)
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns must not live across the other branches' awaits.
    drop(stop.wait_for(|s| *s).await);
}
