//! The registry client against a Confluent-compatible HTTP API (an in-process stand-in: no registry
//! server can be installed here), and Confluent framing with the id it returns.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chatstream_schema::{Codec, RawWebhook, RegistryClient, RegistryError};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Registry {
    schemas: Vec<(String, String)>,
    auth_seen: Vec<String>,
}

type Shared = Arc<Mutex<Registry>>;

async fn register(
    State(r): State<Shared>,
    Path(subject): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let mut r = r.lock().unwrap();
    if let Some(a) = headers.get("authorization") {
        r.auth_seen.push(a.to_str().unwrap().to_string());
    }
    if headers.get("content-type").map(|v| v.to_str().unwrap()) != Some("application/vnd.schemaregistry.v1+json") {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    let schema = body["schema"].as_str().ok_or(StatusCode::UNPROCESSABLE_ENTITY)?.to_string();
    // Idempotent like a real registry: the same schema gets the same id.
    let id = match r.schemas.iter().position(|(_, s)| *s == schema) {
        Some(i) => i + 1,
        None => {
            r.schemas.push((subject, schema));
            r.schemas.len()
        }
    };
    Ok(Json(serde_json::json!({ "id": id })))
}

async fn by_id(State(r): State<Shared>, Path(id): Path<usize>) -> Result<Json<serde_json::Value>, StatusCode> {
    let r = r.lock().unwrap();
    let (_, schema) = r.schemas.get(id.wrapping_sub(1)).ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(serde_json::json!({ "schema": schema })))
}

async fn serve() -> (String, Shared) {
    let state: Shared = Arc::default();
    let app = Router::new()
        .route("/subjects/{subject}/versions", post(register))
        .route("/schemas/ids/{id}", get(by_id))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://user:pw@{addr}"), state)
}

#[tokio::test]
async fn registers_fetches_and_frames_with_the_returned_id() {
    let (url, state) = serve().await;
    let client = RegistryClient::new(&url).unwrap();
    let json = chatstream_schema::embedded::RAW_WEBHOOK.json;
    let id = client.register("chatstream.webhooks.raw-value", json).await.unwrap();
    assert_eq!(client.register("chatstream.webhooks.raw-value", json).await.unwrap(), id, "registration is idempotent");
    assert_eq!(client.schema_by_id(id).await.unwrap(), json);
    assert_eq!(state.lock().unwrap().auth_seen[0], "Basic dXNlcjpwdw==");

    let codec = Codec::<RawWebhook>::confluent(id);
    let record = RawWebhook {
        ingress_version: "t".into(),
        request_id: "r".into(),
        source_id: "s".into(),
        tenant: "t".into(),
        platform: "userlike".into(),
        event_type: None,
        event_type_documented: false,
        routing_key: "t/userlike/account".into(),
        received_at_micros: 1,
        headers: vec![],
        verification: "header_token".into(),
        body_redacted: false,
        body: b"{}".to_vec(),
    };
    let bytes = codec.encode(&record).unwrap();
    assert_eq!(bytes[0], 0);
    assert_eq!(u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]), id);
    // A reader that learns the id from the registry decodes it.
    let reader = Codec::<RawWebhook>::single_object();
    assert!(reader.decode(&bytes).is_err());
    let fetched = apache_avro::Schema::parse_str(&client.schema_by_id(id).await.unwrap()).unwrap();
    reader.learn_schema_id(id, &fetched);
    assert_eq!(reader.decode(&bytes).unwrap(), record);
}

#[tokio::test]
async fn registry_errors_are_explained() {
    let (url, _) = serve().await;
    let client = RegistryClient::new(&url).unwrap();
    let err = client.schema_by_id(999).await.unwrap_err();
    assert!(matches!(err, RegistryError::Status { status: 404, .. }), "{err}");
    let dead = RegistryClient::new("http://127.0.0.1:9").unwrap();
    let err = dead.register("x-value", "{}").await.unwrap_err().to_string();
    assert!(err.contains("unreachable"), "{err}");
}
