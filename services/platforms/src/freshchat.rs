//! Freshchat conversation webhooks: `action` discriminator, RSA PKCS#1 v1.5 / SHA-256 signature of the
//! raw body in `X-Freshchat-Signature`.

use crate::json::str_field;
use crate::routing::{Rule, VendorSpec};
use crate::Platform;
use serde_json::Value;

/// The four documented actions (both the current and the 2018 payload shapes).
pub static RULES: &[Rule] = &[
    Rule::chat("message_create", &["data.message.conversation_id"]),
    Rule::chat(
        "conversation_assignment",
        &["data.assignment.conversation.conversation_id", "data.assignment.conversation_id"],
    ),
    Rule::chat(
        "conversation_resolution",
        &["data.resolve.conversation.conversation_id", "data.resolve.conversation_id"],
    ),
    Rule::chat("conversation_reopen", &["data.reopen.conversation.conversation_id", "data.reopen.conversation_id"]),
];

fn event_type(body: &Value) -> Option<String> {
    str_field(body, "action").map(str::to_string)
}

/// Freshchat's vendor spec.
pub static SPEC: VendorSpec = VendorSpec {
    platform: Platform::Freshchat,
    event_type,
    rules: RULES,
    normalize: crate::normalize::freshchat::drafts,
};

/// Header carrying the base64 RSA signature (matched case-insensitively).
pub const SIGNATURE_HEADER: &str = "x-freshchat-signature";
