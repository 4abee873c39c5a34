//! The bytes chatstream writes are plain spec Avro: an independent implementation (Python fastavro),
//! given only `schemas/raw_webhook.avsc`, checks the single-object header and decodes the datum.

use chatstream_schema::{Codec, RawWebhook};
use std::path::PathBuf;
use std::process::Command;

const READER: &str = r#"
import io, json, sys
from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form
schema = parse_schema(json.load(open(sys.argv[1])))
data = open(sys.argv[2], "rb").read()
assert data[:2] == b"\xc3\x01", "missing single-object marker"
expected = fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO")
# Avro spec: the 8-byte little-endian CRC-64-AVRO fingerprint follows the marker; fastavro's hex digest
# is those same little-endian bytes.
got = data[2:10].hex()
record = schemaless_reader(io.BytesIO(data[10:]), schema)
record["body"] = record["body"].hex()
record["received_at"] = int(record["received_at"].timestamp() * 1_000_000)
print(json.dumps({"fingerprint_ok": got == expected, "record": record}))
"#;

#[test]
fn fastavro_decodes_what_chatstream_writes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let record = RawWebhook {
        ingress_version: "0.1.0".into(),
        request_id: "9b2f6a40-2a51-4f59-8d3c-5b0e1d2c3f4a".into(),
        source_id: "acme-freshchat".into(),
        tenant: "acme".into(),
        platform: "freshchat".into(),
        event_type: Some("message_create".into()),
        event_type_documented: true,
        routing_key: "acme/freshchat/chat/ac2175df14d36caf64e9a578fad89070".into(),
        received_at_micros: 1_763_720_000_654_321,
        headers: vec![("x-freshchat-signature".into(), "c2ln".into()), ("x-retry-count".into(), "1".into())],
        verification: "freshchat_rsa".into(),
        body_redacted: false,
        body: "{\"text\":\"Grüße ✓\"}\u{0}\u{ff}".as_bytes().to_vec(),
    };
    let bytes = Codec::<RawWebhook>::single_object().encode(&record).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("raw.avro");
    std::fs::write(&data, &bytes).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(root.join("schemas/raw_webhook.avsc"))
        .arg(&data)
        .output()
        .expect("python3 is needed for the Avro interoperability test");
    assert!(
        out.status.success(),
        "fastavro could not read the record (install it with `pip install fastavro`; tests/run does):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["fingerprint_ok"], true, "single-object fingerprint differs from fastavro's CRC-64-AVRO");
    let r = &v["record"];
    assert_eq!(r["source_id"], "acme-freshchat");
    assert_eq!(r["event_type"], "message_create");
    assert_eq!(r["event_type_documented"], true);
    assert_eq!(r["routing_key"], record.routing_key);
    assert_eq!(r["received_at"], record.received_at_micros);
    assert_eq!(r["headers"]["x-retry-count"], "1");
    assert_eq!(r["verification"], "freshchat_rsa");
    assert_eq!(r["body"], hex(&record.body));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
