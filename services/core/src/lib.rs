//! Plumbing shared by every chatstream role: command-line/env configuration of Kafka and logging,
//! telemetry (tracing + one Prometheus registry per process), the admin server (`/metrics`, `/livez`,
//! `/readyz`), graceful shutdown, and Kafka client setup (topics, producer settings).

pub mod admin;
pub mod embedded_broker;
pub mod kafka;
pub mod shutdown;
pub mod telemetry;

pub use admin::{AdminArgs, Readiness};
pub use embedded_broker::EmbeddedBroker;
pub use kafka::KafkaArgs;
pub use telemetry::{LogArgs, Telemetry};
