//! System test of the whole pipeline as separate processes: `chatstream ingress`, `normalize` and
//! `project all` (SQLite store) against a tansu broker process, simulated traffic of all four platforms, and
//! kill -9 of the normalizer and the projector in the middle of it. After both restart and catch up, every
//! projection's tables must equal a clean `chatstream rebuild` of the same events: nothing lost, nothing
//! applied twice.

mod common;

use chatstream_projector::testing::dump_projection;
use chatstream_projector::{ColType, Store, Val};
use chatstream_simulate::demo;
use chatstream_simulate::driver::{self, Counters, DriverOptions, Live};
use chatstream_simulate::traffic::{Signers, Traffic};
use common::{free_port, http_status, log_file, start_tansu, Killer, LogsOnFailure};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PARTITIONS: i32 = 3;

fn spawn(dir: &Path, log: &str, args: &[&str]) -> Killer {
    let log = log_file(dir, log);
    let child = Command::new(env!("CARGO_BIN_EXE_chatstream"))
        .args(args)
        .env("CHATSTREAM_LOG", "info,librdkafka=warn,rdkafka=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    Killer(child)
}

fn ready(admin: SocketAddr) -> bool {
    http_status(admin, "/readyz") == Some(200)
}

/// Partition assignments the projector processes have logged so far (one per consumer group and rebalance).
fn group_joins(dir: &std::path::Path) -> usize {
    let log = std::fs::read_to_string(dir.join("project.log")).unwrap_or_default();
    log.matches("partitions assigned").count()
}

async fn wait_for(what: &str, secs: u64, mut f: impl AsyncFnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(Instant::now() < until, "{what} did not happen within {secs} s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Events the projections have consumed, summed over projections and partitions.
async fn consumed(store: &Store) -> i64 {
    let rows = store
        .fetch("SELECT COALESCE(SUM(next_offset), 0) FROM projection_offsets", &[], &[ColType::Int])
        .await
        .unwrap_or_default();
    match rows.first().and_then(|r| r.first()) {
        Some(Val::Int(n)) => *n,
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projections_after_kills_equal_a_clean_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let _logs = LogsOnFailure(dir.path(), &["ingress.log", "normalize.log", "project.log", "rebuild.log", "tansu.log"]);
    let kafka_port = free_port();
    let brokers = format!("127.0.0.1:{kafka_port}");
    let _tansu = start_tansu(kafka_port, dir.path());
    let partitions = PARTITIONS.to_string();
    // Killed group members give their partitions back within seconds, not librdkafka's default 45 s.
    let kafka = [
        "--kafka-brokers",
        brokers.as_str(),
        "--topic-partitions",
        partitions.as_str(),
        "--kafka-property",
        "session.timeout.ms=6000,heartbeat.interval.ms=500",
    ];
    let sources = demo::sources_toml();
    let store_url = format!("sqlite://{}", dir.path().join("live.db").display());

    let public: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let admins: Vec<SocketAddr> = (0..3).map(|_| format!("127.0.0.1:{}", free_port()).parse().unwrap()).collect();
    let (public_s, ingress_admin) = (public.to_string(), admins[0].to_string());
    let mut ingress_args = vec!["ingress", "--listen", &public_s, "--admin-listen", &ingress_admin];
    ingress_args.extend(kafka);
    ingress_args.extend(["--sources", &sources]);
    let _ingress = spawn(dir.path(), "ingress.log", &ingress_args);
    let normalize_admin = admins[1].to_string();
    let mut normalize_args = vec!["normalize", "--admin-listen", &normalize_admin, "--sources", &sources];
    normalize_args.extend(kafka);
    let project_admin = admins[2].to_string();
    let mut project_args = vec!["project", "all", "--admin-listen", &project_admin, "--store-url", &store_url];
    project_args.extend(["--batch-ms", "20"]);
    project_args.extend(kafka);

    let mut normalizer = spawn(dir.path(), "normalize.log", &normalize_args);
    wait_for("ingress ready", 60, async || ready(admins[0])).await;
    wait_for("normalizer ready", 60, async || ready(admins[1])).await;
    let mut projector = spawn(dir.path(), "project.log", &project_args);
    wait_for("projector ready", 60, async || ready(admins[2])).await;

    // Traffic, with kill -9 of the normalizer and the projector while it flows.
    let signers = Signers::demo();
    let stream =
        Traffic::new(21, chrono::Utc::now(), 24).map(move |d| signers.sign(&d, chrono::Utc::now().timestamp()));
    let opts = DriverOptions {
        target: format!("http://{public}"),
        rate: Some(60.0), // 10 s of traffic: both projector kills land while it flows
        duration: None,
        count: Some(600),
        concurrency: 32,
    };
    let sending = tokio::spawn(async move {
        driver::run(opts, Arc::new(Live::new(stream)), Arc::new(Counters::default()), true).await
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    projector.kill9();
    tokio::time::sleep(Duration::from_millis(700)).await;
    normalizer.kill9();
    let joined_before = group_joins(dir.path());
    projector = spawn(dir.path(), "project.log", &project_args);
    tokio::time::sleep(Duration::from_millis(800)).await;
    normalizer = spawn(dir.path(), "normalize.log", &normalize_args);
    // The second kill hits a projector that has joined its four consumer groups, not one in the middle of a
    // join: tansu keeps a member killed mid-join and never hands its partitions to the others, so the group
    // stalls for good (seen in 3 of 8 runs on a loaded machine); Kafka would evict it after
    // session.timeout.ms. What this test checks is the store's exactly-once application, not that broker.
    wait_for("restarted projector in its four groups", 60, async || group_joins(dir.path()) >= joined_before + 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    projector.kill9();
    projector = spawn(dir.path(), "project.log", &project_args);
    let report = sending.await.unwrap();
    assert_eq!(report.acked, 600, "every delivery acknowledged: {}", report.summary());

    // Catch up: every projection has consumed the whole events topic, and it stays that way.
    let events_total =
        chatstream_core::kafka::count_records(&brokers, "chatstream.events", PARTITIONS).unwrap() as i64 * 4;
    let live = Store::connect(&store_url).await.unwrap();
    let mut last = (0, 0);
    wait_for("projections caught up with the normalizer", 120, async || {
        let total = chatstream_core::kafka::count_records(&brokers, "chatstream.events", PARTITIONS).unwrap() as i64;
        let now = (consumed(&live).await, total * 4);
        let stable = now == last && now.0 == now.1 && now.1 >= events_total;
        last = now;
        stable
    })
    .await;
    // Only `project` ran against this store: it created the BI views too, and they read its tables.
    let count = |sql: &'static str| {
        let live = &live;
        async move { live.fetch(sql, &[], &[ColType::Int]).await.unwrap() }
    };
    let in_view = count("SELECT COUNT(*) FROM fact_sessions").await;
    assert_eq!(in_view, count("SELECT COUNT(*) FROM sessions").await, "fact_sessions shows every session");
    assert_ne!(in_view, vec![vec![Val::Int(0)]], "the traffic made sessions");
    drop(projector);
    drop(normalizer);

    // A clean rebuild of the same topic into another store.
    let clean_url = format!("sqlite://{}", dir.path().join("clean.db").display());
    let mut rebuild_args = vec!["rebuild", "all", "--store-url", &clean_url];
    rebuild_args.extend(kafka);
    let status = Command::new(env!("CARGO_BIN_EXE_chatstream"))
        .args(&rebuild_args)
        .stderr(Stdio::from(std::fs::File::create(dir.path().join("rebuild.log")).unwrap()))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "rebuild failed");
    let clean = Store::connect(&clean_url).await.unwrap();
    for projection in [
        chatstream_projection_sessions::projection(),
        chatstream_projection_unread::projection(),
        chatstream_projection_availability::projection(),
        chatstream_projection_ratings::projection(),
    ] {
        let after_kills = dump_projection(&live, projection.as_ref()).await.unwrap();
        let rebuilt = dump_projection(&clean, projection.as_ref()).await.unwrap();
        assert!(after_kills.iter().map(|(_, rows)| rows.len()).sum::<usize>() > 0, "{} is empty", projection.name());
        for ((table, a), (_, b)) in after_kills.iter().zip(&rebuilt) {
            assert_eq!(a.len(), b.len(), "{table}: rows after the kills vs a clean rebuild");
            assert!(a == b, "{table}: rows after the kills differ from a clean rebuild");
        }
    }
}
