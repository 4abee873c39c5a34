//! Any permutation of a multi-vendor event sequence, with duplicates (some re-delivered later), applied in
//! any batch size, gives exactly the rows of the in-order sequence.

mod common;

use chatstream_projector::Backend;
use chatstream_schema::ChatEvent;
use common::*;
use proptest::prelude::*;
use proptest::sample::Index;

const SMITH: &str = "smith@example.com";

/// One step of some agent's day: `who` picks the vendor/agent, `slot` the half hour (from 20:00 on day 0, so
/// sequences cross midnight and several steps share an instant), `what` the vendor event.
fn step_events(who: u8, slot: i64, what: u8) -> Vec<ChatEvent> {
    let secs = hm(0, 20, 0) + slot * 1800;
    match who % 3 {
        0 => match what % 7 {
            0 => vec![lc_status(SMITH, "accepting chats", secs)],
            1 => vec![lc_status(SMITH, "not accepting chats", secs)],
            2 => vec![lc_roster(SMITH, "suspended", false, secs)],
            3 => vec![lc_roster(SMITH, "unsuspended", false, secs)],
            4 => vec![lc_roster(SMITH, "updated", false, secs)],
            5 => vec![lc_roster(SMITH, "deleted", false, secs)],
            _ => lc_chat_noise(SMITH, secs),
        },
        1 => {
            let event = ["online", "offline", "away", "back"][usize::from(what % 4)];
            vec![ul_operator("7", event, secs)]
        }
        _ => {
            let availability = ["online", "busy", "away", "offline"][usize::from(what % 4)];
            let chat = if what % 8 < 4 { "42" } else { "43" };
            if what % 6 < 2 {
                cw_agent_message(chat, "1", availability, secs)
            } else {
                cw_snapshot(chat, "1", availability, "conversation_updated", secs)
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    in_order: Vec<ChatEvent>,
    shuffled: Vec<ChatEvent>,
    batch: usize,
}

fn cases() -> impl Strategy<Value = Case> {
    let steps = proptest::collection::vec((any::<u8>(), 0i64..16, any::<u8>()), 1..14);
    let keys = proptest::collection::vec(any::<u32>(), 64);
    let dupes = proptest::collection::vec((any::<Index>(), any::<bool>()), 0..6);
    (steps, keys, dupes, 1usize..9).prop_map(|(mut steps, keys, dupes, batch)| {
        steps.sort_by_key(|s| s.1);
        let in_order: Vec<ChatEvent> = steps.iter().flat_map(|&(w, s, x)| step_events(w, s, x)).collect();
        let mut shuffled = in_order.clone();
        for (index, late) in dupes {
            let mut copy = index.get(&in_order).clone();
            if late {
                copy.received_at_micros += 60_000_000;
            }
            shuffled.push(copy);
        }
        let mut keyed: Vec<(u32, usize, ChatEvent)> =
            shuffled.into_iter().enumerate().map(|(i, e)| (keys[i % keys.len()], i, e)).collect();
        keyed.sort_by_key(|(k, i, _)| (*k, *i));
        Case { in_order, shuffled: keyed.into_iter().map(|(_, _, e)| e).collect(), batch }
    })
}

fn check(backend: Backend, rt: &tokio::runtime::Runtime, case: &Case) -> Result<(), TestCaseError> {
    rt.block_on(async {
        let (_s1, _g1, expected) = project(backend, &case.in_order, 1000).await;
        let (_s2, _g2, got) = project(backend, &case.shuffled, case.batch).await;
        prop_assert_eq!(got, expected);
        Ok(())
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_any_order_duplicates_and_batches_give_the_same_rows(case in cases()) {
        check(Backend::Sqlite, &runtime(), &case)?;
    }

    #[test]
    fn postgres_any_order_duplicates_and_batches_give_the_same_rows(case in cases()) {
        check(Backend::Postgres, &runtime(), &case)?;
    }
}
