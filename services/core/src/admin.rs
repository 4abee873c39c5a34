//! The admin server (separate from any public port): `/metrics`, `/livez`, `/readyz`.

use crate::telemetry::Telemetry;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Admin server options.
#[derive(clap::Args, Debug, Clone)]
pub struct AdminArgs {
    /// Address of the admin server (`/metrics`, `/livez`, `/readyz`); keep it off the public network.
    #[arg(long = "admin-listen", env = "CHATSTREAM_ADMIN_LISTEN", default_value = "0.0.0.0:9090")]
    pub admin_listen: SocketAddr,
}

/// Readiness of the process: ready when every named check passes and no shutdown is in progress.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    inner: Arc<ReadinessInner>,
}

#[derive(Debug, Default)]
struct ReadinessInner {
    shutting_down: AtomicBool,
    failing: Mutex<Vec<(&'static str, String)>>,
}

impl Readiness {
    /// A readiness that is ready until a check fails.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the outcome of a named check (`Err` holds why it is not ready).
    pub fn set(&self, check: &'static str, outcome: Result<(), String>) {
        let mut failing = self.inner.failing.lock().unwrap_or_else(|p| p.into_inner());
        failing.retain(|(name, _)| *name != check);
        if let Err(why) = outcome {
            failing.push((check, why));
        }
    }

    /// Marks the process as shutting down: readiness turns 503 for good.
    pub fn shutting_down(&self) {
        self.inner.shutting_down.store(true, Ordering::SeqCst);
    }

    /// `Ok` when ready, else every reason it is not.
    pub fn status(&self) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        if self.inner.shutting_down.load(Ordering::SeqCst) {
            reasons.push("shutting down".to_string());
        }
        let failing = self.inner.failing.lock().unwrap_or_else(|p| p.into_inner());
        reasons.extend(failing.iter().map(|(name, why)| format!("{name}: {why}")));
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }
}

#[derive(Clone)]
struct AdminState {
    telemetry: Telemetry,
    readiness: Readiness,
}

/// The admin routes.
pub fn router(telemetry: Telemetry, readiness: Readiness) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(|| async { (StatusCode::OK, "ok\n") }))
        .route("/readyz", get(readyz))
        .with_state(AdminState { telemetry, readiness })
}

async fn metrics(State(s): State<AdminState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.telemetry.render())
}

async fn readyz(State(s): State<AdminState>) -> impl IntoResponse {
    match s.readiness.status() {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(reasons) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}\n", reasons.join("; "))),
    }
}

/// Binds the admin server and serves it until `shutdown` is cancelled. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    telemetry: Telemetry,
    readiness: Readiness,
    shutdown: CancellationToken,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot bind the admin server to {addr}: {e} (set CHATSTREAM_ADMIN_LISTEN)"),
        )
    })?;
    let bound = listener.local_addr()?;
    let app = router(telemetry, readiness);
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await;
    });
    Ok((bound, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_reports_every_reason() {
        let r = Readiness::new();
        assert!(r.status().is_ok());
        r.set("kafka", Err("no broker reachable".into()));
        r.set("topics", Err("not created".into()));
        assert_eq!(r.status().unwrap_err().len(), 2);
        r.set("kafka", Ok(()));
        assert_eq!(r.status().unwrap_err(), vec!["topics: not created".to_string()]);
        r.set("topics", Ok(()));
        assert!(r.status().is_ok());
        r.shutting_down();
        assert_eq!(r.status().unwrap_err(), vec!["shutting down".to_string()]);
    }
}

#[cfg(test)]
mod http_tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(app: &Router, path: &str) -> (StatusCode, String) {
        let resp = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn readyz_follows_checks_and_shutdown_while_livez_stays_up() {
        let readiness = Readiness::new();
        let app = router(Telemetry::new(), readiness.clone());
        assert_eq!(get(&app, "/readyz").await.0, StatusCode::OK);
        readiness.set("kafka", Err("no broker answered".into()));
        let (status, body) = get(&app, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("kafka: no broker answered"), "{body}");
        readiness.set("kafka", Ok(()));
        readiness.shutting_down();
        assert_eq!(get(&app, "/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(get(&app, "/livez").await.0, StatusCode::OK);
        let (status, metrics) = get(&app, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(metrics.contains("process_cpu_seconds_total"), "process collector must be unprefixed");
    }
}
