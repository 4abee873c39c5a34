//! Property: any permutation of realistic multi-vendor sessions, with any events duplicated (identical
//! retries, later re-sends of the same fact), applied in any batch sizes, gives exactly the rows of the
//! in-order sequence.

mod common;

use chatstream_projector::testing::dump_projection;
use chatstream_projector::{Backend, Val};
use chatstream_schema::ChatEvent;
use common::*;
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

type State = Vec<(String, Vec<Vec<Val>>)>;

fn all_events() -> Vec<ChatEvent> {
    let mut events = livechat::scenario();
    events.extend(chatwoot::scenario());
    events.extend(freshchat::scenario());
    events.extend(userlike::legacy_scenario());
    events.extend(userlike::scenario());
    events
}

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime"))
}

async fn state(backend: Backend, events: &[ChatEvent], batch: usize) -> State {
    let (store, _g) = store_with(backend, events, batch).await;
    let p = chatstream_projection_sessions::projection();
    dump_projection(&store, p.as_ref()).await.expect("dump")
}

fn expected(backend: Backend) -> &'static State {
    static SQLITE: OnceLock<State> = OnceLock::new();
    static POSTGRES: OnceLock<State> = OnceLock::new();
    let cell = if backend == Backend::Sqlite { &SQLITE } else { &POSTGRES };
    cell.get_or_init(|| {
        let events = all_events();
        let state = runtime().block_on(state(backend, &events, events.len()));
        let sizes: Vec<usize> = state.iter().map(|(_, rows)| rows.len()).collect();
        assert!(sizes.iter().all(|n| *n > 0), "every table has rows: {sizes:?}");
        state
    })
}

/// A copy of `e` as a vendor would re-send it: the same delivery later, or the same fact stamped later.
fn resend(e: &ChatEvent, later_fact: bool) -> ChatEvent {
    let mut copy = e.clone();
    copy.received_at_micros += 60_000_000;
    if later_fact {
        copy.occurred_at_micros += 30_000_000;
    }
    copy
}

fn scrambled(shuffled: Vec<ChatEvent>, dups: &[(Index, Index, bool)]) -> Vec<ChatEvent> {
    let mut out = shuffled;
    for (which, place, later_fact) in dups {
        let copy = resend(which.get(&out), *later_fact);
        let at = place.index(out.len() + 1);
        out.insert(at, copy);
    }
    out
}

fn check(backend: Backend, shuffled: Vec<ChatEvent>, dups: Vec<(Index, Index, bool)>, batch: usize) {
    let want = expected(backend);
    let events = scrambled(shuffled, &dups);
    let got = runtime().block_on(state(backend, &events, batch));
    assert_eq!(&got, want, "batch {batch}, {} duplicates", dups.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_rows_depend_on_the_event_set_only(
        shuffled in Just(all_events()).prop_shuffle(),
        dups in prop::collection::vec((any::<Index>(), any::<Index>(), any::<bool>()), 0..12),
        batch in 4usize..60,
    ) {
        check(Backend::Sqlite, shuffled, dups, batch);
    }

    #[test]
    fn postgres_rows_depend_on_the_event_set_only(
        shuffled in Just(all_events()).prop_shuffle(),
        dups in prop::collection::vec((any::<Index>(), any::<Index>(), any::<bool>()), 0..12),
        batch in 4usize..60,
    ) {
        check(Backend::Postgres, shuffled, dups, batch);
    }
}
