//! LiveChat (Text platform) webhooks v3.1–v3.6: `action` discriminator, `secret_key` in the body.

use crate::json::str_field;
use crate::routing::{Rule, VendorSpec};
use crate::Platform;
use serde_json::Value;

const CHAT_ID: &[&str] = &["payload.chat_id"];
const CHAT_OBJ: &[&str] = &["payload.chat.id", "payload.chat_id"];
const CHAT_BY_ID: &[&str] = &["payload.id", "payload.chat_id"];
const AGENT_ID: &[&str] = &["payload.agent_id"];
const ROSTER_ID: &[&str] = &["payload.id"];

/// Documented actions of v3.6 and the older names of v3.1–v3.5.
pub static RULES: &[Rule] = &[
    // v3.6 chats
    Rule::chat("incoming_chat", CHAT_OBJ),
    Rule::chat("chat_deactivated", CHAT_ID),
    Rule::chat("chat_access_updated", CHAT_BY_ID),
    Rule::chat("chat_transferred", CHAT_ID),
    Rule::chat("user_added_to_chat", CHAT_ID),
    Rule::chat("user_removed_from_chat", CHAT_ID),
    Rule::chat("incoming_event", CHAT_ID),
    Rule::chat("event_updated", CHAT_ID),
    Rule::chat("incoming_rich_message_postback", CHAT_ID),
    Rule::chat("chat_properties_updated", CHAT_ID),
    Rule::chat("chat_properties_deleted", CHAT_ID),
    Rule::chat("thread_properties_updated", CHAT_ID),
    Rule::chat("thread_properties_deleted", CHAT_ID),
    Rule::chat("event_properties_updated", CHAT_ID),
    Rule::chat("event_properties_deleted", CHAT_ID),
    Rule::chat("thread_tagged", CHAT_ID),
    Rule::chat("thread_untagged", CHAT_ID),
    Rule::chat("events_marked_as_seen", CHAT_ID),
    Rule::chat("customer_session_fields_updated", &["payload.active_chat.chat_id"]),
    // v3.6 status and roster
    Rule::agent("routing_status_set", AGENT_ID),
    Rule::agent("agent_created", ROSTER_ID),
    Rule::agent("agent_approved", ROSTER_ID),
    Rule::agent("agent_updated", ROSTER_ID),
    Rule::agent("agent_suspended", ROSTER_ID),
    Rule::agent("agent_unsuspended", ROSTER_ID),
    Rule::agent("agent_deleted", ROSTER_ID),
    Rule::agent("bot_created", ROSTER_ID),
    Rule::agent("bot_updated", ROSTER_ID),
    Rule::agent("bot_deleted", ROSTER_ID),
    // v3.6 account-level
    Rule::account("incoming_customer"),
    Rule::account("auto_accesses_updated"),
    // the action value the v3.6 docs samples actually show for auto_accesses_updated
    Rule::account("auto_access_added"),
    Rule::account("group_created"),
    Rule::account("group_updated"),
    Rule::account("group_deleted"),
    Rule::account("tag_created"),
    Rule::account("tag_deleted"),
    Rule::account("tag_updated"),
    // v3.3 and v3.2 names
    Rule::chat("chat_access_granted", CHAT_BY_ID),
    Rule::chat("chat_access_revoked", CHAT_BY_ID),
    Rule::account("customer_created"),
    // v3.1 names
    Rule::chat("incoming_chat_thread", CHAT_OBJ),
    Rule::chat("thread_closed", CHAT_ID),
    Rule::chat("chat_user_added", CHAT_ID),
    Rule::chat("chat_user_removed", CHAT_ID),
    Rule::chat("access_set", CHAT_BY_ID),
    Rule::chat("last_seen_timestamp_updated", CHAT_ID),
    Rule::chat("follow_up_requested", CHAT_ID),
    Rule::chat("chat_thread_tagged", CHAT_ID),
    Rule::chat("chat_thread_untagged", CHAT_ID),
    Rule::agent("agent_status_changed", AGENT_ID),
];

fn event_type(body: &Value) -> Option<String> {
    str_field(body, "action").map(str::to_string)
}

/// LiveChat's vendor spec.
pub static SPEC: VendorSpec = VendorSpec {
    platform: Platform::LiveChat,
    event_type,
    rules: RULES,
    normalize: crate::normalize::livechat::drafts,
};

/// The byte ranges of every top-level `"secret_key"` string value in a raw JSON body (content between
/// the quotes). Used to redact the secret while keeping every other byte as received.
pub fn secret_key_spans(body: &[u8]) -> Vec<std::ops::Range<usize>> {
    top_level_string_spans(body, "secret_key")
}

/// The body with every top-level `secret_key` value replaced by `redacted`, or `None` if it has none.
pub fn redact_secret_key(body: &[u8]) -> Option<Vec<u8>> {
    let spans = secret_key_spans(body);
    if spans.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut last = 0;
    for span in spans {
        out.extend_from_slice(&body[last..span.start]);
        out.extend_from_slice(b"redacted");
        last = span.end;
    }
    out.extend_from_slice(&body[last..]);
    Some(out)
}

/// The first `"secret_key": "…"` string value found anywhere in a body that may not be valid JSON, so a
/// broken LiveChat delivery can still be authenticated before it is kept as a dead letter.
pub fn secret_key_loose(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"secret_key\"";
    let mut from = 0;
    while let Some(pos) = body[from..].windows(KEY.len()).position(|w| w == KEY) {
        let mut j = skip_ws(body, from + pos + KEY.len());
        if body.get(j) == Some(&b':') {
            j = skip_ws(body, j + 1);
            if body.get(j) == Some(&b'"') {
                let end = string_end(body, j)?;
                return serde_json::from_slice::<String>(&body[j..end]).ok();
            }
        }
        from += pos + KEY.len();
    }
    None
}

/// Redaction for bodies that are not valid JSON (kept in the dead-letter topic): every `"secret_key"`
/// followed by `:` and a string has that string replaced, wherever it stands. Returns `None` if none.
pub fn redact_secret_key_loose(body: &[u8]) -> Option<Vec<u8>> {
    const KEY: &[u8] = b"\"secret_key\"";
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let mut found = false;
    while i < body.len() {
        if body[i..].starts_with(KEY) {
            let mut j = skip_ws(body, i + KEY.len());
            if body.get(j) == Some(&b':') {
                j = skip_ws(body, j + 1);
                if body.get(j) == Some(&b'"') {
                    let end = string_end(body, j).unwrap_or(body.len() + 1);
                    out.extend_from_slice(&body[i..=j]);
                    out.extend_from_slice(b"redacted\"");
                    i = end.min(body.len());
                    found = true;
                    continue;
                }
            }
        }
        out.push(body[i]);
        i += 1;
    }
    found.then_some(out)
}

/// A minimal scanner over a JSON object's top level that reports the spans of string values of `key`.
/// It assumes syntactically valid JSON (checked before) and never panics on anything else.
fn top_level_string_spans(body: &[u8], key: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut i = skip_ws(body, 0);
    if body.get(i) != Some(&b'{') {
        return spans;
    }
    i += 1;
    loop {
        i = skip_ws(body, i);
        match body.get(i) {
            Some(b'"') => {}
            _ => return spans,
        }
        let Some(key_end) = string_end(body, i) else { return spans };
        let matches = key_matches(&body[i..key_end], key);
        i = skip_ws(body, key_end);
        if body.get(i) != Some(&b':') {
            return spans;
        }
        i = skip_ws(body, i + 1);
        let value_start = i;
        let Some(value_end) = value_end(body, i) else { return spans };
        if matches && body.get(value_start) == Some(&b'"') {
            spans.push(value_start + 1..value_end - 1);
        }
        i = skip_ws(body, value_end);
        match body.get(i) {
            Some(b',') => i += 1,
            _ => return spans,
        }
    }
}

fn key_matches(quoted: &[u8], key: &str) -> bool {
    if !quoted.contains(&b'\\') {
        return quoted.len() == key.len() + 2 && &quoted[1..quoted.len() - 1] == key.as_bytes();
    }
    serde_json::from_slice::<String>(quoted).is_ok_and(|k| k == key)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Index just past the closing quote of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// Index just past the JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn redacts_only_the_secret_value_and_keeps_every_other_byte() {
        let body = br#"{ "webhook_id":"w1", "secret_key" : "s3cr\"et", "action":"incoming_event","payload":{"secret_key":"not-top"}}"#;
        let out = redact_secret_key(body).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{ "webhook_id":"w1", "secret_key" : "redacted", "action":"incoming_event","payload":{"secret_key":"not-top"}}"#
        );
    }

    #[test]
    fn redacts_escaped_and_duplicate_keys() {
        let body = br#"{"secret\u005fkey":"a","x":[1,{"y":"}"}],"secret_key":"b"}"#;
        let out = redact_secret_key(body).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["secret_key"], "redacted");
        assert!(!String::from_utf8_lossy(&out).contains("\"a\""));
    }

    #[test]
    fn loose_redaction_handles_broken_json() {
        let body = br#"{"secret_key" : "s3cr\"et", "action": "chat_transferred", "payload": {,}"#;
        let out = redact_secret_key_loose(body).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"secret_key" : "redacted", "action": "chat_transferred", "payload": {,}"#
        );
        // An unterminated secret is cut off entirely.
        let out = redact_secret_key_loose(br#"{"secret_key":"abc"#).unwrap();
        assert_eq!(std::str::from_utf8(&out).unwrap(), r#"{"secret_key":"redacted""#);
        assert_eq!(redact_secret_key_loose(b"no secret here"), None);
        assert_eq!(secret_key_loose(br#"{"a":1,"secret_key" : "s3\u0063ret", "x": [,]"#).as_deref(), Some("s3cret"));
        assert_eq!(secret_key_loose(br#"{"secret_key":"unterminated"#), None);
        assert_eq!(secret_key_loose(br#"{"secret_key": 5, "b"#), None);
    }

    #[test]
    fn nothing_to_redact() {
        assert_eq!(redact_secret_key(br#"{"action":"x"}"#), None);
        assert_eq!(redact_secret_key(b"[1,2]"), None);
        assert_eq!(redact_secret_key(br#"{"secret_key": 5}"#), None);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = redact_secret_key(&bytes);
            let _ = redact_secret_key_loose(&bytes);
        }

        #[test]
        fn redacted_json_parses_and_hides_the_secret(secret in "[ -~]{1,40}", other in "[a-z]{0,10}") {
            let body = serde_json::json!({"webhook_id": other, "secret_key": secret, "payload": {"k": other}}).to_string();
            let out = redact_secret_key(body.as_bytes()).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            prop_assert_eq!(&v["secret_key"], "redacted");
            prop_assert_eq!(&v["payload"]["k"], other.as_str());
        }
    }
}
