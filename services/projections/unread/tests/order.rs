//! Any arrival order, any duplicates and any batch sizes give exactly the rows of the in-order sequence
//! (every vendor's realistic chat together), on SQLite and PostgreSQL.

mod common;

use chatstream_projector::testing::{apply_events, dump_projection, fresh_store};
use chatstream_projector::{Backend, Val};
use chatstream_schema::ChatEvent;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

type Dump = Vec<(String, Vec<Vec<Val>>)>;

async fn state(backend: Backend, events: &[ChatEvent], batch: usize) -> (Dump, common::State) {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p = chatstream_projection_unread::projection();
    apply_events(&store, p.clone(), events, batch).await.unwrap();
    (dump_projection(&store, p.as_ref()).await.unwrap(), common::read(&store).await)
}

/// The in-order events shuffled, with the events at `dups` delivered again (a retry received later), in
/// batches of `batch`.
fn arrivals(shuffled: Vec<ChatEvent>, dups: &[usize], late: bool) -> Vec<ChatEvent> {
    let mut out = shuffled.clone();
    for (n, i) in dups.iter().enumerate() {
        let mut copy = shuffled[i % shuffled.len()].clone();
        copy.received_at_micros += if late { 60_000_000 } else { -1 };
        out.insert((i * 7 + n) % out.len(), copy);
    }
    out
}

fn any_order_gives_the_same_rows(backend: Backend) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let in_order = common::all_vendors();
    let (expected, tables) = rt.block_on(state(backend, &in_order, 1000));
    assert_eq!(tables.chats.len(), 5, "one row per chat");
    assert_eq!(tables.sessions.len(), 6, "one row per ended session");
    let strategy = (
        Just(in_order.clone()).prop_shuffle(),
        proptest::collection::vec(0usize..in_order.len(), 0..12),
        any::<bool>(),
        1usize..30,
    );
    let mut runner = TestRunner::new(Config { cases: 20, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(shuffled, dups, late, batch)| {
            let events = arrivals(shuffled, &dups, late);
            let (got, _) = rt.block_on(state(backend, &events, batch));
            prop_assert_eq!(&got, &expected);
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_rows_depend_only_on_the_set_of_events() {
    any_order_gives_the_same_rows(Backend::Sqlite);
}

#[test]
fn postgres_rows_depend_only_on_the_set_of_events() {
    any_order_gives_the_same_rows(Backend::Postgres);
}
