//! `POST /webhooks/{source_id}`: authenticate on raw bytes, classify, produce, answer after the ack.

use crate::request::{kept_headers, traceparent, Meta};
use crate::response::{Outcome, Reply};
use crate::server::AppState;
use crate::sink::SinkError;
use crate::INGRESS_VERSION;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use chatstream_platforms::{classify, livechat, verify, Platform, Source, Verification};
use chatstream_schema::RawWebhook;
use http_body_util_shim::read_limited;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Handles one webhook delivery.
pub async fn webhook(
    State(app): State<AppState>,
    Path(source_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    // Decremented on drop, so a request the client abandons mid-way does not stay counted as in flight.
    let _in_flight = InFlight::enter(&app.metrics.in_flight);
    let request_id = uuid::Uuid::new_v4().to_string();
    let (reply, platform, event_label) =
        handle(&app, &source_id, query.as_deref(), &headers, body, &request_id, started).await;
    let outcome = reply.outcome.as_str();
    app.metrics.webhooks.with_label_values(&[platform, &event_label, outcome]).inc();
    app.metrics.request_seconds.with_label_values(&[platform, outcome]).observe(started.elapsed().as_secs_f64());
    if reply.outcome != Outcome::Accepted {
        tracing::info!(%request_id, source = %source_id, platform, outcome, message = reply.message.as_deref().unwrap_or(""), "webhook rejected");
    }
    reply.into_response()
}

struct InFlight(prometheus::IntGauge);

impl InFlight {
    fn enter(gauge: &prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

async fn handle(
    app: &AppState,
    source_id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
    request_id: &str,
    started: Instant,
) -> (Reply, &'static str, String) {
    let rid = || request_id.to_string();
    let Some(source) = app.sources.get(source_id).cloned() else {
        let msg = format!("no source {source_id:?} is configured; the URL must be /webhooks/<id> of a [[source]] in the sources configuration");
        return (Reply::error(Outcome::UnknownSource, rid(), msg), "unknown", "none".into());
    };
    let platform = source.platform.as_str();
    let reject = |outcome, msg: String| (Reply::error(outcome, rid(), msg), platform, "none".to_string());
    let deadline = started + app.config.deadline;
    let limit = app.config.body_limit;

    // 1. Read the exact bytes, bounded in size and time.
    if let Some(len) = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok()) {
        if len > limit {
            return reject(Outcome::TooLarge, format!("body of {len} bytes exceeds the limit of {limit} bytes"));
        }
    }
    let raw = match tokio::time::timeout_at(deadline.into(), read_limited(body, limit)).await {
        Err(_) => return reject(Outcome::Timeout, "the request body did not arrive within the deadline".into()),
        Ok(Err(ReadError::TooLarge)) => {
            return reject(Outcome::TooLarge, format!("body exceeds the limit of {limit} bytes"));
        }
        Ok(Err(ReadError::Io(e))) => {
            return reject(Outcome::Malformed, format!("could not read the request body: {e}"))
        }
        Ok(Ok(b)) => b,
    };
    let received_at = now_micros();
    let meta = Meta { headers, query };
    // The sender's W3C trace context (or a new one), carried on every record this request produces.
    let trace = traceparent(headers);

    // 2. Authenticate before anything is kept. Signatures and tokens are checked on `raw`; LiveChat's
    //    credential is inside the JSON, found by a tolerant scan when the body does not parse.
    let parsed = serde_json::from_slice::<serde_json::Value>(&raw);
    let credentials = match (&parsed, source.platform) {
        (Ok(value), _) => std::borrow::Cow::Borrowed(value),
        (Err(_), Platform::LiveChat) => std::borrow::Cow::Owned(
            livechat::secret_key_loose(&raw)
                .map_or(serde_json::Value::Null, |k| serde_json::json!({ "secret_key": k })),
        ),
        (Err(_), _) => std::borrow::Cow::Owned(serde_json::Value::Null),
    };
    let verification = match verify(&source.auth, &meta, &raw, &credentials, received_at / 1_000_000) {
        Ok(v) => v,
        Err(e) => {
            app.metrics.verification_failures.with_label_values(&[platform, e.reason()]).inc();
            return reject(Outcome::Unauthorized, e.to_string());
        }
    };
    drop(credentials);
    let parsed = match parsed {
        Ok(v) => v,
        Err(e) => {
            let detail = format!("body is not valid JSON: {e}");
            let reply =
                dead_letter(app, &source, &meta, raw, received_at, request_id, &trace, verification, &detail, deadline)
                    .await;
            return (reply, platform, "none".into());
        }
    };

    // 3. Classify and produce.
    let class = classify(source.platform, &parsed);
    drop(parsed);
    if !class.documented {
        app.metrics.undocumented.with_label_values(&[platform]).inc();
        tracing::warn!(%request_id, source = %source.id, platform, event_type = class.event_type.as_deref().unwrap_or("<none>"),
            "event type not in any known vendor documentation; kept and keyed by account");
    }
    let routing_key = class.routing_key(&source.tenant, source.platform);
    let (body, body_redacted) = match source.platform {
        Platform::LiveChat => match livechat::redact_secret_key(&raw) {
            Some(redacted) => (redacted, true),
            None => (raw.to_vec(), false),
        },
        _ => (raw.to_vec(), false),
    };
    let record = RawWebhook {
        event_type: class.event_type.clone(),
        event_type_documented: class.documented,
        routing_key,
        verification: verification.as_str().to_string(),
        body_redacted,
        body,
        ..base_record(&source, headers, request_id, received_at)
    };
    let label = class.metric_label().to_string();
    let reply = produce(app, &record, &trace, &[], deadline, request_id).await;
    (reply, platform, label)
}

/// Produces a record (with extra headers for dead letters) and turns the outcome into a reply.
async fn produce(
    app: &AppState,
    record: &RawWebhook,
    trace: &str,
    extra: &[(&str, &str)],
    deadline: Instant,
    request_id: &str,
) -> Reply {
    let payload = match app.codec.encode(record) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(%request_id, error = %e, "encoding failed");
            return Reply::error(Outcome::Unavailable, request_id.into(), "internal encoding error; retry later");
        }
    };
    let mut headers: Vec<(&str, &str)> = vec![
        ("platform", record.platform.as_str()),
        ("event_type", record.event_type.as_deref().unwrap_or("")),
        ("source", record.source_id.as_str()),
        ("traceparent", trace),
    ];
    headers.extend_from_slice(extra);
    let topic = if extra.is_empty() { &app.config.raw_topic } else { &app.config.deadletter_topic };
    match app.sink.send(topic, &record.routing_key, &payload, &headers, deadline).await {
        Ok(_) => Reply::accepted(request_id.into()),
        Err(SinkError::TooLarge) => Reply::error(
            Outcome::TooLarge,
            request_id.into(),
            format!(
                "the delivery ({} bytes) is larger than the Kafka topic accepts; raise the topic's max.message.bytes or lower CHATSTREAM_BODY_LIMIT_BYTES",
                record.body.len()
            ),
        ),
        Err(e) => {
            tracing::warn!(%request_id, %topic, error = %e, "record not acknowledged; answering 503");
            Reply::error(Outcome::Unavailable, request_id.into(), format!("{e}; retry later"))
        }
    }
}

/// The fields every record of a request shares; an account key and no event type until classified.
fn base_record(source: &Source, headers: &HeaderMap, request_id: &str, received_at: i64) -> RawWebhook {
    RawWebhook {
        ingress_version: INGRESS_VERSION.to_string(),
        request_id: request_id.to_string(),
        source_id: source.id.clone(),
        tenant: source.tenant.clone(),
        platform: source.platform.as_str().to_string(),
        event_type: None,
        event_type_documented: false,
        routing_key: format!("{}/{}/account", source.tenant, source.platform),
        received_at_micros: received_at,
        headers: kept_headers(headers, source.token_header()),
        verification: String::new(),
        body_redacted: false,
        body: Vec::new(),
    }
}

/// Keeps a malformed body in the dead-letter topic (nothing is lost) and answers 400, or 503 if even
/// that write was not acknowledged (so the sender retries).
#[allow(clippy::too_many_arguments)]
async fn dead_letter(
    app: &AppState,
    source: &Source,
    meta: &Meta<'_>,
    raw: bytes::Bytes,
    received_at: i64,
    request_id: &str,
    trace: &str,
    verification: Verification,
    detail: &str,
    deadline: Instant,
) -> Reply {
    // A LiveChat secret must never be stored, even in a body too broken to parse.
    let (body, body_redacted) = match livechat::redact_secret_key_loose(&raw) {
        Some(b) => (b, true),
        None => (raw.to_vec(), false),
    };
    let record = RawWebhook {
        verification: verification.as_str().to_string(),
        body_redacted,
        body,
        ..base_record(source, meta.headers, request_id, received_at)
    };
    let extra = [("error.stage", "ingress"), ("error.reason", "malformed_json"), ("error.detail", detail)];
    let reply = produce(app, &record, trace, &extra, deadline, request_id).await;
    if reply.outcome != Outcome::Accepted {
        return reply;
    }
    app.metrics.deadletters.with_label_values(&["malformed_json"]).inc();
    Reply::error(
        Outcome::Malformed,
        request_id.into(),
        format!("{detail}. The body was kept in the dead-letter topic; fix the sender and resend"),
    )
}

/// Why the body could not be read.
#[derive(Debug)]
pub enum ReadError {
    TooLarge,
    Io(String),
}

mod http_body_util_shim {
    use super::ReadError;
    use axum::body::Body;

    /// Reads the whole body, failing as soon as it exceeds `limit` bytes.
    pub async fn read_limited(body: Body, limit: usize) -> Result<bytes::Bytes, ReadError> {
        axum::body::to_bytes(body, limit).await.map_err(|e| {
            let text = e.to_string();
            if std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"))
                || text.contains("length limit")
            {
                ReadError::TooLarge
            } else {
                ReadError::Io(text)
            }
        })
    }
}
