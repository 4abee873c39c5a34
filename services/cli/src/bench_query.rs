//! `chatstream bench query`: the query API's latency per endpoint on a store built from 1,000,000 simulated
//! events, on SQLite and on PostgreSQL. The store is filled through the projection engine directly (no
//! Kafka), the API runs in this process on a loopback port, and one keep-alive connection sends every
//! request in turn, as a dashboard or a script would.

use crate::bench_normalize::bar;
use crate::bench_projections::simulated_events;
use anyhow::Context as _;
use bytes::Bytes;
use chatstream_projector::{Backend, Engine, Store};
use chatstream_schema::ChatEvent;
use chatstream_simulate::demo;
use chrono::{DateTime, Duration as TimeDelta, SecondsFormat, Utc};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The latency goal of every endpoint.
const GOAL_P99_MS: f64 = 50.0;
/// The bearer token of the benchmark's client (scoped to the simulated tenant).
const TOKEN: &str = "bench-query-token";

/// Options of `chatstream bench query`.
#[derive(clap::Args)]
pub struct QueryBench {
    /// Simulated events the store is built from (all four projections).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Store backends to measure: sqlite, postgres.
    #[arg(long = "backend", default_values_t = vec!["sqlite".to_string(), "postgres".to_string()])]
    pub backends: Vec<String>,
    /// Measure PostgreSQL on this server (a database `chatstream_bench_query` is created/emptied in it) instead
    /// of a throw-away cluster, e.g. postgres://postgres@127.0.0.1:5432.
    #[arg(long = "postgres-url")]
    pub postgres_url: Option<String>,
    /// Measured requests per endpoint (after a warm-up of a tenth as many, at least 5).
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Seed of the traffic and of the request parameters.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated sessions in progress at once.
    #[arg(long = "parallel-sessions", default_value_t = 500)]
    pub parallel_sessions: usize,
}

/// Every endpoint measured, in the order of the table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Endpoint {
    Tenants,
    Summary,
    Sessions,
    SessionsFiltered,
    SessionsDeepPage,
    SessionsCsv,
    Session,
    Unread,
    UnreadDaily,
    AgentsStatus,
    AvailabilityDaily,
    Ratings,
    CsatByDay,
    CsatByAgent,
}

impl Endpoint {
    const ALL: [Endpoint; 14] = [
        Endpoint::Tenants,
        Endpoint::Summary,
        Endpoint::Sessions,
        Endpoint::SessionsFiltered,
        Endpoint::SessionsDeepPage,
        Endpoint::SessionsCsv,
        Endpoint::Session,
        Endpoint::Unread,
        Endpoint::UnreadDaily,
        Endpoint::AgentsStatus,
        Endpoint::AvailabilityDaily,
        Endpoint::Ratings,
        Endpoint::CsatByDay,
        Endpoint::CsatByAgent,
    ];

    /// The row label: the route and what varies.
    fn label(self) -> &'static str {
        match self {
            Endpoint::Tenants => "/tenants",
            Endpoint::Summary => "/summary (1/7/30 d)",
            Endpoint::Sessions => "/sessions (no filter)",
            Endpoint::SessionsFiltered => "/sessions (filters)",
            Endpoint::SessionsDeepPage => "/sessions (deep cursor)",
            Endpoint::SessionsCsv => "/sessions (CSV)",
            Endpoint::Session => "/sessions/{id} (page)",
            Endpoint::Unread => "/unread",
            Endpoint::UnreadDaily => "/unread/daily",
            Endpoint::AgentsStatus => "/agents/status",
            Endpoint::AvailabilityDaily => "/agents/availability/daily",
            Endpoint::Ratings => "/ratings",
            Endpoint::CsatByDay => "/ratings/csat?by=day",
            Endpoint::CsatByAgent => "/ratings/csat?by=agent",
        }
    }
}

/// What the store holds, learnt through the API before measuring: real ids to ask for.
struct Fixture {
    tenant: String,
    /// First and last `started_at` of the simulated sessions.
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    /// (tenant, platform, chat_id, session_id) of every session.
    sessions: Vec<[String; 4]>,
    /// Cursors of pages after the first few thousand sessions.
    deep_cursors: Vec<String>,
    agents: Vec<String>,
    statuses: Vec<String>,
}

const PLATFORMS: [&str; 4] = ["livechat", "chatwoot", "freshchat", "userlike"];

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Fixture {
    /// A range of 1, 7 or 30 days whose end lies anywhere from the first simulated session to a day after
    /// the last, as `&from=…&to=…`.
    fn range(&self, rng: &mut StdRng) -> String {
        let days = [1, 7, 30][rng.gen_range(0..3)];
        let span = (self.last - self.first + TimeDelta::days(1)).num_seconds().max(1);
        let to = self.first + TimeDelta::seconds(rng.gen_range(0..=span));
        format!("&from={}&to={}", rfc3339(to - TimeDelta::days(days)), rfc3339(to))
    }

    fn pick<'a>(rng: &mut StdRng, items: &'a [String]) -> Option<&'a str> {
        (!items.is_empty()).then(|| items[rng.gen_range(0..items.len())].as_str())
    }

    /// The path (and query) of one request to `endpoint`, with varied realistic parameters; the bool asks
    /// for CSV.
    fn request(&self, endpoint: Endpoint, rng: &mut StdRng) -> (String, bool) {
        let t = &self.tenant;
        let agent = |rng: &mut StdRng| Self::pick(rng, &self.agents).map(|a| format!("&agent={a}")).unwrap_or_default();
        let path = match endpoint {
            Endpoint::Tenants => "/api/v1/tenants".to_string(),
            Endpoint::Summary => format!("/api/v1/summary?tenant={t}{}", self.range(rng)),
            Endpoint::Sessions => "/api/v1/sessions".to_string(),
            Endpoint::SessionsFiltered | Endpoint::SessionsCsv => {
                let mut q = format!("/api/v1/sessions?tenant={t}{}", self.range(rng));
                match rng.gen_range(0..4) {
                    0 => q.push_str(&format!("&platform={}", PLATFORMS[rng.gen_range(0..4)])),
                    1 => q.push_str(&agent(rng)),
                    2 => {
                        if let Some(s) = Self::pick(rng, &self.statuses) {
                            q.push_str(&format!("&status={s}"));
                        }
                    }
                    _ => {}
                }
                if endpoint == Endpoint::SessionsCsv {
                    q.push_str("&limit=1000");
                }
                q
            }
            Endpoint::SessionsDeepPage => match Self::pick(rng, &self.deep_cursors) {
                Some(c) => format!("/api/v1/sessions?tenant={t}&cursor={}", urlencode(c)),
                None => format!("/api/v1/sessions?tenant={t}"),
            },
            Endpoint::Session => {
                let [tenant, platform, chat, session] = &self.sessions[rng.gen_range(0..self.sessions.len())];
                format!(
                    "/api/v1/sessions/{}/{}/{}/{}",
                    urlencode(tenant),
                    urlencode(platform),
                    urlencode(chat),
                    urlencode(session)
                )
            }
            Endpoint::Unread => match rng.gen_range(0..3) {
                0 => format!("/api/v1/unread?tenant={t}&platform={}", PLATFORMS[rng.gen_range(0..4)]),
                _ => format!("/api/v1/unread?tenant={t}"),
            },
            Endpoint::UnreadDaily => format!("/api/v1/unread/daily?tenant={t}{}", self.range(rng)),
            Endpoint::AgentsStatus => format!("/api/v1/agents/status?tenant={t}"),
            Endpoint::AvailabilityDaily => {
                let extra = if rng.gen_bool(0.3) { agent(rng) } else { String::new() };
                format!("/api/v1/agents/availability/daily?tenant={t}{}{extra}", self.range(rng))
            }
            Endpoint::Ratings => {
                let extra = if rng.gen_bool(0.3) { agent(rng) } else { String::new() };
                format!("/api/v1/ratings?tenant={t}{}{extra}", self.range(rng))
            }
            Endpoint::CsatByDay => format!("/api/v1/ratings/csat?by=day&tenant={t}{}", self.range(rng)),
            Endpoint::CsatByAgent => format!("/api/v1/ratings/csat?by=agent&tenant={t}{}", self.range(rng)),
        };
        (path, endpoint == Endpoint::SessionsCsv)
    }
}

/// Percent-encodes everything but unreserved characters (ids and cursors in paths and query strings).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One keep-alive HTTP/1.1 connection to the API.
struct Client {
    addr: SocketAddr,
    sender: SendRequest<Empty<Bytes>>,
}

/// One answer: status, body and the time from sending the request to the last body byte.
struct Answer {
    status: u16,
    body: Bytes,
    took: Duration,
}

impl Client {
    async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "benchmark connection closed");
            }
        });
        Ok(Self { addr, sender })
    }

    async fn get(&mut self, path: &str, csv: bool) -> anyhow::Result<Answer> {
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, self.addr.to_string())
            .header(hyper::header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(hyper::header::ACCEPT, if csv { "text/csv" } else { "application/json" })
            .body(Empty::<Bytes>::new())?;
        self.sender.ready().await.context("the API closed the connection")?;
        let started = Instant::now();
        let response = self.sender.send_request(request).await.with_context(|| format!("GET {path}"))?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.with_context(|| format!("GET {path}: body"))?.to_bytes();
        Ok(Answer { status, body, took: started.elapsed() })
    }

    /// GET `path` as JSON, failing on a non-2xx answer.
    async fn json(&mut self, path: &str) -> anyhow::Result<serde_json::Value> {
        let a = self.get(path, false).await?;
        anyhow::ensure!(
            (200..300).contains(&a.status),
            "GET {path} answered {}: {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
        serde_json::from_slice(&a.body).with_context(|| format!("GET {path}: not JSON"))
    }
}

/// Learns through the API which sessions, cursors, agents and statuses exist.
async fn discover(client: &mut Client) -> anyhow::Result<Fixture> {
    let tenant = demo::TENANT.to_string();
    let mut sessions = Vec::new();
    let mut cursors = Vec::new();
    let mut statuses = std::collections::BTreeSet::new();
    let (mut first, mut last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    let mut cursor: Option<String> = None;
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} listing sessions through the API: {pos}")
            .expect("valid template"),
    );
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/sessions?tenant={tenant}&limit=200&cursor={}", urlencode(c)),
            None => format!("/api/v1/sessions?tenant={tenant}&limit=200"),
        };
        let page = client.json(&path).await?;
        let items = page["items"].as_array().with_context(|| format!("GET {path}: no `items` array"))?;
        for item in items {
            let field = |name: &str| item[name].as_str().map(str::to_string);
            let (Some(t), Some(p), Some(c), Some(s)) =
                (field("tenant"), field("platform"), field("chat_id"), field("session_id"))
            else {
                anyhow::bail!("GET {path}: an item without tenant/platform/chat_id/session_id: {item}");
            };
            sessions.push([t, p, c, s]);
            if let Some(status) = field("status") {
                statuses.insert(status);
            }
            if let Some(started) = item["started_at"].as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()) {
                let started = started.with_timezone(&Utc);
                first = Some(first.map_or(started, |f| f.min(started)));
                last = Some(last.map_or(started, |l| l.max(started)));
            }
        }
        pb.inc(items.len() as u64);
        match page["next_cursor"].as_str() {
            Some(next) => {
                cursors.push(next.to_string());
                cursor = Some(next.to_string());
            }
            None => break,
        }
    }
    pb.finish_and_clear();
    anyhow::ensure!(!sessions.is_empty(), "the API lists no sessions of tenant {tenant}");
    // Pages deeper than the first few a person would click through.
    let deep_cursors = if cursors.len() > 3 { cursors[3..].to_vec() } else { cursors };
    let status = client.json(&format!("/api/v1/agents/status?tenant={tenant}&limit=1000")).await?;
    let mut agents: Vec<String> = status["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["agent_id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    agents.sort();
    agents.dedup();
    let now = Utc::now();
    Ok(Fixture {
        tenant,
        first: first.unwrap_or(now),
        last: last.unwrap_or(now),
        sessions,
        deep_cursors,
        agents,
        statuses: statuses.into_iter().collect(),
    })
}

/// One endpoint's measurements.
struct Row {
    endpoint: Endpoint,
    /// Milliseconds of every measured request.
    latencies_ms: Vec<f64>,
    ok: usize,
    /// The first non-2xx answer: request and answer.
    failure: Option<String>,
}

impl Row {
    /// Nearest-rank percentile.
    fn percentile(&self, q: f64) -> f64 {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }
}

/// Warm-up, then `requests` timed requests to every endpoint in turn.
async fn measure(client: &mut Client, fx: &Fixture, requests: usize, seed: u64) -> anyhow::Result<Vec<Row>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let warmup = (requests / 10).max(5);
    let pb = bar((Endpoint::ALL.len() * (warmup + requests)) as u64, "requests");
    let mut rows = Vec::new();
    for endpoint in Endpoint::ALL {
        pb.set_message(endpoint.label());
        let mut row = Row { endpoint, latencies_ms: Vec::with_capacity(requests), ok: 0, failure: None };
        for i in 0..warmup + requests {
            let (path, csv) = fx.request(endpoint, &mut rng);
            let answer = client.get(&path, csv).await?;
            pb.inc(1);
            if i < warmup {
                continue;
            }
            row.latencies_ms.push(answer.took.as_secs_f64() * 1000.0);
            if (200..300).contains(&answer.status) {
                row.ok += 1;
            } else if row.failure.is_none() {
                let body = String::from_utf8_lossy(&answer.body);
                row.failure =
                    Some(format!("GET {path} → {}: {}", answer.status, body.chars().take(300).collect::<String>()));
            }
        }
        rows.push(row);
    }
    pb.finish_and_clear();
    Ok(rows)
}

/// Applies `events` to every projection through the engine in big batches (like a rebuild, without Kafka),
/// then creates the analytics views.
async fn build_store(store: &Store, events: &[ChatEvent]) -> anyhow::Result<()> {
    for projection in chatstream_analytics::projections() {
        chatstream_projector::prepare(store, projection.as_ref()).await?;
        let name = projection.name();
        let mut engine = Engine::new(projection, 400_000);
        let pb = bar(events.len() as u64, &format!("applying {name}"));
        engine.apply_in_batches(store, events, 50_000, |n| pb.inc(n as u64)).await?;
        pb.finish_and_clear();
        eprintln!("applied {} events to {name} in {:.1} s", events.len(), pb.elapsed().as_secs_f64());
    }
    chatstream_analytics::prepare(store).await?;
    if store.backend() == Backend::Postgres {
        // What autovacuum does shortly after a bulk load; measuring before it ran would measure plans made
        // without statistics.
        store.execute_autocommit("ANALYZE").await?;
    }
    Ok(())
}

/// The query API on a loopback port, in this process, serving `store` to [`TOKEN`] (the simulated tenant).
async fn serve(store: Store, stop: &CancellationToken) -> anyhow::Result<SocketAddr> {
    let tokens = chatstream_query::Tokens::single(TOKEN, [demo::TENANT]);
    let server = chatstream_query::QueryServer::start(
        "127.0.0.1:0".parse()?,
        store,
        tokens,
        &chatstream_core::Telemetry::new(),
        chatstream_core::Readiness::new(),
        stop.clone(),
    )
    .await?;
    Ok(server.addr)
}

struct Measured {
    backend: String,
    sessions: usize,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    rows: Vec<Row>,
}

async fn run_backend(backend: &str, b: &QueryBench, events: &[ChatEvent]) -> anyhow::Result<Measured> {
    let (store, _dir, _pg) =
        crate::bench_projections::bench_store(backend, b.postgres_url.as_deref(), "chatstream_bench_query").await?;
    eprintln!("building the {backend} store from {} events…", events.len());
    build_store(&store, events).await?;
    store.close().await;
    // The API gets its own pool, like a separate `query` process.
    let store = store.reopen().await?;
    let stop = CancellationToken::new();
    let result = async {
        let addr = serve(store.clone(), &stop).await?;
        let mut client = Client::connect(addr).await?;
        let fx = discover(&mut client).await?;
        eprintln!(
            "{backend}: {} sessions from {} to {}, {} agents; measuring {} requests per endpoint…",
            fx.sessions.len(),
            rfc3339(fx.first),
            rfc3339(fx.last),
            fx.agents.len(),
            b.requests
        );
        let rows = measure(&mut client, &fx, b.requests, b.seed).await?;
        Ok::<_, anyhow::Error>(Measured {
            backend: backend.to_string(),
            sessions: fx.sessions.len(),
            first: fx.first,
            last: fx.last,
            rows,
        })
    }
    .await;
    stop.cancel();
    store.close().await;
    result
}

pub async fn run(b: QueryBench) -> anyhow::Result<()> {
    for backend in &b.backends {
        anyhow::ensure!(
            backend == "sqlite" || backend == "postgres",
            "unknown backend {backend:?}: use sqlite or postgres"
        );
    }
    eprintln!("simulating sessions until {} events exist…", b.events);
    let t0 = Utc::now() - TimeDelta::days(30);
    let mut events = Vec::with_capacity(b.events + 16);
    simulated_events(b.events, b.seed, b.parallel_sessions, t0, |_, e| {
        events.push(e);
        Ok(())
    })?;
    let mut results = Vec::new();
    for backend in &b.backends {
        results.push(run_backend(backend, &b, &events).await?);
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nchatstream bench query: {cores} cores, {} events (tenant {}), {} requests per endpoint after a warm-up, \
         one keep-alive connection, API and client in this process",
        events.len(),
        demo::TENANT,
        b.requests
    );
    let mut failures = Vec::new();
    let mut all_met = true;
    for m in &results {
        println!("\n{}: {} sessions started {} … {}", m.backend, m.sessions, rfc3339(m.first), rfc3339(m.last));
        println!(
            "{:<28} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8}  p99 ≤ {GOAL_P99_MS:.0} ms",
            "endpoint", "requests", "2xx", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for row in &m.rows {
            let p99 = row.percentile(0.99);
            let met = p99 <= GOAL_P99_MS;
            all_met &= met;
            println!(
                "{:<28} {:>8} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {}",
                row.endpoint.label(),
                row.latencies_ms.len(),
                row.ok,
                row.percentile(0.5),
                row.percentile(0.9),
                p99,
                row.percentile(1.0),
                if met { "met" } else { "NOT met" }
            );
            if let Some(f) = &row.failure {
                failures.push(format!("{}: {f}", m.backend));
            }
        }
    }
    println!("\nall goals {}", if all_met { "met" } else { "NOT met" });
    anyhow::ensure!(failures.is_empty(), "some requests were not answered with 2xx:\n{}", failures.join("\n"));
    Ok(())
}
