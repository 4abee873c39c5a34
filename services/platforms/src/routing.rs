//! Event type and routing key of a delivery, by one table-driven mechanism shared by all vendors.

use crate::json::first_id;
use crate::{chatwoot, freshchat, livechat, userlike, Platform};
use serde_json::Value;

/// What a delivery is about, which decides its Kafka key and so its partition and ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One chat/conversation: `{tenant}/{platform}/chat/{id}`.
    Chat,
    /// One agent (status, roster): `{tenant}/{platform}/agent/{id}`.
    Agent,
    /// Anything else: `{tenant}/{platform}/account`.
    Account,
}

/// A documented vendor event type and where its chat or agent id lives.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The vendor's event type string (see [`VendorSpec::event_type`]).
    pub event_type: &'static str,
    pub scope: Scope,
    /// Dotted JSON paths tried in order for the id (ignored for [`Scope::Account`]).
    pub id_paths: &'static [&'static str],
}

impl Rule {
    /// A chat-scoped event type.
    pub const fn chat(event_type: &'static str, id_paths: &'static [&'static str]) -> Self {
        Self { event_type, scope: Scope::Chat, id_paths }
    }
    /// An agent-scoped event type.
    pub const fn agent(event_type: &'static str, id_paths: &'static [&'static str]) -> Self {
        Self { event_type, scope: Scope::Agent, id_paths }
    }
    /// An account-scoped event type.
    pub const fn account(event_type: &'static str) -> Self {
        Self { event_type, scope: Scope::Account, id_paths: &[] }
    }
}

/// Everything the shared mechanism needs to know about one vendor.
#[derive(Debug)]
pub struct VendorSpec {
    pub platform: Platform,
    /// Reads the vendor's event type from a parsed body.
    pub event_type: fn(&Value) -> Option<String>,
    /// Every event type the vendor documents (current and older versions).
    pub rules: &'static [Rule],
    /// Reads a parsed delivery into canonical event drafts (empty: the shared mechanism emits `other`).
    pub normalize: fn(&crate::normalize::Context, &crate::json::Json<'_>) -> Vec<crate::normalize::Draft>,
}

impl VendorSpec {
    /// The spec of `platform`.
    pub fn of(platform: Platform) -> &'static VendorSpec {
        match platform {
            Platform::LiveChat => &livechat::SPEC,
            Platform::Chatwoot => &chatwoot::SPEC,
            Platform::Freshchat => &freshchat::SPEC,
            Platform::Userlike => &userlike::SPEC,
        }
    }

    /// The rule for a documented event type.
    pub fn rule(&self, event_type: &str) -> Option<&'static Rule> {
        self.rules.iter().find(|r| r.event_type == event_type)
    }
}

/// The event type and routing of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The vendor's event type, when the body names one.
    pub event_type: Option<String>,
    /// Whether the event type is in the vendor documentation chatstream knows.
    pub documented: bool,
    /// The scope actually used for the key (a chat event without a chat id falls back to account).
    pub scope: Scope,
    /// The chat or agent id (for [`Scope::Chat`] and [`Scope::Agent`]).
    pub id: Option<String>,
}

impl Classification {
    /// The Kafka key: `{tenant}/{platform}/chat/{id}`, `…/agent/{id}` or `…/account`.
    pub fn routing_key(&self, tenant: &str, platform: Platform) -> String {
        match (self.scope, &self.id) {
            (Scope::Chat, Some(id)) => format!("{tenant}/{platform}/chat/{id}"),
            (Scope::Agent, Some(id)) => format!("{tenant}/{platform}/agent/{id}"),
            _ => format!("{tenant}/{platform}/account"),
        }
    }

    /// A bounded label for metrics: the documented event type, `undocumented` or `none`.
    pub fn metric_label(&self) -> &str {
        match (&self.event_type, self.documented) {
            (Some(t), true) => t,
            (Some(_), false) => "undocumented",
            (None, _) => "none",
        }
    }
}

/// Finds the event type and routing of a parsed delivery. Never fails: an event type nobody documented
/// is kept and keyed by account.
pub fn classify(platform: Platform, body: &Value) -> Classification {
    let spec = VendorSpec::of(platform);
    let event_type = (spec.event_type)(body);
    let rule = event_type.as_deref().and_then(|t| spec.rule(t));
    let (scope, id) = match rule {
        Some(r) if r.scope != Scope::Account => match first_id(body, r.id_paths) {
            Some(id) => (r.scope, Some(id)),
            None => (Scope::Account, None),
        },
        _ => (Scope::Account, None),
    };
    Classification { documented: rule.is_some(), event_type, scope, id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rule_tables_have_no_duplicates_and_ids_for_chat_and_agent_rules() {
        for p in Platform::ALL {
            let spec = VendorSpec::of(p);
            assert_eq!(spec.platform, p);
            let mut seen = std::collections::HashSet::new();
            for r in spec.rules {
                assert!(seen.insert(r.event_type), "{p}: {} listed twice", r.event_type);
                assert_eq!(r.scope == Scope::Account, r.id_paths.is_empty(), "{p}: {}", r.event_type);
            }
        }
    }

    #[test]
    fn chat_event_without_id_falls_back_to_account() {
        let c = classify(Platform::LiveChat, &json!({"action": "incoming_event", "payload": {}}));
        assert!(c.documented);
        assert_eq!(c.routing_key("t", Platform::LiveChat), "t/livechat/account");
    }

    #[test]
    fn no_event_type_is_none_label() {
        let c = classify(Platform::Chatwoot, &json!([1, 2]));
        assert_eq!(c.event_type, None);
        assert_eq!(c.metric_label(), "none");
        assert_eq!(c.routing_key("t", Platform::Chatwoot), "t/chatwoot/account");
    }
}
