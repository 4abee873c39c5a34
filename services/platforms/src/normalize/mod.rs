//! Turning one raw delivery into 0..n canonical [`ChatEvent`]s, by one mechanism for all vendors.
//!
//! A vendor module only reads its payload into [`Draft`]s (kind, ids, time, body, and the vendor's own
//! identity of the event when it has one). This module does the rest the same way for everyone:
//! deterministic `event_id`s, the receive-time fallback for `occurred_at`, lineage, and text privacy.

pub mod chatwoot;
pub mod freshchat;
pub mod livechat;
pub mod time;
pub mod userlike;

pub use chrono_tz::Tz as Timezone;

use crate::json::Json;
use crate::Platform;
use chatstream_schema::{Body, ChatEvent, Kind, Lineage};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Everything about the delivery that is not in its body.
#[derive(Debug, Clone)]
pub struct Context {
    pub tenant: String,
    pub source_id: String,
    pub platform: Platform,
    /// The vendor event type the ingress found.
    pub vendor_event_type: Option<String>,
    pub received_at_micros: i64,
    pub lineage: Lineage,
    /// Keep message and feedback text in events (off by default: chat text is personal data).
    pub keep_text: bool,
    /// Zone of naive timestamps (Userlike), UTC unless the source configures one.
    pub timezone: chrono_tz::Tz,
}

impl Context {
    /// The context of a stored raw delivery: its own fields, where it is in the raw topic, and its
    /// source's settings (text privacy, time zone; defaults when the source is no longer configured).
    pub fn for_raw(
        raw: &chatstream_schema::RawWebhook,
        sources: &crate::Sources,
        lineage: Lineage,
    ) -> Result<Self, crate::UnknownPlatform> {
        let source = sources.get(&raw.source_id);
        Ok(Self {
            tenant: raw.tenant.clone(),
            source_id: raw.source_id.clone(),
            platform: raw.platform.parse()?,
            vendor_event_type: raw.event_type.clone(),
            received_at_micros: raw.received_at_micros,
            lineage,
            keep_text: source.is_some_and(|s| s.keep_message_text),
            timezone: source.map_or(Timezone::UTC, |s| s.timezone),
        })
    }
}

/// One event as a vendor module reads it, before the shared finishing.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: Kind,
    pub chat_id: Option<String>,
    pub session_id: Option<String>,
    pub agent_id: Option<String>,
    pub contact_id: Option<String>,
    /// When it happened, if the payload says (µs since the epoch, UTC).
    pub occurred_at_micros: Option<i64>,
    pub body: Body,
    /// The vendor's own identity of this event (e.g. `message:<id>`), when it has one that is stable across
    /// deliveries; otherwise the event is identified by the delivery's content and its position in it.
    pub identity: Option<String>,
}

impl Draft {
    /// A draft of `kind` with nothing else set.
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            chat_id: None,
            session_id: None,
            agent_id: None,
            contact_id: None,
            occurred_at_micros: None,
            body: Body::None,
            identity: None,
        }
    }
}

/// Why a delivery cannot be normalised (it goes to the dead-letter topic with this reason).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum NormalizeError {
    #[error("body is not valid JSON: {0}")]
    NotJson(String),
    #[error("body is JSON but not an object; no vendor sends that")]
    NotAnObject,
}

impl NormalizeError {
    /// Bounded reason label (dead-letter header and metrics).
    pub fn reason(&self) -> &'static str {
        match self {
            NormalizeError::NotJson(_) => "not_json",
            NormalizeError::NotAnObject => "not_an_object",
        }
    }
}

/// Normalises one raw delivery body. A delivery of an event type nobody documented, or one whose shape
/// the vendor module does not recognise, yields one `other` event rather than nothing.
pub fn normalize(ctx: &Context, raw_body: &[u8]) -> Result<Vec<ChatEvent>, NormalizeError> {
    // A borrowed parse (no string copies, no sorted maps) that reads exactly like serde_json's `Value`.
    let value = Json::parse(raw_body).map_err(|e| NormalizeError::NotJson(e.to_string()))?;
    if !value.is_object() {
        return Err(NormalizeError::NotAnObject);
    }
    let mut drafts = (crate::routing::VendorSpec::of(ctx.platform).normalize)(ctx, &value);
    if drafts.is_empty() {
        // Rare (undocumented types): the routing rules read serde_json's `Value`, so parse that here.
        let full: Value = serde_json::from_slice(raw_body).map_err(|e| NormalizeError::NotJson(e.to_string()))?;
        let class = crate::classify(ctx.platform, &full);
        let mut other = Draft::new(Kind::Other);
        if class.scope == crate::Scope::Chat {
            other.chat_id = class.id.clone();
        } else if class.scope == crate::Scope::Agent {
            other.agent_id = class.id.clone();
        }
        drafts.push(other);
    }
    // The content digest is only needed for drafts without a vendor identity (it re-serialises the payload).
    let digest = if drafts.iter().any(|d| d.identity.is_none()) { payload_digest(&value) } else { String::new() };
    Ok(drafts.into_iter().enumerate().map(|(i, d)| finish(ctx, d, &digest, i)).collect())
}

/// A digest of the payload's content that ignores key order and whitespace (serialised in key order, as
/// serde_json's sorted map would be), so a vendor retry of the same event gives the same digest.
fn payload_digest(value: &Json<'_>) -> String {
    let canonical = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(&Sha256::digest(&canonical)[..16])
}

fn finish(ctx: &Context, d: Draft, digest: &str, index: usize) -> ChatEvent {
    let identity = match &d.identity {
        Some(id) => format!("id:{id}"),
        None => format!("payload:{digest}:{index}"),
    };
    let mut h = Sha256::new();
    for part in [ctx.source_id.as_str(), ctx.platform.as_str(), identity.as_str()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let event_id = hex::encode(&h.finalize()[..16]);
    let (occurred_at_micros, occurred_at_source) = match d.occurred_at_micros {
        Some(t) => (t, "payload"),
        None => (ctx.received_at_micros, "received"),
    };
    let body = if ctx.keep_text { d.body } else { without_text(d.body) };
    ChatEvent {
        event_id,
        tenant: ctx.tenant.clone(),
        source_id: ctx.source_id.clone(),
        platform: ctx.platform.as_str().to_string(),
        chat_id: d.chat_id,
        session_id: d.session_id,
        agent_id: d.agent_id,
        contact_id: d.contact_id,
        occurred_at_micros,
        occurred_at_source: occurred_at_source.to_string(),
        received_at_micros: ctx.received_at_micros,
        kind: d.kind,
        vendor_event_type: ctx.vendor_event_type.clone(),
        body,
        lineage: ctx.lineage.clone(),
    }
}

fn without_text(body: Body) -> Body {
    match body {
        Body::Message(mut m) => {
            m.text = None;
            Body::Message(m)
        }
        Body::Feedback { text_length, .. } => Body::Feedback { text_length, text: None },
        // A rating's comment is the customer's free text.
        Body::Rating(mut r) => {
            r.comment = None;
            Body::Rating(r)
        }
        // Only post-chat survey answers (satisfaction choices, which the ratings projection needs) are kept;
        // any other form (pre-chat, untyped) asks for names, e-mails and the like: personal data.
        Body::SurveyAnswer { form_type, question, answer } => {
            let survey = matches!(form_type.as_str(), "postchat" | "post_survey" | "survey" | "csat");
            Body::SurveyAnswer { answer: if survey { answer } else { String::new() }, form_type, question }
        }
        other => other,
    }
}

/// Text helpers for vendor modules.
pub mod text {
    /// Characters of `s` (what `text_length` counts).
    pub fn length(s: &str) -> i32 {
        i32::try_from(s.chars().count()).unwrap_or(i32::MAX)
    }
}

/// A rating on a `min..=max` scale, normalised to 0..1 (clamped).
pub fn rating(vendor_score: f64, scale_min: f64, scale_max: f64, comment: Option<String>) -> Body {
    let span = scale_max - scale_min;
    let normalized = if span > 0.0 { ((vendor_score - scale_min) / span).clamp(0.0, 1.0) } else { 0.0 };
    Body::Rating(chatstream_schema::chat_event::Rating {
        vendor_score,
        scale_min,
        scale_max,
        normalized_score: normalized,
        comment,
    })
}
