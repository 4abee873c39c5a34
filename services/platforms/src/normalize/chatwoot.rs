//! chatwoot deliveries → canonical event drafts.
//!
//! Chatwoot sends model data flat, with `event` as the discriminator. The chat id is the conversation's
//! display id (`conversation.id` in message events, top-level `id` in conversation events; `display_id` when a
//! payload names it explicitly). Every conversation snapshot (conversation events, and the `conversation`
//! embedded in message events) is read for the facts it carries: status, assignee, the assignee's
//! availability, and the agent / contact read watermarks (`0` = never). Those facts are repeated by design
//! on every snapshot, so their identities make repeats collapse while genuinely new facts get new ids.

use super::{text, time, Context, Draft};
use crate::json::doc::{at, first_id, id_string};
use crate::json::Json;
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, Kind};
use sha2::{Digest, Sha256};

/// Reads one parsed chatwoot delivery into drafts (empty: the shared mechanism emits one `other` event).
pub fn drafts(_ctx: &Context, body: &Json<'_>) -> Vec<Draft> {
    let Some(event) = body.get("event").and_then(Json::as_str) else {
        return Vec::new();
    };
    match event {
        "message_created" => message_created(body),
        "message_updated" => message_updated(body),
        "conversation_created" => conversation_created(body),
        "conversation_status_changed" => conversation_status_changed(body),
        "conversation_updated" => conversation_updated(body),
        "conversation_resolved" => agent_bot_status(body, Kind::SessionEnded),
        "conversation_opened" => agent_bot_status(body, Kind::SessionReopened),
        "conversation_typing_on" | "conversation_typing_off" => typing(body),
        "webwidget_triggered" => webwidget_triggered(body),
        "contact_created" | "contact_updated" => contact(body, event),
        "inbox_created" | "inbox_updated" => vec![Draft::new(Kind::Other)],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Loose readers

/// The conversation's display id: `display_id` when the object names one, else `id`.
fn chat_id_of(conversation: &Json) -> Option<String> {
    first_id(conversation, &["display_id", "id"])
}

/// A lower-cased, trimmed non-empty string.
fn word(v: Option<&Json>) -> Option<String> {
    let s = v?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_lowercase())
}

/// `changed_attributes`: an array of single-key maps (`[{"status": {"previous_value": …, "current_value": …}}]`);
/// a plain map is accepted too.
fn changes<'a>(body: &'a Json<'a>) -> Vec<(&'a str, &'a Json<'a>)> {
    match body.get("changed_attributes") {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_object).flat_map(|m| m.iter()).collect(),
        Some(Json::Object(m)) => m.iter().collect(),
        _ => Vec::new(),
    }
}

/// `(previous_value, current_value)` of the changed attribute `key`, if the change names it.
fn change<'a>(changes: &[(&str, &'a Json<'a>)], key: &str) -> Option<(Option<&'a Json<'a>>, Option<&'a Json<'a>>)> {
    changes.iter().find(|(k, _)| *k == key).map(|(_, v)| (v.get("previous_value"), v.get("current_value")))
}

/// A short digest of some values (identity of a fact that carries no time of its own).
fn digest(parts: &[Option<&Json>]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(serde_json::to_vec(&p).unwrap_or_default());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..8])
}

/// Bot-like sender / performer types: `agent_bot`, `AgentBot`, `captain_assistant`, `Captain::Assistant`.
fn is_bot_type(t: &str) -> bool {
    let t = t.to_lowercase();
    t.contains("bot") || t.contains("captain")
}

// ---------------------------------------------------------------------------------------------------------
// Conversation snapshots

/// What one conversation snapshot says.
struct Snapshot<'a> {
    chat_id: Option<String>,
    contact_id: Option<String>,
    assignee: Option<&'a Json<'a>>,
    assignee_id: Option<String>,
    status: Option<String>,
    previous_status: Option<String>,
    /// Whether this delivery's `changed_attributes` names a status change.
    status_changed: bool,
    /// The snapshot's own time: `updated_at` (float seconds), else `timestamp` / `last_activity_at`.
    time: Option<i64>,
    agent_last_seen: Option<i64>,
    contact_last_seen: Option<i64>,
    changes: Vec<(&'a str, &'a Json<'a>)>,
}

impl<'a> Snapshot<'a> {
    /// `conversation` is the conversation object; `event` the delivery, whose `changed_attributes` apply
    /// to it (conversation events) or not (message events: pass `None`).
    fn of(conversation: &'a Json<'a>, event: Option<&'a Json<'a>>) -> Self {
        let changes = event.map(changes).unwrap_or_default();
        let assignee = at(conversation, "meta.assignee").filter(|a| a.is_object());
        let assignee_id =
            assignee.and_then(|a| a.get("id")).and_then(id_string).or_else(|| first_id(conversation, &["assignee_id"]));
        let status_change = change(&changes, "status");
        let time = ["updated_at", "timestamp", "last_activity_at"]
            .iter()
            .find_map(|k| conversation.get(k).and_then(time::any));
        Self {
            chat_id: chat_id_of(conversation),
            contact_id: first_id(conversation, &["meta.sender.id", "contact_inbox.contact_id"]),
            assignee,
            assignee_id,
            status: word(conversation.get("status")),
            previous_status: status_change.and_then(|(prev, _)| word(prev)),
            status_changed: status_change.is_some(),
            time,
            agent_last_seen: conversation.get("agent_last_seen_at").and_then(time::any),
            contact_last_seen: conversation.get("contact_last_seen_at").and_then(time::any),
            changes,
        }
    }

    /// A draft about this chat (chat and contact ids filled).
    fn draft(&self, kind: Kind) -> Draft {
        let mut d = Draft::new(kind);
        d.chat_id = self.chat_id.clone();
        d.contact_id = self.contact_id.clone();
        d
    }

    fn chat(&self) -> &str {
        self.chat_id.as_deref().unwrap_or("")
    }

    /// `<prefix>:<snapshot time>` when the snapshot has a time; otherwise no identity (the delivery's digest
    /// identifies the fact, so only an exact repeat collapses).
    fn timed(&self, prefix: String) -> Option<String> {
        self.time.map(|t| format!("{prefix}:{t}"))
    }

    fn session_change(&self, previous_status: Option<String>, closed_by: Option<String>) -> Body {
        Body::SessionChange { status: self.status.clone(), previous_status, reason: None, closed_by }
    }

    /// Every fact the snapshot carries: status, assignee, the assignee's availability, read watermarks.
    fn facts(&self) -> Vec<Draft> {
        let mut out = Vec::new();
        if let Some(status) = &self.status {
            let mut d = self.draft(Kind::SessionStatusChanged);
            d.occurred_at_micros = self.time;
            d.body = self.session_change(self.previous_status.clone(), None);
            d.identity = self.timed(format!("status:{}:{status}", self.chat()));
            out.push(d);
        }
        if let Some(agent) = &self.assignee_id {
            let mut d = self.draft(Kind::Assigned);
            d.agent_id = Some(agent.clone());
            d.occurred_at_micros = self.time;
            d.body = Body::Assignment {
                from_agent_id: None,
                to_agent_id: Some(agent.clone()),
                from_group_id: None,
                to_group_id: None,
                reason: None,
            };
            // Timed like the status fact: A → B → A must not collapse the second assignment to A into the first.
            d.identity = self.timed(format!("assigned:{}:{agent}", self.chat()));
            out.push(d);
        }
        if let Some(d) = self.agent_status() {
            out.push(d);
        }
        if let Some(t) = self.agent_last_seen {
            let mut d = self.draft(Kind::Seen);
            d.agent_id = self.assignee_id.clone();
            d.occurred_at_micros = Some(t);
            d.body =
                Body::Seen { reader_role: "agent".into(), reader_id: self.assignee_id.clone(), seen_up_to_micros: t };
            d.identity = Some(format!("seen:{}:agent:{t}", self.chat()));
            out.push(d);
        }
        if let Some(t) = self.contact_last_seen {
            let mut d = self.draft(Kind::Seen);
            d.occurred_at_micros = Some(t);
            d.body =
                Body::Seen { reader_role: "contact".into(), reader_id: self.contact_id.clone(), seen_up_to_micros: t };
            d.identity = Some(format!("seen:{}:contact:{t}", self.chat()));
            out.push(d);
        }
        out
    }

    /// `meta.assignee.availability_status` (the only trace of agent availability Chatwoot sends).
    fn agent_status(&self) -> Option<Draft> {
        let assignee = self.assignee?;
        if assignee.get("type").and_then(Json::as_str).is_some_and(is_bot_type) {
            return None;
        }
        let agent = self.assignee_id.clone()?;
        let vendor = assignee.get("availability_status")?.as_str()?.trim();
        let status = match vendor.to_lowercase().as_str() {
            "online" => "online",
            "away" | "busy" => "away",
            "offline" => "offline",
            _ => return None,
        };
        let mut d = Draft::new(Kind::AgentStatusChanged);
        d.chat_id = self.chat_id.clone();
        d.agent_id = Some(agent.clone());
        d.occurred_at_micros = self.time;
        d.body = Body::AgentStatus { status: status.into(), vendor_status: vendor.into() };
        d.identity = self.timed(format!("agent_status:{agent}:{vendor}"));
        Some(d)
    }

    /// The session transition this delivery states: for a status event (`explicit`) or a snapshot whose
    /// `changed_attributes` name a status change, `resolved` ends the session and `open` after `resolved`
    /// reopens it.
    fn transition(&self, explicit: bool, performed_by: Option<&Json>) -> Option<Draft> {
        if !explicit && !self.status_changed {
            return None;
        }
        let status = self.status.as_deref()?;
        let kind = if status == "resolved" {
            Kind::SessionEnded
        } else if status == "open" && self.previous_status.as_deref() == Some("resolved") {
            Kind::SessionReopened
        } else {
            return None;
        };
        Some(self.session_event(kind, self.previous_status.clone(), performed_by))
    }

    fn session_event(&self, kind: Kind, previous_status: Option<String>, performed_by: Option<&Json>) -> Draft {
        let mut d = self.draft(kind);
        d.occurred_at_micros = self.time;
        let performer = performed_by.and_then(|p| p.get("type")).and_then(Json::as_str).map(str::to_lowercase);
        let closed_by = match (kind, performer.as_deref()) {
            (Kind::SessionEnded, Some("user")) => Some("agent".to_string()),
            (Kind::SessionEnded, Some("contact")) => Some("contact".to_string()),
            (Kind::SessionEnded, Some(_)) => Some("system".to_string()),
            _ => None,
        };
        if performer.as_deref() == Some("user") {
            d.agent_id = performed_by.and_then(|p| p.get("id")).and_then(id_string);
        }
        d.body = self.session_change(previous_status, closed_by);
        d.identity = self.timed(format!("{}:{}", kind.as_str(), self.chat()));
        d
    }

    /// `transferred` when `changed_attributes` shows the assignee (or team) going from one to another.
    fn transfers(&self) -> Vec<Draft> {
        let mut out = Vec::new();
        for (key, what) in [("assignee_id", "agent"), ("team_id", "team")] {
            let Some((Some(prev), Some(cur))) = change(&self.changes, key) else { continue };
            let (Some(from), Some(to)) = (id_string(prev), id_string(cur)) else { continue };
            if from == to {
                continue;
            }
            let mut d = self.draft(Kind::Transferred);
            let (from_agent_id, to_agent_id, from_group_id, to_group_id) = if what == "agent" {
                d.agent_id = Some(to.clone());
                (Some(from.clone()), Some(to.clone()), None, None)
            } else {
                (None, None, Some(from.clone()), Some(to.clone()))
            };
            d.occurred_at_micros = self.time;
            d.body = Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason: None };
            d.identity = self.timed(format!("transferred:{}:{what}:{from}:{to}", self.chat()));
            out.push(d);
        }
        out
    }
}

fn conversation_created(body: &Json) -> Vec<Draft> {
    let s = Snapshot::of(body, Some(body));
    let mut d = s.draft(Kind::SessionStarted);
    d.occurred_at_micros = body.get("created_at").and_then(time::any).or(s.time);
    d.body = Body::SessionChange { status: s.status.clone(), previous_status: None, reason: None, closed_by: None };
    d.identity = Some(format!("session_started:{}", s.chat()));
    let mut out = vec![d];
    out.extend(s.facts());
    out
}

fn conversation_status_changed(body: &Json) -> Vec<Draft> {
    let s = Snapshot::of(body, Some(body));
    let mut out: Vec<Draft> = s.transition(true, body.get("performed_by")).into_iter().collect();
    out.extend(s.facts());
    out
}

fn conversation_updated(body: &Json) -> Vec<Draft> {
    let s = Snapshot::of(body, Some(body));
    let mut out: Vec<Draft> = s.transition(false, body.get("performed_by")).into_iter().collect();
    out.extend(s.transfers());
    out.extend(s.facts());
    out
}

/// Agent-bot `conversation_resolved` / `conversation_opened` (to be deprecated for `conversation_status_changed`).
fn agent_bot_status(body: &Json, kind: Kind) -> Vec<Draft> {
    let s = Snapshot::of(body, Some(body));
    let mut out = vec![s.session_event(kind, s.previous_status.clone(), body.get("performed_by"))];
    out.extend(s.facts());
    out
}

// ---------------------------------------------------------------------------------------------------------
// Messages

/// The message a `message_*` delivery carries, with the ids around it.
fn message_draft(body: &Json, s: Option<&Snapshot>, kind: Kind) -> Draft {
    let sender = body.get("sender").filter(|v| v.is_object());
    let sender_type = sender
        .and_then(|v| v.get("type"))
        .and_then(Json::as_str)
        .or_else(|| body.get("sender_type").and_then(Json::as_str))
        .map(str::to_lowercase);
    let bot_sender = sender_type.as_deref().is_some_and(is_bot_type);
    let role = match body.get("message_type") {
        Some(Json::String(t)) => match t.trim().to_lowercase().as_str() {
            "incoming" => Some("contact"),
            "outgoing" => Some(if bot_sender { "bot" } else { "agent" }),
            "activity" => Some("system"),
            "template" => Some("bot"),
            _ => None,
        },
        Some(Json::Number(n)) => match n.as_i64() {
            Some(0) => Some("contact"),
            Some(1) => Some(if bot_sender { "bot" } else { "agent" }),
            Some(2) => Some("system"),
            Some(3) => Some("bot"),
            _ => None,
        },
        _ => None,
    };
    let role = role.unwrap_or(match sender_type.as_deref() {
        Some("contact") => "contact",
        Some("user") => "agent",
        Some(_) if bot_sender => "bot",
        _ => "system",
    });
    let author_id = sender.and_then(|v| v.get("id")).and_then(id_string);
    let content = body.get("content").and_then(Json::as_str);
    let mut d = Draft::new(kind);
    d.chat_id = s.and_then(|s| s.chat_id.clone()).or_else(|| first_id(body, &["conversation_id"]));
    d.contact_id = s.and_then(|s| s.contact_id.clone()).or_else(|| first_id(body, &["contact.id"])).or_else(|| {
        if role == "contact" {
            author_id.clone()
        } else {
            None
        }
    });
    if role == "agent" {
        d.agent_id = author_id.clone();
    }
    d.occurred_at_micros = body.get("created_at").and_then(time::any);
    let message_id = body.get("id").and_then(id_string);
    d.body = Body::Message(Message {
        message_id: message_id.clone(),
        author_role: role.into(),
        author_id,
        internal: body.get("private").and_then(Json::as_bool).unwrap_or(false),
        content_type: content_type(body, content),
        text_length: content.map(text::length).unwrap_or(0),
        text: content.map(str::to_string),
    });
    d.identity = message_id.map(|id| format!("message:{id}"));
    d
}

/// `text` for plain text (and a missing content type); `csat_request` for the CSAT survey; an attachment's
/// `file_type` for a message that is only attachments; otherwise Chatwoot's own word.
fn content_type(body: &Json, content: Option<&str>) -> String {
    match word(body.get("content_type")).as_deref() {
        None | Some("text") => {
            let attachment = body.get("attachments").and_then(Json::as_array).and_then(|a| a.first());
            match attachment {
                Some(a) if content.is_none_or(|c| c.trim().is_empty()) => {
                    word(a.get("file_type")).unwrap_or_else(|| "file".into())
                }
                _ => "text".into(),
            }
        }
        Some("input_csat") => "csat_request".into(),
        Some(other) => other.into(),
    }
}

/// The embedded conversation of a message event, when it is an object.
fn embedded<'a>(body: &'a Json<'a>) -> Option<Snapshot<'a>> {
    body.get("conversation").filter(|c| c.is_object()).map(|c| {
        let mut s = Snapshot::of(c, None);
        s.chat_id = s.chat_id.or_else(|| first_id(body, &["conversation_id"]));
        s
    })
}

fn message_created(body: &Json) -> Vec<Draft> {
    let s = embedded(body);
    let mut out = vec![message_draft(body, s.as_ref(), Kind::Message)];
    if let Some(s) = &s {
        out.extend(s.facts());
    }
    out
}

/// When the message was updated: its own `updated_at`, else that of the same message in the embedded
/// conversation's `messages[]` (push format).
fn message_updated_at(body: &Json) -> Option<i64> {
    if let Some(t) = body.get("updated_at").and_then(time::any) {
        return Some(t);
    }
    let id = body.get("id").and_then(id_string)?;
    at(body, "conversation.messages")?
        .as_array()?
        .iter()
        .find(|m| m.get("id").and_then(id_string).as_deref() == Some(id.as_str()))
        .and_then(|m| m.get("updated_at"))
        .and_then(time::any)
}

fn message_updated(body: &Json) -> Vec<Draft> {
    let s = embedded(body);
    let updated_at = message_updated_at(body);
    let message_id = body.get("id").and_then(id_string);
    let csat = at(body, "content_attributes.submitted_values.csat_survey_response").filter(|v| v.is_object());
    let score = csat.and_then(|c| c.get("rating")).and_then(|r| match r {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    });
    let first = match (csat, score.filter(|x| x.is_finite())) {
        (Some(csat), Some(score)) => {
            let comment = csat
                .get("feedback_message")
                .and_then(Json::as_str)
                .filter(|c| !c.trim().is_empty())
                .map(str::to_string);
            let mut d = Draft::new(Kind::Rating);
            d.chat_id = s.as_ref().and_then(|s| s.chat_id.clone()).or_else(|| first_id(body, &["conversation_id"]));
            d.contact_id = s.as_ref().and_then(|s| s.contact_id.clone()).or_else(|| first_id(body, &["contact.id"]));
            d.agent_id = s.as_ref().and_then(|s| s.assignee_id.clone());
            d.occurred_at_micros = updated_at;
            d.body = super::rating(score, 1.0, 5.0, comment);
            let score_id = csat.get("rating").and_then(id_string).unwrap_or_else(|| score.to_string());
            d.identity = message_id.map(|id| format!("rating:{id}:{score_id}"));
            d
        }
        _ => {
            let mut d = message_draft(body, s.as_ref(), Kind::MessageEdited);
            d.occurred_at_micros = updated_at;
            let version = match updated_at {
                Some(t) => t.to_string(),
                None => format!(
                    "c{}",
                    digest(&[
                        body.get("content"),
                        body.get("content_type"),
                        body.get("content_attributes"),
                        body.get("private"),
                        body.get("attachments"),
                    ])
                ),
            };
            d.identity = message_id.map(|id| format!("message_edited:{id}:{version}"));
            d
        }
    };
    let mut out = vec![first];
    if let Some(s) = &s {
        out.extend(s.facts());
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Everything else

/// Typing on/off: no event time, nothing for the projections; `other` with the ids.
fn typing(body: &Json) -> Vec<Draft> {
    let mut d = Draft::new(Kind::Other);
    if let Some(s) = embedded(body) {
        d.chat_id = s.chat_id;
        d.contact_id = s.contact_id;
    }
    let user = body.get("user");
    let user_type = user.and_then(|u| u.get("type")).and_then(Json::as_str).map(str::to_lowercase);
    let user_id = user.and_then(|u| u.get("id")).and_then(id_string);
    match user_type.as_deref() {
        Some("user") => d.agent_id = user_id,
        Some("contact") => d.contact_id = d.contact_id.or(user_id),
        _ => {}
    }
    vec![d]
}

/// The widget was opened: no conversation, usually; `other` with the contact (and chat, if any).
fn webwidget_triggered(body: &Json) -> Vec<Draft> {
    let mut d = Draft::new(Kind::Other);
    d.contact_id = first_id(body, &["contact.id"]);
    d.chat_id = body.get("current_conversation").filter(|c| c.is_object()).and_then(chat_id_of);
    vec![d]
}

/// `contact_created` / `contact_updated` → `contact_updated` with the changed attribute names.
fn contact(body: &Json, event: &str) -> Vec<Draft> {
    let changes = changes(body);
    let mut changed: Vec<String> = Vec::new();
    for (k, _) in &changes {
        if !changed.iter().any(|c| c == k) {
            changed.push((*k).to_string());
        }
    }
    let mut d = Draft::new(Kind::ContactUpdated);
    d.contact_id = body.get("id").and_then(id_string);
    d.occurred_at_micros = change(&changes, "updated_at").and_then(|(_, cur)| cur).and_then(time::any);
    let contact = d.contact_id.clone();
    d.identity = match (event, contact) {
        ("contact_created", Some(c)) => Some(format!("contact_created:{c}")),
        (_, Some(c)) => d.occurred_at_micros.map(|t| format!("contact_updated:{c}:{t}")),
        _ => None,
    };
    d.body = Body::ContactChange { changed };
    vec![d]
}
