//! Chatwoot account webhooks, API-inbox callbacks and agent-bot deliveries: `event` discriminator,
//! HMAC-SHA256 over `"{timestamp}.{raw body}"` when a secret is configured.

use crate::json::str_field;
use crate::routing::{Rule, VendorSpec};
use crate::Platform;
use serde_json::Value;

// The display id (a per-account sequence) is the chat id users see; payloads that also carry the
// database id name the display id `display_id`.
const MESSAGE_CHAT: &[&str] = &["conversation.display_id", "conversation.id", "conversation_id"];
const CONVERSATION: &[&str] = &["display_id", "id", "conversation.id"];

/// Subscribable events, listener-only inbox events and the agent-bot events.
pub static RULES: &[Rule] = &[
    Rule::chat("message_created", MESSAGE_CHAT),
    Rule::chat("message_updated", MESSAGE_CHAT),
    Rule::chat("conversation_created", CONVERSATION),
    Rule::chat("conversation_status_changed", CONVERSATION),
    Rule::chat("conversation_updated", CONVERSATION),
    Rule::chat("conversation_resolved", CONVERSATION),
    Rule::chat("conversation_opened", CONVERSATION),
    Rule::chat("conversation_typing_on", MESSAGE_CHAT),
    Rule::chat("conversation_typing_off", MESSAGE_CHAT),
    Rule::account("webwidget_triggered"),
    Rule::account("contact_created"),
    Rule::account("contact_updated"),
    Rule::account("inbox_created"),
    Rule::account("inbox_updated"),
];

fn event_type(body: &Value) -> Option<String> {
    str_field(body, "event").map(str::to_string)
}

/// Chatwoot's vendor spec.
pub static SPEC: VendorSpec = VendorSpec {
    platform: Platform::Chatwoot,
    event_type,
    rules: RULES,
    normalize: crate::normalize::chatwoot::drafts,
};

/// Header carrying `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-chatwoot-signature";
/// Header carrying the signing time in unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-chatwoot-timestamp";
/// Header carrying the delivery UUID (stable across Sidekiq retries), when sent.
pub const DELIVERY_HEADER: &str = "x-chatwoot-delivery";
