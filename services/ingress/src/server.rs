//! Configuration, wiring and lifecycle of the ingress role.

use crate::handler::webhook;
use crate::metrics::IngressMetrics;
use crate::sink::KafkaSink;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::Router;
use chatstream_core::{KafkaArgs, Readiness, Telemetry};
use chatstream_platforms::Sources;
use chatstream_schema::{Codec, RawWebhook, RegistryClient};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Command-line/env options of the ingress role.
#[derive(clap::Args, Debug, Clone)]
pub struct IngressArgs {
    /// Public address for `POST /webhooks/{source_id}`.
    #[arg(long = "listen", env = "CHATSTREAM_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub sources: chatstream_platforms::SourcesArgs,
    /// Largest accepted body in bytes (larger: 413).
    #[arg(long = "body-limit-bytes", env = "CHATSTREAM_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Time from request start to the answer; Kafka acknowledgement included (Chatwoot waits 5 s).
    #[arg(long = "deadline-ms", env = "CHATSTREAM_DEADLINE_MS", default_value_t = 4000)]
    pub deadline_ms: u64,
    /// Upper bound for draining requests and flushing Kafka on shutdown.
    #[arg(long = "shutdown-grace-ms", env = "CHATSTREAM_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
}

/// Runtime settings of the webhook handler.
#[derive(Debug, Clone)]
pub struct IngressConfig {
    pub raw_topic: String,
    pub deadletter_topic: String,
    pub body_limit: usize,
    pub deadline: Duration,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub sources: Arc<Sources>,
    pub sink: KafkaSink,
    pub codec: Arc<Codec<RawWebhook>>,
    pub metrics: IngressMetrics,
    pub config: Arc<IngressConfig>,
}

impl AppState {
    /// Builds the handler state: Kafka producer, codec (registering the schema when a registry is
    /// configured), metrics and limits.
    pub async fn new(
        args: &IngressArgs,
        kafka: &KafkaArgs,
        sources: Sources,
        telemetry: &Telemetry,
    ) -> Result<Self, String> {
        let deadline = Duration::from_millis(args.deadline_ms.max(500));
        let metrics = IngressMetrics::new(&telemetry.registry);
        // Room for the record's metadata and headers next to the largest accepted body.
        let max_record = args.body_limit_bytes + 64 * 1024;
        let sink = KafkaSink::new(kafka, deadline, max_record, metrics.clone())
            .map_err(|e| format!("cannot create the Kafka producer: {e}"))?;
        let codec = Arc::new(match &kafka.schema_registry_url {
            None => Codec::<RawWebhook>::single_object(),
            Some(url) => {
                let client = RegistryClient::new(url).map_err(|e| e.to_string())?;
                // Both topics carry RawWebhook values (dead letters of the ingress too): one schema, one id.
                let mut id = 0;
                for topic in [&kafka.topic_raw, &kafka.topic_deadletter] {
                    let subject = format!("{topic}-value");
                    id = client
                        .register(&subject, chatstream_schema::embedded::RAW_WEBHOOK.json)
                        .await
                        .map_err(|e| format!("cannot register the RawWebhook schema under {subject}: {e}"))?;
                    tracing::info!(%subject, id, "schema registered; values use Confluent framing");
                }
                Codec::<RawWebhook>::confluent(id)
            }
        });
        let config = Arc::new(IngressConfig {
            raw_topic: kafka.topic_raw.clone(),
            deadletter_topic: kafka.topic_deadletter.clone(),
            body_limit: args.body_limit_bytes,
            deadline,
        });
        Ok(Self { sources: Arc::new(sources), sink, codec, metrics, config })
    }
}

impl IngressArgs {
    /// Defaults for everything (tests, `dev`): listen on an ephemeral local port.
    pub fn local_defaults() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            sources: chatstream_platforms::SourcesArgs::default(),
            body_limit_bytes: 1024 * 1024,
            deadline_ms: 4000,
            shutdown_grace_ms: 10_000,
        }
    }
}

/// The public router (webhooks only; the admin endpoints are on their own port).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/webhooks/{source_id}", post(webhook))
        // The handler enforces the configured limit itself (with a JSON 413); this only lifts axum's default.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// A running ingress.
pub struct IngressServer {
    /// The bound public address.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl IngressServer {
    /// Validates configuration, connects to Kafka, binds the public port and starts serving.
    ///
    /// Topic creation and the broker probe run in the background: until they succeed `/readyz` says why
    /// not, and webhooks get 503 rather than a false 200.
    pub async fn start(
        args: &IngressArgs,
        kafka: &KafkaArgs,
        sources: Sources,
        telemetry: &Telemetry,
        readiness: Readiness,
        shutdown: CancellationToken,
    ) -> Result<Self, String> {
        if sources.is_empty() {
            tracing::warn!("no webhook sources configured: every request will get 404 (set CHATSTREAM_SOURCES_FILE)");
        }
        let state = AppState::new(args, kafka, sources, telemetry).await?;
        let sink = state.sink.clone();

        spawn_kafka_watch(kafka.clone(), sink.clone(), readiness.clone(), shutdown.clone());
        {
            let (readiness, shutdown) = (readiness.clone(), shutdown.clone());
            tokio::spawn(async move {
                shutdown.cancelled().await;
                readiness.shutting_down();
            });
        }

        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot bind the webhook port {}: {e} (set CHATSTREAM_LISTEN)", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = router(state);
        let grace = Duration::from_millis(args.shutdown_grace_ms);
        let handle = tokio::spawn(async move {
            let stop = shutdown.clone();
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await });
            // Requests in flight finish, then every queued record is flushed; both within one grace period.
            let serving = tokio::spawn(async move { serve.await });
            shutdown.cancelled().await;
            let draining_since = std::time::Instant::now();
            if tokio::time::timeout(grace, serving).await.is_err() {
                tracing::warn!(grace_ms = grace.as_millis() as u64, "requests still in flight after the grace period");
            }
            let in_flight = sink.in_flight();
            let left = grace.saturating_sub(draining_since.elapsed()).max(Duration::from_millis(500));
            let flush = tokio::task::spawn_blocking(move || sink.flush(left)).await;
            match flush {
                Ok(Ok(())) => tracing::info!(in_flight, "Kafka producer flushed"),
                Ok(Err(e)) => tracing::error!(error = %e, in_flight, "Kafka producer flush incomplete"),
                Err(e) => tracing::error!(error = %e, "flush task failed"),
            }
        });
        tracing::info!(%addr, "ingress listening for POST /webhooks/{{source_id}}");
        Ok(Self { addr, handle })
    }

    /// Waits until the server has drained and the producer flushed (after shutdown was requested).
    pub async fn wait(self) {
        let _ = self.handle.await;
    }
}

/// Creates topics (retrying until it works) and then keeps probing the broker for `/readyz`.
fn spawn_kafka_watch(kafka: KafkaArgs, sink: KafkaSink, readiness: Readiness, shutdown: CancellationToken) {
    readiness.set("kafka", Err("not yet connected".into()));
    tokio::spawn(async move {
        let topics = [kafka.topic_raw.as_str(), kafka.topic_deadletter.as_str()];
        let mut backoff = Duration::from_millis(200);
        if kafka.create_topics {
            loop {
                match kafka.ensure_topics(&topics).await {
                    Ok(()) => break,
                    Err(e) => {
                        readiness.set("kafka", Err(format!("cannot create topics: {e}")));
                        tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "creating topics failed; retrying");
                    }
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        let probed = [kafka.topic_raw.clone(), kafka.topic_deadletter.clone()];
        loop {
            let probe_sink = sink.clone();
            let topics = probed.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                topics.iter().try_for_each(|t| probe_sink.probe(t, Duration::from_millis(1500)))
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            if let Err(why) = &outcome {
                tracing::warn!(reason = %why, "Kafka not reachable; /readyz answers 503");
            }
            readiness.set("kafka", outcome);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    });
}
