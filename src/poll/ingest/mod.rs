//! Ingest: one page becomes state changes, in one transaction with its cursor.
//!
//! Records (inventory sources) are diffed against the stored assets (`records.rs`); at the
//! end of a full sync the assets it did not see are vanished (`vanish.rs`); readings are
//! appended (`readings.rs`). The same page applied twice changes nothing, so replaying it
//! after a crash is safe.

mod readings;
mod records;
mod vanish;

pub use readings::RESPONDING;
pub use vanish::GUARD_MIN_LIVE;

use parcd_connectors::{Page, Role, SyncMode};

use crate::store::{ChangeNote, Store, StoreError};

pub use records::{FirstImport, asset_hash};

/// The sync a page belongs to.
#[derive(Debug, Clone)]
pub struct SyncContext {
    pub source: String,
    pub role: Role,
    pub sync_id: String,
    pub mode: SyncMode,
    pub sync_started_at: i64,
    pub run_id: String,
    /// Share of an item type's live assets a full sync may miss before the type is held
    /// rather than vanished (see `vanish.rs`); 100 turns the hold off.
    pub vanish_max_percent: i64,
    /// Set when the sync began on a source with no asset stored (see `FirstImport`).
    pub first_import: Option<FirstImport>,
}

/// What one page changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageOutcome {
    pub records: u64,
    pub created: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub vanished: u64,
    pub events: u64,
    /// A full sync that saw nothing while the store holds live assets is taken for a
    /// broken answer, and nothing is marked vanished.
    pub vanish_refused: bool,
    /// Item types held back from vanishing by this sync, with the assets it missed.
    pub vanish_held: Vec<(String, u64)>,
    /// Item types an earlier sync held and this one confirmed: vanished.
    pub vanish_confirmed: Vec<(String, u64)>,
    /// Readings on the page, and how many of them were new to the store.
    pub readings: u64,
    pub readings_new: u64,
    /// Of the devices a telemetry page says whether they answered (its `responding`
    /// readings): how many did, and how many were polled.
    pub devices_responding: Option<(u64, u64)>,
    /// How much the page's new readings add to each counter quantity's increase, as the
    /// stored series of each subject computes it, summed over subjects (a replayed page
    /// adds nothing; a reset adds nothing for its step; see `readings::counter_steps`).
    pub counter_steps: std::collections::BTreeMap<String, f64>,
    /// Rows the connector could not read as devices (see `Page::rejected`).
    pub rejected: u64,
    /// External ids whose stored asset or purchase changed: what the indicators recompute.
    pub changed_ids: Vec<String>,
}

/// Applies `page` and advances the source's cursor, atomically.
pub async fn apply_page(
    store: &Store,
    cx: &SyncContext,
    page: &Page,
    now: i64,
) -> Result<PageOutcome, StoreError> {
    apply_page_fenced(store, cx, page, now, None).await
}

/// [`apply_page`], committed only while `fence`'s holder holds the source's lease (a
/// PostgreSQL replica; see `poll::lease`): otherwise nothing is written and the error is
/// `StoreError::LeaseLost`.
pub async fn apply_page_fenced(
    store: &Store,
    cx: &SyncContext,
    page: &Page,
    now: i64,
    fence: Option<&crate::poll::lease::Fence>,
) -> Result<PageOutcome, StoreError> {
    let mut out = PageOutcome {
        rejected: page.rejected,
        ..PageOutcome::default()
    };
    let mut tx = store.begin().await?;
    records::apply(&mut tx, cx, &page.records, now, &mut out).await?;
    readings::apply(&mut tx, cx, &page.readings, now, &mut out).await?;
    let full = cx.mode == SyncMode::Full;
    // A telemetry source measures and never says which devices exist; a source that has not
    // changed since its last read said nothing about what vanished.
    if page.done && full && cx.role == Role::Inventory && !page.unchanged {
        vanish::apply(&mut tx, cx, now, &mut out).await?;
    }
    let sync = (!page.done).then_some((cx.mode.as_str(), cx.sync_id.as_str(), cx.sync_started_at));
    tx.save_cursor(&cx.source, &page.cursor.0, sync).await?;
    // A round stored beside its failure (see `Page::failure`) is no success of the source.
    if page.done && page.failure.is_none() {
        tx.sync_completed(&cx.source, full, now).await?;
    }
    tx.add_to_run(
        &cx.run_id,
        out.records as i64,
        out.created as i64,
        out.changed as i64,
        out.vanished as i64,
    )
    .await?;
    if let Some(note) = change_note(store, cx, page, &out, now) {
        tx.announce(&note).await?;
    }
    // Last, so the lease row stays locked no longer than the commit takes.
    if let Some(f) = fence {
        tx.fence_lease(&cx.source, &f.holder, f.ttl_ms).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// What the page changed, for the other processes on the store; `None` when it changed
/// nothing they show (a page of unchanged records only moves the cursor).
fn change_note(
    store: &Store,
    cx: &SyncContext,
    page: &Page,
    out: &PageOutcome,
    now: i64,
) -> Option<ChangeNote> {
    let completed = page.done && page.failure.is_none();
    let assets = out.created + out.changed + out.vanished > 0;
    let readings = out.readings_new > 0;
    if !(completed || assets || readings || !out.changed_ids.is_empty()) {
        return None;
    }
    Some(ChangeNote {
        origin: store.origin().to_string(),
        source: cx.source.clone(),
        at_ms: chrono::Utc::now().timestamp_millis(),
        ids: Some(out.changed_ids.clone()),
        assets,
        readings,
        counter_steps: out.counter_steps.clone(),
        responding: out.devices_responding,
        completed_at: completed.then_some(now),
    })
}
