//! `chatstream bench normalize`: the normalizer on a pre-filled raw topic, next to the same run's
//! ceilings (consume and decode only; produce only). The broker runs in its own process.

use crate::bench::NormalizeBench;
use chatstream_core::{KafkaArgs, Readiness, Telemetry};
use chatstream_normalizer::{NormalizeArgs, Normalizer};
use chatstream_platforms::Sources;
use chatstream_schema::{Codec, RawWebhook};
use chatstream_simulate::demo;
use chatstream_simulate::traffic::Traffic;
use indicatif::{ProgressBar, ProgressStyle};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Message};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RAW: &str = "chatstream.webhooks.raw";
const EVENTS: &str = "chatstream.events";
const CEILING: &str = "bench.produce-ceiling";

pub(crate) fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>22} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub(crate) fn producer(brokers: &str) -> anyhow::Result<ThreadedProducer<DefaultProducerContext>> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .set("compression.type", "lz4")
        .create()?)
}

/// Sends `n` records from `next` as fast as the producer queue allows; returns the elapsed time.
pub(crate) fn produce_all(
    p: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    n: usize,
    pb: &ProgressBar,
    mut next: impl FnMut(usize) -> (Vec<u8>, Vec<u8>),
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for i in 0..n {
        let (key, value) = next(i);
        loop {
            match p.send(BaseRecord::to(topic).key(&key).payload(&value)) {
                Ok(()) => break,
                Err((e, _)) if e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) => {
                    p.poll(Duration::from_millis(5));
                }
                Err((e, _)) => anyhow::bail!("producing failed: {e}"),
            }
        }
        if i.is_multiple_of(10_000) {
            pb.set_position(i as u64);
        }
    }
    p.flush(Duration::from_secs(120))?;
    pb.finish_and_clear();
    Ok(started.elapsed())
}

/// A tansu broker process with in-memory storage. librdkafka's mock broker cannot hold the benchmark's
/// data: it keeps at most 100,000 messages or 5 MB per partition.
pub(crate) fn spawn_tansu() -> anyhow::Result<(std::process::Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("tcp://127.0.0.1:{port}");
    let child = std::process::Command::new("tansu")
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot start tansu ({e}); install it: cargo install tansu --locked --features dynostore,libsql"
            )
        })?;
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < until, "tansu did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((child, format!("127.0.0.1:{port}")))
}

/// Reads `topic` from the start with a plain consumer, decoding every record with `decode`, until `n`
/// records arrived: the ceiling a role consuming that topic is compared with. The clock starts at the first
/// record (the consumer-group join is not throughput). Returns records/s.
pub(crate) fn consume_ceiling<E: std::error::Error + Send + Sync + 'static>(
    brokers: &str,
    topic: &str,
    n: usize,
    mut decode: impl FnMut(&[u8]) -> Result<(), E>,
) -> anyhow::Result<f64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("bench-ceiling-{topic}"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()?;
    consumer.subscribe(&[topic])?;
    let pb = bar(n as u64, "consume + decode");
    let waiting_since = Instant::now();
    let mut started = Instant::now();
    let mut decoded = 0usize;
    while decoded < n {
        if let Some(m) = consumer.poll(Duration::from_millis(500)) {
            let m = m?;
            if decoded == 0 {
                started = Instant::now();
            }
            decode(m.payload().unwrap_or_default())?;
            decoded += 1;
            if decoded.is_multiple_of(10_000) {
                pb.set_position(decoded as u64);
            }
        } else if waiting_since.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("consume ceiling stalled at {decoded} of {n} records");
        }
    }
    pb.finish_and_clear();
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

pub async fn run(b: NormalizeBench) -> anyhow::Result<()> {
    let (mut broker, brokers) = spawn_tansu()?;
    let mut kafka = KafkaArgs::for_brokers(&brokers);
    kafka.topic_partitions = b.partitions;
    kafka.ensure_topics(&[RAW, EVENTS, "chatstream.deadletter", CEILING]).await?;
    let result = measure(&b, &brokers).await;
    let _ = broker.kill();
    result
}

async fn measure(b: &NormalizeBench, brokers: &str) -> anyhow::Result<()> {
    // Distinct deliveries as the ingress stores them, cycled to the requested count.
    eprintln!("generating {} distinct simulated deliveries…", b.distinct);
    let codec = Codec::<RawWebhook>::single_object();
    let t0 = chrono::Utc::now();
    let distinct: Vec<(Vec<u8>, RawWebhook)> = Traffic::new(b.seed, t0, 64)
        .take(b.distinct.max(1))
        .enumerate()
        .map(|(i, d)| {
            let raw = d.to_raw_webhook(demo::TENANT, format!("bench-{i}"), t0.timestamp_micros() + i as i64);
            (raw.routing_key.clone().into_bytes(), raw)
        })
        .collect();
    let encoded: Vec<(Vec<u8>, Vec<u8>)> =
        distinct.iter().map(|(k, r)| Ok((k.clone(), codec.encode(r)?))).collect::<anyhow::Result<_>>()?;
    let avg = encoded.iter().map(|(_, v)| v.len()).sum::<usize>() / encoded.len();

    let p = producer(brokers)?;
    let pb = bar(b.deliveries as u64, "pre-filling raw topic");
    let fill = produce_all(&p, RAW, b.deliveries, &pb, |i| encoded[i % encoded.len()].clone())?;
    eprintln!("pre-filled {} deliveries (avg {avg} B) in {:.1} s", b.deliveries, fill.as_secs_f64());

    // Ceiling 1: consume and decode only.
    let consume_rate = consume_ceiling(brokers, RAW, b.deliveries, |payload| codec.decode(payload).map(drop))?;

    // The real thing: the normalizer from the start of the raw topic until it has caught up.
    let mut kafka = KafkaArgs::for_brokers(brokers);
    kafka.create_topics = false;
    kafka.topic_partitions = b.partitions;
    let telemetry = Telemetry::new();
    let mut args = NormalizeArgs::local_defaults();
    args.group_id = "bench-normalizer".into();
    args.exit_when_caught_up = true;
    let sources = Sources::load(None, Some(&demo::sources_toml()))?;
    let normalizer = Arc::new(Normalizer::new(args, &kafka, sources, &telemetry).await.map_err(anyhow::Error::msg)?);
    eprintln!("normalizing {} deliveries…", b.deliveries);
    let started = Instant::now();
    let processed = normalizer
        .clone()
        .run(Readiness::new(), tokio_util::sync::CancellationToken::new())
        .await
        .map_err(anyhow::Error::msg)?;
    normalizer.flush(Duration::from_secs(60));
    let took = started.elapsed().as_secs_f64();
    let events = chatstream_core::kafka::count_records(brokers, EVENTS, b.partitions)? as f64;
    let deliveries_rate = processed as f64 / took;
    let events_rate = events / took;

    // Ceiling 2: produce only, the same number of event-sized records.
    let avg_event = 420usize;
    let payload = vec![7u8; avg_event];
    let pb = bar(events as u64, "produce only");
    let produce_took =
        produce_all(&p, CEILING, events as usize, &pb, |i| (format!("k{}", i % 5000).into_bytes(), payload.clone()))?;
    let produce_rate = events / produce_took.as_secs_f64();

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nchatstream bench normalize: {cores} cores, tansu broker (in-memory storage) in its own process on the same machine, {} deliveries \
         ({} distinct, avg {avg} B), {} partitions",
        b.deliveries, b.distinct, b.partitions
    );
    println!("{:<34} {:>14} {:>14}", "", "deliveries/s", "events/s");
    println!("{:<34} {:>14.0} {:>14}", "ceiling: consume + decode only", consume_rate, "");
    println!("{:<34} {:>14} {:>14.0}", "ceiling: produce only", "", produce_rate);
    println!("{:<34} {:>14.0} {:>14.0}", "normalizer (consume→normalise→produce→commit)", deliveries_rate, events_rate);
    println!(
        "  {processed} deliveries → {events:.0} events in {took:.1} s ({:.2} events per delivery)",
        events / processed.max(1) as f64
    );
    let ceiling = consume_rate.min(produce_rate / (events / processed.max(1) as f64).max(1e-9));
    let share = deliveries_rate / ceiling.max(1e-9) * 100.0;
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\ngoals:");
    println!("  ≥ 50,000 deliveries/s                 {deliveries_rate:.0}/s  {}", check(deliveries_rate >= 50_000.0));
    println!("  ≥ 50 % of the ceiling                 {share:.0} % of {ceiling:.0}/s  {}", check(share >= 50.0));
    Ok(())
}
