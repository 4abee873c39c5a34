//! An embedded Kafka-protocol broker (librdkafka's mock cluster) on local TCP ports that any Kafka client
//! can use: for `chatstream dev`, benchmarks and tests. Data lives in memory only, and librdkafka keeps at
//! most 100,000 messages or 5 MB per partition (older records are dropped, like retention): fine for trying
//! chatstream out, not for holding a large log (`bench normalize` uses tansu for that).

use std::sync::mpsc;
use std::thread::JoinHandle;

/// A running embedded broker; stopped when dropped.
pub struct EmbeddedBroker {
    bootstrap: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBroker").field("bootstrap", &self.bootstrap).finish()
    }
}

impl EmbeddedBroker {
    /// Starts `brokers` mock brokers and creates `topics` with `partitions` each.
    pub fn start(brokers: i32, topics: &[&str], partitions: i32) -> Result<Self, String> {
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, String>>();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        // The mock cluster handle is not Send: it lives on its own thread until stopped.
        let thread = std::thread::Builder::new()
            .name("embedded-broker".into())
            .spawn(move || {
                let cluster = match rdkafka::mocking::MockCluster::new(brokers) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the embedded broker: {e}")));
                        return;
                    }
                };
                for t in &topics {
                    if let Err(e) = cluster.create_topic(t, partitions, 1) {
                        let _ = ready_tx.send(Err(format!("cannot create topic {t} on the embedded broker: {e}")));
                        return;
                    }
                }
                let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                let _ = stop_rx.recv();
                drop(cluster);
            })
            .map_err(|e| e.to_string())?;
        let bootstrap = ready_rx.recv().map_err(|_| "the embedded broker thread died".to_string())??;
        Ok(Self { bootstrap, stop: Some(stop_tx), thread: Some(thread) })
    }

    /// Bootstrap servers (`127.0.0.1:port,…`).
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
