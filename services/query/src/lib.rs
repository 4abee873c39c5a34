//! The `query` role: a JSON/CSV HTTP API over the `analytics` views (bearer tokens scoped to tenants), its
//! OpenAPI document at `/openapi.json`, and the embedded dashboard at `/`.

pub mod dashboard;
