//! One simulated printer: what it is ([`PrinterSpec`]), how its counters and supplies move
//! from one round to the next, and the objects it serves, as the `snmp_printers` connector
//! reads them (SNMPv2-MIB, HOST-RESOURCES-MIB, Printer-MIB, and the PWG or vendor counters of
//! its make). No I/O here.

use async_snmp::handler::OidTable;
use async_snmp::{Oid, Value};

/// Who made the printer: it decides the private MIB of its colour, mono and duplex counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Make {
    /// HP's private MIB: total engine pages, colour pages, duplex pages, serial.
    Hp,
    /// Xerox's xcmHrDevDetail: colour and black prints.
    Xerox,
    /// The PWG Imaging System Counter MIB (Ricoh, Kyocera, Canon, Brother…).
    Pwg,
}

/// What a printer is, and where its counters start.
#[derive(Clone, Debug, PartialEq)]
pub struct PrinterSpec {
    /// prtGeneralSerialNumber: the key that joins its readings to the inventory's record.
    pub serial: String,
    /// sysName: the name its administrator gave it.
    pub sys_name: String,
    /// sysDescr: the firmware's description of itself.
    pub sys_descr: String,
    /// hrDeviceDescr, e.g. `HP LaserJet Pro M404dn`.
    pub model: String,
    /// Which private MIB holds its colour, mono and duplex counters.
    pub make: Make,
    /// Four toners (CMYK), a waste toner box and colour counters; else one black toner.
    pub colour: bool,
    /// Pages printed before the simulation starts (prtMarkerLifeCount).
    pub pages: u64,
    /// Pages printed per round, on average; a round may print nothing.
    pub pages_per_round: u64,
    /// Its black toner starts a few rounds from empty, so a replacement comes soon.
    pub nearly_empty: bool,
    /// It answers nothing, as a printer switched off.
    pub switched_off: bool,
}

/// A cartridge is replaced once it has less than this share of its yield left.
const REPLACE_BELOW: f64 = 0.02;

/// prtMarkerSuppliesSupplyUnit: impressions (7), percent (19).
const UNIT_IMPRESSIONS: i32 = 7;
const UNIT_PERCENT: i32 = 19;

/// One row of the supplies table.
#[derive(Clone, Debug)]
struct Supply {
    description: &'static str,
    /// Index in the colorant table (1 black, 2 cyan…), 0 for none.
    colorant: i32,
    /// prtMarkerSuppliesClass: 3 consumed, 4 filled (a receptacle).
    class: i32,
    /// IANA PrtMarkerSuppliesTypeTC: 4 wasteToner, 9 opc, 15 fuser, 21 tonerCartridge.
    supply_type: i32,
    unit: i32,
    /// Pages it lasts (its yield), when it is counted; `None` for parts whose level the
    /// printer does not tell (a drum says "some remaining", a fuser "other").
    yield_pages: Option<f64>,
    /// Pages left (of toner, or of room for a waste box).
    left: f64,
    /// The capacity and level served when `yield_pages` is `None`: -1 other, -3 some
    /// remaining.
    fixed: (i32, i32),
}

impl Supply {
    fn cartridge(description: &'static str, colorant: i32, yield_pages: f64, unit: i32) -> Self {
        Supply {
            description,
            colorant,
            class: 3,
            supply_type: 21,
            unit,
            yield_pages: Some(yield_pages),
            left: yield_pages,
            fixed: (0, 0),
        }
    }

    fn part(description: &'static str, supply_type: i32, max: i32, level: i32) -> Self {
        Supply {
            description,
            colorant: 0,
            class: 3,
            supply_type,
            unit: UNIT_IMPRESSIONS,
            yield_pages: None,
            left: 0.0,
            fixed: (max, level),
        }
    }

    /// prtMarkerSuppliesMaxCapacity and prtMarkerSuppliesLevel as served.
    fn max_and_level(&self) -> (i32, i32) {
        match self.yield_pages {
            None => self.fixed,
            Some(y) if self.unit == UNIT_PERCENT => {
                (100, (self.left * 100.0 / y).ceil().clamp(0.0, 100.0) as i32)
            }
            Some(y) => (y as i32, self.left.round().max(0.0) as i32),
        }
    }

    /// Uses `pages` of it; a nearly empty one is swapped for a new one. True when swapped.
    fn use_pages(&mut self, pages: f64) -> bool {
        let Some(y) = self.yield_pages else {
            return false;
        };
        self.left = (self.left - pages).max(0.0);
        if self.left < y * REPLACE_BELOW {
            self.left = y;
            return true;
        }
        false
    }
}

/// A printer whose counters move.
#[derive(Clone, Debug)]
pub struct SimPrinter {
    pub spec: PrinterSpec,
    /// Pages printed, all kinds.
    pub pages: u64,
    /// Of them, in colour.
    pub colour_pages: u64,
    /// Of them, on both sides of the sheet.
    pub duplex_pages: u64,
    /// Cartridges and waste boxes replaced since the simulation started.
    pub replaced: u64,
    /// Whether it printed in the last round (hrPrinterStatus printing, else idle).
    printing: bool,
    colour_share: f64,
    duplex_share: f64,
    supplies: Vec<Supply>,
    seed: u64,
}

/// The printer's hrDeviceIndex: MFPs list their processor and network interface first, as
/// real ones do, so the connector must find the printer's row by its type.
fn device_index(colour: bool) -> u32 {
    if colour { 3 } else { 1 }
}

fn seed_of(serial: &str) -> u64 {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    serial.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SimPrinter {
    pub fn new(spec: PrinterSpec) -> SimPrinter {
        let seed = seed_of(&spec.serial);
        let mut rng = fastrand::Rng::with_seed(seed);
        let colour_share = if spec.colour {
            0.2 + rng.f64() * 0.25
        } else {
            0.0
        };
        let duplex_share = 0.25 + rng.f64() * 0.3;
        let mut supplies = if spec.colour {
            vec![
                Supply::cartridge("Black Toner Cartridge", 1, 30_000.0, UNIT_PERCENT),
                Supply::cartridge("Cyan Toner Cartridge", 2, 19_000.0, UNIT_PERCENT),
                Supply::cartridge("Magenta Toner Cartridge", 3, 19_000.0, UNIT_PERCENT),
                Supply::cartridge("Yellow Toner Cartridge", 4, 19_000.0, UNIT_PERCENT),
                Supply::part("Drum Unit", 9, 180_000, -3),
                Supply {
                    class: 4,
                    supply_type: 4,
                    ..Supply::cartridge("Waste Toner Container", 0, 50_000.0, UNIT_PERCENT)
                },
                Supply::part("Fuser Unit", 15, -1, -1),
            ]
        } else {
            vec![
                Supply::cartridge("Black Cartridge", 1, 3_000.0, UNIT_IMPRESSIONS),
                Supply::part("Imaging Drum", 9, 23_000, -3),
            ]
        };
        for s in &mut supplies {
            if let Some(y) = s.yield_pages {
                s.left = y * (0.08 + rng.f64() * 0.92);
            }
        }
        if spec.nearly_empty {
            let black = &mut supplies[0];
            let y = black.yield_pages.unwrap_or_default();
            black.left = y * REPLACE_BELOW + (spec.pages_per_round * 3) as f64;
        }
        let colour_pages = (spec.pages as f64 * colour_share) as u64;
        let duplex_pages = (spec.pages as f64 * duplex_share) as u64;
        SimPrinter {
            pages: spec.pages,
            colour_pages,
            duplex_pages,
            replaced: 0,
            printing: false,
            colour_share,
            duplex_share,
            supplies,
            seed,
            spec,
        }
    }

    /// Pages printed in black only.
    pub fn mono_pages(&self) -> u64 {
        self.pages - self.colour_pages
    }

    /// One round of work: `round` draws the same pages for the same printer every time.
    pub fn advance(&mut self, round: u64) {
        let mut rng = fastrand::Rng::with_seed(self.seed ^ round.wrapping_mul(0x9e37_79b9));
        let rate = self.spec.pages_per_round;
        // One round in four the printer sits idle.
        let printed = if rate == 0 || rng.u8(0..4) == 0 {
            0
        } else {
            rng.u64(1..=rate * 2)
        };
        let colour = (printed as f64 * self.colour_share).round() as u64;
        let duplex = (printed as f64 * self.duplex_share).round() as u64;
        self.pages += printed;
        self.colour_pages += colour;
        self.duplex_pages += duplex;
        self.printing = printed > 0;
        let mono = (printed - colour) as f64;
        let colour = colour as f64;
        for s in &mut self.supplies {
            // A colour page takes some black too; coverage varies from page to page.
            let used = match (s.supply_type, s.colorant) {
                (21, 1) => mono + colour * 0.3,
                (21, _) => colour * (0.7 + rng.f64() * 0.6),
                (4, _) => colour * 0.5 + mono * 0.1,
                _ => 0.0,
            };
            if s.use_pages(used) {
                self.replaced += 1;
            }
        }
    }

    /// The objects it serves now, in OID order.
    pub fn view(&self) -> OidTable<Value> {
        let mut t: Vec<(Oid, Value)> = Vec::with_capacity(96);
        let mut put = |oid: &[u32], v: Value| t.push((Oid::from_slice(oid), v));
        let text = |s: &str| Value::OctetString(s.to_string().into());
        let oid = |o: &[u32]| Value::ObjectIdentifier(Oid::from_slice(o));
        let counter = |n: u64| Value::Counter32((n % (1 << 32)) as u32);
        let spec = &self.spec;
        let d = device_index(spec.colour);

        put(&[1, 3, 6, 1, 2, 1, 1, 1, 0], text(&spec.sys_descr));
        put(&[1, 3, 6, 1, 2, 1, 1, 2, 0], oid(enterprise(spec)));
        // sysUpTime: the agent replaces it with its own time when served.
        put(SYS_UPTIME, Value::TimeTicks(0));
        put(&[1, 3, 6, 1, 2, 1, 1, 5, 0], text(&spec.sys_name));

        let low = self.supplies.iter().any(|s| {
            s.yield_pages
                .is_some_and(|y| s.class == 3 && s.left < y * 0.1)
        });
        // hrDeviceTable: type (2), descr (3), status (5): running 2, warning 3.
        let mut devices = vec![(d, HR_DEVICE_PRINTER, spec.model.as_str())];
        if spec.colour {
            devices.insert(0, (1, HR_DEVICE_PROCESSOR, "Processor"));
            devices.insert(1, (2, HR_DEVICE_NETWORK, "Network Interface"));
        }
        for column in [2, 3, 5] {
            for &(i, kind, descr) in &devices {
                let v = match column {
                    2 => oid(kind),
                    3 => text(descr),
                    _ => Value::Integer(if i == d && low { 3 } else { 2 }),
                };
                put(&[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, column, i], v);
            }
        }
        // hrPrinterStatus: idle 3, printing 4; hrPrinterDetectedErrorState: nothing.
        put(
            &[1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1, d],
            Value::Integer(if self.printing { 4 } else { 3 }),
        );
        put(
            &[1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 2, d],
            Value::OctetString(vec![0u8, 0].into()),
        );
        put(&[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17, d], text(&spec.serial));

        // prtMarkerTable, one marker: technology electrophotographicLaser (4), counting
        // impressions (7), the life count, and its process colorants.
        let colorants: &[&str] = if spec.colour {
            &["black", "cyan", "magenta", "yellow"]
        } else {
            &["black"]
        };
        for (column, v) in [
            (2, Value::Integer(4)),
            (3, Value::Integer(7)),
            (4, counter(self.pages)),
            (6, Value::Integer(colorants.len() as i32)),
        ] {
            put(&[1, 3, 6, 1, 2, 1, 43, 10, 2, 1, column, d, 1], v);
        }

        // prtMarkerSuppliesTable: colorant (3), class (4), type (5), description (6),
        // unit (7), max capacity (8), level (9).
        for column in 3..=9u32 {
            for (n, s) in self.supplies.iter().enumerate() {
                let (max, level) = s.max_and_level();
                let v = match column {
                    3 => Value::Integer(s.colorant),
                    4 => Value::Integer(s.class),
                    5 => Value::Integer(s.supply_type),
                    6 => text(s.description),
                    7 => Value::Integer(s.unit),
                    8 => Value::Integer(max),
                    _ => Value::Integer(level),
                };
                put(
                    &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, column, d, n as u32 + 1],
                    v,
                );
            }
        }
        for (n, name) in colorants.iter().enumerate() {
            put(
                &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4, d, n as u32 + 1],
                text(name),
            );
        }

        match spec.make {
            Make::Hp => {
                let hp = |leaf: u32| [1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, leaf, 0];
                put(&hp(5), counter(self.pages));
                if spec.colour {
                    put(&hp(7), counter(self.colour_pages));
                }
                put(&hp(22), counter(self.duplex_pages));
                put(
                    &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 1, 3, 3, 0],
                    text(&spec.serial),
                );
            }
            Make::Xerox => {
                let xerox = |leaf: u32| [1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1, 6, 1, 20, leaf];
                if spec.colour {
                    put(&xerox(33), counter(self.colour_pages));
                }
                put(&xerox(34), counter(self.mono_pages()));
            }
            Make::Pwg => {
                // icImpressionTable, row (key 1, workTotals 3, lifetime 3).
                let pwg = |column: u32| [1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1, column, 1, 3, 3];
                put(&pwg(4), counter(self.pages));
                put(&pwg(5), counter(self.mono_pages()));
                if spec.colour {
                    put(&pwg(7), counter(self.colour_pages));
                }
            }
        }
        t.into_iter().collect()
    }
}

/// sysUpTime.0.
pub const SYS_UPTIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
const HR_DEVICE_PROCESSOR: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 3];
const HR_DEVICE_NETWORK: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 4];
const HR_DEVICE_PRINTER: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 5];

/// sysObjectID: the maker's enterprise branch (IANA numbers).
fn enterprise(spec: &PrinterSpec) -> &'static [u32] {
    let descr = spec.sys_descr.to_lowercase();
    match spec.make {
        Make::Hp => &[1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 1],
        Make::Xerox => &[1, 3, 6, 1, 4, 1, 253, 8, 62, 1, 20],
        Make::Pwg if descr.contains("ricoh") => &[1, 3, 6, 1, 4, 1, 367, 1, 1],
        Make::Pwg if descr.contains("kyocera") => &[1, 3, 6, 1, 4, 1, 1347, 41],
        Make::Pwg if descr.contains("canon") => &[1, 3, 6, 1, 4, 1, 1602, 4, 7],
        Make::Pwg if descr.contains("brother") => &[1, 3, 6, 1, 4, 1, 2435, 2, 3, 9, 1],
        Make::Pwg => &[1, 3, 6, 1, 4, 1, 2699, 1, 1],
    }
}
