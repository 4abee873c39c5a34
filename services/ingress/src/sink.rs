//! The Kafka side of the ingress: produce a record and wait for the broker's acknowledgement, within a
//! deadline, with bounded error reasons.

use crate::metrics::IngressMetrics;
use chatstream_core::kafka::{producer_settings, KafkaArgs};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use std::time::{Duration, Instant};

/// Why a record was not acknowledged.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SinkError {
    #[error("the producer queue is full (Kafka is slower than the incoming rate)")]
    QueueFull,
    #[error("Kafka did not acknowledge within the deadline")]
    Timeout,
    #[error("the record is larger than the broker accepts")]
    TooLarge,
    #[error("Kafka rejected the record: {0}")]
    Broker(String),
}

impl SinkError {
    /// Bounded metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            SinkError::QueueFull => "queue_full",
            SinkError::Timeout => "timeout",
            SinkError::TooLarge => "too_large",
            SinkError::Broker(_) => "broker",
        }
    }
}

/// Where an acknowledged record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Landed {
    pub partition: i32,
    pub offset: i64,
}

/// A durable, idempotent Kafka producer.
#[derive(Clone)]
pub struct KafkaSink {
    producer: FutureProducer,
    metrics: IngressMetrics,
}

impl KafkaSink {
    /// A producer whose delivery reports normally arrive within `deadline` of the produce call, for records
    /// of up to `max_record_bytes`.
    pub fn new(
        kafka: &KafkaArgs,
        deadline: Duration,
        max_record_bytes: usize,
        metrics: IngressMetrics,
    ) -> Result<Self, KafkaError> {
        let producer: FutureProducer = kafka.client_config(&producer_settings(deadline, max_record_bytes)).create()?;
        Ok(Self { producer, metrics })
    }

    /// Produces one record and waits for the broker's acknowledgement until `deadline`.
    pub async fn send(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        headers: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<Landed, SinkError> {
        let started = Instant::now();
        let mut owned = OwnedHeaders::new_with_capacity(headers.len());
        for (k, v) in headers {
            owned = owned.insert(Header { key: k, value: Some(v.as_bytes()) });
        }
        let record = FutureRecord::to(topic).key(key).payload(payload).headers(owned);
        let result = match self.producer.send_result(record) {
            Err((e, _)) => Err(classify(&e)),
            Ok(delivery) => match tokio::time::timeout_at(deadline.into(), delivery).await {
                Err(_) => Err(SinkError::Timeout),
                Ok(Err(_canceled)) => Err(SinkError::Broker("producer shut down".into())),
                Ok(Ok(Err((e, _)))) => Err(classify(&e)),
                Ok(Ok(Ok(d))) => Ok(Landed { partition: d.partition, offset: d.offset }),
            },
        };
        match &result {
            Ok(_) => self.metrics.produce_seconds.with_label_values(&[topic]).observe(started.elapsed().as_secs_f64()),
            Err(e) => self.metrics.produce_errors.with_label_values(&[e.reason()]).inc(),
        }
        result
    }

    /// Checks that a broker answers a metadata request for `topic` (blocking; run off the async runtime).
    pub fn probe(&self, topic: &str, timeout: Duration) -> Result<(), String> {
        let md = self.producer.client().fetch_metadata(Some(topic), timeout).map_err(|e| match e {
            KafkaError::MetadataFetch(RDKafkaErrorCode::OperationTimedOut) => {
                "no Kafka broker answered (check CHATSTREAM_KAFKA_BROKERS)".to_string()
            }
            other => format!("Kafka metadata request failed: {other}"),
        })?;
        match md.topics().first() {
            Some(t) if t.error().is_none() => Ok(()),
            Some(t) => Err(format!("topic {topic} is not available: {:?}", t.error())),
            None => Err(format!("topic {topic} is not available")),
        }
    }

    /// Waits until every queued record is delivered or `timeout` passes.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout)
    }

    /// Records not yet acknowledged.
    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }
}

fn classify(e: &KafkaError) -> SinkError {
    match e.rdkafka_error_code() {
        Some(RDKafkaErrorCode::QueueFull) => SinkError::QueueFull,
        Some(RDKafkaErrorCode::MessageTimedOut) => SinkError::Timeout,
        Some(RDKafkaErrorCode::MessageSizeTooLarge) => SinkError::TooLarge,
        _ => SinkError::Broker(e.to_string()),
    }
}
