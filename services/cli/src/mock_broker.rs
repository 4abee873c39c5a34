//! `chatstream mock-broker`: the embedded broker as its own process.

use chatstream_core::{shutdown, EmbeddedBroker};

/// Options of `chatstream mock-broker`.
#[derive(clap::Args)]
pub struct MockBrokerCmd {
    /// Number of brokers in the cluster.
    #[arg(long, default_value_t = 1)]
    brokers: i32,
    /// Topics to create (repeatable).
    #[arg(long = "topic", default_values_t = ["chatstream.webhooks.raw".to_string(), "chatstream.deadletter".to_string()])]
    topics: Vec<String>,
    /// Partitions of each topic.
    #[arg(long = "topic-partitions", default_value_t = 6)]
    partitions: i32,
}

impl MockBrokerCmd {
    pub async fn run(self) -> anyhow::Result<()> {
        let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        let broker = EmbeddedBroker::start(self.brokers, &topics, self.partitions).map_err(anyhow::Error::msg)?;
        // First line of stdout: the bootstrap servers (machine-readable for scripts and `bench`).
        crate::say(broker.bootstrap_servers());
        eprintln!("embedded broker ready (in memory; data is lost on exit). Ctrl-C to stop.");
        shutdown::on_signal().cancelled().await;
        drop(broker);
        Ok(())
    }
}
