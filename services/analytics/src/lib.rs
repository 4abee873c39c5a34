//! The BI contract: a stable, read-only, star-shaped set of views over the projection tables (schema
//! `analytics` on PostgreSQL, the same names in the main schema on SQLite), plus the read-only role
//! `chatstream_analytics` on PostgreSQL. Internal tables may change; these views only change in a
//! backward-compatible way. Every view and column: `docs/analytics.md`.

use chatstream_projector::{prepare as prepare_projection, Backend, Projection, Store, StoreError};
use std::sync::Arc;

/// Every projection compiled into the binary, in registration order.
pub fn projections() -> Vec<Arc<dyn Projection>> {
    vec![
        chatstream_projection_sessions::projection(),
        chatstream_projection_unread::projection(),
        chatstream_projection_availability::projection(),
        chatstream_projection_ratings::projection(),
    ]
}

/// The name to use in SQL for analytics view `name` on `backend`: `analytics.name` on PostgreSQL, `name` on
/// SQLite.
pub fn view(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Postgres => format!("analytics.{name}"),
        Backend::Sqlite => name.to_string(),
    }
}

/// Migrates every projection's tables and then the analytics views (idempotent; safe to run from several
/// roles at once).
pub async fn prepare(store: &Store) -> Result<(), StoreError> {
    for p in projections() {
        prepare_projection(store, p.as_ref()).await?;
    }
    Ok(())
}
