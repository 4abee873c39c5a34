//! The registry client against a Confluent-compatible HTTP API (an in-process stand-in: no registry
//! server can be installed here), and Confluent framing with the id it returns.

use chatstream_schema::registry_stand_in::StandInRegistry;
use chatstream_schema::{Codec, RawWebhook, RegistryClient, RegistryError};

#[tokio::test]
async fn registers_fetches_and_frames_with_the_returned_id() {
    let registry = StandInRegistry::start().await.unwrap();
    let client = RegistryClient::new(&registry.url).unwrap();
    let json = chatstream_schema::embedded::RAW_WEBHOOK.json;
    let id = client.register("chatstream.webhooks.raw-value", json).await.unwrap();
    assert_eq!(client.register("chatstream.webhooks.raw-value", json).await.unwrap(), id, "registration is idempotent");
    assert_eq!(client.schema_by_id(id).await.unwrap(), json);
    assert_eq!(registry.seen.lock().unwrap().authorizations[0], "Basic dXNlcjpwdw==");

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
    let registry = StandInRegistry::start().await.unwrap();
    let client = RegistryClient::new(&registry.url).unwrap();
    let err = client.schema_by_id(999).await.unwrap_err();
    assert!(matches!(err, RegistryError::Status { status: 404, .. }), "{err}");
    let dead = RegistryClient::new("http://127.0.0.1:9").unwrap();
    let err = dead.register("x-value", "{}").await.unwrap_err().to_string();
    assert!(err.contains("unreachable"), "{err}");
}
