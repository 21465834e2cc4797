//! Metrics of the printing figures of the current calendar year (UTC): pages, sheets, paper,
//! climate impact, supplies, printers answering and printer sharing, by entity and class.
//!
//! They are gauges, not counters: each is recomputed from the stored readings with every
//! printer's current entity, so a printer moved to another entity takes its year's pages
//! with it, and they start again from 0 on 1 January. `parcd_print_pages_total` stays the
//! counter of pages per source. Labels are bounded: `class` from the enum, `entity` capped
//! by `[metrics] max_entities` (the entities with the most printers; the others summed under
//! `entity="other"`), and from `[headcount]` for printer sharing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use prometheus::{GaugeVec, Opts, Registry};

use crate::printing::{PrintGroup, PrintingFigures};

const JOULES_PER_KWH: f64 = 3.6e6;

pub struct PrintingMetrics {
    year: prometheus::Gauge,
    pages: GaugeVec,
    sheets: GaugeVec,
    paper: GaugeVec,
    kgco2e: GaugeVec,
    energy: GaugeVec,
    supplies: GaugeVec,
    printers: GaugeVec,
    responding: GaugeVec,
    per_printer_month: GaugeVec,
    agents_per_printer: GaugeVec,
    max_entities: usize,
    /// (entity, class) published at the last refresh, to remove those gone.
    published: Mutex<BTreeSet<(String, String)>>,
    published_agents: Mutex<BTreeSet<String>>,
}

fn gauge(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let g = GaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("each metric is registered once");
    g
}

const EC: &[&str] = &["entity", "class"];

impl PrintingMetrics {
    pub fn new(registry: &Registry, max_entities: usize) -> PrintingMetrics {
        let year = prometheus::Gauge::with_opts(Opts::new(
            "parcd_print_year",
            "The calendar year (UTC) of the parcd_print_year_* figures and of the printers' \
             figures, always the current one.",
        ))
        .expect("valid metric");
        registry
            .register(Box::new(year.clone()))
            .expect("each metric is registered once");
        PrintingMetrics {
            year,
            pages: gauge(
                registry,
                "parcd_print_year_pages",
                "Pages printed this year, by entity and class of the printer, and colour (all, \
                 colour, mono where the printer tells them apart); one device per printer \
                 however many sources read it.",
                &["entity", "class", "colour"],
            ),
            sheets: gauge(
                registry,
                "parcd_print_year_sheets",
                "Sheets of paper printed this year (two-sided pages two to a sheet).",
                EC,
            ),
            paper: gauge(
                registry,
                "parcd_print_year_paper_grams",
                "Paper printed this year, in grams (Prometheus' base unit of mass): sheets × sheet \
                 area × grammage ([printing]).",
                EC,
            ),
            kgco2e: gauge(
                registry,
                "parcd_print_year_kgco2e",
                "Climate impact of printing this year, kgCO2e: part=paper (its manufacture), \
                 part=energy (the printers' electricity, of which the fleet's use phase counts \
                 the in-service inventory printers already).",
                &["entity", "class", "part"],
            ),
            energy: gauge(
                registry,
                "parcd_print_year_energy_joules",
                "Electricity of the printers read this year (ENERGY STAR TEC over the time they \
                 were read), J.",
                EC,
            ),
            supplies: gauge(
                registry,
                "parcd_print_year_supply_replacements",
                "Supplies (toner, ink, drums…) replaced this year, on printers that report \
                 their levels.",
                EC,
            ),
            printers: gauge(
                registry,
                "parcd_printers",
                "Printers: the inventory's in-service printers and the printers read, once each.",
                EC,
            ),
            responding: gauge(
                registry,
                "parcd_printers_responding",
                "Printers that answered their last round.",
                EC,
            ),
            per_printer_month: gauge(
                registry,
                "parcd_print_pages_per_printer_per_month",
                "Pages printed this year ÷ the months each printer was read.",
                EC,
            ),
            agents_per_printer: gauge(
                registry,
                "parcd_print_agents_per_printer",
                "Agents ([headcount]) per printer of the entity: printer sharing.",
                &["entity"],
            ),
            max_entities,
            published: Mutex::new(BTreeSet::new()),
            published_agents: Mutex::new(BTreeSet::new()),
        }
    }

    /// Publishes the current year's figures.
    pub fn publish(&self, f: &PrintingFigures) {
        if let Ok(year) = f.period.label.parse::<f64>() {
            self.year.set(year);
        }
        // The entities with the most printers keep their name.
        let mut ranked: Vec<(&String, u64)> =
            f.by_entity.iter().map(|(e, g)| (e, g.printers)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let kept: BTreeSet<&String> = ranked
            .iter()
            .take(self.max_entities)
            .map(|(e, _)| *e)
            .collect();
        let mut groups: BTreeMap<(String, String), PrintGroup> = BTreeMap::new();
        for ((entity, class), g) in &f.by_entity_class {
            let e = if kept.contains(entity) {
                entity.clone()
            } else {
                "other".to_string()
            };
            let slot = groups.entry((e, class.clone())).or_default();
            slot.absorb(g);
        }
        let mut published = self.published.lock().expect("metrics lock");
        for key in published.iter() {
            if !groups.contains_key(key) {
                self.remove(&key.0, &key.1);
            }
        }
        published.clear();
        for ((entity, class), g) in &groups {
            let ec = [entity.as_str(), class.as_str()];
            for (colour, v) in [
                ("all", g.pages),
                ("colour", g.pages_colour),
                ("mono", g.pages_mono),
            ] {
                self.pages
                    .with_label_values(&[entity, class, colour])
                    .set(v);
            }
            self.sheets.with_label_values(&ec).set(g.sheets);
            self.paper.with_label_values(&ec).set(g.paper_kg * 1000.0);
            self.kgco2e
                .with_label_values(&[entity, class, "paper"])
                .set(g.paper_kgco2e);
            self.kgco2e
                .with_label_values(&[entity, class, "energy"])
                .set(g.energy_kgco2e);
            self.energy
                .with_label_values(&ec)
                .set(g.energy_kwh * JOULES_PER_KWH);
            self.supplies
                .with_label_values(&ec)
                .set(g.supply_replacements);
            self.printers.with_label_values(&ec).set(g.printers as f64);
            self.responding
                .with_label_values(&ec)
                .set(g.printers_responding as f64);
            match g.pages_per_printer_month() {
                Some(v) => self.per_printer_month.with_label_values(&ec).set(v),
                None => {
                    let _ = self.per_printer_month.remove_label_values(&ec);
                }
            }
            published.insert((entity.clone(), class.clone()));
        }
        // Sharing is per entity of the headcount: bounded by the configuration.
        let mut agents = self.published_agents.lock().expect("metrics lock");
        let now: BTreeSet<String> = f
            .by_entity
            .iter()
            .filter_map(|(e, g)| g.agents_per_printer.map(|v| (e, v)))
            .map(|(e, v)| {
                self.agents_per_printer.with_label_values(&[e]).set(v);
                e.clone()
            })
            .collect();
        for gone in agents.difference(&now) {
            let _ = self.agents_per_printer.remove_label_values(&[gone]);
        }
        *agents = now;
    }

    fn remove(&self, entity: &str, class: &str) {
        let ec = [entity, class];
        for colour in ["all", "colour", "mono"] {
            let _ = self.pages.remove_label_values(&[entity, class, colour]);
        }
        for part in ["paper", "energy"] {
            let _ = self.kgco2e.remove_label_values(&[entity, class, part]);
        }
        for g in [
            &self.sheets,
            &self.paper,
            &self.energy,
            &self.supplies,
            &self.printers,
            &self.responding,
            &self.per_printer_month,
        ] {
            let _ = g.remove_label_values(&ec);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use parcd_connectors::AssetClass;

    use super::*;
    use crate::printing::{Inputs, PrintPeriod, PrinterUsage, PrintingConfig, Sourced, compute};

    fn figures(printers: &[PrinterUsage]) -> PrintingFigures {
        let settings = PrintingConfig::defaults(&crate::footprint::load::builtin().unwrap());
        compute(
            printers,
            &Inputs {
                settings: &settings,
                headcount: &BTreeMap::from([("A".to_string(), 60)]),
                electricity: Sourced {
                    value: 0.05,
                    unit: "kgCO2e/kWh",
                    source: "test".into(),
                    date: "2026".into(),
                },
                period: PrintPeriod {
                    label: "2026".into(),
                    from: 0,
                    to: 604_799,
                    complete: false,
                },
            },
        )
    }

    fn printer(entity: &str, pages: f64) -> PrinterUsage {
        PrinterUsage {
            entity: entity.into(),
            class: Some(AssetClass::Printer),
            pages: Some(pages),
            observed_seconds: 604_800.0,
            responding: Some(true),
            ..PrinterUsage::default()
        }
    }

    #[test]
    fn entities_beyond_the_cap_are_summed_under_other_and_gone_ones_removed() {
        let registry = Registry::new();
        let m = PrintingMetrics::new(&registry, 1);
        m.publish(&figures(&[
            printer("A", 100.0),
            printer("A", 50.0),
            printer("B", 10.0),
            printer("C", 5.0),
        ]));
        let text = render(&registry);
        for line in [
            r#"parcd_print_year_pages{class="printer",colour="all",entity="A"} 150"#,
            r#"parcd_print_year_pages{class="printer",colour="all",entity="other"} 15"#,
            r#"parcd_printers{class="printer",entity="A"} 2"#,
            r#"parcd_printers_responding{class="printer",entity="other"} 2"#,
            // 60 agents over 2 printers.
            r#"parcd_print_agents_per_printer{entity="A"} 30"#,
            // Two printers a week each: 0.84 kWh.
            r#"parcd_print_year_energy_joules{class="printer",entity="A"} 3024000"#,
            "parcd_print_year 2026",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        // 150 sheets × 4.9896 g, in grams from the figures' kilograms.
        let grams: f64 = text
            .lines()
            .find_map(|l| {
                l.strip_prefix(r#"parcd_print_year_paper_grams{class="printer",entity="A"} "#)
            })
            .expect("paper of entity A")
            .parse()
            .unwrap();
        assert!((grams - 748.44).abs() < 1e-9, "{grams}");
        m.publish(&figures(&[printer("B", 1.0)]));
        let text = render(&registry);
        assert!(!text.contains(r#"entity="A""#), "{text}");
        assert!(text.contains(r#"parcd_printers{class="printer",entity="B"} 1"#));
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
