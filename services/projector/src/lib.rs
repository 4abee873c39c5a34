//! The projection runtime (the extension seam): the [`Projection`] trait, the store layer over SQLite and
//! PostgreSQL, the engine that applies events idempotently and order-independently, and the generic Kafka
//! runner with offsets kept in the store.
//!
//! A new projection implements [`Projection`] (its tables with migrations, how events group, and how a
//! group's rows follow from its events) and is registered with the binary; everything else is here.

pub mod bulk;
pub mod chat;
pub mod engine;
mod free;
pub mod metrics;
pub mod offsets;
pub mod projection;
pub mod runner;
mod segment;
pub mod store;
pub mod testing;

pub use engine::{ApplyOutcome, Engine};
pub use metrics::ProjectorMetrics;
pub use projection::{col, Column, Output, Projection, Row, Table};
pub use runner::{prepare, ProjectArgs, RunStats, Runner, RunnerError, Until};
pub use store::{Backend, ColType, Migration, Store, StoreArgs, StoreError, StoreTx, Val};
