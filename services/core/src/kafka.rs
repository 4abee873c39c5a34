//! Kafka client setup shared by every role: connection options, topic creation, producer settings.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// Kafka connection and topic options shared by every role.
#[derive(clap::Args, Debug, Clone)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers (host:port,…).
    #[arg(long = "kafka-brokers", env = "CHATSTREAM_KAFKA_BROKERS", default_value = "localhost:9092")]
    pub brokers: String,
    /// Extra librdkafka properties, `key=value`, repeatable or comma-separated (e.g. security.protocol=SASL_SSL).
    #[arg(long = "kafka-property", env = "CHATSTREAM_KAFKA_PROPERTIES", value_delimiter = ',', value_parser = parse_property, hide_env_values = true)]
    pub properties: Vec<(String, String)>,
    /// Topic of raw webhook deliveries (the system of record).
    #[arg(long = "topic-raw", env = "CHATSTREAM_TOPIC_RAW", default_value = "chatstream.webhooks.raw")]
    pub topic_raw: String,
    /// Topic of canonical events (written by the normalizer).
    #[arg(long = "topic-events", env = "CHATSTREAM_TOPIC_EVENTS", default_value = "chatstream.events")]
    pub topic_events: String,
    /// Dead-letter topic for input that cannot be processed.
    #[arg(long = "topic-deadletter", env = "CHATSTREAM_TOPIC_DEADLETTER", default_value = "chatstream.deadletter")]
    pub topic_deadletter: String,
    /// Partitions of topics chatstream creates.
    #[arg(long = "topic-partitions", env = "CHATSTREAM_TOPIC_PARTITIONS", default_value_t = 6)]
    pub topic_partitions: i32,
    /// Replication factor of topics chatstream creates.
    #[arg(long = "topic-replication", env = "CHATSTREAM_TOPIC_REPLICATION", default_value_t = 1)]
    pub topic_replication: i32,
    /// Create missing topics at start-up (idempotent); `false` when a platform team manages topics.
    #[arg(long = "create-topics", env = "CHATSTREAM_CREATE_TOPICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub create_topics: bool,
    /// Confluent-compatible schema registry URL; when set, values use Confluent framing.
    #[arg(long = "schema-registry-url", env = "CHATSTREAM_SCHEMA_REGISTRY_URL", hide_env_values = true)]
    pub schema_registry_url: Option<String>,
}

fn parse_property(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("Kafka property {s:?} must look like key=value (e.g. security.protocol=SASL_SSL)"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(format!("Kafka property {s:?} has an empty key"));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

impl KafkaArgs {
    /// Options for the given bootstrap servers and defaults everywhere else (tests, `dev`).
    pub fn for_brokers(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            properties: Vec::new(),
            topic_raw: "chatstream.webhooks.raw".into(),
            topic_events: "chatstream.events".into(),
            topic_deadletter: "chatstream.deadletter".into(),
            topic_partitions: 6,
            topic_replication: 1,
            create_topics: true,
            schema_registry_url: None,
        }
    }

    /// A client config with the bootstrap servers and pass-through properties applied last (they win).
    pub fn client_config(&self, extra: &[(&str, String)]) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers);
        cfg.set("client.id", "chatstream");
        for (k, v) in extra {
            cfg.set(*k, v);
        }
        for (k, v) in &self.properties {
            cfg.set(k, v);
        }
        cfg
    }

    /// Creates `topics` if missing (already existing topics are fine).
    pub async fn ensure_topics(&self, topics: &[&str]) -> Result<(), KafkaError> {
        let admin: AdminClient<DefaultClientContext> = self.client_config(&[]).create()?;
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|t| NewTopic::new(t, self.topic_partitions, TopicReplication::Fixed(self.topic_replication)))
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let results = admin.create_topics(&new, &opts).await?;
        for r in results {
            match r {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => {
                    return Err(KafkaError::AdminOp(code)).inspect_err(|_| {
                        tracing::error!(%topic, error = %code, "cannot create topic");
                    })
                }
            }
        }
        Ok(())
    }
}

/// Calls `set(partition, lag)` for each partition of `topic` whose consumer lag librdkafka's statistics know.
pub fn consumer_lag(stats: &rdkafka::Statistics, topic: &str, mut set: impl FnMut(i32, i64)) {
    if let Some(t) = stats.topics.get(topic) {
        for (p, partition) in &t.partitions {
            if *p >= 0 && partition.consumer_lag >= 0 {
                set(*p, partition.consumer_lag);
            }
        }
    }
}

/// Producer settings for durable, ordered, acknowledged writes.
///
/// `acks=all` + idempotence (no duplicates or reordering from internal retries), a small linger for
/// batching, lz4 compression (zstd spent more CPU creating a context per small batch than it saved; pass
/// `compression.type=zstd` to choose it), the `murmur2_random` partitioner (same partitions as JVM clients), and a
/// message timeout below the deadline so a delivery report always arrives before the caller gives up.
///
/// `max_record_bytes` is the largest record the caller will produce; the client-side size limit is raised
/// to fit it (the broker's `max.message.bytes` still applies, to the compressed batch).
pub fn producer_settings(deadline: Duration, max_record_bytes: usize) -> Vec<(&'static str, String)> {
    let deadline_ms = deadline.as_millis() as u64;
    let message_timeout = deadline_ms.saturating_sub(250).max(500);
    vec![
        ("acks", "all".into()),
        ("enable.idempotence", "true".into()),
        ("linger.ms", "2".into()),
        ("compression.type", "lz4".into()),
        ("partitioner", "murmur2_random".into()),
        ("message.timeout.ms", message_timeout.to_string()),
        ("request.timeout.ms", message_timeout.min(30_000).to_string()),
        ("queue.buffering.max.messages", "200000".into()),
        // Bounded well under a pod's memory limit; a full queue answers 503 at once.
        ("queue.buffering.max.kbytes", "65536".into()),
        ("message.max.bytes", max_record_bytes.max(1_000_000).to_string()),
        ("batch.num.messages", "2000".into()),
    ]
}

/// Reads `topic` from the beginning of partitions `0..partitions` until `want` records arrived or `timeout`
/// passed (tools and tests; the consumer commits nothing).
pub fn read_from_beginning(
    brokers: &str,
    topic: &str,
    partitions: i32,
    want: usize,
    timeout: Duration,
) -> Result<Vec<rdkafka::message::OwnedMessage>, KafkaError> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::{Offset, TopicPartitionList};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "chatstream-reader")
        .set("enable.auto.commit", "false")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let until = std::time::Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < want && std::time::Instant::now() < until {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            out.push(m.detach());
        }
    }
    Ok(out)
}

/// Records in `topic` across partitions `0..partitions` (sum of high watermarks minus low watermarks).
pub fn count_records(brokers: &str, topic: &str, partitions: i32) -> Result<i64, KafkaError> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = ClientConfig::new().set("bootstrap.servers", brokers).create()?;
    let mut total = 0;
    for p in 0..partitions {
        let (low, high) = consumer.fetch_watermarks(topic, p, Duration::from_secs(5))?;
        total += high - low;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_parse_and_explain_mistakes() {
        assert_eq!(parse_property("a.b = c=d").unwrap(), ("a.b".into(), "c=d".into()));
        assert!(parse_property("novalue").unwrap_err().contains("key=value"));
        assert!(parse_property("=x").is_err());
    }

    #[test]
    fn message_timeout_is_below_the_deadline() {
        let s = producer_settings(Duration::from_millis(4000), 2_000_000);
        let get = |k: &str| s.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(get("message.timeout.ms"), "3750");
        assert_eq!(get("acks"), "all");
        assert_eq!(get("message.max.bytes"), "2000000");
        assert_eq!(get("enable.idempotence"), "true");
    }

    #[test]
    fn passthrough_properties_win() {
        let mut args = KafkaArgs::for_brokers("b:1");
        args.properties.push(("linger.ms".into(), "50".into()));
        let cfg = args.client_config(&[("linger.ms", "2".into())]);
        assert_eq!(cfg.get("linger.ms"), Some("50"));
        assert_eq!(cfg.get("bootstrap.servers"), Some("b:1"));
    }
}
