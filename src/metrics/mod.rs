//! Every metric parcd exposes, declared once on an owned registry.
//!
//! Names follow Prometheus conventions: `parcd_` prefix, base units, `_total` on counters.
//! Labels are bounded: source names come from the configuration, error types from a fixed
//! list, classes and phases from enums, entities are capped (`[metrics] max_entities`).

pub mod circularity;
pub mod fleet;
pub mod follow;
pub mod mail;
pub mod printing;

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use parcd_connectors::{AssetClass, ErrorType, Phase};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::store::AssetCount;

/// The metrics of one parcd process.
pub struct Metrics {
    registry: Registry,
    pub source_up: IntGaugeVec,
    pub source_last_success: GaugeVec,
    pub source_poll_duration: HistogramVec,
    pub source_errors: IntCounterVec,
    pub source_records_read: IntCounterVec,
    pub source_readings_read: IntCounterVec,
    pub source_records_rejected: IntCounterVec,
    pub source_asset_changes: IntCounterVec,
    pub source_unmapped_status: IntGaugeVec,
    pub source_vanish_refused: IntCounterVec,
    pub source_vanish_held: IntGaugeVec,
    pub source_devices_responding: IntGaugeVec,
    /// Pages printed, from the page counters of telemetry sources.
    pub print_pages: prometheus::CounterVec,
    pub source_devices_polled: IntGaugeVec,
    pub source_sync_in_progress: IntGaugeVec,
    /// Whether this process holds the source's lease, so polls it (see `poll::lease`).
    pub source_lease_held: IntGaugeVec,
    pub source_lease_takeovers: IntCounterVec,
    assets: IntGaugeVec,
    /// The fleet indicators (footprint, coverage, ages).
    pub fleet: crate::metrics::fleet::FleetMetrics,
    /// AGEC, REEN, DEEE, donations and alerts.
    pub circularity: crate::metrics::circularity::CircularityMetrics,
    /// Pages, paper, printing footprint, printers and their sharing, this year.
    pub printing: crate::metrics::printing::PrintingMetrics,
    /// Mail storage and traffic per domain and entity, the email footprint.
    pub mail: crate::metrics::mail::MailMetrics,
    /// Following the commits of the other processes on the store.
    pub follow: crate::metrics::follow::FollowMetrics,
    entity_label: bool,
    max_entities: usize,
    published_entities: Mutex<HashSet<(String, String, String)>>,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help)
}

impl Metrics {
    /// Declares every metric. `entity_label` adds `entity` to `parcd_assets`.
    pub fn new(entity_label: bool, max_entities: usize) -> Metrics {
        let registry = Registry::new();
        let source_up = IntGaugeVec::new(
            opts(
                "parcd_source_up",
                "1 when the last poll of the source succeeded, 0 otherwise.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_last_success = GaugeVec::new(
            opts(
                "parcd_source_last_success_timestamp_seconds",
                "Unix time of the last successful poll of the source.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_poll_duration = HistogramVec::new(
            HistogramOpts::new(
                "parcd_source_poll_duration_seconds",
                "Duration of a whole sync (every page) of the source, successful or not.",
            )
            .buckets(vec![
                0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
            ]),
            &["source"],
        )
        .expect("valid metric");
        let source_errors = IntCounterVec::new(
            opts(
                "parcd_source_errors_total",
                "Failed polls of the source, by kind of error.",
            ),
            &["source", "error_type"],
        )
        .expect("valid metric");
        let source_records_read = IntCounterVec::new(
            opts(
                "parcd_source_records_read_total",
                "Records read from the source.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_readings_read = IntCounterVec::new(
            opts(
                "parcd_source_readings_read_total",
                "Readings (measures of a telemetry source, or an inventory's counters) read from the source, replays included.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_records_rejected = IntCounterVec::new(
            opts(
                "parcd_source_records_rejected_total",
                "Rows of the source that could not be read as devices (no identity, no category) and were left out; the connector logs each.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_asset_changes = IntCounterVec::new(
            opts(
                "parcd_source_asset_changes_total",
                "Assets created, changed or vanished by polls of the source.",
            ),
            &["source", "change"],
        )
        .expect("valid metric");
        let source_unmapped_status = IntGaugeVec::new(
            opts(
                "parcd_source_unmapped_status_assets",
                "Live assets of the source whose status name matched no status_map entry (they got default_phase).",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_vanish_refused = IntCounterVec::new(
            opts(
                "parcd_source_vanish_refused_total",
                "Full syncs that refused to vanish assets they did not see: the sync read no asset \
                 at all, or an item type lost more than vanish_max_percent of its live assets.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_vanish_held = IntGaugeVec::new(
            opts(
                "parcd_source_vanish_held_assets",
                "Live assets a full sync did not see, kept live until a later full sync confirms \
                 their item type's drop.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_devices_responding = IntGaugeVec::new(
            opts(
                "parcd_source_devices_responding",
                "Devices that answered the last round of a telemetry source that polls devices \
                 one by one (SNMP printers).",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_devices_polled = IntGaugeVec::new(
            opts(
                "parcd_source_devices_polled",
                "Devices a telemetry source polled in its last round, answering or not.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let print_pages = prometheus::CounterVec::new(
            opts(
                "parcd_print_pages_total",
                "Pages printed since parcd first read each printer's counter, by source and \
                 colour (all, colour, mono where the printer tells them apart); a counter reset \
                 or a replaced printer adds nothing, never a negative step.",
            ),
            &["source", "colour"],
        )
        .expect("valid metric");
        let source_sync_in_progress = IntGaugeVec::new(
            opts(
                "parcd_source_sync_in_progress",
                "1 while a sync of the source is running.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_lease_held = IntGaugeVec::new(
            opts(
                "parcd_source_lease_held",
                "1 while this replica holds the source's lease and polls it, 0 while another \
                 replica does (always 1 on SQLite, which has one writer).",
            ),
            &["source"],
        )
        .expect("valid metric");
        let source_lease_takeovers = IntCounterVec::new(
            opts(
                "parcd_source_lease_takeovers_total",
                "Times this replica took a source's lease that another replica had let expire \
                 (that replica died or lost the database) rather than released.",
            ),
            &["source"],
        )
        .expect("valid metric");
        let labels: &[&str] = if entity_label {
            &["class", "phase", "entity"]
        } else {
            &["class", "phase"]
        };
        let assets = IntGaugeVec::new(
            opts(
                "parcd_assets",
                "Live assets (not vanished from their source) by class and lifecycle phase.",
            ),
            labels,
        )
        .expect("valid metric");
        let build_info = IntGaugeVec::new(
            opts(
                "parcd_build_info",
                "Always 1; the labels tell the version of parcd.",
            ),
            &["version"],
        )
        .expect("valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);

        for c in [
            Box::new(source_up.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(source_last_success.clone()),
            Box::new(source_poll_duration.clone()),
            Box::new(source_errors.clone()),
            Box::new(source_records_read.clone()),
            Box::new(source_readings_read.clone()),
            Box::new(source_records_rejected.clone()),
            Box::new(source_asset_changes.clone()),
            Box::new(source_unmapped_status.clone()),
            Box::new(source_vanish_refused.clone()),
            Box::new(source_vanish_held.clone()),
            Box::new(source_devices_responding.clone()),
            Box::new(source_devices_polled.clone()),
            Box::new(print_pages.clone()),
            Box::new(source_sync_in_progress.clone()),
            Box::new(source_lease_held.clone()),
            Box::new(source_lease_takeovers.clone()),
            Box::new(assets.clone()),
            Box::new(build_info),
        ] {
            registry
                .register(c)
                .expect("each metric is registered once");
        }
        // process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
        // process_start_time_seconds…, read from /proc at each scrape.
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("the process collector is registered once");
        let fleet = crate::metrics::fleet::FleetMetrics::new(&registry, max_entities);
        let circularity = crate::metrics::circularity::CircularityMetrics::new(&registry);
        let printing = crate::metrics::printing::PrintingMetrics::new(&registry, max_entities);
        let mail = crate::metrics::mail::MailMetrics::new(&registry, max_entities);
        let follow = crate::metrics::follow::FollowMetrics::new(&registry);
        let m = Metrics {
            follow,
            fleet,
            printing,
            mail,
            circularity,
            registry,
            source_up,
            source_last_success,
            source_poll_duration,
            source_errors,
            source_records_read,
            source_readings_read,
            source_records_rejected,
            source_asset_changes,
            source_unmapped_status,
            source_vanish_refused,
            source_vanish_held,
            source_devices_responding,
            source_devices_polled,
            print_pages,
            source_sync_in_progress,
            source_lease_held,
            source_lease_takeovers,
            assets,
            entity_label,
            max_entities,
            published_entities: Mutex::new(HashSet::new()),
        };
        if !entity_label {
            // Every class and phase is present from the start, at 0, so dashboards and
            // alert rules never see a series appear out of nothing.
            for c in AssetClass::ALL {
                for p in Phase::ALL {
                    m.assets.with_label_values(&[c.as_str(), p.as_str()]).set(0);
                }
            }
        }
        m
    }

    /// Creates the series of a source, so they exist before its first poll.
    pub fn register_source(&self, source: &str) {
        self.source_up.with_label_values(&[source]).set(0);
        self.source_poll_duration.with_label_values(&[source]);
        self.source_records_read.with_label_values(&[source]);
        self.source_readings_read.with_label_values(&[source]);
        self.source_records_rejected.with_label_values(&[source]);
        self.source_unmapped_status.with_label_values(&[source]);
        self.source_vanish_refused.with_label_values(&[source]);
        self.source_vanish_held.with_label_values(&[source]).set(0);
        self.source_sync_in_progress
            .with_label_values(&[source])
            .set(0);
        self.source_lease_takeovers.with_label_values(&[source]);
        for change in ["created", "changed", "vanished"] {
            self.source_asset_changes
                .with_label_values(&[source, change]);
        }
        for t in ErrorType::ALL {
            self.source_errors.with_label_values(&[source, t.as_str()]);
        }
        for (_, colour) in PRINT_PAGES {
            self.print_pages.with_label_values(&[source, colour]);
        }
        self.source_errors.with_label_values(&[source, "store"]);
    }

    /// Publishes the asset counts read from the store.
    pub fn set_asset_counts(&self, counts: &[AssetCount]) {
        if !self.entity_label {
            let mut totals: BTreeMap<(&str, &str), i64> = BTreeMap::new();
            for c in counts {
                *totals
                    .entry((c.class.as_str(), c.phase.as_str()))
                    .or_default() += c.count;
            }
            for cl in AssetClass::ALL {
                for ph in Phase::ALL {
                    let n = totals
                        .get(&(cl.as_str(), ph.as_str()))
                        .copied()
                        .unwrap_or(0);
                    self.assets
                        .with_label_values(&[cl.as_str(), ph.as_str()])
                        .set(n);
                }
            }
            return;
        }
        // Keep the largest entities, sum the rest under "other".
        let mut by_entity: BTreeMap<&str, i64> = BTreeMap::new();
        for c in counts {
            *by_entity
                .entry(c.entity.as_deref().unwrap_or("none"))
                .or_default() += c.count;
        }
        let mut ranked: Vec<(&str, i64)> = by_entity.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let kept: HashSet<&str> = ranked
            .iter()
            .take(self.max_entities)
            .map(|(e, _)| *e)
            .collect();
        let mut totals: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        for c in counts {
            let e = c.entity.as_deref().unwrap_or("none");
            let e = if kept.contains(e) { e } else { "other" };
            *totals
                .entry((c.class.clone(), c.phase.clone(), e.to_string()))
                .or_default() += c.count;
        }
        let mut published = self.published_entities.lock().expect("metrics lock");
        for key in published.iter() {
            if !totals.contains_key(key) {
                let _ = self.assets.remove_label_values(&[&key.0, &key.1, &key.2]);
            }
        }
        published.clear();
        for (key, n) in totals {
            self.assets
                .with_label_values(&[&key.0, &key.1, &key.2])
                .set(n);
            published.insert(key);
        }
    }

    /// The text exposition format, for `/metrics`.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let families = {
            let _whole = self.circularity.whole();
            self.registry.gather()
        };
        TextEncoder::new()
            .encode(&families, &mut buf)
            .expect("text encoding cannot fail");
        String::from_utf8(buf).expect("the text format is UTF-8")
    }
}

/// The page counters of printers, by the quantity telemetry sources report them under, and
/// the `colour` label each gives `parcd_print_pages_total`.
pub const PRINT_PAGES: [(&str, &str); 3] = {
    use parcd_connectors::reading::known::{
        PRINTED_PAGES, PRINTED_PAGES_COLOUR, PRINTED_PAGES_MONO,
    };
    [
        (PRINTED_PAGES.name, "all"),
        (PRINTED_PAGES_COLOUR.name, "colour"),
        (PRINTED_PAGES_MONO.name, "mono"),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    fn count(class: &str, phase: &str, entity: &str, n: i64) -> AssetCount {
        AssetCount {
            class: class.into(),
            phase: phase.into(),
            entity: Some(entity.into()),
            count: n,
        }
    }

    #[test]
    fn every_class_and_phase_is_published_even_at_zero() {
        let m = Metrics::new(false, 10);
        m.set_asset_counts(&[
            count("laptop", "in_service", "A", 3),
            count("laptop", "in_service", "B", 2),
        ]);
        let text = m.render();
        assert!(
            text.contains("parcd_assets{class=\"laptop\",phase=\"in_service\"} 5"),
            "{text}"
        );
        assert!(text.contains("parcd_assets{class=\"server\",phase=\"recycled\"} 0"));
        assert!(text.contains("parcd_build_info{version="));
    }

    #[test]
    fn a_sources_counters_exist_at_zero_before_its_first_poll() {
        let m = Metrics::new(false, 10);
        m.register_source("glpi");
        let text = m.render();
        for series in [
            r#"parcd_source_errors_total{error_type="timeout",source="glpi"} 0"#,
            r#"parcd_print_pages_total{colour="mono",source="glpi"} 0"#,
            r#"parcd_source_asset_changes_total{change="vanished",source="glpi"} 0"#,
            r#"parcd_source_poll_duration_seconds_count{source="glpi"} 0"#,
        ] {
            assert!(text.contains(series), "{series} in\n{text}");
        }
        #[cfg(target_os = "linux")]
        assert!(text.contains("process_resident_memory_bytes"), "{text}");
    }

    #[test]
    fn entities_beyond_the_cap_are_summed_under_other_and_stale_series_removed() {
        let m = Metrics::new(true, 1);
        m.set_asset_counts(&[
            count("laptop", "in_service", "Big", 10),
            count("laptop", "in_service", "Small", 1),
        ]);
        let text = m.render();
        assert!(text.contains("entity=\"Big\""));
        assert!(
            text.contains("entity=\"other\",phase=\"in_service\"} 1"),
            "{text}"
        );
        m.set_asset_counts(&[count("desktop", "in_stock", "Big", 4)]);
        let text = m.render();
        assert!(!text.contains("class=\"laptop\""), "{text}");
        assert!(text.contains("class=\"desktop\""));
    }
}
