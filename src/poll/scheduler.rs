//! Runs every source on its own schedule: a source never overlaps itself, a failing source
//! backs off without holding up the others, and a shutdown stops each between two pages.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use parcd_connectors::SyncMode;
use tokio::sync::{Notify, watch};

use crate::config::SourceConfig;
use crate::metrics::Metrics;
use crate::poll::lease::{Fence, Leases};
use crate::poll::sync::{SourceRuntime, SyncError, SyncReport, run_sync_fenced};
use crate::store::Store;

/// What the scheduler shares with the rest of the daemon.
#[derive(Clone)]
pub struct Deps {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    /// Signalled after every committed page, so the asset counts are refreshed.
    pub changed: Arc<Notify>,
    /// Receives the assets each committed page changed, for the fleet indicators.
    pub fleet_changes: Option<tokio::sync::mpsc::UnboundedSender<crate::live::fleet::Changed>>,
    /// Woken when a committed page changed an asset or a purchase, for the AGEC and REEN
    /// figures.
    pub circularity: Option<Arc<Notify>>,
    /// Woken when a committed page stored readings, for the printing figures.
    pub printing: Option<Arc<Notify>>,
    /// Woken when a committed page stored readings, for the mail figures.
    pub mail: Option<Arc<Notify>>,
}

/// Full when the source has never completed one, or when the full-sync schedule fired
/// since the last one.
pub fn mode_due(cfg: &SourceConfig, last_full: Option<i64>, now: DateTime<Utc>) -> SyncMode {
    match last_full.and_then(|t| Utc.timestamp_opt(t, 0).single()) {
        None => SyncMode::Full,
        Some(last) => match cfg.full_sync_schedule.next_after(last) {
            Some(due) if due <= now => SyncMode::Full,
            _ => SyncMode::Incremental,
        },
    }
}

/// The mode of the next sync of `rt`: a source that cannot tell what changed is read whole
/// every time.
pub fn mode_for(rt: &SourceRuntime, last_full: Option<i64>, now: DateTime<Utc>) -> SyncMode {
    if rt.connector.incremental() {
        mode_due(&rt.config, last_full, now)
    } else {
        SyncMode::Full
    }
}

/// When to wake next after a successful sync.
pub fn next_wake(cfg: &SourceConfig, last_full: Option<i64>, now: DateTime<Utc>) -> DateTime<Utc> {
    let regular = cfg.schedule.next_after(now);
    let full = last_full
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .and_then(|last| cfg.full_sync_schedule.next_after(last))
        .map(|due| due.max(now));
    let next = match (regular, full) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(now + chrono::Duration::hours(1)),
    };
    next + jitter(cfg.jitter)
}

/// Delay before retrying after `failures` consecutive failures: doubling from
/// `retry_initial`, capped at `retry_max`.
pub fn backoff(cfg: &SourceConfig, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    cfg.retry_initial.saturating_mul(factor).min(cfg.retry_max)
}

fn jitter(max: Duration) -> chrono::Duration {
    if max.is_zero() {
        return chrono::Duration::zero();
    }
    chrono::Duration::milliseconds(fastrand::i64(0..=max.as_millis() as i64))
}

/// One sync with its metrics.
pub async fn poll_source(
    deps: &Deps,
    rt: &SourceRuntime,
    mode: SyncMode,
    stop: watch::Receiver<bool>,
    fence: Option<&Fence>,
) -> Result<SyncReport, SyncError> {
    let name = rt.name().to_string();
    let m = &deps.metrics;
    m.source_sync_in_progress.with_label_values(&[&name]).set(1);
    let timer = m
        .source_poll_duration
        .with_label_values(&[&name])
        .start_timer();
    let changed = deps.changed.clone();
    let mut on_page = |p: crate::poll::sync::Progress<'_>| {
        m.source_records_read
            .with_label_values(&[&name])
            .inc_by(p.page.records);
        m.source_readings_read
            .with_label_values(&[&name])
            .inc_by(p.page.readings);
        m.source_records_rejected
            .with_label_values(&[&name])
            .inc_by(p.page.rejected);
        for (quantity, colour) in crate::metrics::PRINT_PAGES {
            if let Some(step) = p.page.counter_steps.get(quantity) {
                m.print_pages
                    .with_label_values(&[name.as_str(), colour])
                    .inc_by(*step);
            }
        }
        if let Some((answered, polled)) = p.page.devices_responding {
            m.source_devices_responding
                .with_label_values(&[&name])
                .set(answered as i64);
            m.source_devices_polled
                .with_label_values(&[&name])
                .set(polled as i64);
        }
        for (label, n) in [
            ("created", p.page.created),
            ("changed", p.page.changed),
            ("vanished", p.page.vanished),
        ] {
            m.source_asset_changes
                .with_label_values(&[&name, label])
                .inc_by(n);
        }
        if p.page.created + p.page.changed + p.page.vanished > 0 {
            changed.notify_one();
        }
        if let Some(n) = &deps.circularity
            && !p.page.changed_ids.is_empty()
        {
            n.notify_one();
        }
        // A printer's entity comes from the inventory: its changes move printing figures too.
        if let Some(n) = &deps.printing
            && (p.page.readings > 0 || !p.page.changed_ids.is_empty())
        {
            n.notify_one();
        }
        if let Some(n) = &deps.mail
            && p.page.readings > 0
        {
            n.notify_one();
        }
        if let Some(tx) = &deps.fleet_changes
            && !p.page.changed_ids.is_empty()
        {
            // The receiver only goes away when the daemon stops.
            let _ = tx.send(crate::live::fleet::Changed {
                source: name.clone(),
                ids: p.page.changed_ids.clone(),
                committed: std::time::Instant::now(),
            });
        }
    };
    let result = match run_sync_fenced(&deps.store, rt, mode, &mut on_page, stop, fence).await {
        // The pool only says it timed out: the log and the run record get the database's
        // own answer (refused, unknown host, authentication failed).
        Err(SyncError::Store { source_name, error }) => Err(SyncError::Store {
            source_name,
            error: deps.store.explain(error).await,
        }),
        other => other,
    };
    timer.observe_duration();
    m.source_sync_in_progress.with_label_values(&[&name]).set(0);
    match &result {
        Ok(r) if r.interrupted => {}
        Ok(r) => {
            // Counted before `up` turns 1, so a scrape that sees the success sees its counts.
            match deps.store.unmapped_status_count(&name).await {
                Ok(n) => m.source_unmapped_status.with_label_values(&[&name]).set(n),
                Err(e) => {
                    tracing::warn!(source = %name, error = %e, "cannot count unmapped statuses")
                }
            }
            if r.vanish_refused {
                m.source_vanish_refused.with_label_values(&[&name]).inc();
                tracing::warn!(
                    source = %name,
                    kind = rt.config.kind(),
                    "full sync read no asset while the store holds some; nothing was marked vanished \
                     (check what the source's account may read: its rights, entities or filters)"
                );
            } else if r.mode == Some(parcd_connectors::SyncMode::Full) {
                let held: i64 = r.vanish_held.iter().map(|(_, n)| *n as i64).sum();
                m.source_vanish_held.with_label_values(&[&name]).set(held);
                if !r.vanish_held.is_empty() {
                    m.source_vanish_refused.with_label_values(&[&name]).inc();
                    tracing::warn!(
                        source = %name,
                        held = %listed(&r.vanish_held),
                        max_percent = rt.config.vanish_max_percent,
                        "full sync missed most of the assets of some item types; they stay live until \
                         the next full sync misses them too (check that the source's account may still \
                         read these types; to vanish such drops at once, set vanish_max_percent = 100)"
                    );
                }
                if !r.vanish_confirmed.is_empty() {
                    tracing::info!(
                        source = %name,
                        vanished = %listed(&r.vanish_confirmed),
                        "a second full sync missed the held item types too: their assets are vanished"
                    );
                }
            }
            m.source_up.with_label_values(&[&name]).set(1);
            m.source_last_success
                .with_label_values(&[&name])
                .set(Utc::now().timestamp_millis() as f64 / 1000.0);
        }
        Err(e) => {
            m.source_up.with_label_values(&[&name]).set(0);
            m.source_errors
                .with_label_values(&[&name, e.error_type()])
                .inc();
        }
    }
    result
}

/// Runs `poll_source` with a stop that also turns true when this replica loses the
/// source's lease, so the sync ends between two pages.
async fn poll_while_held(
    deps: &Deps,
    rt: &SourceRuntime,
    mode: SyncMode,
    stop: &watch::Receiver<bool>,
    leases: &Leases,
) -> Result<SyncReport, SyncError> {
    let (halt, halted) = watch::channel(false);
    let mut stop = stop.clone();
    let mut held = leases.watch(rt.name());
    let fence = leases.fence();
    let watcher = async {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => {}
            _ = held.wait_for(|h| !*h) => {}
        }
        let _ = halt.send(true);
        std::future::pending::<()>().await
    };
    tokio::select! {
        r = poll_source(deps, rt, mode, halted, fence.as_ref()) => r,
        _ = watcher => unreachable!("the watcher never ends"),
    }
}

/// The life of one source in the daemon: sync now, then on schedule, until `stop`. On
/// PostgreSQL replicas, only while this replica holds the source's lease: it waits for it
/// first, and again when it loses it, then syncs at once (resuming a sync the previous
/// holder left unfinished from its last committed page).
pub async fn source_loop(
    deps: Deps,
    rt: Arc<SourceRuntime>,
    leases: Leases,
    mut stop: watch::Receiver<bool>,
) {
    let name = rt.name().to_string();
    // The source's own failures, on its backoff, and the store's, on the database's.
    let mut failures: u32 = 0;
    let mut store_failures: u32 = 0;
    let mut held = leases.watch(&name);
    loop {
        if !*held.borrow_and_update() {
            // Also at every start, until the first try for the lease: not worth an info line.
            tracing::debug!(source = %name, "waiting for the source's lease");
            tokio::select! {
                r = held.wait_for(|h| *h) => if r.is_err() { return },
                _ = stop.wait_for(|s| *s) => return,
            }
            failures = 0;
            store_failures = 0;
        }
        // Whether the last sync failed because the database was away (not the source).
        let mut database_away = false;
        let now = Utc::now();
        let state = deps
            .store
            .source_state(&name, rt.config.kind(), now.timestamp())
            .await;
        let last_full = state.as_ref().ok().and_then(|s| s.last_full_sync_at);
        let mode = mode_for(&rt, last_full, now);
        let wake = match poll_while_held(&deps, &rt, mode, &stop, &leases).await {
            Ok(r) if r.interrupted => {
                if *stop.borrow() {
                    return;
                }
                // Interrupted with no stop: the lease went to another replica (this one
                // saw it, or a page's fence did).
                leases.lost(&name);
                continue;
            }
            Ok(r) => {
                failures = 0;
                store_failures = 0;
                tracing::info!(
                    source = %name,
                    mode = r.mode.map_or("", |m| m.as_str()),
                    resumed = r.resumed,
                    records = r.records,
                    readings = r.readings,
                    readings_new = r.readings_new,
                    created = r.created,
                    changed = r.changed,
                    vanished = r.vanished,
                    seconds = r.duration.as_secs_f64(),
                    "sync done"
                );
                let last_full = if r.mode == Some(SyncMode::Full) {
                    Some(Utc::now().timestamp())
                } else {
                    last_full
                };
                next_wake(&rt.config, last_full, Utc::now())
            }
            Err(e) => {
                let delay = if matches!(e, SyncError::Store { .. }) {
                    // The store failed, not the source: the source's backoff (minutes, made
                    // for its own outages) would hold its polls long after the database came
                    // back, even when the failure came as the database was coming back and
                    // it already answers.
                    store_failures += 1;
                    database_away = !deps.store.ready().await;
                    store_backoff(store_failures)
                } else {
                    failures += 1;
                    // A source that said how long to wait (HTTP 429 Retry-After) is not
                    // asked sooner.
                    backoff(&rt.config, failures).max(e.retry_after().unwrap_or_default())
                };
                tracing::error!(
                    source = %name,
                    error = %e,
                    error_type = e.error_type(),
                    failures = failures + store_failures,
                    retry_in_seconds = delay.as_secs(),
                    "sync failed; stored data is unchanged past the last committed page"
                );
                Utc::now()
                    + chrono::Duration::from_std(delay).unwrap_or_default()
                    + jitter(rt.config.jitter.min(delay))
            }
        };
        let sleep = (wake - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            // While the database is away, its return is what to wait for.
            _ = tokio::time::sleep(sleep), if !database_away => {}
            _ = held.wait_for(|h| !*h) => {}
            _ = database_back(&deps.store), if database_away => {
                tracing::info!(source = %name, "the database answers again; syncing");
            }
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Delay before retrying a sync that failed on the store (the database away, a statement
/// refused) after `failures` such failures in a row: 1 s doubling up to a minute, whatever
/// the source's own backoff, which is for the source's outages.
pub fn store_backoff(failures: u32) -> Duration {
    Duration::from_secs(1 << failures.saturating_sub(1).min(6)).min(STORE_RETRY_MAX)
}

const STORE_RETRY_MAX: Duration = Duration::from_secs(60);

/// How often a source whose sync failed on the database being away checks whether it is
/// back.
const DATABASE_CHECK: Duration = Duration::from_secs(1);

/// Returns once the database answers and is migrated. A sync that failed because the
/// database was away (PostgreSQL restarted, or failing over) is retried then, not after the
/// source's backoff, which is meant for the source's own outages: after a few minutes away
/// that backoff reaches `retry_max_seconds` (15 minutes by default), and every source would
/// wait that long after the database came back.
async fn database_back(store: &Store) {
    loop {
        tokio::time::sleep(DATABASE_CHECK).await;
        if store.ready().await {
            return;
        }
    }
}

/// `Monitor: 883, Printer: 12`.
fn listed(types: &[(String, u64)]) -> String {
    types
        .iter()
        .map(|(t, n)| format!("{t}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn source(extra: &str) -> SourceConfig {
        let c = Config::from_toml(&format!(
            r#"[[sources]]
            name = "g"
            kind = "glpi"
            url = "http://127.0.0.1:1/apirest.php"
            user_token = "t"
            jitter_seconds = 0
            {extra}"#
        ))
        .unwrap();
        c.sources.into_iter().next().unwrap()
    }

    #[test]
    fn a_source_never_fully_synced_gets_a_full_sync() {
        let cfg = source("");
        assert_eq!(mode_due(&cfg, None, Utc::now()), SyncMode::Full);
    }

    #[test]
    fn the_full_sync_schedule_decides_between_full_and_incremental() {
        let cfg = source(r#"full_sync_schedule = "0 30 2 * * *""#);
        let last = Utc.with_ymd_and_hms(2026, 11, 20, 2, 31, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 21, 2, 30, 1).unwrap();
        assert_eq!(
            mode_due(&cfg, Some(last.timestamp()), before),
            SyncMode::Incremental
        );
        assert_eq!(
            mode_due(&cfg, Some(last.timestamp()), after),
            SyncMode::Full
        );
    }

    #[test]
    fn the_next_wake_is_the_nearer_of_both_schedules() {
        let cfg = source(
            r#"schedule = "0 0 * * * *"
            full_sync_schedule = "0 30 2 * * *""#,
        );
        let last = Utc.with_ymd_and_hms(2026, 11, 20, 2, 31, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 2, 10, 0).unwrap();
        assert_eq!(
            next_wake(&cfg, Some(last.timestamp()), now),
            Utc.with_ymd_and_hms(2026, 11, 21, 2, 30, 0).unwrap()
        );
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 10, 0).unwrap();
        assert_eq!(
            next_wake(
                &cfg,
                Some(
                    Utc.with_ymd_and_hms(2026, 11, 21, 2, 31, 0)
                        .unwrap()
                        .timestamp()
                ),
                now
            ),
            Utc.with_ymd_and_hms(2026, 11, 21, 4, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_store_failure_is_retried_within_a_minute_whatever_the_source_backoff() {
        let secs: Vec<u64> = (1..=9).map(|f| store_backoff(f).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let cfg = source("retry_initial_seconds = 10\nretry_max_seconds = 60");
        let secs: Vec<u64> = (1..=5).map(|f| backoff(&cfg, f).as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 40, 60, 60]);
    }
}
