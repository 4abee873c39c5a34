//! `chatstream bench …`: benchmarks that print numbers. Each target runs in its own process so its peak
//! RSS is its own; the load generator runs in this process.

use crate::simulate_cmd::parse_duration;
use chatstream_simulate::demo;
use chatstream_simulate::driver::{self, Counters, DriverOptions, Pool, Report};
use chatstream_simulate::traffic::{Signers, Traffic};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Benchmarks.
#[derive(clap::Subcommand)]
pub enum BenchCmd {
    /// Ingress throughput, latency and memory against a bare axum endpoint (same traffic, same machine).
    Ingress(IngressBench),
    /// Normalizer throughput on a pre-filled raw topic, next to consume-and-decode and produce-only ceilings.
    Normalize(NormalizeBench),
    /// Projection rebuild throughput on SQLite and PostgreSQL, next to the consume-and-decode ceiling.
    Projections(crate::bench_projections::ProjectionsBench),
    /// End-to-end freshness (webhook received → rows committed) in `chatstream dev` under simulated traffic.
    Freshness(crate::bench_freshness::FreshnessBench),
    /// Query API latency per endpoint on a store built from 1,000,000 simulated events, SQLite and PostgreSQL.
    Query(crate::bench_query::QueryBench),
    /// (internal) A bare axum endpoint that reads the body and answers 200, the ingress's ceiling.
    #[command(hide = true)]
    BareTarget {
        #[arg(long)]
        listen: SocketAddr,
    },
}

/// Options of `chatstream bench normalize`.
#[derive(clap::Args)]
pub struct NormalizeBench {
    /// Raw deliveries in the pre-filled topic.
    #[arg(long, default_value_t = 1_000_000)]
    pub deliveries: usize,
    /// Distinct simulated deliveries, cycled to fill the topic (generation is not what is measured).
    #[arg(long, default_value_t = 50_000)]
    pub distinct: usize,
    /// Partitions of the topics.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
    /// Seed of the traffic.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Options of `chatstream bench ingress`.
#[derive(clap::Args)]
pub struct IngressBench {
    /// Length of each measured phase.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Requests in flight during the max-rate phase (many vendor senders at once).
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Distinct pre-signed deliveries cycled through (signing is not measured).
    #[arg(long, default_value_t = 8000)]
    pool: usize,
    /// Seed of the traffic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl BenchCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        match self {
            BenchCmd::Ingress(b) => b.run().await,
            BenchCmd::Normalize(b) => crate::bench_normalize::run(b).await,
            BenchCmd::Projections(b) => crate::bench_projections::run(b).await,
            BenchCmd::Freshness(b) => crate::bench_freshness::run(b).await,
            BenchCmd::Query(b) => crate::bench_query::run(b).await,
            BenchCmd::BareTarget { listen } => bare_target(listen).await,
        }
    }
}

async fn bare_target(listen: SocketAddr) -> anyhow::Result<()> {
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route(
            "/webhooks/{source_id}",
            post(|body: bytes::Bytes| async move {
                std::hint::black_box(body.len());
                "{\"status\":\"accepted\"}"
            }),
        )
        .route("/readyz", get(|| async { "ready" }));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).with_graceful_shutdown(chatstream_core::shutdown::on_signal().cancelled_owned()).await?;
    Ok(())
}

/// One target's numbers.
struct Measured {
    max: Report,
    at70: Report,
    cpu_us_per_request: f64,
    peak_rss_mb: f64,
}

struct Target {
    name: &'static str,
    child: Child,
    public: SocketAddr,
    admin: SocketAddr,
}

impl Target {
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// CPU time (user + system) the target process has used so far.
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // After the parenthesised command name come fields 3 (state), 4, …; utime is field 14, stime 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let ticks = field(14) + field(15);
        Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
    }

    fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

async fn status_of(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes()).await.ok()?;
    let mut buf = vec![0u8; 64];
    let n = s.read(&mut buf).await.ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.split_whitespace().nth(1)?.parse().ok()
}

async fn wait_ready(t: &Target) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if status_of(t.admin, "/readyz").await == Some(200) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{} did not become ready within 30 s", t.name)
}

fn spawn_broker(exe: &std::path::Path, partitions: i32, topics: &[&str]) -> anyhow::Result<(Child, String)> {
    let mut child = Command::new(exe)
        .args(["mock-broker", "--topic-partitions", &partitions.to_string()])
        .args(topics.iter().flat_map(|t| ["--topic", t]))
        .env("CHATSTREAM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    anyhow::ensure!(!line.trim().is_empty(), "the mock broker printed no bootstrap address");
    Ok((child, line.trim().to_string()))
}

impl IngressBench {
    async fn run(self) -> anyhow::Result<()> {
        let exe = std::env::current_exe()?;
        eprintln!("preparing {} pre-signed deliveries (seed {})…", self.pool, self.seed);
        let signers = Signers::demo();
        let now = chrono::Utc::now();
        let deliveries: Vec<_> =
            Traffic::new(self.seed, now, 64).take(self.pool).map(|d| signers.sign(&d, now.timestamp())).collect();
        let avg_body = deliveries.iter().map(|d| d.body.len()).sum::<usize>() / deliveries.len().max(1);
        let pool = Arc::new(Pool::new(deliveries));

        let (mut broker, bootstrap) = spawn_broker(&exe, 6, &["chatstream.webhooks.raw", "chatstream.deadletter"])?;
        let (public, admin) = (free_addr()?, free_addr()?);
        let ingress = Command::new(&exe)
            .args(["ingress", "--listen", &public.to_string(), "--admin-listen", &admin.to_string()])
            .args(["--kafka-brokers", &bootstrap, "--create-topics", "false", "--sources", &demo::sources_toml()])
            .env("CHATSTREAM_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?;
        let ingress = Target { name: "ingress", child: ingress, public, admin };
        wait_ready(&ingress).await?;
        let ing = self.measure(&ingress, pool.clone()).await;
        ingress.stop();
        let _ = broker.kill();

        let bare_addr = free_addr()?;
        let bare = Command::new(&exe)
            .args(["bench", "bare-target", "--listen", &bare_addr.to_string()])
            .env("CHATSTREAM_LOG", "warn")
            .spawn()?;
        let bare = Target { name: "bare axum", child: bare, public: bare_addr, admin: bare_addr };
        wait_ready(&bare).await?;
        let bar = self.measure(&bare, pool).await;
        bare.stop();

        print_results(&self, avg_body, &ing, &bar);
        Ok(())
    }

    /// Max rate (closed loop), then 70 % of it (open loop).
    async fn measure(&self, target: &Target, pool: Arc<Pool>) -> Measured {
        let base = format!("http://{}", target.public);
        let opts = |rate: Option<f64>, duration: Duration| DriverOptions {
            target: base.clone(),
            rate,
            duration: Some(duration),
            count: None,
            concurrency: if rate.is_some() { 1024 } else { self.concurrency },
        };
        eprintln!("{}: warming up…", target.name);
        driver::run(opts(None, Duration::from_secs(2)), pool.clone(), Arc::new(Counters::default()), false).await;
        eprintln!("{}: max rate for {:?}…", target.name, self.duration);
        let cpu_before = target.cpu_time();
        let max = driver::run(opts(None, self.duration), pool.clone(), Arc::new(Counters::default()), false).await;
        let cpu_us_per_request = (target.cpu_time() - cpu_before).as_micros() as f64 / max.acked.max(1) as f64;
        let rate = (max.acked_per_second() * 0.7).max(1.0);
        eprintln!("{}: {:.0}/s (70 %) for {:?}…", target.name, rate, self.duration);
        let at70 = driver::run(opts(Some(rate), self.duration), pool, Arc::new(Counters::default()), false).await;
        Measured { max, at70, cpu_us_per_request, peak_rss_mb: target.peak_rss_mb() }
    }
}

fn print_results(b: &IngressBench, avg_body: usize, ing: &Measured, bare: &Measured) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nchatstream bench ingress: {cores} cores, load generator and broker on the same machine, {} s per phase, \
         concurrency {}, {} distinct deliveries (avg {avg_body} B), all four platforms",
        b.duration.as_secs(),
        b.concurrency,
        b.pool
    );
    println!(
        "{:<30} {:>9} {:>8} {:>8} {:>9} {:>7} {:>12} {:>10}",
        "", "acked/s", "p50 ms", "p99 ms", "p99.9 ms", "failed", "CPU µs/req", "peak RSS"
    );
    let row = |label: String, r: &Report, m: &Measured| {
        println!(
            "{label:<30} {:>9.0} {:>8.2} {:>8.2} {:>9.2} {:>7} {:>12.1} {:>7.1} MB",
            r.acked_per_second(),
            r.latency_ms(0.5),
            r.latency_ms(0.99),
            r.latency_ms(0.999),
            r.failed,
            m.cpu_us_per_request,
            m.peak_rss_mb
        )
    };
    row("max rate  ingress + Kafka".into(), &ing.max, ing);
    row("max rate  bare axum".into(), &bare.max, bare);
    row(format!("70 % rate ingress ({:.0}/s)", ing.max.acked_per_second() * 0.7), &ing.at70, ing);
    row(format!("70 % rate bare ({:.0}/s)", bare.max.acked_per_second() * 0.7), &bare.at70, bare);
    let ratio = ing.max.acked_per_second() / bare.max.acked_per_second().max(1e-9) * 100.0;
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\ngoals:");
    println!("  ingress rate ≥ 60 % of bare           {ratio:.0} %  {}", check(ratio >= 60.0));
    let rate = ing.max.acked_per_second();
    println!("  ≥ 15,000 acknowledged webhooks/s      {rate:.0}/s  {}", check(rate >= 15_000.0));
    let p99 = ing.at70.latency_ms(0.99);
    println!("  p99 ≤ 25 ms at 70 % of max            {p99:.2} ms  {}", check(p99 <= 25.0));
    println!("  ingress peak RSS ≤ 64 MB              {:.1} MB  {}", ing.peak_rss_mb, check(ing.peak_rss_mb <= 64.0));
}
