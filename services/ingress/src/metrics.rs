//! Ingress metrics, named `chatstream_ingress_*`, with low-cardinality labels only.

use chatstream_core::telemetry::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

/// Every metric the ingress exports.
#[derive(Clone, Debug)]
pub struct IngressMetrics {
    /// Deliveries by platform, event type (documented ones; else `undocumented`/`none`) and outcome.
    pub webhooks: IntCounterVec,
    /// Whole-request latency by platform and outcome.
    pub request_seconds: HistogramVec,
    /// Time from produce call to broker acknowledgement, by topic.
    pub produce_seconds: HistogramVec,
    /// Failed produces by reason.
    pub produce_errors: IntCounterVec,
    /// Requests being handled right now.
    pub in_flight: IntGauge,
    /// Deliveries whose event type no vendor documentation names, by platform.
    pub undocumented: IntCounterVec,
    /// Records written to the dead-letter topic, by reason.
    pub deadletters: IntCounterVec,
    /// Rejected authentications by platform and reason.
    pub verification_failures: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

impl IngressMetrics {
    /// Creates and registers the metrics.
    pub fn new(registry: &Registry) -> Self {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            register(registry, IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"))
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            register(
                registry,
                HistogramVec::new(HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec()), labels)
                    .expect("valid metric"),
            )
        };
        Self {
            webhooks: counter(
                "chatstream_ingress_webhooks_total",
                "Webhook deliveries by platform, vendor event type and outcome.",
                &["platform", "event_type", "outcome"],
            ),
            request_seconds: histogram(
                "chatstream_ingress_request_duration_seconds",
                "Webhook request latency from first byte to response, by platform and outcome.",
                &["platform", "outcome"],
            ),
            produce_seconds: histogram(
                "chatstream_ingress_produce_duration_seconds",
                "Time from producing a record to the broker's acknowledgement, by topic.",
                &["topic"],
            ),
            produce_errors: counter(
                "chatstream_ingress_produce_errors_total",
                "Records Kafka did not acknowledge, by reason.",
                &["reason"],
            ),
            in_flight: register(
                registry,
                IntGauge::new("chatstream_ingress_in_flight_requests", "Webhook requests being handled now.")
                    .expect("valid metric"),
            ),
            undocumented: counter(
                "chatstream_ingress_undocumented_events_total",
                "Deliveries whose event type no known vendor documentation names, or that name none (kept, keyed by account).",
                &["platform"],
            ),
            deadletters: counter(
                "chatstream_ingress_deadletters_total",
                "Deliveries written to the dead-letter topic, by reason.",
                &["reason"],
            ),
            verification_failures: counter(
                "chatstream_ingress_verification_failures_total",
                "Deliveries rejected as unauthenticated, by platform and reason.",
                &["platform", "reason"],
            ),
        }
    }
}
