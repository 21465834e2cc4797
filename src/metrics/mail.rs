//! Metrics of the mail figures: storage as the latest rounds left it, traffic and the email
//! footprint of the current calendar year (UTC), per mail domain and per entity.
//!
//! Labels are `domain` or `entity` only, never a person, and bounded: the domains and the
//! entities with the most mailboxes keep their name, up to `[metrics] max_entities`, the
//! others are summed under `"other"`. The footprint's scenarios are separate metrics
//! (`_low_`, central, `_high_`), not a label: summing scenarios means nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use prometheus::{Gauge, GaugeVec, Opts, Registry};

use crate::mail::{MailFigures, MailGroup, Scenarios};

pub struct MailMetrics {
    year: Gauge,
    by_domain: Family,
    by_entity: Family,
    per_agent: GaugeVec,
    entity_storage: GaugeVec,
    attachment_share: GaugeVec,
    month_growth: Gauge,
    storage_per_year: [Gauge; 3],
    year_transfer: [Gauge; 3],
    max_labels: usize,
    published_agents: Mutex<BTreeSet<String>>,
    published_shares: Mutex<BTreeSet<String>>,
}

/// The gauges of one label (`domain` or `entity`).
struct Family {
    mailboxes: GaugeVec,
    stored_bytes: GaugeVec,
    stored_messages: GaugeVec,
    sent_messages: GaugeVec,
    sent_bytes: GaugeVec,
    received_messages: GaugeVec,
    published: Mutex<BTreeSet<String>>,
}

fn gauge_vec(registry: &Registry, name: &str, help: &str, label: &str) -> GaugeVec {
    let g = GaugeVec::new(Opts::new(name, help), &[label]).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("each metric is registered once");
    g
}

fn gauge(registry: &Registry, name: &str, help: &str) -> Gauge {
    let g = Gauge::with_opts(Opts::new(name, help)).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("each metric is registered once");
    g
}

/// What one label value shows, summable for `"other"`.
#[derive(Default, Clone, Copy)]
struct Shown {
    mailboxes: f64,
    stored_bytes: f64,
    stored_messages: f64,
    sent_messages: Option<f64>,
    sent_bytes: Option<f64>,
    received_messages: Option<f64>,
}

impl Shown {
    fn of(g: &MailGroup) -> Shown {
        Shown {
            mailboxes: g.mailboxes as f64,
            stored_bytes: g.stored_bytes,
            stored_messages: g.stored_messages,
            sent_messages: g.sent_messages,
            sent_bytes: g.sent_bytes,
            received_messages: g.received_messages,
        }
    }

    fn absorb(&mut self, o: Shown) {
        let add = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        self.mailboxes += o.mailboxes;
        self.stored_bytes += o.stored_bytes;
        self.stored_messages += o.stored_messages;
        self.sent_messages = add(self.sent_messages, o.sent_messages);
        self.sent_bytes = add(self.sent_bytes, o.sent_bytes);
        self.received_messages = add(self.received_messages, o.received_messages);
    }
}

/// The label values kept (the most mailboxes first), the rest under `"other"`.
fn capped(groups: &BTreeMap<String, MailGroup>, max: usize) -> BTreeMap<String, Shown> {
    let mut ranked: Vec<(&String, u64)> = groups.iter().map(|(k, g)| (k, g.mailboxes)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: BTreeSet<&String> = ranked.iter().take(max).map(|(k, _)| *k).collect();
    let mut out: BTreeMap<String, Shown> = BTreeMap::new();
    for (k, g) in groups {
        let label = if kept.contains(k) {
            k.clone()
        } else {
            "other".to_string()
        };
        out.entry(label).or_default().absorb(Shown::of(g));
    }
    out
}

impl Family {
    fn new(registry: &Registry, prefix: &str, label: &str, of: &str) -> Family {
        // Each name is written out whole, so that it can be found by grep.
        let names: [&str; 6] = match prefix {
            "domain" => [
                "parcd_mail_mailboxes",
                "parcd_mail_stored_bytes",
                "parcd_mail_stored_messages",
                "parcd_mail_year_sent_messages",
                "parcd_mail_year_sent_bytes",
                "parcd_mail_year_received_messages",
            ],
            _ => [
                "parcd_mail_entity_mailboxes",
                "parcd_mail_entity_stored_bytes",
                "parcd_mail_entity_stored_messages",
                "parcd_mail_entity_year_sent_messages",
                "parcd_mail_entity_year_sent_bytes",
                "parcd_mail_entity_year_received_messages",
            ],
        };
        Family {
            mailboxes: gauge_vec(
                registry,
                names[0],
                &format!(
                    "Mailboxes of the {of}, as the latest round of each mail source counted them."
                ),
                label,
            ),
            stored_bytes: gauge_vec(
                registry,
                names[1],
                &format!("Bytes of mail stored in the {of}'s mailboxes (every folder)."),
                label,
            ),
            stored_messages: gauge_vec(
                registry,
                names[2],
                &format!("Messages stored in the {of}'s mailboxes."),
                label,
            ),
            sent_messages: gauge_vec(
                registry,
                names[3],
                &format!(
                    "Messages sent this year from the {of}'s mailboxes, where the source tells (Sent folders' growth, daily reports)."
                ),
                label,
            ),
            sent_bytes: gauge_vec(
                registry,
                names[4],
                &format!(
                    "Bytes of mail sent this year from the {of}'s mailboxes, where the source tells."
                ),
                label,
            ),
            received_messages: gauge_vec(
                registry,
                names[5],
                &format!(
                    "Messages received this year in the {of}'s mailboxes, where the source tells (INBOXes' UIDNEXT growth, daily reports)."
                ),
                label,
            ),
            published: Mutex::new(BTreeSet::new()),
        }
    }

    fn publish(&self, shown: &BTreeMap<String, Shown>) {
        let mut published = self.published.lock().expect("metrics lock");
        for gone in published.iter().filter(|k| !shown.contains_key(*k)) {
            for g in [
                &self.mailboxes,
                &self.stored_bytes,
                &self.stored_messages,
                &self.sent_messages,
                &self.sent_bytes,
                &self.received_messages,
            ] {
                let _ = g.remove_label_values(&[gone]);
            }
        }
        published.clear();
        for (k, s) in shown {
            let l = [k.as_str()];
            self.mailboxes.with_label_values(&l).set(s.mailboxes);
            self.stored_bytes.with_label_values(&l).set(s.stored_bytes);
            self.stored_messages
                .with_label_values(&l)
                .set(s.stored_messages);
            for (g, v) in [
                (&self.sent_messages, s.sent_messages),
                (&self.sent_bytes, s.sent_bytes),
                (&self.received_messages, s.received_messages),
            ] {
                match v {
                    Some(v) => g.with_label_values(&l).set(v),
                    None => {
                        let _ = g.remove_label_values(&l);
                    }
                }
            }
            published.insert(k.clone());
        }
    }
}

fn set_opt(g: &GaugeVec, label: &str, v: Option<f64>, published: &mut BTreeSet<String>) {
    match v {
        Some(v) => {
            g.with_label_values(&[label]).set(v);
            published.insert(label.to_string());
        }
        None => {
            let _ = g.remove_label_values(&[label]);
        }
    }
}

fn set_scenarios(g: &[Gauge; 3], s: Scenarios) {
    g[0].set(s.low);
    g[1].set(s.central);
    g[2].set(s.high);
}

impl MailMetrics {
    pub fn new(registry: &Registry, max_labels: usize) -> MailMetrics {
        MailMetrics {
            year: gauge(
                registry,
                "parcd_mail_year",
                "The calendar year (UTC) of the parcd_mail_year_* figures, always the current one.",
            ),
            by_domain: Family::new(registry, "domain", "domain", "mail domain"),
            by_entity: Family::new(registry, "entity", "entity", "entity"),
            per_agent: gauge_vec(
                registry,
                "parcd_mail_entity_stored_bytes_per_agent",
                "Bytes of mail stored per agent of the entity ([headcount]): what an eco-gesture \
                 campaign should bring down.",
                "entity",
            ),
            entity_storage: gauge_vec(
                registry,
                "parcd_mail_entity_storage_kgco2e_per_year",
                "Climate impact of a year of the entity's current mail storage, central scenario, \
                 kgCO2e.",
                "entity",
            ),
            attachment_share: gauge_vec(
                registry,
                "parcd_mail_attachment_share_ratio",
                "Share of the bytes of the messages a source read the structure of that are \
                 attachments (0 to 1), per mail domain.",
                "domain",
            ),
            month_growth: gauge(
                registry,
                "parcd_mail_month_growth_bytes",
                "Stored mail bytes now less at the end of the previous month (negative when \
                 storage shrank).",
            ),
            storage_per_year: [
                gauge(
                    registry,
                    "parcd_mail_storage_low_kgco2e_per_year",
                    "Climate impact of a year of the current mail storage, low scenario (ADEME \
                     impactco2.fr storage item), kgCO2e.",
                ),
                gauge(
                    registry,
                    "parcd_mail_storage_kgco2e_per_year",
                    "Climate impact of a year of the current mail storage, central scenario \
                     (Cloud Carbon Footprint storage energy, 3 copies), kgCO2e.",
                ),
                gauge(
                    registry,
                    "parcd_mail_storage_high_kgco2e_per_year",
                    "Climate impact of a year of the current mail storage, high scenario (ADEME \
                     email model, storage manufacture included), kgCO2e.",
                ),
            ],
            year_transfer: [
                gauge(
                    registry,
                    "parcd_mail_year_transfer_low_kgco2e",
                    "Climate impact of carrying the mail sent this year, low scenario (core \
                     network energy), kgCO2e; where sent bytes are known.",
                ),
                gauge(
                    registry,
                    "parcd_mail_year_transfer_kgco2e",
                    "Climate impact of carrying the mail sent this year, central scenario \
                     (NegaOctet fixed network, France), kgCO2e; where sent bytes are known.",
                ),
                gauge(
                    registry,
                    "parcd_mail_year_transfer_high_kgco2e",
                    "Climate impact of carrying the mail sent this year, high scenario \
                     (NegaOctet mobile network, France), kgCO2e; where sent bytes are known.",
                ),
            ],
            max_labels,
            published_agents: Mutex::new(BTreeSet::new()),
            published_shares: Mutex::new(BTreeSet::new()),
        }
    }

    /// Publishes the current year's figures.
    pub fn publish(&self, f: &MailFigures) {
        if let Ok(year) = f.period.label.parse::<f64>() {
            self.year.set(year);
        }
        self.by_domain
            .publish(&capped(&f.by_domain, self.max_labels));
        let entities = capped(&f.by_entity, self.max_labels);
        self.by_entity.publish(&entities);

        let mut agents = self.published_agents.lock().expect("metrics lock");
        let mut now = BTreeSet::new();
        for (e, g) in &f.by_entity {
            // Entities of the headcount are bounded by the configuration.
            set_opt(&self.per_agent, e, g.stored_bytes_per_agent, &mut now);
            if entities.contains_key(e) {
                set_opt(
                    &self.entity_storage,
                    e,
                    Some(g.footprint.storage_kgco2e_per_year.central),
                    &mut now,
                );
            }
        }
        for gone in agents.difference(&now) {
            let _ = self.per_agent.remove_label_values(&[gone]);
            let _ = self.entity_storage.remove_label_values(&[gone]);
        }
        *agents = now;

        let mut shares = self.published_shares.lock().expect("metrics lock");
        let kept = capped(&f.by_domain, self.max_labels);
        let mut now = BTreeSet::new();
        for (d, g) in &f.by_domain {
            if kept.contains_key(d) {
                set_opt(&self.attachment_share, d, g.attachment_share, &mut now);
            }
        }
        for gone in shares.difference(&now) {
            let _ = self.attachment_share.remove_label_values(&[gone]);
        }
        *shares = now;

        set_scenarios(
            &self.storage_per_year,
            f.total.footprint.storage_kgco2e_per_year,
        );
        set_scenarios(
            &self.year_transfer,
            f.total.footprint.transfer_kgco2e.unwrap_or_default(),
        );
        if let Some(g) = f.months.last().and_then(|m| m.growth_bytes) {
            self.month_growth.set(g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{Inputs, MailFactors, MailReading, compute};
    use crate::printing::{PrintPeriod, Sourced};
    use parcd_connectors::reading::known;

    /// Each domain (an entity of the same name) with its mailboxes and bytes, and twice as
    /// many messages received as it has mailboxes.
    fn figures(domains: &[(&str, f64, f64)]) -> MailFigures {
        let mut stored = Vec::new();
        let mut counters = Vec::new();
        for (d, boxes, bytes) in domains {
            for scope in ["mail_domain", "mail_entity"] {
                counters.push(MailReading {
                    source: "dv".into(),
                    scope: scope.into(),
                    key: d.to_string(),
                    quantity: known::MAIL_RECEIVED_MESSAGES.name.into(),
                    at: 100,
                    value: 2.0 * boxes,
                });
            }
            for (scope, q, v) in [
                ("mail_domain", known::MAIL_MAILBOXES, *boxes),
                ("mail_domain", known::MAIL_STORED_BYTES, *bytes),
                ("mail_entity", known::MAIL_MAILBOXES, *boxes),
                ("mail_entity", known::MAIL_STORED_BYTES, *bytes),
            ] {
                stored.push(MailReading {
                    source: "dv".into(),
                    scope: scope.into(),
                    key: d.to_string(),
                    quantity: q.name.into(),
                    at: 10,
                    value: v,
                });
            }
        }
        let factors = MailFactors::new(Sourced {
            value: 0.05,
            unit: "kgCO2e/kWh",
            source: "test".into(),
            date: "2026".into(),
        });
        compute(&Inputs {
            stored: &stored,
            counters: &counters,
            days: &[],
            observed_years: 1.0,
            headcount: &BTreeMap::from([("a.fr".to_string(), 4)]),
            factors: &factors,
            period: PrintPeriod {
                label: "2026".into(),
                from: 0,
                to: 100,
                complete: false,
            },
        })
    }

    fn render(registry: &Registry) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&registry.gather(), &mut buf)
            .unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn domains_beyond_the_cap_are_summed_under_other_and_gone_ones_removed() {
        let registry = Registry::new();
        let m = MailMetrics::new(&registry, 1);
        m.publish(&figures(&[
            ("a.fr", 10.0, 4e9),
            ("b.fr", 2.0, 1e9),
            ("c.fr", 1.0, 5e8),
        ]));
        let text = render(&registry);
        for line in [
            r#"parcd_mail_mailboxes{domain="a.fr"} 10"#,
            r#"parcd_mail_mailboxes{domain="other"} 3"#,
            r#"parcd_mail_stored_bytes{domain="other"} 1500000000"#,
            r#"parcd_mail_entity_stored_bytes_per_agent{entity="a.fr"} 1000000000"#,
            r#"parcd_mail_year_received_messages{domain="a.fr"} 20"#,
            r#"parcd_mail_year_received_messages{domain="other"} 6"#,
            r#"parcd_mail_entity_year_received_messages{entity="other"} 6"#,
            "parcd_mail_year 2026",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        assert!(!text.contains("parcd_mail_year_sent_messages{"), "{text}");
        let central: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("parcd_mail_storage_kgco2e_per_year "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(central > 0.0);
        m.publish(&figures(&[("b.fr", 2.0, 1e9)]));
        let text = render(&registry);
        assert!(!text.contains(r#"domain="a.fr""#), "{text}");
        assert!(!text.contains(r#"domain="other""#), "{text}");
    }
}
