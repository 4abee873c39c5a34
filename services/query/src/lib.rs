//! The `query` role: a JSON/CSV HTTP API over the `analytics` views (bearer tokens scoped to tenants), its
//! OpenAPI document at `/openapi.json`, and the embedded dashboard at `/`.
//!
//! Requests flow: [`metrics::track`] → router → [`auth::require_token`] (API routes only) → a handler in
//! [`api`] or [`summary`], which reads the views through [`list`] (bound parameters, keyset pages, CSV).

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod error;
pub mod list;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod rows;
pub mod server;
pub mod summary;
pub mod tokens;

pub use error::ApiError;
pub use server::{app, QueryArgs, QueryError, QueryServer, QueryState};
pub use tokens::{new_token, sha256_hex, Principal, TenantScope, Tokens, TokensError};
