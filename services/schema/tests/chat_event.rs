//! `ChatEvent`: round trips of every body, plain spec Avro for an independent reader (fastavro), and
//! BACKWARD compatibility: data written with an earlier schema version is read by the current one.

use apache_avro::types::Value;
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{AvroRecord, Body, ChatEvent, Codec, Kind, Lineage};
use std::path::PathBuf;
use std::process::Command;

fn event(kind: Kind, body: Body) -> ChatEvent {
    ChatEvent {
        event_id: "0123456789abcdef0123456789abcdef".into(),
        tenant: "acme".into(),
        source_id: "acme-livechat".into(),
        platform: "livechat".into(),
        chat_id: Some("PJ0MRSHTDG".into()),
        session_id: Some("K600PKZON8".into()),
        agent_id: Some("agent@example.com".into()),
        contact_id: None,
        occurred_at_micros: 1_570_786_856_071_345,
        occurred_at_source: "payload".into(),
        received_at_micros: 1_570_786_857_000_000,
        kind,
        vendor_event_type: Some("incoming_event".into()),
        body,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 3, offset: 42 },
    }
}

fn every_body() -> Vec<ChatEvent> {
    let s = |v: &str| Some(v.to_string());
    vec![
        event(Kind::Other, Body::None),
        event(
            Kind::SessionEnded,
            Body::SessionChange {
                status: s("resolved"),
                previous_status: s("open"),
                reason: None,
                closed_by: s("agent"),
            },
        ),
        event(
            Kind::Message,
            Body::Message(Message {
                message_id: s("K600PKZON8_3"),
                author_role: "contact".into(),
                author_id: s("b7eff798"),
                internal: false,
                content_type: "text".into(),
                text_length: 7,
                text: s("Grüße ✓"),
            }),
        ),
        event(
            Kind::ParticipantJoined,
            Body::Participant { participant_id: s("a@b.c"), role: "agent".into(), reason: None },
        ),
        event(
            Kind::Transferred,
            Body::Assignment {
                from_agent_id: s("a"),
                to_agent_id: s("b"),
                from_group_id: s("1"),
                to_group_id: s("2"),
                reason: s("manual"),
            },
        ),
        event(
            Kind::Seen,
            Body::Seen { reader_role: "agent".into(), reader_id: s("a@b.c"), seen_up_to_micros: 1_570_000_000_000_001 },
        ),
        event(Kind::UnreadAtEnd, Body::Unread { unread_count: Some(3) }),
        event(
            Kind::Rating,
            Body::Rating(Rating {
                vendor_score: 4.0,
                scale_min: 1.0,
                scale_max: 5.0,
                normalized_score: 0.75,
                comment: s("ok"),
            }),
        ),
        event(Kind::Feedback, Body::Feedback { text_length: 2, text: None }),
        event(
            Kind::SurveyAnswered,
            Body::SurveyAnswer { form_type: "postchat".into(), question: "Q?".into(), answer: "Yes".into() },
        ),
        event(Kind::GoalReached, Body::Goal { goal: s("purchase") }),
        event(Kind::Tagged, Body::Tag { tag: "vip".into() }),
        event(
            Kind::AgentStatusChanged,
            Body::AgentStatus { status: "accepting_chats".into(), vendor_status: "accepting chats".into() },
        ),
        event(Kind::AgentRosterChanged, Body::AgentRoster { action: "created".into(), is_bot: true }),
        event(Kind::ContactUpdated, Body::ContactChange { changed: vec!["email".into(), "name".into()] }),
    ]
}

#[test]
fn every_body_round_trips() {
    let codec = Codec::<ChatEvent>::single_object();
    for e in every_body() {
        assert_eq!(codec.decode(&codec.encode(&e).unwrap()).unwrap(), e);
    }
    assert_eq!(Kind::ALL.iter().map(|k| Kind::parse(k.as_str())).filter(Option::is_some).count(), Kind::ALL.len());
}

const READER: &str = r#"
import io, json, sys
from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form
schema = parse_schema(json.load(open(sys.argv[1])))
expected = fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO")
out = []
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    assert data[:2] == b"\xc3\x01" and data[2:10].hex() == expected, "single-object header"
    r = schemaless_reader(io.BytesIO(data[10:]), schema)
    out.append({"kind": r["kind"], "body": r["body"], "chat_id": r["chat_id"], "offset": r["lineage"]["offset"]})
print(json.dumps(out, default=str))
"#;

#[test]
fn fastavro_decodes_every_body_with_only_the_avsc() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let codec = Codec::<ChatEvent>::single_object();
    let events = every_body();
    let mut paths = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let p = dir.path().join(format!("{i}.avro"));
        std::fs::write(&p, codec.encode(e).unwrap()).unwrap();
        paths.push(p);
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(root.join("schemas/chat_event.avsc"))
        .args(&paths)
        .output()
        .expect("python3 is needed");
    assert!(out.status.success(), "fastavro failed (pip install fastavro):\n{}", String::from_utf8_lossy(&out.stderr));
    let decoded: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decoded.len(), events.len());
    for (d, e) in decoded.iter().zip(&events) {
        assert_eq!(d["kind"], e.kind.as_str());
        assert_eq!(d["chat_id"], "PJ0MRSHTDG");
        assert_eq!(d["offset"], 42);
    }
    assert_eq!(decoded[2]["body"]["text"], "Grüße ✓");
    assert_eq!(decoded[7]["body"]["normalized_score"], 0.75);
    assert_eq!(decoded[14]["body"]["changed"], serde_json::json!(["email", "name"]));
    assert!(decoded[0]["body"].is_null());
}

/// An earlier shape of the schema: no `session_id` field and no `ContactChange` body yet.
fn previous_version() -> String {
    let mut v: serde_json::Value = serde_json::from_str(chatstream_schema::embedded::CHAT_EVENT.json).unwrap();
    let fields = v["fields"].as_array_mut().unwrap();
    fields.retain(|f| f["name"] != "session_id");
    let body = fields.iter_mut().find(|f| f["name"] == "body").unwrap();
    body["type"].as_array_mut().unwrap().retain(|t| t["name"] != "ContactChange");
    v.to_string()
}

#[test]
fn data_written_with_the_previous_schema_version_is_still_read() {
    use apache_avro::reader::datum::GenericDatumReader;
    use apache_avro::writer::datum::GenericDatumWriter;
    let old = apache_avro::Schema::parse_str(&previous_version()).unwrap();
    let current = &chatstream_schema::embedded::CHAT_EVENT.schema;
    // Write with the old schema (its own field list and union branches).
    let e = every_body()[7].clone();
    let Value::Record(mut fields) = e.to_avro() else { panic!() };
    fields.retain(|(name, _)| name != "session_id");
    let datum = GenericDatumWriter::builder(&old).build().unwrap().write_value_to_vec(Value::Record(fields)).unwrap();
    // Read it the way chatstream's codec does: with the writer's schema, then fields and union branches by
    // name; the field added since takes its default.
    let reader = GenericDatumReader::builder(&old).build().unwrap();
    let value = reader.read_value(&mut &datum[..]).unwrap();
    let read = ChatEvent::from_avro(value, &old).unwrap();
    assert_eq!(read.session_id, None);
    assert_eq!(read.body, e.body);
    assert_eq!(read.chat_id, e.chat_id);
    assert_eq!(read.kind, Kind::Rating);
    // And the compatibility checker agrees: the current schema can read the previous one.
    let compat = apache_avro::schema_compatibility::SchemaCompatibility::can_read(&old, current);
    assert!(compat.is_ok(), "{compat:?}");
}

#[test]
fn direct_encoding_is_byte_identical_to_apache_avro() {
    use apache_avro::writer::datum::GenericDatumWriter;
    let schema = &chatstream_schema::embedded::CHAT_EVENT.schema;
    let writer = GenericDatumWriter::builder(schema).build().unwrap();
    for e in every_body() {
        let mut direct = Vec::new();
        assert!(e.write_datum(&mut direct));
        let generic = writer.write_value_to_vec(e.to_avro()).unwrap();
        assert_eq!(direct, generic, "{:?}", e.kind);
    }
    let mut empty_list = every_body()[14].clone();
    empty_list.body = Body::ContactChange { changed: vec![] };
    let mut direct = Vec::new();
    empty_list.write_datum(&mut direct);
    assert_eq!(direct, writer.write_value_to_vec(empty_list.to_avro()).unwrap());
}

#[test]
fn direct_decoding_reads_what_apache_avro_wrote() {
    use apache_avro::reader::datum::GenericDatumReader;
    use apache_avro::writer::datum::GenericDatumWriter;
    let schema = &chatstream_schema::embedded::CHAT_EVENT.schema;
    let writer = GenericDatumWriter::builder(schema).build().unwrap();
    let reader = GenericDatumReader::builder(schema).build().unwrap();
    let mut bodies = every_body();
    let mut empty_list = bodies[14].clone();
    empty_list.body = Body::ContactChange { changed: vec![] };
    bodies.push(empty_list);
    for e in bodies {
        let generic = writer.write_value_to_vec(e.to_avro()).unwrap();
        let direct = ChatEvent::read_datum(&generic).unwrap().unwrap();
        let via_values = ChatEvent::from_avro(reader.read_value(&mut &generic[..]).unwrap(), schema).unwrap();
        assert_eq!(direct, via_values, "{:?}", e.kind);
        assert_eq!(direct, e);
    }
    // Truncated and trailing bytes are errors, never panics.
    let datum = writer.write_value_to_vec(every_body()[2].to_avro()).unwrap();
    for cut in 0..datum.len() {
        assert!(matches!(ChatEvent::read_datum(&datum[..cut]), Some(Err(_))), "cut at {cut}");
    }
    let mut longer = datum.clone();
    longer.push(0);
    assert!(matches!(ChatEvent::read_datum(&longer), Some(Err(_))));
}
