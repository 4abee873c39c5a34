//! Component tests of the ingress against librdkafka's in-process mock cluster (real TCP, idempotent
//! producer, fault injection): what lands in Kafka, and what the sender is told.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chatstream_core::{KafkaArgs, Telemetry};
use chatstream_ingress::server::{router, AppState};
use chatstream_ingress::IngressArgs;
use chatstream_platforms::Sources;
use chatstream_schema::{Codec, RawWebhook};
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::Message;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tower::ServiceExt;

const PARTITIONS: i32 = 6;
const SOURCES: &str = r#"
[[source]]
id = "acme-chatwoot"
tenant = "acme"
platform = "chatwoot"
secret = "cw-secret"

[[source]]
id = "acme-livechat"
tenant = "acme"
platform = "livechat"
secret_key = "lc-secret"

[[source]]
id = "acme-userlike"
tenant = "acme"
platform = "userlike"
token = "ul-token"
token_header = "X-Chatstream-Token"
"#;

struct Harness {
    mock: MockCluster<'static, DefaultProducerContext>,
    kafka: KafkaArgs,
    telemetry: Telemetry,
    app: axum::Router,
}

async fn harness(deadline_ms: u64) -> Harness {
    harness_with(deadline_ms, &[]).await
}

async fn harness_with(deadline_ms: u64, properties: &[(&str, &str)]) -> Harness {
    let mock = MockCluster::new(3).unwrap();
    let mut kafka = KafkaArgs::for_brokers(mock.bootstrap_servers());
    kafka.properties = properties.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    kafka.topic_partitions = PARTITIONS;
    kafka.create_topics = false;
    for topic in [&kafka.topic_raw, &kafka.topic_deadletter] {
        mock.create_topic(topic, PARTITIONS, 1).unwrap();
    }
    let telemetry = Telemetry::new();
    let mut args = IngressArgs::local_defaults();
    args.deadline_ms = deadline_ms;
    args.body_limit_bytes = 64 * 1024;
    let sources = Sources::load(None, Some(SOURCES)).unwrap();
    let state = AppState::new(&args, &kafka, sources, &telemetry).await.unwrap();
    Harness { mock, kafka, telemetry, app: router(state) }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn chatwoot_request(body: &[u8]) -> Request<Body> {
    let ts = now();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"cw-secret").unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    Request::post("/webhooks/acme-chatwoot")
        .header("content-type", "application/json")
        .header("x-chatwoot-timestamp", ts.to_string())
        .header("x-chatwoot-signature", format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
        .header("x-chatwoot-delivery", "5e1b8a3c-0000-4000-8000-000000000001")
        .body(Body::from(body.to_vec()))
        .unwrap()
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, HashMap<String, String>, serde_json::Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

struct Landed {
    key: String,
    partition: i32,
    headers: HashMap<String, String>,
    value: Vec<u8>,
}

/// Everything in `topic`, read from the beginning of every partition until `want` records or a timeout.
fn read_topic(kafka: &KafkaArgs, topic: &str, want: usize) -> Vec<Landed> {
    use rdkafka::message::Headers;
    let messages =
        chatstream_core::kafka::read_from_beginning(&kafka.brokers, topic, PARTITIONS, want, Duration::from_secs(15))
            .unwrap();
    messages
        .into_iter()
        .map(|m| Landed {
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            partition: m.partition(),
            headers: m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|hd| {
                            (hd.key.to_string(), String::from_utf8_lossy(hd.value.unwrap_or_default()).into_owned())
                        })
                        .collect()
                })
                .unwrap_or_default(),
            value: m.payload().unwrap_or_default().to_vec(),
        })
        .collect()
}

/// Number of records in `topic`.
fn count(kafka: &KafkaArgs, topic: &str) -> i64 {
    chatstream_core::kafka::count_records(&kafka.brokers, topic, PARTITIONS).unwrap()
}

/// Kafka's default partitioner (murmur2, as in the JVM client), which `murmur2_random` matches for keyed records.
fn java_partition(key: &[u8], partitions: i32) -> i32 {
    let seed: u32 = 0x9747_b28c;
    let m: u32 = 0x5bd1_e995;
    let len = key.len();
    let mut h: u32 = seed ^ (len as u32);
    let mut chunks = key.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(m);
        k ^= k >> 24;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(m);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(m);
    h ^= h >> 15;
    ((h & 0x7fff_ffff) % partitions as u32) as i32
}

#[tokio::test]
async fn acknowledged_webhook_lands_with_key_partition_headers_and_exact_body() {
    let h = harness(4000).await;
    let body =
        br#"{"event":"message_created","id":42,"message_type":"incoming","conversation":{"id":1337},"content":"hi"}"#;
    let (status, _, json) = send(&h.app, chatwoot_request(body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], "accepted");
    let request_id = json["request_id"].as_str().unwrap().to_string();

    let landed = read_topic(&h.kafka, &h.kafka.topic_raw, 1);
    assert_eq!(landed.len(), 1);
    let rec = &landed[0];
    assert_eq!(rec.key, "acme/chatwoot/chat/1337");
    assert_eq!(rec.partition, java_partition(b"acme/chatwoot/chat/1337", PARTITIONS));
    assert_eq!(rec.headers["platform"], "chatwoot");
    assert_eq!(rec.headers["event_type"], "message_created");
    assert_eq!(rec.headers["source"], "acme-chatwoot");
    assert_eq!(rec.headers["traceparent"].len(), 55);
    let raw = Codec::<RawWebhook>::single_object().decode(&rec.value).unwrap();
    assert_eq!(raw.body, body.to_vec(), "stored body must be the exact bytes received");
    assert_eq!(raw.request_id, request_id);
    assert_eq!(raw.tenant, "acme");
    assert_eq!(raw.event_type.as_deref(), Some("message_created"));
    assert!(raw.event_type_documented);
    assert_eq!(raw.verification, "chatwoot_hmac");
    assert!(!raw.body_redacted);
    assert!(raw.headers.iter().any(|(k, v)| k == "x-chatwoot-delivery" && v.ends_with("0001")));
    let now_micros = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64;
    let age = now_micros - raw.received_at_micros;
    assert!((0..60_000_000).contains(&age), "received_at {age} µs ago");
}

#[tokio::test]
async fn records_of_one_chat_share_a_partition_and_keep_their_order() {
    let h = harness(4000).await;
    for i in 0..20 {
        let body = format!(r#"{{"event":"message_created","id":{i},"conversation":{{"id":7}}}}"#);
        assert_eq!(send(&h.app, chatwoot_request(body.as_bytes())).await.0, StatusCode::OK);
    }
    let landed = read_topic(&h.kafka, &h.kafka.topic_raw, 20);
    assert_eq!(landed.len(), 20);
    assert!(landed.iter().all(|r| r.partition == landed[0].partition));
    let codec = Codec::<RawWebhook>::single_object();
    let ids: Vec<i64> = landed
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&codec.decode(&r.value).unwrap().body).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn livechat_secret_is_redacted_before_it_reaches_kafka() {
    let h = harness(4000).await;
    let body = br#"{"webhook_id":"w","secret_key":"lc-secret","action":"routing_status_set","organization_id":"o","payload":{"agent_id":"a@b.c","status":"accepting chats"}}"#;
    let req = Request::post("/webhooks/acme-livechat").body(Body::from(body.to_vec())).unwrap();
    assert_eq!(send(&h.app, req).await.0, StatusCode::OK);
    let landed = read_topic(&h.kafka, &h.kafka.topic_raw, 1);
    assert_eq!(landed[0].key, "acme/livechat/agent/a@b.c");
    let raw = Codec::<RawWebhook>::single_object().decode(&landed[0].value).unwrap();
    assert!(raw.body_redacted);
    let stored = String::from_utf8(raw.body).unwrap();
    assert!(!stored.contains("lc-secret"));
    assert_eq!(stored, String::from_utf8_lossy(body).replace("lc-secret", "redacted"));
}

#[tokio::test]
async fn undocumented_event_type_is_kept_keyed_by_account_and_counted() {
    let h = harness(4000).await;
    let body = br#"{"_type":"chat_session","_event":"translated","conversation_id":5}"#;
    let req = Request::post("/webhooks/acme-userlike")
        .header("x-chatstream-token", "ul-token")
        .body(Body::from(body.to_vec()))
        .unwrap();
    assert_eq!(send(&h.app, req).await.0, StatusCode::OK);
    let landed = read_topic(&h.kafka, &h.kafka.topic_raw, 1);
    assert_eq!(landed[0].key, "acme/userlike/account");
    let raw = Codec::<RawWebhook>::single_object().decode(&landed[0].value).unwrap();
    assert_eq!(raw.event_type.as_deref(), Some("chat_session.translated"));
    assert!(!raw.event_type_documented);
    assert!(raw.headers.iter().all(|(k, _)| k != "x-chatstream-token"), "the token header must not be stored");
    let metrics = h.telemetry.render();
    assert!(metrics.contains("chatstream_ingress_undocumented_events_total{platform=\"userlike\"} 1"), "{metrics}");
    assert!(metrics.contains(
        r#"chatstream_ingress_webhooks_total{event_type="undocumented",outcome="accepted",platform="userlike"} 1"#
    ));
}

#[tokio::test]
async fn malformed_json_gets_400_and_is_kept_in_the_dead_letter_topic() {
    let h = harness(4000).await;
    // LiveChat's own docs sample for chat_transferred has a trailing comma.
    let body = br#"{"webhook_id":"w","secret_key":"lc-secret","action":"chat_transferred","payload":{"chat_id":"X",}}"#;
    let req = Request::post("/webhooks/acme-livechat").body(Body::from(body.to_vec())).unwrap();
    let (status, _, json) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["error"], "malformed");
    assert!(json["message"].as_str().unwrap().contains("not valid JSON"), "{json}");
    let dead = read_topic(&h.kafka, &h.kafka.topic_deadletter, 1);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers["error.stage"], "ingress");
    assert_eq!(dead[0].headers["error.reason"], "malformed_json");
    assert!(dead[0].headers["error.detail"].contains("line 1"), "{:?}", dead[0].headers);
    let raw = Codec::<RawWebhook>::single_object().decode(&dead[0].value).unwrap();
    let stored = String::from_utf8(raw.body).unwrap();
    assert!(!stored.contains("lc-secret"), "secret leaked into the dead-letter topic: {stored}");
    assert_eq!(stored, String::from_utf8_lossy(body).replace("lc-secret", "redacted"));
    assert_eq!(count(&h.kafka, &h.kafka.topic_raw), 0, "nothing may reach the raw topic");
}

#[tokio::test]
async fn rejections_are_clear_json_errors_and_nothing_is_produced() {
    let h = harness(4000).await;
    let body = br#"{"event":"message_created","conversation":{"id":1}}"#;

    let (status, _, json) = send(&h.app, Request::post("/webhooks/nope").body(Body::from(&body[..])).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json["message"].as_str().unwrap().contains("no source \"nope\""), "{json}");

    let mut req = chatwoot_request(body);
    req.headers_mut().insert("x-chatwoot-signature", format!("sha256={}", "0".repeat(64)).parse().unwrap());
    let (status, _, json) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json["error"], "unauthorized");
    assert!(json["message"].as_str().unwrap().contains("signature does not match"), "{json}");

    let big = vec![b' '; 64 * 1024 + 1];
    let (status, _, json) = send(&h.app, chatwoot_request(&big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json["message"].as_str().unwrap().contains("65536"), "{json}");

    // Without Content-Length (chunked), the limit still holds.
    let stream = futures::stream::iter((0..70).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))));
    let req = Request::post("/webhooks/acme-chatwoot").body(Body::from_stream(stream)).unwrap();
    assert_eq!(send(&h.app, req).await.0, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(count(&h.kafka, &h.kafka.topic_raw), 0);
    assert_eq!(count(&h.kafka, &h.kafka.topic_deadletter), 0);
    let metrics = h.telemetry.render();
    assert!(metrics
        .contains(r#"chatstream_ingress_verification_failures_total{platform="chatwoot",reason="bad_credentials"} 1"#));
}

#[tokio::test]
async fn broker_down_gives_503_with_retry_after_within_the_deadline() {
    let h = harness(1500).await;
    // Warm up: one accepted request so the producer knows the cluster.
    let ok = br#"{"event":"message_created","conversation":{"id":1}}"#;
    assert_eq!(send(&h.app, chatwoot_request(ok)).await.0, StatusCode::OK);
    for b in 1..=3 {
        h.mock.broker_down(b).unwrap();
    }
    let started = Instant::now();
    let (status, headers, json) = send(&h.app, chatwoot_request(ok)).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{json}");
    assert_eq!(headers.get("retry-after").map(String::as_str), Some("1"));
    assert!(took <= Duration::from_millis(1500 + 300), "503 took {took:?}, deadline 1500 ms");
    assert!(h.telemetry.render().contains("chatstream_ingress_produce_errors_total"));
}

#[tokio::test]
async fn no_2xx_is_ever_sent_for_a_record_the_broker_does_not_have() {
    let h = harness(1500).await;
    let app = h.app.clone();
    // 120 requests over ~3 s; the brokers go down in the middle and come back later.
    let sender = tokio::spawn(async move {
        let mut replies = Vec::new();
        for i in 0..120 {
            let body = format!(r#"{{"event":"message_created","id":{i},"conversation":{{"id":{}}}}}"#, i % 9);
            let app = app.clone();
            replies.push(tokio::spawn(async move { send(&app, chatwoot_request(body.as_bytes())).await }));
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let mut out = Vec::new();
        for r in replies {
            out.push(r.await.unwrap());
        }
        out
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    for b in 1..=3 {
        h.mock.broker_down(b).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for b in 1..=3 {
        h.mock.broker_up(b).unwrap();
    }
    let replies = sender.await.unwrap();
    // Once the brokers are back, the same producer recovers by itself.
    let mut recovered = false;
    for i in 0..40 {
        let body = format!(r#"{{"event":"message_created","id":{},"conversation":{{"id":3}}}}"#, 1000 + i);
        if send(&h.app, chatwoot_request(body.as_bytes())).await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "the ingress did not recover after the brokers came back");
    let acked: HashSet<String> = replies
        .iter()
        .filter(|(s, _, _)| s.is_success())
        .map(|(_, _, j)| j["request_id"].as_str().unwrap().to_string())
        .collect();
    let unavailable = replies.iter().filter(|(s, _, _)| *s == StatusCode::SERVICE_UNAVAILABLE).count();
    assert!(replies.iter().all(|(s, _, _)| s.is_success() || *s == StatusCode::SERVICE_UNAVAILABLE));
    assert!(
        !acked.is_empty() && unavailable > 0,
        "the test must see both outcomes: {} acked, {unavailable} 503",
        acked.len()
    );

    let total = count(&h.kafka, &h.kafka.topic_raw) as usize;
    let landed = read_topic(&h.kafka, &h.kafka.topic_raw, total);
    let codec = Codec::<RawWebhook>::single_object();
    let stored: HashSet<String> = landed.iter().map(|r| codec.decode(&r.value).unwrap().request_id).collect();
    let missing: Vec<_> = acked.difference(&stored).collect();
    assert!(missing.is_empty(), "{} acknowledged webhooks are not in Kafka: {missing:?}", missing.len());
}

#[tokio::test]
async fn metrics_pass_promtool_and_cover_the_documented_series() {
    let h = harness(4000).await;
    let ok = br#"{"event":"message_created","conversation":{"id":1}}"#;
    assert_eq!(send(&h.app, chatwoot_request(ok)).await.0, StatusCode::OK);
    let _ = send(&h.app, Request::post("/webhooks/nope").body(Body::from(&ok[..])).unwrap()).await;
    let text = h.telemetry.render();
    for series in [
        "chatstream_ingress_webhooks_total",
        "chatstream_ingress_request_duration_seconds_bucket",
        "chatstream_ingress_produce_duration_seconds_bucket",
        "chatstream_ingress_in_flight_requests",
        "process_resident_memory_bytes",
    ] {
        assert!(text.contains(series), "{series} missing from /metrics");
    }
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is needed (Debian package `prometheus`; tests/run installs it)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_body_that_stalls_past_the_deadline_gets_408() {
    let h = harness(800).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
    tx.send(Ok(bytes::Bytes::from_static(b"{\"event\":"))).await.unwrap();
    let body = Body::from_stream(channel_stream(rx));
    let started = Instant::now();
    let req = Request::post("/webhooks/acme-chatwoot").body(body).unwrap();
    let (status, _, json) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{json}");
    assert!(started.elapsed() < Duration::from_millis(800 + 300));
    drop(tx);
    assert_eq!(count(&h.kafka, &h.kafka.topic_raw), 0);
}

fn channel_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn a_full_producer_queue_gives_an_immediate_503() {
    // A queue of one record and a broker that takes 2 s per request: the second concurrent webhook
    // cannot even be queued.
    let h = harness_with(4000, &[("queue.buffering.max.messages", "1")]).await;
    let ok = br#"{"event":"message_created","conversation":{"id":1}}"#;
    assert_eq!(send(&h.app, chatwoot_request(ok)).await.0, StatusCode::OK);
    for b in 1..=3 {
        h.mock.broker_round_trip_time(b, Duration::from_secs(2)).unwrap();
    }
    let first = tokio::spawn({
        let app = h.app.clone();
        async move { send(&app, chatwoot_request(ok)).await.0 }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, headers, json) = send(&h.app, chatwoot_request(ok)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{json}");
    assert!(json["message"].as_str().unwrap().contains("queue is full"), "{json}");
    assert!(headers.contains_key("retry-after"));
    assert!(started.elapsed() < Duration::from_millis(500), "a full queue must not wait for the deadline");
    assert_eq!(first.await.unwrap(), StatusCode::OK, "the queued record is still acknowledged");
    assert!(h.telemetry.render().contains(r#"chatstream_ingress_produce_errors_total{reason="queue_full"} 1"#));
}

#[tokio::test]
async fn broken_bodies_from_unauthenticated_senders_get_401_and_are_not_kept() {
    let h = harness(4000).await;
    // Chatwoot: a forged signature over garbage.
    let mut req = chatwoot_request(b"{not json");
    req.headers_mut().insert("x-chatwoot-signature", format!("sha256={}", "1".repeat(64)).parse().unwrap());
    assert_eq!(send(&h.app, req).await.0, StatusCode::UNAUTHORIZED);
    // LiveChat: a broken body with the wrong secret, and one with none.
    for body in [&br#"{"secret_key":"guess","action":"x",}"#[..], &b"]]]"[..]] {
        let req = Request::post("/webhooks/acme-livechat").body(Body::from(body.to_vec())).unwrap();
        assert_eq!(send(&h.app, req).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(count(&h.kafka, &h.kafka.topic_deadletter), 0, "nothing unauthenticated may be kept");
    // The same broken Chatwoot body, correctly signed, is kept.
    assert_eq!(send(&h.app, chatwoot_request(b"{not json")).await.0, StatusCode::BAD_REQUEST);
    let dead = read_topic(&h.kafka, &h.kafka.topic_deadletter, 1);
    let raw = Codec::<RawWebhook>::single_object().decode(&dead[0].value).unwrap();
    assert_eq!(raw.verification, "chatwoot_hmac");
    assert_eq!(raw.body, b"{not json");
}

#[tokio::test]
async fn a_record_too_large_for_kafka_gets_413_not_an_endless_retry() {
    let h = harness_with(4000, &[("message.max.bytes", "4000")]).await;
    let padding = "x".repeat(8000);
    let body = format!(r#"{{"event":"message_created","conversation":{{"id":1}},"content":"{padding}"}}"#);
    let (status, headers, json) = send(&h.app, chatwoot_request(body.as_bytes())).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    assert!(!headers.contains_key("retry-after"));
    assert!(json["message"].as_str().unwrap().contains("max.message.bytes"), "{json}");
}
