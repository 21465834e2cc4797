//! Rows of an inventory sheet to parcd records.
//!
//! The class comes from the category text through the shared family keywords and class
//! rules (as for Snipe-IT, whose categories are free text too); the phase from the status
//! through the status map. A yes in the refurbished column becomes "Reconditionné: Oui" in
//! the purchase comment, where the core's shipped AGEC origin rule finds reuse.
//!
//! A row without identity or category is left out (the core counts it as rejected), and so
//! is a later row repeating an identity: the first one is the device. A value that cannot be
//! read (a date, an amount) leaves its field empty and the row in, with a note: one bad
//! cell must not take a device out of the fleet.

use std::collections::BTreeMap;
use std::collections::hash_map::{Entry, HashMap};

use chrono::{Days, NaiveDate};

use super::columns::{Field, Header};
use super::params::InventoryFileParams;
use super::sheet::Row;
use crate::amount::parse_amount_cents;
use crate::mapping::family_of;
use crate::record::{AssetRecord, PurchaseRecord};

/// What one data row gave.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every row is a record: boxing it would only add an allocation per row"
)]
pub enum Outcome {
    /// A device; `note` says which of its cells could not be read.
    Record {
        record: AssetRecord,
        note: Option<String>,
    },
    /// Left out, and why (with the row number).
    Rejected(String),
}

/// The line written into the purchase comment of a refurbished device: the word the
/// shipped origin rule looks for, answered yes.
pub const REFURBISHED_COMMENT: &str = "Reconditionné: Oui";

/// The records of every data row under `header`; blank rows are skipped.
#[cfg(test)]
pub fn rows(
    table: &super::sheet::Table,
    header: &Header,
    params: &InventoryFileParams,
) -> Vec<Outcome> {
    let mut rows = Normaliser::new(header.clone(), &table.rows[header.index].cells, params);
    table.rows[header.index + 1..]
        .iter()
        .filter_map(|row| rows.row(row))
        .collect()
}

/// The data rows under a header, one after the other: a row repeating an identity is
/// known by the rows before it.
pub struct Normaliser<'a> {
    header: Header,
    /// Field → the header's text for it, for the messages.
    names: BTreeMap<Field, String>,
    params: &'a InventoryFileParams,
    /// Identity → the row where it was first seen.
    first_row: HashMap<String, u64>,
}

impl<'a> Normaliser<'a> {
    pub fn new(header: Header, header_cells: &[String], params: &'a InventoryFileParams) -> Self {
        let names = header
            .columns
            .keys()
            .map(|f| (*f, header.name_of(*f, header_cells)))
            .collect();
        Normaliser {
            header,
            names,
            params,
            first_row: HashMap::new(),
        }
    }

    /// What the data row `row` gives; `None` for a blank row.
    pub fn row(&mut self, row: &Row) -> Option<Outcome> {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            return None;
        }
        let header = &self.header;
        let names = &self.names;
        let cells = Cells { row, header };
        let identity = &names[&header.identity];
        let Some(id) = cells.get(header.identity) else {
            return Some(Outcome::Rejected(format!(
                "row {}: no {identity}; row left out",
                row.line
            )));
        };
        let Some(category) = cells.get(Field::Category) else {
            return Some(Outcome::Rejected(format!(
                "row {}: {identity} \"{id}\" has no {}; row left out",
                row.line,
                names[&Field::Category]
            )));
        };
        match self.first_row.entry(id.to_string()) {
            Entry::Occupied(first) => {
                return Some(Outcome::Rejected(format!(
                    "row {}: {identity} \"{id}\" is already on row {}; the first one is kept",
                    row.line,
                    first.get()
                )));
            }
            Entry::Vacant(v) => {
                v.insert(row.line);
            }
        }
        let mut notes = Vec::new();
        let record = record(&cells, id, category, names, self.params, &mut notes);
        Some(Outcome::Record {
            record,
            note: (!notes.is_empty()).then(|| format!("row {}: {}", row.line, notes.join("; "))),
        })
    }
}

/// One row's cells by field: trimmed, `None` when empty or absent.
struct Cells<'a> {
    row: &'a Row,
    header: &'a Header,
}

impl<'a> Cells<'a> {
    fn get(&self, field: Field) -> Option<&'a str> {
        let i = *self.header.columns.get(&field)?;
        let text = self.row.cells.get(i)?.trim();
        (!text.is_empty()).then_some(text)
    }

    fn owned(&self, field: Field) -> Option<String> {
        self.get(field).map(str::to_string)
    }

    fn date(
        &self,
        field: Field,
        names: &BTreeMap<Field, String>,
        notes: &mut Vec<String>,
    ) -> Option<NaiveDate> {
        let text = self.get(field)?;
        let date = parse_date(text);
        if date.is_none() {
            notes.push(format!(
                "{} \"{text}\" is not a date (dd/mm/yyyy or yyyy-mm-dd); left empty",
                names[&field]
            ));
        }
        date
    }
}

fn record(
    cells: &Cells<'_>,
    id: &str,
    category: &str,
    names: &BTreeMap<Field, String>,
    params: &InventoryFileParams,
    notes: &mut Vec<String>,
) -> AssetRecord {
    let family = family_of(Some(category));
    let model = cells.owned(Field::Model);
    let class = params
        .class_rules
        .class_of(family, Some(category), model.as_deref());
    let status = cells.owned(Field::Status);
    let (phase, status_mapped) = params.status_map.phase_of(status.as_deref());
    AssetRecord {
        external_id: id.to_string(),
        item_type: family.to_string(),
        class,
        name: cells.owned(Field::Name),
        serial: cells.owned(Field::Serial),
        inventory_number: cells.owned(Field::InventoryNumber),
        type_name: Some(category.to_string()),
        model,
        manufacturer: cells.owned(Field::Manufacturer),
        entity: cells.owned(Field::Entity),
        location: cells.owned(Field::Location),
        status,
        phase,
        status_mapped,
        rated_power_w: None,
        addresses: addresses(cells, names, notes),
        modified_at: None,
        purchase: purchase(cells, names, notes),
    }
}

fn purchase(
    cells: &Cells<'_>,
    names: &BTreeMap<Field, String>,
    notes: &mut Vec<String>,
) -> Option<PurchaseRecord> {
    let buy_date = cells.date(Field::PurchaseDate, names, notes);
    let use_date = cells.date(Field::UseDate, names, notes);
    let warranty_end = cells.date(Field::WarrantyEnd, names, notes);
    let amount = cells.get(Field::Amount);
    let amount_cents = amount.and_then(parse_amount_cents);
    let amount_unreadable = match (amount, amount_cents) {
        (Some(text), None) => {
            notes.push(format!(
                "{} \"{text}\" is not an amount (such as 1 234,56 or 1,234.56); kept as text",
                names[&Field::Amount]
            ));
            Some(text.chars().take(64).collect())
        }
        _ => None,
    };
    let mut comment = Vec::new();
    if let Some(answer) = cells.get(Field::Refurbished) {
        match yes_no(answer) {
            Some(true) => comment.push(REFURBISHED_COMMENT.to_string()),
            Some(false) => {}
            None => notes.push(format!(
                "{} \"{answer}\" is neither yes nor no (Oui/Non, Yes/No, X, 1/0); read as no",
                names[&Field::Refurbished]
            )),
        }
    }
    comment.extend(cells.owned(Field::Comment));
    let p = PurchaseRecord {
        buy_date,
        use_date,
        warranty_end,
        amount_cents,
        amount_unreadable,
        supplier: cells.owned(Field::Supplier),
        order_number: cells.owned(Field::OrderNumber),
        comment: (!comment.is_empty()).then(|| comment.join("\n")),
        ..PurchaseRecord::default()
    };
    (p != PurchaseRecord::default()).then_some(p)
}

/// The IP addresses of an address cell: one, or several separated by commas, semicolons or
/// spaces (a printer with a wired and a wireless card). What is not an IP address (a host
/// name, a typo) is left out with a note: an SNMP source would poll nothing there.
fn addresses(
    cells: &Cells<'_>,
    names: &BTreeMap<Field, String>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let Some(text) = cells.get(Field::IpAddress) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for word in text.split([',', ';', ' ', '\n']).filter(|w| !w.is_empty()) {
        match word.parse::<std::net::IpAddr>() {
            Ok(ip) if !found.contains(&ip.to_string()) => found.push(ip.to_string()),
            Ok(_) => {}
            Err(_) => notes.push(format!(
                "{} \"{word}\" is not an IP address (such as 10.1.2.30); left out",
                names[&Field::IpAddress]
            )),
        }
    }
    found
}

/// A yes/no cell as French and English spreadsheets fill it; `None` when it is neither.
fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "oui" | "o" | "yes" | "y" | "x" | "1" | "vrai" | "true" => Some(true),
        "non" | "n" | "no" | "0" | "faux" | "false" | "-" => Some(false),
        _ => None,
    }
}

/// Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date")
}

/// A date as spreadsheets write it: `dd/mm/yyyy` (also with `-` or `.`, a two-digit year,
/// a time after it), `yyyy-mm-dd`, or an Excel serial number (a date cell saved as a plain
/// number). Month-first American dates are not guessed: French exports write the day first.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let date = text.trim().split([' ', 'T']).next()?;
    for sep in ['/', '-', '.'] {
        let parts: Vec<&str> = date.split(sep).collect();
        let [a, b, c] = parts[..] else { continue };
        if ![a, b, c]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|d| d.is_ascii_digit()))
        {
            continue;
        }
        let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
        let year: i32 = match (year.len(), year.parse::<i32>().ok()?) {
            (4, y) => y,
            (2, y) if y < 70 => 2000 + y,
            (2, y) => 1900 + y,
            _ => return None,
        };
        return NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?);
    }
    // Serials before 10000 (1927) are years or counts, not purchase dates.
    let serial = date.parse::<f64>().ok()?;
    if (10_000.0..2_958_466.0).contains(&serial) {
        return excel_epoch().checked_add_days(Days::new(serial.trunc() as u64));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory_file::columns::Matcher;
    use crate::inventory_file::sheet::Table;
    use crate::params::Params;
    use crate::record::{AssetClass, Phase};
    use serde_json::json;

    fn params(extra: serde_json::Value) -> InventoryFileParams {
        let mut table = json!({"path": "Cargo.toml"});
        for (k, v) in extra.as_object().unwrap() {
            table[k] = v.clone();
        }
        let mut p = Params::new("s", table.as_object().unwrap().clone());
        let s = InventoryFileParams::from_params(&mut p).unwrap();
        assert!(p.finish().is_empty());
        s
    }

    fn outcomes(lines: &[&[&str]], params: &InventoryFileParams) -> Vec<Outcome> {
        let table = Table {
            rows: lines
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    line: i as u64 + 1,
                    cells: cells.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        };
        let matcher = Matcher::new(&params.columns);
        let header = Header::find(
            table.rows.iter().map(|r| (r.line, r.cells.as_slice())),
            &matcher,
            "",
        )
        .unwrap();
        rows(&table, &header, params)
    }

    fn record(o: &Outcome) -> &AssetRecord {
        match o {
            Outcome::Record { record, .. } => record,
            Outcome::Rejected(why) => panic!("rejected: {why}"),
        }
    }

    const HEADER: &[&str] = &[
        "N° d'inventaire",
        "Catégorie",
        "Modèle",
        "Statut",
        "Date d'achat",
        "Montant HT",
        "Reconditionné",
        "Commentaire",
        "Utilisateur",
    ];

    #[test]
    fn a_row_becomes_a_record_with_its_class_phase_and_purchase() {
        let p = params(json!({}));
        let out = outcomes(
            &[
                HEADER,
                &[
                    " INV-1 ",
                    "Ordinateur portable",
                    "Latitude 5440",
                    "En service",
                    "03/02/2021",
                    "1 234,56 €",
                    "Oui",
                    "Lot UGAP",
                    "Jean Dupont",
                ],
            ],
            &p,
        );
        let r = record(&out[0]);
        assert_eq!(r.external_id, "INV-1");
        assert_eq!(r.inventory_number.as_deref(), Some("INV-1"));
        assert_eq!(
            (r.class, r.item_type.as_str()),
            (AssetClass::Laptop, "Computer")
        );
        assert_eq!((r.phase, r.status_mapped), (Phase::InService, true));
        let purchase = r.purchase.as_ref().unwrap();
        assert_eq!(purchase.buy_date, NaiveDate::from_ymd_opt(2021, 2, 3));
        assert_eq!(purchase.amount_cents, Some(123_456));
        assert_eq!(
            purchase.comment.as_deref(),
            Some("Reconditionné: Oui\nLot UGAP")
        );
        let text = serde_json::to_string(r).unwrap();
        assert!(
            !text.contains("Jean Dupont"),
            "the user is never read: {text}"
        );
    }

    #[test]
    fn an_ip_column_gives_the_printers_addresses_and_a_word_that_is_not_one_is_noted() {
        let p = params(json!({}));
        let header: &[&str] = &["N° d'inventaire", "Catégorie", "Adresse IP"];
        let out = outcomes(
            &[
                header,
                &["IMP-1", "Imprimante", " 10.1.2.30 "],
                &["IMP-2", "Copieur", "10.1.2.31; 2001:db8::31, 10.1.2.31"],
                &["IMP-3", "Imprimante", "prn-3.mairie"],
                &["IMP-4", "Imprimante", ""],
            ],
            &p,
        );
        assert_eq!(record(&out[0]).addresses, ["10.1.2.30"]);
        assert_eq!(record(&out[1]).addresses, ["10.1.2.31", "2001:db8::31"]);
        match &out[2] {
            Outcome::Record { record, note } => {
                assert!(record.addresses.is_empty());
                let note = note.as_deref().unwrap();
                assert!(
                    note.contains("Adresse IP \"prn-3.mairie\" is not an IP address"),
                    "{note}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(record(&out[3]).addresses.is_empty());
    }

    #[test]
    fn no_refurbished_answer_adds_nothing_and_an_odd_one_is_noted() {
        let p = params(json!({}));
        let row = |id: &'static str, answer: &'static str| -> Vec<&'static str> {
            vec![id, "Écran", "", "", "", "", answer, "", ""]
        };
        let out = outcomes(
            &[
                HEADER,
                &row("A", "Non"),
                &row("B", ""),
                &row("C", "peut-être"),
            ],
            &p,
        );
        assert_eq!(record(&out[0]).purchase, None);
        assert_eq!(record(&out[1]).purchase, None);
        match &out[2] {
            Outcome::Record { record, note } => {
                assert_eq!(record.purchase, None);
                let note = note.as_deref().unwrap();
                assert!(
                    note.contains("Reconditionné \"peut-être\" is neither"),
                    "{note}"
                );
            }
            other => panic!("{other:?}"),
        }
        for yes in ["oui", "X", "1", "Vrai", "TRUE", "Yes"] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
    }

    #[test]
    fn rows_without_identity_or_category_and_repeated_ones_are_rejected_with_their_row() {
        let p = params(json!({}));
        let out = outcomes(
            &[
                HEADER,
                &["A", "Écran"],
                &["", "Écran"],
                &["B", "  "],
                &[],
                &["", "", ""],
                &["A", "Imprimante"],
                &["C", "Tablette"],
            ],
            &p,
        );
        let rejected: Vec<&str> = out
            .iter()
            .filter_map(|o| match o {
                Outcome::Rejected(why) => Some(why.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            rejected,
            vec![
                "row 3: no N° d'inventaire; row left out",
                "row 4: N° d'inventaire \"B\" has no Catégorie; row left out",
                "row 7: N° d'inventaire \"A\" is already on row 2; the first one is kept",
            ]
        );
        assert_eq!(out.len(), 5, "blank rows are no rows");
        assert_eq!(
            record(&out[0]).class,
            AssetClass::Monitor,
            "the first A is kept"
        );
    }

    #[test]
    fn unreadable_dates_and_amounts_leave_the_device_in_with_a_note() {
        let p = params(json!({}));
        let out = outcomes(
            &[
                HEADER,
                &[
                    "A",
                    "Écran",
                    "",
                    "",
                    "31/02/2021",
                    "environ 200",
                    "",
                    "",
                    "",
                ],
            ],
            &p,
        );
        let Outcome::Record { record, note } = &out[0] else {
            panic!("{out:?}")
        };
        let purchase = record.purchase.as_ref().unwrap();
        assert_eq!(purchase.buy_date, None);
        assert_eq!(purchase.amount_unreadable.as_deref(), Some("environ 200"));
        let note = note.as_deref().unwrap();
        assert!(
            note.starts_with("row 2: Date d'achat \"31/02/2021\" is not a date"),
            "{note}"
        );
        assert!(
            note.contains("Montant HT \"environ 200\" is not an amount"),
            "{note}"
        );
    }

    #[test]
    fn statuses_go_through_the_status_map_and_an_empty_one_gets_no_status_phase() {
        let p = params(
            json!({"status_map": {"Prêté": "in_service", "Perdu": "destroyed"},
                               "no_status_phase": "in_stock", "default_phase": "retired"}),
        );
        let row =
            |status: &'static str| -> Vec<&'static str> { vec![status, "Écran", "", status] };
        let head: &[&str] = &["N° d'inventaire", "Catégorie", "Modèle", "Statut"];
        let out = outcomes(
            &[
                head,
                &row("Perdu"),
                &row("En stock"),
                &row("DEEE"),
                &row("Bizarre"),
                &["E", "Écran", "", ""],
            ],
            &p,
        );
        let got: Vec<(Phase, bool)> = out
            .iter()
            .map(|o| (record(o).phase, record(o).status_mapped))
            .collect();
        assert_eq!(
            got,
            vec![
                (Phase::Destroyed, true),
                (Phase::InStock, true),
                (Phase::Recycled, true),
                (Phase::Retired, false),
                (Phase::InStock, true),
            ]
        );
    }

    #[test]
    fn dates_in_every_spreadsheet_spelling() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (text, want) in [
            ("03/02/2021", d(2021, 2, 3)),
            ("3/2/2021", d(2021, 2, 3)),
            ("03-02-2021", d(2021, 2, 3)),
            ("03.02.21", d(2021, 2, 3)),
            ("2021-02-03", d(2021, 2, 3)),
            ("2021-02-03 00:00:00", d(2021, 2, 3)),
            ("2021-02-03T10:00:00", d(2021, 2, 3)),
            ("03/02/2021 14:30", d(2021, 2, 3)),
            ("45000", d(2023, 3, 15)),
            ("44927.75", d(2023, 1, 1)),
            ("2021", None),
            ("31/02/2021", None),
            ("février 2021", None),
            ("12/2021", None),
        ] {
            assert_eq!(parse_date(text), want, "{text}");
        }
    }
}
