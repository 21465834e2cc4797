//! The printers of a simulated GLPI fleet as SNMP printers: those the GLPI Agent inventories
//! over the network (dynamic, with a serial number, in service or in repair), with the
//! serial, name, model and system description GLPI holds, so that their readings join
//! GLPI's printer assets, one device per printer. Their counters start from GLPI's last
//! page counter.

use super::printer::{Make, PrinterSpec};
use crate::glpi::{AssetType, Fleet};

/// The demo serves no more printers than this, one UDP port each.
pub const MAX_DEMO_PRINTERS: usize = 256;

/// The printers of `fleet` to serve, at most `max`. The first one in repair, else the last,
/// is switched off (when there are two or more); the first that answers has a nearly empty black toner.
pub fn demo_printers(fleet: &Fleet, max: usize) -> Vec<PrinterSpec> {
    let t = AssetType::Printer;
    let named = |rows: &[crate::glpi::NamedRow], id: u64| {
        rows.iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    let mut in_repair = None;
    let mut out: Vec<PrinterSpec> = Vec::new();
    for a in fleet.assets(t) {
        if out.len() >= max.min(MAX_DEMO_PRINTERS) {
            break;
        }
        let state = fleet.state_name(a.states_id).unwrap_or_default();
        let Some(serial) = a.serial.clone() else {
            continue;
        };
        if !a.is_dynamic
            || a.is_template
            || a.is_deleted
            || !matches!(state, "En production" | "En réparation")
        {
            continue;
        }
        let manufacturer = named(fleet.manufacturers(), a.manufacturers_id);
        let model = fleet
            .models(t)
            .iter()
            .find(|m| m.id == a.models_id)
            .map(|m| m.name.clone())
            .unwrap_or_default();
        let kind = named(fleet.types(t), a.types_id);
        let make = match manufacturer.as_str() {
            "HP" => Make::Hp,
            "Xerox" => Make::Xerox,
            _ => Make::Pwg,
        };
        // Desk lasers print black; the A3 multifunctions and copiers print colour, more.
        let (colour, pages_per_round) = match kind.as_str() {
            "Copieur" => (true, 12),
            "Multifonction A3" => (true, 6),
            _ => (false, 2),
        };
        if state == "En réparation" && in_repair.is_none() {
            in_repair = Some(out.len());
        }
        out.push(PrinterSpec {
            serial,
            sys_name: a.name.clone().unwrap_or_else(|| format!("PRN-{}", a.id)),
            sys_descr: a
                .sysdescr
                .clone()
                .unwrap_or_else(|| format!("{manufacturer} {model}")),
            model: format!("{manufacturer} {model}").trim().to_string(),
            make,
            colour,
            pages: a.last_pages_counter.max(1000),
            pages_per_round,
            nearly_empty: false,
            switched_off: false,
        });
    }
    // One printer of one would leave nothing answering: the source's rounds would fail.
    if out.len() >= 2
        && let Some(off) = in_repair.or(out.len().checked_sub(1))
    {
        out[off].switched_off = true;
    }
    if let Some(first) = out.iter_mut().find(|p| !p.switched_off) {
        first.nearly_empty = true;
    }
    out
}
