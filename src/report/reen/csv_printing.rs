//! The CSV's printing sections: the year's printing in total and per entity, and the factors
//! with their sources.

use crate::printing::{PrintGroup, Sourced};
use crate::report::format::{plain, quantity};

use super::ReenReport;
use super::csv::Sheet;

const PRINTERS: &str = "printers";

pub(super) fn printing(s: &mut Sheet, r: &ReenReport) {
    let Some(p) = r.printing else {
        return;
    };
    group(s, "printing", "", &p.total);
    for (entity, g) in &p.by_entity {
        group(s, "printing_entity", &format!("{entity}."), g);
    }
    let sec = "printing_factors";
    let f = &p.factors;
    s.row(sec, "sheet_size", f.sheet_size.to_string(), "text", "");
    s.row(sec, "sheet_kg", plain(Some(f.sheet_kg), 7), "kg", "");
    s.row(sec, "paper", f.paper.to_string(), "text", "");
    sourced(s, sec, "paper_kgco2e_per_kg", &f.paper_kgco2e_per_kg);
    s.row(
        sec,
        "duplex_share_when_unknown",
        plain(Some(f.duplex_share_when_unknown), 4),
        "ratio",
        "",
    );
    for (class, tec) in &f.tec_kwh_per_week {
        sourced(s, sec, &format!("{class}.tec_kwh_per_week"), tec);
    }
    sourced(
        s,
        sec,
        "electricity_kgco2e_per_kwh",
        &f.electricity_kgco2e_per_kwh,
    );
}

fn sourced(s: &mut Sheet, sec: &str, indicator: &str, f: &Sourced) {
    let note = if f.date.is_empty() {
        f.source.clone()
    } else {
        format!("{} ({})", f.source, f.date)
    };
    s.row(sec, indicator, plain(Some(f.value), 6), f.unit, &note);
}

fn group(s: &mut Sheet, sec: &str, prefix: &str, g: &PrintGroup) {
    let name = |n: &str| format!("{prefix}{n}");
    s.count(sec, &name("printers"), g.printers, PRINTERS, "");
    s.count(sec, &name("printers_read"), g.printers_read, PRINTERS, "");
    s.count(
        sec,
        &name("printers_responding"),
        g.printers_responding,
        PRINTERS,
        "at the last round",
    );
    s.row(
        sec,
        &name("agents_per_printer"),
        plain(g.agents_per_printer, 2),
        "agents",
        "",
    );
    s.row(sec, &name("pages"), plain(Some(g.pages), 0), "pages", "");
    s.row(
        sec,
        &name("pages_colour"),
        plain(Some(g.pages_colour), 0),
        "pages",
        "",
    );
    s.row(
        sec,
        &name("pages_mono"),
        plain(Some(g.pages_mono), 0),
        "pages",
        "",
    );
    s.row(
        sec,
        &name("pages_per_printer_per_month"),
        plain(g.pages_per_printer_per_month, 1),
        "pages",
        "over the months each printer was read",
    );
    s.row(sec, &name("sheets"), plain(Some(g.sheets), 0), "sheets", "");
    s.row(sec, &name("paper_kg"), quantity(Some(g.paper_kg)), "kg", "");
    s.row(
        sec,
        &name("paper_kgco2e"),
        quantity(Some(g.paper_kgco2e)),
        "kgCO2e",
        "",
    );
    s.row(
        sec,
        &name("energy_kwh"),
        quantity(Some(g.energy_kwh)),
        "kWh",
        "",
    );
    s.row(
        sec,
        &name("energy_kgco2e"),
        quantity(Some(g.energy_kgco2e)),
        "kgCO2e",
        "",
    );
    s.row(
        sec,
        &name("energy_kgco2e_in_fleet_use"),
        quantity(Some(g.energy_kgco2e_in_fleet_use)),
        "kgCO2e",
        "already in the fleet's use phase",
    );
    s.row(
        sec,
        &name("footprint_part_kgco2e"),
        quantity(Some(g.footprint_part_kgco2e)),
        "kgCO2e",
        "what printing adds to the fleet's footprint",
    );
    s.row(
        sec,
        &name("supply_replacements"),
        plain(Some(g.supply_replacements), 0),
        "supplies",
        "no climate factor charged",
    );
}
