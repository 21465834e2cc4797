//! Metrics of the AGEC shares (current calendar year), the REEN reuse rate, the DEEE exits,
//! the donations and the alerts. Labels are bounded: `category` is one of the 17 AGEC
//! categories, `kind`, `origin`, `period`, `route`, `reason` and `rule` come from enums, and
//! `channel` from the configuration.
//!
//! A figure that does not exist (a share with nothing spent, a rate with nothing retired)
//! has no series rather than a 0 or a NaN: an empty category is not a category at 0 %.

use std::sync::{RwLock, RwLockReadGuard};

use prometheus::{Gauge, GaugeVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::agec::CircularityYear;
use crate::agec::share::Figures;
use crate::alerts::model::{QuotaKind, Rule};

fn gauge(name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    GaugeVec::new(Opts::new(name, help), labels).expect("valid metric")
}

fn int_gauge(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric")
}

fn euros(cents: i64) -> f64 {
    cents as f64 / 100.0
}

pub struct CircularityMetrics {
    year: IntGauge,
    year_elapsed: Gauge,
    purchases_euros: GaugeVec,
    share: GaugeVec,
    quota: GaugeVec,
    shortfall: GaugeVec,
    extra_needed: GaugeVec,
    purchases_counted: IntGaugeVec,
    purchases_unclassified: IntGaugeVec,
    purchases_excluded: IntGaugeVec,
    without_purchase: IntGauge,
    pub files_failing: IntGauge,
    reen_rate: GaugeVec,
    reen_target: GaugeVec,
    reen_retired: IntGaugeVec,
    reen_reused: IntGauge,
    reen_excluded: IntGaugeVec,
    reen_unknown_age: IntGauge,
    deee_exits: IntGaugeVec,
    deee_share: GaugeVec,
    deee_collection: GaugeVec,
    donated: IntGauge,
    people_equipped: IntGauge,
    pub refresh_duration: prometheus::Histogram,
    pub last_refresh: Gauge,
    pub alert_firing: IntGaugeVec,
    pub notifications_sent: IntCounterVec,
    pub notification_failures: IntCounterVec,
    pub notifications_pending: IntGaugeVec,
    /// Written by a publish, read by `/metrics` while it gathers: a publish resets whole
    /// families before setting them again, and a scrape between the two saw them empty (a
    /// gap in Prometheus, an AGEC panel empty in Grafana).
    rewriting: RwLock<()>,
}

impl CircularityMetrics {
    pub fn new(registry: &Registry) -> CircularityMetrics {
        let m = CircularityMetrics {
            year: IntGauge::new(
                "parcd_agec_year",
                "Calendar year of the parcd_agec_* figures (the current year, UTC).",
            )
            .expect("valid metric"),
            year_elapsed: Gauge::new(
                "parcd_agec_year_elapsed_ratio",
                "Share of the calendar year elapsed: how much the projection rests on.",
            )
            .expect("valid metric"),
            purchases_euros: gauge(
                "parcd_agec_purchases_euros",
                "Purchases of the year in euros excluding VAT, by AGEC category and origin; period year_to_date or projected (linear to 31 December plus purchases dated later in the year).",
                &["category", "origin", "period"],
            ),
            share: gauge(
                "parcd_agec_share_ratio",
                "AGEC share of the year's spend: reuse (donations included), recycled content, or both (combined).",
                &["category", "kind", "period"],
            ),
            quota: gauge(
                "parcd_agec_quota_ratio",
                "Minimum share the law sets for the category this year.",
                &["category", "kind"],
            ),
            shortfall: gauge(
                "parcd_agec_shortfall_euros",
                "Euros that should have been of this kind at the current total to meet the minimum (0 when met).",
                &["category", "kind", "period"],
            ),
            extra_needed: gauge(
                "parcd_agec_extra_purchase_needed_euros",
                "Euros of this kind to buy on top of the current spend to reach the minimum.",
                &["category", "kind", "period"],
            ),
            purchases_counted: int_gauge(
                "parcd_agec_purchases",
                "Purchases counted in the year-to-date shares.",
                &["category"],
            ),
            purchases_unclassified: int_gauge(
                "parcd_agec_unclassified_purchases",
                "Purchases of the year that no origin rule classified (in the total, never in a share's numerator).",
                &["category"],
            ),
            purchases_excluded: int_gauge(
                "parcd_agec_excluded_purchases",
                "Purchases left out of the year-to-date shares, by reason (no_date counts undated purchases of any year).",
                &["reason"],
            ),
            without_purchase: IntGauge::new(
                "parcd_assets_without_purchase_data",
                "Stored assets with no purchase data (no GLPI Infocom): in no AGEC share.",
            )
            .expect("valid metric"),
            files_failing: IntGauge::new(
                "parcd_agec_purchases_files_failing",
                "Purchases files ([agec] purchases_files) that could not be read at the last computation; their last good reading is used.",
            )
            .expect("valid metric"),
            reen_rate: gauge(
                "parcd_reen_reuse_ratio",
                "REEN reuse rate of the year (décret 2023-266): retired IT sent to reuse / retired IT in stock on 1 January plus retired during the year, in units.",
                &[],
            ),
            reen_target: gauge(
                "parcd_reen_reuse_target_ratio",
                "REEN reuse target of the year (décret 2023-266: 0.25 in 2023, 0.35 in 2024, 0.50 from 2025).",
                &[],
            ),
            reen_retired: int_gauge(
                "parcd_reen_retired_assets",
                "Retired IT in the REEN rate's denominator, by group.",
                &["group"],
            ),
            reen_reused: IntGauge::new(
                "parcd_reen_reused_assets",
                "Retired IT sent to reuse during the year (the REEN rate's numerator).",
            )
            .expect("valid metric"),
            reen_excluded: int_gauge(
                "parcd_reen_excluded_assets",
                "Retired equipment left out of the REEN rate, by reason.",
                &["reason"],
            ),
            reen_unknown_age: IntGauge::new(
                "parcd_reen_unknown_age_assets",
                "Retired IT counted in the REEN rate whose age is unknown (no use, delivery or purchase date).",
            )
            .expect("valid metric"),
            deee_exits: int_gauge(
                "parcd_deee_exits",
                "Devices that left the fleet during the year, by route.",
                &["route"],
            ),
            deee_share: gauge(
                "parcd_deee_exit_share_ratio",
                "Share of the year's exits by route.",
                &["route"],
            ),
            deee_collection: gauge(
                "parcd_deee_collection_ratio",
                "Retired devices sent to reuse or an approved WEEE channel during the year / retired devices (units, not the directive's kilograms).",
                &[],
            ),
            donated: IntGauge::new(
                "parcd_donated_assets",
                "Devices given away during the year (reuse exits whose status matches [agec] donation_status).",
            )
            .expect("valid metric"),
            people_equipped: IntGauge::new(
                "parcd_donation_people_equipped",
                "People equipped by the year's donations: one per donated computer, tablet or smartphone (an estimate).",
            )
            .expect("valid metric"),
            refresh_duration: prometheus::Histogram::with_opts(
                prometheus::HistogramOpts::new(
                    "parcd_circularity_refresh_duration_seconds",
                    "Time to recompute the AGEC, REEN and DEEE figures from the store.",
                )
                .buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            )
            .expect("valid metric"),
            last_refresh: Gauge::new(
                "parcd_circularity_last_refresh_timestamp_seconds",
                "When the AGEC, REEN and DEEE figures were last recomputed.",
            )
            .expect("valid metric"),
            alert_firing: int_gauge(
                "parcd_agec_alert_firing",
                "1 while an AGEC alert is firing for the category and minimum.",
                &["rule", "category", "kind"],
            ),
            notifications_sent: IntCounterVec::new(
                Opts::new(
                    "parcd_alert_notifications_sent_total",
                    "Alert messages a channel accepted.",
                ),
                &["channel"],
            )
            .expect("valid metric"),
            notification_failures: IntCounterVec::new(
                Opts::new(
                    "parcd_alert_notification_failures_total",
                    "Failed attempts to send an alert message; the message stays queued.",
                ),
                &["channel", "error_type"],
            )
            .expect("valid metric"),
            notifications_pending: int_gauge(
                "parcd_alert_notifications_pending",
                "Alert messages queued and not yet accepted by their channel, in the whole outbox: every replica reports the same count.",
                &["channel"],
            ),
            rewriting: RwLock::new(()),
        };
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(m.year.clone()),
            Box::new(m.year_elapsed.clone()),
            Box::new(m.purchases_euros.clone()),
            Box::new(m.share.clone()),
            Box::new(m.quota.clone()),
            Box::new(m.shortfall.clone()),
            Box::new(m.extra_needed.clone()),
            Box::new(m.purchases_counted.clone()),
            Box::new(m.purchases_unclassified.clone()),
            Box::new(m.purchases_excluded.clone()),
            Box::new(m.without_purchase.clone()),
            Box::new(m.files_failing.clone()),
            Box::new(m.reen_rate.clone()),
            Box::new(m.reen_target.clone()),
            Box::new(m.reen_retired.clone()),
            Box::new(m.reen_reused.clone()),
            Box::new(m.reen_excluded.clone()),
            Box::new(m.reen_unknown_age.clone()),
            Box::new(m.deee_exits.clone()),
            Box::new(m.deee_share.clone()),
            Box::new(m.deee_collection.clone()),
            Box::new(m.donated.clone()),
            Box::new(m.people_equipped.clone()),
            Box::new(m.refresh_duration.clone()),
            Box::new(m.last_refresh.clone()),
            Box::new(m.alert_firing.clone()),
            Box::new(m.notifications_sent.clone()),
            Box::new(m.notification_failures.clone()),
            Box::new(m.notifications_pending.clone()),
        ];
        for c in collectors {
            registry
                .register(c)
                .expect("each metric is registered once");
        }
        m
    }

    /// Held while gathering, so a scrape sees every family either before or after a publish.
    pub fn whole(&self) -> RwLockReadGuard<'_, ()> {
        self.rewriting.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a channel's series at 0, so `increase()` sees its first message and failure.
    pub fn register_channel(&self, channel: &str) {
        self.notifications_sent.with_label_values(&[channel]);
        for kind in crate::alerts::channel::ChannelError::KINDS {
            self.notification_failures
                .with_label_values(&[channel, kind]);
        }
        self.notifications_pending.with_label_values(&[channel]);
    }

    /// Every series is rewritten, so a category that loses its last purchase, or a rate that
    /// loses its denominator, loses its series too.
    pub fn publish(&self, y: &CircularityYear) {
        let _whole = self.rewriting.write().unwrap_or_else(|e| e.into_inner());
        self.year.set(i64::from(y.year));
        let p = y.agec.progress;
        self.year_elapsed
            .set(p.elapsed_days as f64 / p.days_in_year.max(1) as f64);
        for v in [
            &self.purchases_euros,
            &self.share,
            &self.quota,
            &self.shortfall,
            &self.extra_needed,
        ] {
            v.reset();
        }
        self.purchases_counted.reset();
        self.purchases_unclassified.reset();
        for c in &y.agec.categories {
            let cat = c.category.id();
            self.purchases_counted
                .with_label_values(&[cat])
                .set(c.purchases as i64);
            self.purchases_unclassified
                .with_label_values(&[cat])
                .set(c.unclassified as i64);
            if let Some(q) = &c.quota {
                for (kind, min) in [
                    (QuotaKind::Reuse, q.reuse_min),
                    (QuotaKind::Recycled, q.recycled_min),
                    (QuotaKind::Combined, q.combined_min),
                ] {
                    if let Some(min) = min {
                        self.quota
                            .with_label_values(&[cat, kind.as_str()])
                            .set(min.fraction());
                    }
                }
            }
            self.figures(cat, "year_to_date", &c.year_to_date);
            if let Some(proj) = &c.projected {
                self.figures(cat, "projected", proj);
            }
        }
        self.purchases_excluded.reset();
        for (reason, n) in &y.excluded_by_reason {
            let label = serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            self.purchases_excluded
                .with_label_values(&[&label])
                .set(*n as i64);
        }
        self.without_purchase
            .set(i64::try_from(y.assets_without_purchase).unwrap_or(i64::MAX));

        let r = &y.reen;
        set_opt(&self.reen_rate, r.rate);
        set_opt(&self.reen_target, r.target.map(|t| t.min.fraction()));
        self.reen_retired
            .with_label_values(&["in_stock_1_january"])
            .set(r.in_stock_on_1_january as i64);
        self.reen_retired
            .with_label_values(&["retired_during_year"])
            .set(r.retired_during_year as i64);
        self.reen_reused.set(r.reused as i64);
        for (reason, n) in [
            ("over_10_years", r.excluded_over_10_years),
            ("security", r.excluded_security),
            ("class", r.excluded_class),
        ] {
            self.reen_excluded
                .with_label_values(&[reason])
                .set(n as i64);
        }
        self.reen_unknown_age.set(r.unknown_age as i64);

        let d = &y.deee;
        self.deee_share.reset();
        for (route, n, share) in [
            ("reused", d.reused, d.reused_share),
            ("recycled", d.recycled, d.recycled_share),
            ("destroyed", d.destroyed, d.destroyed_share),
        ] {
            self.deee_exits.with_label_values(&[route]).set(n as i64);
            if let Some(s) = share {
                self.deee_share.with_label_values(&[route]).set(s);
            }
        }
        set_opt(&self.deee_collection, d.collection_rate);
        self.donated.set(y.donations.devices_given as i64);
        self.people_equipped.set(y.donations.people_equipped as i64);
        self.last_refresh.set(chrono::Utc::now().timestamp() as f64);
    }

    fn figures(&self, cat: &str, period: &str, f: &Figures) {
        let a = &f.amounts;
        for (origin, cents) in [
            ("new", a.new),
            ("reuse", a.reuse),
            ("donation", a.donation),
            ("recycled_content", a.recycled),
            ("unclassified", a.unclassified),
        ] {
            self.purchases_euros
                .with_label_values(&[cat, origin, period])
                .set(euros(cents));
        }
        for (kind, share, gap) in [
            (QuotaKind::Reuse, f.reuse_share, f.reuse_gap),
            (QuotaKind::Recycled, f.recycled_share, f.recycled_gap),
            (QuotaKind::Combined, f.combined_share, f.combined_gap),
        ] {
            let labels = [cat, kind.as_str(), period];
            if let Some(s) = share {
                self.share.with_label_values(&labels).set(s);
            }
            if let Some(g) = gap {
                self.shortfall
                    .with_label_values(&labels)
                    .set(euros(g.shortfall_cents));
                if let Some(x) = g.extra_purchase_cents {
                    self.extra_needed.with_label_values(&labels).set(euros(x));
                }
            }
        }
    }

    /// The firing alerts, as (rule, category id, kind); all others are dropped.
    pub fn publish_alerts(&self, firing: &[(Rule, String, QuotaKind)]) {
        let _whole = self.rewriting.write().unwrap_or_else(|e| e.into_inner());
        self.alert_firing.reset();
        for (rule, category, kind) in firing {
            self.alert_firing
                .with_label_values(&[rule.as_str(), category, kind.as_str()])
                .set(1);
        }
    }
}

/// A gauge declared without labels, so that an absent figure can drop its series.
fn set_opt(g: &GaugeVec, v: Option<f64>) {
    g.reset();
    if let Some(v) = v {
        g.with_label_values(&[] as &[&str]).set(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channels_counters_exist_at_zero_before_its_first_message() {
        let registry = Registry::new();
        let m = CircularityMetrics::new(&registry);
        m.register_channel("mattermost-achats");
        let mut buf = Vec::new();
        prometheus::Encoder::encode(
            &prometheus::TextEncoder::new(),
            &registry.gather(),
            &mut buf,
        )
        .unwrap();
        let text = String::from_utf8(buf).unwrap();
        for series in [
            r#"parcd_alert_notifications_sent_total{channel="mattermost-achats"} 0"#,
            r#"parcd_alert_notification_failures_total{channel="mattermost-achats",error_type="unreachable"} 0"#,
            r#"parcd_alert_notification_failures_total{channel="mattermost-achats",error_type="rejected"} 0"#,
            r#"parcd_alert_notifications_pending{channel="mattermost-achats"} 0"#,
        ] {
            assert!(text.contains(series), "{series} in\n{text}");
        }
    }
}
