//! The generic runner: consumes `chatstream.events` for one projection and applies it batch by batch, each
//! batch's rows and offsets in one store transaction.
//!
//! - One consumer group per projection (`{group_prefix}{name}`). The group's Kafka commit is only for lag
//!   monitoring: on partition assignment the runner seeks to the offsets stored with the rows, and inside
//!   every transaction it re-reads them and skips what the store already has (exactly-once effect).
//! - A stored offset beyond the topic's end (the topic was recreated) stops the runner with an error that
//!   names `--reset`; it is never skipped silently.
//! - Undecodable events and events whose projection code panics go to the dead-letter topic; the partition
//!   moves on.
//! - Store and broker failures are retried with backoff; the batch is applied again from scratch.

use crate::engine::{Engine, RUNTIME_MIGRATIONS};
use crate::metrics::ProjectorMetrics;
use crate::offsets::{self, Offsets};
use crate::projection::Projection;
use crate::store::{Store, StoreError};
use chatstream_core::{KafkaArgs, Readiness};
use chatstream_schema::{ChatEvent, Codec, RegistryClient};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, Headers, OwnedHeaders, OwnedMessage};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientContext, Message, Offset, Statistics, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Options of the projection runner (the `project` and `rebuild` commands).
#[derive(clap::Args, Debug, Clone)]
pub struct ProjectArgs {
    /// Events per batch at most (one store transaction per batch).
    #[arg(long = "batch-size", env = "CHATSTREAM_PROJECT_BATCH_SIZE", default_value_t = 5000)]
    pub batch_size: usize,
    /// How long a batch waits to fill, in milliseconds (bounds the delay before rows appear).
    #[arg(long = "batch-ms", env = "CHATSTREAM_PROJECT_BATCH_MS", default_value_t = 50)]
    pub batch_ms: u64,
    /// Consumer group prefix; each projection's group is the prefix plus its name.
    #[arg(long = "group-prefix", env = "CHATSTREAM_PROJECT_GROUP_PREFIX", default_value = "chatstream-projection-")]
    pub group_prefix: String,
    /// Events of recently active chats and agents kept in memory per projection (fewer store reads).
    #[arg(long = "cache-events", env = "CHATSTREAM_PROJECT_CACHE_EVENTS", default_value_t = 100_000)]
    pub cache_events: usize,
    /// Read every partition directly instead of joining the consumer group (rebuilds: no group join wait,
    /// no other member can take partitions away).
    #[arg(skip)]
    pub all_partitions: bool,
}

impl Default for ProjectArgs {
    fn default() -> Self {
        Self {
            batch_size: 5000,
            batch_ms: 50,
            group_prefix: "chatstream-projection-".into(),
            cache_events: 100_000,
            all_partitions: false,
        }
    }
}

/// Why a runner stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Kafka: {0}")]
    Kafka(String),
    #[error(
        "projection {projection} has consumed {topic} partition {partition} up to offset {stored}, but the topic now \
         ends at offset {end}: the topic was deleted and recreated (or truncated). Refusing to guess. Run \
         `chatstream project {projection} --reset` (or `chatstream rebuild {projection}`) to empty the projection \
         and rebuild it from the topic as it is now"
    )]
    OffsetBeyondEnd { projection: String, topic: String, partition: i32, stored: i64, end: i64 },
    #[error(
        "projection {projection} cannot apply a batch: {detail}. This is not a passing failure (not a lost \
         connection or a lock), so the runner stopped instead of retrying forever; nothing was skipped. Check the \
         store (migrations applied? schema edited by hand?) and report it if it persists"
    )]
    Apply { projection: String, detail: String },
    #[error(
        "projection {projection}: Kafka no longer has the events it needs on {topic} ({detail}); they were \
         deleted by retention or the topic was recreated. Run `chatstream rebuild {projection}` to rebuild it from \
         what the topic holds now"
    )]
    OffsetOutOfRange { projection: String, topic: String, detail: String },
}

/// Why one attempt at a batch failed.
#[derive(Debug, thiserror::Error)]
enum BatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Apply(#[from] crate::engine::ApplyError),
    #[error("{0}")]
    Permanent(String),
}

impl BatchError {
    fn is_transient(&self) -> bool {
        match self {
            BatchError::Store(e) | BatchError::Apply(crate::engine::ApplyError::Store(e)) => e.is_transient(),
            _ => false,
        }
    }
}

/// Feeds consumer lag into the metrics and seeks newly assigned partitions to the offsets in the store.
struct RunnerContext {
    projection: &'static str,
    topic: String,
    stored: Arc<Mutex<Offsets>>,
    metrics: ProjectorMetrics,
}

impl ClientContext for RunnerContext {
    fn stats(&self, stats: Statistics) {
        chatstream_core::kafka::consumer_lag(&stats, &self.topic, |p, lag| {
            self.metrics.consumer_lag.with_label_values(&[self.projection, &p.to_string()]).set(lag);
        });
    }
}

impl ConsumerContext for RunnerContext {
    /// Sets each newly assigned partition's start to the offset stored with the rows (the beginning when the
    /// store has none) before the assignment takes effect, so Kafka's committed offsets are never used.
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(assigned) = rebalance else { return };
        let stored = self.stored.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for mut e in assigned.elements() {
            let offset = match stored.get(&e.partition()) {
                Some(next) if e.topic() == self.topic => Offset::Offset(*next),
                _ => Offset::Beginning,
            };
            if let Err(err) = e.set_offset(offset) {
                tracing::error!(projection = self.projection, error = %err, "cannot set the start offset");
            }
        }
        tracing::info!(
            projection = self.projection,
            partitions = assigned.count(),
            "partitions assigned at the stored offsets"
        );
    }
}

/// When [`Runner::run`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// On shutdown only.
    Shutdown,
    /// Once every partition is consumed up to where it ended when the run started (rebuilds, benchmarks).
    CaughtUp,
}

/// Totals of one run.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunStats {
    /// When the first record arrived (throughput clocks start there: joining and setup are not throughput).
    pub first_record_at: Option<Instant>,
    pub consumed: u64,
    pub applied: u64,
    pub batches: u64,
    pub dead_lettered: u64,
}

/// One decoded record of a batch.
struct Consumed {
    partition: i32,
    offset: i64,
    event: ChatEvent,
}

/// A batch as consumed: decoded events, records that did not decode, and the next offset per partition.
struct Batch {
    started: Instant,
    events: Vec<Consumed>,
    undecoded: Vec<OwnedMessage>,
    next: Offsets,
}

impl Default for Batch {
    fn default() -> Self {
        Self { started: Instant::now(), events: Vec::new(), undecoded: Vec::new(), next: Offsets::new() }
    }
}

impl Batch {
    fn push(&mut self, m: &rdkafka::message::BorrowedMessage<'_>, codec: &Codec<ChatEvent>) {
        let slot = self.next.entry(m.partition()).or_insert(0);
        *slot = (*slot).max(m.offset() + 1);
        match codec.decode(m.payload().unwrap_or_default()) {
            Ok(event) => self.events.push(Consumed { partition: m.partition(), offset: m.offset(), event }),
            Err(_) => self.undecoded.push(m.detach()),
        }
    }

    fn len(&self) -> usize {
        self.events.len() + self.undecoded.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A running projection.
pub struct Runner {
    engine: Engine,
    store: Store,
    consumer: Arc<StreamConsumer<RunnerContext>>,
    producer: FutureProducer,
    codec: Arc<Codec<ChatEvent>>,
    registry: Option<RegistryClient>,
    metrics: ProjectorMetrics,
    stored: Arc<Mutex<Offsets>>,
    topic: String,
    deadletter_topic: String,
    args: ProjectArgs,
    /// Called with the number of records consumed after each batch (progress bars).
    progress: Option<Box<dyn Fn(u64) + Send + Sync>>,
}

impl Runner {
    /// Migrates the store, checks the stored offsets against the topic and subscribes.
    pub async fn new(
        projection: Arc<dyn Projection>,
        store: Store,
        kafka: &KafkaArgs,
        args: &ProjectArgs,
        metrics: &ProjectorMetrics,
    ) -> Result<Self, RunnerError> {
        let name = projection.name();
        prepare(&store, projection.as_ref()).await?;
        if kafka.create_topics {
            kafka
                .ensure_topics(&[&kafka.topic_events, &kafka.topic_deadletter])
                .await
                .map_err(|e| RunnerError::Kafka(format!("cannot create topics: {e}")))?;
        }
        let stored = offsets::load_committed(&store, name, &kafka.topic_events).await?;
        let stored = Arc::new(Mutex::new(stored));
        let context = RunnerContext {
            projection: name,
            topic: kafka.topic_events.clone(),
            stored: stored.clone(),
            metrics: metrics.clone(),
        };
        let consumer: StreamConsumer<RunnerContext> = kafka
            .client_config(&[
                ("group.id", format!("{}{name}", args.group_prefix)),
                ("enable.auto.commit", "true".into()),
                ("auto.commit.interval.ms", "1000".into()),
                ("enable.auto.offset.store", "false".into()),
                // Positions come from the store; a position Kafka cannot serve is an error, never a silent jump.
                ("auto.offset.reset", "error".into()),
                ("statistics.interval.ms", "5000".into()),
                // An idle partition's fetch returns within 50 ms (some brokers, like the embedded one, hold it
                // for the whole wait even when another partition has data): bounds the latency per hop.
                ("fetch.wait.max.ms", "50".into()),
                ("partition.assignment.strategy", "range,roundrobin".into()),
            ])
            .create_with_context(context)
            .map_err(|e| RunnerError::Kafka(format!("cannot create the consumer: {e}")))?;
        check_offsets_within_topic(&consumer, name, &kafka.topic_events, &stored.lock().unwrap().clone())?;
        if args.all_partitions {
            assign_all(&consumer, &kafka.topic_events, &stored.lock().unwrap_or_else(|p| p.into_inner()).clone())?;
        } else {
            consumer
                .subscribe(&[&kafka.topic_events])
                .map_err(|e| RunnerError::Kafka(format!("cannot subscribe to {}: {e}", kafka.topic_events)))?;
        }
        let producer: FutureProducer = kafka
            .client_config(&chatstream_core::kafka::producer_settings(Duration::from_secs(30), 4 * 1024 * 1024))
            .create()
            .map_err(|e| RunnerError::Kafka(format!("cannot create the dead-letter producer: {e}")))?;
        let registry = match &kafka.schema_registry_url {
            None => None,
            Some(url) => Some(RegistryClient::new(url).map_err(|e| RunnerError::Kafka(e.to_string()))?),
        };
        tracing::info!(projection = name, store = store.url_for_humans(), topic = %kafka.topic_events, "projection subscribed");
        Ok(Self {
            engine: Engine::new(projection, args.cache_events),
            store,
            consumer: Arc::new(consumer),
            producer,
            codec: Arc::new(Codec::single_object()),
            registry,
            metrics: metrics.clone(),
            stored,
            topic: kafka.topic_events.clone(),
            deadletter_topic: kafka.topic_deadletter.clone(),
            args: args.clone(),
            progress: None,
        })
    }

    /// Reports progress (records consumed so far) after every batch, as soon as the batch is committed to the
    /// store (before the monitoring offsets go to Kafka).
    pub fn on_progress(&mut self, f: impl Fn(u64) + Send + Sync + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Records between the stored offsets and the current end of each partition (for progress bars).
    pub fn remaining(&self) -> Result<u64, RunnerError> {
        let ends = self.end_offsets()?;
        let stored = self.stored.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(ends
            .iter()
            .map(|(p, (low, high))| (high - stored.get(p).copied().unwrap_or(*low).max(*low)).max(0) as u64)
            .sum())
    }

    fn end_offsets(&self) -> Result<BTreeMap<i32, (i64, i64)>, RunnerError> {
        let metadata = self
            .consumer
            .fetch_metadata(Some(&self.topic), Duration::from_secs(10))
            .map_err(|e| RunnerError::Kafka(format!("cannot read the metadata of {}: {e}", self.topic)))?;
        let mut out = BTreeMap::new();
        for t in metadata.topics() {
            for p in t.partitions() {
                let w = self.consumer.fetch_watermarks(&self.topic, p.id(), Duration::from_secs(10)).map_err(|e| {
                    RunnerError::Kafka(format!("cannot read the end of {}[{}]: {e}", self.topic, p.id()))
                })?;
                out.insert(p.id(), w);
            }
        }
        Ok(out)
    }

    /// Consumes and applies until shutdown (finishing or abandoning the batch in hand: an unfinished batch
    /// is simply consumed again) or, with [`Until::CaughtUp`], until the topic's end at start is reached.
    pub async fn run(
        mut self,
        readiness: Readiness,
        shutdown: CancellationToken,
        until: Until,
    ) -> Result<RunStats, RunnerError> {
        let name = self.engine.projection().name();
        let targets = match until {
            Until::CaughtUp => Some(self.end_offsets()?),
            Until::Shutdown => None,
        };
        readiness.set(name, Ok(()));
        let mut stats = RunStats::default();
        // The next batch is consumed and decoded while this one is applied (on another core when there is one).
        let (batches, mut next) = tokio::sync::mpsc::channel(1);
        // Whether this loop waits for the next batch (see `next_batch`).
        let (wanted, waiting) = tokio::sync::watch::channel(false);
        let fetcher =
            tokio::spawn(fetch_batches(self.consumer.clone(), self.codec.clone(), self.args.clone(), batches, waiting));
        let result = loop {
            if let Some(targets) = &targets {
                let stored = self.stored.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let done =
                    targets.iter().all(|(p, (low, high))| low == high || stored.get(p).is_some_and(|n| n >= high));
                if done {
                    break Ok(());
                }
            }
            let batch = match next.try_recv() {
                Ok(b) => Some(b),
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => None,
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                    wanted.send_replace(true);
                    let b = tokio::select! {
                        b = next.recv() => b,
                        _ = shutdown.cancelled() => break Ok(()),
                    };
                    wanted.send_replace(false);
                    b
                }
            };
            let batch = match batch {
                Some(Ok(b)) => b,
                Some(Err(e)) => {
                    if let Some(fatal) = self.fatal_consumer_error(&e) {
                        break Err(fatal);
                    }
                    tracing::warn!(projection = name, error = %e, "consuming failed; retrying");
                    continue;
                }
                None => break Err(RunnerError::Kafka("the consuming task ended unexpectedly".into())),
            };
            if batch.is_empty() {
                continue;
            }
            stats.first_record_at.get_or_insert(batch.started);
            match self.process(batch, &shutdown, &mut stats).await {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        readiness.set(name, Err("stopped".into()));
        drop(next);
        fetcher.abort();
        let _ = fetcher.await;
        if let Err(e) = self.consumer.commit_consumer_state(CommitMode::Sync) {
            tracing::debug!(error = %e, "final commit of the monitoring offsets");
        }
        tracing::info!(projection = name, consumed = stats.consumed, applied = stats.applied, "projection stopped");
        result.map(|()| stats)
    }

    fn fatal_consumer_error(&self, e: &KafkaError) -> Option<RunnerError> {
        let text = e.to_string();
        if text.contains("OffsetOutOfRange") || text.contains("out of range") || text.contains("Offset out of range") {
            return Some(RunnerError::OffsetOutOfRange {
                projection: self.engine.projection().name().into(),
                topic: self.topic.clone(),
                detail: text,
            });
        }
        None
    }

    /// Applies one batch, retrying until it is committed. False when shutdown came first.
    async fn process(
        &mut self,
        mut batch: Batch,
        shutdown: &CancellationToken,
        stats: &mut RunStats,
    ) -> Result<bool, RunnerError> {
        let name = self.engine.projection().name();
        if let (Some(registry), false) = (&self.registry, batch.undecoded.is_empty()) {
            self.codec
                .learn_from_registry(registry, batch.undecoded.iter().map(|m| m.payload().unwrap_or_default()))
                .await;
        }
        let mut dead = Vec::new();
        for m in std::mem::take(&mut batch.undecoded) {
            match self.codec.decode(m.payload().unwrap_or_default()) {
                Ok(event) => batch.events.push(Consumed { partition: m.partition(), offset: m.offset(), event }),
                Err(e) => dead.push((m, "undecodable", e.to_string())),
            }
        }
        for (m, reason, detail) in &dead {
            if !self.dead_letter(m, reason, detail, shutdown).await {
                return Ok(false);
            }
        }
        let (consumed, next) = (batch.events, batch.next);
        let mut backoff = Duration::from_millis(100);
        loop {
            let started = Instant::now();
            match self.apply_once(&consumed, &next, shutdown).await {
                Ok(Some(outcome)) => {
                    self.engine.committed();
                    let seconds = started.elapsed().as_secs_f64();
                    tracing::debug!(
                        projection = name,
                        events = consumed.len(),
                        applied = outcome.applied,
                        groups = outcome.groups_derived,
                        rows = outcome.rows_written,
                        seconds,
                        "batch committed"
                    );
                    self.metrics.apply_seconds.with_label_values(&[name]).observe(seconds);
                    self.metrics.batches.with_label_values(&[name]).inc();
                    self.metrics.events_applied.with_label_values(&[name]).inc_by(outcome.applied);
                    self.metrics.events_duplicate.with_label_values(&[name]).inc_by(outcome.duplicates);
                    if let Some(newest) = outcome.newest_occurred_at_micros {
                        let now = chrono::Utc::now().timestamp_micros();
                        self.metrics.freshness_seconds.with_label_values(&[name]).set((now - newest) as f64 / 1e6);
                        let last = self.metrics.last_event_timestamp_seconds.with_label_values(&[name]);
                        last.set(last.get().max(newest as f64 / 1e6));
                    }
                    let now = chrono::Utc::now().timestamp_micros();
                    let end_to_end = self.metrics.end_to_end_seconds.with_label_values(&[name]);
                    for c in &consumed {
                        end_to_end.observe((now - c.event.received_at_micros).max(0) as f64 / 1e6);
                    }
                    stats.consumed += (consumed.len() + dead.len()) as u64;
                    stats.applied += outcome.applied;
                    stats.batches += 1;
                    stats.dead_lettered += (dead.len() + outcome.poison.len()) as u64;
                    break;
                }
                Ok(None) => return Ok(false),
                Err(e) => {
                    self.engine.invalidate();
                    if !e.is_transient() {
                        return Err(RunnerError::Apply { projection: name.into(), detail: e.to_string() });
                    }
                    self.metrics.store_retries.with_label_values(&[name]).inc();
                    tracing::warn!(projection = name, error = %e, retry_in_ms = backoff.as_millis() as u64, "applying a batch failed; retrying it");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.cancelled() => return Ok(false),
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
        // The batch is durable in the store; the Kafka offsets below are only for lag monitoring.
        if let Some(progress) = &self.progress {
            progress(stats.consumed);
        }
        {
            let mut stored = self.stored.lock().unwrap_or_else(|p| p.into_inner());
            for (p, n) in &next {
                let slot = stored.entry(*p).or_insert(*n);
                *slot = (*slot).max(*n);
            }
        }
        let mut tpl = TopicPartitionList::new();
        for (p, n) in &next {
            let _ = tpl.add_partition_offset(&self.topic, *p, Offset::Offset(*n));
        }
        if let Err(e) = self.consumer.store_offsets(&tpl) {
            tracing::debug!(error = %e, "storing monitoring offsets failed (partition revoked?)");
        }
        if consumed.len() >= 1024 {
            crate::free::in_background(consumed);
        }
        Ok(true)
    }

    /// One attempt: lock, skip what the store already has, apply, dead-letter poison, save offsets, commit.
    /// `Ok(None)` when shutdown interrupted dead-lettering (the transaction is rolled back).
    async fn apply_once(
        &mut self,
        consumed: &[Consumed],
        next: &Offsets,
        shutdown: &CancellationToken,
    ) -> Result<Option<crate::engine::ApplyOutcome>, BatchError> {
        let name = self.engine.projection().name();
        let mut tx = self.store.begin().await?;
        self.engine.lock(&mut tx).await?;
        let stored = offsets::load(&mut tx, name, &self.topic).await?;
        let fresh =
            consumed.iter().filter(|c| stored.get(&c.partition).is_none_or(|n| c.offset >= *n)).map(|c| &c.event);
        let outcome = self.engine.apply(&mut tx, fresh).await?;
        for (event, detail) in &outcome.poison {
            let payload = self.codec.encode(event).map_err(|e| BatchError::Permanent(e.to_string()))?;
            let headers = OwnedHeaders::new()
                .insert(Header { key: "error.stage", value: Some("project") })
                .insert(Header { key: "error.reason", value: Some("projection_panic") })
                .insert(Header { key: "error.detail", value: Some(detail.as_str()) })
                .insert(Header { key: "error.projection", value: Some(name) })
                .insert(Header { key: "event_id", value: Some(event.event_id.as_str()) });
            if !self.produce_dead_letter(payload, None, headers, shutdown).await {
                let _ = tx.rollback().await;
                return Ok(None);
            }
            self.metrics.deadletters.with_label_values(&[name, "projection_panic"]).inc();
            tracing::error!(projection = name, event_id = %event.event_id, detail, "projection code panicked on an event; dead-lettered");
        }
        let mut merged = stored;
        for (p, n) in next {
            let slot = merged.entry(*p).or_insert(*n);
            *slot = (*slot).max(*n);
        }
        offsets::save(&mut tx, name, &self.topic, &merged).await?;
        tx.commit().await?;
        Ok(Some(outcome))
    }

    async fn dead_letter(&self, m: &OwnedMessage, reason: &str, detail: &str, shutdown: &CancellationToken) -> bool {
        let name = self.engine.projection().name();
        tracing::warn!(
            projection = name,
            partition = m.partition(),
            offset = m.offset(),
            reason,
            detail,
            "event dead-lettered"
        );
        let partition = m.partition().to_string();
        let offset = m.offset().to_string();
        let mut headers = OwnedHeaders::new();
        if let Some(h) = m.headers() {
            for x in h.iter() {
                headers = headers.insert(Header { key: x.key, value: x.value });
            }
        }
        let headers = headers
            .insert(Header { key: "error.stage", value: Some("project") })
            .insert(Header { key: "error.reason", value: Some(reason) })
            .insert(Header { key: "error.detail", value: Some(detail) })
            .insert(Header { key: "error.projection", value: Some(name) })
            .insert(Header { key: "source.topic", value: Some(self.topic.as_str()) })
            .insert(Header { key: "source.partition", value: Some(partition.as_str()) })
            .insert(Header { key: "source.offset", value: Some(offset.as_str()) });
        let ok = self.produce_dead_letter(m.payload().unwrap_or_default().to_vec(), m.key(), headers, shutdown).await;
        if ok {
            self.metrics.deadletters.with_label_values(&[name, reason]).inc();
        }
        ok
    }

    /// Produces one dead letter, re-sending until acknowledged. False when shutdown came first.
    async fn produce_dead_letter(
        &self,
        payload: Vec<u8>,
        key: Option<&[u8]>,
        headers: OwnedHeaders,
        shutdown: &CancellationToken,
    ) -> bool {
        let mut backoff = Duration::from_millis(100);
        loop {
            let mut record = FutureRecord::to(&self.deadletter_topic).payload(&payload).headers(headers.clone());
            if let Some(k) = key {
                record = record.key(k);
            }
            let outcome = tokio::select! {
                r = self.producer.send(record, Duration::from_secs(5)) => r,
                _ = shutdown.cancelled() => return false,
            };
            match outcome {
                Ok(_) => return true,
                Err((e, _)) => tracing::warn!(error = %e, "dead letter not acknowledged; re-sending"),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.cancelled() => return false,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}

/// Creates the runtime tables and the projection's own tables (idempotent).
pub async fn prepare(store: &Store, projection: &dyn Projection) -> Result<(), StoreError> {
    store.migrate("projector", RUNTIME_MIGRATIONS).await?;
    store.migrate(projection.name(), projection.migrations()).await
}

/// Consumes batches into `out` until the receiver is gone; after a consumer error, waits half a second.
async fn fetch_batches(
    consumer: Arc<StreamConsumer<RunnerContext>>,
    codec: Arc<Codec<ChatEvent>>,
    args: ProjectArgs,
    out: tokio::sync::mpsc::Sender<Result<Batch, KafkaError>>,
    mut waiting: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (batch, error) = next_batch(&consumer, &codec, &args, &mut waiting).await;
        // Records consumed before an error go first: the consumer's position is already past them.
        if out.send(Ok(batch)).await.is_err() {
            return;
        }
        if let Some(e) = error {
            if out.send(Err(e)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The next batch, decoded as it arrives (records that do not decode are kept whole for a second try
/// after learning registry schemas, then the dead-letter topic), and the consumer error that ended it early.
/// Empty after half a second without records. A batch ends at `batch_size` records, or once `batch_ms` have
/// passed since its first record *and* the runner waits for it: while the runner is still applying the
/// previous batch, ending it early would only make more, smaller batches (each costing a transaction and a
/// derivation of every group it touches), not bring its rows sooner.
async fn next_batch(
    consumer: &StreamConsumer<RunnerContext>,
    codec: &Codec<ChatEvent>,
    args: &ProjectArgs,
    waiting: &mut tokio::sync::watch::Receiver<bool>,
) -> (Batch, Option<KafkaError>) {
    let mut batch = Batch::default();
    match tokio::time::timeout(Duration::from_millis(500), consumer.recv()).await {
        Err(_) => return (batch, None),
        Ok(Err(e)) => return (batch, Some(e)),
        Ok(Ok(m)) => {
            batch.started = Instant::now();
            batch.push(&m, codec)
        }
    }
    // One timer for the whole batch (a timeout per record cost more than decoding it).
    let deadline = tokio::time::sleep(Duration::from_millis(args.batch_ms));
    tokio::pin!(deadline);
    let mut expired = false;
    while batch.len() < args.batch_size && !(expired && *waiting.borrow()) {
        tokio::select! {
            biased;
            m = consumer.recv() => match m {
                Ok(m) => batch.push(&m, codec),
                Err(e) => return (batch, Some(e)),
            },
            _ = &mut deadline, if !expired => expired = true,
            // The runner is gone: nobody takes the batch.
            changed = waiting.changed(), if expired => if changed.is_err() { break },
        }
    }
    (batch, None)
}

/// Assigns every partition of `topic`, each at its stored offset (the beginning when none is stored).
fn assign_all(consumer: &StreamConsumer<RunnerContext>, topic: &str, stored: &Offsets) -> Result<(), RunnerError> {
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| RunnerError::Kafka(format!("cannot read the metadata of {topic}: {e}")))?;
    let mut tpl = TopicPartitionList::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            let offset = stored.get(&p.id()).map_or(Offset::Beginning, |n| Offset::Offset(*n));
            tpl.add_partition_offset(topic, p.id(), offset)
                .map_err(|e| RunnerError::Kafka(format!("cannot assign {topic}[{}]: {e}", p.id())))?;
        }
    }
    consumer.assign(&tpl).map_err(|e| RunnerError::Kafka(format!("cannot assign the partitions of {topic}: {e}")))
}

fn check_offsets_within_topic(
    consumer: &StreamConsumer<RunnerContext>,
    projection: &str,
    topic: &str,
    stored: &Offsets,
) -> Result<(), RunnerError> {
    for (partition, next) in stored {
        let (_, high) = match consumer.fetch_watermarks(topic, *partition, Duration::from_secs(10)) {
            Ok(w) => w,
            // A partition that no longer exists at all is the same situation as a shorter one.
            Err(KafkaError::MetadataFetch(_)) | Err(KafkaError::OffsetFetch(_)) => (0, 0),
            Err(e) => return Err(RunnerError::Kafka(format!("cannot read the end of {topic}[{partition}]: {e}"))),
        };
        if *next > high {
            return Err(RunnerError::OffsetBeyondEnd {
                projection: projection.into(),
                topic: topic.into(),
                partition: *partition,
                stored: *next,
                end: high,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EventBuilder;
    use chatstream_core::{EmbeddedBroker, Telemetry};
    use chatstream_schema::Kind;
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

    /// Past `batch_ms`, a batch is held (and goes on filling) while the runner is busy, and handed over at once
    /// when the runner waits for it.
    #[tokio::test]
    async fn a_batch_past_its_time_waits_for_the_runner_and_keeps_filling() {
        let mut kafka = KafkaArgs::for_brokers("");
        let broker = EmbeddedBroker::start(1, &[&kafka.topic_events], 1).unwrap();
        kafka.brokers = broker.bootstrap_servers().to_string();
        let codec = Arc::new(Codec::<ChatEvent>::single_object());
        let producer: ThreadedProducer<DefaultProducerContext> =
            kafka.client_config(&[("linger.ms", "1".into())]).create().unwrap();
        let b = EventBuilder::new("livechat", "C1");
        for i in 0..50 {
            let payload = codec.encode(&b.at(Kind::Message, i)).unwrap();
            producer.send(BaseRecord::<(), _>::to(&kafka.topic_events).payload(&payload)).unwrap();
        }
        producer.flush(Duration::from_secs(10)).unwrap();
        let context = RunnerContext {
            projection: "test",
            topic: kafka.topic_events.clone(),
            stored: Arc::default(),
            metrics: ProjectorMetrics::new(&Telemetry::new().registry),
        };
        let consumer: Arc<StreamConsumer<RunnerContext>> = Arc::new(
            kafka
                .client_config(&[("group.id", "test".into()), ("fetch.wait.max.ms", "50".into())])
                .create_with_context(context)
                .unwrap(),
        );
        assign_all(&consumer, &kafka.topic_events, &Offsets::new()).unwrap();
        let args = ProjectArgs { batch_size: 1000, batch_ms: 1, ..ProjectArgs::default() };
        let (wanted, waiting) = tokio::sync::watch::channel(false);

        // The runner is busy: a batch that has its first record is not handed over, however long it takes.
        // (A call that saw no record for half a second ends empty; the broker may need that long at first.)
        let mut attempts = 0;
        let pending = loop {
            attempts += 1;
            assert!(attempts <= 20, "no record reached the consumer");
            let (consumer, codec, args, mut waiting) = (consumer.clone(), codec.clone(), args.clone(), waiting.clone());
            let task = tokio::spawn(async move { next_batch(&consumer, &codec, &args, &mut waiting).await });
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if !task.is_finished() {
                break task;
            }
            let (batch, error) = task.await.unwrap();
            assert!(error.is_none(), "{error:?}");
            assert!(
                batch.is_empty(),
                "a batch of {} records ended 1 ms after its first record while the runner was busy",
                batch.len()
            );
        };

        // The runner waits now: the batch comes at once, with every record that arrived meanwhile.
        wanted.send_replace(true);
        let (batch, error) = tokio::time::timeout(Duration::from_secs(5), pending).await.unwrap().unwrap();
        assert!(error.is_none(), "{error:?}");
        assert_eq!(batch.len(), 50, "the held batch kept filling");
    }
}
