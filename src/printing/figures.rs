//! The printing figures of a period from what each printer's counters grew by: pages,
//! sheets, paper, the climate impact of the paper and of the printers' electricity, the
//! printers answering, printer sharing and supplies replaced, per entity and class.

use std::collections::BTreeMap;

use parcd_connectors::AssetClass;
use serde::Serialize;

use super::settings::{HOURS_PER_WEEK, PrintingConfig, SheetSize, Sourced};

/// The entity of a printer no inventory knows (read over SNMP only).
pub const UNASSIGNED: &str = "unassigned";
const SECONDS_PER_WEEK: f64 = HOURS_PER_WEEK * 3600.0;
/// An average month, for figures "per month": 365.25 / 12 days.
pub const SECONDS_PER_MONTH: f64 = 365.25 / 12.0 * 86_400.0;

/// One printer over the period, whichever sources read it (one device per printer).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrinterUsage {
    /// The entity of its inventory record; [`UNASSIGNED`] when no inventory knows it.
    pub entity: String,
    pub class: Option<AssetClass>,
    /// An in-service device of the inventory: its electricity is already in the fleet's
    /// use phase, and its manufacture in the fleet's embodied impact.
    pub in_fleet: bool,
    /// Counter increases over the period, `None` when the printer has no such counter.
    pub pages: Option<f64>,
    pub pages_colour: Option<f64>,
    pub pages_mono: Option<f64>,
    pub pages_duplex: Option<f64>,
    pub sheets: Option<f64>,
    /// Sheets by media size, where the printer counts them (PWG icMediaUsedTable): A3 and
    /// sizes near it, and the rest.
    pub sheets_a3: Option<f64>,
    pub sheets_a4: Option<f64>,
    pub supply_replacements: Option<f64>,
    /// How long within the period parcd read it (first to last reading), seconds.
    pub observed_seconds: f64,
    /// Whether it answered its last round by the end of the period; `None` when no source
    /// polls it (an inventory printer no telemetry reads).
    pub responding: Option<bool>,
}

impl PrinterUsage {
    /// Whether some source reads its counters.
    pub fn read(&self) -> bool {
        self.pages.is_some()
            || self.pages_colour.is_some()
            || self.pages_mono.is_some()
            || self.sheets.is_some()
    }

    /// Pages printed: the total counter, else colour plus mono, else the sheets (a printer
    /// that counts sheets only).
    pub fn total_pages(&self) -> f64 {
        self.pages
            .or_else(|| match (self.pages_colour, self.pages_mono) {
                (None, None) => None,
                (c, m) => Some(c.unwrap_or(0.0) + m.unwrap_or(0.0)),
            })
            .or(self.sheets)
            .unwrap_or(0.0)
    }

    /// Sheets: the sheet counter where there is one, else the sheets counted by media
    /// size, else pages less one per two-sided sheet (duplex pages come two to a sheet),
    /// else pages with the configured share of two-sided printing.
    pub fn total_sheets(&self, duplex_share_when_unknown: f64) -> f64 {
        let pages = self.total_pages();
        let by_size = match (self.sheets_a3, self.sheets_a4) {
            (None, None) => None,
            (a3, a4) => Some(a3.unwrap_or(0.0) + a4.unwrap_or(0.0)),
        };
        match (self.sheets.or(by_size), self.pages_duplex) {
            (Some(s), _) => s,
            (None, Some(d)) => (pages - d.min(pages) / 2.0).max(0.0),
            (None, None) => pages * (1.0 - duplex_share_when_unknown / 2.0),
        }
    }

    /// The share of its sheets the printer printed on A3 (or a size near it), when it
    /// counts sheets by media size and printed some.
    pub fn a3_share(&self) -> Option<f64> {
        let a3 = self.sheets_a3?;
        let all = a3 + self.sheets_a4?;
        (all > 0.0).then(|| (a3 / all).clamp(0.0, 1.0))
    }

    /// The mass of its paper: sheets × the configured sheet's mass, except where the
    /// printer tells its A3 share: there an A4 sheet weighs its area × the grammage, and an
    /// A3 one twice that (ISO 216).
    pub fn paper_kg(&self, s: &PrintingConfig) -> f64 {
        let sheets = self.total_sheets(s.duplex_share_when_unknown);
        match self.a3_share() {
            Some(share) => {
                let a4_kg = SheetSize::A4.area_m2() * s.grammage_g_per_m2 / 1000.0;
                sheets * a4_kg * (1.0 + share)
            }
            None => sheets * s.sheet_kg(),
        }
    }
}

/// The figures of a group of printers. Every `f64` is finite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrintGroup {
    /// Printers: the inventory's in-service printers and the printers read, once each.
    pub printers: u64,
    /// Printers some source reads the counters of.
    pub printers_read: u64,
    /// Printers that answered their last round.
    pub printers_responding: u64,
    pub pages: f64,
    /// Of `pages`, where the printer tells colour from mono.
    pub pages_colour: f64,
    pub pages_mono: f64,
    pub sheets: f64,
    /// Of `sheets`, those of A3 or a size near it, on the printers that count sheets by
    /// media size: each weighs two A4 sheets in `paper_kg`.
    pub sheets_a3: f64,
    pub paper_kg: f64,
    pub paper_kgco2e: f64,
    /// Electricity of the printers read, over the time they were read.
    pub energy_kwh: f64,
    pub energy_kgco2e: f64,
    /// Of `energy_kgco2e`, what the fleet's use phase already counts (in-service inventory
    /// printers).
    pub energy_kgco2e_in_fleet_use: f64,
    /// paper + energy.
    pub kgco2e: f64,
    /// What printing adds to the fleet's footprint: paper, and the energy of printers the
    /// fleet does not count.
    pub footprint_part_kgco2e: f64,
    /// Pages ÷ printer-months read.
    pub pages_per_printer_per_month: Option<f64>,
    /// Supplies (cartridges, drums…) replaced, on the printers that report it.
    pub supply_replacements: f64,
    pub supply_replacements_per_month: Option<f64>,
    /// Headcount of the entity (by_entity only; the total sums the headcounts of the
    /// entities with printers).
    pub agents: Option<u64>,
    /// agents ÷ printers: how many agents share one printer.
    pub agents_per_printer: Option<f64>,
    /// Seconds of reading summed over the printers read.
    #[serde(skip)]
    observed_seconds: f64,
}

/// The factors behind the figures, each with its source and date.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrintFactors {
    pub sheet_size: &'static str,
    pub grammage_g_per_m2: f64,
    pub sheet_kg: f64,
    pub paper: &'static str,
    pub paper_kgco2e_per_kg: Sourced,
    pub duplex_share_when_unknown: f64,
    /// Class → kWh per week.
    pub tec_kwh_per_week: BTreeMap<String, Sourced>,
    /// kgCO2e per kWh, with its dataset, zone and year in `source`.
    pub electricity_kgco2e_per_kwh: Sourced,
    /// Supplies have no verified factor: counted, not charged.
    pub supplies: &'static str,
}

/// The period the figures cover.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrintPeriod {
    /// `2026` or `2026-03`.
    pub label: String,
    /// Unix seconds, both included.
    pub from: i64,
    pub to: i64,
    /// False while the period is not over: figures to date.
    pub complete: bool,
}

/// The printing figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PrintingFigures {
    pub period: PrintPeriod,
    pub total: PrintGroup,
    pub by_entity: BTreeMap<String, PrintGroup>,
    pub by_class: BTreeMap<String, PrintGroup>,
    /// (entity, class) → figures, for the metrics.
    #[serde(skip)]
    pub by_entity_class: BTreeMap<(String, String), PrintGroup>,
    /// Month (`2026-03`) → figures, when a year is asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<MonthFigures>,
    pub factors: PrintFactors,
    /// How the figures are made, for whoever reads them without the README.
    pub notes: Vec<&'static str>,
}

/// One month's totals within a year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthFigures {
    pub month: String,
    pub pages: f64,
    pub sheets: f64,
    pub paper_kg: f64,
    pub kgco2e: f64,
    pub supply_replacements: f64,
    pub pages_per_printer: Option<f64>,
}

pub const NOTES: [&str; 6] = [
    "pages: increases of the printers' page counters over the period; a counter reset or a \
     replaced board adds nothing; a printer several sources read counts once (the larger \
     increase)",
    "sheets: the printer's sheet counter, else its sheets by media size, else pages less half \
     its two-sided pages, else pages with duplex_share_when_unknown of them two-sided",
    "paper: sheets × the configured sheet's mass; on printers that count sheets by media size, \
     an A4 sheet's mass and twice that for the share printed on A3 or a size near it \
     (sheets_a3)",
    "energy: the class's weekly energy (ENERGY STAR TEC) over the time parcd read the printer, \
     times the electricity factor; for in-service inventory printers it is already in the \
     fleet's use phase (energy_kgco2e_in_fleet_use) and their manufacture in its embodied \
     impact, so footprint_part_kgco2e adds only the paper and the energy of the others",
    "supplies: replacements counted; no verified climate factor, so none is charged",
    "unassigned: printers read over SNMP that no inventory knows (no serial match)",
];

/// What the figures need besides the printers.
pub struct Inputs<'a> {
    pub settings: &'a PrintingConfig,
    pub headcount: &'a BTreeMap<String, u64>,
    pub electricity: Sourced,
    pub period: PrintPeriod,
}

/// The figures of `printers` over the period.
pub fn compute(printers: &[PrinterUsage], inputs: &Inputs) -> PrintingFigures {
    let s = inputs.settings;
    let f_elec = inputs.electricity.value;
    let mut by_entity: BTreeMap<String, PrintGroup> = BTreeMap::new();
    let mut by_class: BTreeMap<String, PrintGroup> = BTreeMap::new();
    let mut by_entity_class: BTreeMap<(String, String), PrintGroup> = BTreeMap::new();
    let mut total = PrintGroup::default();
    for p in printers {
        let class = p.class.unwrap_or(AssetClass::Printer);
        let one = one_printer(p, s, class, f_elec);
        for g in [
            &mut total,
            by_entity.entry(p.entity.clone()).or_default(),
            by_class.entry(class.as_str().to_string()).or_default(),
            by_entity_class
                .entry((p.entity.clone(), class.as_str().to_string()))
                .or_default(),
        ] {
            add(g, &one);
        }
    }
    let period_months =
        (inputs.period.to - inputs.period.from + 1).max(0) as f64 / SECONDS_PER_MONTH;
    let mut agents_total = 0;
    for (entity, g) in &mut by_entity {
        g.agents = inputs.headcount.get(entity).copied();
        agents_total += g.agents.unwrap_or(0);
    }
    if agents_total > 0 {
        total.agents = Some(agents_total);
    }
    for g in std::iter::once(&mut total)
        .chain(by_entity.values_mut())
        .chain(by_class.values_mut())
    {
        finish(g, period_months);
    }
    for g in by_entity_class.values_mut() {
        finish(g, period_months);
    }
    // The total's sharing counts the printers of the entities with a headcount only.
    total.agents_per_printer = total.agents.and_then(|a| {
        let printers: u64 = by_entity
            .values()
            .filter(|g| g.agents.is_some())
            .map(|g| g.printers)
            .sum();
        (printers > 0).then(|| a as f64 / printers as f64)
    });
    PrintingFigures {
        period: inputs.period.clone(),
        total,
        by_entity,
        by_class,
        by_entity_class,
        months: Vec::new(),
        factors: PrintFactors {
            sheet_size: s.sheet_size.as_str(),
            grammage_g_per_m2: s.grammage_g_per_m2,
            sheet_kg: s.sheet_kg(),
            paper: s.paper.as_str(),
            paper_kgco2e_per_kg: s.paper_factor.clone(),
            duplex_share_when_unknown: s.duplex_share_when_unknown,
            tec_kwh_per_week: s
                .tec_kwh_per_week
                .iter()
                .map(|(c, t)| (c.as_str().to_string(), t.clone()))
                .collect(),
            electricity_kgco2e_per_kwh: inputs.electricity.clone(),
            supplies: "counted; no verified climate factor, none charged",
        },
        notes: NOTES.to_vec(),
    }
}

/// One printer's contribution, as a group of one.
fn one_printer(p: &PrinterUsage, s: &PrintingConfig, class: AssetClass, f_elec: f64) -> PrintGroup {
    let read = p.read();
    let pages = p.total_pages();
    let sheets = p.total_sheets(s.duplex_share_when_unknown);
    let paper_kg = p.paper_kg(s);
    let sheets_a3 = p.a3_share().map_or(0.0, |share| sheets * share);
    let paper_kgco2e = paper_kg * s.paper_factor.value;
    let observed = if read {
        p.observed_seconds.max(0.0)
    } else {
        0.0
    };
    let energy_kwh = s.tec(class).value * observed / SECONDS_PER_WEEK;
    let energy_kgco2e = energy_kwh * f_elec;
    let in_fleet_use = if p.in_fleet { energy_kgco2e } else { 0.0 };
    PrintGroup {
        printers: 1,
        printers_read: u64::from(read),
        printers_responding: u64::from(p.responding == Some(true)),
        pages,
        pages_colour: p.pages_colour.unwrap_or(0.0),
        pages_mono: p
            .pages_mono
            .or_else(|| p.pages_colour.map(|c| (pages - c).max(0.0)))
            .unwrap_or(0.0),
        sheets,
        sheets_a3,
        paper_kg,
        paper_kgco2e,
        energy_kwh,
        energy_kgco2e,
        energy_kgco2e_in_fleet_use: in_fleet_use,
        kgco2e: paper_kgco2e + energy_kgco2e,
        footprint_part_kgco2e: paper_kgco2e + energy_kgco2e - in_fleet_use,
        supply_replacements: p.supply_replacements.unwrap_or(0.0),
        observed_seconds: observed,
        ..PrintGroup::default()
    }
}

impl PrintGroup {
    /// Adds another group's counts (not its ratios: see [`PrintGroup::pages_per_printer_month`]).
    pub fn absorb(&mut self, other: &PrintGroup) {
        add(self, other);
    }

    /// Pages ÷ printer-months read, from the counts (also of groups summed by `absorb`).
    pub fn pages_per_printer_month(&self) -> Option<f64> {
        let printer_months = self.observed_seconds / SECONDS_PER_MONTH;
        (printer_months > 0.0).then(|| self.pages / printer_months)
    }
}

fn add(g: &mut PrintGroup, one: &PrintGroup) {
    g.printers += one.printers;
    g.printers_read += one.printers_read;
    g.printers_responding += one.printers_responding;
    g.pages += one.pages;
    g.pages_colour += one.pages_colour;
    g.pages_mono += one.pages_mono;
    g.sheets += one.sheets;
    g.sheets_a3 += one.sheets_a3;
    g.paper_kg += one.paper_kg;
    g.paper_kgco2e += one.paper_kgco2e;
    g.energy_kwh += one.energy_kwh;
    g.energy_kgco2e += one.energy_kgco2e;
    g.energy_kgco2e_in_fleet_use += one.energy_kgco2e_in_fleet_use;
    g.kgco2e += one.kgco2e;
    g.footprint_part_kgco2e += one.footprint_part_kgco2e;
    g.supply_replacements += one.supply_replacements;
    g.observed_seconds += one.observed_seconds;
}

fn finish(g: &mut PrintGroup, period_months: f64) {
    g.pages_per_printer_per_month = g.pages_per_printer_month();
    g.supply_replacements_per_month =
        (period_months > 0.0).then(|| g.supply_replacements / period_months);
    g.agents_per_printer = g
        .agents
        .filter(|_| g.printers > 0)
        .map(|a| a as f64 / g.printers as f64);
}

/// Printing as a part of the fleet's footprint, without counting twice what the fleet counts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FootprintPart {
    /// The period of the printing figures (`2026`: this year to date).
    pub period: String,
    pub complete: bool,
    pub total: PartGroup,
    pub by_entity: BTreeMap<String, PartGroup>,
    pub note: &'static str,
}

/// One group's printing part, kgCO2e over the period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PartGroup {
    /// What printing adds to the fleet's footprint: paper + energy_outside_fleet.
    pub kgco2e: f64,
    pub paper_kgco2e: f64,
    /// The electricity of printers the fleet does not count (not in service in an
    /// inventory, or in none).
    pub energy_outside_fleet_kgco2e: f64,
    /// The electricity of in-service inventory printers: already in `use_per_year`.
    pub energy_in_fleet_use_kgco2e: f64,
}

impl PartGroup {
    fn of(g: &PrintGroup) -> PartGroup {
        PartGroup {
            kgco2e: g.footprint_part_kgco2e,
            paper_kgco2e: g.paper_kgco2e,
            energy_outside_fleet_kgco2e: g.energy_kgco2e - g.energy_kgco2e_in_fleet_use,
            energy_in_fleet_use_kgco2e: g.energy_kgco2e_in_fleet_use,
        }
    }
}

impl PrintingFigures {
    /// Printing as its own part of the fleet's footprint.
    pub fn footprint_part(&self) -> FootprintPart {
        FootprintPart {
            period: self.period.label.clone(),
            complete: self.period.complete,
            total: PartGroup::of(&self.total),
            by_entity: self
                .by_entity
                .iter()
                .map(|(e, g)| (e.clone(), PartGroup::of(g)))
                .collect(),
            note: "kgCO2e over the period, not per year: the paper printed and the electricity \
                   of printers the fleet does not count; the in-service inventory printers' \
                   manufacture and electricity are in embodied_per_year and use_per_year",
        }
    }

    /// This period's totals as one month of a year's figures.
    pub fn as_month(&self) -> MonthFigures {
        let t = &self.total;
        MonthFigures {
            month: self.period.label.clone(),
            pages: t.pages,
            sheets: t.sheets,
            paper_kg: t.paper_kg,
            kgco2e: t.kgco2e,
            supply_replacements: t.supply_replacements,
            pages_per_printer: (t.printers_read > 0).then(|| t.pages / t.printers_read as f64),
        }
    }
}
