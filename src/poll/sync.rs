//! One sync of one source: pages from the connector, each applied with its cursor.

use std::time::{Duration, Instant};

use parcd_connectors::{Connector, ConnectorError, Cursor, PollRequest, Role, SyncMode};
use thiserror::Error;
use tokio::sync::watch;

use crate::config::SourceConfig;
use crate::poll::ingest::{PageOutcome, SyncContext, apply_page_fenced};
use crate::store::{PollRun, Store, StoreError};

/// A configured source and its connector.
pub struct SourceRuntime {
    pub config: SourceConfig,
    pub connector: Box<dyn Connector>,
}

impl SourceRuntime {
    pub fn name(&self) -> &str {
        &self.config.name
    }
}

#[derive(Debug, Error)]
pub enum SyncError {
    #[error("source {source_name}: {error}")]
    Connector {
        source_name: String,
        #[source]
        error: ConnectorError,
    },
    #[error("source {source_name}: cannot store what was read: {error}")]
    Store {
        source_name: String,
        #[source]
        error: StoreError,
    },
}

impl SyncError {
    /// How long the source asked to be left alone, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Connector { error, .. } => error.retry_after(),
            SyncError::Store { .. } => None,
        }
    }

    /// The bounded `error_type` label.
    pub fn error_type(&self) -> &'static str {
        match self {
            SyncError::Connector { error, .. } => error.error_type().as_str(),
            SyncError::Store { .. } => "store",
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub source: String,
    pub mode: Option<SyncMode>,
    /// The sync continued one a previous process had left unfinished.
    pub resumed: bool,
    pub pages: u64,
    pub records: u64,
    pub created: u64,
    pub changed: u64,
    pub vanished: u64,
    pub vanish_refused: bool,
    /// Item types held back from vanishing, and confirmed vanished (see `ingest/vanish.rs`).
    pub vanish_held: Vec<(String, u64)>,
    pub vanish_confirmed: Vec<(String, u64)>,
    /// Readings on the pages, and how many were new to the store.
    pub readings: u64,
    pub readings_new: u64,
    /// Rows of the source left out as unreadable (see `Page::rejected`).
    pub rejected: u64,
    /// Stopped by a shutdown between two pages, or by the loss of the source's lease to
    /// another replica; the next start, or the new holder, resumes it.
    pub interrupted: bool,
    pub duration: Duration,
}

/// Progress of a sync under way, after each committed page.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub page: &'a PageOutcome,
    pub records_so_far: u64,
    pub total_hint: Option<u64>,
}

/// Pages a connector may read ahead of the one being written. Two keep both the source and
/// the database busy (a page being parsed while the one before waits for its write); more
/// only hold more memory.
const READ_AHEAD: usize = 2;

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

fn new_id(source: &str) -> String {
    format!(
        "{source}-{}-{:08x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
        fastrand::u32(..)
    )
}

/// Runs one sync of `rt` to its end (or to a shutdown). A sync that a previous process
/// left unfinished is resumed from its last committed page, whatever `requested` says.
pub async fn run_sync(
    store: &Store,
    rt: &SourceRuntime,
    requested: SyncMode,
    on_page: &mut (dyn FnMut(Progress<'_>) + Send),
    stop: watch::Receiver<bool>,
) -> Result<SyncReport, SyncError> {
    run_sync_fenced(store, rt, requested, on_page, stop, None).await
}

/// [`run_sync`] whose pages commit only while `fence`'s holder holds the source's lease
/// (PostgreSQL replicas): a page after a takeover fails with `StoreError::LeaseLost` and
/// the sync stops there, for the new holder to resume.
pub async fn run_sync_fenced(
    store: &Store,
    rt: &SourceRuntime,
    requested: SyncMode,
    on_page: &mut (dyn FnMut(Progress<'_>) + Send),
    stop: watch::Receiver<bool>,
    fence: Option<&crate::poll::lease::Fence>,
) -> Result<SyncReport, SyncError> {
    let source = rt.name().to_string();
    let store_err = |error| SyncError::Store {
        source_name: source.clone(),
        error,
    };
    let started = Instant::now();
    let state = store
        .source_state(&source, rt.config.kind(), now_s())
        .await
        .map_err(store_err)?;
    let (mode, sync_id, resumed) = match &state.sync {
        Some((mode, id)) => (
            SyncMode::parse(mode).unwrap_or(SyncMode::Full),
            id.clone(),
            true,
        ),
        None => (requested, new_id(&source), false),
    };
    let sync_started_at = now_s();
    let mut run = PollRun {
        id: new_id(&source),
        source: source.clone(),
        sync_id: sync_id.clone(),
        mode: mode.as_str().to_string(),
        started_at: sync_started_at,
        outcome: "running".into(),
        ..Default::default()
    };
    store.start_run(&run).await.map_err(store_err)?;
    // A source with nothing stored yet: its first import need not look up what it reads.
    let first_import = (!store.has_assets(&source).await.map_err(store_err)?)
        .then(crate::poll::ingest::FirstImport::default);
    let cx = SyncContext {
        source: source.clone(),
        role: rt.connector.role(),
        sync_id,
        mode,
        sync_started_at,
        run_id: run.id.clone(),
        vanish_max_percent: rt.config.vanish_max_percent,
        first_import,
    };
    let mut report = SyncReport {
        source: source.clone(),
        mode: Some(mode),
        resumed,
        ..Default::default()
    };
    let cursor = state.cursor.map(Cursor);
    let connector_err = |error| SyncError::Connector {
        source_name: source.clone(),
        error,
    };
    let result: Result<(), SyncError> = async {
        // A source that polls an inventory's devices gets them as the store holds them
        // now: a device gone from the inventory, or moved to another address, is seen at
        // this round.
        let inventory = match rt.connector.inventory_feed() {
            Some(feed) => store
                .inventory_devices(&feed.source, &feed.classes)
                .await
                .map_err(store_err)?,
            None => Vec::new(),
        };
        // The connector reads ahead of the store, up to READ_AHEAD pages, each from the
        // cursor of the page before it: reading (the source's server, the parse) and
        // writing (the database) then overlap instead of taking turns. A page is still
        // committed with its own cursor, in order, so a crash resumes from the last one
        // committed. A stop lets the write under way finish and drops the reads.
        let (pages_tx, mut pages) = tokio::sync::mpsc::channel(READ_AHEAD);
        let mut stop_reads = stop.clone();
        let read = async {
            // Owned here, so that the writes see the channel close when the reads stop.
            let pages_tx = pages_tx;
            let mut at = cursor.clone();
            loop {
                let request = PollRequest {
                    mode,
                    cursor: at.as_ref(),
                    inventory: &inventory,
                };
                let page = tokio::select! {
                    page = rt.connector.poll(request) => page,
                    _ = stop_reads.wait_for(|s| *s) => return,
                };
                let last = page.as_ref().map_or(true, |p| p.done);
                at = page.as_ref().ok().map(|p| p.cursor.clone());
                if pages_tx.send(page).await.is_err() || last {
                    return;
                }
            }
        };
        let write = async {
            loop {
                // Pages read ahead are not written once a stop is asked.
                let page = match pages.recv().await {
                    Some(page) if !*stop.borrow() => page,
                    _ => {
                        report.interrupted = true;
                        return Ok(());
                    }
                };
                let page = page.map_err(connector_err)?;
                if let Some(e) = &page.failure
                    && (cx.role != Role::Telemetry || !page.done)
                {
                    // Only a telemetry round's last page may be stored beside its failure: an
                    // inventory page from a failed read would vanish the devices it missed.
                    return Err(connector_err(e.clone()));
                }
                if cx.role == Role::Telemetry && !page.records.is_empty() {
                    // A telemetry source adding devices would count a polled printer a
                    // second time beside its inventory record.
                    return Err(connector_err(ConnectorError::Protocol {
                        endpoint: rt.connector.kind().to_string(),
                        detail: format!(
                            "a telemetry source returned {} device records; it may only return readings",
                            page.records.len()
                        ),
                    }));
                }
                let outcome = apply_page_fenced(store, &cx, &page, now_s(), fence)
                    .await
                    .map_err(store_err)?;
                report.pages += 1;
                report.records += outcome.records;
                report.created += outcome.created;
                report.changed += outcome.changed;
                report.vanished += outcome.vanished;
                report.vanish_refused |= outcome.vanish_refused;
                report.vanish_held.extend(outcome.vanish_held.iter().cloned());
                report
                    .vanish_confirmed
                    .extend(outcome.vanish_confirmed.iter().cloned());
                report.readings += outcome.readings;
                report.readings_new += outcome.readings_new;
                report.rejected += outcome.rejected;
                on_page(Progress {
                    page: &outcome,
                    records_so_far: report.records,
                    total_hint: page.total_hint,
                });
                if page.done {
                    // Stored, and still the source's failure: its devices read as not
                    // answering, the source as down.
                    return match &page.failure {
                        Some(e) => Err(connector_err(e.clone())),
                        None => Ok(()),
                    };
                }
            }
        };
        // The reads end when the writes do: an error, the last page, or a stop. Reads that
        // have ended (the last page read, or a stop) leave the writes to finish.
        let read = async {
            read.await;
            std::future::pending::<()>().await
        };
        tokio::select! {
            result = write => result,
            () = read => unreachable!("the reads never end on their own"),
        }
    }
    .await;
    // Another replica holds the lease now: this one stops, as at a shutdown, and the new
    // holder resumes from the last page committed.
    let result = match result {
        Err(SyncError::Store {
            error: StoreError::LeaseLost { .. },
            ..
        }) => {
            report.interrupted = true;
            Ok(())
        }
        other => other,
    };
    report.duration = started.elapsed();
    run.finished_at = Some(now_s());
    match &result {
        Ok(()) if report.interrupted => run.outcome = "interrupted".into(),
        Ok(()) => run.outcome = "success".into(),
        Err(e) => {
            run.outcome = "error".into();
            run.error_type = Some(e.error_type().to_string());
            run.error_message = Some(e.to_string());
        }
    }
    // The run record is bookkeeping: failing to write it must not hide the sync's own result.
    if let Err(e) = store.finish_run(&run).await {
        tracing::warn!(source = %source, error = %e, "cannot record the end of the poll run");
    }
    result.map(|()| report)
}
