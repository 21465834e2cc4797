//! Printer page counters as GLPI keeps them: the daily rows of `PrinterLog` (GLPI 10 and
//! later, written by the GLPI Agent's network inventory), or a printer's own
//! `last_pages_counter` on a GLPI that does not serve the log. No I/O here.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::client::Refusal;
use super::wire;
use crate::reading::known::{
    PRINTED_PAGES, PRINTED_PAGES_COLOUR, PRINTED_PAGES_DUPLEX, PRINTED_PAGES_MONO,
};
use crate::reading::{Measure, Quantity, Reading, Subject};

/// The itemtype of the log, as the API names it.
pub const ITEMTYPE: &str = "PrinterLog";

pub const SCANNED_PAGES: Quantity = Quantity {
    name: "scanned_pages",
    unit: "pages",
    measure: Measure::Counter,
};
pub const COPIED_PAGES: Quantity = Quantity {
    name: "copied_pages",
    unit: "pages",
    measure: Measure::Counter,
};
pub const FAXED_PAGES: Quantity = Quantity {
    name: "faxed_pages",
    unit: "pages",
    measure: Measure::Counter,
};

/// The columns of `glpi_printerlogs` parcd reads, and the quantity each is a reading of.
/// `prints` and the black and colour splits of prints and copies are left: they part the
/// same impressions again.
pub const COLUMNS: [(&str, Quantity); 7] = [
    ("total_pages", PRINTED_PAGES),
    ("bw_pages", PRINTED_PAGES_MONO),
    ("color_pages", PRINTED_PAGES_COLOUR),
    ("rv_pages", PRINTED_PAGES_DUPLEX),
    ("copies", COPIED_PAGES),
    ("scanned", SCANNED_PAGES),
    ("faxed", FAXED_PAGES),
];

/// Why a GLPI does not serve `PrinterLog` to parcd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unserved {
    /// No such itemtype: GLPI before 10.0 (`ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM`).
    Absent(Refusal),
    /// The user may not read it (`ERROR_RIGHT_MISSING`: 403 since GLPI 10, 401 before).
    Forbidden(Refusal),
}

impl Unserved {
    /// Whether GLPI's refusal of the log means parcd should read the printers' own counter
    /// instead; any other refusal is an error of the sync.
    pub fn of(refusal: Refusal) -> Result<Unserved, Refusal> {
        match (refusal.status, refusal.code.as_str()) {
            (_, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM") | (404, _) => {
                Ok(Unserved::Absent(refusal))
            }
            (_, "ERROR_RIGHT_MISSING") | (403, _) => Ok(Unserved::Forbidden(refusal)),
            _ => Err(refusal),
        }
    }

    /// What a DSI reads in the log, once.
    pub fn explain(&self) -> String {
        match self {
            Unserved::Absent(r) => format!(
                "GLPI has no PrinterLog (HTTP {} {}: GLPI before 10.0): printer page counters \
                 are read from each printer's last_pages_counter instead, one reading per \
                 inventory of the printer",
                r.status, r.code
            ),
            Unserved::Forbidden(r) => format!(
                "the GLPI user may not read PrinterLog (HTTP {} {}): give its profile the read \
                 right on printers; meanwhile printer page counters are read from each \
                 printer's last_pages_counter",
                r.status, r.code
            ),
        }
    }
}

/// The printer a log row is about: `printers_id` (GLPI 10), or `itemtype` = `Printer` and
/// `items_id` (GLPI 11, which also logs assets of its own printer-like types: not read).
pub fn printer_of(row: &Value) -> Option<u64> {
    if let Some(id) = wire::fk(row, "printers_id") {
        return Some(id);
    }
    match wire::text(row, "itemtype").as_deref() {
        Some("Printer") => wire::fk(row, "items_id"),
        _ => None,
    }
}

/// The readings of one log row about printer `id`, dated at the start of the row's day
/// (UTC): GLPI keeps one row per printer and day. A counter at 0 is one the agent did not
/// report (the columns are `NOT NULL DEFAULT 0`) and gives no reading: taken as a value, it
/// would make the first real count a step of the printer's whole life.
pub fn log_readings(id: u64, serial: Option<&str>, row: &Value) -> Vec<Reading> {
    let Some(day) = wire::date(row, "date") else {
        return Vec::new();
    };
    let at = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    COLUMNS
        .iter()
        .filter_map(|(column, quantity)| {
            let value = wire::uint(row, column).filter(|v| *v > 0)?;
            Some(Reading::new(
                subject(id, serial),
                *quantity,
                value as f64,
                at,
            ))
        })
        .collect()
}

/// A printer row's `last_pages_counter` as a reading, dated at the printer's last
/// inventory (when the agent wrote the counter), else at its last change, else `now`.
pub fn counter_reading(
    id: u64,
    serial: Option<&str>,
    row: &Value,
    now: DateTime<Utc>,
) -> Option<Reading> {
    let value = wire::uint(row, "last_pages_counter").filter(|v| *v > 0)?;
    let at = ["last_inventory_update", "date_mod"]
        .iter()
        .find_map(|k| timestamp(row, k))
        .unwrap_or(now);
    Some(Reading::new(
        subject(id, serial),
        PRINTED_PAGES,
        value as f64,
        at,
    ))
}

/// The printer as the inventory names it, so that the reading joins its record (and, by
/// serial, what other sources read of it).
fn subject(id: u64, serial: Option<&str>) -> Subject {
    Subject::Device {
        id: format!("Printer/{id}"),
        serial: serial.map(str::to_string),
    }
}

/// A TIMESTAMP column, in GLPI's own clock taken as UTC (the API gives no zone).
fn timestamp(row: &Value, key: &str) -> Option<DateTime<Utc>> {
    let s = wire::text(row, key)?;
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_glpi_10_row_gives_one_reading_per_reported_counter_at_its_day() {
        let row = json!({"id": 9, "printers_id": 42, "total_pages": 15230, "bw_pages": 12000,
            "color_pages": 3230, "rv_pages": 0, "prints": 14000, "copies": 1230, "scanned": 800,
            "faxed": 0, "date": "2026-10-31", "date_mod": "2026-10-31 08:02:11"});
        assert_eq!(printer_of(&row), Some(42));
        let r = log_readings(42, Some("CNB1234"), &row);
        let got: Vec<(&str, f64)> = r.iter().map(|r| (r.quantity.as_str(), r.value)).collect();
        assert_eq!(
            got,
            [
                ("printed_pages", 15230.0),
                ("printed_pages_mono", 12000.0),
                ("printed_pages_colour", 3230.0),
                ("copied_pages", 1230.0),
                ("scanned_pages", 800.0),
            ]
        );
        assert!(
            r.iter()
                .all(|r| r.at.to_rfc3339() == "2026-10-31T00:00:00+00:00")
        );
        assert_eq!(r[0].subject.key(), "Printer/42");
        assert_eq!(r[0].subject.join_serial().as_deref(), Some("CNB1234"));
    }

    #[test]
    fn a_glpi_11_row_names_its_printer_by_itemtype_and_items_id() {
        let printer = json!({"itemtype": "Printer", "items_id": 7, "total_pages": 10});
        assert_eq!(printer_of(&printer), Some(7));
        let custom = json!({"itemtype": "Glpi\\CustomAsset\\TraceurAsset", "items_id": 7});
        assert_eq!(printer_of(&custom), None);
    }

    #[test]
    fn a_row_without_a_day_gives_nothing() {
        let row = json!({"printers_id": 1, "total_pages": 10, "date": null});
        assert!(log_readings(1, None, &row).is_empty());
    }

    #[test]
    fn the_printer_counter_is_dated_at_its_last_inventory_else_its_last_change() {
        let now = Utc::now();
        let row = json!({"id": 3, "last_pages_counter": 154233,
            "last_inventory_update": "2024-05-02 07:00:11", "date_mod": "2024-05-03 10:00:00"});
        let r = counter_reading(3, None, &row, now).unwrap();
        assert_eq!((r.quantity.as_str(), r.value), ("printed_pages", 154233.0));
        assert_eq!(r.at.to_rfc3339(), "2024-05-02T07:00:11+00:00");
        let manual = json!({"last_pages_counter": 10, "last_inventory_update": null,
            "date_mod": "2024-05-03 10:00:00"});
        assert_eq!(
            counter_reading(3, None, &manual, now)
                .unwrap()
                .at
                .to_rfc3339(),
            "2024-05-03T10:00:00+00:00"
        );
        assert!(counter_reading(3, None, &json!({"last_pages_counter": 0}), now).is_none());
    }

    #[test]
    fn refusals_of_the_log_are_told_apart_from_errors() {
        let refusal = |status: u16, code: &str| Refusal {
            status,
            code: code.into(),
            message: String::new(),
        };
        assert!(matches!(
            Unserved::of(refusal(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM")),
            Ok(Unserved::Absent(_))
        ));
        assert!(matches!(
            Unserved::of(refusal(403, "ERROR_RIGHT_MISSING")),
            Ok(Unserved::Forbidden(_))
        ));
        assert!(matches!(
            Unserved::of(refusal(401, "ERROR_RIGHT_MISSING")),
            Ok(Unserved::Forbidden(_))
        ));
        assert!(Unserved::of(refusal(500, "ERROR_SQL")).is_err());
        assert!(Unserved::of(refusal(400, "ERROR_RANGE_EXCEED_TOTAL")).is_err());
    }
}
