//! Prometheus metrics of the projection runtime, labelled by projection.

use chatstream_core::telemetry::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

/// Metrics shared by every projection in the process (create once per registry).
#[derive(Clone, Debug)]
pub struct ProjectorMetrics {
    pub events_applied: IntCounterVec,
    pub events_duplicate: IntCounterVec,
    pub batches: IntCounterVec,
    pub apply_seconds: HistogramVec,
    pub deadletters: IntCounterVec,
    pub store_retries: IntCounterVec,
    pub consumer_lag: IntGaugeVec,
    pub freshness_seconds: prometheus::GaugeVec,
    pub last_event_timestamp_seconds: prometheus::GaugeVec,
    pub end_to_end_seconds: HistogramVec,
}

impl ProjectorMetrics {
    /// Registers the metrics with `registry`.
    pub fn new(registry: &Registry) -> Self {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            register(registry, IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"))
        };
        let gauge = |name: &str, help: &str| {
            register(registry, prometheus::GaugeVec::new(Opts::new(name, help), &["projection"]).expect("valid metric"))
        };
        Self {
            events_applied: counter(
                "chatstream_projection_events_applied_total",
                "Events applied to a projection (new to it, or an earlier copy of a duplicate).",
                &["projection"],
            ),
            events_duplicate: counter(
                "chatstream_projection_events_duplicate_total",
                "Events a projection already had (vendor retries, replays): no change.",
                &["projection"],
            ),
            batches: counter(
                "chatstream_projection_batches_total",
                "Batches committed to the store (rows and offsets in one transaction).",
                &["projection"],
            ),
            apply_seconds: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "chatstream_projection_apply_seconds",
                        "Time to apply one batch and commit it with its offsets.",
                    )
                    .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
                    &["projection"],
                )
                .expect("valid metric"),
            ),
            deadletters: counter(
                "chatstream_projection_deadletters_total",
                "Events a projection sent to the dead-letter topic, by reason.",
                &["projection", "reason"],
            ),
            store_retries: counter(
                "chatstream_projection_store_retries_total",
                "Batches retried after a transient store failure (lost connection, lock, full disk); nothing skipped.",
                &["projection"],
            ),
            consumer_lag: register(
                registry,
                IntGaugeVec::new(
                    Opts::new("chatstream_projection_consumer_lag", "Events not yet consumed, per partition."),
                    &["projection", "partition"],
                )
                .expect("valid metric"),
            ),
            freshness_seconds: gauge(
                "chatstream_projection_freshness_seconds",
                "Now minus occurred_at of the newest event of the last applied batch.",
            ),
            end_to_end_seconds: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "chatstream_projection_end_to_end_seconds",
                        "From the ingress receiving a webhook to its events committed in a projection's tables.",
                    )
                    .buckets(vec![0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0]),
                    &["projection"],
                )
                .expect("valid metric"),
            ),
            last_event_timestamp_seconds: gauge(
                "chatstream_projection_last_event_timestamp_seconds",
                "occurred_at of the newest applied event, seconds since the epoch.",
            ),
        }
    }
}
