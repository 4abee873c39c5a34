//! `chatstream bench freshness`: end-to-end freshness in `chatstream dev` under simulated traffic: from the
//! ingress receiving a webhook to its events committed in each projection's tables, read from the
//! `chatstream_projection_end_to_end_seconds` histogram of a `dev` child process.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Options of `chatstream bench freshness`.
#[derive(clap::Args)]
pub struct FreshnessBench {
    /// Simulated deliveries per second sent to `dev`.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Warm-up before measuring (consumer groups join, caches fill).
    #[arg(long, default_value = "15s", value_parser = crate::simulate_cmd::parse_duration)]
    pub warmup: Duration,
    /// Measured period.
    #[arg(long, default_value = "60s", value_parser = crate::simulate_cmd::parse_duration)]
    pub duration: Duration,
}

/// Cumulative histogram buckets per projection: upper bound → count.
type Buckets = BTreeMap<String, Vec<(f64, f64)>>;

fn scrape(admin: &str) -> anyhow::Result<Buckets> {
    let mut stream = std::net::TcpStream::connect(admin)?;
    use std::io::{Read, Write};
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {admin}\r\n\r\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    let mut out: Buckets = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("chatstream_projection_end_to_end_seconds_bucket{")) {
        let projection = line.split("projection=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
        let le = line.split("le=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
        let le = if le == "+Inf" { f64::INFINITY } else { le.parse()? };
        let count: f64 = line.rsplit(' ').next().unwrap_or("0").parse()?;
        out.entry(projection.to_string()).or_default().push((le, count));
    }
    Ok(out)
}

/// The smallest bucket bound holding `q` of the observations between two scrapes.
fn quantile(before: &[(f64, f64)], after: &[(f64, f64)], q: f64) -> (f64, f64) {
    let delta: Vec<(f64, f64)> =
        after.iter().map(|(le, n)| (*le, n - before.iter().find(|(b, _)| b == le).map_or(0.0, |(_, m)| *m))).collect();
    let total = delta.last().map_or(0.0, |(_, n)| *n);
    let bound = delta.iter().find(|(_, n)| *n >= q * total).map_or(f64::INFINITY, |(le, _)| *le);
    (bound, total)
}

pub async fn run(b: FreshnessBench) -> anyhow::Result<()> {
    let port = |()| -> anyhow::Result<u16> { Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port()) };
    let (public, admin) = (format!("127.0.0.1:{}", port(())?), format!("127.0.0.1:{}", port(())?));
    let dir = tempfile::tempdir()?;
    let mut dev = Command::new(std::env::current_exe()?)
        .args(["dev", "--listen", &public, "--admin-listen", &admin, "--simulate-rate", &b.rate.to_string()])
        .args(["--store-url", &format!("sqlite://{}", dir.path().join("fresh.db").display())])
        .env("CHATSTREAM_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let result = async {
        eprintln!("chatstream dev at {} deliveries/s: warming up {:?}…", b.rate, b.warmup);
        tokio::time::sleep(b.warmup).await;
        let before = scrape(&admin)?;
        eprintln!("measuring {:?}…", b.duration);
        tokio::time::sleep(b.duration).await;
        let after = scrape(&admin)?;
        Ok::<_, anyhow::Error>((before, after))
    }
    .await;
    let _ = dev.kill();
    let _ = dev.wait();
    let (before, after) = result?;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nchatstream bench freshness: {cores} cores, `chatstream dev` (embedded broker, SQLite) with simulated traffic at {} deliveries/s, measured {:?} after {:?} warm-up",
        b.rate, b.duration, b.warmup
    );
    println!("webhook received by the ingress → its events committed in the projection's tables\n");
    println!("{:<14} {:>10} {:>10} {:>10}  goal p99 ≤ 1 s", "projection", "events", "p50 ≤", "p99 ≤");
    let mut all = true;
    for (projection, buckets) in &after {
        let empty = Vec::new();
        let prior = before.get(projection).unwrap_or(&empty);
        let (p50, n) = quantile(prior, buckets, 0.5);
        let (p99, _) = quantile(prior, buckets, 0.99);
        let met = p99 <= 1.0 && n > 0.0;
        all &= met;
        println!("{projection:<14} {n:>10.0} {p50:>9}s {p99:>9}s  {}", if met { "met" } else { "NOT met" });
    }
    println!("\n(bounds are the histogram's bucket bounds: 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5 … s)");
    println!("all goals {}", if all && !after.is_empty() { "met" } else { "NOT met" });
    Ok(())
}
