//! The consume → normalise → produce → commit loop.

use crate::metrics::NormalizerMetrics;
use chatstream_core::kafka::producer_settings;
use chatstream_core::{KafkaArgs, Readiness, Telemetry};
use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::{Platform, Sources, SourcesArgs};
use chatstream_schema::{ChatEvent, Codec, Kind, Lineage, RawWebhook};
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientContext, Message, Statistics};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Options of the normalize role.
#[derive(clap::Args, Debug, Clone)]
pub struct NormalizeArgs {
    #[command(flatten)]
    pub sources: SourcesArgs,
    /// Consumer group of the normalizer (its committed offsets are its progress).
    #[arg(long = "group-id", env = "CHATSTREAM_NORMALIZE_GROUP", default_value = "chatstream-normalizer")]
    pub group_id: String,
    /// Raw records per batch at most; a batch's offsets are committed after all its events are acknowledged.
    #[arg(long = "batch-size", env = "CHATSTREAM_NORMALIZE_BATCH_SIZE", default_value_t = 2000)]
    pub batch_size: usize,
    /// How long a batch waits to fill.
    #[arg(long = "batch-ms", env = "CHATSTREAM_NORMALIZE_BATCH_MS", default_value_t = 20)]
    pub batch_ms: u64,
    /// Re-derive events from the start of the raw log (own consumer group per target topic).
    #[arg(long = "replay-from-start")]
    pub replay_from_start: bool,
    /// With --replay-from-start: write events to this (fresh) topic instead of the events topic.
    #[arg(long = "to-topic", requires = "replay_from_start")]
    pub to_topic: Option<String>,
    /// Stop once every raw partition is consumed to its end (one-shot replays, benchmarks).
    #[arg(long = "exit-when-caught-up")]
    pub exit_when_caught_up: bool,
}

impl NormalizeArgs {
    /// Defaults for tests and `dev`.
    pub fn local_defaults() -> Self {
        Self {
            sources: SourcesArgs::default(),
            group_id: "chatstream-normalizer".into(),
            batch_size: 2000,
            batch_ms: 20,
            replay_from_start: false,
            to_topic: None,
            exit_when_caught_up: false,
        }
    }
}

/// Feeds librdkafka's statistics (consumer lag per partition) into the metrics.
struct LagContext {
    metrics: NormalizerMetrics,
    topic: String,
}

impl ClientContext for LagContext {
    fn stats(&self, stats: Statistics) {
        chatstream_core::kafka::consumer_lag(&stats, &self.topic, |p, lag| {
            self.metrics.consumer_lag.with_label_values(&[&p.to_string()]).set(lag);
        });
    }
}

impl ConsumerContext for LagContext {}

/// One record to produce, kept until the broker acknowledged it (re-sent on failure, never skipped).
struct Outgoing {
    topic: Arc<str>,
    key: Option<Arc<[u8]>>,
    payload: Vec<u8>,
    headers: Vec<(Cow<'static, str>, Cow<'static, [u8]>)>,
}

/// A running normalizer.
pub struct Normalizer {
    consumer: StreamConsumer<LagContext>,
    producer: FutureProducer,
    raw_codec: Codec<RawWebhook>,
    registry: Option<chatstream_schema::RegistryClient>,
    event_codec: Codec<ChatEvent>,
    sources: Sources,
    metrics: NormalizerMetrics,
    raw_topic: String,
    events_topic: Arc<str>,
    deadletter_topic: Arc<str>,
    /// Pre-resolved event counters, by platform and kind (no label hashing per event).
    event_counters: Vec<prometheus::IntCounter>,
    args: NormalizeArgs,
}

impl Normalizer {
    /// Connects to Kafka (creating the events and dead-letter topics if allowed) and subscribes.
    pub async fn new(
        args: NormalizeArgs,
        kafka: &KafkaArgs,
        sources: Sources,
        telemetry: &Telemetry,
    ) -> Result<Self, String> {
        let events_topic = args.to_topic.clone().unwrap_or_else(|| kafka.topic_events.clone());
        let group = if args.replay_from_start {
            format!("{}-replay-{events_topic}", args.group_id)
        } else {
            args.group_id.clone()
        };
        if kafka.create_topics {
            kafka
                .ensure_topics(&[&kafka.topic_raw, &events_topic, &kafka.topic_deadletter])
                .await
                .map_err(|e| format!("cannot create topics: {e}"))?;
        }
        let metrics = NormalizerMetrics::new(&telemetry.registry);
        let context = LagContext { metrics: metrics.clone(), topic: kafka.topic_raw.clone() };
        let consumer: StreamConsumer<LagContext> = kafka
            .client_config(&[
                ("group.id", group.clone()),
                ("enable.auto.commit", "true".into()),
                ("auto.commit.interval.ms", "1000".into()),
                // Offsets are stored only once a record's events are acknowledged.
                ("enable.auto.offset.store", "false".into()),
                ("auto.offset.reset", "earliest".into()),
                ("statistics.interval.ms", "5000".into()),
                // An idle partition's fetch returns within 50 ms (some brokers, like the embedded one, hold it
                // for the whole wait even when another partition has data): bounds the latency per hop.
                ("fetch.wait.max.ms", "50".into()),
            ])
            .create_with_context(context)
            .map_err(|e| format!("cannot create the Kafka consumer: {e}"))?;
        consumer.subscribe(&[&kafka.topic_raw]).map_err(|e| format!("cannot subscribe to {}: {e}", kafka.topic_raw))?;
        let producer: FutureProducer = kafka
            .client_config(&producer_settings(Duration::from_secs(30), 4 * 1024 * 1024))
            .create()
            .map_err(|e| format!("cannot create the Kafka producer: {e}"))?;
        let registry = match &kafka.schema_registry_url {
            None => None,
            Some(url) => Some(chatstream_schema::RegistryClient::new(url).map_err(|e| e.to_string())?),
        };
        let event_codec = match &registry {
            None => Codec::<ChatEvent>::single_object(),
            Some(client) => {
                let subject = format!("{events_topic}-value");
                let id = client
                    .register(&subject, chatstream_schema::embedded::CHAT_EVENT.json)
                    .await
                    .map_err(|e| format!("cannot register the ChatEvent schema under {subject}: {e}"))?;
                Codec::<ChatEvent>::confluent(id)
            }
        };
        let event_counters = Platform::ALL
            .iter()
            .flat_map(|p| Kind::ALL.iter().map(|k| metrics.events.with_label_values(&[p.as_str(), k.as_str()])))
            .collect();
        tracing::info!(%group, raw = %kafka.topic_raw, events = %events_topic, "normalizer subscribed");
        Ok(Self {
            consumer,
            producer,
            raw_codec: Codec::<RawWebhook>::single_object(),
            registry,
            event_codec,
            sources,
            metrics,
            raw_topic: kafka.topic_raw.clone(),
            event_counters,
            events_topic: events_topic.into(),
            deadletter_topic: kafka.topic_deadletter.as_str().into(),
            args,
        })
    }

    /// Runs until `shutdown` (finishing and committing the batch in hand) or, with
    /// `--exit-when-caught-up`, until every partition is consumed.
    pub async fn run(
        self: std::sync::Arc<Self>,
        readiness: Readiness,
        shutdown: CancellationToken,
    ) -> Result<u64, String> {
        readiness.set("normalizer", Ok(()));
        let mut processed: u64 = 0;
        loop {
            let batch = tokio::select! {
                b = self.next_batch() => b,
                _ = shutdown.cancelled() => break,
            };
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "consuming failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                if self.args.exit_when_caught_up && self.caught_up() {
                    break;
                }
                continue;
            }
            self.learn_schema_ids(&batch).await;
            let outgoing: Vec<Outgoing> = batch.iter().flat_map(|m| self.process(m)).collect();
            // At least once: a raw offset is stored only after all of its batch's records are acknowledged.
            // (Overlapping one batch's wait with the next batch was measured twice: no gain; the second time
            // it took 37–71 % more CPU, the next batch's work slowed by the producer threads' delivery reports.)
            if !self.produce_all(outgoing, &shutdown).await {
                tracing::warn!(
                    records = batch.len(),
                    "shutting down with an unacknowledged batch; it will be consumed again"
                );
                break;
            }
            for m in &batch {
                if let Err(e) = self.consumer.store_offset(m.topic(), m.partition(), m.offset()) {
                    tracing::warn!(error = %e, "storing an offset failed (partition revoked?)");
                }
            }
            processed += batch.len() as u64;
        }
        readiness.set("normalizer", Err("stopped".into()));
        if let Err(e) = self.consumer.commit_consumer_state(CommitMode::Sync) {
            // Nothing stored yet is a normal case for an idle consumer.
            tracing::debug!(error = %e, "final commit");
        }
        tracing::info!(processed, "normalizer stopped");
        Ok(processed)
    }

    /// Raw records written with a schema registry name their writer schema by id: fetch ids not seen yet.
    async fn learn_schema_ids(&self, batch: &[OwnedMessage]) {
        let Some(registry) = &self.registry else { return };
        let mut ids: Vec<u32> = batch
            .iter()
            .filter_map(|m| match chatstream_schema::Frame::parse(m.payload().unwrap_or_default()) {
                Ok(chatstream_schema::Frame::Confluent { schema_id, .. })
                    if !self.raw_codec.knows_schema_id(schema_id) =>
                {
                    Some(schema_id)
                }
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            match registry.schema_by_id(id).await.map(|text| apache_avro::Schema::parse_str(&text)) {
                Ok(Ok(schema)) => self.raw_codec.learn_schema_id(id, &schema),
                Ok(Err(e)) => tracing::warn!(id, error = %e, "registry schema does not parse"),
                Err(e) => tracing::warn!(id, error = %e, "cannot fetch a writer schema; its records are dead-lettered"),
            }
        }
    }

    async fn next_batch(&self) -> Result<Vec<OwnedMessage>, KafkaError> {
        let wait_first = Duration::from_millis(self.args.batch_ms.max(1) * 10);
        let first = match tokio::time::timeout(wait_first, self.consumer.recv()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(m) => m?.detach(),
        };
        let mut batch = vec![first];
        let until = Instant::now() + Duration::from_millis(self.args.batch_ms);
        while batch.len() < self.args.batch_size {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, self.consumer.recv()).await {
                Err(_) => break,
                Ok(m) => batch.push(m?.detach()),
            }
        }
        Ok(batch)
    }

    fn caught_up(&self) -> bool {
        let Ok(assignment) = self.consumer.assignment() else { return false };
        let Ok(position) = self.consumer.position() else { return false };
        if assignment.count() == 0 {
            return false;
        }
        assignment.elements().iter().all(|e| {
            // Asked through the producer's connection: on the consumer's, the request queues behind the
            // consumer's long-polling fetch and takes up to fetch.wait.max.ms per partition.
            let (low, high) = self
                .producer
                .client()
                .fetch_watermarks(e.topic(), e.partition(), Duration::from_secs(5))
                .unwrap_or((0, i64::MAX));
            let pos = position.find_partition(e.topic(), e.partition()).and_then(|p| p.offset().to_raw()).unwrap_or(-1);
            // Empty (never written, or every record expired) or consumed to the end.
            low == high || pos >= high
        })
    }

    /// The records one raw message turns into: its events, or itself as a dead letter.
    fn process(&self, m: &OwnedMessage) -> Vec<Outgoing> {
        let started = Instant::now();
        let payload = m.payload().unwrap_or_default();
        let raw = match self.raw_codec.decode(payload) {
            Ok(r) => r,
            Err(e) => return vec![self.dead_letter(m, "undecodable", &e.to_string(), "unknown")],
        };
        let lineage = Lineage { topic: m.topic().to_string(), partition: m.partition(), offset: m.offset() };
        let ctx = match Context::for_raw(&raw, &self.sources, lineage) {
            Ok(c) => c,
            Err(e) => return vec![self.dead_letter(m, "unknown_platform", &e.to_string(), "unknown")],
        };
        let platform = ctx.platform;
        // Defence in depth: a vendor normaliser bug must dead-letter the record, not stop the partition.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| normalize(&ctx, &raw.body)));
        let events = match outcome {
            Ok(Ok(events)) => events,
            Ok(Err(e)) => return vec![self.dead_letter(m, e.reason(), &e.to_string(), platform.as_str())],
            Err(_) => {
                let detail = "the normaliser panicked on this record (a chatstream bug: please report it)";
                return vec![self.dead_letter(m, "normalizer_panic", detail, platform.as_str())];
            }
        };
        self.metrics.normalize_seconds.with_label_values(&[platform.as_str()]).observe(started.elapsed().as_secs_f64());
        self.metrics.deliveries.with_label_values(&[platform.as_str(), "normalized"]).inc();
        let trace: Option<Cow<'static, [u8]>> = header(m, "traceparent").map(Cow::Owned);
        let key: Option<Arc<[u8]>> = m.key().map(Arc::from);
        let platform_index = Platform::ALL.iter().position(|p| *p == platform).unwrap_or(0);
        let mut encoded = Vec::with_capacity(events.len());
        for e in &events {
            match self.event_codec.encode(e) {
                Ok(p) => encoded.push(p),
                // Never skip: a record whose events cannot be encoded is kept as a dead letter instead.
                Err(err) => return vec![self.dead_letter(m, "unencodable", &err.to_string(), platform.as_str())],
            }
        }
        events
            .iter()
            .zip(encoded)
            .map(|(e, payload)| {
                let kind_index = Kind::ALL.iter().position(|k| *k == e.kind).unwrap_or(0);
                self.event_counters[platform_index * Kind::ALL.len() + kind_index].inc();
                let mut headers: Vec<(Cow<'static, str>, Cow<'static, [u8]>)> = vec![
                    (Cow::Borrowed("platform"), Cow::Borrowed(platform.as_str().as_bytes())),
                    (Cow::Borrowed("kind"), Cow::Borrowed(e.kind.as_str().as_bytes())),
                    (Cow::Borrowed("event_id"), Cow::Owned(e.event_id.as_bytes().to_vec())),
                ];
                if let Some(tp) = &trace {
                    headers.push((Cow::Borrowed("traceparent"), tp.clone()));
                }
                Outgoing { topic: self.events_topic.clone(), key: key.clone(), payload, headers }
            })
            .collect()
    }

    fn dead_letter(&self, m: &OwnedMessage, reason: &str, detail: &str, platform: &str) -> Outgoing {
        self.metrics.deadletters.with_label_values(&[reason]).inc();
        self.metrics.deliveries.with_label_values(&[platform, "dead_lettered"]).inc();
        tracing::warn!(partition = m.partition(), offset = m.offset(), reason, detail, "raw record dead-lettered");
        let mut headers: Vec<(Cow<'static, str>, Cow<'static, [u8]>)> = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|x| (Cow::Owned(x.key.to_string()), Cow::Owned(x.value.unwrap_or_default().to_vec())))
                    .collect()
            })
            .unwrap_or_default();
        for (k, v) in [
            ("error.stage", "normalize".to_string()),
            ("error.reason", reason.to_string()),
            ("error.detail", detail.chars().take(1000).collect()),
            ("source.topic", m.topic().to_string()),
            ("source.partition", m.partition().to_string()),
            ("source.offset", m.offset().to_string()),
        ] {
            headers.push((Cow::Borrowed(k), Cow::Owned(v.into_bytes())));
        }
        Outgoing {
            topic: self.deadletter_topic.clone(),
            key: m.key().map(Arc::from),
            payload: m.payload().unwrap_or_default().to_vec(),
            headers,
        }
    }

    /// Produces every record and waits for all acknowledgements, re-sending failures with backoff until
    /// they are acknowledged (a broker outage pauses the normalizer; it never skips data). False when
    /// shutdown came first.
    async fn produce_all(&self, mut outgoing: Vec<Outgoing>, shutdown: &CancellationToken) -> bool {
        let mut backoff = Duration::from_millis(100);
        while !outgoing.is_empty() {
            let mut waiting = Vec::with_capacity(outgoing.len());
            let mut failed = Vec::new();
            for o in outgoing {
                match self.send(&o) {
                    Ok(f) => waiting.push((o, f)),
                    Err(e) => {
                        tracing::debug!(error = %e, "produce rejected; will retry");
                        failed.push(o);
                    }
                }
            }
            for (o, f) in waiting {
                let outcome = tokio::select! {
                    r = f => r,
                    // Shutdown does not wait for the message timeout: the batch is consumed again.
                    _ = shutdown.cancelled() => return false,
                };
                match outcome {
                    Ok(Ok(_)) => {}
                    Ok(Err((e, _))) => {
                        tracing::warn!(error = %e, topic = %o.topic, "record not acknowledged; will re-send");
                        failed.push(o);
                    }
                    Err(_) => failed.push(o),
                }
            }
            outgoing = failed;
            if !outgoing.is_empty() {
                tracing::warn!(
                    pending = outgoing.len(),
                    retry_in_ms = backoff.as_millis() as u64,
                    "re-sending unacknowledged records"
                );
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    // On shutdown the unacknowledged batch is abandoned uncommitted: it is consumed again.
                    _ = shutdown.cancelled() => return false,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        true
    }

    fn send(&self, o: &Outgoing) -> Result<rdkafka::producer::DeliveryFuture, KafkaError> {
        let mut headers = OwnedHeaders::new_with_capacity(o.headers.len());
        for (k, v) in &o.headers {
            headers = headers.insert(Header { key: k, value: Some(v.as_ref()) });
        }
        let mut record = FutureRecord::<[u8], [u8]>::to(&o.topic).payload(&o.payload).headers(headers);
        if let Some(k) = &o.key {
            record = record.key(k.as_ref());
        }
        self.producer.send_result(record).map_err(|(e, _)| e)
    }

    /// Flushes the producer (call after `run`).
    pub fn flush(&self, timeout: Duration) {
        let _ = self.producer.flush(timeout);
    }

    /// The topic events are written to.
    pub fn events_topic(&self) -> &str {
        &self.events_topic
    }

    /// The raw topic consumed.
    pub fn raw_topic(&self) -> &str {
        &self.raw_topic
    }
}

fn header(m: &OwnedMessage, name: &str) -> Option<Vec<u8>> {
    m.headers()?.iter().find(|h| h.key == name).and_then(|h| h.value.map(<[u8]>::to_vec))
}
