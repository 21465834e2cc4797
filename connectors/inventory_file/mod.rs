//! An inventory kept as a spreadsheet: the CSV or XLSX file a DSI exports from its tool or
//! keeps by hand, read whole at every sync.
//!
//! A file cannot say what changed, so every sync is full (`incremental()` is false) and the
//! core finds the devices that left the file. To keep that cheap when nothing moved, the
//! resting cursor holds the file's SHA-256 and a digest of the mapping keys: a poll that
//! finds both unchanged parses nothing and returns an `unchanged` page, so no device is
//! taken as vanished and none is written again.
//!
//! A sync reads the file once and parses it on a blocking thread that sends its rows a page
//! at a time (`stream.rs`): the first page is stored while the rest is still parsed. The
//! cursor inside a sync is the fingerprint and a row offset, so a fresh connector (a
//! restart) parses again and goes on from there. While the file's size, modification time
//! and inode hold, the pages after the first come from the parse under way; otherwise the
//! file is read and hashed again: when it changed in the middle of a sync, the rows before
//! and after would come from two versions, so that poll fails and the next one reads the new
//! version from its first row.

mod columns;
mod cursor;
mod normalise;
mod notes;
pub mod params;
mod sheet;
mod stream;

#[cfg(test)]
mod contract_tests;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use cursor::FileCursor;
use normalise::Outcome;
use notes::Notes;
pub use params::InventoryFileParams;
use stream::Parse;

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

/// The inventory file connector.
pub struct InventoryFileConnector {
    params: Arc<InventoryFileParams>,
    file: String,
    mapping: String,
    /// The parse of the sync under way (or of the last `check()`), taken out by the poll
    /// that reads from it.
    parse: Mutex<Option<Parse>>,
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

/// Where a poll that read the file starts: at a row, or nowhere when the file and the
/// mapping are those of the last complete sync (the resting cursor, kept).
enum Start {
    Row(u64),
    Unchanged(crate::api::Cursor),
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

impl InventoryFileConnector {
    pub fn new(params: InventoryFileParams) -> Self {
        InventoryFileConnector {
            file: params.file(),
            mapping: params.normalisation_digest(),
            params: Arc::new(params),
            parse: Mutex::new(None),
            change_reported: Mutex::new(None),
        }
    }

    async fn read(&self) -> Result<Read, ConnectorError> {
        let params = Arc::clone(&self.params);
        blocking(&self.file, move || read_and_hash(&params)).await
    }

    /// The parse under way when it goes on at `cursor` and the file is, by its stamp, the
    /// one it reads.
    fn continuing(&self, cursor: &FileCursor) -> Option<Parse> {
        let next_row = cursor.next_row?;
        let mut kept = lock(&self.parse);
        let fits = kept.as_ref().is_some_and(|p| {
            p.next_row == next_row
                && p.fingerprint == cursor.fingerprint
                && cursor.mapping == self.mapping
                && p.stamp.is_some()
                && p.stamp == stamp(&self.params.path)
        });
        if fits { kept.take() } else { None }
    }

    /// The parse of `read` from row `start`: the one kept (by `check()`) when it stands
    /// there, or a new one.
    fn parse_from(&self, read: Read, start: u64) -> Parse {
        let kept = lock(&self.parse)
            .take()
            .filter(|p| p.fingerprint == read.fingerprint && p.next_row == start);
        kept.unwrap_or_else(|| {
            Parse::start(
                read.bytes,
                read.fingerprint,
                read.stamp,
                Arc::clone(&self.params),
                start,
            )
        })
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
        *lock(&self.parse) = None;
        Err(protocol(
            &self.file,
            format!(
                "the file changed during the sync (after row {} of the previous version); the \
                 next poll reads the new version from its first row",
                cursor.next_row.unwrap_or(0)
            ),
        ))
    }

    /// Where a poll that read the file starts.
    fn start_of(
        &self,
        cursor: Option<&FileCursor>,
        fingerprint: &str,
    ) -> Result<Start, ConnectorError> {
        let Some(c) = cursor else {
            return Ok(Start::Row(0));
        };
        Ok(match c.next_row {
            None if c.fingerprint == fingerprint && c.mapping == self.mapping => {
                Start::Unchanged(c.encode())
            }
            None => Start::Row(0),
            Some(_) if c.fingerprint != fingerprint => {
                self.changed_during_sync(c)?;
                Start::Row(0)
            }
            // Rows normalised under two mappings would mix ids and classes.
            Some(_) if c.mapping != self.mapping => Start::Row(0),
            Some(row) => Start::Row(row),
        })
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

    /// Reads the file and parses it up to its first page, as a sync would; the parse is
    /// kept for the next poll.
    async fn check(&self) -> Result<(), ConnectorError> {
        let read = self.read().await?;
        let mut parse = self.parse_from(read, 0);
        let first = parse.next(&self.file).await?;
        parse.pending = Some(first);
        *lock(&self.parse) = Some(parse);
        Ok(())
    }

    async fn poll(&self, request: PollRequest<'_>) -> Result<Page, ConnectorError> {
        let cursor = request
            .cursor
            .map(|c| FileCursor::decode(c, &self.file))
            .transpose()?;
        // Inside a sync, the parse under way serves while the file's stamp is unchanged;
        // otherwise (a new sync, a new process, a rewritten file) the file is read and
        // hashed whole, and parsed from the cursor's row.
        let mut parse = match cursor.as_ref().and_then(|c| self.continuing(c)) {
            Some(parse) => parse,
            None => {
                let read = self.read().await?;
                match self.start_of(cursor.as_ref(), &read.fingerprint)? {
                    Start::Row(start) => self.parse_from(read, start),
                    Start::Unchanged(cursor) => {
                        tracing::debug!(file = %self.file, "unchanged since the last sync");
                        return Ok(Page {
                            cursor,
                            done: true,
                            unchanged: true,
                            ..Page::default()
                        });
                    }
                }
            }
        };
        let chunk = parse.next(&self.file).await?;
        let mut records = Vec::with_capacity(chunk.outcomes.len());
        let mut rejected = 0;
        let mut notes = Notes::default();
        parse.next_row += chunk.outcomes.len() as u64;
        for outcome in chunk.outcomes {
            match outcome {
                Outcome::Record { record, note } => {
                    records.push(record);
                    if let Some(note) = note {
                        notes.push(&note);
                    }
                }
                Outcome::Rejected(why) => {
                    rejected += 1;
                    notes.push(&why);
                }
            }
        }
        notes.log(&self.file);
        let done = chunk.end.is_some();
        if let Some(end) = &chunk.end {
            tracing::info!(
                file = %self.file,
                read = %end.described,
                rows = end.rows,
                records = end.records,
                "inventory file parsed"
            );
        }
        let page = Page {
            records,
            readings: Vec::new(),
            cursor: FileCursor {
                fingerprint: parse.fingerprint.clone(),
                mapping: self.mapping.clone(),
                next_row: (!done).then_some(parse.next_row),
            }
            .encode(),
            done,
            unchanged: false,
            rejected,
            total_hint: parse.records(),
            failure: None,
        };
        if !done {
            *lock(&self.parse) = Some(parse);
        }
        Ok(page)
    }
}
