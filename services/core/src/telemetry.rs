//! Logging (tracing, text or JSON) and the process's Prometheus registry.

use prometheus::Registry;
use tracing_subscriber::{fmt, EnvFilter};

/// Logging options shared by every role.
#[derive(clap::Args, Debug, Clone)]
pub struct LogArgs {
    /// Log filter (tracing EnvFilter syntax, e.g. `info,chatstream_ingress=debug`).
    #[arg(long = "log", env = "CHATSTREAM_LOG", default_value = "info", global = true)]
    pub filter: String,
    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long = "log-format", env = "CHATSTREAM_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub format: String,
}

impl LogArgs {
    /// Installs the global tracing subscriber (logs go to stderr). Safe to call once per process.
    pub fn init(&self) {
        let filter = EnvFilter::try_new(&self.filter).unwrap_or_else(|e| {
            eprintln!("CHATSTREAM_LOG={:?} is not a valid filter ({e}); using \"info\"", self.filter);
            EnvFilter::new("info")
        });
        use std::io::IsTerminal;
        let builder =
            fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
        let _ = if self.format == "json" {
            builder.json().flatten_event(true).with_current_span(false).try_init()
        } else {
            builder.compact().try_init()
        };
    }
}

/// The process's single Prometheus registry, with the (unprefixed) process collector.
#[derive(Clone, Debug)]
pub struct Telemetry {
    pub registry: Registry,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    /// A fresh registry with process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`, …).
    pub fn new() -> Self {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        {
            let _ = registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()));
        }
        Self { registry }
    }

    /// The Prometheus text exposition of every registered metric.
    pub fn render(&self) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        let encoder = prometheus::TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Registers a metric with the registry, panicking on a programming error (duplicate or invalid name).
pub fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    registry
        .register(Box::new(metric.clone()))
        .unwrap_or_else(|e| panic!("metric registration failed (a chatstream bug): {e}"));
    metric
}
