//! `parcd estimate`: one device's impact over a period, through the same profile, intensity and
//! model calls the fleet makes.

use chrono::Datelike;
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value, json};

use super::criteria::{Criterion, Impacts};
use super::error::FootprintError;
use super::factors::{Intensity, ResolvedProfile, parse_class};
use super::model::{self, Device, Estimate};
use super::settings::FootprintConfig;

/// The long help of `parcd estimate`: method and units.
pub const UNITS_HELP: &str = "\
Prints one device's embodied and use-phase impact over a period of HOURS.

Embodied: the class's (or model's) embodied impact spread linearly over its reference lifespan,
nothing once the device is past it (BoaviztAPI's convention). Use: power (W) / 1000 × use ratio ×
hours × the electricity factor of the location, per criterion.

Units: gwp kgCO2e (climate change), adpe kgSbeq (minerals and metals), adpf MJ (fossil
resources), pe MJ (primary energy), water L. A criterion with no factor is left out, never 0.

Electricity: each criterion comes from the first dataset of --electricity (default: [footprint]
electricity, i.e. ademe then boaviztapi) that has the zone; --electricity boaviztapi reproduces
BoaviztAPI 2.5.0.";

/// `parcd estimate` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct EstimateArgs {
    /// Asset class: laptop, desktop, thin_client, monitor, smartphone, desk_phone, tablet,
    /// printer, mfp, copier, server, network.
    #[arg(long)]
    pub class: String,
    /// Average power while switched on, in watts [default: the class's].
    #[arg(long, allow_negative_numbers = true)]
    pub avg_power_w: Option<f64>,
    /// Share of the time switched on, 0 to 1 [default: the class's].
    #[arg(long, allow_negative_numbers = true)]
    pub use_ratio: Option<f64>,
    /// Length of the period, in hours (8760 for a year).
    #[arg(long, allow_negative_numbers = true)]
    pub hours: f64,
    /// Usage location, ISO 3166-1 alpha-3 (FRA), or EEE (Europe), WOR (world) [default:
    /// [footprint] location, FRA].
    #[arg(long)]
    pub location: Option<String>,
    /// Reference lifespan in hours over which the embodied impact is spread [default: the
    /// class's].
    #[arg(long, allow_negative_numbers = true)]
    pub lifespan_hours: Option<f64>,
    /// Age of the device at the start of the period, in hours.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub age_hours: f64,
    /// The device was bought reconditioned: charge [footprint] reconditioned_embodied_share of
    /// its embodied impact.
    #[arg(long)]
    pub reconditioned: bool,
    /// A model of the factor file's [models."NAME"], whose figures override the class's.
    #[arg(long)]
    pub model: Option<String>,
    /// Year of the electricity factors [default: this year; the latest earlier year a dataset
    /// has is used].
    #[arg(long)]
    pub year: Option<i32>,
    /// Electricity datasets by preference, comma-separated (ademe, boaviztapi).
    #[arg(long, value_delimiter = ',')]
    pub electricity: Option<Vec<String>>,
    /// Print JSON: {"embodied": {...}, "use": {...}, "units": {...}, "basis": {...}}.
    #[arg(long)]
    pub json: bool,
}

/// Runs the estimate and returns what to print.
pub fn run(cfg: &FootprintConfig, args: &EstimateArgs) -> Result<String, FootprintError> {
    let class = parse_class(&args.class)?;
    let resolved = cfg.factors.profile(class, args.model.as_deref())?;
    let zone = args.location.as_deref().unwrap_or(&cfg.location);
    let datasets = args
        .electricity
        .clone()
        .unwrap_or_else(|| cfg.electricity.clone());
    let year = args.year.unwrap_or_else(|| chrono::Utc::now().year());
    let intensity = cfg.factors.intensity(zone, year, &datasets)?;
    let device = Device {
        power_w: args.avg_power_w,
        use_ratio: args.use_ratio,
        lifespan_hours: args.lifespan_hours,
        age_hours: args.age_hours,
        reconditioned: args.reconditioned,
    };
    let est = model::estimate(
        &resolved.profile,
        &device,
        args.hours,
        &intensity.per_kwh,
        &cfg.assumptions,
    )?;
    let report = Report {
        cfg,
        resolved: &resolved,
        intensity: &intensity,
        est: &est,
        reconditioned: args.reconditioned,
        year,
    };
    Ok(if args.json {
        // Serialising plain maps of finite numbers and strings cannot fail.
        let mut text = serde_json::to_string_pretty(&report.json()).unwrap_or_default();
        text.push('\n');
        text
    } else {
        report.table()
    })
}

struct Report<'a> {
    cfg: &'a FootprintConfig,
    resolved: &'a ResolvedProfile,
    intensity: &'a Intensity,
    est: &'a Estimate,
    reconditioned: bool,
    year: i32,
}

/// Impacts as a JSON object in criterion order (gwp first), known criteria only.
struct ImpactsJson<'a>(&'a Impacts);

impl Serialize for ImpactsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (c, v) in self.0.iter() {
            map.serialize_entry(c.key(), &v)?;
        }
        map.end()
    }
}

/// The `--json` document; field order is the order printed.
#[derive(Serialize)]
struct EstimateJson<'a> {
    embodied: ImpactsJson<'a>,
    #[serde(rename = "use")]
    use_phase: ImpactsJson<'a>,
    units: Map<String, Value>,
    basis: Value,
}

impl Report<'_> {
    fn json(&self) -> EstimateJson<'_> {
        let units: Map<String, Value> = Criterion::ALL
            .iter()
            .map(|c| (c.key().to_string(), json!(c.unit())))
            .collect();
        let electricity: Map<String, Value> = Criterion::ALL
            .iter()
            .filter_map(|c| {
                self.intensity.basis[*c as usize].as_ref().map(|b| {
                    (
                        c.key().to_string(),
                        json!({
                            "dataset": b.dataset,
                            "zone": b.zone,
                            "year": b.year,
                            "value": b.value,
                            "unit": c.unit_per_kwh(),
                            "source": b.source,
                        }),
                    )
                })
            })
            .collect();
        let embodied_sources: Map<String, Value> = Criterion::ALL
            .iter()
            .filter_map(|c| {
                self.resolved.embodied_sources[*c as usize]
                    .as_ref()
                    .map(|s| (c.key().to_string(), json!(s)))
            })
            .collect();
        let i = &self.est.inputs;
        let basis = json!({
                "class": self.resolved.class.as_str(),
                "model": self.resolved.model,
                "hours": i.hours,
                "age_hours": i.age_hours,
                "avg_power_w": i.power_w,
                "use_ratio": i.use_ratio,
                "lifespan_hours": i.lifespan_hours,
                "energy_kwh": i.energy_kwh,
                "embodied_share": i.embodied_share,
                "reconditioned": self.reconditioned,
                "reconditioned_embodied_share": self.reconditioned
                    .then_some(self.cfg.assumptions.reconditioned_embodied_share),
                "electricity_year": self.year,
                "electricity": electricity,
                "embodied_sources": embodied_sources,
                "lifespan_source": self.resolved.lifespan_source,
                "power_source": self.resolved.power_source,
                "use_ratio_source": self.resolved.use_ratio_source,
                "factor_set": self.cfg.factors.label(),
        });
        EstimateJson {
            embodied: ImpactsJson(&self.est.embodied),
            use_phase: ImpactsJson(&self.est.use_phase),
            units,
            basis,
        }
    }

    fn table(&self) -> String {
        let i = &self.est.inputs;
        let mut s = format!(
            "{}{}: {} h from age {} h; {} W x {} on = {} kWh; embodied share {} of a {} h life{}\n\n",
            self.resolved.class.as_str(),
            self.resolved
                .model
                .as_ref()
                .map_or(String::new(), |m| format!(" ({m})")),
            num(i.hours),
            num(i.age_hours),
            num(i.power_w),
            num(i.use_ratio),
            num(i.energy_kwh),
            num(i.embodied_share),
            num(i.lifespan_hours),
            if self.reconditioned {
                " (reconditioned)"
            } else {
                ""
            },
        );
        s.push_str(&format!(
            "{:<10} {:<7} {:>12} {:>12} {:>12}\n",
            "criterion", "unit", "embodied", "use", "total"
        ));
        for c in Criterion::ALL {
            let e = self.est.embodied.get(c);
            let u = self.est.use_phase.get(c);
            if e.is_none() && u.is_none() {
                continue;
            }
            let total = match (e, u) {
                (Some(a), Some(b)) => num(a + b),
                _ => "-".to_string(),
            };
            let cell = |x: Option<f64>| x.map_or("-".to_string(), num);
            s.push_str(&format!(
                "{:<10} {:<7} {:>12} {:>12} {:>12}\n",
                c.key(),
                c.unit(),
                cell(e),
                cell(u),
                total
            ));
        }
        s.push_str("\nelectricity:");
        for c in Criterion::ALL {
            if let Some(b) = &self.intensity.basis[c as usize] {
                s.push_str(&format!(
                    "\n  {} {} {} {}: {} {} ({})",
                    c.key(),
                    b.dataset,
                    b.zone,
                    b.year,
                    num(b.value),
                    c.unit_per_kwh(),
                    b.source
                ));
            }
        }
        s.push_str("\nembodied:");
        for c in Criterion::ALL {
            if let Some(src) = &self.resolved.embodied_sources[c as usize] {
                s.push_str(&format!("\n  {} {src}", c.key()));
            }
        }
        s.push_str(&format!("\nfactor set: {}\n", self.cfg.factors.label()));
        s
    }
}

/// Four significant digits, in plain notation where that stays readable.
fn num(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (1e-3..1e7).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_print_with_four_significant_digits() {
        assert_eq!(num(45.25), "45.25");
        assert_eq!(num(4.292000000000001), "4.292");
        assert_eq!(num(35040.0), "35040");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(9.575e-6), "9.575e-6");
        assert_eq!(num(0.0), "0");
    }
}
