//! An inventory kept as a spreadsheet: the CSV or XLSX file a DSI exports from its tool or
//! keeps by hand, read whole at every sync.
//!
//! A file cannot say what changed, so every sync is full (`incremental()` is false) and the
//! core finds the devices that left the file. To keep that cheap when nothing moved, the
//! resting cursor holds the file's SHA-256 and a digest of the mapping keys: a poll that
//! finds both unchanged parses nothing and returns an `unchanged` page, so no device is
//! taken as vanished and none is written again.
//!
//! A sync parses the file once, on a blocking thread, and keeps the rows in the connector
//! between its pages (keyed by the fingerprint); the cursor inside a sync is the fingerprint
//! and a row offset, so a fresh connector (a restart) parses again and goes on from there.
//! The file is hashed at every poll: when it changed in the middle of a sync, the rows
//! before and after would come from two versions, so that poll fails and the next one reads
//! the new version from its first row.

mod columns;
mod cursor;
mod normalise;
mod notes;
pub mod params;
mod sheet;

#[cfg(test)]
mod contract_tests;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use columns::{Header, Matcher};
use cursor::FileCursor;
use normalise::Outcome;
use notes::Notes;
pub use params::InventoryFileParams;
use sheet::ReadOptions;

use crate::api::{Connector, Page, PollRequest};
use crate::error::ConnectorError;
use crate::framework::kind::{Kind, SourceParams};
use crate::params::Params;

/// The registry's entry for `kind = "inventory_file"`.
pub const KIND: Kind = Kind {
    name: "inventory_file",
    read: |p: &mut Params| {
        InventoryFileParams::from_params(p).map(|s| Box::new(s) as Box<dyn SourceParams>)
    },
};

/// The file as parsed for one fingerprint.
#[derive(Debug)]
struct Loaded {
    fingerprint: String,
    /// The file's size, modification time and inode when it was read: while they hold, the
    /// pages after the first of a sync use the rows kept without reading and hashing the
    /// whole file again (20 times for 100,000 rows in pages of 5,000).
    stamp: Option<FileStamp>,
    outcomes: Vec<Outcome>,
    /// Rows that gave a record (the page's `total_hint`).
    records: u64,
    /// Which sheet or separator was read, for the log.
    described: String,
}

/// The inventory file connector.
pub struct InventoryFileConnector {
    params: Arc<InventoryFileParams>,
    file: String,
    mapping: String,
    /// The rows of the sync under way (or of the last `check()`).
    loaded: Mutex<Option<Arc<Loaded>>>,
    /// The fingerprint of the version whose sync this connector failed because the file
    /// changed: the next poll with that cursor starts over instead of failing again.
    change_reported: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values are replaced whole; one left by a panicking poll is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn protocol(file: &str, detail: impl Into<String>) -> ConnectorError {
    ConnectorError::Protocol {
        endpoint: file.to_string(),
        detail: detail.into(),
    }
}

async fn blocking<T: Send + 'static>(
    file: &str,
    work: impl FnOnce() -> Result<T, ConnectorError> + Send + 'static,
) -> Result<T, ConnectorError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| protocol(file, format!("reading the file stopped: {e}")))?
}

/// The file's bytes, their SHA-256, and the file's stamp taken before the read (a write
/// during the read then shows at the next page).
fn read_and_hash(params: &InventoryFileParams) -> Result<Read, ConnectorError> {
    let file_stamp = stamp(&params.path);
    let bytes = std::fs::read(&params.path).map_err(|e| ConnectorError::Connect {
        endpoint: params.file(),
        reason: format!("the file cannot be read: {e}"),
    })?;
    let fingerprint = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Read {
        bytes,
        fingerprint,
        stamp: file_stamp,
    })
}

/// Where a page's rows come from.
enum Rows {
    Kept(Arc<Loaded>),
    Read(Read),
}

/// The file as read by one poll.
struct Read {
    bytes: Vec<u8>,
    fingerprint: String,
    stamp: Option<FileStamp>,
}

/// What tells a file rewritten or replaced from the one read: a new export written in place
/// changes its size or modification time, one renamed over it changes the inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: std::time::SystemTime,
    inode: u64,
}

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        len: m.len(),
        modified: m.modified().ok()?,
        inode: m.ino(),
    })
}

fn parse(
    bytes: Vec<u8>,
    fingerprint: String,
    file_stamp: Option<FileStamp>,
    params: &InventoryFileParams,
) -> Result<Loaded, ConnectorError> {
    let file = params.file();
    let matcher = Matcher::new(&params.columns);
    let opts = ReadOptions {
        sheet: params.sheet.as_deref(),
        delimiter: params.delimiter,
        encoding: params.encoding,
    };
    let table = sheet::read(bytes, &params.path, opts, &|cells| matcher.score(cells))
        .map_err(|e| protocol(&file, e.to_string()))?;
    if table
        .rows
        .iter()
        .all(|r| r.cells.iter().all(|c| c.trim().is_empty()))
    {
        return Err(protocol(&file, sheet::SheetError::Empty.to_string()));
    }
    let header = Header::find(
        table.rows.iter().map(|r| (r.line, r.cells.as_slice())),
        &matcher,
        &format!(" of the {}", table.described),
    )
    .map_err(|e| protocol(&file, e.to_string()))?;
    let outcomes = normalise::rows(&table, &header, params);
    let header_line = table.rows[header.index].line;
    if outcomes.is_empty() {
        return Err(protocol(
            &file,
            format!(
                "the header (row {header_line}) has no rows under it: refused, so that an export \
                 cut short does not empty the fleet; export the inventory again"
            ),
        ));
    }
    let records = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Record { .. }))
        .count() as u64;
    if records == 0 {
        let first: Vec<&str> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Rejected(why) => Some(why.as_str()),
                Outcome::Record { .. } => None,
            })
            .take(3)
            .collect();
        return Err(protocol(
            &file,
            format!(
                "none of the {} rows could be read as a device, refused so that the fleet is not \
                 emptied: {}",
                outcomes.len(),
                first.join("; ")
            ),
        ));
    }
    Ok(Loaded {
        fingerprint,
        stamp: file_stamp,
        outcomes,
        records,
        described: table.described,
    })
}

impl InventoryFileConnector {
    pub fn new(params: InventoryFileParams) -> Self {
        InventoryFileConnector {
            file: params.file(),
            mapping: params.normalisation_digest(),
            params: Arc::new(params),
            loaded: Mutex::new(None),
            change_reported: Mutex::new(None),
        }
    }

    async fn read(&self) -> Result<Read, ConnectorError> {
        let params = Arc::clone(&self.params);
        blocking(&self.file, move || read_and_hash(&params)).await
    }

    /// The rows kept from the page before when the file is, by its stamp, the one they
    /// were read from.
    fn kept_if_unchanged(&self) -> Option<Arc<Loaded>> {
        let kept = lock(&self.loaded).as_ref().map(Arc::clone)?;
        let now = stamp(&self.params.path)?;
        (kept.stamp.as_ref() == Some(&now)).then_some(kept)
    }

    /// The parsed file for `fingerprint`: the one kept from an earlier page, or parsed now.
    async fn load(&self, read: Read) -> Result<Arc<Loaded>, ConnectorError> {
        if let Some(loaded) = lock(&self.loaded)
            .as_ref()
            .filter(|l| l.fingerprint == read.fingerprint)
        {
            return Ok(Arc::clone(loaded));
        }
        let params = Arc::clone(&self.params);
        let loaded = Arc::new(
            blocking(&self.file, move || {
                parse(read.bytes, read.fingerprint, read.stamp, &params)
            })
            .await?,
        );
        tracing::info!(
            file = %self.file,
            read = %loaded.described,
            rows = loaded.outcomes.len(),
            records = loaded.records,
            "inventory file parsed"
        );
        *lock(&self.loaded) = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// The first poll after the file changed under a sync fails; the next starts over.
    fn changed_during_sync(&self, cursor: &FileCursor) -> Result<(), ConnectorError> {
        let mut reported = lock(&self.change_reported);
        if reported.as_deref() == Some(cursor.fingerprint.as_str()) {
            *reported = None;
            tracing::info!(file = %self.file, "reading the changed file from its first row");
            return Ok(());
        }
        *reported = Some(cursor.fingerprint.clone());
        *lock(&self.loaded) = None;
        Err(protocol(
            &self.file,
            format!(
                "the file changed during the sync (after row {} of the previous version); the \
                 next poll reads the new version from its first row",
                cursor.next_row.unwrap_or(0)
            ),
        ))
    }
}

#[async_trait]
impl Connector for InventoryFileConnector {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    fn incremental(&self) -> bool {
        false
    }

    /// Reads and parses the file, as a sync would; the rows are kept for the next poll.
    async fn check(&self) -> Result<(), ConnectorError> {
        let read = self.read().await?;
        self.load(read).await.map(|_| ())
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let cursor = request
            .cursor
            .map(|c| FileCursor::decode(c, &self.file))
            .transpose()?;
        // Inside a sync, the rows kept from the page before serve while the file's stamp is
        // unchanged; otherwise (a new sync, a new process, a rewritten file) it is read and
        // hashed whole.
        let kept = cursor
            .as_ref()
            .filter(|c| c.next_row.is_some())
            .and_then(|_| self.kept_if_unchanged());
        let rows = match kept {
            Some(k) => Rows::Kept(k),
            None => Rows::Read(self.read().await?),
        };
        let fingerprint = match &rows {
            Rows::Kept(k) => k.fingerprint.clone(),
            Rows::Read(r) => r.fingerprint.clone(),
        };
        let start = match &cursor {
            None => 0,
            Some(c) => match c.next_row {
                None if c.fingerprint == fingerprint && c.mapping == self.mapping => {
                    tracing::debug!(file = %self.file, "unchanged since the last sync");
                    return Ok(Page {
                        cursor: c.encode(),
                        done: true,
                        unchanged: true,
                        ..Page::default()
                    });
                }
                None => 0,
                Some(_) if c.fingerprint != fingerprint => {
                    self.changed_during_sync(c)?;
                    0
                }
                // Rows normalised under two mappings would mix ids and classes.
                Some(_) if c.mapping != self.mapping => 0,
                Some(row) => row,
            },
        };
        let loaded = match rows {
            Rows::Kept(kept) => kept,
            Rows::Read(read) => self.load(read).await?,
        };
        let total = loaded.outcomes.len() as u64;
        if start > total {
            return Err(protocol(
                &self.file,
                format!(
                    "the stored cursor points at row {start} but the file has {total}; reset it \
                     with a full sync"
                ),
            ));
        }
        let end = (start + self.params.page_size).min(total);
        let mut records = Vec::with_capacity((end - start) as usize);
        let mut rejected = 0;
        let mut notes = Notes::default();
        for outcome in &loaded.outcomes[start as usize..end as usize] {
            match outcome {
                Outcome::Record { record, note } => {
                    records.push(record.clone());
                    if let Some(note) = note {
                        notes.push(note);
                    }
                }
                Outcome::Rejected(why) => {
                    rejected += 1;
                    notes.push(why);
                }
            }
        }
        notes.log(&self.file);
        let done = end == total;
        if done {
            *lock(&self.loaded) = None;
        }
        Ok(Page {
            records,
            readings: Vec::new(),
            cursor: FileCursor {
                fingerprint: loaded.fingerprint.clone(),
                mapping: self.mapping.clone(),
                next_row: (!done).then_some(end),
            }
            .encode(),
            done,
            unchanged: false,
            rejected,
            total_hint: Some(loaded.records),
            failure: None,
        })
    }
}
