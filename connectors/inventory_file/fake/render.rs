//! The fleet as the files a spreadsheet writes: CSV in the French way (`;`, Windows-1252,
//! `dd/mm/yyyy`, `1 234,56 €`) or the English way (`,`, ISO dates, `1,234.56`), and XLSX
//! with real date cells and numbers, under a title if asked, after another sheet if asked.

use std::io;
use std::path::Path;

use chrono::Datelike;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::fleet::{Device, Fleet, generated_on};

/// The error of writing a workbook.
pub type XlsxError = rust_xlsxwriter::XlsxError;

/// The language of headers, dates, amounts and yes/no.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dialect {
    /// "N° d'inventaire", `31/12/2024`, `1 234,56 €`, Oui/Non.
    #[default]
    French,
    /// "Asset tag", `2024-12-31`, `1,234.56`, Yes/No.
    English,
}

/// How the bytes of a CSV are text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a BOM.
    #[default]
    Utf8,
    /// UTF-8 with a BOM, as Excel's "CSV UTF-8".
    Utf8Bom,
    /// As Excel's plain "CSV" on a French Windows.
    Windows1252,
}

/// How to write a CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Headers and value formats.
    pub dialect: Dialect,
    /// Between fields.
    pub delimiter: u8,
    /// The bytes of the text.
    pub encoding: TextEncoding,
    /// A line above the header, then a blank line.
    pub title: Option<String>,
}

impl Default for CsvOptions {
    /// French, `;`, UTF-8, no title.
    fn default() -> Self {
        CsvOptions {
            dialect: Dialect::French,
            delimiter: b';',
            encoding: TextEncoding::Utf8,
            title: None,
        }
    }
}

/// How to write an XLSX workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsxOptions {
    /// Headers and number formats.
    pub dialect: Dialect,
    /// The name of the data sheet.
    pub sheet: String,
    /// Another sheet (a notice) before the data sheet, with this name.
    pub sheet_before: Option<String>,
    /// A row above the header, then a blank row.
    pub title: Option<String>,
}

impl Default for XlsxOptions {
    /// French, data in sheet "Parc", no other sheet, no title.
    fn default() -> Self {
        XlsxOptions {
            dialect: Dialect::French,
            sheet: "Parc".into(),
            sheet_before: None,
            title: None,
        }
    }
}

/// The header row, in file order.
pub fn headers(dialect: Dialect) -> Vec<&'static str> {
    match dialect {
        Dialect::French => vec![
            "N° d'inventaire",
            "Numéro de série",
            "Nom",
            "Catégorie",
            "Fabricant",
            "Modèle",
            "Statut",
            "Date d'achat",
            "Montant HT",
            "Reconditionné",
            "Entité",
            "Site",
            "Utilisateur",
            "Commentaire",
        ],
        Dialect::English => vec![
            "Asset tag",
            "Serial number",
            "Name",
            "Category",
            "Manufacturer",
            "Model",
            "Status",
            "Purchase date",
            "Cost",
            "Refurbished",
            "Entity",
            "Location",
            "User",
            "Notes",
        ],
    }
}

/// Column indexes of the typed cells in [`headers`].
const DATE_COLUMN: u16 = 7;
const AMOUNT_COLUMN: u16 = 8;

fn grouped(mut n: i64, separator: &str) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(separator)
}

impl Device {
    /// The header row (same as [`headers`]).
    pub fn headers(dialect: Dialect) -> Vec<&'static str> {
        headers(dialect)
    }

    /// The amount as a CSV cell: `1 234,56 €` (no-break space) or `1,234.56`; empty when
    /// there is none.
    pub fn amount_text(&self, dialect: Dialect) -> String {
        let Some(cents) = self.amount_cents else {
            return String::new();
        };
        let sign = if cents < 0 { "-" } else { "" };
        let (units, rest) = (cents.abs() / 100, cents.abs() % 100);
        match dialect {
            Dialect::French => format!("{sign}{},{rest:02} €", grouped(units, "\u{a0}")),
            Dialect::English => format!("{sign}{}.{rest:02}", grouped(units, ",")),
        }
    }

    /// The purchase date as a CSV cell: `31/12/2024` or `2024-12-31`.
    pub fn date_text(&self, dialect: Dialect) -> String {
        self.purchase_date
            .map_or_else(String::new, |d| match dialect {
                Dialect::French => d.format("%d/%m/%Y").to_string(),
                Dialect::English => d.format("%Y-%m-%d").to_string(),
            })
    }

    /// Oui/Non or Yes/No.
    pub fn refurbished_text(&self, dialect: Dialect) -> &'static str {
        match (dialect, self.refurbished) {
            (Dialect::French, true) => "Oui",
            (Dialect::French, false) => "Non",
            (Dialect::English, true) => "Yes",
            (Dialect::English, false) => "No",
        }
    }

    /// The row's cells as text, in [`headers`] order.
    pub fn cells(&self, dialect: Dialect) -> Vec<String> {
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            self.inventory_number.clone(),
            text(&self.serial),
            text(&self.name),
            self.category.clone(),
            self.manufacturer.clone(),
            self.model.clone(),
            self.status.clone(),
            self.date_text(dialect),
            self.amount_text(dialect),
            self.refurbished_text(dialect).to_string(),
            self.entity.clone(),
            self.site.clone(),
            text(&self.user),
            text(&self.comment),
        ]
    }
}

impl Fleet {
    /// The CSV file's bytes.
    pub fn to_csv(&self, opts: &CsvOptions) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.devices.len() * 160 + 256);
        if let Some(title) = &opts.title {
            // The csv writer writes an empty record as `""`; a spreadsheet leaves the line bare.
            let mut line = csv::WriterBuilder::new()
                .delimiter(opts.delimiter)
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            line.write_record([title]).expect("in memory");
            out.extend(line.into_inner().expect("in memory"));
            out.extend(b"\r\n");
        }
        // Writing to a Vec cannot fail.
        let mut writer = csv::WriterBuilder::new()
            .delimiter(opts.delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer
            .write_record(headers(opts.dialect))
            .expect("in memory");
        for d in &self.devices {
            writer
                .write_record(d.cells(opts.dialect))
                .expect("in memory");
        }
        let bytes = writer.into_inner().expect("in memory");
        match opts.encoding {
            TextEncoding::Utf8 => bytes,
            TextEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), &bytes].concat(),
            TextEncoding::Windows1252 => {
                let text = String::from_utf8(bytes).expect("the writer was given text");
                encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
            }
        }
    }

    /// Writes [`Fleet::to_csv`] to `path`.
    pub fn write_csv(&self, path: &Path, opts: &CsvOptions) -> io::Result<()> {
        std::fs::write(path, self.to_csv(opts))
    }

    /// The XLSX file's bytes: dates as date cells, amounts as numbers, the same bytes for the
    /// same fleet and options (the document's creation date is fixed).
    pub fn to_xlsx(&self, opts: &XlsxOptions) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let on = generated_on();
        let created = ExcelDateTime::from_ymd(on.year() as u16, on.month() as u8, on.day() as u8)?;
        book.set_properties(
            &DocProperties::new()
                .set_title("Inventaire du parc informatique")
                .set_creation_datetime(&created),
        );
        if let Some(name) = &opts.sheet_before {
            let notice = book.add_worksheet();
            notice.set_name(name)?;
            notice.write_string(0, 0, "Export du parc informatique")?;
            notice.write_string(1, 0, format!("Feuille des matériels : {}", opts.sheet))?;
        }
        let bold = Format::new().set_bold();
        let (date_format, money_format) = match opts.dialect {
            Dialect::French => (
                Format::new().set_num_format("dd/mm/yyyy"),
                Format::new().set_num_format("#,##0.00 \"€\""),
            ),
            Dialect::English => (
                Format::new().set_num_format("yyyy-mm-dd"),
                Format::new().set_num_format("#,##0.00"),
            ),
        };
        let sheet = book.add_worksheet();
        sheet.set_name(&opts.sheet)?;
        let mut row = 0;
        if let Some(title) = &opts.title {
            sheet.write_string_with_format(0, 0, title, &bold)?;
            row = 2;
        }
        for (col, h) in headers(opts.dialect).iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, *h, &bold)?;
        }
        for d in &self.devices {
            row += 1;
            for (col, text) in d.cells(opts.dialect).iter().enumerate() {
                let col = col as u16;
                if col == DATE_COLUMN || col == AMOUNT_COLUMN || text.is_empty() {
                    continue;
                }
                sheet.write_string(row, col, text)?;
            }
            if let Some(date) = d.purchase_date {
                let date = ExcelDateTime::from_ymd(
                    date.year() as u16,
                    date.month() as u8,
                    date.day() as u8,
                )?;
                sheet.write_datetime_with_format(row, DATE_COLUMN, &date, &date_format)?;
            }
            if let Some(cents) = d.amount_cents {
                sheet.write_number_with_format(
                    row,
                    AMOUNT_COLUMN,
                    cents as f64 / 100.0,
                    &money_format,
                )?;
            }
        }
        book.save_to_buffer()
    }

    /// Writes [`Fleet::to_xlsx`] to `path`.
    pub fn write_xlsx(&self, path: &Path, opts: &XlsxOptions) -> Result<(), XlsxError> {
        std::fs::write(path, self.to_xlsx(opts)?)?;
        Ok(())
    }
}
