//! Query role metrics, named `chatstream_query_*`, labelled by route template (never by raw path).

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chatstream_core::telemetry::register;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use std::time::Instant;

/// Every metric the query role exports.
#[derive(Clone, Debug)]
pub struct QueryMetrics {
    /// Requests by route template and status code.
    pub requests: IntCounterVec,
    /// Request latency by route template.
    pub request_seconds: HistogramVec,
    /// Requests refused for authentication (401) by reason: `missing`, `malformed`, `unknown`.
    pub auth_failures: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

impl QueryMetrics {
    /// Creates the metrics and registers them with `registry` (once per registry).
    pub fn new(registry: &Registry) -> Self {
        Self {
            requests: register(
                registry,
                IntCounterVec::new(
                    Opts::new("chatstream_query_requests_total", "HTTP requests by route template and status code."),
                    &["route", "status"],
                )
                .expect("valid metric"),
            ),
            request_seconds: register(
                registry,
                HistogramVec::new(
                    HistogramOpts::new(
                        "chatstream_query_request_duration_seconds",
                        "HTTP request latency from request to response headers, by route template.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                    &["route"],
                )
                .expect("valid metric"),
            ),
            auth_failures: register(
                registry,
                IntCounterVec::new(
                    Opts::new(
                        "chatstream_query_auth_failures_total",
                        "API requests refused with 401, by reason (missing, malformed, unknown token).",
                    ),
                    &["reason"],
                )
                .expect("valid metric"),
            ),
        }
    }
}

/// Middleware: counts and times every request under its route template (`unmatched` for 404s).
pub async fn track(State(metrics): State<QueryMetrics>, request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    metrics.request_seconds.with_label_values(&[&route]).observe(elapsed.as_secs_f64());
    metrics.requests.with_label_values(&[&route, response.status().as_str()]).inc();
    tracing::debug!(%route, status = response.status().as_u16(), ms = elapsed.as_secs_f64() * 1000.0, "request");
    response
}
