//! From what a printer said to readings: the bounded set of quantities this kind produces,
//! the supply kinds they are keyed by, and the supply replacements seen between rounds.
//! No I/O here.

use chrono::{DateTime, Utc};

use super::cursor::{MAX_SUPPLIES, Memory};
use super::printer::{Printer, Supply};
pub use crate::reading::known::{
    PRINTED_PAGES, PRINTED_PAGES_COLOUR, PRINTED_PAGES_DUPLEX, PRINTED_PAGES_MONO, PRINTED_SHEETS,
    PRINTED_SHEETS_A3, PRINTED_SHEETS_A4, RESPONDING, SUPPLY_REPLACEMENTS,
};
use crate::reading::{Measure, Quantity, Reading, Subject};

/// hrDeviceStatus: unknown 1, running 2, warning 3, testing 4, down 5.
pub const DEVICE_STATUS: Quantity = Quantity {
    name: "device_status",
    unit: "hr_device_status",
    measure: Measure::Gauge,
};
/// hrPrinterStatus: other 1, unknown 2, idle 3, printing 4, warmup 5.
pub const PRINTER_STATUS: Quantity = Quantity {
    name: "printer_status",
    unit: "hr_printer_status",
    measure: Measure::Gauge,
};

/// Every quantity this kind reads, for whoever bounds or lists them.
pub fn quantities() -> Vec<Quantity> {
    let mut all = vec![
        RESPONDING,
        PRINTED_PAGES,
        PRINTED_SHEETS,
        PRINTED_PAGES_COLOUR,
        PRINTED_PAGES_MONO,
        PRINTED_PAGES_DUPLEX,
        PRINTED_SHEETS_A3,
        PRINTED_SHEETS_A4,
        DEVICE_STATUS,
        PRINTER_STATUS,
        SUPPLY_REPLACEMENTS,
    ];
    all.extend(SupplyKind::ALL.iter().map(|k| k.quantity()));
    all
}

const fn level(name: &'static str) -> Quantity {
    Quantity {
        name,
        unit: "percent",
        measure: Measure::Gauge,
    }
}

/// What a supply is to a DSI: the colourant it holds, or the part it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SupplyKind {
    Black,
    Cyan,
    Magenta,
    Yellow,
    /// Toner or ink of another colour (light cyan, red, a spot colour…).
    OtherColour,
    /// opc (the drum) and the developer unit.
    Drum,
    Fuser,
    Transfer,
    /// Waste toner or ink receptacles: their level is the space left.
    Waste,
    Other,
}

impl SupplyKind {
    pub const ALL: [SupplyKind; 10] = [
        SupplyKind::Black,
        SupplyKind::Cyan,
        SupplyKind::Magenta,
        SupplyKind::Yellow,
        SupplyKind::OtherColour,
        SupplyKind::Drum,
        SupplyKind::Fuser,
        SupplyKind::Transfer,
        SupplyKind::Waste,
        SupplyKind::Other,
    ];

    /// The level quantity of the kind, in percent of the supply's capacity.
    pub fn quantity(self) -> Quantity {
        match self {
            SupplyKind::Black => level("supply_level_black"),
            SupplyKind::Cyan => level("supply_level_cyan"),
            SupplyKind::Magenta => level("supply_level_magenta"),
            SupplyKind::Yellow => level("supply_level_yellow"),
            SupplyKind::OtherColour => level("supply_level_other_colour"),
            SupplyKind::Drum => level("supply_level_drum"),
            SupplyKind::Fuser => level("supply_level_fuser"),
            SupplyKind::Transfer => level("supply_level_transfer"),
            SupplyKind::Waste => level("supply_level_waste"),
            SupplyKind::Other => level("supply_level_other"),
        }
    }

    /// From prtMarkerSuppliesClass and Type (IANA PrtMarkerSuppliesTypeTC), and for a
    /// colourant its colour: the colorant table's name, else the description's words.
    pub fn of(s: &Supply) -> SupplyKind {
        const RECEPTACLE: i64 = 4;
        match s.supply_type {
            // wasteToner, wasteInk, wasteWax, wasteWater, wastePaper
            Some(4 | 8 | 14 | 24 | 26) => SupplyKind::Waste,
            _ if s.class == Some(RECEPTACLE) => SupplyKind::Waste,
            // toner, ink, inkCartridge, inkRibbon, solidWax, ribbonWax, tonerCartridge
            Some(3 | 5 | 6 | 7 | 12 | 13 | 21) => colour(s),
            // opc, developer
            Some(9 | 10) => SupplyKind::Drum,
            // fuserOil, fuser, fuserOilWick, fuserCleaningPad, fuserOiler
            Some(11 | 15 | 17 | 19 | 22) => SupplyKind::Fuser,
            Some(20) => SupplyKind::Transfer,
            _ => SupplyKind::Other,
        }
    }
}

fn colour(s: &Supply) -> SupplyKind {
    const WORDS: &[(&str, SupplyKind)] = &[
        ("light", SupplyKind::OtherColour),
        ("photo", SupplyKind::OtherColour),
        ("black", SupplyKind::Black),
        ("noir", SupplyKind::Black),
        ("cyan", SupplyKind::Cyan),
        ("magenta", SupplyKind::Magenta),
        ("yellow", SupplyKind::Yellow),
        ("jaune", SupplyKind::Yellow),
    ];
    for text in [&s.colorant, &s.description].into_iter().flatten() {
        let text = text.to_lowercase();
        if let Some((_, kind)) = WORDS.iter().find(|(w, _)| text.contains(w)) {
            return *kind;
        }
    }
    SupplyKind::OtherColour
}

/// The supply's level in percent of its capacity, when both are known: -1 (other), -2
/// (unknown) and -3 (some remaining) are not amounts.
pub fn percent(s: &Supply) -> Option<f64> {
    match (s.level, s.max_capacity) {
        (Some(level), Some(max)) if level >= 0 && max > 0 => {
            Some((level as f64 * 100.0 / max as f64).min(100.0))
        }
        _ => None,
    }
}

/// A level this much higher than at the last round is a new supply, not a reading's
/// jitter (levels move by a few points as a printer recalibrates).
pub const REPLACED_RISE: f64 = 20.0;

/// The readings of a printer that answered, and its memory brought up to date.
pub fn readings(id: &str, p: &Printer, memory: &mut Memory, at: DateTime<Utc>) -> Vec<Reading> {
    let subject = Subject::Device {
        id: id.to_string(),
        serial: p.serial.clone(),
    };
    if memory.serial != p.serial {
        memory.levels.clear();
        memory.counters.clear();
        memory.serial.clone_from(&p.serial);
    }
    let mut out = Vec::new();
    let mut push = |q: Quantity, v: f64| out.push(Reading::new(subject.clone(), q, v, at));
    push(RESPONDING, 1.0);

    // Several markers (rare: a separate colour engine) add up, per unit.
    const IMPRESSIONS: i64 = 7;
    const SHEETS: i64 = 8;
    let mut counters: Vec<(Quantity, u64)> = Vec::new();
    for (unit, q) in [(IMPRESSIONS, PRINTED_PAGES), (SHEETS, PRINTED_SHEETS)] {
        let counts: Vec<u64> = p
            .markers
            .iter()
            .filter(|m| m.unit == Some(unit))
            .filter_map(|m| m.life_count)
            .collect();
        if !counts.is_empty() {
            counters.push((q, counts.iter().sum::<u64>()));
        }
    }
    if let Some(sheets) = p.counters.sheets
        && !counters.iter().any(|(q, _)| *q == PRINTED_SHEETS)
    {
        counters.push((PRINTED_SHEETS, sheets));
    }
    for (v, q) in [
        (p.counters.colour, PRINTED_PAGES_COLOUR),
        (p.counters.mono, PRINTED_PAGES_MONO),
        (p.counters.duplex, PRINTED_PAGES_DUPLEX),
        (p.counters.sheets_a3, PRINTED_SHEETS_A3),
        (p.counters.sheets_a4, PRINTED_SHEETS_A4),
    ] {
        if let Some(v) = v {
            counters.push((q, v));
        }
    }
    for (q, v) in counters {
        // Some agents say 0 while the engine starts or the counter store is not read yet.
        // Stored, a 0 between two real values would be a reset, and the next value counted
        // whole as pages printed: the 0 is left out. A real reset shows by the next value,
        // lower than the last one, which the core takes as a new baseline (as it does a
        // Counter32 that wrapped).
        match memory.counters.get(q.name) {
            Some(&last) if v == 0 && last > 0 => {
                tracing::debug!(target = %id, quantity = q.name, last, "a counter reads 0 after {last}; left out of this round");
                continue;
            }
            _ => {}
        }
        if v > 0 {
            memory.counters.insert(q.name.to_string(), v);
        }
        push(q, v as f64);
    }
    if let Some(s) = p.device_status.filter(|s| (1..=5).contains(s)) {
        push(DEVICE_STATUS, s as f64);
    }
    if let Some(s) = p.printer_status.filter(|s| (1..=5).contains(s)) {
        push(PRINTER_STATUS, s as f64);
    }

    // The lowest of a kind is the one to replace first.
    let mut lowest: Vec<(SupplyKind, f64)> = Vec::new();
    let supplies = &p.supplies[..p.supplies.len().min(MAX_SUPPLIES)];
    for s in supplies {
        let Some(pct) = percent(s) else { continue };
        let kind = SupplyKind::of(s);
        match lowest.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, v)) => *v = v.min(pct),
            None => lowest.push((kind, pct)),
        }
    }
    lowest.sort_by_key(|(k, _)| *k);
    for (kind, pct) in lowest {
        push(kind.quantity(), pct);
    }

    let mut levels = std::collections::BTreeMap::new();
    for s in supplies {
        let Some(pct) = percent(s) else { continue };
        if memory
            .levels
            .get(&s.index)
            .is_some_and(|before| pct - before >= REPLACED_RISE)
        {
            memory.replacements += 1;
        }
        levels.insert(s.index, pct);
    }
    memory.levels = levels;
    push(SUPPLY_REPLACEMENTS, memory.replacements as f64);
    out
}

/// The one reading of a printer that did not answer.
pub fn silent(id: &str, memory: Option<&Memory>, at: DateTime<Utc>) -> Reading {
    let subject = Subject::Device {
        id: id.to_string(),
        serial: memory.and_then(|m| m.serial.clone()),
    };
    Reading::new(subject, RESPONDING, 0.0, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp_printers::printer::{Marker, VendorCounters};

    fn supply(index: u64, supply_type: i64, colorant: &str, max: i64, level: i64) -> Supply {
        Supply {
            index,
            class: Some(3),
            supply_type: Some(supply_type),
            description: None,
            colorant: (!colorant.is_empty()).then(|| colorant.to_string()),
            max_capacity: Some(max),
            level: Some(level),
        }
    }

    fn value(rs: &[Reading], q: Quantity) -> Option<f64> {
        rs.iter().find(|r| r.quantity == q.name).map(|r| r.value)
    }

    #[test]
    fn special_levels_give_no_percent_and_real_ones_are_bounded() {
        assert_eq!(percent(&supply(1, 3, "black", 10000, 6200)), Some(62.0));
        assert_eq!(percent(&supply(1, 3, "black", 100, 140)), Some(100.0));
        for special in [-1, -2, -3] {
            assert_eq!(percent(&supply(1, 3, "black", 100, special)), None);
        }
        assert_eq!(percent(&supply(1, 3, "black", -2, 50)), None);
        assert_eq!(percent(&supply(1, 3, "black", 0, 0)), None);
    }

    #[test]
    fn supplies_are_kinded_by_type_colorant_or_description() {
        assert_eq!(
            SupplyKind::of(&supply(1, 21, "cyan", 1, 1)),
            SupplyKind::Cyan
        );
        assert_eq!(
            SupplyKind::of(&supply(1, 4, "black", 1, 1)),
            SupplyKind::Waste
        );
        assert_eq!(SupplyKind::of(&supply(1, 9, "", 1, 1)), SupplyKind::Drum);
        assert_eq!(SupplyKind::of(&supply(1, 15, "", 1, 1)), SupplyKind::Fuser);
        let mut s = supply(1, 3, "", 1, 1);
        s.description = Some("Cartouche de toner noir HP 415A".into());
        assert_eq!(SupplyKind::of(&s), SupplyKind::Black);
        s.description = Some("Light Cyan Ink".into());
        assert_eq!(SupplyKind::of(&s), SupplyKind::OtherColour);
        let names: std::collections::BTreeSet<_> = quantities().iter().map(|q| q.name).collect();
        assert_eq!(names.len(), 11 + SupplyKind::ALL.len(), "{names:?}");
    }

    #[test]
    fn a_level_that_jumps_back_up_counts_one_replacement_per_supply() {
        let at = Utc::now();
        let mut p = Printer {
            serial: Some("CN1".into()),
            markers: vec![Marker {
                unit: Some(7),
                life_count: Some(1000),
            }],
            supplies: vec![
                supply(1, 21, "black", 100, 8),
                supply(2, 21, "cyan", 100, 50),
            ],
            counters: VendorCounters::default(),
            ..Printer::default()
        };
        let mut m = Memory::default();
        let first = readings("h:161", &p, &mut m, at);
        assert_eq!(value(&first, SUPPLY_REPLACEMENTS), Some(0.0));
        assert_eq!(value(&first, PRINTED_PAGES), Some(1000.0));
        assert_eq!(value(&first, SupplyKind::Black.quantity()), Some(8.0));
        p.supplies = vec![
            supply(1, 21, "black", 100, 100),
            supply(2, 21, "cyan", 100, 55),
        ];
        let second = readings("h:161", &p, &mut m, at);
        assert_eq!(value(&second, SUPPLY_REPLACEMENTS), Some(1.0));
        // Another printer at the address: its levels start a new comparison.
        p.serial = Some("CN2".into());
        p.supplies = vec![supply(1, 21, "black", 100, 5)];
        readings("h:161", &p, &mut m, at);
        p.supplies = vec![supply(1, 21, "black", 100, 90)];
        let fourth = readings("h:161", &p, &mut m, at);
        assert_eq!(value(&fourth, SUPPLY_REPLACEMENTS), Some(2.0));
        assert!(
            fourth
                .iter()
                .all(|r| r.subject.join_serial().as_deref() == Some("CN2"))
        );
    }
}
