//! One stream of deliveries from many concurrently active chat sessions across the four platforms.

use crate::demo;
use crate::plan::SessionPlan;
use crate::render::chatwoot::Chatwoot;
use crate::render::freshchat::Freshchat;
use crate::render::livechat::LiveChat;
use crate::render::userlike::Userlike;
use crate::render::{Rendered, Renderer};
use crate::script::Scripter;
use crate::sign::Credentials;
use bytes::Bytes;
use chatstream_platforms::Platform;
use chatstream_schema::RawWebhook;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;

/// One webhook body ready to sign and send.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub platform: Platform,
    pub source_id: String,
    pub event_type: String,
    pub body: Bytes,
    /// When the vendor would send it (simulated clock).
    pub at: DateTime<Utc>,
}

impl Delivery {
    /// The delivery as the ingress stores it in the raw topic (event type and routing key found the same
    /// way), for pre-filling topics in benchmarks and tests without going through HTTP.
    pub fn to_raw_webhook(&self, tenant: &str, request_id: String, received_at_micros: i64) -> RawWebhook {
        let parsed: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        let class = chatstream_platforms::classify(self.platform, &parsed);
        RawWebhook {
            ingress_version: env!("CARGO_PKG_VERSION").into(),
            request_id,
            source_id: self.source_id.clone(),
            tenant: tenant.into(),
            platform: self.platform.as_str().into(),
            routing_key: class.routing_key(tenant, self.platform),
            event_type: class.event_type,
            event_type_documented: class.documented,
            received_at_micros,
            headers: Vec::new(),
            verification: "simulated".into(),
            body_redacted: false,
            body: self.body.to_vec(),
        }
    }
}

/// A delivery with its authentication, ready for the wire.
#[derive(Debug, Clone)]
pub struct SignedDelivery {
    pub platform: Platform,
    pub event_type: String,
    /// Path and query, e.g. `/webhooks/demo-chatwoot`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Credentials per platform for signing.
#[derive(Debug, Clone)]
pub struct Signers {
    creds: [Credentials; 4],
}

impl Signers {
    /// The demo credentials of `chatstream dev` and docker-compose.
    pub fn demo() -> Self {
        Self { creds: Platform::ALL.map(Credentials::demo) }
    }

    /// Signs a delivery now.
    pub fn sign(&self, d: &Delivery, now_unix: i64) -> SignedDelivery {
        let idx = Platform::ALL.iter().position(|p| *p == d.platform).unwrap_or(0);
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        headers.extend(self.creds[idx].headers(&d.body, now_unix));
        SignedDelivery {
            platform: d.platform,
            event_type: d.event_type.clone(),
            path: format!("/webhooks/{}", d.source_id),
            headers,
            body: d.body.clone(),
        }
    }
}

/// An endless, reproducible stream of deliveries (same seed and start, same stream).
pub struct Traffic {
    scripter: Scripter,
    rng: StdRng,
    livechat: LiveChat,
    chatwoot: Chatwoot,
    freshchat: Freshchat,
    userlike: Userlike,
    active: Vec<VecDeque<Delivery>>,
    /// Probability that the next delivery is an agent status change.
    status_share: f64,
}

impl Traffic {
    /// Traffic with `parallel_sessions` chats open at once, its simulated clock starting at `start`.
    pub fn new(seed: u64, start: DateTime<Utc>, parallel_sessions: usize) -> Self {
        let mut t = Self {
            scripter: Scripter::new(seed, 12, start),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_cafe),
            livechat: LiveChat {
                secret_key: demo::LIVECHAT_SECRET.trim().to_string(),
                organization_id: "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex".into(),
            },
            chatwoot: Chatwoot { account_id: 1, inbox_id: 1 },
            freshchat: Freshchat { app_id: "8e0b2c47-3f0f-4a8e-9d52-1c2b3a4d5e6f".into() },
            userlike: Userlike,
            active: Vec::new(),
            status_share: 0.05,
        };
        for _ in 0..parallel_sessions.max(1) {
            let session = t.next_session();
            t.active.push(session);
        }
        t
    }

    fn renderer(&self, platform: Platform) -> &dyn Renderer {
        match platform {
            Platform::LiveChat => &self.livechat,
            Platform::Chatwoot => &self.chatwoot,
            Platform::Freshchat => &self.freshchat,
            Platform::Userlike => &self.userlike,
        }
    }

    fn deliveries(&self, platform: Platform, rendered: Vec<Rendered>) -> VecDeque<Delivery> {
        rendered
            .into_iter()
            .map(|r| Delivery {
                platform,
                source_id: demo::source_id(platform),
                event_type: r.event_type,
                body: Bytes::from(serde_json::to_vec(&r.body).unwrap_or_default()),
                at: r.at,
            })
            .collect()
    }

    fn next_session(&mut self) -> VecDeque<Delivery> {
        let platform = Platform::ALL[self.rng.gen_range(0..4)];
        let plan: SessionPlan = self.scripter.session();
        let rendered = self.renderer(platform).session(&plan);
        self.deliveries(platform, rendered)
    }
}

impl Iterator for Traffic {
    type Item = Delivery;

    fn next(&mut self) -> Option<Delivery> {
        loop {
            if self.rng.gen_bool(self.status_share) {
                let change = self.scripter.status_change();
                let platform = [Platform::LiveChat, Platform::Userlike][self.rng.gen_range(0..2)];
                let rendered = self.renderer(platform).status(&change);
                if let Some(d) = self.deliveries(platform, rendered).pop_front() {
                    return Some(d);
                }
            }
            let slot = self.rng.gen_range(0..self.active.len());
            if let Some(d) = self.active[slot].pop_front() {
                return Some(d);
            }
            self.active[slot] = self.next_session();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatstream_platforms::{classify, Scope};

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_763_700_000, 0).unwrap()
    }

    #[test]
    fn reproducible_for_a_seed() {
        let a: Vec<_> = Traffic::new(42, t0(), 16).take(300).map(|d| d.body).collect();
        let b: Vec<_> = Traffic::new(42, t0(), 16).take(300).map(|d| d.body).collect();
        assert_eq!(a, b);
        let c: Vec<_> = Traffic::new(43, t0(), 16).take(300).map(|d| d.body).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn every_delivery_is_a_documented_event_with_a_chat_or_agent_key() {
        let mut platforms = std::collections::HashSet::new();
        let mut event_types = std::collections::HashSet::new();
        for d in Traffic::new(7, t0(), 32).take(3000) {
            let v: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
            let c = classify(d.platform, &v);
            assert!(c.documented, "{}: {:?} undocumented", d.platform, c.event_type);
            assert_eq!(c.event_type.as_deref(), Some(d.event_type.as_str()));
            assert_ne!(c.scope, Scope::Account, "{} {} has no chat/agent key", d.platform, d.event_type);
            platforms.insert(d.platform);
            event_types.insert(format!("{}:{}", d.platform, d.event_type));
        }
        assert_eq!(platforms.len(), 4);
        // Whole sessions: starts, messages, transfers, reads, ends, ratings, surveys, status changes.
        for want in [
            "livechat:incoming_chat",
            "livechat:incoming_event",
            "livechat:chat_transferred",
            "livechat:events_marked_as_seen",
            "livechat:chat_deactivated",
            "livechat:thread_properties_updated",
            "livechat:routing_status_set",
            "chatwoot:conversation_created",
            "chatwoot:message_created",
            "chatwoot:message_updated",
            "chatwoot:conversation_updated",
            "chatwoot:conversation_status_changed",
            "freshchat:message_create",
            "freshchat:conversation_assignment",
            "freshchat:conversation_resolution",
            "userlike:chat_meta.start",
            "userlike:chat_meta.receive",
            "userlike:chat_meta.rating",
            "userlike:chat_meta.survey",
        ] {
            assert!(event_types.contains(want), "{want} never generated: {event_types:?}");
        }
        assert!(event_types.iter().any(|e| e.starts_with("userlike:operator.")));
    }

    #[test]
    fn signed_deliveries_verify_against_the_demo_sources() {
        let sources = chatstream_platforms::Sources::load(None, Some(&demo::sources_toml())).unwrap();
        let signers = Signers::demo();
        let now = 1_763_700_000;
        for d in Traffic::new(3, t0(), 8).take(200) {
            let s = signers.sign(&d, now);
            let source = sources.get(&d.source_id).unwrap();
            let meta = Meta(&s.headers);
            let parsed: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
            chatstream_platforms::verify(&source.auth, &meta, &s.body, &parsed, now)
                .unwrap_or_else(|e| panic!("{} {}: {e}", d.platform, d.event_type));
        }
    }

    struct Meta<'a>(&'a [(String, String)]);
    impl chatstream_platforms::RequestMeta for Meta<'_> {
        fn header(&self, name: &str) -> Option<&[u8]> {
            self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_bytes())
        }
        fn query_param(&self, _: &str) -> Option<std::borrow::Cow<'_, str>> {
            None
        }
    }
}
