//! The engine on both backends: rows follow from the set of events, whatever the order, duplicates and
//! batch boundaries; only changed rows are rewritten; a panicking projection poisons only its events.

use chatstream_projector::testing::{apply_events, dump_projection, fresh_store, EventBuilder, EventExt};
use chatstream_projector::{col, Backend, ColType, Migration, Output, Projection, Table, Val};
use chatstream_schema::{ChatEvent, Kind};
use std::sync::Arc;

/// Messages per chat and the first and last message time.
struct MessagesPerChat;

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

fn events() -> Vec<ChatEvent> {
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

async fn state(backend: Backend, events: &[ChatEvent], batch: usize) -> Vec<(String, Vec<Vec<Val>>)> {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(MessagesPerChat);
    apply_events(&store, p.clone(), events, batch).await.unwrap();
    dump_projection(&store, p.as_ref()).await.unwrap()
}

async fn order_and_duplicates_do_not_matter(backend: Backend) {
    let in_order = events();
    let expected = state(backend, &in_order, 1000).await;
    assert_eq!(expected[0].1.len(), 20);
    let row = &expected[0].1.iter().find(|r| r[1] == Val::Text("C4".into())).unwrap();
    assert_eq!(row[2], Val::Int(5), "C4 has five messages");
    assert_eq!(row[6], Val::Bool(true));
    let mut shuffled = in_order.clone();
    shuffled.reverse();
    shuffled.extend(in_order.iter().step_by(3).cloned());
    // A retried delivery with a later receive time is the same event: the earliest copy is kept.
    let mut late_copy = in_order[3].clone();
    late_copy.received_at_micros += 60_000_000;
    shuffled.insert(0, late_copy);
    for batch in [1, 7, 1000] {
        assert_eq!(state(backend, &shuffled, batch).await, expected, "batch {batch}");
    }
}

#[tokio::test]
async fn sqlite_rows_depend_on_the_event_set_only() {
    order_and_duplicates_do_not_matter(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_rows_depend_on_the_event_set_only() {
    order_and_duplicates_do_not_matter(Backend::Postgres).await;
}

#[tokio::test]
async fn a_panicking_projection_poisons_only_the_events_of_that_batch_and_group() {
    let (store, _guard) = fresh_store(Backend::Sqlite).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(MessagesPerChat);
    chatstream_projector::prepare(&store, p.as_ref()).await.unwrap();
    let mut engine = chatstream_projector::Engine::new(p.clone(), 1000);
    let b = EventBuilder::new("livechat", "X");
    let mut boom = b.at(Kind::Message, 5).id("boom");
    boom.vendor_event_type = Some("boom".into());
    let batch = vec![b.at(Kind::Message, 1).id("ok1"), boom, EventBuilder::new("livechat", "Y").at(Kind::Message, 1)];
    let mut tx = store.begin().await.unwrap();
    engine.lock(&mut tx).await.unwrap();
    let outcome = engine.apply(&mut tx, batch).await.unwrap();
    tx.commit().await.unwrap();
    engine.committed();
    assert_eq!(outcome.poison.len(), 2, "both events of the batch's chat X are poison");
    assert_eq!(outcome.applied, 1, "chat Y is applied");
    let rows = dump_projection(&store, p.as_ref()).await.unwrap();
    assert_eq!(rows[0].1.len(), 1);
    // Chat X can still take good events later.
    let mut tx = store.begin().await.unwrap();
    engine.lock(&mut tx).await.unwrap();
    let outcome = engine.apply(&mut tx, vec![b.at(Kind::Message, 9).id("ok2")]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(outcome.applied, 1);
    assert!(outcome.poison.is_empty());
}
