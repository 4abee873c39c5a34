//! `chatstream bench projections`: rebuild each projection from a pre-filled events topic of ≥ 1,000,000
//! simulated events, on SQLite and on PostgreSQL, next to the same run's consume-and-decode-only ceiling.

use crate::bench_normalize::{bar, consume_ceiling, produce_all, producer, spawn_tansu};
use crate::project_cmd::{rebuild, select};
use chatstream_core::{KafkaArgs, Telemetry};
use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Sources;
use chatstream_projector::testing::ThrowawayPostgres;
use chatstream_projector::{ProjectArgs, ProjectorMetrics, Store};
use chatstream_schema::{ChatEvent, Codec, Lineage};
use chatstream_simulate::demo;
use chatstream_simulate::traffic::Traffic;

const EVENTS: &str = "chatstream.events";

/// Options of `chatstream bench projections`.
#[derive(clap::Args)]
pub struct ProjectionsBench {
    /// Events in the pre-filled topic (all distinct: simulated sessions, normalised).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Projections to measure (default: all).
    #[arg(long = "projection")]
    pub projections: Vec<String>,
    /// Store backends to measure: sqlite, postgres.
    #[arg(long = "backend", default_values_t = vec!["sqlite".to_string(), "postgres".to_string()])]
    pub backends: Vec<String>,
    /// Measure PostgreSQL on this server (a database `chatstream_bench` is created/emptied in it) instead of
    /// a throw-away cluster, e.g. postgres://postgres@127.0.0.1:5432.
    #[arg(long = "postgres-url")]
    pub postgres_url: Option<String>,
    /// Partitions of the events topic.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
    /// Seed of the traffic.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated sessions in progress at once (how interleaved chats are in the topic).
    #[arg(long = "parallel-sessions", default_value_t = 500)]
    pub parallel_sessions: usize,
}

/// Simulated sessions of all four vendors (the demo tenant), normalised by the real normaliser, until at
/// least `n` canonical events exist; each event goes to `each` with its delivery's routing key. The simulated
/// clock starts at `start` and advances 0–3 s per new session, so 1,000,000 events cover about a day.
pub(crate) fn simulated_events(
    n: usize,
    seed: u64,
    parallel_sessions: usize,
    start: chrono::DateTime<chrono::Utc>,
    mut each: impl FnMut(&str, ChatEvent) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let sources = Sources::load(None, Some(&demo::sources_toml()))?;
    let pb = bar(n as u64, "simulating events");
    let mut count = 0usize;
    for (i, d) in Traffic::new(seed, start, parallel_sessions).enumerate() {
        if count >= n {
            break;
        }
        let raw = d.to_raw_webhook(demo::TENANT, format!("bench-{i}"), start.timestamp_micros() + i as i64 * 1000);
        let lineage = Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: i as i64 };
        let ctx = Context::for_raw(&raw, &sources, lineage)?;
        let Ok(events) = normalize(&ctx, &raw.body) else { continue };
        for e in events {
            each(&raw.routing_key, e)?;
            count += 1;
        }
        if i % 10_000 == 0 {
            pb.set_position(count as u64);
        }
    }
    pb.finish_and_clear();
    Ok(count)
}

/// [`simulated_events`] from 30 days ago as (key, encoded event), for the events topic.
fn encoded_events(b: &ProjectionsBench) -> anyhow::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let codec = Codec::<ChatEvent>::single_object();
    let t0 = chrono::Utc::now() - chrono::Duration::days(30);
    let mut out = Vec::with_capacity(b.events + 16);
    simulated_events(b.events, b.seed, b.parallel_sessions, t0, |key, e| {
        out.push((key.as_bytes().to_vec(), codec.encode(&e)?));
        Ok(())
    })?;
    Ok(out)
}

pub async fn run(b: ProjectionsBench) -> anyhow::Result<()> {
    let projections = select(&b.projections)?;
    eprintln!("simulating sessions until {} events exist…", b.events);
    let events = encoded_events(&b)?;
    let (mut broker, brokers) = spawn_tansu()?;
    let result = async {
        let mut kafka = KafkaArgs::for_brokers(&brokers);
        kafka.topic_partitions = b.partitions;
        kafka.ensure_topics(&[EVENTS, "chatstream.deadletter"]).await?;
        kafka.create_topics = false;
        let p = producer(&brokers)?;
        let pb = bar(events.len() as u64, "pre-filling events topic");
        produce_all(&p, EVENTS, events.len(), &pb, |i| events[i].clone())?;
        let codec = Codec::<ChatEvent>::single_object();
        let ceiling = consume_ceiling(&brokers, EVENTS, events.len(), |payload| codec.decode(payload).map(drop))?;
        let metrics = ProjectorMetrics::new(&Telemetry::new().registry);
        let args = ProjectArgs::default();
        let mut rows = Vec::new();
        for backend in &b.backends {
            let (store, _keep_dir, _keep_pg) =
                bench_store(backend, b.postgres_url.as_deref(), "chatstream_bench").await?;
            for projection in &projections {
                eprintln!("rebuilding {} on {backend}…", projection.name());
                let (consumed, total, streaming) =
                    rebuild(projection.clone(), &store, &kafka, &args, &metrics, true).await?;
                rows.push((projection.name(), backend.clone(), consumed as f64 / streaming.max(1e-9), consumed, total));
            }
            store.close().await;
        }
        Ok::<_, anyhow::Error>((ceiling, rows))
    }
    .await;
    let _ = broker.kill();
    let (ceiling, rows) = result?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nchatstream bench projections: {cores} cores, {} events ({} partitions) in a tansu broker (in-memory) on the same machine",
        events.len(),
        b.partitions
    );
    println!("ceiling (consume + decode only): {ceiling:.0} events/s\n");
    println!("events/s from the first record to the end, like the ceiling; `rebuild s` is the whole command (setup, truncate, join)\n");
    println!("{:<14} {:<10} {:>12} {:>10} {:>10}  goal", "projection", "store", "events/s", "rebuild s", "ceiling");
    let mut all_met = true;
    for (name, backend, rate, _consumed, seconds) in &rows {
        let goal = if backend == "sqlite" { 100_000.0 } else { 50_000.0 };
        let share = rate / ceiling * 100.0;
        let met = *rate >= goal && share >= 50.0;
        all_met &= met;
        println!(
            "{name:<14} {backend:<10} {rate:>12.0} {seconds:>10.1} {share:>9.0}%  ≥ {goal:.0}/s and ≥ 50 %: {}",
            if met { "met" } else { "NOT met" }
        );
    }
    println!("\nall goals {}", if all_met { "met" } else { "NOT met" });
    Ok(())
}

/// A fresh store for a benchmark on `backend`: a temporary SQLite file; on PostgreSQL the database `database`
/// dropped and created anew on `postgres_url`, or a throw-away cluster. The returned guards keep it alive.
pub(crate) async fn bench_store(
    backend: &str,
    postgres_url: Option<&str>,
    database: &str,
) -> anyhow::Result<(Store, Option<tempfile::TempDir>, Option<ThrowawayPostgres>)> {
    Ok(match backend {
        "sqlite" => {
            let dir = tempfile::tempdir()?;
            let store = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await?;
            (store, Some(dir), None)
        }
        "postgres" => match postgres_url {
            Some(server) => {
                let server = server.trim_end_matches('/');
                let admin = Store::connect(&format!("{server}/postgres")).await?;
                admin.execute_autocommit(&format!("DROP DATABASE IF EXISTS {database}")).await?;
                admin.execute_autocommit(&format!("CREATE DATABASE {database}")).await?;
                admin.close().await;
                (Store::connect(&format!("{server}/{database}")).await?, None, None)
            }
            None => {
                let pg = ThrowawayPostgres::start().map_err(anyhow::Error::msg)?;
                let store = Store::connect(&format!("{}/postgres", pg.base_url)).await?;
                (store, None, Some(pg))
            }
        },
        other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
    })
}
