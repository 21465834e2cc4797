//! The `[footprint]` section of the configuration.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Datelike;
use parcd_connectors::params::Params;

use super::error::FootprintError;
use super::factors::FactorSet;
use super::load;
use super::model::{Assumptions, DEFAULT_RECONDITIONED_EMBODIED_SHARE};

/// Zone used when a device's location is unknown.
pub const DEFAULT_LOCATION: &str = "FRA";
/// Electricity datasets, by preference, per criterion: ADEME's French factors for what they
/// cover (gwp, water), BoaviztAPI's for the rest and for other countries.
pub const DEFAULT_ELECTRICITY: [&str; 2] = ["ademe", "boaviztapi"];

/// The validated `[footprint]` section.
#[derive(Debug, Clone)]
pub struct FootprintConfig {
    /// File laid over the built-in factor set.
    pub factors_file: Option<PathBuf>,
    /// The built-in set with `factors_file` over it, loaded and validated.
    pub factors: Arc<FactorSet>,
    pub assumptions: Assumptions,
    /// Electricity datasets in order of preference.
    pub electricity: Vec<String>,
    /// Zone of devices whose location is unknown (ISO 3166-1 alpha-3).
    pub location: String,
}

impl FootprintConfig {
    /// Reads the section, recording every mistake in `p`. `None` when a mistake leaves no usable
    /// factor set.
    pub fn read(p: &mut Params) -> Option<FootprintConfig> {
        let factors_file = p.string("factors_file").map(PathBuf::from);
        let share = fraction(
            p,
            "reconditioned_embodied_share",
            DEFAULT_RECONDITIONED_EMBODIED_SHARE,
        );
        let electricity = p
            .string_list("electricity")
            .unwrap_or_else(|| DEFAULT_ELECTRICITY.map(String::from).to_vec());
        let location = p
            .string_or("location", DEFAULT_LOCATION)
            .to_ascii_uppercase();
        let factors = match load::load(factors_file.as_deref()) {
            Ok(f) => f,
            Err(FootprintError::InvalidFactors { origin, issues }) => {
                for i in issues {
                    p.issue(
                        "factors_file",
                        format!("{origin}: {} {}", i.key, i.problem),
                        i.fix,
                    );
                }
                return None;
            }
            Err(e) => {
                p.issue(
                    "factors_file",
                    e.to_string(),
                    "point it at a readable TOML factor file, or remove it for the built-in set",
                );
                return None;
            }
        };
        if electricity.is_empty() {
            p.issue(
                "electricity",
                "names no dataset",
                format!("list datasets by preference, e.g. {DEFAULT_ELECTRICITY:?}"),
            );
            return None;
        }
        let year = chrono::Utc::now().year();
        if let Err(e) = factors.intensity(&location, year, &electricity) {
            match e {
                FootprintError::UnknownDataset { given, known } => p.issue(
                    "electricity",
                    format!("\"{given}\" is not an electricity dataset of the factor set"),
                    format!("list datasets among {}", known.join(", ")),
                ),
                FootprintError::NoElectricityFactor {
                    zone,
                    datasets,
                    fix,
                } => p.issue(
                    "location",
                    format!(
                        "no electricity factor for \"{zone}\" in {}",
                        datasets.join(", ")
                    ),
                    fix,
                ),
                FootprintError::InvalidInput {
                    value,
                    problem,
                    fix,
                    ..
                } => p.issue("location", format!("\"{value}\" {problem}"), fix),
                other => p.issue(
                    "location",
                    other.to_string(),
                    "check the [footprint] section",
                ),
            }
            return None;
        }
        Some(FootprintConfig {
            factors_file,
            factors: Arc::new(factors),
            assumptions: Assumptions {
                reconditioned_embodied_share: share,
            },
            electricity,
            location,
        })
    }

    /// The built-in factor set and the defaults, as with no `[footprint]` section.
    pub fn builtin() -> Result<FootprintConfig, FootprintError> {
        Ok(FootprintConfig {
            factors_file: None,
            factors: Arc::new(load::builtin()?),
            assumptions: Assumptions::default(),
            electricity: DEFAULT_ELECTRICITY.map(String::from).to_vec(),
            location: DEFAULT_LOCATION.to_string(),
        })
    }

    /// The section as `check-config` prints it.
    pub fn render(&self) -> String {
        let mut s = String::from("[footprint]\n");
        match &self.factors_file {
            Some(f) => s.push_str(&format!("factors_file = \"{}\"\n", f.display())),
            None => s.push_str("# factors_file: none, the built-in factor set alone\n"),
        }
        s.push_str(&format!(
            "reconditioned_embodied_share = {}\nelectricity = [{}]\nlocation = \"{}\"\n",
            self.assumptions.reconditioned_embodied_share,
            self.electricity
                .iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", "),
            self.location
        ));
        let f = &self.factors;
        s.push_str(&format!(
            "# factor set: {}; classes: {}; models: {}; electricity: {}\n",
            f.label(),
            f.classes()
                .map(|c| c.class.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            f.models().count(),
            f.datasets()
                .iter()
                .map(|d| match f.zones(d).len() {
                    1 => format!("{d} (1 zone)"),
                    n => format!("{d} ({n} zones)"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
        s
    }
}

/// A number from 0 to 1. `Params` reads numbers as their text, which is parsed here.
fn fraction(p: &mut Params, key: &str, default: f64) -> f64 {
    let Some(text) = p.string(key) else {
        return default;
    };
    match text.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => x,
        _ => {
            p.issue(
                key,
                format!("\"{text}\" is not a share from 0 to 1"),
                format!("write a number such as 0.25, or remove the key for the default {default}"),
            );
            default
        }
    }
}
