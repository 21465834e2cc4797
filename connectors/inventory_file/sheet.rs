//! A CSV or XLSX file as rows of text, whatever wrote it: the format is told by the bytes
//! (a renamed file is common), the CSV's encoding and separator are found when not given,
//! and an XLSX's sheet is the first whose top rows look like a header.
//!
//! Rows are handed out one by one as the file is parsed (an XLSX sheet is read cell by cell
//! from its XML, never built whole in memory), so that the connector sends the first pages
//! while the rest is parsed. Cells are text so that both formats go through one normalisation. An XLSX date cell
//! becomes `yyyy-mm-dd`; a number is written with a `.` and never as `d.ddd`, which the
//! shared amount parser refuses as ambiguous (`1.234` is written `1.2340`).

use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};
use thiserror::Error;

use super::columns::HEADER_SEARCH_ROWS;
use super::params::Encoding;

/// One row of the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Where it stands in the file, as a person finds it there: the spreadsheet's row number,
    /// the CSV's line number (a quoted field may span lines: its first line).
    pub line: u64,
    pub cells: Vec<String>,
}

/// The rows of the sheet that was read, whole.
#[cfg(test)]
#[derive(Debug, Clone)]
pub struct Table {
    pub rows: Vec<Row>,
}

/// A file opened and its sheet (or separator) chosen, before its rows are read: they are
/// read one by one by [`Sheet::rows`], so that the first ones can be stored while the rest
/// of the file is still being parsed.
pub struct Sheet {
    /// Which sheet or separator was read, for the logs and the messages.
    pub described: String,
    rows: SheetRows,
}

enum SheetRows {
    /// The decoded text, already checked for an unclosed quote.
    Csv { text: String, delimiter: u8 },
    Xlsx {
        book: Box<Xlsx<Cursor<Vec<u8>>>>,
        name: String,
    },
}

impl Sheet {
    /// Hands each row to `each`, in the file's order, while it returns true.
    pub fn rows(self, each: &mut dyn FnMut(Row) -> bool) -> Result<(), SheetError> {
        match self.rows {
            SheetRows::Csv { text, delimiter } => csv_rows(&text, delimiter, each),
            SheetRows::Xlsx { mut book, name } => xlsx_rows(&mut book, &name, each),
        }
    }
}

/// How to read the file, from the source's keys.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    pub sheet: Option<&'a str>,
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
}

/// Why the file cannot be read as rows. The file's path is added by the caller.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is an Excel 97-2003 workbook (.xls), which parcd does not read: open it and \
         save it as an Excel workbook (.xlsx) or as CSV"
    )]
    Xls,
    #[error(
        "the file is a password-protected workbook, which parcd cannot open: save a copy \
         without a password, as .xlsx or .csv"
    )]
    Encrypted,
    #[error(
        "the file is an OpenDocument spreadsheet (.ods), which parcd does not read: save it as \
         .xlsx or .csv"
    )]
    Ods,
    #[error(
        "the file is named .{ext} but holds {what}, not a workbook: export it again as .xlsx or .csv"
    )]
    NotAWorkbook { ext: String, what: &'static str },
    #[error(
        "the file is not a readable XLSX workbook ({0}); it may be cut short or damaged: export it again"
    )]
    BrokenXlsx(String),
    #[error("the workbook has no sheet named \"{wanted}\"; its sheets are: {sheets}")]
    SheetNotFound { wanted: String, sheets: String },
    #[error(
        "the file is not valid UTF-8 (line {line}) while encoding = \"utf-8\" is set: set \
         encoding = \"windows-1252\" for a CSV saved by Excel, or remove the key to detect it"
    )]
    NotUtf8 { line: u64 },
    #[error(
        "a quoted field opened on line {line} is never closed: the CSV is cut short or a quote \
         is missing"
    )]
    UnclosedQuote { line: u64 },
    #[error("the file cannot be read as CSV: {0}")]
    Csv(String),
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The rows of the file in `bytes`, whole (the tests' view of [`open`]).
#[cfg(test)]
pub fn read(
    bytes: Vec<u8>,
    path: &Path,
    opts: ReadOptions<'_>,
    score: &dyn Fn(&[String]) -> usize,
) -> Result<Table, SheetError> {
    let mut rows = Vec::new();
    open(bytes, path, opts, score)?.rows(&mut |row| {
        rows.push(row);
        true
    })?;
    Ok(Table { rows })
}

/// Opens the file in `bytes` and chooses what to read in it. `score` tells how much a row
/// looks like a header (see `columns::Matcher::score`): it chooses the separator and the
/// sheet. Errors found by looking at the whole file (a quote never closed) come here, before
/// any row is read.
pub fn open(
    bytes: Vec<u8>,
    path: &Path,
    opts: ReadOptions<'_>,
    score: &dyn Fn(&[String]) -> usize,
) -> Result<Sheet, SheetError> {
    if bytes.starts_with(&OLE_MAGIC) {
        // Excel encrypts a protected .xlsx into an OLE file with this stream.
        let encrypted: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        return Err(if contains(&bytes, &encrypted) {
            SheetError::Encrypted
        } else {
            SheetError::Xls
        });
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // An OpenDocument file stores its type first, uncompressed.
        let head = &bytes[..bytes.len().min(256)];
        if contains(head, b"application/vnd.oasis.opendocument") {
            return Err(SheetError::Ods);
        }
        return xlsx(bytes, opts.sheet, score);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods") {
        let start = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
        let what = if start.trim_start().starts_with('<') {
            "a web page or XML (an export saved from a browser)"
        } else if bytes.is_empty() {
            "nothing"
        } else {
            "text"
        };
        return Err(SheetError::NotAWorkbook { ext, what });
    }
    let decoded = match decode(&bytes, opts.encoding)? {
        Cow::Borrowed(text) => Err(text.len()),
        Cow::Owned(text) => Ok(text),
    };
    let text = match decoded {
        Ok(text) => text,
        // Text that is UTF-8 as it is, the tail of the bytes after a BOM: the bytes become
        // the text in place, where a copy would hold a million-row file (150 MB) twice.
        Err(len) => {
            let mut bytes = bytes;
            bytes.drain(..bytes.len() - len);
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
    };
    if text.trim().is_empty() {
        return Err(SheetError::Empty);
    }
    csv(text, opts.delimiter, score)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The text of a CSV file, without its BOM.
fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, SheetError> {
    // Excel's "Unicode text" export: UTF-16 with a BOM, whatever `encoding` says.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return Ok(text);
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match encoding {
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0),
        Encoding::Utf8 => std::str::from_utf8(without_bom)
            .map(Cow::Borrowed)
            .map_err(|e| SheetError::NotUtf8 {
                line: 1 + without_bom[..e.valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64,
            }),
        Encoding::Auto => Ok(match std::str::from_utf8(without_bom) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        }),
    }
}

fn described_delimiter(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", d as char),
    }
}

fn csv(
    text: String,
    delimiter: Option<u8>,
    score: &dyn Fn(&[String]) -> usize,
) -> Result<Sheet, SheetError> {
    let delimiter = match delimiter {
        Some(d) => d,
        None => guess_delimiter(&text, score)?,
    };
    if let Some(line) = unclosed_quote(&text, delimiter) {
        return Err(SheetError::UnclosedQuote { line });
    }
    Ok(Sheet {
        described: format!("CSV separated by {}", described_delimiter(delimiter)),
        rows: SheetRows::Csv { text, delimiter },
    })
}

/// The separator under which the top rows look most like a header; when none does, the
/// one that splits the first line most, so that the error shows the cells found.
fn guess_delimiter(text: &str, score: &dyn Fn(&[String]) -> usize) -> Result<u8, SheetError> {
    let mut best = (0, 0, b';');
    for d in [b';', b',', b'\t'] {
        let mut rows = Vec::new();
        csv_rows(text, d, &mut |row| {
            rows.push(row);
            rows.len() < HEADER_SEARCH_ROWS
        })?;
        let header = rows.iter().map(|r| score(&r.cells)).max().unwrap_or(0);
        let width = rows.first().map_or(0, |r| r.cells.len());
        if (header, width) > (best.0, best.1) {
            best = (header, width, d);
        }
    }
    Ok(best.2)
}

fn csv_rows(
    text: &str,
    delimiter: u8,
    each: &mut dyn FnMut(Row) -> bool,
) -> Result<(), SheetError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| SheetError::Csv(e.to_string()))?
    {
        let row = Row {
            line: record.position().map_or(0, csv::Position::line),
            cells: record.iter().map(str::to_owned).collect(),
        };
        if !each(row) {
            break;
        }
    }
    Ok(())
}

/// The line where a quoted field opens and never closes. The csv reader would take the
/// rest of the file as that one field, silently dropping every row after it. A quote only
/// opens a field at its start, as the reader has it (`Écran 24"` is plain text).
fn unclosed_quote(text: &str, delimiter: u8) -> Option<u64> {
    let bytes = text.as_bytes();
    let (mut line, mut opened) = (1u64, 0u64);
    let (mut at_start, mut quoted) = (true, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if b == b'\n' {
            line += 1;
            at_start = true;
        } else if b == delimiter {
            at_start = true;
        } else {
            if b == b'"' && at_start {
                quoted = true;
                opened = line;
            }
            at_start = false;
        }
        i += 1;
    }
    quoted.then_some(opened)
}

fn broken(e: calamine::XlsxError) -> SheetError {
    SheetError::BrokenXlsx(e.to_string())
}

fn xlsx(
    bytes: Vec<u8>,
    sheet: Option<&str>,
    score: &dyn Fn(&[String]) -> usize,
) -> Result<Sheet, SheetError> {
    let mut book: Box<Xlsx<_>> =
        Box::new(calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(broken)?);
    let names = book.sheet_names();
    let chosen = |book, name: &str| Sheet {
        described: format!("sheet \"{name}\""),
        rows: SheetRows::Xlsx {
            book,
            name: name.to_string(),
        },
    };
    if let Some(wanted) = sheet {
        let name = names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .ok_or_else(|| SheetError::SheetNotFound {
                wanted: wanted.to_string(),
                sheets: names
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?
            .clone();
        return Ok(chosen(book, &name));
    }
    let mut first = None;
    for name in &names {
        let mut top = Vec::new();
        xlsx_rows(&mut book, name, &mut |row| {
            top.push(row);
            top.len() < HEADER_SEARCH_ROWS
        })?;
        if top.iter().any(|r| score(&r.cells) >= 2) {
            return Ok(chosen(book, name));
        }
        if first.is_none() && !top.is_empty() {
            first = Some(name.clone());
        }
    }
    match first {
        // No sheet has a header: the first non-empty one shows the header error.
        Some(name) => {
            let mut sheet = chosen(book, &name);
            if names.len() > 1 {
                sheet.described = format!(
                    "sheets {}",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(sheet)
        }
        None => Err(SheetError::Empty),
    }
}

/// The rows of one sheet, read cell by cell from its XML: from its first row with a value,
/// each row's cells by column from A (a cell left empty is ""). Blank rows are handed out
/// among the first rows, where the header is looked for, as a person counts them; further
/// down they hold nothing to read.
fn xlsx_rows(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    each: &mut dyn FnMut(Row) -> bool,
) -> Result<(), SheetError> {
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet: nothing to read, as for an empty sheet.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(broken(e)),
    };
    let mut current: Option<(u32, Vec<String>)> = None;
    let mut handed = 0;
    while let Some(cell) = reader.next_cell().map_err(broken)? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        match &current {
            Some((r, _)) if *r == row => {}
            Some((r, _)) if row < *r => {
                return Err(SheetError::BrokenXlsx(format!(
                    "row {} is written after row {}",
                    row + 1,
                    r + 1
                )));
            }
            _ => {
                if let Some((r, cells)) = current.take() {
                    if !each(Row {
                        line: u64::from(r) + 1,
                        cells,
                    }) {
                        return Ok(());
                    }
                    handed += 1;
                    for blank in r + 1..row {
                        if handed >= HEADER_SEARCH_ROWS {
                            break;
                        }
                        if !each(Row {
                            line: u64::from(blank) + 1,
                            cells: Vec::new(),
                        }) {
                            return Ok(());
                        }
                        handed += 1;
                    }
                }
                current = Some((row, Vec::new()));
            }
        }
        if let Some((_, cells)) = &mut current {
            let col = col as usize;
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            cells[col] = cell_text(value);
        }
    }
    if let Some((r, cells)) = current {
        each(Row {
            line: u64::from(r) + 1,
            cells,
        });
    }
    Ok(())
}

fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => d
            .as_datetime()
            .map(|d| d.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// A number as text the amount parser reads as written: `.` as decimal separator, and a
/// fourth decimal after exactly three, since `1.234` alone is refused as ambiguous.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = f.to_string();
    match s.split_once('.') {
        Some((_, decimals)) if decimals.len() == 3 => s + "0",
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::parse_amount_cents;

    /// A row is a header when it has a cell "header".
    fn score(cells: &[String]) -> usize {
        2 * usize::from(cells.iter().any(|c| c == "header"))
    }

    fn opts(delimiter: Option<u8>, encoding: Encoding) -> ReadOptions<'static> {
        ReadOptions {
            sheet: None,
            delimiter,
            encoding,
        }
    }

    fn read_csv(bytes: &[u8], o: ReadOptions<'_>) -> Result<Table, SheetError> {
        read(bytes.to_vec(), Path::new("parc.csv"), o, &score)
    }

    fn cells(t: &Table) -> Vec<Vec<&str>> {
        t.rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn the_separator_is_the_one_under_which_the_header_shows() {
        for (text, want) in [
            (
                "header;b\n1,5;2\n",
                vec![vec!["header", "b"], vec!["1,5", "2"]],
            ),
            (
                "header,b\n\"1,5\",2\n",
                vec![vec!["header", "b"], vec!["1,5", "2"]],
            ),
            (
                "header\tb;c\n1\t2;3\n",
                vec![vec!["header", "b;c"], vec!["1", "2;3"]],
            ),
        ] {
            let t = read_csv(text.as_bytes(), opts(None, Encoding::Auto)).unwrap();
            assert_eq!(cells(&t), want, "{text:?}");
        }
        let t = read_csv(b"header|b\n1|2\n", opts(Some(b'|'), Encoding::Auto)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "b"], vec!["1", "2"]]);
    }

    #[test]
    fn encodings_are_detected_and_an_explicit_one_is_kept() {
        let latin = b"header;Cat\xe9gorie;\x80\n";
        let t = read_csv(latin, opts(None, Encoding::Auto)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "Catégorie", "€"]]);
        let bom = "\u{feff}header;Catégorie\n".as_bytes();
        let t = read_csv(bom, opts(None, Encoding::Auto)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "Catégorie"]]);
        let t = read_csv(bom, opts(None, Encoding::Utf8)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "Catégorie"]]);
        let e = read_csv(b"header;a\nx;\xe9\n", opts(None, Encoding::Utf8)).unwrap_err();
        assert_eq!(e, SheetError::NotUtf8 { line: 2 });
        let utf8_as_latin = read_csv("header;é\n".as_bytes(), opts(None, Encoding::Windows1252));
        assert_eq!(cells(&utf8_as_latin.unwrap()), vec![vec!["header", "Ã©"]]);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "header\tÉcran\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let t = read_csv(&utf16, opts(None, Encoding::Auto)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "Écran"]]);
    }

    #[test]
    fn text_taken_in_place_from_the_bytes_loses_only_its_bom() {
        // UTF-8 as it is (with and without a BOM) and ASCII read as Windows-1252 become the
        // text without a copy: the cells are those of a copy.
        for (bytes, encoding) in [
            (
                "\u{feff}header;Écran 24\"\nx;é\n".as_bytes(),
                Encoding::Auto,
            ),
            (
                "\u{feff}header;Écran 24\"\nx;é\n".as_bytes(),
                Encoding::Utf8,
            ),
            ("header;Écran 24\"\nx;é\n".as_bytes(), Encoding::Auto),
        ] {
            let t = read_csv(bytes, opts(None, encoding)).unwrap();
            assert_eq!(
                cells(&t),
                vec![vec!["header", "Écran 24\""], vec!["x", "é"]],
                "{encoding:?}"
            );
        }
        let t = read_csv(b"header;b\nx;y\n", opts(None, Encoding::Windows1252)).unwrap();
        assert_eq!(cells(&t), vec![vec!["header", "b"], vec!["x", "y"]]);
        for only_a_bom in [&b"\xEF\xBB\xBF"[..], &[0xFF, 0xFE][..]] {
            let e = read_csv(only_a_bom, opts(None, Encoding::Auto)).unwrap_err();
            assert_eq!(e, SheetError::Empty, "{only_a_bom:?}");
        }
    }

    #[test]
    fn line_numbers_follow_the_file_across_multiline_fields() {
        let t = read_csv(b"header;c\n\"a\nb\";1\nx;2\n", opts(None, Encoding::Auto)).unwrap();
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn an_unclosed_quote_is_refused_but_a_plain_inch_mark_is_text() {
        let e = read_csv(
            b"header;c\nok;\"fine\"\"\"\n\"cut;1\nx;2\n",
            opts(None, Encoding::Auto),
        )
        .unwrap_err();
        assert_eq!(e, SheetError::UnclosedQuote { line: 3 });
        let t = read_csv(b"header;c\nEcran 24\";1\n", opts(None, Encoding::Auto)).unwrap();
        assert_eq!(cells(&t)[1], vec!["Ecran 24\"", "1"]);
    }

    #[test]
    fn files_of_other_formats_say_what_they_are() {
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend([0; 64]);
        assert_eq!(
            read_csv(&ole, opts(None, Encoding::Auto)).unwrap_err(),
            SheetError::Xls
        );
        ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            read_csv(&ole, opts(None, Encoding::Auto)).unwrap_err(),
            SheetError::Encrypted
        );
        let mut ods = b"PK\x03\x04".to_vec();
        ods.extend([0; 26]);
        ods.extend(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet");
        assert_eq!(
            read_csv(&ods, opts(None, Encoding::Auto)).unwrap_err(),
            SheetError::Ods
        );
        let html = read(
            b"<html><table>".to_vec(),
            Path::new("export.XLS"),
            opts(None, Encoding::Auto),
            &score,
        );
        assert!(
            matches!(html, Err(SheetError::NotAWorkbook { ref ext, .. }) if ext == "xls"),
            "{html:?}"
        );
        let cut = read(
            b"PK\x03\x04 cut short".to_vec(),
            Path::new("parc.xlsx"),
            opts(None, Encoding::Auto),
            &score,
        );
        assert!(matches!(cut, Err(SheetError::BrokenXlsx(_))), "{cut:?}");
        for empty in [&b""[..], b"\xEF\xBB\xBF", b"\r\n \n"] {
            assert_eq!(
                read_csv(empty, opts(None, Encoding::Auto)).unwrap_err(),
                SheetError::Empty
            );
        }
    }

    #[test]
    fn numbers_are_written_so_that_amounts_read_back_exactly() {
        for (f, text, cents) in [
            (1234.56, "1234.56", Some(123_456)),
            (899.0, "899", Some(89_900)),
            (1.234, "1.2340", Some(123)),
            (0.5, "0.5", Some(50)),
            (-12.25, "-12.25", Some(-1_225)),
        ] {
            assert_eq!(number_text(f), text);
            assert_eq!(parse_amount_cents(text), cents, "{text}");
        }
        assert_eq!(number_text(45_000.0), "45000");
    }
}
