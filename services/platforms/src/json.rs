//! Small helpers to read vendor JSON that is loose about types (ids as numbers or strings), and [`Json`],
//! the borrowed document the vendor normalisers read.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use std::borrow::Cow;

/// The value at a dotted path (`"payload.chat.id"`), if every step exists.
pub fn at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, step| v.get(step))
}

/// An identifier as a string: a non-empty string, or an integer (vendors send both).
pub fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => n
            .as_u64()
            .map(|u| u.to_string())
            .or_else(|| n.as_i64().map(|i| i.to_string()))
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| format!("{f:.0}"))),
        _ => None,
    }
}

/// The first id found at any of `paths`.
pub fn first_id(root: &Value, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| at(root, p).and_then(id_string))
}

/// A string at a top-level key.
pub fn str_field<'a>(root: &'a Value, key: &str) -> Option<&'a str> {
    root.get(key).and_then(Value::as_str)
}

// ---------------------------------------------------------------------------------------------------------
// A borrowed JSON document for the normalisers' hot path

/// A parsed JSON document that borrows its strings from the input (serde_json's [`Value`] allocates every
/// string and builds a `BTreeMap` per object: building and dropping it was ~45 % of normalising).
///
/// It reads exactly like a [`Value`] parsed from the same bytes: same numbers ([`serde_json::Number`]), same
/// strings; an object with a repeated key answers with the key's last value, and iterates (and serialises) in
/// key order without repeats, as serde_json's sorted map does. So `serde_json::to_vec` of a `Json` gives the
/// same bytes as of the `Value`.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// The members of a JSON object, in document order (repeats kept; see [`Json`]).
#[derive(Debug, Clone, Default)]
pub struct Object<'a> {
    entries: Vec<(Cow<'a, str>, Json<'a>)>,
}

/// Objects are equal when they read the same (same keys, each with the same last value).
impl PartialEq for Object<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// serde_json's marker key of a `RawValue` (with its `raw_value` feature, `Value` parses an object with this
/// first key specially); such input takes the `Value` path so it reads the same.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'a> Json<'a> {
    /// Parses `bytes` as one JSON value, like `serde_json::from_slice::<Value>` (same errors).
    pub fn parse(bytes: &'a [u8]) -> Result<Json<'a>, serde_json::Error> {
        // UTF-8 is checked once for the whole document instead of string by string (JSON that is not UTF-8
        // is an error, reported by the fallback below).
        match std::str::from_utf8(bytes).ok().map(serde_json::from_str::<Json<'a>>) {
            Some(Ok(json)) => Ok(json),
            // Errors (and serde_json's special cases) exactly as serde_json reports and reads them.
            _ => serde_json::from_slice::<Value>(bytes).map(Json::from_owned),
        }
    }

    /// A view of a serde_json value (strings borrowed).
    pub fn from_value(v: &'a Value) -> Json<'a> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(Cow::Borrowed(s)),
            Value::Array(a) => Json::Array(a.iter().map(Json::from_value).collect()),
            Value::Object(m) => Json::Object(Object {
                entries: m.iter().map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v))).collect(),
            }),
        }
    }

    fn from_owned(v: Value) -> Json<'static> {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(Cow::Owned(s)),
            Value::Array(a) => Json::Array(a.into_iter().map(Json::from_owned).collect()),
            Value::Object(m) => Json::Object(Object {
                entries: m.into_iter().map(|(k, v)| (Cow::Owned(k), Json::from_owned(v))).collect(),
            }),
        }
    }

    /// The member `key` of an object (its last value when repeated); none for other values.
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(o) => o.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Json<'a>>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Json::Array(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

impl<'a> Object<'a> {
    /// The value of `key` (the last one when the key is repeated).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// Members in key order, each key once with its last value (serde_json's map order).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        // Equal keys: the later member first, so that dedup keeps it.
        order.sort_by(|&a, &b| self.entries[a].0.cmp(&self.entries[b].0).then(b.cmp(&a)));
        order.dedup_by(|later, kept| self.entries[*later].0 == self.entries[*kept].0);
        order.into_iter().map(move |i| (self.entries[i].0.as_ref(), &self.entries[i].1))
    }

    /// Keys in order, each once.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(x) => s.serialize_str(x),
            Json::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for x in a {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            Json::Object(o) => {
                let members: Vec<(&str, &Json<'_>)> = o.iter().collect();
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Compact JSON, as `Value`'s `Display`.
impl std::fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Json::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(4);
        while let Some(x) = seq.next_element()? {
            items.push(x);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut entries = Vec::with_capacity(8);
        while let Some(Key(k)) = map.next_key()? {
            if entries.is_empty() && k == RAW_VALUE_TOKEN {
                return Err(serde::de::Error::custom("serde_json raw value"));
            }
            entries.push((k, map.next_value()?));
        }
        Ok(Json::Object(Object { entries }))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Readers of [`Json`] documents, like the ones above for [`Value`].
pub mod doc {
    use super::Json;

    /// The value at a dotted path (`"payload.chat.id"`), if every step exists.
    #[inline]
    pub fn at<'a, 'j>(root: &'a Json<'j>, path: &str) -> Option<&'a Json<'j>> {
        path.split('.').try_fold(root, |v, step| v.get(step))
    }

    /// An identifier as a string: a non-empty string, or an integer (vendors send both).
    pub fn id_string(v: &Json<'_>) -> Option<String> {
        match v {
            Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Json::Number(n) => n
                .as_u64()
                .map(|u| u.to_string())
                .or_else(|| n.as_i64().map(|i| i.to_string()))
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| format!("{f:.0}"))),
            _ => None,
        }
    }

    /// The first id found at any of `paths`.
    pub fn first_id(root: &Json<'_>, paths: &[&str]) -> Option<String> {
        paths.iter().find_map(|p| at(root, p).and_then(id_string))
    }

    /// A string at a top-level key.
    pub fn str_field<'a>(root: &'a Json<'_>, key: &str) -> Option<&'a str> {
        root.get(key).and_then(Json::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_may_be_strings_or_numbers() {
        assert_eq!(id_string(&json!("PJ0MRSHTDG")), Some("PJ0MRSHTDG".into()));
        assert_eq!(id_string(&json!(69)), Some("69".into()));
        assert_eq!(id_string(&json!(-3)), Some("-3".into()));
        assert_eq!(id_string(&json!(12.0)), Some("12".into()));
        assert_eq!(id_string(&json!(12.5)), None);
        assert_eq!(id_string(&json!("  ")), None);
        assert_eq!(id_string(&json!(null)), None);
        assert_eq!(id_string(&json!({"id": 1})), None);
    }

    #[test]
    fn paths_walk_objects() {
        let v = json!({"payload": {"chat": {"id": "X1"}}});
        assert_eq!(first_id(&v, &["payload.chat_id", "payload.chat.id"]), Some("X1".into()));
        assert_eq!(first_id(&v, &["payload.missing"]), None);
        let j = Json::from_value(&v);
        assert_eq!(doc::first_id(&j, &["payload.chat_id", "payload.chat.id"]), Some("X1".into()));
        assert_eq!(doc::first_id(&j, &["payload.missing"]), None);
    }

    #[test]
    fn document_readers_agree_with_value_readers() {
        for v in [json!("PJ0MRSHTDG"), json!(" x "), json!(69), json!(-3), json!(12.0), json!(12.5), json!("  ")]
            .into_iter()
            .chain([json!(null), json!(true), json!({"id": 1}), json!([1]), json!(1e300), json!(u64::MAX)])
        {
            let j = Json::from_value(&v);
            assert_eq!(doc::id_string(&j), id_string(&v), "{v}");
            assert_eq!(j.as_str(), v.as_str(), "{v}");
            assert_eq!(j.as_i64(), v.as_i64(), "{v}");
            assert_eq!(j.as_f64(), v.as_f64(), "{v}");
            assert_eq!(j.as_bool(), v.as_bool(), "{v}");
            assert_eq!(j.to_string(), v.to_string(), "{v}");
        }
    }

    /// Everything a normaliser can observe of a document: its canonical bytes (key order, last repeat
    /// wins), its text, and the value of every key path, must be what serde_json's `Value` says.
    fn assert_reads_like_value(text: &[u8]) {
        let value = serde_json::from_slice::<Value>(text);
        let json = Json::parse(text);
        match (&value, &json) {
            (Ok(v), Ok(j)) => {
                assert_eq!(serde_json::to_vec(j).unwrap(), serde_json::to_vec(v).unwrap());
                assert_eq!(j.to_string(), v.to_string());
                assert_eq!(j, &Json::from_value(v));
                fn walk(v: &Value, j: &Json<'_>) {
                    match v {
                        Value::Object(m) => {
                            let o = j.as_object().unwrap();
                            assert_eq!(o.keys().collect::<Vec<_>>(), m.keys().map(String::as_str).collect::<Vec<_>>());
                            for (k, x) in m {
                                assert!(o.contains_key(k));
                                walk(x, j.get(k).unwrap());
                            }
                        }
                        Value::Array(a) => {
                            let b = j.as_array().unwrap();
                            assert_eq!(a.len(), b.len());
                            a.iter().zip(b).for_each(|(x, y)| walk(x, y));
                        }
                        _ => assert_eq!(serde_json::to_string(j).unwrap(), v.to_string()),
                    }
                }
                walk(v, j);
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("{}: Value {:?}, Json {:?}", String::from_utf8_lossy(text), value, json),
        }
    }

    #[test]
    fn documents_read_like_serde_json_values() {
        let cases: &[&[u8]] = &[
            br#"{"b":1,"a":2,"a":{"z":1,"y":[1,2,{"k":"v","k":"w"}]},"b":null}"#,
            br#"{"action":"incoming_event","action":"chat_deactivated","payload":{"chat_id":"A","chat_id":"B"}}"#,
            r#"{"a\u0041":"\u00e9\ud83d\ude00 \" \\ \n","\u0000":"x","é":1}"#.as_bytes(),
            br#"{"n":1.0,"m":-0,"o":-0.0,"p":1e2,"q":1E-7,"r":123456789012345678901234567890,"s":-9223372036854775808}"#,
            br#"{"u":18446744073709551615,"v":18446744073709551616,"w":0.1,"x":1.7976931348623157e308}"#,
            br#"  { "a" : [ ] , "b" : { } , "c" : [ { } , [ ] ] }  "#,
            br#"{"$serde_json::private::RawValue":"{\"action\":\"chat_deactivated\"}"}"#,
            br#"{"$serde_json::private::RawValue":5}"#,
            br#"{"a":1,"$serde_json::private::RawValue":"[1]"}"#,
            br#"[{"a":1,"a":2}]"#,
            br#""text""#,
            br#"12"#,
            br#"null"#,
            br#""#,
            br#"{"a":"#,
            br#"{"a":1}}"#,
            br#"{"a":1} x"#,
            b"\xff\xfe",
            b"{\"a\":\"\xff\"}",
            br#"{"a":"\ud800"}"#,
            br#"{"a":1e400}"#,
            br#"{"a":01}"#,
            br#"{"a":"tab	in string"}"#,
        ];
        for text in cases {
            assert_reads_like_value(text);
        }
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert_reads_like_value(deep.as_bytes());
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let text = br#"{"key":"plain","esc\"aped":"a\nb"}"#;
        let Json::Object(o) = Json::parse(text).unwrap() else { panic!("object") };
        assert!(matches!(&o.entries[0], (Cow::Borrowed("key"), Json::String(Cow::Borrowed("plain")))));
        assert!(matches!(&o.entries[1], (Cow::Owned(_), Json::String(Cow::Owned(_)))));
    }

    /// JSON text with repeated keys, escapes, odd numbers and whitespace.
    fn json_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
            "-?[0-9]{1,3}(\\.[0-9]{1,3})?([eE][-+]?[0-9]{1,2})?",
            ".{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just(r#""\u00e9\t\/ \ud83d\ude00""#.to_string()),
        ];
        let key = prop_oneof![
            proptest::sample::select(vec!["a", "b", "id", "é", "a\\u0062"]).prop_map(|k| format!("\"{k}\"")),
            "[a-c]{1,2}".prop_map(|k| format!("\"{k}\"")),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(|xs| format!("[{}]", xs.join(" , "))),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kvs| {
                    let members: Vec<String> = kvs.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{ {} }}", members.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_documents_read_like_serde_json_values(text in json_text()) {
            assert_reads_like_value(text.as_bytes());
        }
    }
}
