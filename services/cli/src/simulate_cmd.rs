//! `chatstream simulate`: realistic signed traffic for all four platforms, with a report.

use chatstream_simulate::driver::{self, Counters, Live};
use chatstream_simulate::traffic::{Signers, Traffic};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Options of `chatstream simulate`.
#[derive(clap::Args)]
pub struct SimulateCmd {
    /// Base URL of the ingress (deliveries go to {target}/webhooks/demo-<platform>).
    #[arg(long, env = "CHATSTREAM_SIMULATE_TARGET", default_value = "http://127.0.0.1:8080")]
    target: String,
    /// Deliveries per second; 0 sends as fast as the concurrency allows.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// How long to send, e.g. 30s, 5m (default: until --count or Ctrl-C).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// How many deliveries to send.
    #[arg(long)]
    count: Option<u64>,
    /// Seed: the same seed sends the same sessions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Exit with status 1 if any delivery was not acknowledged.
    #[arg(long)]
    strict: bool,
}

/// Parses `500ms`, `30s`, `5m`, `1h` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| c.is_ascii_alphabetic()).map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: f64 = num.parse().map_err(|_| format!("{s:?} is not a duration (examples: 500ms, 30s, 5m, 1h)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; use ms, s, m or h")),
    };
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(format!("{s:?} is not a valid duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A live, signed-at-send-time delivery stream of the demo sources.
pub fn live_traffic(seed: u64) -> Live<impl Iterator<Item = chatstream_simulate::traffic::SignedDelivery> + Send> {
    let signers = Signers::demo();
    let traffic = Traffic::new(seed, chrono::Utc::now(), 32);
    Live::new(traffic.map(move |d| signers.sign(&d, chrono::Utc::now().timestamp())))
}

impl SimulateCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let opts = driver::DriverOptions {
            target: self.target.clone(),
            rate: (self.rate > 0.0).then_some(self.rate),
            duration: self.duration,
            count: self.count,
            concurrency: self.concurrency,
        };
        eprintln!(
            "simulating LiveChat, Chatwoot, Freshchat and Userlike traffic to {} (seed {}, {})",
            self.target,
            self.seed,
            if self.rate > 0.0 { format!("{} deliveries/s", self.rate) } else { "max rate".into() }
        );
        let counters = Arc::new(Counters::default());
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}").expect("valid template"));
        let watch = {
            let counters = counters.clone();
            let bar = bar.clone();
            tokio::spawn(async move {
                loop {
                    bar.set_message(format!(
                        "sent {} acked {} failed {}",
                        counters.sent.load(Ordering::Relaxed),
                        counters.acked.load(Ordering::Relaxed),
                        counters.failed.load(Ordering::Relaxed)
                    ));
                    bar.tick();
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
        };
        let stop = chatstream_core::shutdown::on_signal();
        let run = driver::run(opts, Arc::new(live_traffic(self.seed)), counters, false);
        let report = tokio::select! {
            r = run => r,
            _ = stop.cancelled() => {
                watch.abort();
                bar.finish_and_clear();
                eprintln!("interrupted");
                return Ok(());
            }
        };
        watch.abort();
        bar.finish_and_clear();
        println!("{}", report.summary());
        if self.strict && report.failed > 0 {
            anyhow::bail!("{} deliveries were not acknowledged", report.failed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
