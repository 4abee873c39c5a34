//! Helpers shared by the normaliser test files.

use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON that leans on one vendor's vocabulary: `keys` are likely object keys and `words` likely
/// string values (event names, ids, times in the vendor's formats), mixed with random ones, nested deep
/// and wide enough to reach the shapes the normaliser walks.
pub fn vendor_json(keys: &'static [&'static str], words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let word = prop_oneof![proptest::sample::select(words).prop_map(str::to_string), ".{0,12}"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0i64..8).prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        word.prop_map(Value::String),
    ];
    let key = prop_oneof![proptest::sample::select(keys).prop_map(str::to_string), "[a-z_]{1,10}"];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
