//! The engine on both backends: rows follow from the set of events, whatever the order, duplicates and
//! batch boundaries; only changed rows are rewritten; a panicking projection poisons only its events.

mod common;

use chatstream_projector::testing::{apply_events, dump_projection, fresh_store, EventBuilder, EventExt};
use chatstream_projector::{Backend, Projection, Val};
use chatstream_schema::{ChatEvent, Codec, Kind};
use common::{events, MessagesPerChat};
use std::sync::Arc;

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
    let outcome = engine.apply(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    engine.committed();
    assert_eq!(outcome.poison.len(), 2, "both events of the batch's chat X are poison");
    assert_eq!(outcome.applied, 1, "chat Y is applied");
    let rows = dump_projection(&store, p.as_ref()).await.unwrap();
    assert_eq!(rows[0].1.len(), 1);
    // Chat X can still take good events later.
    let mut tx = store.begin().await.unwrap();
    engine.lock(&mut tx).await.unwrap();
    let outcome = engine.apply(&mut tx, &[b.at(Kind::Message, 9).id("ok2")]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(outcome.applied, 1);
    assert!(outcome.poison.is_empty());
}

/// Groups evicted from a tiny cache are read back from the store (and their rows rewritten) correctly, both
/// when the store started empty and when a second engine starts on a store that has data.
async fn evictions_and_restarts_give_the_same_rows(backend: Backend) {
    let all = events();
    let expected = state(backend, &all, 1000).await;
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(MessagesPerChat);
    chatstream_projector::prepare(&store, p.as_ref()).await.unwrap();
    let mut shuffled = all.clone();
    shuffled.reverse();
    let (first, second) = shuffled.split_at(shuffled.len() / 2);
    for (part, cache) in [(first, 3usize), (second, 5)] {
        // A new engine per part: the second starts on a store that already has events.
        let mut engine = chatstream_projector::Engine::new(p.clone(), cache);
        for chunk in part.chunks(4) {
            let mut tx = store.begin().await.unwrap();
            engine.lock(&mut tx).await.unwrap();
            engine.apply(&mut tx, chunk).await.unwrap();
            tx.commit().await.unwrap();
            engine.committed();
        }
    }
    assert_eq!(dump_projection(&store, p.as_ref()).await.unwrap(), expected);
}

#[tokio::test]
async fn sqlite_evictions_and_restarts_give_the_same_rows() {
    evictions_and_restarts_give_the_same_rows(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_evictions_and_restarts_give_the_same_rows() {
    evictions_and_restarts_give_the_same_rows(Backend::Postgres).await;
}

/// A store written before events were kept as segments (one `projection_events` row per event) goes on
/// working: its events are read, and redeliveries of them are recognised as duplicates.
async fn events_stored_one_row_each_are_still_read(backend: Backend) {
    let all = events();
    let first: Vec<ChatEvent> = all.iter().step_by(2).cloned().collect();
    let mut rest: Vec<ChatEvent> = all.iter().skip(1).step_by(2).cloned().collect();
    rest.extend(first.iter().step_by(3).cloned());
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(MessagesPerChat);
    apply_events(&store, p.clone(), &first, 1000).await.unwrap();
    // Turn the stored events into what the previous version wrote.
    store.execute("DELETE FROM projection_segments", &[]).await.unwrap();
    let codec = Codec::<ChatEvent>::single_object();
    for e in &first {
        let group = p.group(e).unwrap();
        let row = [
            Val::from(p.name()),
            Val::Text(group),
            Val::Text(e.event_id.clone()),
            Val::Int(e.occurred_at_micros),
            Val::Int(e.received_at_micros),
            Val::Blob(codec.encode(e).unwrap()),
        ];
        store
            .execute(
                "INSERT INTO projection_events \
                 (projection, group_key, event_id, occurred_at_micros, received_at_micros, event) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &row,
            )
            .await
            .unwrap();
    }
    apply_events(&store, p.clone(), &rest, 7).await.unwrap();
    assert_eq!(dump_projection(&store, p.as_ref()).await.unwrap(), state(backend, &all, 1000).await);
}

chatstream_projector::on_both_backends!(events_stored_one_row_each_are_still_read);

/// A broken projection: every chat derives the same key.
struct SameKeyForEveryChat;

impl Projection for SameKeyForEveryChat {
    fn name(&self) -> &'static str {
        MessagesPerChat.name()
    }
    fn description(&self) -> &'static str {
        "every chat derives the key `same` (test)"
    }
    fn migrations(&self) -> &'static [chatstream_projector::Migration] {
        MessagesPerChat.migrations()
    }
    fn tables(&self) -> &'static [chatstream_projector::Table] {
        MessagesPerChat.tables()
    }
    fn group(&self, e: &ChatEvent) -> Option<String> {
        MessagesPerChat.group(e)
    }
    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut chatstream_projector::Output) {
        let n = events.len() as i64;
        out.push(0, vec![Val::from("same"), Val::Int(n), Val::Null, Val::Null, Val::Null, Val::Bool(false)]);
    }
}

/// New rows are plain inserts: a key derived by two groups is not silently overwritten by the last group but
/// refused, with the table, the rule broken and what to do.
async fn a_key_derived_by_two_groups_is_refused_with_advice(backend: Backend) {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p: Arc<dyn Projection> = Arc::new(SameKeyForEveryChat);
    let err = apply_events(&store, p.clone(), &events(), 1000).await.unwrap_err().to_string();
    for part in ["test_chat_messages", "each key must belong to one group", "chatstream rebuild test_messages"] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    assert!(dump_projection(&store, p.as_ref()).await.unwrap()[0].1.is_empty(), "the batch was rolled back");
}

chatstream_projector::on_both_backends!(a_key_derived_by_two_groups_is_refused_with_advice);
