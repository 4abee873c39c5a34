//! A minimal in-process Confluent-compatible schema registry (register a schema under a subject; look
//! one up by id), for tests and local trials: no registry server can be installed where chatstream's
//! tests run. It speaks the same HTTP API the [`crate::RegistryClient`] uses against a real registry.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::{Arc, Mutex};

/// What the stand-in has seen.
#[derive(Debug, Default)]
pub struct Seen {
    /// `(subject, schema text)` in registration order; the id of entry `i` is `i + 1`.
    pub schemas: Vec<(String, String)>,
    /// `Authorization` headers received.
    pub authorizations: Vec<String>,
}

/// A running stand-in registry.
#[derive(Debug, Clone)]
pub struct StandInRegistry {
    /// Base URL, `http://user:pw@127.0.0.1:<port>`.
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
}

impl StandInRegistry {
    /// Serves a stand-in on an ephemeral local port until the runtime ends.
    pub async fn start() -> std::io::Result<Self> {
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let app = Router::new()
            .route("/subjects/{subject}/versions", post(register))
            .route("/schemas/ids/{id}", get(by_id))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url: format!("http://user:pw@{addr}"), seen })
    }
}

async fn register(
    State(seen): State<Arc<Mutex<Seen>>>,
    Path(subject): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        seen.authorizations.push(a.to_string());
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/vnd.schemaregistry.v1+json") {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let schema = body["schema"].as_str().ok_or(StatusCode::UNPROCESSABLE_ENTITY)?.to_string();
    // Like a real registry: the same schema text gets the same global id.
    let id = match seen.schemas.iter().position(|(_, s)| *s == schema) {
        Some(i) => i + 1,
        None => {
            seen.schemas.push((subject, schema));
            seen.schemas.len()
        }
    };
    Ok(Json(serde_json::json!({ "id": id })))
}

async fn by_id(
    State(seen): State<Arc<Mutex<Seen>>>,
    Path(id): Path<usize>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    let (_, schema) = seen.schemas.get(id.wrapping_sub(1)).ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(serde_json::json!({ "schema": schema })))
}
