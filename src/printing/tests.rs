//! The printing arithmetic against figures computed by hand from the sourced factors:
//! A4 = 0.210 × 0.297 = 0.06237 m², so 80 g/m² is 4.9896 g a sheet; virgin paper
//! 0.919 kgCO2e/kg (Copacel 2021); an MFP's TEC 3.2 W × 168 h = 0.5376 kWh a week; France's
//! electricity 0.0461 kgCO2e/kWh (ADEME 2025).

use std::collections::BTreeMap;

use parcd_connectors::AssetClass;
use parcd_connectors::params::Params;
use serde_json::{Map, Value};

use super::figures::{SECONDS_PER_MONTH, UNASSIGNED};
use super::settings::{PaperKind, SheetSize};
use super::*;
use crate::footprint::load;

const WEEK: f64 = 7.0 * 86_400.0;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert!(close($a, $b), "{} = {} ≠ {}", stringify!($a), $a, $b)
    };
}

fn settings() -> PrintingConfig {
    PrintingConfig::defaults(&load::builtin().unwrap())
}

fn electricity() -> Sourced {
    Sourced {
        value: 0.0461,
        unit: "kgCO2e/kWh",
        source: "ADEME Base Empreinte, FRA, 2025".into(),
        date: "2025".into(),
    }
}

fn period(seconds: f64) -> PrintPeriod {
    PrintPeriod {
        label: "2026".into(),
        from: 0,
        to: seconds as i64 - 1,
        complete: true,
    }
}

fn run(
    printers: &[PrinterUsage],
    s: &PrintingConfig,
    headcount: &BTreeMap<String, u64>,
    seconds: f64,
) -> PrintingFigures {
    compute(
        printers,
        &Inputs {
            settings: s,
            headcount,
            electricity: electricity(),
            period: period(seconds),
        },
    )
}

fn mfp(entity: &str, pages: f64, observed: f64) -> PrinterUsage {
    PrinterUsage {
        entity: entity.into(),
        class: Some(AssetClass::Mfp),
        in_fleet: true,
        pages: Some(pages),
        observed_seconds: observed,
        responding: Some(true),
        ..PrinterUsage::default()
    }
}

#[test]
fn the_defaults_are_the_sourced_factors() {
    let s = settings();
    assert_eq!(s.sheet_size, SheetSize::A4);
    assert_eq!(s.paper, PaperKind::Virgin);
    assert_close!(s.sheet_kg(), 0.0049896);
    assert_close!(s.paper_factor.value, 0.919);
    assert!(s.paper_factor.source.contains("Copacel"));
    assert_eq!(s.paper_factor.date, "2021");
    // The fleet's class power as a week: printer 2.5 W, MFP 3.2 W, copier 29.7 W.
    assert_close!(s.tec(AssetClass::Printer).value, 0.42);
    assert_close!(s.tec(AssetClass::Mfp).value, 0.5376);
    assert_close!(s.tec(AssetClass::Copier).value, 4.9896);
    assert_eq!(s.tec(AssetClass::Mfp).date, "2023-02");
    assert!(s.tec(AssetClass::Mfp).source.contains("ENERGY STAR"));
    // A printer the inventory files under another class is charged as a printer.
    assert_close!(s.tec(AssetClass::Other).value, 0.42);
}

#[test]
fn a_thousand_pages_on_a_mono_mfp_over_a_week() {
    let f = run(
        &[mfp("Mairie", 1000.0, WEEK)],
        &settings(),
        &BTreeMap::new(),
        WEEK,
    );
    let t = &f.total;
    assert_eq!(
        (t.printers, t.printers_read, t.printers_responding),
        (1, 1, 1)
    );
    assert_close!(t.pages, 1000.0);
    assert_close!(t.sheets, 1000.0);
    // 1000 × 4.9896 g = 4.9896 kg; × 0.919 = 4.5854424 kgCO2e.
    assert_close!(t.paper_kg, 4.9896);
    assert_close!(t.paper_kgco2e, 4.5854424);
    // 0.5376 kWh × 0.0461 = 0.02478336 kgCO2e.
    assert_close!(t.energy_kwh, 0.5376);
    assert_close!(t.energy_kgco2e, 0.02478336);
    assert_close!(t.kgco2e, 4.5854424 + 0.02478336);
    // In service in the inventory: its electricity is the fleet's already.
    assert_close!(t.energy_kgco2e_in_fleet_use, 0.02478336);
    assert_close!(t.footprint_part_kgco2e, 4.5854424);
    // One printer read a week: 1000 pages ÷ (7 d / 30.4375 d) = 4348.2142857… a month.
    assert_close!(
        t.pages_per_printer_per_month.unwrap(),
        1000.0 * SECONDS_PER_MONTH / WEEK
    );
    assert_close!(t.pages_per_printer_per_month.unwrap(), 4348.214285714285);
    assert_eq!(f.by_entity["Mairie"], f.by_class["mfp"]);
    assert_eq!(
        f.by_entity_class[&("Mairie".to_string(), "mfp".to_string())],
        f.by_entity["Mairie"]
    );
}

#[test]
fn sheets_come_from_the_sheet_counter_else_duplex_pages_else_the_assumption() {
    let mut s = settings();
    s.duplex_share_when_unknown = 0.5;
    let sheet_counter = PrinterUsage {
        sheets: Some(640.0),
        pages_duplex: Some(400.0),
        ..mfp("A", 1000.0, 0.0)
    };
    let duplex = PrinterUsage {
        pages_duplex: Some(400.0),
        ..mfp("A", 1000.0, 0.0)
    };
    let unknown = mfp("A", 1000.0, 0.0);
    assert_close!(sheet_counter.total_sheets(0.5), 640.0);
    // 600 one-sided pages and 400 two-sided ones on 200 sheets.
    assert_close!(duplex.total_sheets(0.5), 800.0);
    // Half of 1000 pages two-sided: 500 sheets + 250 sheets.
    assert_close!(unknown.total_sheets(0.5), 750.0);
    let f = run(
        &[sheet_counter, duplex, unknown],
        &s,
        &BTreeMap::new(),
        WEEK,
    );
    assert_close!(f.total.sheets, 2190.0);
    assert_close!(f.total.paper_kg, 2190.0 * 0.0049896);
}

#[test]
fn an_a3_sheet_of_90_grams_weighs_11_grams() {
    let mut s = settings();
    s.sheet_size = SheetSize::A3;
    s.grammage_g_per_m2 = 90.0;
    // 0.297 × 0.420 = 0.12474 m² × 90 g = 11.2266 g.
    assert_close!(s.sheet_kg(), 0.0112266);
}

#[test]
fn colour_and_mono_pages_make_the_total_where_the_printer_gives_no_total() {
    let split = PrinterUsage {
        pages: None,
        pages_colour: Some(300.0),
        pages_mono: Some(700.0),
        ..mfp("A", 0.0, 0.0)
    };
    let colour_only = PrinterUsage {
        pages_colour: Some(250.0),
        ..mfp("A", 1000.0, 0.0)
    };
    let sheets_only = PrinterUsage {
        pages: None,
        sheets: Some(90.0),
        ..mfp("A", 0.0, 0.0)
    };
    assert_close!(split.total_pages(), 1000.0);
    assert_close!(sheets_only.total_pages(), 90.0);
    let f = run(
        &[split, colour_only, sheets_only],
        &settings(),
        &BTreeMap::new(),
        WEEK,
    );
    assert_close!(f.total.pages, 2090.0);
    assert_close!(f.total.pages_colour, 550.0);
    // 700 counted, 1000 − 250 by difference; the sheet-only printer tells neither.
    assert_close!(f.total.pages_mono, 1450.0);
}

#[test]
fn agents_per_printer_count_every_printer_of_the_entity_once() {
    let inventory_only = PrinterUsage {
        entity: "Mairie".into(),
        class: Some(AssetClass::Printer),
        in_fleet: true,
        ..PrinterUsage::default()
    };
    let unknown = PrinterUsage {
        entity: UNASSIGNED.into(),
        class: None,
        in_fleet: false,
        pages: Some(100.0),
        observed_seconds: WEEK,
        responding: Some(false),
        ..PrinterUsage::default()
    };
    let headcount = BTreeMap::from([("Mairie".to_string(), 120), ("École".to_string(), 30)]);
    let f = run(
        &[
            mfp("Mairie", 10.0, WEEK),
            mfp("Mairie", 20.0, WEEK),
            inventory_only,
            mfp("École", 5.0, WEEK),
            unknown,
        ],
        &settings(),
        &headcount,
        WEEK,
    );
    let m = &f.by_entity["Mairie"];
    assert_eq!((m.printers, m.printers_read), (3, 2));
    assert_eq!(m.agents, Some(120));
    assert_close!(m.agents_per_printer.unwrap(), 40.0);
    assert_close!(f.by_entity["École"].agents_per_printer.unwrap(), 30.0);
    // The total: 150 agents over the 4 printers of the entities with a headcount.
    assert_eq!(f.total.agents, Some(150));
    assert_close!(f.total.agents_per_printer.unwrap(), 37.5);
    let u = &f.by_entity[UNASSIGNED];
    assert_eq!((u.printers, u.printers_responding, u.agents), (1, 0, None));
    // Unknown to the inventory: charged as a printer (0.42 kWh a week), all of it added to
    // the fleet's footprint.
    assert_close!(u.energy_kwh, 0.42);
    assert_close!(u.energy_kgco2e_in_fleet_use, 0.0);
    assert_close!(
        u.footprint_part_kgco2e,
        100.0 * 0.0049896 * 0.919 + 0.42 * 0.0461
    );
    assert_eq!(f.total.printers_responding, 3);
    // An inventory printer no source reads prints nothing and uses no measured energy.
    assert_close!(f.by_class["printer"].pages, 100.0);
}

#[test]
fn pages_per_printer_per_month_are_over_the_months_each_printer_was_read() {
    let month = SECONDS_PER_MONTH;
    let f = run(
        &[
            PrinterUsage {
                supply_replacements: Some(4.0),
                ..mfp("A", 600.0, month)
            },
            PrinterUsage {
                supply_replacements: Some(2.0),
                ..mfp("A", 300.0, month / 2.0)
            },
        ],
        &settings(),
        &BTreeMap::new(),
        12.0 * month,
    );
    // 900 pages over 1.5 printer-months.
    assert_close!(f.total.pages_per_printer_per_month.unwrap(), 600.0);
    // 6 cartridges in a year of 12 months.
    assert_close!(f.total.supply_replacements, 6.0);
    assert_close!(f.total.supply_replacements_per_month.unwrap(), 0.5);
}

#[test]
fn no_printer_gives_zeros_and_no_ratio() {
    let f = run(&[], &settings(), &BTreeMap::new(), WEEK);
    assert_eq!(f.total.printers, 0);
    assert_eq!(f.total.pages_per_printer_per_month, None);
    assert_eq!(f.total.agents_per_printer, None);
    assert!(f.by_entity.is_empty());
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["factors"]["paper_kgco2e_per_kg"]["date"], "2021");
    assert_eq!(
        json["factors"]["electricity_kgco2e_per_kwh"]["value"],
        0.0461
    );
    assert_eq!(
        json["factors"]["tec_kwh_per_week"]["mfp"]["unit"],
        "kWh/week"
    );
}

fn read(toml: &str) -> (PrintingConfig, Vec<String>) {
    let value: Value = config::Config::builder()
        .add_source(config::File::from_str(toml, config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize())
        .unwrap();
    let table: Map<String, Value> = value.as_object().cloned().unwrap_or_default();
    let mut p = Params::new("printing", table);
    let c = PrintingConfig::read(&mut p, &load::builtin().unwrap());
    let issues = p
        .finish()
        .into_iter()
        .map(|i| format!("{}: {} Fix: {}", i.key, i.problem, i.fix))
        .collect();
    (c, issues)
}

#[test]
fn a_configured_section_is_read_with_its_sources() {
    let (c, issues) = read(
        r#"
        sheet_size = "A3"
        grammage_g_per_m2 = 75
        paper = "recycled"
        paper_kgco2e_per_kg = 0.61
        paper_factor_source = "Fournisseur X, déclaration environnementale"
        paper_factor_date = "2024"
        duplex_share_when_unknown = 0.3
        tec_source = "ENERGY STAR registry, our models"
        tec_date = "2025"
        [tec_kwh_per_week]
        mfp = 0.9
        "#,
    );
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(c.sheet_size, SheetSize::A3);
    assert_close!(c.grammage_g_per_m2, 75.0);
    assert_eq!(c.paper, PaperKind::Recycled);
    assert_close!(c.paper_factor.value, 0.61);
    assert_eq!(c.paper_factor.date, "2024");
    assert_close!(c.duplex_share_when_unknown, 0.3);
    assert_close!(c.tec(AssetClass::Mfp).value, 0.9);
    assert_eq!(
        c.tec(AssetClass::Mfp).source,
        "ENERGY STAR registry, our models"
    );
    // The classes not given keep their default.
    assert_close!(c.tec(AssetClass::Copier).value, 4.9896);
    let text = c.render();
    assert!(text.contains("sheet_size = \"A3\""), "{text}");
    assert!(
        text.contains("mfp = 0.9  # ENERGY STAR registry, our models (2025)"),
        "{text}"
    );
}

#[test]
fn mistakes_are_named_with_their_key_and_fix() {
    let (_, issues) = read(
        r#"
        sheet_size = "letter"
        grammage_g_per_m2 = 800
        paper = "recycled"
        duplex_share_when_unknown = 2
        [tec_kwh_per_week]
        laptop = 1
        mfp = -1
        "#,
    );
    let text = issues.join("\n");
    for needle in [
        "printing.sheet_size: \"letter\" is not a sheet size",
        "printing.grammage_g_per_m2: \"800\" is not a number from 40 to 300",
        "printing.paper: \"recycled\" has no verified default factor",
        "set paper_kgco2e_per_kg with paper_factor_source",
        "printing.duplex_share_when_unknown",
        "printing.tec_kwh_per_week.laptop: is not a printing class",
        "printing.tec_kwh_per_week.mfp: \"-1\" is not a number",
        "printing.tec_source: is required with tec_kwh_per_week",
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
    let (_, issues) = read("paper_kgco2e_per_kg = 0.8\nmystery = 1");
    let text = issues.join("\n");
    assert!(
        text.contains("printing.paper_factor_source: is required"),
        "{text}"
    );
    assert!(
        text.contains("printing.paper_factor_date: is required"),
        "{text}"
    );
    assert!(
        text.contains("printing.mystery: is not a known key"),
        "{text}"
    );
}

#[test]
fn an_a3_sheet_weighs_two_a4_sheets_where_the_printer_counts_sheets_by_size() {
    // 1000 sheets of which 200 A3 and 800 A4: 800 × 4.9896 g + 200 × 9.9792 g
    // = 3.99168 + 1.99584 = 5.98752 kg; × 0.919 = 5.50253088 kgCO2e.
    let mut p = mfp("Mairie", 1000.0, WEEK);
    p.sheets = Some(1000.0);
    p.sheets_a3 = Some(200.0);
    p.sheets_a4 = Some(800.0);
    let s = settings();
    let f = run(&[p.clone()], &s, &BTreeMap::new(), WEEK);
    assert_close!(f.total.sheets, 1000.0);
    assert_close!(f.total.sheets_a3, 200.0);
    assert_close!(f.total.paper_kg, 5.98752);
    assert_close!(f.total.paper_kgco2e, 5.50253088);

    // Without a sheet counter, the media counters are the sheets: 150 + 450 = 600 sheets
    // of 1000 pages, a quarter A3: 600 × 4.9896 g × 1.25 = 3.7422 kg.
    p.sheets = None;
    p.sheets_a3 = Some(150.0);
    p.sheets_a4 = Some(450.0);
    let f = run(&[p.clone()], &s, &BTreeMap::new(), WEEK);
    assert_close!(f.total.sheets, 600.0);
    assert_close!(f.total.sheets_a3, 150.0);
    assert_close!(f.total.paper_kg, 3.7422);

    // The A3 share sets the mass whatever sheet_size says; a printer that printed no sheet
    // by size, or counts none, weighs the configured sheet (A3: 9.9792 g).
    let mut a3 = settings();
    a3.sheet_size = SheetSize::A3;
    let f = run(&[p.clone()], &a3, &BTreeMap::new(), WEEK);
    assert_close!(f.total.paper_kg, 3.7422);
    p.sheets_a3 = Some(0.0);
    p.sheets_a4 = Some(0.0);
    p.sheets = Some(100.0);
    let f = run(&[p.clone()], &a3, &BTreeMap::new(), WEEK);
    assert_close!(f.total.sheets_a3, 0.0);
    assert_close!(f.total.paper_kg, 100.0 * 0.0099792);
    assert_eq!(p.a3_share(), None);
}

#[test]
fn a3_sheets_add_up_per_entity_beside_printers_that_do_not_count_them() {
    // Mairie: 400 sheets, 100 A3 (2.4948 kg with 1.25 × 4.9896 g a sheet); École: 300
    // pages on a printer without media counters (1.49688 kg).
    let mut m = mfp("Mairie", 500.0, WEEK);
    m.sheets_a3 = Some(100.0);
    m.sheets_a4 = Some(300.0);
    let e = mfp("École", 300.0, WEEK);
    let f = run(&[m, e], &settings(), &BTreeMap::new(), WEEK);
    assert_close!(f.by_entity["Mairie"].sheets, 400.0);
    assert_close!(f.by_entity["Mairie"].sheets_a3, 100.0);
    assert_close!(f.by_entity["Mairie"].paper_kg, 2.4948);
    assert_close!(f.by_entity["École"].sheets_a3, 0.0);
    assert_close!(f.by_entity["École"].paper_kg, 1.49688);
    assert_close!(f.total.sheets_a3, 100.0);
    assert_close!(f.total.paper_kg, 2.4948 + 1.49688);
}
