//! The query role as a server: it refuses to start without tokens, reads a tokens file, prepares the
//! analytics views of an empty store itself, answers over TCP, reports the store in readiness and stops on
//! the shutdown signal.

use chatstream_core::{Readiness, Telemetry};
use chatstream_projector::testing::fresh_store;
use chatstream_projector::{Backend, StoreArgs};
use chatstream_query::{sha256_hex, QueryArgs, QueryServer, Tokens};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

fn args(tokens_file: Option<std::path::PathBuf>) -> QueryArgs {
    QueryArgs {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreArgs { store_url: "sqlite://unused.db".into() },
        tokens_file,
    }
}

#[test]
fn without_tokens_it_refuses_to_start_and_says_how_to_fix_it() {
    let err = args(None).tokens().unwrap_err().to_string();
    assert!(err.contains("no tokens configured"), "{err}");
    assert!(err.contains("CHATSTREAM_QUERY_TOKENS_FILE"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = args(Some(missing.clone())).tokens().unwrap_err().to_string();
    assert!(err.contains(&missing.display().to_string()), "{err}");

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[tokens]]\nname = \"ops\"\nsha256 = \"zz\"\ntenants = [\"acme\"]\n").unwrap();
    let err = args(Some(broken)).tokens().unwrap_err().to_string();
    assert!(err.contains("token #1 (\"ops\"): sha256 must be 64 hex digits"), "{err}");
}

#[test]
fn a_tokens_file_is_read_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.toml");
    let text = format!(
        "# dashboards\n[[tokens]]\nname = \"dashboard-acme\"\nsha256 = \"{}\"\ntenants = [\"acme\"]\n",
        sha256_hex("s3cret")
    );
    std::fs::write(&path, text).unwrap();
    let tokens = args(Some(path)).tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    let who = tokens.authenticate("s3cret").unwrap();
    assert_eq!(&*who.name, "dashboard-acme");
    assert!(who.scope.allows("acme") && !who.scope.allows("globex"));
}

/// `GET path` over a plain TCP connection; returns the status code and the body.
async fn http_get(addr: SocketAddr, path: &str, token: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

async fn the_server_prepares_the_store_serves_and_stops(backend: Backend) {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let telemetry = Telemetry::new();
    let readiness = Readiness::new();
    let stop = CancellationToken::new();
    let server = QueryServer::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        store.clone(),
        Tokens::single("t0ken", ["*"]),
        &telemetry,
        readiness.clone(),
        stop.clone(),
    )
    .await
    .unwrap();
    // An empty store: the views exist (prepared at start) and are empty.
    assert_eq!(http_get(server.addr, "/api/v1/tenants", "t0ken").await, (200, "{\"tenants\":[]}".to_string()));
    let (status, body) = http_get(server.addr, "/api/v1/sessions", "t0ken").await;
    assert_eq!((status, body.as_str()), (200, "{\"items\":[],\"next_cursor\":null}"));
    assert_eq!(http_get(server.addr, "/api/v1/tenants", "wrong").await.0, 401);

    let until = std::time::Instant::now() + Duration::from_secs(10);
    while readiness.status().is_err() {
        assert!(std::time::Instant::now() < until, "not ready: {:?}", readiness.status());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(telemetry.render().contains("chatstream_query_requests_total"));

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), server.wait()).await.expect("stops within 10 s of the signal");
}

mod the_server_prepares_the_store_serves_and_stops {
    #[tokio::test]
    async fn sqlite() {
        super::the_server_prepares_the_store_serves_and_stops(chatstream_projector::Backend::Sqlite).await
    }
    #[tokio::test]
    async fn postgres() {
        super::the_server_prepares_the_store_serves_and_stops(chatstream_projector::Backend::Postgres).await
    }
}
