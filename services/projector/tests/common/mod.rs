//! A small projection shared by the runtime's tests: messages per chat.

use chatstream_projector::testing::{EventBuilder, EventExt};
use chatstream_projector::{col, ColType, Migration, Output, Projection, Table, Val};
use chatstream_schema::{ChatEvent, Kind};

/// Messages per chat and the first and last message time.
pub struct MessagesPerChat;

const TABLES: &[Table] = &[Table {
    name: "test_chat_messages",
    columns: &[
        col("chat_id", ColType::Text),
        col("messages", ColType::Int),
        col("first_at", ColType::Time),
        col("last_at", ColType::Time),
        col("ratio", ColType::Real),
        col("any_agent", ColType::Bool),
    ],
    key: &["chat_id"],
}];

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "test table",
    sqlite:
        "CREATE TABLE test_chat_messages (group_key TEXT NOT NULL, chat_id TEXT PRIMARY KEY, messages INTEGER NOT NULL,
             first_at TEXT, last_at TEXT, ratio REAL, any_agent BOOLEAN NOT NULL);
             CREATE INDEX test_chat_messages_group ON test_chat_messages (group_key);",
    postgres:
        "CREATE TABLE test_chat_messages (group_key TEXT NOT NULL, chat_id TEXT PRIMARY KEY, messages BIGINT NOT NULL,
             first_at TIMESTAMPTZ, last_at TIMESTAMPTZ, ratio DOUBLE PRECISION, any_agent BOOLEAN NOT NULL);
             CREATE INDEX test_chat_messages_group ON test_chat_messages (group_key);",
}];

impl Projection for MessagesPerChat {
    fn name(&self) -> &'static str {
        "test_messages"
    }
    fn description(&self) -> &'static str {
        "messages per chat (test)"
    }
    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }
    fn tables(&self) -> &'static [Table] {
        TABLES
    }
    fn group(&self, e: &ChatEvent) -> Option<String> {
        chatstream_projector::chat::chat_group(e)
    }
    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        let msgs: Vec<&&ChatEvent> = events.iter().filter(|e| e.kind == Kind::Message).collect();
        if events.iter().any(|e| e.vendor_event_type.as_deref() == Some("boom")) {
            panic!("boom event");
        }
        out.push(
            0,
            vec![
                Val::from(events[0].chat_id.clone()),
                Val::Int(msgs.len() as i64),
                Val::time(msgs.first().map(|e| e.occurred_at_micros)),
                Val::time(msgs.last().map(|e| e.occurred_at_micros)),
                Val::Real(msgs.len() as f64 / events.len() as f64),
                Val::Bool(msgs.iter().any(|e| e.agent_id.is_some())),
            ],
        );
    }
}

/// 20 chats of livechat events: a session start and 1–5 messages each (some by agent a1).
pub fn events() -> Vec<ChatEvent> {
    let mut out = Vec::new();
    for chat in 0..20 {
        let b = EventBuilder::new("livechat", &format!("C{chat}"));
        out.push(b.at(Kind::SessionStarted, chat));
        for m in 0..(chat % 5 + 1) {
            let e = b.at(Kind::Message, chat + m * 7 + 1).id(&format!("m{chat}-{m}"));
            out.push(if m % 2 == 1 { e.agent("a1") } else { e });
        }
    }
    out
}
