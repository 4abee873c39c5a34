//! Normalizer metrics, `chatstream_normalizer_*`.

use chatstream_core::telemetry::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

/// Every metric the normalizer exports.
#[derive(Clone, Debug)]
pub struct NormalizerMetrics {
    /// Raw deliveries processed, by platform and outcome (normalized, dead_lettered).
    pub deliveries: IntCounterVec,
    /// Canonical events produced, by platform and kind.
    pub events: IntCounterVec,
    /// Records written to the dead-letter topic, by reason.
    pub deadletters: IntCounterVec,
    /// Time to decode and normalise one delivery.
    pub normalize_seconds: HistogramVec,
    /// Consumer lag per raw partition (from librdkafka statistics).
    pub consumer_lag: IntGaugeVec,
}

impl NormalizerMetrics {
    /// Creates and registers the metrics.
    pub fn new(registry: &Registry) -> Self {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            register(registry, IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"))
        };
        Self {
            deliveries: counter(
                "chatstream_normalizer_deliveries_total",
                "Raw deliveries processed, by platform and outcome.",
                &["platform", "outcome"],
            ),
            events: counter(
                "chatstream_normalizer_events_total",
                "Canonical events produced, by platform and kind.",
                &["platform", "kind"],
            ),
            deadletters: counter(
                "chatstream_normalizer_deadletters_total",
                "Raw records written to the dead-letter topic, by reason.",
                &["reason"],
            ),
            normalize_seconds: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "chatstream_normalizer_normalize_duration_seconds",
                        "Time to decode and normalise one raw delivery.",
                    )
                    .buckets(vec![0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05]),
                    &["platform"],
                )
                .expect("valid metric"),
            ),
            consumer_lag: register(
                registry,
                IntGaugeVec::new(
                    Opts::new("chatstream_normalizer_consumer_lag", "Records not yet consumed, per raw partition."),
                    &["partition"],
                )
                .expect("valid metric"),
            ),
        }
    }
}
