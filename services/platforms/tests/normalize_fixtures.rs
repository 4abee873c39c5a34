//! Fixture payload → exact canonical events, for every vendor: `tests/fixtures/<platform>/expected/<file>`
//! holds the events (as JSON, written by hand from the payload) that `<file>` must normalise to.
//! Every documented fixture must have its expectation.

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Platform;
use chatstream_schema::{Body, ChatEvent, Lineage};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Receive time of every fixture delivery: 2026-01-01T00:00:00Z.
pub const RECEIVED_AT: i64 = 1_767_225_600_000_000;

fn dir(platform: Platform) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(platform.as_str())
}

fn time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros).unwrap().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn body_json(b: &Body) -> Value {
    match b {
        Body::None => Value::Null,
        Body::SessionChange { status, previous_status, reason, closed_by } => json!({"session_change": {
            "status": status, "previous_status": previous_status, "reason": reason, "closed_by": closed_by}}),
        Body::Message(m) => json!({"message": {"message_id": m.message_id, "author_role": m.author_role,
            "author_id": m.author_id, "internal": m.internal, "content_type": m.content_type,
            "text_length": m.text_length, "text": m.text}}),
        Body::Participant { participant_id, role, reason } => {
            json!({"participant": {"participant_id": participant_id, "role": role, "reason": reason}})
        }
        Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason } => json!({"assignment": {
            "from_agent_id": from_agent_id, "to_agent_id": to_agent_id, "from_group_id": from_group_id,
            "to_group_id": to_group_id, "reason": reason}}),
        Body::Seen { reader_role, reader_id, seen_up_to_micros } => json!({"seen": {
            "reader_role": reader_role, "reader_id": reader_id, "seen_up_to": time(*seen_up_to_micros)}}),
        Body::Unread { unread_count } => json!({"unread": {"unread_count": unread_count}}),
        Body::Rating(r) => json!({"rating": {"vendor_score": r.vendor_score, "scale_min": r.scale_min,
            "scale_max": r.scale_max, "normalized_score": r.normalized_score, "comment": r.comment}}),
        Body::Feedback { text_length, text } => json!({"feedback": {"text_length": text_length, "text": text}}),
        Body::SurveyAnswer { form_type, question, answer } => {
            json!({"survey_answer": {"form_type": form_type, "question": question, "answer": answer}})
        }
        Body::Goal { goal } => json!({"goal": {"goal": goal}}),
        Body::Tag { tag } => json!({"tag": {"tag": tag}}),
        Body::AgentStatus { status, vendor_status } => {
            json!({"agent_status": {"status": status, "vendor_status": vendor_status}})
        }
        Body::AgentRoster { action, is_bot } => json!({"agent_roster": {"action": action, "is_bot": is_bot}}),
        Body::ContactChange { changed } => json!({"contact_change": {"changed": changed}}),
    }
}

/// The comparable JSON form of an event (everything but event_id, tenant, source, lineage, received_at).
pub fn event_json(e: &ChatEvent) -> Value {
    json!({
        "kind": e.kind.as_str(),
        "chat_id": e.chat_id,
        "session_id": e.session_id,
        "agent_id": e.agent_id,
        "contact_id": e.contact_id,
        "occurred_at": time(e.occurred_at_micros),
        "occurred_at_source": e.occurred_at_source,
        "body": body_json(&e.body),
    })
}

fn context(platform: Platform, vendor_event_type: &str) -> Context {
    Context {
        tenant: "t".into(),
        source_id: format!("s-{platform}"),
        platform,
        vendor_event_type: Some(vendor_event_type.into()),
        received_at_micros: RECEIVED_AT,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: 0 },
        keep_text: true,
        timezone: chrono_tz::UTC,
    }
}

#[derive(serde::Deserialize)]
struct Index {
    fixture: Vec<Fixture>,
}

#[derive(serde::Deserialize)]
struct Fixture {
    file: String,
    event_type: String,
    #[serde(default = "yes")]
    documented: bool,
}

fn yes() -> bool {
    true
}

fn check_platform(platform: Platform) {
    let index: Index = toml::from_str(&std::fs::read_to_string(dir(platform).join("index.toml")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for f in index.fixture {
        let expected_path = dir(platform).join("expected").join(&f.file);
        let raw = std::fs::read(dir(platform).join(&f.file)).unwrap();
        let events = match normalize(&context(platform, &f.event_type), &raw) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{}: normalize failed: {e}", f.file));
                continue;
            }
        };
        let ids: std::collections::HashSet<_> = events.iter().map(|e| &e.event_id).collect();
        if ids.len() != events.len() {
            failures.push(format!("{}: two events of one delivery share an event_id", f.file));
        }
        let actual = Value::Array(events.iter().map(event_json).collect());
        match std::fs::read_to_string(&expected_path) {
            Err(_) if f.documented => failures.push(format!("{}: no expectation at expected/{}", f.file, f.file)),
            Err(_) => {}
            Ok(text) => {
                let expected: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("expected/{}: {e}", f.file));
                if expected != actual {
                    failures.push(format!(
                        "{}:\n  expected {}\n  actual   {}",
                        f.file,
                        serde_json::to_string(&expected).unwrap(),
                        serde_json::to_string(&actual).unwrap()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{platform}: {} fixture(s) differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn livechat_fixtures_normalise_to_the_expected_events() {
    check_platform(Platform::LiveChat);
}

#[test]
fn chatwoot_fixtures_normalise_to_the_expected_events() {
    check_platform(Platform::Chatwoot);
}

#[test]
fn freshchat_fixtures_normalise_to_the_expected_events() {
    check_platform(Platform::Freshchat);
}

#[test]
fn userlike_fixtures_normalise_to_the_expected_events() {
    check_platform(Platform::Userlike);
}
