//! livechat deliveries → canonical event drafts.
//!
//! LiveChat (Text platform) webhooks v3.1–v3.6: `{webhook_id, secret_key, action, organization_id |
//! license_id, payload, additional_data}`. The envelope carries no time; times come from the payload objects
//! (RFC 3339 with 6 or 3 fraction digits, unix seconds in v3.1). Who did something is only told by the shape
//! of the id: agents are emails, bots 32 hex digits, customers UUIDs.

use super::{text, time, Context, Draft};
use crate::json::doc::{at, first_id, id_string};
use crate::json::Json;
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, Kind};
use sha2::{Digest, Sha256};

/// Reads one parsed livechat delivery into drafts (empty: the shared mechanism emits one `other` event).
pub fn drafts(ctx: &Context, body: &Json<'_>) -> Vec<Draft> {
    let mut out = read(ctx, body);
    // Two facts of one delivery never share an identity (e.g. a form with a repeated field id).
    let mut seen = std::collections::HashSet::new();
    for d in &mut out {
        if let Some(id) = &d.identity {
            let mut candidate = id.clone();
            let mut n = 1;
            while !seen.insert(candidate.clone()) {
                n += 1;
                candidate = format!("{id}#{n}");
            }
            d.identity = Some(candidate);
        }
    }
    out
}

fn read(ctx: &Context, body: &Json) -> Vec<Draft> {
    let action = body.get("action").and_then(Json::as_str).or(ctx.vendor_event_type.as_deref()).unwrap_or("");
    let null = Json::Null;
    let p = body.get("payload").unwrap_or(&null);
    match action {
        "incoming_chat" | "incoming_chat_thread" => incoming_chat(p),
        "chat_deactivated" | "thread_closed" => vec![session_ended(p)],
        "chat_access_updated" | "chat_access_granted" | "chat_access_revoked" | "access_set" => {
            vec![other(p, first_id(p, &["id", "chat_id"]))]
        }
        "chat_transferred" => vec![transferred(p)],
        "user_added_to_chat" | "chat_user_added" => vec![participant(p, Kind::ParticipantJoined)],
        "user_removed_from_chat" | "chat_user_removed" => vec![participant(p, Kind::ParticipantLeft)],
        "incoming_event" => incoming_event(p),
        "event_updated" => vec![event_updated(p)],
        "incoming_rich_message_postback" => {
            let mut d = other(p, chat_id(p));
            set_person(&mut d, p.get("user_id").and_then(id_string));
            vec![d]
        }
        "chat_properties_updated" | "thread_properties_updated" => vec![properties_updated(p)],
        "chat_properties_deleted" | "thread_properties_deleted" => vec![properties_deleted(p)],
        "event_properties_updated" | "event_properties_deleted" => vec![other(p, chat_id(p))],
        "thread_tagged" | "chat_thread_tagged" => vec![tag(p, Kind::Tagged)],
        "thread_untagged" | "chat_thread_untagged" => vec![tag(p, Kind::Untagged)],
        "events_marked_as_seen" => vec![seen(p, p.get("seen_up_to"))],
        "last_seen_timestamp_updated" => vec![seen(p, p.get("timestamp").or_else(|| p.get("last_seen_timestamp")))],
        "routing_status_set" | "agent_status_changed" => vec![agent_status(p)],
        "agent_created" | "agent_approved" | "agent_updated" | "agent_suspended" | "agent_unsuspended"
        | "agent_deleted" => vec![roster(p, &action["agent_".len()..], false)],
        "bot_created" | "bot_updated" | "bot_deleted" => vec![roster(p, &action["bot_".len()..], true)],
        "incoming_customer" | "customer_created" => vec![customer_created(p)],
        "customer_session_fields_updated" => vec![session_fields_updated(p)],
        "follow_up_requested" => {
            let mut d = other(p, chat_id(p));
            d.contact_id = p.get("customer_id").and_then(id_string);
            vec![d]
        }
        "tag_created" | "tag_updated" | "tag_deleted" => {
            let mut d = Draft::new(Kind::Other);
            d.agent_id = p.get("author_id").and_then(id_string);
            d.occurred_at_micros = p.get("created_at").and_then(time::any);
            vec![d]
        }
        "auto_accesses_updated" | "auto_access_added" | "group_created" | "group_updated" | "group_deleted" => {
            vec![Draft::new(Kind::Other)]
        }
        // Undocumented action: the mechanism emits one `other` event keyed like the routing.
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Ids and roles

/// Who an id belongs to, by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Agent,
    Bot,
    Contact,
}

impl Role {
    fn of(id: &str) -> Role {
        if id.contains('@') {
            Role::Agent
        } else if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            Role::Bot
        } else {
            Role::Contact
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Bot => "bot",
            Role::Contact => "contact",
        }
    }
}

/// The chat id wherever this action keeps it (`chat_id`, `chat.id`, `active_chat.chat_id`).
fn chat_id(p: &Json) -> Option<String> {
    first_id(p, &["chat_id", "chat.id", "active_chat.chat_id"])
}

/// The thread id: the session within the chat.
fn thread_id(p: &Json) -> Option<String> {
    first_id(p, &["thread_id", "chat.thread.id", "active_chat.thread_id"])
}

/// Puts a user id in `agent_id` (agents and bots) or `contact_id` (customers).
fn set_person(d: &mut Draft, id: Option<String>) {
    if let Some(id) = id {
        match Role::of(&id) {
            Role::Agent | Role::Bot => d.agent_id = Some(id),
            Role::Contact => d.contact_id = Some(id),
        }
    }
}

/// An `other` event with the chat's ids.
fn other(p: &Json, chat: Option<String>) -> Draft {
    let mut d = Draft::new(Kind::Other);
    d.chat_id = chat;
    d.session_id = thread_id(p);
    d
}

/// A string of any JSON scalar (ids, answers, property values).
fn scalar(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.to_string()),
        Json::Number(n) => id_string(v).or_else(|| Some(n.to_string())),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn opt_str(v: Option<&Json>) -> Option<String> {
    v.and_then(Json::as_str).map(str::to_string)
}

/// A short digest of a JSON value that ignores key order, for identities.
fn digest(v: &Json) -> String {
    fn write(v: &Json, out: &mut String) {
        match v {
            Json::Object(m) => {
                // In key order, each key once with its last value.
                out.push('{');
                for (k, v) in m.iter() {
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    write(v, out);
                    out.push(',');
                }
                out.push('}');
            }
            Json::Array(a) => {
                out.push('[');
                for x in a {
                    write(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    write(v, &mut s);
    hex::encode(&Sha256::digest(s.as_bytes())[..12])
}

fn or_dash(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

// ---------------------------------------------------------------------------------------------------------
// Chats and threads

fn incoming_chat(p: &Json) -> Vec<Draft> {
    let null = Json::Null;
    let chat = chat_id(p);
    let thread = at(p, "chat.thread").unwrap_or(&null);
    let session = thread.get("id").and_then(id_string).or_else(|| p.get("thread_id").and_then(id_string));

    let mut start = Draft::new(Kind::SessionStarted);
    start.chat_id = chat.clone();
    start.session_id = session.clone();
    start.occurred_at_micros = thread.get("created_at").or_else(|| thread.get("timestamp")).and_then(time::any);
    if let Some(users) = at(p, "chat.users").and_then(Json::as_array) {
        for u in users {
            let Some(id) = u.get("id").and_then(id_string) else { continue };
            let customer = match u.get("type").and_then(Json::as_str) {
                Some("customer") => true,
                Some(_) => false,
                None => Role::of(&id) == Role::Contact,
            };
            if customer {
                start.contact_id.get_or_insert(id);
            } else {
                start.agent_id.get_or_insert(id);
            }
        }
    }
    start.body = Body::SessionChange { status: None, previous_status: None, reason: None, closed_by: None };
    start.identity = session.as_ref().map(|s| format!("session_started:{}:{s}", or_dash(&chat)));

    let mut out = vec![start];
    if let Some(events) = thread.get("events").and_then(Json::as_array) {
        for e in events {
            out.extend(event_drafts(e, &chat, &session));
        }
    }
    out
}

fn session_ended(p: &Json) -> Draft {
    let mut d = Draft::new(Kind::SessionEnded);
    d.chat_id = chat_id(p);
    d.session_id = thread_id(p);
    let user = p.get("user_id").and_then(id_string);
    let closed_by = match user.as_deref().map(Role::of) {
        Some(Role::Agent | Role::Bot) => "agent",
        Some(Role::Contact) => "contact",
        // "Missing if a thread was closed by the router."
        None => "system",
    };
    set_person(&mut d, user);
    d.body =
        Body::SessionChange { status: None, previous_status: None, reason: None, closed_by: Some(closed_by.into()) };
    d.identity = d.session_id.as_ref().map(|s| format!("session_ended:{}:{s}", or_dash(&d.chat_id)));
    d
}

fn transferred(p: &Json) -> Draft {
    let mut d = Draft::new(Kind::Transferred);
    d.chat_id = chat_id(p);
    d.session_id = thread_id(p);
    let first = |path: &str| at(p, path).and_then(Json::as_array).and_then(|a| a.iter().find_map(id_string));
    let to_agent = first("transferred_to.agent_ids");
    let to_group = first("transferred_to.group_ids");
    d.agent_id = to_agent.clone();
    d.occurred_at_micros = at(p, "queue.queued_at_us").or_else(|| at(p, "queue.queued_at")).and_then(time::any);
    d.body = Body::Assignment {
        from_agent_id: None,
        to_agent_id: to_agent,
        from_group_id: None,
        to_group_id: to_group,
        reason: opt_str(p.get("reason")),
    };
    d
}

fn participant(p: &Json, kind: Kind) -> Draft {
    let mut d = Draft::new(kind);
    d.chat_id = chat_id(p);
    d.session_id = thread_id(p);
    let id = first_id(p, &["user.id", "user_id"]);
    let user_type = p.get("user_type").or_else(|| at(p, "user.type")).and_then(Json::as_str);
    let role = match (id.as_deref().map(Role::of), user_type) {
        (Some(Role::Bot), _) => Role::Bot,
        (_, Some("customer")) => Role::Contact,
        (_, Some("agent")) => Role::Agent,
        (Some(r), _) => r,
        (None, _) => Role::Contact,
    };
    match role {
        Role::Agent | Role::Bot => d.agent_id = id.clone(),
        Role::Contact => d.contact_id = id.clone(),
    }
    d.body = Body::Participant { participant_id: id, role: role.as_str().into(), reason: opt_str(p.get("reason")) };
    d
}

// ---------------------------------------------------------------------------------------------------------
// Events (messages, files, forms)

fn incoming_event(p: &Json) -> Vec<Draft> {
    let chat = chat_id(p);
    let session = thread_id(p);
    match p.get("event") {
        Some(e) if e.is_object() => {
            let out = event_drafts(e, &chat, &session);
            if out.is_empty() {
                vec![other(p, chat)]
            } else {
                out
            }
        }
        _ => vec![other(p, chat)],
    }
}

fn event_updated(p: &Json) -> Draft {
    let chat = chat_id(p);
    let session = thread_id(p);
    let Some(e) = p.get("event").filter(|e| e.is_object()) else { return other(p, chat) };
    let mut d = event_base(Kind::MessageEdited, e, &chat, &session);
    d.body = Body::Message(message(e));
    d.identity =
        e.get("id").and_then(id_string).map(|id| format!("event_updated:{}:{id}:{}", or_dash(&chat), digest(e)));
    d
}

/// A draft of `kind` with the event's chat, thread, author and time.
fn event_base(kind: Kind, e: &Json, chat: &Option<String>, session: &Option<String>) -> Draft {
    let mut d = Draft::new(kind);
    d.chat_id = chat.clone();
    d.session_id = session.clone();
    d.occurred_at_micros = e.get("created_at").or_else(|| e.get("timestamp")).and_then(time::any);
    if e.get("type").and_then(Json::as_str) != Some("system_message") {
        set_person(&mut d, e.get("author_id").and_then(id_string));
    }
    d
}

/// The drafts of one chat event: a message, or one survey answer per answered field of a filled form.
fn event_drafts(e: &Json, chat: &Option<String>, session: &Option<String>) -> Vec<Draft> {
    if !e.is_object() {
        return Vec::new();
    }
    let event_id = e.get("id").and_then(id_string);
    if e.get("type").and_then(Json::as_str) == Some("filled_form") {
        return form_answers(e, chat, session, &event_id);
    }
    let mut d = event_base(Kind::Message, e, chat, session);
    d.body = Body::Message(message(e));
    d.identity = event_id.map(|id| format!("event:{}:{id}", or_dash(chat)));
    vec![d]
}

fn message(e: &Json) -> Message {
    let kind = e.get("type").and_then(Json::as_str).unwrap_or("message");
    let author_id = e.get("author_id").and_then(id_string);
    let author_role = if kind == "system_message" {
        "system"
    } else {
        match author_id.as_deref().map(Role::of) {
            Some(r) => r.as_str(),
            None => "system",
        }
    };
    let content_type = match kind {
        "message" | "system_message" => "text".to_string(),
        "file" => {
            let mime = e.get("content_type").and_then(Json::as_str).unwrap_or("");
            if mime.starts_with("image/") { "image" } else { "file" }.to_string()
        }
        "rich_message" => "rich".to_string(),
        "filled_form" => "form".to_string(),
        other
            if !other.is_empty() && other.len() <= 32 && other.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            other.to_string()
        }
        _ => "other".to_string(),
    };
    let body_text = if matches!(kind, "message" | "system_message") { opt_str(e.get("text")) } else { None };
    let internal =
        [e.get("recipients"), e.get("visibility")].into_iter().flatten().any(|v| v.as_str() == Some("agents"));
    Message {
        message_id: e.get("id").and_then(id_string),
        author_role: author_role.into(),
        author_id: if kind == "system_message" { None } else { author_id },
        internal,
        content_type,
        text_length: body_text.as_deref().map_or(0, text::length),
        text: body_text,
    }
}

/// One `survey_answered` per answered field of a `filled_form` event (pre-chat and post-chat forms).
fn form_answers(e: &Json, chat: &Option<String>, session: &Option<String>, event_id: &Option<String>) -> Vec<Draft> {
    let form_type = at(e, "properties.lc2.form_type")
        .or_else(|| e.get("form_type"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("form")
        .to_string();
    let Some(fields) = e.get("fields").and_then(Json::as_array) else { return Vec::new() };
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let Some(answer) = field_answer(f) else { continue };
        let question = f
            .get("label")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| f.get("id").and_then(id_string))
            .unwrap_or_default();
        let mut d = event_base(Kind::SurveyAnswered, e, chat, session);
        d.body = Body::SurveyAnswer { form_type: form_type.clone(), question, answer };
        let field_key = f.get("id").and_then(id_string).unwrap_or_else(|| i.to_string());
        d.identity = event_id.as_ref().map(|id| format!("event:{}:{id}:field:{field_key}", or_dash(chat)));
        out.push(d);
    }
    out
}

/// The answer of a form field: a string, or the chosen option's label (or value); several options joined.
fn field_answer(f: &Json) -> Option<String> {
    fn one(v: &Json) -> Option<String> {
        match v {
            Json::Object(o) => o.get("label").and_then(scalar).or_else(|| o.get("value").and_then(scalar)),
            Json::Array(a) => {
                let parts: Vec<String> = a.iter().filter_map(one).filter(|s| !s.is_empty()).collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            other => scalar(other),
        }
    }
    [f.get("answer"), f.get("answers")].into_iter().flatten().find_map(one).filter(|s| !s.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------------------
// Properties (ratings), tags, seen

fn properties_updated(p: &Json) -> Draft {
    let chat = chat_id(p);
    let Some(rating) = at(p, "properties.rating").filter(|r| r.is_object()) else { return other(p, chat) };
    let comment = rating.get("comment").and_then(Json::as_str).filter(|c| !c.trim().is_empty()).map(str::to_string);
    let score = rating.get("score").and_then(|s| match s {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    });
    let score = score.filter(|s| s.is_finite());
    let mut d = other(p, chat);
    let scope = format!("{}:{}", or_dash(&d.chat_id), or_dash(&d.session_id));
    let comment_key = comment.as_ref().map_or_else(|| "-".to_string(), |c| digest(&Json::String(c.as_str().into())));
    match (score, comment) {
        (Some(score), comment) => {
            d.kind = Kind::Rating;
            d.body = super::rating(score, 0.0, 1.0, comment);
            d.identity = Some(format!("rating:{scope}:{score}:{comment_key}"));
        }
        (None, Some(comment)) => {
            d.kind = Kind::Feedback;
            d.body = Body::Feedback { text_length: text::length(&comment), text: Some(comment) };
            d.identity = Some(format!("feedback:{scope}:{comment_key}"));
        }
        (None, None) => {}
    }
    d
}

fn properties_deleted(p: &Json) -> Draft {
    let mut d = other(p, chat_id(p));
    let removed = at(p, "properties.rating").is_some_and(|names| match names {
        Json::Array(a) => a.iter().any(|n| n.as_str() == Some("score")),
        Json::Object(o) => o.contains_key("score"),
        _ => false,
    });
    if removed {
        d.kind = Kind::RatingRemoved;
    }
    d
}

fn tag(p: &Json, kind: Kind) -> Draft {
    let mut d = other(p, chat_id(p));
    if let Some(tag) = p.get("tag").and_then(scalar).filter(|t| !t.is_empty()) {
        d.kind = kind;
        d.body = Body::Tag { tag };
    }
    d
}

fn seen(p: &Json, up_to: Option<&Json>) -> Draft {
    let mut d = other(p, chat_id(p));
    let reader = p.get("user_id").and_then(id_string);
    set_person(&mut d, reader.clone());
    // The "never" sentinel (1970-01-01T01:00:00Z) and 0 are not watermarks.
    let Some(up_to) = up_to.and_then(time::any) else { return d };
    let role = match reader.as_deref().map(Role::of) {
        Some(Role::Contact) => "contact",
        Some(_) => "agent",
        // LiveChat always names the reader; without one the watermark is unattributable.
        None => return d,
    };
    d.kind = Kind::Seen;
    d.occurred_at_micros = Some(up_to);
    d.identity = Some(format!("seen:{}:{}:{up_to}", or_dash(&d.chat_id), or_dash(&reader)));
    d.body = Body::Seen { reader_role: role.into(), reader_id: reader, seen_up_to_micros: up_to };
    d
}

// ---------------------------------------------------------------------------------------------------------
// Agents, bots, customers

fn agent_status(p: &Json) -> Draft {
    let mut d = Draft::new(Kind::Other);
    d.agent_id = p.get("agent_id").and_then(id_string);
    let Some(vendor_status) = p.get("status").and_then(Json::as_str) else { return d };
    let word = vendor_status.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    let status = match word.as_str() {
        "accepting_chats" => "accepting_chats",
        "not_accepting_chats" => "not_accepting_chats",
        "offline" => "offline",
        "online" => "online",
        "away" => "away",
        _ => return d,
    };
    d.kind = Kind::AgentStatusChanged;
    d.body = Body::AgentStatus { status: status.into(), vendor_status: vendor_status.into() };
    d
}

fn roster(p: &Json, action: &str, is_bot: bool) -> Draft {
    let mut d = Draft::new(Kind::AgentRosterChanged);
    d.agent_id = p.get("id").and_then(id_string);
    d.body = Body::AgentRoster { action: action.into(), is_bot };
    d
}

fn customer_created(p: &Json) -> Draft {
    // v3.6 docs / JS SDK: `payload.customer`; Go SDK: the customer's fields directly under `payload`.
    let customer = p.get("customer").filter(|c| c.is_object()).unwrap_or(p);
    let mut d = Draft::new(Kind::ContactUpdated);
    d.contact_id = customer.get("id").and_then(id_string);
    d.occurred_at_micros = customer.get("created_at").and_then(time::any);
    d.body = Body::ContactChange { changed: Vec::new() };
    d.identity = d.contact_id.as_ref().map(|id| format!("contact_created:{id}"));
    d
}

fn session_fields_updated(p: &Json) -> Draft {
    let mut d = Draft::new(Kind::ContactUpdated);
    d.chat_id = chat_id(p);
    d.session_id = thread_id(p);
    d.contact_id = p.get("id").and_then(id_string);
    let mut changed: Vec<String> = Vec::new();
    let fields = p.get("session_fields");
    let entries: Vec<&Json> = match fields {
        Some(Json::Array(a)) => a.iter().collect(),
        Some(o @ Json::Object(_)) => vec![o],
        _ => Vec::new(),
    };
    for entry in entries {
        if let Some(o) = entry.as_object() {
            for k in o.keys() {
                if !changed.iter().any(|c| c == k) {
                    changed.push(k.to_string());
                }
            }
        }
    }
    d.body = Body::ContactChange { changed };
    // Sent once per active chat of the customer: the same change must get one id whatever the chat.
    d.identity =
        d.contact_id.as_ref().map(|id| format!("session_fields:{id}:{}", digest(fields.unwrap_or(&Json::Null))));
    d
}
