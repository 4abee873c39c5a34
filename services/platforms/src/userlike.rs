//! Userlike Add-on API callbacks: `_type` + `_event` discriminator (joined as `"{_type}.{_event}"`), in the
//! current Unified Messaging format and the legacy `chat_meta` format. Userlike signs nothing.

use crate::json::str_field;
use crate::routing::{Rule, VendorSpec};
use crate::Platform;
use serde_json::Value;

/// Current format: field names of `chat_session` / `conversation` are unverified (no public sample), so the
/// conversation id is looked up where it most plausibly is, then the payload's own id.
const SESSION_CHAT: &[&str] = &["conversation_id", "conversation.id", "chat_session.conversation_id", "id"];
const LEGACY_CHAT: &[&str] = &["id"];
const OPERATOR: &[&str] = &["id", "operator_id", "operator.id"];

/// Current and legacy `_type.event` pairs.
pub static RULES: &[Rule] = &[
    Rule::chat("chat_session.start", SESSION_CHAT),
    Rule::chat("chat_session.message_received", SESSION_CHAT),
    Rule::chat("chat_session.message_sent", SESSION_CHAT),
    Rule::chat("chat_session.unread", SESSION_CHAT),
    Rule::chat("chat_session.end", SESSION_CHAT),
    Rule::chat("chat_session.forward", SESSION_CHAT),
    Rule::chat("chat_session.rating", SESSION_CHAT),
    Rule::chat("chat_session.feedback", SESSION_CHAT),
    Rule::chat("chat_session.survey", SESSION_CHAT),
    Rule::chat("chat_session.goal", SESSION_CHAT),
    Rule::chat("conversation.ended", SESSION_CHAT),
    Rule::agent("operator.online", OPERATOR),
    Rule::agent("operator.offline", OPERATOR),
    Rule::agent("operator.away", OPERATOR),
    Rule::agent("operator.back", OPERATOR),
    Rule::account("um_widget.config"),
    // legacy (pre-Unified-Messaging)
    Rule::chat("chat_meta.start", LEGACY_CHAT),
    Rule::chat("chat_meta.forward", LEGACY_CHAT),
    Rule::chat("chat_meta.rating", LEGACY_CHAT),
    Rule::chat("chat_meta.feedback", LEGACY_CHAT),
    Rule::chat("chat_meta.survey", LEGACY_CHAT),
    Rule::chat("chat_meta.receive", LEGACY_CHAT),
    Rule::chat("chat_meta.goal", LEGACY_CHAT),
    Rule::account("offline_message.receive"),
    Rule::account("chat_widget.config"),
];

fn event_type(body: &Value) -> Option<String> {
    match (str_field(body, "_type"), str_field(body, "_event")) {
        (Some(t), Some(e)) => Some(format!("{t}.{e}")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(e)) => Some(format!(".{e}")),
        (None, None) => None,
    }
}

/// Userlike's vendor spec.
pub static SPEC: VendorSpec = VendorSpec {
    platform: Platform::Userlike,
    event_type,
    rules: RULES,
    normalize: crate::normalize::userlike::drafts,
};
