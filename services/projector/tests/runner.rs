//! The Kafka runner on librdkafka's mock cluster: crashes between the store commit and the Kafka commit and in
//! the middle of a batch leave tables equal to a clean rebuild, nothing is applied twice, poison goes to the
//! dead-letter topic, and a stored offset beyond the topic's end is refused with a way out.

mod common;

use chatstream_core::{EmbeddedBroker, KafkaArgs, Readiness, Telemetry};
use chatstream_projector::testing::{apply_events, dump_projection, fresh_store, TempStore};
use chatstream_projector::{
    offsets, Backend, ProjectArgs, Projection, ProjectorMetrics, Runner, RunnerError, Store, Until,
};
use chatstream_schema::{ChatEvent, Codec};
use common::{events, MessagesPerChat};
use rdkafka::message::Headers;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::Message;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const PARTITIONS: i32 = 3;

struct Setup {
    _broker: EmbeddedBroker,
    kafka: KafkaArgs,
    store: Store,
    _guard: TempStore,
    metrics: ProjectorMetrics,
}

async fn setup(backend: Backend) -> Setup {
    let mut kafka = KafkaArgs::for_brokers("");
    let broker = EmbeddedBroker::start(1, &[&kafka.topic_events, &kafka.topic_deadletter], PARTITIONS).unwrap();
    kafka.brokers = broker.bootstrap_servers().to_string();
    kafka.create_topics = false;
    kafka.topic_partitions = PARTITIONS;
    // A crashed member's partitions move on quickly.
    kafka.properties =
        vec![("session.timeout.ms".into(), "6000".into()), ("heartbeat.interval.ms".into(), "500".into())];
    let (store, guard) = fresh_store(backend).await.unwrap();
    Setup { _broker: broker, kafka, store, _guard: guard, metrics: ProjectorMetrics::new(&Telemetry::new().registry) }
}

/// Produces payloads keyed by chat (so a chat stays in one partition) and waits for the acks.
fn produce(kafka: &KafkaArgs, payloads: &[(String, Vec<u8>)]) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        kafka.client_config(&[("linger.ms", "1".into())]).create().unwrap();
    for (key, payload) in payloads {
        producer.send(BaseRecord::to(&kafka.topic_events).key(key.as_str()).payload(payload.as_slice())).unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

fn encoded(events: &[ChatEvent]) -> Vec<(String, Vec<u8>)> {
    let codec = Codec::<ChatEvent>::single_object();
    events.iter().map(|e| (e.chat_id.clone().unwrap_or_default(), codec.encode(e).unwrap())).collect()
}

fn args() -> ProjectArgs {
    ProjectArgs { batch_size: 7, batch_ms: 5, ..ProjectArgs::default() }
}

async fn runner(s: &Setup) -> Result<Runner, RunnerError> {
    runner_on(s, s.store.clone()).await
}

async fn runner_on(s: &Setup, store: Store) -> Result<Runner, RunnerError> {
    Runner::new(Arc::new(MessagesPerChat), store, &s.kafka, &args(), &s.metrics).await
}

async fn clean_rebuild(all: &[ChatEvent]) -> Vec<(String, Vec<Vec<chatstream_projector::Val>>)> {
    let (store, _guard) = fresh_store(Backend::Sqlite).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(MessagesPerChat);
    apply_events(&store, p.clone(), all, 1000).await.unwrap();
    dump_projection(&store, p.as_ref()).await.unwrap()
}

async fn crashes_leave_what_a_clean_rebuild_gives(backend: Backend) {
    let s = setup(backend).await;
    let all = events();
    produce(&s.kafka, &encoded(&all));

    // Crash 1: right after a batch is committed to the store, before its offsets reach Kafka.
    let first = s.store.reopen().await.unwrap();
    let mut r = runner_on(&s, first.clone()).await.unwrap();
    r.on_progress(|consumed| {
        if consumed >= 14 {
            panic!("simulated crash between the store commit and the Kafka commit");
        }
    });
    let crashed = tokio::spawn(r.run(Readiness::new(), CancellationToken::new(), Until::Shutdown)).await;
    assert!(crashed.is_err(), "the runner task died in the callback");
    first.close().await;
    let after_first = offsets::load_committed(&s.store, "test_messages", &s.kafka.topic_events).await.unwrap();
    assert!(after_first.values().sum::<i64>() >= 14, "{after_first:?}");

    // Crash 2..4: killed at arbitrary moments, in the middle of batches.
    // Each incarnation has its own connections, closed when it dies (as a killed process's would be).
    for delay_ms in [3u64, 11, 29] {
        let store = s.store.reopen().await.unwrap();
        let r = runner_on(&s, store.clone()).await.unwrap();
        let task = tokio::spawn(r.run(Readiness::new(), CancellationToken::new(), Until::Shutdown));
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        task.abort();
        let _ = task.await;
        store.close().await;
    }

    // Restart and finish.
    let stats =
        runner(&s).await.unwrap().run(Readiness::new(), CancellationToken::new(), Until::CaughtUp).await.unwrap();
    assert!(stats.consumed <= all.len() as u64);
    let p = MessagesPerChat;
    assert_eq!(dump_projection(&s.store, &p).await.unwrap(), clean_rebuild(&all).await);
    // The restarts resumed at the stored offsets: no event was delivered to the projection twice.
    let duplicates = s.metrics.events_duplicate.with_label_values(&["test_messages"]).get();
    assert_eq!(duplicates, 0, "events re-applied after a restart");
    let applied = s.metrics.events_applied.with_label_values(&["test_messages"]).get();
    assert_eq!(applied, all.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crashes_leave_what_a_clean_rebuild_gives() {
    crashes_leave_what_a_clean_rebuild_gives(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crashes_leave_what_a_clean_rebuild_gives() {
    crashes_leave_what_a_clean_rebuild_gives(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_events_are_dead_lettered_and_the_partition_moves_on() {
    let s = setup(Backend::Sqlite).await;
    let all = events();
    let mut payloads = encoded(&all[..10]);
    payloads.push(("C0".into(), b"not avro at all".to_vec()));
    payloads.extend(encoded(&all[10..]));
    produce(&s.kafka, &payloads);
    let stats =
        runner(&s).await.unwrap().run(Readiness::new(), CancellationToken::new(), Until::CaughtUp).await.unwrap();
    assert_eq!(stats.dead_lettered, 1);
    assert_eq!(dump_projection(&s.store, &MessagesPerChat).await.unwrap(), clean_rebuild(&all).await);
    let dead = chatstream_core::kafka::read_from_beginning(
        &s.kafka.brokers,
        &s.kafka.topic_deadletter,
        PARTITIONS,
        1,
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].payload(), Some(&b"not avro at all"[..]));
    let header = |name: &str| {
        dead[0].headers().and_then(|h| h.iter().find(|x| x.key == name).and_then(|x| x.value.map(|v| v.to_vec())))
    };
    assert_eq!(header("error.reason").as_deref(), Some(&b"undecodable"[..]));
    assert_eq!(header("error.projection").as_deref(), Some(&b"test_messages"[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_offset_beyond_the_topic_end_is_refused_with_the_reset_advice() {
    let s = setup(Backend::Sqlite).await;
    produce(&s.kafka, &encoded(&events()[..5]));
    chatstream_projector::prepare(&s.store, &MessagesPerChat).await.unwrap();
    let mut tx = s.store.begin().await.unwrap();
    offsets::save(&mut tx, "test_messages", &s.kafka.topic_events, &[(0, 1_000_000)].into_iter().collect())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let err = runner(&s).await.err().expect("refused").to_string();
    assert!(err.contains("--reset"), "{err}");
    assert!(err.contains("partition 0"), "{err}");
    // The explicit choice: empty the projection, then it starts over.
    offsets::truncate(&s.store, &MessagesPerChat).await.unwrap();
    let stats =
        runner(&s).await.unwrap().run(Readiness::new(), CancellationToken::new(), Until::CaughtUp).await.unwrap();
    assert_eq!(stats.consumed, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_store_error_stops_the_runner_without_skipping_anything() {
    let s = setup(Backend::Sqlite).await;
    produce(&s.kafka, &encoded(&events()[..10]));
    chatstream_projector::prepare(&s.store, &MessagesPerChat).await.unwrap();
    // Someone dropped the projection's table by hand: retrying cannot help.
    s.store.execute("DROP TABLE test_chat_messages", &[]).await.unwrap();
    let run = runner(&s).await.unwrap().run(Readiness::new(), CancellationToken::new(), Until::CaughtUp);
    let err = tokio::time::timeout(Duration::from_secs(60), run).await.expect("stopped, not retrying").unwrap_err();
    assert!(matches!(err, RunnerError::Apply { .. }), "{err}");
    assert!(err.to_string().contains("test_chat_messages"), "{err}");
    let stored = offsets::load_committed(&s.store, "test_messages", &s.kafka.topic_events).await.unwrap();
    assert!(stored.is_empty(), "nothing may be marked consumed: {stored:?}");
    assert_eq!(s.metrics.store_retries.with_label_values(&["test_messages"]).get(), 0);
}
