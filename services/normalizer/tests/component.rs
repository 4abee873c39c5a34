//! The normalize role on librdkafka's mock cluster: raw in → events out with the same keys and
//! deterministic ids, poison → dead letter without stalling the partition, and raw offsets committed only
//! after the events are acknowledged (a broker problem pauses it; a restart re-produces the same ids).

use chatstream_core::{KafkaArgs, Readiness, Telemetry};
use chatstream_normalizer::{NormalizeArgs, Normalizer};
use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Sources;
use chatstream_schema::{ChatEvent, Codec, Lineage, RawWebhook};
use chatstream_simulate::demo;
use chatstream_simulate::traffic::Traffic;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const PARTITIONS: i32 = 3;

fn kafka_for(mock: &MockCluster<'static, DefaultProducerContext>) -> KafkaArgs {
    let mut kafka = KafkaArgs::for_brokers(mock.bootstrap_servers());
    kafka.topic_partitions = PARTITIONS;
    kafka.create_topics = false;
    for t in [&kafka.topic_raw, &kafka.topic_events, &kafka.topic_deadletter] {
        mock.create_topic(t, PARTITIONS, 1).unwrap();
    }
    kafka
}

/// `n` simulated deliveries as the ingress would have stored them.
fn raw_records(n: usize) -> Vec<RawWebhook> {
    let t0 = chrono::DateTime::from_timestamp(1_763_700_000, 0).unwrap();
    Traffic::new(5, t0, 16)
        .take(n)
        .enumerate()
        .map(|(i, d)| d.to_raw_webhook(demo::TENANT, format!("req-{i}"), 1_763_700_000_000_000 + i as i64))
        .collect()
}

fn produce_raw(kafka: &KafkaArgs, records: &[(Vec<u8>, Vec<u8>)]) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        ClientConfig::new().set("bootstrap.servers", &kafka.brokers).set("linger.ms", "5").create().unwrap();
    for (key, value) in records {
        producer.send(BaseRecord::to(&kafka.topic_raw).key(key).payload(value)).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

fn encoded(raws: &[RawWebhook]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let codec = Codec::<RawWebhook>::single_object();
    raws.iter().map(|r| (r.routing_key.as_bytes().to_vec(), codec.encode(r).unwrap())).collect()
}

fn demo_sources() -> Sources {
    Sources::load(None, Some(&demo::sources_toml())).unwrap()
}

async fn run_until_caught_up(kafka: &KafkaArgs, group: &str) -> u64 {
    let mut args = NormalizeArgs::local_defaults();
    args.group_id = group.into();
    args.exit_when_caught_up = true;
    let n = Arc::new(Normalizer::new(args, kafka, demo_sources(), &Telemetry::new()).await.unwrap());
    let processed = n.clone().run(Readiness::new(), CancellationToken::new()).await.unwrap();
    n.flush(Duration::from_secs(5));
    processed
}

fn read_all(kafka: &KafkaArgs, topic: &str) -> Vec<rdkafka::message::OwnedMessage> {
    let total = chatstream_core::kafka::count_records(&kafka.brokers, topic, PARTITIONS).unwrap() as usize;
    chatstream_core::kafka::read_from_beginning(&kafka.brokers, topic, PARTITIONS, total, Duration::from_secs(20))
        .unwrap()
}

/// What normalising each raw record directly gives: event id → routing key.
fn expected_events(raws: &[RawWebhook]) -> HashMap<String, String> {
    let sources = demo_sources();
    let mut out = HashMap::new();
    for r in raws {
        let ctx = Context::for_raw(r, &sources, Lineage::default()).unwrap();
        for e in normalize(&ctx, &r.body).unwrap() {
            out.insert(e.event_id, r.routing_key.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_deliveries_become_keyed_events_with_deterministic_ids() {
    let mock = MockCluster::new(1).unwrap();
    let kafka = kafka_for(&mock);
    let raws = raw_records(400);
    produce_raw(&kafka, &encoded(&raws));
    assert_eq!(run_until_caught_up(&kafka, "g1").await, 400);

    let codec = Codec::<ChatEvent>::single_object();
    let produced = read_all(&kafka, &kafka.topic_events);
    let expected = expected_events(&raws);
    let mut seen = HashSet::new();
    for m in &produced {
        let e = codec.decode(m.payload().unwrap()).unwrap();
        let key = String::from_utf8(m.key().unwrap().to_vec()).unwrap();
        assert_eq!(expected.get(&e.event_id), Some(&key), "event {} has an unexpected id or key", e.event_id);
        assert_eq!(e.lineage.topic, kafka.topic_raw);
        assert!(e.tenant == "demo" && !e.source_id.is_empty());
        seen.insert(e.event_id);
    }
    assert_eq!(seen.len(), expected.len(), "every expected event is produced");
    assert_eq!(chatstream_core::kafka::count_records(&kafka.brokers, &kafka.topic_deadletter, PARTITIONS).unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_records_go_to_the_dead_letter_topic_and_the_partition_moves_on() {
    let mock = MockCluster::new(1).unwrap();
    let kafka = kafka_for(&mock);
    let mut raws = raw_records(3);
    let mut not_json = raws[0].clone();
    not_json.body = b"{broken".to_vec();
    not_json.request_id = "poison-json".into();
    let mut records = encoded(&raws[..1]);
    records.push((raws[0].routing_key.clone().into_bytes(), b"not avro at all".to_vec()));
    records.extend(encoded(&[not_json]));
    records.extend(encoded(&raws[1..]));
    // All on one key, so one partition holds good, poison, good.
    for r in &mut records {
        r.0 = b"demo/livechat/chat/ONE".to_vec();
    }
    raws.truncate(3);
    produce_raw(&kafka, &records);
    assert_eq!(run_until_caught_up(&kafka, "g2").await, 5);

    let dead = read_all(&kafka, &kafka.topic_deadletter);
    assert_eq!(dead.len(), 2);
    let reasons: HashSet<String> = dead
        .iter()
        .map(|m| {
            use rdkafka::message::Headers;
            let h: HashMap<String, String> = m
                .headers()
                .unwrap()
                .iter()
                .map(|x| (x.key.to_string(), String::from_utf8_lossy(x.value.unwrap_or_default()).into_owned()))
                .collect();
            assert_eq!(h["error.stage"], "normalize");
            assert!(!h["error.detail"].is_empty());
            assert_eq!(h["source.topic"], kafka.topic_raw);
            h["error.reason"].clone()
        })
        .collect();
    assert_eq!(reasons, HashSet::from(["undecodable".to_string(), "not_json".to_string()]));
    // The poison records are kept unchanged.
    assert!(dead.iter().any(|m| m.payload() == Some(&b"not avro at all"[..])));
    // The good records around them were normalised.
    let events = read_all(&kafka, &kafka.topic_events);
    assert_eq!(
        events.len(),
        expected_events(&raws).len(),
        "events of the records before and after the poison must all be produced"
    );
}

fn committed(kafka: &KafkaArgs, group: &str) -> i64 {
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &kafka.brokers).set("group.id", group).create().unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(&kafka.topic_raw, p);
    }
    let offsets = consumer.committed_offsets(tpl, Duration::from_secs(5)).unwrap();
    offsets.elements().iter().map(|e| if let Offset::Offset(o) = e.offset() { o } else { 0 }).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_are_committed_only_after_the_events_are_acknowledged() {
    let mock = MockCluster::new(1).unwrap();
    let kafka = kafka_for(&mock);
    let raws = raw_records(200);
    produce_raw(&kafka, &encoded(&raws));
    // The events topic is broken: nothing the normalizer produces can be acknowledged.
    mock.topic_error(&kafka.topic_events, RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION).unwrap();
    mock.request_errors(
        rdkafka::types::RDKafkaApiKey::Produce,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS; 500],
    );
    let mut args = NormalizeArgs::local_defaults();
    args.group_id = "g3".into();
    let stop = CancellationToken::new();
    let first = Arc::new(Normalizer::new(args.clone(), &kafka, demo_sources(), &Telemetry::new()).await.unwrap());
    let running = tokio::spawn(first.clone().run(Readiness::new(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(4)).await;
    // Killed between produce and commit: nothing may have been committed.
    stop.cancel();
    running.await.unwrap().unwrap();
    drop(first);
    assert_eq!(committed(&kafka, "g3"), 0, "offsets were committed for events Kafka did not acknowledge");

    // The broker recovers; a restarted normalizer produces every event, with the same ids.
    mock.topic_error(&kafka.topic_events, RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR).unwrap();
    mock.clear_request_errors(rdkafka::types::RDKafkaApiKey::Produce);
    assert_eq!(run_until_caught_up(&kafka, "g3").await, 200);
    let codec = Codec::<ChatEvent>::single_object();
    let ids: HashSet<String> = read_all(&kafka, &kafka.topic_events)
        .iter()
        .map(|m| codec.decode(m.payload().unwrap()).unwrap().event_id)
        .collect();
    let expected: HashSet<String> = expected_events(&raws).into_keys().collect();
    assert!(expected.is_subset(&ids), "{} expected events missing", expected.difference(&ids).count());
    assert!(ids.is_subset(&expected), "events with unexpected ids were produced");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(committed(&kafka, "g3"), 200, "after the acknowledgements every raw offset is committed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_from_start_re_derives_the_same_events_into_a_new_topic() {
    let mock = MockCluster::new(1).unwrap();
    let kafka = kafka_for(&mock);
    mock.create_topic("chatstream.events.v2", PARTITIONS, 1).unwrap();
    let raws = raw_records(150);
    produce_raw(&kafka, &encoded(&raws));
    assert_eq!(run_until_caught_up(&kafka, "live").await, 150);

    let mut args = NormalizeArgs::local_defaults();
    args.group_id = "live".into();
    args.replay_from_start = true;
    args.to_topic = Some("chatstream.events.v2".into());
    args.exit_when_caught_up = true;
    let replay = Arc::new(Normalizer::new(args, &kafka, demo_sources(), &Telemetry::new()).await.unwrap());
    assert_eq!(replay.events_topic(), "chatstream.events.v2");
    // Its own consumer group: the live group's progress does not hide the raw log from the replay.
    assert_eq!(replay.clone().run(Readiness::new(), CancellationToken::new()).await.unwrap(), 150);
    replay.flush(Duration::from_secs(5));

    let codec = Codec::<ChatEvent>::single_object();
    let ids = |topic: &str| -> Vec<String> {
        let mut v: Vec<String> =
            read_all(&kafka, topic).iter().map(|m| codec.decode(m.payload().unwrap()).unwrap().event_id).collect();
        v.sort();
        v
    };
    let (v1, v2) = (ids(&kafka.topic_events), ids("chatstream.events.v2"));
    assert!(!v1.is_empty());
    assert_eq!(v1, v2, "a replay must yield the same events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_records_framed_for_a_schema_registry_are_normalised() {
    use chatstream_schema::registry_stand_in::StandInRegistry;
    let registry = StandInRegistry::start().await.unwrap();
    let mock = MockCluster::new(1).unwrap();
    let mut kafka = kafka_for(&mock);
    kafka.schema_registry_url = Some(registry.url.clone());
    // The ingress registered RawWebhook and wrote Confluent-framed records with that id.
    let client = chatstream_schema::RegistryClient::new(&registry.url).unwrap();
    let id =
        client.register("chatstream.webhooks.raw-value", chatstream_schema::embedded::RAW_WEBHOOK.json).await.unwrap();
    let codec = Codec::<RawWebhook>::confluent(id);
    let raws = raw_records(60);
    let records: Vec<_> = raws.iter().map(|r| (r.routing_key.as_bytes().to_vec(), codec.encode(r).unwrap())).collect();
    assert_eq!(records[0].1[0], 0, "Confluent magic byte");
    produce_raw(&kafka, &records);

    let mut args = NormalizeArgs::local_defaults();
    args.group_id = "registry".into();
    args.exit_when_caught_up = true;
    let n = Arc::new(Normalizer::new(args, &kafka, demo_sources(), &Telemetry::new()).await.unwrap());
    assert_eq!(n.clone().run(Readiness::new(), CancellationToken::new()).await.unwrap(), 60);
    n.flush(Duration::from_secs(5));

    assert_eq!(chatstream_core::kafka::count_records(&kafka.brokers, &kafka.topic_deadletter, PARTITIONS).unwrap(), 0);
    let events = read_all(&kafka, &kafka.topic_events);
    // Events are Confluent-framed with the ChatEvent id the normalizer registered.
    let subjects: Vec<String> = registry.seen.lock().unwrap().schemas.iter().map(|(s, _)| s.clone()).collect();
    assert!(subjects.contains(&"chatstream.events-value".to_string()), "{subjects:?}");
    let reader = Codec::<ChatEvent>::single_object();
    let mut ids = HashSet::new();
    for m in &events {
        let bytes = m.payload().unwrap();
        assert_eq!(bytes[0], 0);
        let schema_id = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        reader.learn_schema_id(schema_id, &chatstream_schema::embedded::CHAT_EVENT.schema);
        ids.insert(reader.decode(bytes).unwrap().event_id);
    }
    let expected: HashSet<String> = expected_events(&raws).into_keys().collect();
    assert_eq!(ids, expected, "the same events as from single-object raw records");
}
