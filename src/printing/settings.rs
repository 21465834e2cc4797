//! The `[printing]` section: the sheet, the paper and its factor, the printers' weekly
//! energy, and what to assume of two-sided printing where a printer does not say.

use std::collections::BTreeMap;

use parcd_connectors::AssetClass;
use parcd_connectors::params::Params;
use serde::Serialize;

use crate::footprint::FactorSet;

/// Virgin office paper, cradle to gate plus delivery in France (printing and end of life
/// excluded): shared/research/footprint.md §2.5.
pub const VIRGIN_PAPER_KGCO2E_PER_KG: f64 = 0.919;
pub const VIRGIN_PAPER_SOURCE: &str =
    "Copacel data quoted by papiernat.com: 2.29 kgCO2e per ream of 500 A4 80 g sheets (2.49 kg)";
pub const VIRGIN_PAPER_DATE: &str = "2021";
/// The printing classes, whose weekly energy this section sets.
pub const PRINTING_CLASSES: [AssetClass; 3] =
    [AssetClass::Printer, AssetClass::Mfp, AssetClass::Copier];
/// Hours in a week: ENERGY STAR's TEC is a week's consumption.
pub const HOURS_PER_WEEK: f64 = 168.0;

/// A number with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Sourced {
    pub value: f64,
    pub unit: &'static str,
    pub source: String,
    /// The date or reference year of the figure, as its source states it.
    pub date: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum SheetSize {
    A4,
    A3,
}

impl SheetSize {
    /// m²: ISO 216, 210 × 297 mm and 297 × 420 mm.
    pub fn area_m2(self) -> f64 {
        match self {
            SheetSize::A4 => 0.210 * 0.297,
            SheetSize::A3 => 0.297 * 0.420,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SheetSize::A4 => "A4",
            SheetSize::A3 => "A3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    Virgin,
    Recycled,
}

impl PaperKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaperKind::Virgin => "virgin",
            PaperKind::Recycled => "recycled",
        }
    }
}

/// The validated `[printing]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintingConfig {
    pub sheet_size: SheetSize,
    pub grammage_g_per_m2: f64,
    pub paper: PaperKind,
    /// kgCO2e per kg of paper.
    pub paper_factor: Sourced,
    /// Share of the pages printed two-sided on printers that count no duplex pages and no
    /// sheets (0: one sheet per page).
    pub duplex_share_when_unknown: f64,
    /// ENERGY STAR typical electricity consumption, kWh per week, per printing class.
    pub tec_kwh_per_week: BTreeMap<AssetClass, Sourced>,
}

impl PrintingConfig {
    /// Reads the section (`p` may be an empty table), every mistake recorded in `p`. The
    /// printers' weekly energy defaults to the power the footprint's factor set gives their
    /// class (TEC / 168 h), so the printing figures and the fleet's use phase agree.
    pub fn read(p: &mut Params, factors: &FactorSet) -> PrintingConfig {
        let sheet_size = match p.string_or("sheet_size", "A4").trim() {
            s if s.eq_ignore_ascii_case("a4") => SheetSize::A4,
            s if s.eq_ignore_ascii_case("a3") => SheetSize::A3,
            other => {
                p.issue(
                    "sheet_size",
                    format!("\"{other}\" is not a sheet size parcd knows"),
                    "write \"A4\" or \"A3\"",
                );
                SheetSize::A4
            }
        };
        let grammage_g_per_m2 = number(p, "grammage_g_per_m2", 80.0, (40.0, 300.0));
        let paper = match p.string_or("paper", "virgin").trim() {
            "virgin" => PaperKind::Virgin,
            "recycled" => PaperKind::Recycled,
            other => {
                p.issue(
                    "paper",
                    format!("\"{other}\" is not a kind of paper"),
                    "write \"virgin\" or \"recycled\"",
                );
                PaperKind::Virgin
            }
        };
        let given = p.has("paper_kgco2e_per_kg");
        let factor = number(
            p,
            "paper_kgco2e_per_kg",
            VIRGIN_PAPER_KGCO2E_PER_KG,
            (0.01, 10.0),
        );
        let source = p.string("paper_factor_source");
        let date = p.string("paper_factor_date");
        let paper_factor = if given {
            if source.as_deref().is_none_or(|s| s.trim().is_empty()) {
                p.issue(
                    "paper_factor_source",
                    "is required with paper_kgco2e_per_kg",
                    "say where the factor comes from (a study, a supplier's declaration), \
                     so that the report can cite it",
                );
            }
            if date.as_deref().is_none_or(|s| s.trim().is_empty()) {
                p.issue(
                    "paper_factor_date",
                    "is required with paper_kgco2e_per_kg",
                    "give the factor's date or reference year, e.g. \"2023\"",
                );
            }
            Sourced {
                value: factor,
                unit: "kgCO2e/kg",
                source: source.unwrap_or_default(),
                date: date.unwrap_or_default(),
            }
        } else {
            if paper == PaperKind::Recycled {
                p.issue(
                    "paper",
                    "\"recycled\" has no verified default factor",
                    "set paper_kgco2e_per_kg with paper_factor_source and paper_factor_date \
                     (your paper's environmental declaration), or write paper = \"virgin\"",
                );
            }
            for key in ["paper_factor_source", "paper_factor_date"] {
                if p.has(key) {
                    p.issue(
                        key,
                        "describes a factor that is not given",
                        "set paper_kgco2e_per_kg too, or remove the key",
                    );
                }
            }
            Sourced {
                value: VIRGIN_PAPER_KGCO2E_PER_KG,
                unit: "kgCO2e/kg",
                source: VIRGIN_PAPER_SOURCE.to_string(),
                date: VIRGIN_PAPER_DATE.to_string(),
            }
        };
        let duplex_share_when_unknown = number(p, "duplex_share_when_unknown", 0.0, (0.0, 1.0));

        let mut tec_kwh_per_week = default_tec(factors);
        let tec_source = p.string("tec_source");
        let tec_date = p.string("tec_date");
        if let Some(mut t) = p.table("tec_kwh_per_week") {
            let mut any = false;
            for (key, _) in t.entries() {
                let class = PRINTING_CLASSES.iter().find(|c| c.as_str() == key);
                let Some(class) = class else {
                    t.issue(
                        &key,
                        "is not a printing class",
                        "use printer, mfp or copier",
                    );
                    continue;
                };
                let value = number(&mut t, &key, 1.0, (0.01, 200.0));
                any = true;
                tec_kwh_per_week.insert(
                    *class,
                    Sourced {
                        value,
                        unit: "kWh/week",
                        source: tec_source.clone().unwrap_or_default(),
                        date: tec_date.clone().unwrap_or_default(),
                    },
                );
            }
            p.absorb(t.finish());
            if any && tec_source.as_deref().is_none_or(|s| s.trim().is_empty()) {
                p.issue(
                    "tec_source",
                    "is required with tec_kwh_per_week",
                    "say where the weekly energy comes from (the ENERGY STAR registry, the \
                     datasheet of your models)",
                );
            }
            if any && tec_date.as_deref().is_none_or(|s| s.trim().is_empty()) {
                p.issue(
                    "tec_date",
                    "is required with tec_kwh_per_week",
                    "give the figures' date, e.g. \"2024\"",
                );
            }
        } else if tec_source.is_some() || tec_date.is_some() {
            p.issue(
                if tec_source.is_some() {
                    "tec_source"
                } else {
                    "tec_date"
                },
                "describes weekly energies that are not given",
                "add a [printing.tec_kwh_per_week] table, or remove the key",
            );
        }
        PrintingConfig {
            sheet_size,
            grammage_g_per_m2,
            paper,
            paper_factor,
            duplex_share_when_unknown,
            tec_kwh_per_week,
        }
    }

    /// The defaults, as with no `[printing]` section.
    pub fn defaults(factors: &FactorSet) -> PrintingConfig {
        let mut p = Params::new("printing", Default::default());
        PrintingConfig::read(&mut p, factors)
    }

    /// kg of one sheet.
    pub fn sheet_kg(&self) -> f64 {
        self.sheet_size.area_m2() * self.grammage_g_per_m2 / 1000.0
    }

    /// The weekly energy of a class; a device of another class (a printer the inventory
    /// files under `other`) is charged as a printer.
    pub fn tec(&self, class: AssetClass) -> &Sourced {
        self.tec_kwh_per_week
            .get(&class)
            .or_else(|| self.tec_kwh_per_week.get(&AssetClass::Printer))
            .expect("every printing class has a weekly energy")
    }

    /// The section as `check-config` prints it.
    pub fn render(&self) -> String {
        let mut s = String::from("[printing]\n");
        s.push_str(&format!(
            "sheet_size = \"{}\"\ngrammage_g_per_m2 = {}\npaper = \"{}\"\n\
             paper_kgco2e_per_kg = {}\n# paper factor: {} ({})\n\
             duplex_share_when_unknown = {}\n",
            self.sheet_size.as_str(),
            self.grammage_g_per_m2,
            self.paper.as_str(),
            self.paper_factor.value,
            self.paper_factor.source,
            self.paper_factor.date,
            self.duplex_share_when_unknown
        ));
        s.push_str("[printing.tec_kwh_per_week]\n");
        for (class, tec) in &self.tec_kwh_per_week {
            s.push_str(&format!(
                "{} = {}  # {} ({})\n",
                class.as_str(),
                round4(tec.value),
                tec.source,
                tec.date
            ));
        }
        s
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The weekly energy of each printing class from the factor set's average power.
fn default_tec(factors: &FactorSet) -> BTreeMap<AssetClass, Sourced> {
    let mut out = BTreeMap::new();
    for class in PRINTING_CLASSES {
        let Ok(c) = factors.class(class) else {
            continue;
        };
        let source = factors.source(&c.power_w.source);
        let title = source.map_or(c.power_w.source.clone(), |s| s.title.clone());
        let date = c
            .power_w
            .date
            .clone()
            .or_else(|| source.map(|s| s.date.clone()))
            .unwrap_or_default();
        out.insert(
            class,
            Sourced {
                value: c.power_w.value * c.use_ratio.value * HOURS_PER_WEEK / 1000.0,
                unit: "kWh/week",
                source: format!(
                    "{title}; {} W × {} h (factor set, class {})",
                    c.power_w.value,
                    HOURS_PER_WEEK,
                    class.as_str()
                ),
                date,
            },
        );
    }
    out
}

/// A number within `range`. `Params` reads numbers as their text, which is parsed here.
fn number(p: &mut Params, key: &str, default: f64, range: (f64, f64)) -> f64 {
    let Some(text) = p.string(key) else {
        return default;
    };
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (range.0..=range.1).contains(&x) => x,
        _ => {
            p.issue(
                key,
                format!("\"{text}\" is not a number from {} to {}", range.0, range.1),
                format!(
                    "write a number from {} to {}, or remove the key for the default {default}",
                    range.0, range.1
                ),
            );
            default
        }
    }
}
