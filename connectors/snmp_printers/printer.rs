//! What one printer tells over SNMP, read in a handful of requests: the system group, the
//! printer's hrDevice row (found by its type, never assumed to be 1), the marker and
//! supplies tables, and the colour and duplex counters of the PWG and vendor MIBs.
//!
//! Objects the agent does not hold, or holds with another type than the MIB's, are left
//! out: a printer exposes what it exposes, and one odd column never costs the others.

use super::oids::{self, at};
use super::session::{Session, Value, dotted};
use crate::error::ConnectorError;

/// A table walk reads no more rows than this, against an agent that never ends its table.
const MAX_ROWS: usize = 512;

/// The facts read from one printer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Printer {
    pub sys_name: Option<String>,
    pub sys_descr: Option<String>,
    /// The hrDeviceIndex of the printer: every Printer-MIB table is indexed by it first.
    pub device_index: u64,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub device_status: Option<i64>,
    pub printer_status: Option<i64>,
    pub markers: Vec<Marker>,
    pub supplies: Vec<Supply>,
    pub counters: VendorCounters,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marker {
    /// prtMarkerCounterUnit: impressions 7, sheets 8…
    pub unit: Option<i64>,
    pub life_count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Supply {
    /// prtMarkerSuppliesIndex.
    pub index: u64,
    pub class: Option<i64>,
    /// IANA PrtMarkerSuppliesTypeTC.
    pub supply_type: Option<i64>,
    pub description: Option<String>,
    /// prtMarkerColorantValue of the supply's colorant ("black", "cyan"…).
    pub colorant: Option<String>,
    pub max_capacity: Option<i64>,
    pub level: Option<i64>,
}

/// Counters RFC 3805 does not split, from the PWG Imaging Counter MIB or a vendor's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorCounters {
    pub colour: Option<u64>,
    pub mono: Option<u64>,
    pub duplex: Option<u64>,
    /// PWG sheets, for a printer whose marker counts no sheets.
    pub sheets: Option<u64>,
    /// Sheets by media size (PWG icMediaUsedTable): A3 and near sizes, and the rest.
    pub sheets_a3: Option<u64>,
    pub sheets_a4: Option<u64>,
}

/// Why a target that answers gives no printer.
pub enum Outcome {
    Printer(Box<Printer>),
    /// It answers SNMP but has no hrDevicePrinter row and no Printer-MIB marker: a switch
    /// or a PC found in a range.
    NotAPrinter {
        sys_descr: Option<String>,
    },
}

pub async fn read(s: &mut Session) -> Result<Outcome, ConnectorError> {
    let system = s
        .get(&[
            oids::SYS_DESCR.to_vec(),
            oids::SYS_OBJECT_ID.to_vec(),
            oids::SYS_NAME.to_vec(),
        ])
        .await?;
    let sys_descr = text(&system[0]);
    let sys_name = text(&system[2]);

    let types = s.walk(oids::HR_DEVICE_TYPE, MAX_ROWS).await?;
    let by_type = types.iter().find_map(|(oid, v)| match v {
        Value::Oid(t) if t == oids::HR_DEVICE_PRINTER => oid.last().copied(),
        _ => None,
    });
    let marker_rows = s.walk(oids::PRT_MARKER_ENTRY, MAX_ROWS).await?;
    // Agents without HOST-RESOURCES still index the Printer-MIB by device: take its first.
    let device_index = by_type.or_else(|| {
        marker_rows
            .first()
            .and_then(|(oid, _)| oid.get(oids::PRT_MARKER_ENTRY.len() + 1).copied())
    });
    let Some(device_index) = device_index else {
        return Ok(Outcome::NotAPrinter { sys_descr });
    };
    let i = [device_index];

    let device = s
        .get(&[
            at(oids::HR_DEVICE_DESCR, &i),
            at(oids::HR_DEVICE_STATUS, &i),
            at(oids::HR_PRINTER_STATUS, &i),
            at(oids::PRT_GENERAL_SERIAL, &i),
        ])
        .await?;
    let vendor = s
        .get(&[
            oids::PWG_TOTAL_IMPRESSIONS.to_vec(),
            oids::PWG_MONO_IMPRESSIONS.to_vec(),
            oids::PWG_FULL_COLOUR_IMPRESSIONS.to_vec(),
            oids::PWG_HIGHLIGHT_COLOUR_IMPRESSIONS.to_vec(),
            oids::HP_COLOUR_PAGES.to_vec(),
            oids::HP_DUPLEX_PAGES.to_vec(),
            oids::HP_SERIAL.to_vec(),
            oids::XEROX_COLOUR_PRINTS.to_vec(),
            oids::XEROX_BLACK_PRINTS.to_vec(),
            oids::HP_TOTAL_ENGINE_PAGES.to_vec(),
            oids::PWG_TWO_SIDED_IMPRESSIONS.to_vec(),
            oids::PWG_TOTAL_SHEETS.to_vec(),
        ])
        .await?;
    let supply_rows = s.walk(oids::PRT_SUPPLIES_ENTRY, MAX_ROWS).await?;
    let colorants = s.walk(&at(oids::PRT_COLORANT_VALUE, &i), MAX_ROWS).await?;
    // Only an agent with the PWG counter MIB may hold its media table: one request saved
    // on every other printer.
    let pwg = [0, 1, 2, 3, 10, 11]
        .iter()
        .any(|n| unsigned(&vendor[*n]).is_some());
    let media_rows = if pwg {
        s.walk(oids::PWG_MEDIA_USED_ENTRY, MAX_ROWS).await?
    } else {
        Vec::new()
    };
    let (sheets_a3, sheets_a4) = by_media_size(&media_rows);

    let serial = text(&device[3]).or_else(|| text(&vendor[6]));
    let markers = rows_of(&marker_rows, oids::PRT_MARKER_ENTRY, device_index)
        .into_iter()
        .map(|(_, cols)| Marker {
            unit: cols.integer(oids::MARKER_COUNTER_UNIT),
            life_count: cols.unsigned(oids::MARKER_LIFE_COUNT),
        })
        .collect();
    let supplies = rows_of(&supply_rows, oids::PRT_SUPPLIES_ENTRY, device_index)
        .into_iter()
        .map(|(index, cols)| {
            let colorant = cols
                .integer(oids::SUPPLY_COLORANT_INDEX)
                .filter(|c| *c > 0)
                .and_then(|c| {
                    colorants
                        .iter()
                        .find(|(oid, _)| oid.last() == Some(&(c as u64)))
                        .and_then(|(_, v)| text(v))
                });
            Supply {
                index,
                class: cols.integer(oids::SUPPLY_CLASS),
                supply_type: cols.integer(oids::SUPPLY_TYPE),
                description: cols.text(oids::SUPPLY_DESCRIPTION),
                colorant,
                max_capacity: cols.integer(oids::SUPPLY_MAX_CAPACITY),
                level: cols.integer(oids::SUPPLY_LEVEL),
            }
        })
        .collect();
    let pwg_colour = match (unsigned(&vendor[2]), unsigned(&vendor[3])) {
        (Some(full), highlight) => Some(full + highlight.unwrap_or(0)),
        (None, h) => h,
    };
    // HP and some PWG agents give the total and the colour count only: mono is the rest.
    let rest = |total: Option<u64>, colour: Option<u64>| total?.checked_sub(colour?);
    let hp_colour = unsigned(&vendor[4]);
    let counters = VendorCounters {
        colour: pwg_colour.or(hp_colour).or_else(|| unsigned(&vendor[7])),
        mono: unsigned(&vendor[1])
            .or_else(|| rest(unsigned(&vendor[0]), pwg_colour))
            .or_else(|| rest(unsigned(&vendor[9]), hp_colour))
            .or_else(|| unsigned(&vendor[8])),
        duplex: unsigned(&vendor[5]).or_else(|| unsigned(&vendor[10])),
        sheets: unsigned(&vendor[11]),
        sheets_a3,
        sheets_a4,
    };
    Ok(Outcome::Printer(Box::new(Printer {
        sys_name,
        sys_descr,
        device_index,
        model: text(&device[0]),
        serial,
        device_status: integer(&device[1]),
        printer_status: integer(&device[2]),
        markers,
        supplies,
        counters,
    })))
}

/// An A3 sheet is twice an A4 (ISO 216); a size of 1.4 A4 or more (B4, ledger, SRA3, A3
/// and up) is counted with A3, anything smaller with A4.
const A3_FROM_A4_AREAS: f64 = 1.4;
const A4_MM2: f64 = 210.0 * 297.0;

/// The lifetime sheets of the PWG media table's first key, split into A3-like and the rest.
/// Rows whose size is not named count with A4; none at all gives `(None, None)`.
fn by_media_size(rows: &[(Vec<u64>, Value)]) -> (Option<u64>, Option<u64>) {
    let entry = oids::PWG_MEDIA_USED_ENTRY;
    // (key, medium) → (sheets, size name, medium name), lifetime rows only.
    let mut media: std::collections::BTreeMap<(u64, u64), (Option<u64>, Option<String>)> =
        std::collections::BTreeMap::new();
    for (oid, value) in rows {
        let [column, key, medium, persistence] = &oid[entry.len()..] else {
            tracing::debug!(oid = %dotted(oid), "a media row with an unexpected index; skipped");
            continue;
        };
        if *persistence != oids::PWG_LIFETIME {
            continue;
        }
        let m = media.entry((*key, *medium)).or_default();
        match *column {
            oids::MEDIA_USED_TOTAL_SHEETS => m.0 = unsigned(value),
            oids::MEDIA_USED_SIZE_NAME => m.1 = text(value).or(m.1.take()),
            oids::MEDIA_USED_NAME if m.1.is_none() => m.1 = text(value),
            _ => {}
        }
    }
    // Each key counts the same sheets again for a service or a subunit: the first is read.
    let Some(first) = media.keys().next().map(|(k, _)| *k) else {
        return (None, None);
    };
    let (mut a3, mut a4, mut any) = (0u64, 0u64, false);
    for ((_, _), (sheets, name)) in media.range((first, 0)..=(first, u64::MAX)) {
        let Some(sheets) = sheets else { continue };
        any = true;
        let large = name
            .as_deref()
            .and_then(area_mm2)
            .is_some_and(|a| a >= A3_FROM_A4_AREAS * A4_MM2);
        if large {
            a3 += sheets;
        } else {
            a4 += sheets;
        }
    }
    if any {
        (Some(a3), Some(a4))
    } else {
        (None, None)
    }
}

/// The area of a medium from its PWG 5101.1 name (`iso_a3_297x420mm`,
/// `na_ledger_11x17in`), else from a well-known size word in it.
fn area_mm2(name: &str) -> Option<f64> {
    let lower = name.to_ascii_lowercase();
    let dims = lower.rsplit(['_', ' ']).next().and_then(|d| {
        let (number, per_unit) = if let Some(d) = d.strip_suffix("mm") {
            (d, 1.0)
        } else {
            (d.strip_suffix("in")?, 25.4)
        };
        let (w, h) = number.split_once('x')?;
        let (w, h) = (w.parse::<f64>().ok()?, h.parse::<f64>().ok()?);
        (w > 0.0 && h > 0.0).then_some(w * h * per_unit * per_unit)
    });
    dims.or_else(|| {
        const WORDS: &[(&str, f64)] = &[
            ("a3", 297.0 * 420.0),
            ("ledger", 279.4 * 431.8),
            ("tabloid", 279.4 * 431.8),
            ("11x17", 279.4 * 431.8),
            ("a4", A4_MM2),
            ("letter", 215.9 * 279.4),
            ("a5", 148.0 * 210.0),
        ];
        let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
        WORDS
            .iter()
            .find(|(w, _)| words.contains(w))
            .map(|(_, a)| *a)
    })
}

/// The columns of one table row.
struct Columns<'a>(Vec<(u64, &'a Value)>);

impl Columns<'_> {
    fn get(&self, column: u64) -> Option<&Value> {
        self.0.iter().find(|(c, _)| *c == column).map(|(_, v)| *v)
    }
    fn integer(&self, column: u64) -> Option<i64> {
        self.get(column).and_then(integer)
    }
    fn unsigned(&self, column: u64) -> Option<u64> {
        self.get(column).and_then(unsigned)
    }
    fn text(&self, column: u64) -> Option<String> {
        self.get(column).and_then(text)
    }
}

/// The rows of `device` in a walked `entry` (`entry.column.device.row`), by row index.
fn rows_of<'a>(
    rows: &'a [(Vec<u64>, Value)],
    entry: &[u64],
    device: u64,
) -> Vec<(u64, Columns<'a>)> {
    let mut out: Vec<(u64, Columns<'a>)> = Vec::new();
    for (oid, value) in rows {
        let rest = &oid[entry.len()..];
        let [column, dev, row] = rest else {
            tracing::debug!(oid = %dotted(oid), "a table row with an unexpected index; skipped");
            continue;
        };
        if *dev != device {
            continue;
        }
        match out.iter_mut().find(|(r, _)| r == row) {
            Some((_, cols)) => cols.0.push((*column, value)),
            None => out.push((*row, Columns(vec![(*column, value)]))),
        }
    }
    out.sort_by_key(|(r, _)| *r);
    out
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Unsigned(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

/// A counter: Counter32/64 or Gauge, or an Integer some agents send instead (never negative).
fn unsigned(v: &Value) -> Option<u64> {
    match v {
        Value::Unsigned(u) => Some(*u),
        Value::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// Printers pad strings with NULs and spaces; an empty one says nothing.
fn text(v: &Value) -> Option<String> {
    let Value::Bytes(b) = v else { return None };
    let s = String::from_utf8_lossy(b);
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_one_device_are_grouped_by_row_and_others_ignored() {
        let e = oids::PRT_SUPPLIES_ENTRY;
        let rows = vec![
            (at(e, &[9, 2, 1]), Value::Integer(9000)),
            (at(e, &[9, 2, 2]), Value::Integer(-3)),
            (at(e, &[9, 1, 1]), Value::Integer(5)),
            (at(e, &[8, 2, 1]), Value::Integer(10000)),
            (at(e, &[8, 2]), Value::Integer(1)),
        ];
        let got = rows_of(&rows, e, 2);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 1);
        assert_eq!(got[0].1.integer(9), Some(9000));
        assert_eq!(got[0].1.integer(8), Some(10000));
        assert_eq!(got[1].1.integer(9), Some(-3));
        assert_eq!(got[1].1.integer(8), None);
    }

    #[test]
    fn strings_lose_their_padding_and_wrong_types_read_as_nothing() {
        assert_eq!(
            text(&Value::Bytes(b"CNB123 \0\0".to_vec())),
            Some("CNB123".into())
        );
        assert_eq!(text(&Value::Bytes(b" \0".to_vec())), None);
        assert_eq!(text(&Value::Integer(3)), None);
        assert_eq!(unsigned(&Value::Integer(-1)), None);
        assert_eq!(unsigned(&Value::Bytes(b"12".to_vec())), None);
        assert_eq!(integer(&Value::Missing), None);
    }

    #[test]
    fn media_sizes_read_from_pwg_names_or_words() {
        let a4 = area_mm2("iso_a4_210x297mm").unwrap();
        assert!((a4 - A4_MM2).abs() < 1e-6);
        let a3 = area_mm2("iso_a3_297x420mm").unwrap();
        assert!((a3 / a4 - 2.0).abs() < 0.001, "{}", a3 / a4);
        assert!(area_mm2("na_ledger_11x17in").unwrap() >= A3_FROM_A4_AREAS * A4_MM2);
        assert!(area_mm2("na_letter_8.5x11in").unwrap() < A3_FROM_A4_AREAS * A4_MM2);
        assert!(area_mm2("jis_b4_257x364mm").unwrap() >= A3_FROM_A4_AREAS * A4_MM2);
        assert_eq!(area_mm2("Plain A3"), Some(297.0 * 420.0));
        assert_eq!(area_mm2("Papier recyclé"), None);
        assert_eq!(area_mm2("custom_0x0mm"), None);
    }

    #[test]
    fn the_first_keys_lifetime_media_rows_split_into_a3_and_the_rest() {
        let e = oids::PWG_MEDIA_USED_ENTRY;
        let text = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        let rows = vec![
            (at(e, &[4, 1, 1, 3]), Value::Unsigned(9000)),
            (at(e, &[4, 1, 1, 4]), Value::Unsigned(5)),
            (at(e, &[4, 1, 2, 3]), Value::Unsigned(1200)),
            (at(e, &[4, 1, 3, 3]), Value::Unsigned(30)),
            (at(e, &[4, 1, 4, 3]), text("lots")),
            (at(e, &[4, 2, 1, 3]), Value::Unsigned(777)),
            (at(e, &[9, 1, 1, 3]), text("iso_a4_210x297mm")),
            (at(e, &[9, 1, 2, 3]), text("iso_a3_297x420mm")),
            (at(e, &[9, 1, 4, 3]), text("iso_a3_297x420mm")),
            (at(e, &[11, 1, 3, 3]), text("Papier en-tête")),
            (at(e, &[9, 2, 1, 3]), text("iso_a3_297x420mm")),
        ];
        // Key 2 counts again for a service; the medium counted as text gives nothing; the
        // one without a size name is A4's.
        assert_eq!(by_media_size(&rows), (Some(1200), Some(9030)));
        assert_eq!(by_media_size(&[]), (None, None));
    }
}
