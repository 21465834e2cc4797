//! What one printer tells over SNMP, read in a handful of requests: the system group, the
//! printer's hrDevice row (found by its type, never assumed to be 1), the marker and
//! supplies tables, and the colour and duplex counters of the PWG and vendor MIBs.
//!
//! Objects the agent does not hold, or holds with another type than the MIB's, are left
//! out: a printer exposes what it exposes, and one odd column never costs the others.

use std::time::{Duration, Instant};

use super::oids::{self, Oid, at};
use super::session::{self, Columns, Session, Value, dotted};
use crate::error::ConnectorError;

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

/// The objects of the first request, by position in its answer.
const SYS_DESCR: usize = 0;
const SYS_NAME: usize = 1;
const VENDOR: usize = 2;
const FIRST_OBJECTS: [Oid; 14] = [
    oids::SYS_DESCR,
    oids::SYS_NAME,
    oids::PWG_TOTAL_IMPRESSIONS,
    oids::PWG_MONO_IMPRESSIONS,
    oids::PWG_FULL_COLOUR_IMPRESSIONS,
    oids::PWG_HIGHLIGHT_COLOUR_IMPRESSIONS,
    oids::HP_COLOUR_PAGES,
    oids::HP_DUPLEX_PAGES,
    oids::HP_SERIAL,
    oids::XEROX_COLOUR_PRINTS,
    oids::XEROX_BLACK_PRINTS,
    oids::HP_TOTAL_ENGINE_PAGES,
    oids::PWG_TWO_SIDED_IMPRESSIONS,
    oids::PWG_TOTAL_SHEETS,
];

/// Rows asked of every column in the first request: a mono printer's tables (one device,
/// one marker, one or two supplies, one colorant) show their end within them, and the
/// printer's hrDevice row is among the first rows of its columns, so that the whole
/// printer is read in one GETBULK; longer tables go on after. 14 objects and 14 columns
/// of 3 rows: 56 objects, within the 64 of one answer.
const FIRST_ROWS: u32 = 3;

/// The columns of the printer's own row, read at its hrDeviceIndex: model, device status,
/// printer status and serial number. The printer tables are indexed by printers only, and
/// the printer is most often among the first devices, so the first rows read of each
/// usually hold it; when they do not, one GET reads it.
const DEVICE_ROW: [Oid; 4] = [
    oids::HR_DEVICE_DESCR,
    oids::HR_DEVICE_STATUS,
    oids::HR_PRINTER_STATUS,
    oids::PRT_GENERAL_SERIAL,
];

/// The columns read of the printer's tables.
struct Tables {
    columns: Columns,
    device_types: usize,
    /// The first rows of the hrDevice and printer columns read once the index is known:
    /// hrDeviceDescr, hrDeviceStatus, hrPrinterStatus and prtGeneralSerialNumber, in the
    /// order of [`DEVICE_ROW`].
    device_row: [usize; 4],
    marker_units: usize,
    marker_lives: usize,
    supplies: Vec<usize>,
    colorants: usize,
    media: Vec<usize>,
}

impl Tables {
    fn new() -> Tables {
        let mut columns = Columns::default();
        let marker = |c| at(oids::PRT_MARKER_ENTRY, &[c]);
        let supply = |c| at(oids::PRT_SUPPLIES_ENTRY, &[c]);
        Tables {
            device_types: columns.add(oids::HR_DEVICE_TYPE),
            device_row: DEVICE_ROW.map(|c| columns.add(c)),
            marker_units: columns.add(&marker(oids::MARKER_COUNTER_UNIT)),
            marker_lives: columns.add(&marker(oids::MARKER_LIFE_COUNT)),
            supplies: [
                oids::SUPPLY_COLORANT_INDEX,
                oids::SUPPLY_CLASS,
                oids::SUPPLY_TYPE,
                oids::SUPPLY_DESCRIPTION,
                oids::SUPPLY_MAX_CAPACITY,
                oids::SUPPLY_LEVEL,
            ]
            .into_iter()
            .map(|c| columns.add(&supply(c)))
            .collect(),
            colorants: columns.add(oids::PRT_COLORANT_VALUE),
            media: Vec::new(),
            columns,
        }
    }

    /// The media table, read for the lifetime rows of its first key (the device's; the
    /// next keys count the same sheets again for a service).
    fn add_media(&mut self) {
        let entry = |c| at(oids::PWG_MEDIA_USED_ENTRY, &[c]);
        let lifetime = |index: &[u64]| index.last() == Some(&oids::PWG_LIFETIME);
        self.media = [
            oids::MEDIA_USED_TOTAL_SHEETS,
            oids::MEDIA_USED_SIZE_NAME,
            oids::MEDIA_USED_NAME,
        ]
        .into_iter()
        .map(|c| self.columns.add_first_key(&entry(c), lifetime))
        .collect();
    }

    /// The rows of several columns of one table.
    fn rows_of(&self, columns: &[usize]) -> Vec<(Vec<u64>, Value)> {
        columns
            .iter()
            .flat_map(|c| self.columns.rows(*c).iter().cloned())
            .collect()
    }

    /// The printer's row in each [`DEVICE_ROW`] column, from the first rows read: its value,
    /// `Missing` when the column ended or went past the index without it, `None` when the
    /// rows read stop before the index (it takes a GET). Closes the columns: only this
    /// row of them is wanted.
    fn device_row(&mut self, device_index: u64) -> [Option<Value>; 4] {
        let mut out = [None, None, None, None];
        for (n, (column, root)) in self.device_row.iter().zip(DEVICE_ROW).enumerate() {
            let wanted = at(root, &[device_index]);
            let rows = self.columns.rows(*column);
            out[n] = match rows.iter().find(|(oid, _)| *oid == wanted) {
                Some((_, v)) => Some(v.clone()),
                None if !self.columns.is_open(*column) => Some(Value::Missing),
                None if rows.iter().any(|(oid, _)| *oid > wanted) => Some(Value::Missing),
                None => None,
            };
            self.columns.close(*column);
        }
        out
    }

    /// The printer's hrDeviceIndex: its hrDeviceType row's, else (agents without
    /// HOST-RESOURCES still index the Printer-MIB by device) the first marker's device.
    fn device(&self) -> Device {
        let by_type = self
            .columns
            .rows(self.device_types)
            .iter()
            .find_map(|(oid, v)| match v {
                Value::Oid(t) if t == oids::HR_DEVICE_PRINTER => oid.last().copied(),
                _ => None,
            });
        if let Some(index) = by_type {
            return Device::At(index);
        }
        if self.columns.is_open(self.device_types) {
            return Device::NotYetKnown;
        }
        let markers = [self.marker_units, self.marker_lives];
        let first_marker = markers
            .iter()
            .find_map(|c| self.columns.rows(*c).first())
            .and_then(|(oid, _)| oid.get(oids::PRT_MARKER_ENTRY.len() + 1).copied());
        match first_marker {
            Some(index) => Device::At(index),
            None if markers.iter().any(|c| self.columns.is_open(*c)) => Device::NotYetKnown,
            None => Device::None,
        }
    }
}

/// Where the printer is among the agent's devices.
enum Device {
    At(u64),
    /// The tables read so far do not tell yet.
    NotYetKnown,
    /// No hrDevicePrinter row and no Printer-MIB marker: not a printer.
    None,
}

/// What a read gathered, before it is made a [`Printer`]: the objects of [`FIRST_OBJECTS`]
/// and [`DEVICE_ROW`] by position (`Missing` where the agent holds none), and the rows of
/// the printer's tables (markers, supplies, colorants, media), by OID.
struct Gathered {
    first: Vec<Value>,
    device_index: u64,
    device: Vec<Value>,
    rows: Vec<(Vec<u64>, Value)>,
}

impl Gathered {
    /// prtGeneralSerialNumber, else HP's own.
    fn serial(&self) -> Option<String> {
        text(&self.device[3]).or_else(|| text(&self.first[VENDOR + 6]))
    }
}

/// How long a printer's [`Plan`] is trusted: a table that grew since it was made (an
/// option fitted, a supply slot added) is seen at the next full read, at most this late.
pub const PLAN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Where a printer's last full read found what it reads: the objects a later round asks in
/// plain GETs, instead of looking for them again. Against a printer that answers a few
/// dozen objects, that is half of them or less (the GETBULKs of a full read answer the
/// first rows of every column, those past the printer's included), and a GET costs an
/// agent less than the GETNEXTs of a walk.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Positions in [`FIRST_OBJECTS`] the printer holds.
    first: Vec<usize>,
    device_index: u64,
    /// Positions in [`DEVICE_ROW`] the printer holds.
    device: Vec<usize>,
    /// The rows a reading is made of, those of other devices or colorants no supply names
    /// left out.
    rows: Vec<Vec<u64>>,
    /// The serial read: another one is another printer, whose tables may hold more.
    serial: Option<String>,
    made: Instant,
}

impl Plan {
    fn of(g: &Gathered) -> Plan {
        let held = |values: &[Value]| {
            values
                .iter()
                .enumerate()
                .filter(|(_, v)| !matches!(v, Value::Missing | Value::EndOfMibView))
                .map(|(n, _)| n)
                .collect()
        };
        let of_device = |oid: &[u64], entry: &[u64]| {
            oid.starts_with(entry) && oid.get(entry.len() + 1) == Some(&g.device_index)
        };
        let colorants: Vec<Vec<u64>> = g
            .rows
            .iter()
            .filter(|(oid, _)| {
                of_device(oid, oids::PRT_SUPPLIES_ENTRY)
                    && oid.get(oids::PRT_SUPPLIES_ENTRY.len()) == Some(&oids::SUPPLY_COLORANT_INDEX)
            })
            .filter_map(|(_, v)| integer(v).filter(|c| *c > 0))
            .map(|c| at(oids::PRT_COLORANT_VALUE, &[g.device_index, c as u64]))
            .collect();
        let rows = g
            .rows
            .iter()
            .map(|(oid, _)| oid)
            .filter(|oid| {
                of_device(oid, oids::PRT_MARKER_ENTRY)
                    || of_device(oid, oids::PRT_SUPPLIES_ENTRY)
                    || oid.starts_with(oids::PWG_MEDIA_USED_ENTRY)
                    || colorants.contains(oid)
            })
            .cloned()
            .collect();
        Plan {
            first: held(&g.first),
            device_index: g.device_index,
            device: held(&g.device),
            rows,
            serial: g.serial(),
            made: Instant::now(),
        }
    }

    /// Every object the plan asks, in the order [`Plan::gathered`] takes their values.
    fn objects(&self) -> Vec<Vec<u64>> {
        let first = self.first.iter().map(|n| FIRST_OBJECTS[*n].to_vec());
        let device = self
            .device
            .iter()
            .map(|n| at(DEVICE_ROW[*n], &[self.device_index]));
        first
            .chain(device)
            .chain(self.rows.iter().cloned())
            .collect()
    }

    /// The values of [`Plan::objects`] put back where a full read puts them; `None` when
    /// the printer no longer holds one of them or gives another serial (another printer at
    /// the address, a board replaced, a table shorter): then only a full read tells.
    fn gathered(&self, values: Vec<Value>) -> Option<Gathered> {
        if values
            .iter()
            .any(|v| matches!(v, Value::Missing | Value::EndOfMibView))
        {
            return None;
        }
        let mut values = values.into_iter();
        let mut first = vec![Value::Missing; FIRST_OBJECTS.len()];
        for n in &self.first {
            first[*n] = values.next()?;
        }
        let mut device = vec![Value::Missing; DEVICE_ROW.len()];
        for n in &self.device {
            device[*n] = values.next()?;
        }
        let rows = self.rows.iter().cloned().zip(values).collect();
        let g = Gathered {
            first,
            device_index: self.device_index,
            device,
            rows,
        };
        (g.serial() == self.serial).then_some(g)
    }

    pub fn is_fresh(&self) -> bool {
        self.made.elapsed() < PLAN_LIFETIME
    }
}

/// A printer read, and the plan for its next read (none for a target that is no printer).
pub struct Read {
    pub outcome: Outcome,
    pub plan: Option<Plan>,
}

/// Reads a printer: with a fresh `plan`, in GETs of the objects it names; else, or when
/// the printer no longer holds them all, in full (see [`read_in_full`]).
pub async fn read(s: &mut Session, plan: Option<&Plan>) -> Result<Read, ConnectorError> {
    if let Some(plan) = plan.filter(|p| p.is_fresh()) {
        let values = s.get_all(&plan.objects()).await?;
        if let Some(g) = plan.gathered(values) {
            return Ok(Read {
                outcome: Outcome::Printer(Box::new(interpret(&g))),
                plan: Some(plan.clone()),
            });
        }
        tracing::debug!(
            target = %s.endpoint(),
            "the printer no longer holds what its last read found; read in full"
        );
    }
    Ok(match read_in_full(s).await? {
        Ok(g) => Read {
            plan: Some(Plan::of(&g)),
            outcome: Outcome::Printer(Box::new(interpret(&g))),
        },
        Err(sys_descr) => Read {
            outcome: Outcome::NotAPrinter { sys_descr },
            plan: None,
        },
    })
}

/// Reads a printer in full: one GETBULK of the system and vendor objects and the first rows
/// of its tables (its hrDevice row among them, most often), one GET of its hrDevice row
/// when it was not, and more GETBULKs only for longer tables. A target that is no printer
/// gives its sysDescr instead.
async fn read_in_full(s: &mut Session) -> Result<Result<Gathered, Option<String>>, ConnectorError> {
    let mut t = Tables::new();
    let first: Vec<Vec<u64>> = FIRST_OBJECTS.iter().map(|o| o.to_vec()).collect();
    let values = s.bulk(&first, &mut t.columns, FIRST_ROWS).await?;
    if let Device::NotYetKnown = t.device() {
        s.finish(&mut t.columns).await?;
    }
    let Device::At(device_index) = t.device() else {
        return Ok(Err(text(&values[SYS_DESCR])));
    };
    // The first printer row is the one read: the device types after it are not wanted.
    t.columns.close(t.device_types);
    // Only an agent with the PWG counter MIB may hold its media table: a table not asked
    // of every other printer.
    let vendor = &values[VENDOR..];
    let pwg = [0, 1, 2, 3, 10, 11]
        .iter()
        .any(|n| unsigned(&vendor[*n]).is_some());
    if pwg {
        t.add_media();
    }
    let device: Vec<Value> = match t.device_row(device_index) {
        [Some(a), Some(b), Some(c), Some(d)] => vec![a, b, c, d],
        // Not among the first rows: read at the index, with the rest of the tables.
        _ => {
            let row: Vec<Vec<u64>> = DEVICE_ROW.iter().map(|c| at(c, &[device_index])).collect();
            s.bulk(&row, &mut t.columns, session::MORE_ROWS).await?
        }
    };
    s.finish(&mut t.columns).await?;
    let mut rows = t.rows_of(&[t.marker_units, t.marker_lives]);
    rows.extend(t.rows_of(&t.supplies));
    rows.extend(t.columns.rows(t.colorants).iter().cloned());
    rows.extend(t.rows_of(&t.media));
    Ok(Ok(Gathered {
        first: values,
        device_index,
        device,
        rows,
    }))
}

/// The rows of `g` under `entry`.
fn under(g: &Gathered, entry: &[u64]) -> Vec<(Vec<u64>, Value)> {
    g.rows
        .iter()
        .filter(|(oid, _)| oid.starts_with(entry))
        .cloned()
        .collect()
}

/// The printer that gathered objects describe.
fn interpret(g: &Gathered) -> Printer {
    let device_index = g.device_index;
    let vendor = &g.first[VENDOR..];
    let device = &g.device;
    let marker_rows = under(g, oids::PRT_MARKER_ENTRY);
    let supply_rows = under(g, oids::PRT_SUPPLIES_ENTRY);
    let colorants = under(g, oids::PRT_COLORANT_VALUE);
    let media_rows = under(g, oids::PWG_MEDIA_USED_ENTRY);
    let (sheets_a3, sheets_a4) = by_media_size(&media_rows);

    let serial = g.serial();
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
                    let wanted = at(oids::PRT_COLORANT_VALUE, &[device_index, c as u64]);
                    colorants
                        .iter()
                        .find(|(oid, _)| *oid == wanted)
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
    Printer {
        sys_name: text(&g.first[SYS_NAME]),
        sys_descr: text(&g.first[SYS_DESCR]),
        device_index,
        model: text(&device[0]),
        serial,
        device_status: integer(&device[1]),
        printer_status: integer(&device[2]),
        markers,
        supplies,
        counters,
    }
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
struct Row<'a>(Vec<(u64, &'a Value)>);

impl Row<'_> {
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
fn rows_of<'a>(rows: &'a [(Vec<u64>, Value)], entry: &[u64], device: u64) -> Vec<(u64, Row<'a>)> {
    let mut out: Vec<(u64, Row<'a>)> = Vec::new();
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
            None => out.push((*row, Row(vec![(*column, value)]))),
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
