//! freshchat deliveries → canonical event drafts.
//!
//! Freshchat documents four actions, all in the envelope `{actor{actor_type, actor_id}, action, action_time,
//! data}` (platforms.md §2):
//!
//! - `message_create` → message; chat `data.message.conversation_id`, session `interaction_id`; time
//!   `data.message.created_time` (ISO or epoch millis), else `action_time`; identity the message id.
//! - `conversation_assignment` → assigned (no `from_agent_id`) or transferred; chat
//!   `data.assignment.conversation.conversation_id`; time `action_time`.
//! - `conversation_resolution` → session_ended; chat `data.resolve.conversation.conversation_id`; time `action_time`.
//! - `conversation_reopen` → session_reopened (status `reopen` or `reopened`); chat
//!   `data.reopen.conversation.conversation_id`; time `action_time`.
//! - anything else → other, at `action_time`.
//!
//! Two message schemas exist: the 2018 `msg_parts[{part_type, properties.text}]` (no `actor_id` in the
//! message) and the current `message_parts[{text:{content}} | {image:{url}} | …]`; both are read.
//! Freshchat sends no ratings, read receipts or agent availability, so none are produced.
//! Everything is read from the payload alone (no header such as `X-Freshchat-Payload-Version` is needed).

use super::text::length;
use super::time::rfc3339;
use super::{Context, Draft};
use crate::json::doc::{at, first_id, id_string, str_field};
use crate::json::Json;
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, Kind};

/// Reads one parsed freshchat delivery into drafts (empty: the shared mechanism emits one `other` event).
pub fn drafts(_ctx: &Context, body: &Json<'_>) -> Vec<Draft> {
    let action_time = body.get("action_time").and_then(when);
    let drafts = match str_field(body, "action") {
        Some("message_create") => message(body, action_time),
        Some("conversation_assignment") => assignment(body, action_time),
        Some("conversation_resolution") => conversation_change(body, action_time, Change::Resolve),
        Some("conversation_reopen") => conversation_change(body, action_time, Change::Reopen),
        _ => None,
    };
    match drafts {
        Some(d) => vec![d],
        // Undocumented action or unrecognised shape: one `other` event, at the envelope's own time if any.
        None => {
            let mut other = Draft::new(Kind::Other);
            other.occurred_at_micros = action_time;
            vec![other]
        }
    }
}

/// A Freshchat time: ISO-8601 (`2022-11-15T10:54:00.118Z`) or epoch milliseconds / seconds (number or
/// numeric string). Values within a day of the epoch are not times.
fn when(v: &Json) -> Option<i64> {
    let micros = match v {
        Json::String(s) => rfc3339(s).or_else(|| s.trim().parse::<f64>().ok().and_then(epoch)),
        Json::Number(n) => n.as_f64().and_then(epoch),
        _ => None,
    }?;
    (micros > 86_400 * 1_000_000).then_some(micros)
}

/// Epoch milliseconds (≥ 1e11, i.e. after 1973 in ms) or seconds, to microseconds.
fn epoch(x: f64) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let micros = if x.abs() >= 1.0e11 { x * 1_000.0 } else { x * 1_000_000.0 };
    (micros.abs() < 1.0e17).then_some(micros.round() as i64)
}

/// Canonical role of a Freshchat `actor_type` (`user`, `agent`, `system`; `bot` accepted too).
fn role(actor_type: &str) -> Option<&'static str> {
    match actor_type.trim().to_ascii_lowercase().as_str() {
        "user" | "customer" | "contact" => Some("contact"),
        "agent" => Some("agent"),
        "system" => Some("system"),
        "bot" => Some("bot"),
        _ => None,
    }
}

/// The envelope's actor: (canonical role, id).
fn envelope_actor(body: &Json) -> (Option<&'static str>, Option<String>) {
    (at(body, "actor.actor_type").and_then(Json::as_str).and_then(role), at(body, "actor.actor_id").and_then(id_string))
}

/// Who did a conversation action: the object's own `<field>` / `<field>_id` (e.g. `resolver`, `resolver_id`),
/// completed by the envelope actor when it is the same kind of actor (or the object does not say).
fn doer(body: &Json, obj: &Json, field: &str) -> (Option<&'static str>, Option<String>) {
    let (env_role, env_id) = envelope_actor(body);
    let own_role = obj.get(field).and_then(Json::as_str).and_then(role);
    let own_id = obj.get(&format!("{field}_id")).and_then(id_string);
    let role = own_role.or(env_role);
    let id = own_id.or_else(|| if env_role == role { env_id } else { None });
    (role, id)
}

fn message(body: &Json, action_time: Option<i64>) -> Option<Draft> {
    let m = at(body, "data.message").filter(|m| m.is_object())?;
    let (env_role, env_id) = envelope_actor(body);
    let own_role = m.get("actor_type").and_then(Json::as_str).and_then(role);
    // The 2018 shape may lack actor_type in the message: the envelope actor is the author then.
    let author_role = own_role.or(env_role).unwrap_or("system");
    // The 2018 shape has no actor_id in the message: the envelope actor's id, when it is the same actor.
    let author_id =
        m.get("actor_id").and_then(id_string).or_else(|| if env_role == Some(author_role) { env_id } else { None });
    let user_id = m.get("user_id").and_then(id_string);

    let mut d = Draft::new(Kind::Message);
    d.chat_id = m.get("conversation_id").and_then(id_string);
    d.session_id = m.get("interaction_id").and_then(id_string);
    match author_role {
        "contact" => d.contact_id = author_id.clone().or(user_id),
        "agent" => {
            d.agent_id = author_id.clone();
            d.contact_id = user_id;
        }
        _ => d.contact_id = user_id,
    }
    d.occurred_at_micros = m.get("created_time").and_then(when).or(action_time);

    let message_id = m.get("id").and_then(id_string);
    d.identity = message_id.as_ref().map(|id| format!("message:{id}"));

    let internal =
        m.get("message_type").and_then(Json::as_str).is_some_and(|t| t.trim().eq_ignore_ascii_case("private"))
            || m.get("botsPrivateNote").and_then(Json::as_bool).unwrap_or(false);
    let (content_type, text) = parts(m);
    d.body = Body::Message(Message {
        message_id,
        author_role: author_role.to_string(),
        author_id,
        internal,
        content_type,
        text_length: text.as_deref().map(length).unwrap_or(0),
        text,
    });
    Some(d)
}

/// Content type (from the first part) and text (text parts joined with "\n") of a message, in either schema:
/// current `message_parts[{text:{content}}, {image:{url}}, …]` or 2018 `msg_parts[{part_type, properties}]`.
fn parts(m: &Json) -> (String, Option<String>) {
    let list = m
        .get("message_parts")
        .and_then(Json::as_array)
        .or_else(|| m.get("msg_parts").and_then(Json::as_array))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut content_type = None;
    let mut texts = Vec::new();
    for part in list {
        let (kind, text) = part_of(part);
        if content_type.is_none() {
            content_type = kind;
        }
        if let Some(t) = text {
            texts.push(t);
        }
    }
    let text = (!texts.is_empty()).then(|| texts.join("\n"));
    (content_type.unwrap_or_else(|| "text".to_string()), text)
}

/// One message part: its type word and its text, if it is a text part.
fn part_of<'a>(part: &'a Json<'_>) -> (Option<String>, Option<&'a str>) {
    let Some(obj) = part.as_object() else { return (None, None) };
    if let Some(kind) = obj.get("part_type").and_then(Json::as_str) {
        // 2018: {part_type: "text", properties: {text: "…"}}
        let kind = word(kind);
        let text =
            if kind.as_deref() == Some("text") { at(part, "properties.text").and_then(Json::as_str) } else { None };
        return (kind, text);
    }
    if let Some(t) = obj.get("text") {
        // Current: {text: {content: "…"}}
        return (Some("text".to_string()), t.get("content").and_then(Json::as_str));
    }
    // Current non-text part: {image: {url}}, {file: {…}}, {url_button: {…}}, …: the key names the type.
    let key = obj.iter().find(|(_, v)| v.is_object() || v.is_array()).or_else(|| obj.iter().next());
    let kind = key.and_then(|(k, _)| word(k));
    (kind, None)
}

/// A vendor type word as a content type: trimmed, lower case, non-empty.
fn word(s: &str) -> Option<String> {
    let w = s.trim().to_ascii_lowercase();
    (!w.is_empty()).then_some(w)
}

/// Identity of a conversation action: (action, conversation, time, interaction, extra); none without a
/// conversation id and a time, since those are what make it one fact.
fn conversation_identity(
    action: &str,
    chat_id: &Option<String>,
    time: Option<i64>,
    session_id: &Option<String>,
    extra: &[&Option<String>],
) -> Option<String> {
    let (chat, time) = (chat_id.as_ref()?, time?);
    let mut id = format!("{action}:{chat}:{time}:{}", session_id.as_deref().unwrap_or(""));
    for e in extra {
        id.push(':');
        id.push_str(e.as_deref().unwrap_or(""));
    }
    Some(id)
}

fn assignment(body: &Json, action_time: Option<i64>) -> Option<Draft> {
    let a = at(body, "data.assignment").filter(|a| a.is_object())?;
    let from_agent_id = a.get("from_agent_id").and_then(id_string);
    let to_agent_id = a.get("to_agent_id").and_then(id_string);
    let from_group_id = a.get("from_group_id").and_then(id_string);
    let to_group_id = a.get("to_group_id").and_then(id_string);

    // No previous agent: the first assignment; otherwise a transfer from one agent to another (or to a group).
    let mut d = Draft::new(if from_agent_id.is_some() { Kind::Transferred } else { Kind::Assigned });
    d.chat_id = first_id(a, &["conversation.conversation_id", "conversation_id"]);
    d.session_id = first_id(a, &["interaction_id", "conversation.interaction_id"]);
    d.agent_id = to_agent_id.clone();
    d.occurred_at_micros = action_time;
    d.identity = conversation_identity(
        "conversation_assignment",
        &d.chat_id,
        action_time,
        &d.session_id,
        &[&to_agent_id, &to_group_id],
    );
    d.body = Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason: None };
    Some(d)
}

#[derive(Clone, Copy)]
enum Change {
    Resolve,
    Reopen,
}

fn conversation_change(body: &Json, action_time: Option<i64>, change: Change) -> Option<Draft> {
    let (key, field, action, kind) = match change {
        Change::Resolve => ("data.resolve", "resolver", "conversation_resolution", Kind::SessionEnded),
        Change::Reopen => ("data.reopen", "reopener", "conversation_reopen", Kind::SessionReopened),
    };
    let obj = at(body, key).filter(|o| o.is_object())?;
    let (who, who_id) = doer(body, obj, field);

    let mut d = Draft::new(kind);
    d.chat_id = first_id(obj, &["conversation.conversation_id", "conversation_id"]);
    d.session_id = first_id(obj, &["interaction_id", "conversation.interaction_id"]);
    d.agent_id = match who {
        Some("agent") => who_id.clone(),
        // Not done by an agent: the event is about the conversation's assigned agent, if any.
        _ => at(obj, "conversation.assigned_agent_id").and_then(id_string),
    };
    d.contact_id = match who {
        Some("contact") => who_id.clone().or_else(|| at(obj, "user.id").and_then(id_string)),
        _ => at(obj, "user.id").and_then(id_string),
    };
    d.occurred_at_micros = action_time;
    d.identity = conversation_identity(action, &d.chat_id, action_time, &d.session_id, &[]);
    let status = at(obj, "conversation.status").and_then(Json::as_str).and_then(word);
    let closed_by = match change {
        Change::Resolve => who.map(|r| if r == "bot" { "system" } else { r }.to_string()),
        Change::Reopen => None,
    };
    d.body = Body::SessionChange { status, previous_status: None, reason: None, closed_by };
    Some(d)
}
