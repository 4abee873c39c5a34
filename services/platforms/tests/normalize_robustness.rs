//! Properties of the normaliser across every vendor: arbitrary bytes and arbitrary JSON never panic (they
//! end as events — `other` at worst — or an error with a reason), and a delivery gives identical events
//! whether it is normalised alone, twice, or inside a shuffled batch.

use chatstream_platforms::normalize::{normalize, Context, Timezone};
use chatstream_platforms::Platform;
use chatstream_schema::Lineage;
use proptest::prelude::*;
use std::path::PathBuf;

mod common;

fn ctx(platform: Platform) -> Context {
    Context {
        tenant: "t".into(),
        source_id: format!("s-{platform}"),
        platform,
        vendor_event_type: None,
        received_at_micros: 1_767_225_600_000_000,
        lineage: Lineage::default(),
        keep_text: false,
        timezone: Timezone::UTC,
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    common::vendor_json(
        &["action", "event", "_type", "_event", "payload", "data", "chat_id", "conversation", "message", "id"],
        &["incoming_event", "message_created", "message_create", "chat_meta", "2019-10-11T09:40:56.071345Z"],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), p in 0usize..4) {
        match normalize(&ctx(Platform::ALL[p]), &bytes) {
            Ok(events) => prop_assert!(!events.is_empty()),
            Err(e) => prop_assert!(!e.reason().is_empty()),
        }
    }

    #[test]
    fn arbitrary_json_objects_give_events_with_unique_ids(v in json_value(), p in 0usize..4) {
        let bytes = serde_json::to_vec(&v).unwrap();
        match normalize(&ctx(Platform::ALL[p]), &bytes) {
            Ok(events) => {
                prop_assert!(!events.is_empty(), "a delivery is never dropped silently");
                let ids: std::collections::HashSet<_> = events.iter().map(|e| &e.event_id).collect();
                prop_assert_eq!(ids.len(), events.len());
            }
            Err(e) => prop_assert!(!v.is_object(), "only non-objects are rejected, got {e}"),
        }
    }
}

#[test]
fn same_events_alone_twice_or_in_a_shuffled_batch() {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut deliveries = Vec::new();
    for p in Platform::ALL {
        for entry in std::fs::read_dir(root.join(p.as_str())).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                deliveries.push((p, std::fs::read(&path).unwrap()));
            }
        }
    }
    assert!(deliveries.len() > 100);
    let alone: Vec<_> = deliveries.iter().map(|(p, b)| normalize(&ctx(*p), b).unwrap()).collect();
    let again: Vec<_> = deliveries.iter().map(|(p, b)| normalize(&ctx(*p), b).unwrap()).collect();
    assert_eq!(alone, again);
    let mut order: Vec<usize> = (0..deliveries.len()).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    for i in order {
        let (p, b) = &deliveries[i];
        assert_eq!(normalize(&ctx(*p), b).unwrap(), alone[i], "delivery {i} differs inside a shuffled batch");
    }
}
