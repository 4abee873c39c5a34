//! Small helpers to read vendor JSON that is loose about types (ids as numbers or strings).

use serde_json::Value;

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
    }
}
