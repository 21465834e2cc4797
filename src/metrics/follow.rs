//! How a replica follows the commits of the other parcd processes on its store (see
//! `live::follow`). Work counters of this process: add them up over replicas.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Why a replica recomputed every figure from the store instead of the changed assets.
pub const RELOAD_REASONS: [&str; 2] = ["connected", "overflow"];

pub struct FollowMetrics {
    pub notes: IntCounter,
    pub reloads: IntCounterVec,
    pub connected: IntGauge,
}

impl FollowMetrics {
    pub fn new(registry: &Registry) -> FollowMetrics {
        let notes = IntCounter::new(
            "parcd_store_follow_notes_total",
            "Change notes of pages committed by other parcd processes on the same PostgreSQL \
             database, applied to this process's figures.",
        )
        .expect("valid metric");
        let reloads = IntCounterVec::new(
            Opts::new(
                "parcd_store_follow_reloads_total",
                "Recomputations of every figure from the store because another process's \
                 changes could not be applied one by one: connected (the PostgreSQL listening \
                 connection was opened again, notes may have been missed), overflow (a page \
                 changed too many assets to list).",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let connected = IntGauge::new(
            "parcd_store_follow_connected",
            "1 while this process follows the other replicas' commits on PostgreSQL (its LISTEN \
             connection is up), 0 otherwise (and on SQLite, which one process writes).",
        )
        .expect("valid metric");
        for reason in RELOAD_REASONS {
            reloads.with_label_values(&[reason]);
        }
        registry
            .register(Box::new(notes.clone()))
            .expect("registered once");
        registry
            .register(Box::new(reloads.clone()))
            .expect("registered once");
        registry
            .register(Box::new(connected.clone()))
            .expect("registered once");
        FollowMetrics {
            notes,
            reloads,
            connected,
        }
    }
}
