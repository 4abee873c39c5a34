//! Configuration, wiring and lifecycle of the query role.

use crate::error::{ApiError, ErrorBody};
use crate::metrics::{track, QueryMetrics};
use crate::openapi::{api_routes, openapi_json};
use crate::tokens::{Tokens, TokensError};
use crate::{auth, dashboard};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use chatstream_core::{Readiness, Telemetry};
use chatstream_projector::{ColType, Store, StoreArgs, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Command-line/env options of the query role.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// Public address: the API (`/api/v1/…`), `/openapi.json` and the dashboard (`/`).
    #[arg(long = "listen", env = "CHATSTREAM_QUERY_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// TOML file of bearer tokens, each scoped to tenants (see docs/query.md). Required.
    #[arg(long = "tokens-file", env = "CHATSTREAM_QUERY_TOKENS_FILE")]
    pub tokens_file: Option<PathBuf>,
}

impl QueryArgs {
    /// The tokens of `--tokens-file`; an error when none is given or it holds none.
    pub fn tokens(&self) -> Result<Tokens, TokensError> {
        match &self.tokens_file {
            None => Err(TokensError::NoTokens),
            Some(path) => Tokens::load(path),
        }
    }
}

/// Why the query role cannot start.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Tokens(#[from] TokensError),
    #[error("cannot prepare the analytics views in {url}: {source}")]
    Prepare { url: String, source: StoreError },
    #[error("cannot bind the query port {addr}: {source} (set --listen / CHATSTREAM_QUERY_LISTEN)")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// What every request handler shares.
#[derive(Clone, Debug)]
pub struct QueryState {
    pub store: Store,
    pub tokens: Tokens,
    pub metrics: QueryMetrics,
}

impl QueryState {
    /// State over `store` (already prepared, see [`chatstream_analytics::prepare`]) with `tokens`; registers
    /// the metrics with `registry` (once per registry).
    pub fn new(store: Store, tokens: Tokens, registry: &prometheus::Registry) -> Self {
        Self { store, tokens, metrics: QueryMetrics::new(registry) }
    }
}

/// 404 for paths that are no route, as JSON.
async fn not_found(method: Method, uri: Uri) -> Response {
    ApiError::NotFound(format!("no endpoint {method} {}; the API is described at /openapi.json", uri.path()))
        .into_response()
}

/// 405 for other methods than GET on a route, as JSON.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let body = ErrorBody { error: format!("{method} is not allowed on {}; this API answers GET only", uri.path()) };
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
    response
}

/// The whole public router: `/api/v1/…` behind bearer tokens, `/openapi.json`, and the dashboard.
pub fn app(state: QueryState) -> Router {
    let api = api_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .merge(api)
        .route("/openapi.json", get(openapi_json))
        .merge(dashboard::router())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), track))
        .with_state(state)
}

/// A running query role.
pub struct QueryServer {
    /// The bound public address.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl QueryServer {
    /// Prepares the analytics views, binds `listen` and serves until `stop`. Refuses to start without
    /// tokens. `/readyz` follows a periodic store probe.
    pub async fn start(
        listen: SocketAddr,
        store: Store,
        tokens: Tokens,
        telemetry: &Telemetry,
        readiness: Readiness,
        stop: CancellationToken,
    ) -> Result<QueryServer, QueryError> {
        if tokens.is_empty() {
            return Err(QueryError::Tokens(TokensError::NoTokens));
        }
        chatstream_analytics::prepare(&store)
            .await
            .map_err(|source| QueryError::Prepare { url: store.url_for_humans().to_string(), source })?;
        spawn_store_probe(store.clone(), readiness, stop.clone());
        let listener =
            tokio::net::TcpListener::bind(listen).await.map_err(|source| QueryError::Bind { addr: listen, source })?;
        let addr = listener.local_addr().map_err(|source| QueryError::Bind { addr: listen, source })?;
        let state = QueryState::new(store, tokens, &telemetry.registry);
        let tokens = state.tokens.len();
        let router = app(state);
        let handle = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move { stop.cancelled().await });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "the query server failed");
            }
        });
        tracing::info!(%addr, tokens, "query role listening (API /api/v1, /openapi.json, dashboard /)");
        Ok(QueryServer { addr, handle })
    }

    /// Waits until the server has stopped (after `stop` was cancelled and requests in flight finished).
    pub async fn wait(self) {
        let _ = self.handle.await;
    }
}

/// Keeps the `store` readiness check current: a trivial read every 5 s.
fn spawn_store_probe(store: Store, readiness: Readiness, stop: CancellationToken) {
    // Hourly at a 5 s probe interval: the projections keep growing the tables the views read.
    const STATISTICS_EVERY_PROBES: u64 = 720;
    tokio::spawn(async move {
        let mut probes = 0u64;
        loop {
            let outcome = async {
                let mut tx = store.begin_read().await?;
                tx.fetch("SELECT CAST(1 AS BIGINT)", &[], &[ColType::Int]).await?;
                tx.commit().await
            }
            .await
            .map_err(|e: StoreError| format!("store not reachable: {e}"));
            if let Err(why) = &outcome {
                tracing::warn!(reason = %why, "/readyz answers 503");
            }
            readiness.set("store", outcome);
            probes += 1;
            if probes.is_multiple_of(STATISTICS_EVERY_PROBES) {
                if let Err(e) = chatstream_analytics::refresh_statistics(&store).await {
                    tracing::warn!(error = %e, "could not refresh the store's planner statistics; retrying in an hour");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    });
}
