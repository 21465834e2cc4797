//! Metrics of the fleet indicators: footprint per criterion and phase, coverage, ages and
//! lifespans, devices per agent. Labels are bounded: `class` and `reason` come from enums,
//! `entity` only from the headcount table of the configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use parcd_connectors::AssetClass;
use prometheus::{GaugeVec, Histogram, HistogramOpts, IntGaugeVec, Opts, Registry};

use crate::footprint::Criterion;
use crate::indicators::{Group, Indicators};

/// Amounts by criterion key.
type PerCriterion = BTreeMap<String, f64>;

const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

/// The metric name part, the factor from the criterion's unit to the metric's base unit,
/// and that base unit as the help text names it.
fn unit_of(c: Criterion) -> (&'static str, f64, &'static str) {
    match c {
        Criterion::Gwp => ("kgco2e", 1.0, "kgCO2e"),
        Criterion::Adpe => ("kgsbeq", 1.0, "kgSbeq"),
        Criterion::Adpf => ("adpf_joules", 1e6, "J"),
        Criterion::Pe => ("pe_joules", 1e6, "J"),
        Criterion::Water => ("water_liters", 1.0, "L"),
    }
}

pub struct FleetMetrics {
    embodied: Vec<(Criterion, f64, GaugeVec)>,
    use_phase: Vec<(Criterion, f64, GaugeVec)>,
    entity_embodied: Vec<(Criterion, f64, GaugeVec)>,
    entity_use: Vec<(Criterion, f64, GaugeVec)>,
    max_entities: usize,
    published_entities: Mutex<BTreeSet<String>>,
    coverage: GaugeVec,
    excluded: IntGaugeVec,
    age_mean: GaugeVec,
    age_median: GaugeVec,
    exit_mean: GaugeVec,
    exit_median: GaugeVec,
    past_target: IntGaugeVec,
    per_agent: GaugeVec,
    pub refresh_duration: Histogram,
    pub last_refresh: prometheus::Gauge,
    published_reasons: Mutex<BTreeSet<(String, String)>>,
}

fn gauge(name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    GaugeVec::new(Opts::new(name, help), labels).expect("valid metric")
}

impl FleetMetrics {
    /// `max_entities` bounds the `entity` label: the entities with the most devices get their
    /// own series, the others are summed under `entity="other"`.
    pub fn new(registry: &Registry, max_entities: usize) -> FleetMetrics {
        let per = |prefix: &str,
                   phase: &str,
                   what: &str,
                   label: &str|
         -> Vec<(Criterion, f64, GaugeVec)> {
            Criterion::ALL
                .into_iter()
                .map(|c| {
                    let (unit, factor, base) = unit_of(c);
                    let g = gauge(
                        &format!("{prefix}_{phase}_{unit}_per_year"),
                        &format!(
                            "{what} of the in-service fleet over the coming year, criterion {} ({base}), by {label}; \
                             no series where no device of the {label} has a factor for the criterion.",
                            c.key(),
                        ),
                        &[label],
                    );
                    (c, factor, g)
                })
                .collect()
        };
        let per_phase = |phase: &str, what: &str| per("parcd_footprint", phase, what, "class");
        let per_entity =
            |phase: &str, what: &str| per("parcd_footprint_entity", phase, what, "entity");
        let m = FleetMetrics {
            embodied: per_phase(
                "embodied",
                "Embodied impact (manufacture, spread over the reference lifespan)",
            ),
            use_phase: per_phase("use", "Use-phase impact (electricity)"),
            entity_embodied: per_entity(
                "embodied",
                "Embodied impact (manufacture, spread over the reference lifespan)",
            ),
            entity_use: per_entity("use", "Use-phase impact (electricity)"),
            max_entities,
            published_entities: Mutex::new(BTreeSet::new()),
            coverage: gauge(
                "parcd_footprint_coverage_ratio",
                "In-service devices with a usable footprint factor, over all in-service devices (0 to 1).",
                &["class"],
            ),
            excluded: IntGaugeVec::new(
                Opts::new(
                    "parcd_footprint_excluded_assets",
                    "In-service devices left out of the footprint, by reason.",
                ),
                &["class", "reason"],
            )
            .expect("valid metric"),
            age_mean: gauge(
                "parcd_fleet_age_mean_seconds",
                "Mean age of in-service devices since put into service.",
                &["class"],
            ),
            age_median: gauge(
                "parcd_fleet_age_median_seconds",
                "Median age of in-service devices since put into service.",
                &["class"],
            ),
            exit_mean: gauge(
                "parcd_lifespan_at_exit_mean_seconds",
                "Mean age of devices when they left the fleet (reused, recycled or destroyed).",
                &["class"],
            ),
            exit_median: gauge(
                "parcd_lifespan_at_exit_median_seconds",
                "Median age of devices when they left the fleet.",
                &["class"],
            ),
            past_target: IntGaugeVec::new(
                Opts::new(
                    "parcd_assets_past_target_lifespan",
                    "In-service devices older than their class's reference lifespan.",
                ),
                &["class"],
            )
            .expect("valid metric"),
            per_agent: gauge(
                "parcd_devices_per_agent",
                "In-service devices per agent, for the entities given a headcount.",
                &["entity"],
            ),
            refresh_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "parcd_indicators_refresh_duration_seconds",
                    "From a committed page of changes to the indicators published.",
                )
                .buckets(vec![
                    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ]),
            )
            .expect("valid metric"),
            last_refresh: prometheus::Gauge::new(
                "parcd_indicators_last_refresh_timestamp_seconds",
                "When the indicators were last published.",
            )
            .expect("valid metric"),
            published_reasons: Mutex::new(BTreeSet::new()),
        };
        let mut collectors: Vec<Box<dyn prometheus::core::Collector>> = Vec::new();
        for (_, _, g) in m
            .embodied
            .iter()
            .chain(m.use_phase.iter())
            .chain(m.entity_embodied.iter())
            .chain(m.entity_use.iter())
        {
            collectors.push(Box::new(g.clone()));
        }
        collectors.push(Box::new(m.coverage.clone()));
        collectors.push(Box::new(m.excluded.clone()));
        collectors.push(Box::new(m.age_mean.clone()));
        collectors.push(Box::new(m.age_median.clone()));
        collectors.push(Box::new(m.exit_mean.clone()));
        collectors.push(Box::new(m.exit_median.clone()));
        collectors.push(Box::new(m.past_target.clone()));
        collectors.push(Box::new(m.per_agent.clone()));
        collectors.push(Box::new(m.refresh_duration.clone()));
        collectors.push(Box::new(m.last_refresh.clone()));
        for c in collectors {
            registry
                .register(c)
                .expect("each metric is registered once");
        }
        m
    }

    /// Publishes a snapshot. Every class gets every series of coverage and age (0 where
    /// nothing is known), so alert rules and dashboards see no series appear or vanish. A
    /// footprint criterion is published for a class with nothing in service (0, which is
    /// true) and for one whose devices have a factor for it, and has no series where they
    /// have none: a 0 there would understate every sum it enters.
    pub fn publish(&self, ind: &Indicators) {
        let empty = Group::default();
        for class in AssetClass::ALL {
            let name = class.as_str();
            let g = ind.by_class.get(name).unwrap_or(&empty);
            let nothing_in_service = g.in_service == 0;
            publish_criteria(
                &self.embodied,
                name,
                &g.embodied_per_year,
                nothing_in_service,
            );
            publish_criteria(&self.use_phase, name, &g.use_per_year, nothing_in_service);
            self.coverage
                .with_label_values(&[name])
                .set(finite(g.coverage_ratio));
            let secs = |y: Option<f64>| finite(y.unwrap_or(0.0) * SECONDS_PER_YEAR);
            self.age_mean
                .with_label_values(&[name])
                .set(secs(g.age_mean_years));
            self.age_median
                .with_label_values(&[name])
                .set(secs(g.age_median_years));
            self.exit_mean
                .with_label_values(&[name])
                .set(secs(g.lifespan_at_exit_mean_years));
            self.exit_median
                .with_label_values(&[name])
                .set(secs(g.lifespan_at_exit_median_years));
            self.past_target
                .with_label_values(&[name])
                .set(g.past_target_lifespan as i64);
        }
        let mut reasons = self.published_reasons.lock().expect("metrics lock");
        let mut now: BTreeMap<(String, String), u64> = BTreeMap::new();
        for (class, g) in &ind.by_class {
            for (reason, n) in &g.excluded {
                now.insert((class.clone(), reason.clone()), *n);
            }
        }
        for key in reasons.iter() {
            if !now.contains_key(key) {
                self.excluded.with_label_values(&[&key.0, &key.1]).set(0);
            }
        }
        for (key, n) in &now {
            self.excluded
                .with_label_values(&[&key.0, &key.1])
                .set(*n as i64);
            reasons.insert(key.clone());
        }
        for (entity, g) in &ind.by_entity {
            if let Some(v) = g.devices_per_agent {
                self.per_agent.with_label_values(&[entity]).set(finite(v));
            }
        }
        drop(reasons);
        self.publish_entities(ind);
        self.last_refresh.set(ind.computed_at as f64);
    }

    fn publish_entities(&self, ind: &Indicators) {
        let mut ranked: Vec<(&String, &Group)> = ind.by_entity.iter().collect();
        ranked.sort_by(|a, b| b.1.in_service.cmp(&a.1.in_service).then(a.0.cmp(b.0)));
        let mut sums: BTreeMap<String, (PerCriterion, PerCriterion, u64)> = BTreeMap::new();
        for (i, (entity, g)) in ranked.into_iter().enumerate() {
            let label = if i < self.max_entities {
                entity.clone()
            } else {
                "other".to_string()
            };
            let (e, u, in_service) = sums.entry(label).or_default();
            *in_service += g.in_service;
            for (k, v) in &g.embodied_per_year {
                *e.entry(k.clone()).or_default() += v;
            }
            for (k, v) in &g.use_per_year {
                *u.entry(k.clone()).or_default() += v;
            }
        }
        let mut published = self.published_entities.lock().expect("metrics lock");
        for gone in published.iter().filter(|e| !sums.contains_key(*e)) {
            for (_, _, g) in self.entity_embodied.iter().chain(self.entity_use.iter()) {
                let _ = g.remove_label_values(&[gone]);
            }
        }
        published.clear();
        for (entity, (embodied, use_phase, in_service)) in &sums {
            publish_criteria(&self.entity_embodied, entity, embodied, *in_service == 0);
            publish_criteria(&self.entity_use, entity, use_phase, *in_service == 0);
            published.insert(entity.clone());
        }
    }
}

/// Sets each criterion's gauge of `label` from `values`, a missing criterion 0 when
/// `nothing_in_service` (no device, no impact) and no series otherwise (not computed).
fn publish_criteria(
    gauges: &[(Criterion, f64, GaugeVec)],
    label: &str,
    values: &PerCriterion,
    nothing_in_service: bool,
) {
    for (c, factor, gauge) in gauges {
        match values.get(c.key()) {
            Some(v) => gauge.with_label_values(&[label]).set(finite(v * factor)),
            None if nothing_in_service => gauge.with_label_values(&[label]).set(0.0),
            None => {
                let _ = gauge.remove_label_values(&[label]);
            }
        }
    }
}

/// NaN and infinities never reach a scrape.
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(in_service: u64, gwp: f64) -> Group {
        Group {
            in_service,
            embodied_per_year: BTreeMap::from([("gwp".to_string(), gwp)]),
            ..Default::default()
        }
    }

    fn indicators(entities: &[(&str, u64, f64)]) -> Indicators {
        Indicators {
            computed_at: 1,
            total: Group::default(),
            by_class: BTreeMap::from([("laptop".to_string(), group(3, 30.0))]),
            by_entity: entities
                .iter()
                .map(|(e, n, g)| (e.to_string(), group(*n, *g)))
                .collect(),
        }
    }

    #[test]
    fn entities_beyond_the_cap_are_summed_and_gone_ones_removed() {
        let registry = Registry::new();
        let m = FleetMetrics::new(&registry, 2);
        m.publish(&indicators(&[
            ("A", 10, 1.0),
            ("B", 5, 2.0),
            ("C", 1, 4.0),
            ("D", 1, 8.0),
        ]));
        let text = render(&registry);
        assert!(
            text.contains(r#"parcd_footprint_entity_embodied_kgco2e_per_year{entity="A"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"parcd_footprint_entity_embodied_kgco2e_per_year{entity="other"} 12"#),
            "{text}"
        );
        assert!(text.contains(r#"parcd_footprint_embodied_kgco2e_per_year{class="laptop"} 30"#));
        assert!(text.contains(r#"parcd_footprint_embodied_kgco2e_per_year{class="server"} 0"#));
        // Laptops are in service and no device of theirs has a primary-energy factor: no
        // series, never a 0 that would understate the sums.
        assert!(
            !text.contains(r#"parcd_footprint_embodied_pe_joules_per_year{class="laptop"}"#),
            "{text}"
        );
        assert!(text.contains(r#"parcd_footprint_embodied_pe_joules_per_year{class="server"} 0"#));
        assert!(
            !text.contains(r#"parcd_footprint_entity_embodied_pe_joules_per_year{entity="A"}"#),
            "{text}"
        );
        assert!(text.contains("criterion pe (J)"), "{text}");
        assert!(!text.contains("(MJ)"), "{text}");
        m.publish(&indicators(&[("A", 10, 1.0)]));
        let text = render(&registry);
        assert!(
            !text.contains(r#"entity="B""#) && !text.contains(r#"entity="other""#),
            "{text}"
        );
    }

    fn render(registry: &Registry) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&registry.gather(), &mut buf)
            .unwrap();
        String::from_utf8(buf).unwrap()
    }
}
