//! The parse of one version of the file under way: a blocking thread reads its rows and
//! sends them a page at a time, so that the core stores the first pages while the rest of
//! the file is still being parsed.
//!
//! What only the whole file can tell still holds before anything is stored: a file with no
//! row under its header, or none readable as a device, fails its first page, since the
//! pages are held back until a row gave a device. The thread keeps a page ahead, so that the
//! page with the file's last row is the one marked last.

use std::sync::{Arc, OnceLock};

use tokio::sync::mpsc;

use super::columns::{HEADER_SEARCH_ROWS, Header, Matcher};
use super::normalise::{Normaliser, Outcome};
use super::params::InventoryFileParams;
use super::sheet::{self, ReadOptions, Row, SheetError};
use super::{FileStamp, protocol};
use crate::error::ConnectorError;

/// Pages parsed ahead of the one being stored: enough for the parse never to keep the core
/// waiting, few enough that a 100,000-row file is never held whole in memory.
const PAGES_AHEAD: usize = 4;

/// One page's rows.
pub(super) struct Chunk {
    pub outcomes: Vec<Outcome>,
    /// On the page with the file's last row: what was read, for the log.
    pub end: Option<End>,
}

/// The whole file, known once its last row is parsed.
pub(super) struct End {
    pub described: String,
    pub rows: u64,
    pub records: u64,
}

/// The parse of one version of the file, from row `next_row` on.
pub(super) struct Parse {
    pub fingerprint: String,
    pub stamp: Option<FileStamp>,
    /// The row (counted as the cursor counts them) that the next page starts at.
    pub next_row: u64,
    /// A page received before it was asked for (by `check()`).
    pub pending: Option<Chunk>,
    chunks: mpsc::Receiver<Result<Chunk, ConnectorError>>,
    /// Rows of the whole file that gave a record, once it is parsed to its end.
    records: Arc<OnceLock<u64>>,
}

impl Parse {
    /// Starts parsing `bytes` on a blocking thread; the pages start at row `skip`.
    pub fn start(
        bytes: Vec<u8>,
        fingerprint: String,
        stamp: Option<FileStamp>,
        params: Arc<InventoryFileParams>,
        skip: u64,
    ) -> Parse {
        let (tx, chunks) = mpsc::channel(PAGES_AHEAD);
        let records = Arc::new(OnceLock::new());
        let total = Arc::clone(&records);
        tokio::task::spawn_blocking(move || {
            let mut send = |chunk: Chunk| tx.blocking_send(Ok(chunk)).is_ok();
            if let Err(e) = produce(bytes, &params, skip, &total, &mut send) {
                // The receiver may be gone: nobody is waiting for this version any more.
                let _ = tx.blocking_send(Err(e));
            }
        });
        Parse {
            fingerprint,
            stamp,
            next_row: skip,
            pending: None,
            chunks,
            records,
        }
    }

    /// The next page's rows, waiting for the parse when it is behind.
    pub async fn next(&mut self, file: &str) -> Result<Chunk, ConnectorError> {
        if let Some(chunk) = self.pending.take() {
            return Ok(chunk);
        }
        match self.chunks.recv().await {
            Some(chunk) => chunk,
            None => Err(protocol(file, "reading the file stopped before its end")),
        }
    }

    /// Records in the whole file, when it has been parsed to its end.
    pub fn records(&self) -> Option<u64> {
        self.records.get().copied()
    }
}

/// Where the parse stands.
enum Stage<'a> {
    /// Looking for the header among the first rows.
    Top(Vec<Row>),
    /// Under the header.
    Data(Box<Normaliser<'a>>),
    /// No header was found: the rest of the file only tells whether it is empty.
    NoHeader { error: String, anything: bool },
}

/// The rows of the data pages and the file-wide checks, as the rows come.
struct Pages<'p> {
    page_size: usize,
    skip: u64,
    /// Data rows seen (blank rows aside), and those that gave a record.
    rows: u64,
    records: u64,
    /// The page being filled, and the full ones held back until a row gave a record.
    current: Vec<Outcome>,
    held: Vec<Vec<Outcome>>,
    send: &'p mut dyn FnMut(Chunk) -> bool,
    /// False once nobody waits for the pages.
    open: bool,
}

impl Pages<'_> {
    fn push(&mut self, outcome: Outcome) {
        let row = self.rows;
        self.rows += 1;
        if matches!(outcome, Outcome::Record { .. }) {
            self.records += 1;
        }
        if row < self.skip {
            return;
        }
        if self.current.len() == self.page_size {
            // A row after a full page: that page is not the last one.
            let full = std::mem::replace(&mut self.current, Vec::with_capacity(self.page_size));
            self.held.push(full);
            if self.records > 0 {
                for outcomes in std::mem::take(&mut self.held) {
                    self.open &= (self.send)(Chunk {
                        outcomes,
                        end: None,
                    });
                }
            }
        }
        self.current.push(outcome);
    }
}

/// Parses the file and sends its pages; the error that stops it, if one does.
fn produce(
    bytes: Vec<u8>,
    params: &InventoryFileParams,
    skip: u64,
    records_total: &OnceLock<u64>,
    send: &mut dyn FnMut(Chunk) -> bool,
) -> Result<(), ConnectorError> {
    let file = params.file();
    let matcher = Matcher::new(&params.columns);
    let opts = ReadOptions {
        sheet: params.sheet.as_deref(),
        delimiter: params.delimiter,
        encoding: params.encoding,
    };
    let sheet = sheet::open(bytes, &params.path, opts, &|cells| matcher.score(cells))
        .map_err(|e| protocol(&file, e.to_string()))?;
    let described = sheet.described.clone();
    let where_ = format!(" of the {described}");
    let mut stage = Stage::Top(Vec::new());
    let mut header_line = 0;
    let mut pages = Pages {
        page_size: usize::try_from(params.page_size).unwrap_or(usize::MAX),
        skip,
        rows: 0,
        records: 0,
        current: Vec::new(),
        held: Vec::new(),
        send,
        open: true,
    };
    sheet
        .rows(&mut |row| {
            match &mut stage {
                Stage::Data(rows) => {
                    if let Some(outcome) = rows.row(&row) {
                        pages.push(outcome);
                    }
                }
                Stage::Top(top) => {
                    let scored = matcher.score(&row.cells) >= 2;
                    top.push(row);
                    if scored || top.len() == HEADER_SEARCH_ROWS {
                        let found = Header::find(
                            top.iter().map(|r| (r.line, r.cells.as_slice())),
                            &matcher,
                            &where_,
                        );
                        stage = match found {
                            Ok(header) => {
                                header_line = top[header.index].line;
                                let cells = std::mem::take(&mut top[header.index].cells);
                                Stage::Data(Box::new(Normaliser::new(header, &cells, params)))
                            }
                            Err(e) => Stage::NoHeader {
                                error: e.to_string(),
                                anything: top.iter().any(|r| !blank(r)),
                            },
                        };
                    }
                }
                Stage::NoHeader { anything, .. } => *anything |= !blank(&row),
            }
            // A header error is final once a row shows the file is not empty.
            let settled = matches!(stage, Stage::NoHeader { anything: true, .. });
            pages.open && !settled
        })
        .map_err(|e| protocol(&file, e.to_string()))?;
    if !pages.open {
        return Ok(());
    }
    match stage {
        Stage::Data(_) => {}
        Stage::Top(top) if top.iter().all(blank) => {
            return Err(protocol(&file, SheetError::Empty.to_string()));
        }
        Stage::Top(top) => {
            let e = Header::find(
                top.iter().map(|r| (r.line, r.cells.as_slice())),
                &matcher,
                &where_,
            )
            .err()
            .map_or_else(|| "no header row".to_string(), |e| e.to_string());
            return Err(protocol(&file, e));
        }
        Stage::NoHeader {
            anything: false, ..
        } => return Err(protocol(&file, SheetError::Empty.to_string())),
        Stage::NoHeader { error, .. } => return Err(protocol(&file, error)),
    }
    if pages.rows == 0 {
        return Err(protocol(
            &file,
            format!(
                "the header (row {header_line}) has no rows under it: refused, so that an export \
                 cut short does not empty the fleet; export the inventory again"
            ),
        ));
    }
    if pages.records == 0 {
        let first: Vec<&str> = pages
            .held
            .iter()
            .flatten()
            .chain(&pages.current)
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
                pages.rows,
                first.join("; ")
            ),
        ));
    }
    if skip > pages.rows {
        return Err(protocol(
            &file,
            format!(
                "the stored cursor points at row {skip} but the file has {}; reset it with a full \
                 sync",
                pages.rows
            ),
        ));
    }
    let _ = records_total.set(pages.records);
    for outcomes in std::mem::take(&mut pages.held) {
        if !(pages.send)(Chunk {
            outcomes,
            end: None,
        }) {
            return Ok(());
        }
    }
    (pages.send)(Chunk {
        outcomes: pages.current,
        end: Some(End {
            described,
            rows: pages.rows,
            records: pages.records,
        }),
    });
    Ok(())
}

fn blank(row: &Row) -> bool {
    row.cells.iter().all(|c| c.trim().is_empty())
}
