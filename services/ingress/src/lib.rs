//! The ingress role: `POST /webhooks/{source_id}` authenticates each delivery on its raw bytes, finds its
//! event type and routing key, and answers 2xx only after Kafka acknowledged the `RawWebhook` record.
//!
//! Data flows one way: [`handler`] → [`sink`] (Kafka) and, for malformed bodies, the dead-letter topic.

pub mod handler;
pub mod metrics;
pub mod request;
pub mod response;
pub mod server;
pub mod sink;

pub use server::{IngressArgs, IngressConfig, IngressServer};
pub use sink::{KafkaSink, SinkError};

/// Version written into every `RawWebhook.ingress_version`.
pub const INGRESS_VERSION: &str = env!("CARGO_PKG_VERSION");
