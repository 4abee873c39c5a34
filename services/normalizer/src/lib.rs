//! The normalize role: consumes `RawWebhook`s, turns each into 0..n canonical `ChatEvent`s with the
//! vendor normalisers of `chatstream-platforms`, produces them with the raw record's key, and commits a raw
//! offset only after every event it yielded is acknowledged (at least once; event ids are deterministic,
//! so a repeat is harmless). What cannot be decoded or normalised goes to the dead-letter topic unchanged,
//! with its reason; the partition never stalls.

pub mod metrics;
pub mod runner;

pub use runner::{NormalizeArgs, Normalizer};
