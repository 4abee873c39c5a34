//! Sends signed deliveries over HTTP, open-loop at a fixed rate or closed-loop as fast as possible, and
//! reports what was acknowledged and how fast.

use crate::traffic::SignedDelivery;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where deliveries come from.
pub trait DeliverySource: Send + Sync + 'static {
    /// The next delivery, signed now; `None` when exhausted.
    fn next(&self) -> Option<SignedDelivery>;
}

/// A fixed pool of pre-signed deliveries, cycled (for load tests where signing must not be measured).
pub struct Pool {
    items: Vec<SignedDelivery>,
    next: AtomicUsize,
}

impl Pool {
    /// A pool over `items` (must not be empty).
    pub fn new(items: Vec<SignedDelivery>) -> Self {
        assert!(!items.is_empty(), "a delivery pool needs at least one delivery");
        Self { items, next: AtomicUsize::new(0) }
    }
}

impl DeliverySource for Pool {
    fn next(&self) -> Option<SignedDelivery> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        Some(self.items[i % self.items.len()].clone())
    }
}

/// Live generation: a traffic stream signed at send time.
pub struct Live<I> {
    inner: Mutex<I>,
}

impl<I> Live<I> {
    /// Wraps an iterator of signed deliveries.
    pub fn new(iter: I) -> Self {
        Self { inner: Mutex::new(iter) }
    }
}

impl<I: Iterator<Item = SignedDelivery> + Send + 'static> DeliverySource for Live<I> {
    fn next(&self) -> Option<SignedDelivery> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).next()
    }
}

/// How to send.
#[derive(Debug, Clone)]
pub struct DriverOptions {
    /// Base URL of the ingress, e.g. `http://127.0.0.1:8080`.
    pub target: String,
    /// Deliveries per second (open loop); `None` sends as fast as `concurrency` allows (closed loop).
    pub rate: Option<f64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop after this many deliveries.
    pub count: Option<u64>,
    /// Requests in flight at most.
    pub concurrency: usize,
}

/// Live counters, readable while the driver runs (progress display).
#[derive(Debug, Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub acked: AtomicU64,
    pub failed: AtomicU64,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sent: u64,
    /// 2xx answers: the ingress says Kafka has them.
    pub acked: u64,
    /// Non-2xx answers and transport errors.
    pub failed: u64,
    /// Answers by HTTP status (0 = transport error).
    pub by_status: BTreeMap<u16, u64>,
    /// Latencies of acknowledged requests, microseconds, sorted.
    pub latencies_us: Vec<u64>,
    pub elapsed: Duration,
    /// Request ids of acknowledged deliveries (from the ingress's JSON answer), when asked for.
    pub acked_request_ids: Vec<String>,
}

impl Report {
    /// Acknowledged deliveries per second.
    pub fn acked_per_second(&self) -> f64 {
        self.acked as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Latency at quantile `q` (0..=1) in milliseconds, over acknowledged requests.
    pub fn latency_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let idx = ((self.latencies_us.len() as f64 - 1.0) * q).round() as usize;
        self.latencies_us[idx.min(self.latencies_us.len() - 1)] as f64 / 1000.0
    }

    /// A human summary.
    pub fn summary(&self) -> String {
        let statuses: Vec<String> = self.by_status.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        format!(
            "sent {} | acked {} | failed {} | {:.0} acked/s over {:.1} s | latency ms p50 {:.2} p90 {:.2} p99 {:.2} p99.9 {:.2} max {:.2} | statuses {{{}}}",
            self.sent,
            self.acked,
            self.failed,
            self.acked_per_second(),
            self.elapsed.as_secs_f64(),
            self.latency_ms(0.5),
            self.latency_ms(0.9),
            self.latency_ms(0.99),
            self.latency_ms(0.999),
            self.latency_ms(1.0),
            statuses.join(", ")
        )
    }
}

#[derive(Default)]
struct Collected {
    by_status: BTreeMap<u16, u64>,
    latencies_us: Vec<u64>,
    acked_ids: Vec<String>,
}

/// Runs the driver to completion.
pub async fn run(
    opts: DriverOptions,
    source: Arc<dyn DeliverySource>,
    counters: Arc<Counters>,
    keep_request_ids: bool,
) -> Report {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(5)));
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(opts.concurrency.max(1)).build(connector);
    let target = opts.target.trim_end_matches('/').to_string();
    let collected = Arc::new(Mutex::new(Collected::default()));
    let started = Instant::now();
    let end = opts.duration.map(|d| started + d);
    let limit = opts.count.unwrap_or(u64::MAX);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let issued = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let interval = opts.rate.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));

    let mut tick: u64 = 0;
    loop {
        if end.is_some_and(|e| Instant::now() >= e) || issued.load(Ordering::Relaxed) >= limit {
            break;
        }
        // Open loop: the request is due at its scheduled time, and latency counts from then
        // (a slow server cannot hide its queueing by slowing the sender down).
        let scheduled = match interval {
            Some(iv) => {
                let due = started + iv.mul_f64(tick as f64);
                tick += 1;
                tokio::time::sleep_until(due.into()).await;
                due
            }
            None => Instant::now(),
        };
        let permit = semaphore.clone().acquire_owned().await.expect("semaphore never closes");
        let Some(delivery) = source.next() else { break };
        issued.fetch_add(1, Ordering::Relaxed);
        counters.sent.fetch_add(1, Ordering::Relaxed);
        let client = client.clone();
        let url = format!("{target}{}", delivery.path);
        let collected = collected.clone();
        let counters = counters.clone();
        let begin = if interval.is_some() { scheduled } else { Instant::now() };
        tasks.spawn(async move {
            let outcome = send_one(&client, &url, delivery, keep_request_ids).await;
            let latency = begin.elapsed().as_micros() as u64;
            drop(permit);
            let mut c = collected.lock().unwrap_or_else(|p| p.into_inner());
            let status = outcome.as_ref().map_or(0, |(s, _)| *s);
            *c.by_status.entry(status).or_default() += 1;
            if (200..300).contains(&status) {
                counters.acked.fetch_add(1, Ordering::Relaxed);
                c.latencies_us.push(latency);
                if let Ok((_, Some(id))) = outcome {
                    c.acked_ids.push(id);
                }
            } else {
                counters.failed.fetch_add(1, Ordering::Relaxed);
            }
        });
        // Reap finished requests so the set stays small on long runs.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let c = std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
    let mut latencies_us = c.latencies_us;
    latencies_us.sort_unstable();
    let acked = latencies_us.len() as u64;
    let sent = c.by_status.values().sum();
    Report {
        sent,
        acked,
        failed: sent - acked,
        by_status: c.by_status,
        latencies_us,
        elapsed,
        acked_request_ids: c.acked_ids,
    }
}

async fn send_one(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    d: SignedDelivery,
    want_id: bool,
) -> Result<(u16, Option<String>), String> {
    let mut req = Request::post(url);
    for (k, v) in &d.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.body(Full::new(d.body)).map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(Duration::from_secs(30), client.request(req))
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let id = if want_id {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("request_id").and_then(|r| r.as_str()).map(str::to_string))
    } else {
        None
    };
    Ok((status, id))
}
