//! Which sources this process may poll. On PostgreSQL, several `parcd run` replicas share
//! one database, and each source is polled by the one replica holding its lease; on SQLite,
//! one process writes (`store::writer_lock`) and holds every source.
//!
//! A lease is a row (`source_leases`: source, holder, expiry in the database's clock) that
//! its holder renews every third of its TTL, rather than a PostgreSQL advisory lock:
//! - it fences writes: each page's transaction renews the lease as its last statement and
//!   rolls back if another replica holds it (`Tx::fence_lease`), so a replica that stalled
//!   past its lease (a long pause, a network partition) cannot write over its successor.
//!   A session lock cannot be checked inside the page's transaction, which runs on another
//!   connection of the pool;
//! - it survives a PostgreSQL restart or failover, whereas session locks vanish with the
//!   server and every replica would race to take them again;
//! - it works through a transaction-pooling PgBouncer, which breaks session locks;
//! - a half-open connection (a replica's host gone without a FIN) holds an advisory lock
//!   until the server's TCP keepalive gives up, two hours by default; a lease expires on
//!   time;
//! - `SELECT * FROM source_leases` shows who polls what.
//!
//! The price is the takeover time: a replica killed with -9 keeps its sources until its
//! lease expires, instead of at once. Bound: a lease expires at most `ttl` after its
//! holder's death (it was renewed at most then, by the renewal task or by a page's fence,
//! which makes a kill mid-sync cost nearly the whole `ttl`), and the others try every
//! `ttl / 3`, so
//! another replica holds it within `ttl + ttl / 3` of the death (plus the database's answer
//! time), then syncs at once, resuming an unfinished sync from its last committed page. A
//! replica stopped cleanly (SIGTERM) releases its leases: the others take them at their
//! next try, within `ttl / 3`.
//!
//! Leases are not balanced: a free source goes to the first replica that asks. Replicas
//! add availability (a replica lost, its sources polled again within the bound), and share
//! the sources only as they happen to start.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::store::{Backend, Store, StoreError};

/// What a page's transaction checks before its commit: that this holder still holds the
/// source's lease (see `Tx::fence_lease`).
#[derive(Debug, Clone)]
pub struct Fence {
    pub holder: String,
    pub ttl_ms: i64,
}

/// The leases of this process, shared by its source loops.
#[derive(Clone)]
pub struct Leases {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` on SQLite: every source is held, nothing to renew.
    shared: Option<Shared>,
    held: HashMap<String, watch::Sender<bool>>,
    metrics: Option<Arc<Metrics>>,
}

struct Shared {
    store: Store,
    holder: String,
    ttl: Duration,
}

/// A name for this process among the replicas: the host (the pod's name on Kubernetes),
/// the process id, and a random part so that a restarted process with the same id is
/// another holder.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "parcd".into());
    format!(
        "{host}:{}:{:06x}",
        std::process::id(),
        fastrand::u32(..0x100_0000)
    )
}

impl Leases {
    /// Leases for `sources` on `store`: every source held on SQLite; on PostgreSQL, none
    /// until [`Leases::run`] takes them.
    pub fn new(
        store: &Store,
        ttl: Duration,
        sources: &[String],
        metrics: Option<Arc<Metrics>>,
    ) -> Leases {
        let shared = (store.backend() == Backend::Postgres).then(|| Shared {
            store: store.clone(),
            holder: holder_name(),
            ttl,
        });
        let held = sources
            .iter()
            .map(|s| (s.clone(), watch::channel(shared.is_none()).0))
            .collect();
        let leases = Leases {
            inner: Arc::new(Inner {
                shared,
                held,
                metrics,
            }),
        };
        for s in sources {
            leases.publish(s);
        }
        leases
    }

    /// This process's name in `source_leases`, on PostgreSQL.
    pub fn holder(&self) -> Option<&str> {
        self.inner.shared.as_ref().map(|s| s.holder.as_str())
    }

    /// How long after a holder's death another replica holds its sources at the latest
    /// (plus the database's answer time); zero on SQLite.
    pub fn takeover_bound(&self) -> Duration {
        self.inner
            .shared
            .as_ref()
            .map_or(Duration::ZERO, |s| s.ttl + tick(s.ttl))
    }

    /// Follows whether this process holds `source`'s lease.
    pub fn watch(&self, source: &str) -> watch::Receiver<bool> {
        self.sender(source).subscribe()
    }

    pub fn is_held(&self, source: &str) -> bool {
        *self.sender(source).borrow()
    }

    /// What each page's transaction checks, on PostgreSQL.
    pub fn fence(&self) -> Option<Fence> {
        self.inner.shared.as_ref().map(|s| Fence {
            holder: s.holder.clone(),
            ttl_ms: s.ttl.as_millis() as i64,
        })
    }

    /// Records that a page found the lease taken by another replica: the source loop waits
    /// until this process holds it again.
    pub fn lost(&self, source: &str) {
        if self.inner.shared.is_some() {
            self.set(source, false);
        }
    }

    fn sender(&self, source: &str) -> &watch::Sender<bool> {
        self.inner
            .held
            .get(source)
            .unwrap_or_else(|| panic!("source {source} has no lease entry"))
    }

    fn set(&self, source: &str, held: bool) {
        self.sender(source)
            .send_if_modified(|h| std::mem::replace(h, held) != held);
        self.publish(source);
    }

    fn publish(&self, source: &str) {
        if let Some(m) = &self.inner.metrics {
            m.source_lease_held
                .with_label_values(&[source])
                .set(i64::from(self.is_held(source)));
        }
    }

    /// Renews the leases held and takes the free or expired ones, every third of the TTL,
    /// until `stop`; nothing to do on SQLite. The leases are released by
    /// [`Leases::release`], once the source loops have committed their last page.
    pub fn run(&self, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
        self.inner.shared.as_ref()?;
        let me = self.clone();
        Some(tokio::spawn(async move { me.keep(stop).await }))
    }

    async fn keep(&self, mut stop: watch::Receiver<bool>) {
        let Some(shared) = &self.inner.shared else {
            return;
        };
        let ttl_ms = shared.ttl.as_millis() as i64;
        let mut last_renewed = Instant::now();
        let mut ticks = tokio::time::interval(tick(shared.ttl));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            match shared.store.renew_leases(&shared.holder, ttl_ms).await {
                Ok(renewed) => {
                    last_renewed = Instant::now();
                    for source in self.inner.held.keys() {
                        let ours = renewed.contains(source);
                        if self.is_held(source) && !ours {
                            tracing::warn!(
                                source = %source,
                                "another replica holds this source's lease now; this replica stops polling it"
                            );
                            self.set(source, false);
                        } else if ours && !self.is_held(source) {
                            // Set aside while the database was away, and still this
                            // replica's: nobody else polled it meanwhile.
                            self.set(source, true);
                        }
                    }
                }
                Err(e) => {
                    // Unrenewed past its TTL, a lease may be another replica's: stop
                    // polling rather than read the source twice (the pages are fenced
                    // anyway).
                    if last_renewed.elapsed() >= shared.ttl {
                        for source in self.inner.held.keys() {
                            if self.is_held(source) {
                                self.set(source, false);
                            }
                        }
                    }
                    let e = shared.store.explain(e).await;
                    tracing::warn!(error = %e, "cannot renew the source leases");
                    continue;
                }
            }
            for source in self.inner.held.keys() {
                if self.is_held(source) {
                    continue;
                }
                match shared
                    .store
                    .try_acquire_lease(source, &shared.holder, ttl_ms)
                    .await
                {
                    Ok(Some(acquired)) => {
                        match &acquired.previous {
                            Some(previous) if *previous != shared.holder => {
                                if let Some(m) = &self.inner.metrics {
                                    m.source_lease_takeovers.with_label_values(&[source]).inc();
                                }
                                tracing::warn!(
                                    source = %source,
                                    previous = %previous,
                                    "took over the source's lease: its holder let it expire (stopped without releasing it, or lost the database)"
                                );
                            }
                            _ => {
                                tracing::info!(source = %source, "took the source's lease: this replica polls it")
                            }
                        }
                        self.set(source, true);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(source = %source, error = %e, "cannot take the source's lease");
                        break;
                    }
                }
            }
            if let Some(m) = &self.inner.metrics {
                for source in self.inner.held.keys() {
                    if !self.is_held(source) {
                        follow_holder(&shared.store, m, source).await;
                    }
                }
            }
        }
    }

    /// Takes `source`'s lease for `parcd sync`, which must not race the replicas, waiting
    /// as long as the takeover bound: a process killed with -9 leaves its lease that long,
    /// and a replica alive keeps renewing it. `Ok(None)` when this process holds it (always
    /// on SQLite), or the lease of the replica that kept it; `waiting` is called once when
    /// the lease is not free at once.
    pub async fn take(
        &self,
        source: &str,
        waiting: impl FnOnce(&crate::store::Lease),
    ) -> Result<Option<crate::store::Lease>, StoreError> {
        let Some(shared) = &self.inner.shared else {
            return Ok(None);
        };
        let ttl_ms = shared.ttl.as_millis() as i64;
        let deadline = Instant::now() + self.takeover_bound();
        let mut waiting = Some(waiting);
        loop {
            if shared
                .store
                .try_acquire_lease(source, &shared.holder, ttl_ms)
                .await?
                .is_some()
            {
                self.set(source, true);
                return Ok(None);
            }
            let other = shared
                .store
                .leases()
                .await?
                .into_iter()
                .find(|l| l.source == source);
            match other {
                Some(other) if Instant::now() >= deadline => return Ok(Some(other)),
                Some(other) => {
                    if let Some(w) = waiting.take() {
                        w(&other);
                    }
                }
                // Released between the two statements: try again at once.
                None => continue,
            }
            tokio::time::sleep(tick(shared.ttl).min(Duration::from_secs(1))).await;
        }
    }

    /// Gives back the leases held (PostgreSQL), so that the other replicas take the sources
    /// at their next try.
    pub async fn release(&self) {
        let Some(shared) = &self.inner.shared else {
            return;
        };
        for source in self.inner.held.keys() {
            self.set(source, false);
        }
        match shared.store.release_leases(&shared.holder).await {
            Ok(n) if n > 0 => tracing::info!(leases = n, "released the source leases"),
            Ok(_) => {}
            Err(e) => tracing::warn!(
                error = %e,
                "cannot release the source leases: the other replicas take them when they expire"
            ),
        }
    }
}

/// On a replica that does not poll `source`, its `parcd_source_up` and last success as the
/// holder's last runs left them in the store: a standby's own would stay at its start's
/// values, and raise "source down" or "no recent success" alerts for a source polled well.
async fn follow_holder(store: &Store, m: &Metrics, source: &str) {
    let runs = match store.recent_runs(source, 20).await {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(source = %source, error = %e, "cannot read the holder's runs");
            return;
        }
    };
    // A run killed with -9 stays "running"; an interrupted one said nothing of the source.
    if let Some(last) = runs
        .iter()
        .find(|r| r.outcome == "success" || r.outcome == "error")
    {
        m.source_up
            .with_label_values(&[source])
            .set(i64::from(last.outcome == "success"));
    }
    if let Some(t) = runs
        .iter()
        .find(|r| r.outcome == "success")
        .and_then(|r| r.finished_at)
    {
        m.source_last_success
            .with_label_values(&[source])
            .set(t as f64);
    }
}

/// How often a replica renews its leases and tries the others': a third of the TTL, so a
/// holder misses two renewals before its lease expires.
fn tick(ttl: Duration) -> Duration {
    ttl / 3
}

/// Whether a store error means that another replica took the lease.
pub fn is_lease_lost(e: &StoreError) -> bool {
    matches!(e, StoreError::LeaseLost { .. })
}
