//! The factor set: sourced figures per asset class, per device model and per electricity zone,
//! and the lookups the model needs. Built by [`crate::footprint::load`], which validates
//! everything, so what is here is always complete and finite.

use std::collections::BTreeMap;
use std::fmt;

use parcd_connectors::record::AssetClass;

use super::criteria::{Criterion, Impacts};
use super::error::FootprintError;

/// Where figures come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: String,
    pub title: String,
    /// URL, or repository, path and commit.
    pub reference: Option<String>,
    /// Date or reference year of the data, as its source states it.
    pub date: String,
    pub note: Option<String>,
}

/// One sourced number, in parcd's canonical unit for what it measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub value: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Id of a [`Source`] of the same factor set.
    pub source: String,
    /// The figure's own date when it differs from its source's.
    pub date: Option<String>,
    pub note: Option<String>,
}

/// A figure per criterion, where the sources give one.
pub type Figures = [Option<Figure>; Criterion::COUNT];

/// Reference data for one asset class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFactors {
    pub class: AssetClass,
    pub description: String,
    /// Embodied impact over the whole life, per criterion.
    pub embodied: Figures,
    pub lifespan_hours: Figure,
    /// Average power while switched on, W.
    pub power_w: Figure,
    /// Share of the time switched on, 0..=1.
    pub use_ratio: Figure,
}

/// Overrides for one device model (config `[models."NAME"]`); what is absent comes from its class.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFactors {
    pub name: String,
    pub class: AssetClass,
    pub embodied: Figures,
    pub lifespan_hours: Option<Figure>,
    pub power_w: Option<Figure>,
    pub use_ratio: Option<Figure>,
}

/// Electricity factors of one zone for one year in one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectricityRecord {
    pub year: i32,
    pub name: Option<String>,
    /// Per kWh.
    pub factors: Figures,
}

/// What the model needs for one kind of device: plain numbers, cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Embodied impact over the whole life.
    pub embodied: Impacts,
    pub lifespan_hours: f64,
    pub power_w: f64,
    pub use_ratio: f64,
}

/// A [`Profile`] with the source of each of its numbers, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedProfile {
    pub profile: Profile,
    pub class: AssetClass,
    pub model: Option<String>,
    pub embodied_sources: [Option<String>; Criterion::COUNT],
    pub lifespan_source: String,
    pub power_source: String,
    pub use_ratio_source: String,
}

/// Where one criterion's electricity factor came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectricityBasis {
    pub dataset: String,
    pub zone: String,
    pub year: i32,
    pub value: f64,
    pub source: String,
}

/// Electricity factors resolved for one zone and year: per kWh, plus their origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Intensity {
    pub per_kwh: Impacts,
    pub basis: [Option<ElectricityBasis>; Criterion::COUNT],
}

/// A validated set of factors. Compiled in, optionally overlaid by a file.
#[derive(Clone, PartialEq)]
pub struct FactorSet {
    pub name: String,
    pub version: String,
    /// Files laid over the built-in set, in order.
    pub overlays: Vec<String>,
    pub(crate) sources: BTreeMap<String, Source>,
    pub(crate) classes: BTreeMap<AssetClass, ClassFactors>,
    pub(crate) models: BTreeMap<String, ModelFactors>,
    /// dataset → zone → records sorted by year.
    pub(crate) electricity: BTreeMap<String, BTreeMap<String, Vec<ElectricityRecord>>>,
}

// The whole set is thousands of figures: a summary is what a log or a `{:?}` of Config needs.
impl fmt::Debug for FactorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactorSet")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("overlays", &self.overlays)
            .field("classes", &self.classes.len())
            .field("models", &self.models.len())
            .field("datasets", &self.datasets())
            .finish()
    }
}

impl FactorSet {
    /// One line naming the set and its overlays, for reports.
    pub fn label(&self) -> String {
        let mut s = format!("{} {}", self.name, self.version);
        for o in &self.overlays {
            s.push_str(" + ");
            s.push_str(o);
        }
        s
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.get(id)
    }

    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.values()
    }

    pub fn class(&self, class: AssetClass) -> Result<&ClassFactors, FootprintError> {
        self.classes
            .get(&class)
            .ok_or_else(|| FootprintError::NoClassFactor {
                class: class.as_str().to_string(),
            })
    }

    /// The classes that have factors.
    pub fn classes(&self) -> impl Iterator<Item = &ClassFactors> {
        self.classes.values()
    }

    pub fn model(&self, name: &str) -> Result<&ModelFactors, FootprintError> {
        self.models
            .get(name)
            .ok_or_else(|| FootprintError::UnknownModel {
                name: name.to_string(),
            })
    }

    /// True when the factor set has overrides for this model: the fleet passes the model to
    /// [`FactorSet::profile`] only then, and its class figures otherwise.
    pub fn has_model(&self, name: &str) -> bool {
        self.models.contains_key(name)
    }

    pub fn models(&self) -> impl Iterator<Item = &ModelFactors> {
        self.models.values()
    }

    /// The profile of a class, with a model's overrides laid over it when `model` is given.
    /// Resolve once per class or model, then reuse it for every device of that kind.
    pub fn profile(
        &self,
        class: AssetClass,
        model: Option<&str>,
    ) -> Result<ResolvedProfile, FootprintError> {
        let base = self.class(class)?;
        let model = match model {
            Some(name) => {
                let m = self.model(name)?;
                if m.class != class {
                    return Err(FootprintError::InvalidInput {
                        field: "model",
                        value: name.to_string(),
                        problem: format!(
                            "is declared as class {} in the factor set, not {}",
                            m.class.as_str(),
                            class.as_str()
                        ),
                        fix: format!(
                            "use class {} for this model, or fix [models.\"{name}\"] class",
                            m.class.as_str()
                        ),
                    });
                }
                Some(m)
            }
            None => None,
        };
        let pick = |over: Option<&Option<Figure>>, base: &Figure| -> (f64, String) {
            match over.and_then(Option::as_ref) {
                Some(f) => (f.value, f.source.clone()),
                None => (base.value, base.source.clone()),
            }
        };
        let (lifespan_hours, lifespan_source) =
            pick(model.map(|m| &m.lifespan_hours), &base.lifespan_hours);
        let (power_w, power_source) = pick(model.map(|m| &m.power_w), &base.power_w);
        let (use_ratio, use_ratio_source) = pick(model.map(|m| &m.use_ratio), &base.use_ratio);
        let mut embodied_sources: [Option<String>; Criterion::COUNT] = Default::default();
        let mut embodied = Impacts::NONE;
        for c in Criterion::ALL {
            let i = c as usize;
            let f = model
                .and_then(|m| m.embodied[i].as_ref())
                .or(base.embodied[i].as_ref());
            if let Some(f) = f {
                embodied.set(c, f.value);
                embodied_sources[i] = Some(f.source.clone());
            }
        }
        Ok(ResolvedProfile {
            profile: Profile {
                embodied,
                lifespan_hours,
                power_w,
                use_ratio,
            },
            class,
            model: model.map(|m| m.name.clone()),
            embodied_sources,
            lifespan_source,
            power_source,
            use_ratio_source,
        })
    }

    /// The electricity datasets, e.g. `ademe`, `boaviztapi`.
    pub fn datasets(&self) -> Vec<&str> {
        self.electricity.keys().map(String::as_str).collect()
    }

    /// The zones a dataset has factors for.
    pub fn zones(&self, dataset: &str) -> Vec<&str> {
        self.electricity
            .get(dataset)
            .map(|z| z.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Every record of one zone in one dataset, oldest first.
    pub fn electricity_records(&self, dataset: &str, zone: &str) -> &[ElectricityRecord] {
        self.electricity
            .get(dataset)
            .and_then(|z| z.get(zone))
            .map_or(&[], Vec::as_slice)
    }

    /// Electricity factors for `zone` in `year`. Each criterion is taken from the first dataset
    /// of `datasets` that has it for that zone, so the default `ademe, boaviztapi` takes ADEME's
    /// French gwp and water and BoaviztAPI's adpe, adpf and pe; each criterion says where it came
    /// from. Within a dataset the latest year not after `year` wins, else the earliest one.
    pub fn intensity(
        &self,
        zone: &str,
        year: i32,
        datasets: &[String],
    ) -> Result<Intensity, FootprintError> {
        let zone = normalise_zone(zone)?;
        for d in datasets {
            if !self.electricity.contains_key(d) {
                return Err(FootprintError::UnknownDataset {
                    given: d.clone(),
                    known: self.datasets().iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        let mut per_kwh = Impacts::NONE;
        let mut basis: [Option<ElectricityBasis>; Criterion::COUNT] = Default::default();
        for c in Criterion::ALL {
            for d in datasets {
                let records = self.electricity_records(d, &zone);
                let with_c = || records.iter().filter(|r| r.factors[c as usize].is_some());
                let chosen = with_c()
                    .rev()
                    .find(|r| r.year <= year)
                    .or_else(|| with_c().next());
                if let Some(r) = chosen
                    && let Some(f) = &r.factors[c as usize]
                {
                    per_kwh.set(c, f.value);
                    basis[c as usize] = Some(ElectricityBasis {
                        dataset: d.clone(),
                        zone: zone.clone(),
                        year: r.year,
                        value: f.value,
                        source: f.source.clone(),
                    });
                    break;
                }
            }
        }
        if per_kwh.is_empty() {
            return Err(FootprintError::NoElectricityFactor {
                fix: format!(
                    "use a zone that has one (ISO 3166-1 alpha-3 such as FRA or DEU, EEE for \
                     Europe, WOR for the world), choose another dataset (known: {}), or add \
                     [electricity.<dataset>.{zone}.<year>] with a sourced gwp to the file named \
                     by [footprint] factors_file",
                    self.datasets().join(", ")
                ),
                zone,
                datasets: datasets.to_vec(),
            });
        }
        Ok(Intensity { per_kwh, basis })
    }
}

/// Upper-cases a zone code and checks it has the ISO 3166-1 alpha-3 shape.
pub fn normalise_zone(zone: &str) -> Result<String, FootprintError> {
    let z = zone.trim().to_ascii_uppercase();
    if z.len() == 3 && z.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(z)
    } else {
        Err(FootprintError::InvalidInput {
            field: "location",
            value: zone.to_string(),
            problem: "is not a three-letter zone code".into(),
            fix: "give an ISO 3166-1 alpha-3 country code such as FRA, or EEE (Europe) or WOR \
                  (world)"
                .into(),
        })
    }
}

/// Parses an asset class name, listing the valid ones when it is unknown.
pub fn parse_class(name: &str) -> Result<AssetClass, FootprintError> {
    AssetClass::parse(name.trim()).ok_or_else(|| FootprintError::UnknownClass {
        given: name.to_string(),
        known: AssetClass::ALL
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
    })
}
