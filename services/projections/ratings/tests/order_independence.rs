//! Property: any permutation of the multi-vendor sessions, with any events re-delivered (later copies of the
//! same event), applied in any batch sizes, gives exactly the rows of the in-order run.

mod common;

use chatstream_projector::testing::dump_projection;
use chatstream_projector::{Backend, Val};
use chatstream_schema::ChatEvent;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

type Dump = Vec<(String, Vec<Vec<Val>>)>;

async fn state(backend: Backend, events: &[ChatEvent], batch: usize) -> Dump {
    let (store, _guard) = store_with(backend, events, batch).await;
    dump_projection(&store, &chatstream_projection_ratings::Ratings).await.unwrap()
}

/// The events in a shuffled order, with re-deliveries `(event index, seconds later, position)` inserted.
fn with_resends(shuffled: Vec<ChatEvent>, resends: &[(usize, i64, usize)]) -> Vec<ChatEvent> {
    let mut out = shuffled;
    for &(index, later, position) in resends {
        let copy = resent(&out[index % out.len()], later);
        out.insert(position % (out.len() + 1), copy);
    }
    out
}

fn any_order_any_duplicates_any_batches(backend: Backend) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let events = all_vendors();
    let expected = rt.block_on(state(backend, &events, 1000));
    let rows: usize = expected.iter().map(|(_, rows)| rows.len()).sum();
    assert_eq!(rows, 15, "the in-order run derives the scenario rows (6 ratings, 6 answers, 3 feedback)");
    let strategy = (
        Just(events.clone()).prop_shuffle(),
        proptest::collection::vec((0..events.len(), 0..300i64, 0..events.len()), 0..12),
        1..=40usize,
    );
    let mut runner = TestRunner::new(Config { cases: 16, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(shuffled, resends, batch)| {
            let events = with_resends(shuffled, &resends);
            let got = rt.block_on(state(backend, &events, batch));
            prop_assert_eq!(&got, &expected, "batch {}", batch);
            Ok(())
        })
        .unwrap();
}

#[test]
fn sqlite_rows_depend_only_on_the_event_set() {
    any_order_any_duplicates_any_batches(Backend::Sqlite);
}

#[test]
fn postgres_rows_depend_only_on_the_event_set() {
    any_order_any_duplicates_any_batches(Backend::Postgres);
}
