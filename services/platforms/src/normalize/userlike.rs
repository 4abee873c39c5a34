//! userlike deliveries → canonical event drafts.
//!
//! Two formats arrive on the same callback URL, told apart by `_type`:
//!
//! - **Legacy `chat_meta`** (the only shape with public samples): every delivery repeats the *whole* chat (all
//!   messages so far, rating, survey, feedback, `ended_at`). So facts are read from the fields, whatever the
//!   `_event`, and every repeated fact gets an identity that is the same in every delivery that repeats it
//!   (chat id + what distinguishes the fact), so projections see one event per fact. Only `forward` and `goal`
//!   are facts the fields do not carry, and they are emitted on their own `_event` only. Timestamps are naive
//!   (`"2014-12-29 11:25:48"`) and read in the source's configured zone.
//! - **Current `chat_session` / `conversation`** (field names unverified; no public sample): one fact per
//!   `_event`; chat = `conversation_id`, session = the session's `id`.
//!
//! `operator.*` (both formats) carries no timestamp: availability changes are stamped with the receive time.

use super::{rating, text, time, Context, Draft};
use crate::json::doc::{at, first_id, id_string};
use crate::json::Json;
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, Kind};
use sha2::{Digest, Sha256};

/// Where the conversation id of a current-format delivery may be (same order as the routing rules).
const CONVERSATION: &[&str] = &["conversation_id", "conversation.id", "chat_session.conversation_id", "id"];
/// Where the session id of a current-format `chat_session` delivery may be.
const SESSION: &[&str] = &["id", "chat_session.id", "session_id", "chat_session_id"];
const CURRENT_AGENT: &[&str] = &["operator.id", "operator_id", "operator_current.id", "operator_current_id"];
const CURRENT_CONTACT: &[&str] = &["contact.id", "contact_id", "client_uuid", "client.id"];

/// Scale of Userlike's `rate`.
const RATE_MIN: f64 = 1.0;
const RATE_MAX: f64 = 5.0;

/// Reads one parsed userlike delivery into drafts (empty: the shared mechanism emits one `other` event).
pub fn drafts(ctx: &Context, body: &Json<'_>) -> Vec<Draft> {
    let kind_of = |key: &str| body.get(key).and_then(Json::as_str).map(str::trim).unwrap_or("");
    let (ty, event) = (kind_of("_type"), kind_of("_event"));
    match ty {
        "chat_meta" => legacy_chat(ctx, body, event),
        "chat_session" => current_session(ctx, body, event),
        "conversation" => conversation(ctx, body, event),
        "operator" => operator(ctx, body, event),
        "um_widget" | "chat_widget" | "offline_message" => vec![other_with_time(ctx, body)],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

/// A timestamp as Userlike writes it: RFC 3339 (current format, presumably) or naive in the configured zone.
fn time_of(ctx: &Context, v: Option<&Json>) -> Option<i64> {
    match v? {
        Json::String(s) => time::rfc3339(s).or_else(|| time::naive_in(s, ctx.timezone)),
        n @ Json::Number(_) => time::any(n),
        _ => None,
    }
}

/// The raw text of a timestamp field, for identities (independent of the configured zone).
fn raw_time(v: Option<&Json>) -> Option<String> {
    match v? {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        n @ Json::Number(_) => id_string(n),
        _ => None,
    }
}

/// A non-empty string field.
fn text_at<'a>(body: &'a Json<'_>, path: &str) -> Option<&'a str> {
    at(body, path).and_then(Json::as_str).filter(|s| !s.trim().is_empty())
}

/// The first non-empty string at any of `paths`.
fn first_text<'a>(body: &'a Json<'_>, paths: &[&str]) -> Option<&'a str> {
    paths.iter().find_map(|p| text_at(body, p))
}

fn digest(s: &str) -> String {
    hex::encode(&Sha256::digest(s.as_bytes())[..16])
}

/// `rate`: an integer 1..5 (a numeric string is accepted); anything else is no rating.
fn rate(v: Option<&Json>) -> Option<i64> {
    let n = match v? {
        Json::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))?,
        Json::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    (1..=5).contains(&n).then_some(n)
}

fn session_change(status: Option<String>) -> Body {
    Body::SessionChange { status, previous_status: None, reason: None, closed_by: None }
}

/// The goal a payload names: a string, or an object's `name` (else its `id`).
fn goal_name(body: &Json) -> Option<String> {
    match body.get("goal") {
        Some(Json::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(g @ Json::Object(_)) => text_at(g, "name").map(str::to_string).or_else(|| first_id(g, &["id"])),
        _ => first_text(body, &["goal_name"]).map(str::to_string),
    }
}

/// The survey question the payload names, if any.
fn survey_question(body: &Json) -> String {
    first_text(body, &["post_survey_question", "post_survey.question", "survey_question"])
        .unwrap_or("post_survey_option")
        .to_string()
}

/// The survey answer: `post_survey_option` as a string (or an object's `text` / `name` / `value`).
fn survey_answer(body: &Json) -> Option<String> {
    match body.get("post_survey_option")? {
        Json::String(s) if !s.trim().is_empty() => Some(s.to_string()),
        o @ Json::Object(_) => first_text(o, &["text", "name", "value", "option"]).map(str::to_string),
        n @ Json::Number(_) => id_string(n),
        _ => None,
    }
}

fn feedback_text<'a>(body: &'a Json<'_>) -> Option<&'a str> {
    text_at(body, "feedback_message")
}

/// Identity `"{prefix}:{suffix}"` when the delivery names its chat/session; otherwise none (the shared
/// mechanism then identifies the event by the delivery's content and position).
fn keyed(prefix: &Option<String>, suffix: &str) -> Option<String> {
    prefix.as_ref().map(|p| format!("{p}:{suffix}"))
}

/// `other` for account-level deliveries (widget config, offline messages), stamped with the payload's time.
fn other_with_time(ctx: &Context, body: &Json) -> Draft {
    let mut d = Draft::new(Kind::Other);
    d.occurred_at_micros = time_of(ctx, body.get("updated_at")).or_else(|| time_of(ctx, body.get("created_at")));
    d
}

// ---------------------------------------------------------------------------------------------------------
// Legacy chat_meta

/// Ids of a legacy chat (the ones every fact of the chat shares).
struct Legacy {
    chat: Option<String>,
    contact: Option<String>,
    current_agent: Option<String>,
    /// `chat_meta:{id}`: identity prefix, none without a chat id.
    key: Option<String>,
}

impl Legacy {
    fn draft(&self, kind: Kind, agent: Option<String>) -> Draft {
        let mut d = Draft::new(kind);
        d.chat_id = self.chat.clone();
        d.session_id = self.chat.clone();
        d.contact_id = self.contact.clone();
        d.agent_id = agent;
        d
    }
}

fn operator_id(body: &Json, which: &str) -> Option<String> {
    first_id(body, &[&format!("{which}.id"), &format!("{which}_id")])
}

fn operator_group(body: &Json, which: &str) -> Option<String> {
    first_id(body, &[&format!("{which}.operator_group.id"), &format!("{which}.operator_group_id")])
}

/// The operator (created or current) whose name is the message's `person`: messages carry no operator id.
fn operator_by_name(body: &Json, person: Option<&str>) -> Option<String> {
    let person = person?.trim();
    ["operator_current", "operator_created"].into_iter().find_map(|which| {
        let op = body.get(which)?;
        let name = text_at(op, "name").map(str::trim).map(str::to_string).or_else(|| {
            let first = text_at(op, "first_name").unwrap_or("").trim();
            let last = text_at(op, "last_name").unwrap_or("").trim();
            Some(format!("{first} {last}").trim().to_string()).filter(|s| !s.is_empty())
        })?;
        (name == person).then(|| operator_id(body, which)).flatten()
    })
}

fn legacy_chat(ctx: &Context, body: &Json, event: &str) -> Vec<Draft> {
    let chat = first_id(body, &["id"]);
    let l = Legacy {
        key: chat.as_ref().map(|c| format!("chat_meta:{c}")),
        contact: first_id(body, &["client_uuid"]),
        current_agent: operator_id(body, "operator_current"),
        chat,
    };
    let mut out = Vec::new();

    // The session started: repeated by every delivery, so keyed by the chat alone. Its agent is the one
    // the chat was created with (operator_current changes with forwards; this keeps the repeats identical).
    let mut started = l.draft(Kind::SessionStarted, operator_id(body, "operator_created").or(l.current_agent.clone()));
    started.occurred_at_micros = time_of(ctx, body.get("created_at"));
    started.identity = keyed(&l.key, "session_started");
    out.push(started);

    // Every message so far; the same message in a later delivery has the same position and sent_at.
    if let Some(messages) = body.get("messages").and_then(Json::as_array) {
        for (i, m) in messages.iter().enumerate() {
            if m.is_object() {
                out.push(legacy_message(ctx, body, &l, i, m));
            }
        }
    }

    if event == "forward" {
        let previous = ["operator_previous", "previous_operator"].into_iter().find(|w| operator_id(body, w).is_some());
        let from = previous.unwrap_or("operator_created");
        let mut d = l.draft(Kind::Transferred, l.current_agent.clone());
        d.body = Body::Assignment {
            from_agent_id: operator_id(body, from),
            to_agent_id: l.current_agent.clone(),
            from_group_id: operator_group(body, from),
            to_group_id: operator_group(body, "operator_current"),
            reason: None,
        };
        out.push(d);
    }

    // The session ended (`receive`); later deliveries repeat ended_at, so keyed by it.
    if let Some(ended_raw) = raw_time(body.get("ended_at")) {
        let mut d = l.draft(Kind::SessionEnded, l.current_agent.clone());
        d.occurred_at_micros = time_of(ctx, body.get("ended_at"));
        d.body = session_change(None);
        d.identity = keyed(&l.key, &format!("session_ended:{ended_raw}"));
        out.push(d);
    }

    if let Some(score) = rate(body.get("rate")) {
        let mut d = l.draft(Kind::Rating, l.current_agent.clone());
        d.body = rating(score as f64, RATE_MIN, RATE_MAX, None);
        d.identity = keyed(&l.key, &format!("rating:{score}"));
        out.push(d);
    }

    if let Some(text) = feedback_text(body) {
        let mut d = l.draft(Kind::Feedback, l.current_agent.clone());
        d.body = Body::Feedback { text_length: text::length(text), text: Some(text.to_string()) };
        d.identity = keyed(&l.key, &format!("feedback:{}", digest(text)));
        out.push(d);
    }

    if let Some(answer) = survey_answer(body) {
        let question = survey_question(body);
        let mut d = l.draft(Kind::SurveyAnswered, l.current_agent.clone());
        d.identity = keyed(&l.key, &format!("survey:{}", digest(&format!("{question}\u{0}{answer}"))));
        d.body = Body::SurveyAnswer { form_type: "post_survey".into(), question, answer };
        out.push(d);
    }

    if event == "goal" {
        let mut d = l.draft(Kind::GoalReached, l.current_agent.clone());
        d.body = Body::Goal { goal: goal_name(body) };
        out.push(d);
    }
    out
}

fn legacy_message(ctx: &Context, body: &Json, l: &Legacy, index: usize, m: &Json) -> Draft {
    let ty = m.get("type").and_then(Json::as_str).map(|t| t.trim().to_ascii_lowercase()).unwrap_or_default();
    let (role, internal) = match ty.as_str() {
        "co" | "contact" | "client" | "visitor" => ("contact", false),
        "op" | "operator" | "agent" => ("agent", false),
        // Agents-only notes.
        "no" | "note" | "in" | "internal" | "pn" | "private" => ("agent", true),
        "bo" | "bot" | "chatbot" => ("bot", false),
        // Anything else (system lines, unknown codes): not by the contact nor an agent.
        _ => ("system", false),
    };
    let author = match role {
        "contact" => l.contact.clone(),
        "agent" => operator_by_name(body, text_at(m, "person")),
        _ => None,
    };
    let mut d = l.draft(Kind::Message, if role == "agent" { author.clone() } else { None });
    d.occurred_at_micros = time_of(ctx, m.get("sent_at"));
    let sent_raw = raw_time(m.get("sent_at")).unwrap_or_default();
    d.identity = keyed(&l.key, &format!("message:{index}:{sent_raw}"));
    d.body = message_body(None, role, author, internal, m.get("message"));
    d
}

fn message_body(id: Option<String>, role: &str, author: Option<String>, internal: bool, text: Option<&Json>) -> Body {
    let (content_type, text) = match text {
        Some(Json::String(s)) => ("text", Some(s.to_string())),
        None | Some(Json::Null) => ("text", None),
        Some(_) => ("other", None),
    };
    Body::Message(Message {
        message_id: id,
        author_role: role.to_string(),
        author_id: author,
        internal,
        content_type: content_type.to_string(),
        text_length: text.as_deref().map(text::length).unwrap_or(0),
        text,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Current chat_session / conversation (field names unverified)

struct Current {
    chat: Option<String>,
    session: Option<String>,
    agent: Option<String>,
    contact: Option<String>,
    /// `session:{id}` (or `conversation:{id}` without a session id): identity prefix.
    key: Option<String>,
}

impl Current {
    fn of(body: &Json, with_session: bool) -> Self {
        let chat = first_id(body, CONVERSATION);
        let session = if with_session { first_id(body, SESSION) } else { None };
        let key = match (&session, &chat) {
            (Some(s), _) => Some(format!("session:{s}")),
            (None, Some(c)) => Some(format!("conversation:{c}")),
            (None, None) => None,
        };
        Self { chat, session, agent: first_id(body, CURRENT_AGENT), contact: first_id(body, CURRENT_CONTACT), key }
    }

    fn draft(&self, kind: Kind) -> Draft {
        let mut d = Draft::new(kind);
        d.chat_id = self.chat.clone();
        d.session_id = self.session.clone();
        d.agent_id = self.agent.clone();
        d.contact_id = self.contact.clone();
        d
    }
}

fn current_session(ctx: &Context, body: &Json, event: &str) -> Vec<Draft> {
    let c = Current::of(body, true);
    let d = match event {
        "start" => {
            let mut d = c.draft(Kind::SessionStarted);
            d.occurred_at_micros = time_of(ctx, body.get("created_at"));
            d.identity = keyed(&c.key, "session_started");
            d
        }
        "message_received" => current_message(ctx, body, &c, "contact"),
        "message_sent" => current_message(ctx, body, &c, "agent"),
        "unread" => {
            let mut d = c.draft(Kind::UnreadAtEnd);
            d.occurred_at_micros = time_of(ctx, body.get("ended_at"));
            let count = ["unread_count", "unread_messages_count", "unread_messages", "unread"]
                .iter()
                .find_map(|k| body.get(k).and_then(Json::as_i64))
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| *n >= 0);
            d.body = Body::Unread { unread_count: count };
            d.identity = keyed(&c.key, "unread_at_end");
            d
        }
        "end" => {
            let mut d = c.draft(Kind::SessionEnded);
            d.occurred_at_micros = time_of(ctx, body.get("ended_at"));
            d.body = session_change(None);
            let ended = raw_time(body.get("ended_at")).unwrap_or_default();
            d.identity = keyed(&c.key, &format!("session_ended:{ended}"));
            d
        }
        "forward" => {
            let from = ["previous_operator", "operator_previous", "from_operator"]
                .into_iter()
                .find(|w| body.get(w).is_some_and(Json::is_object));
            let mut d = c.draft(Kind::Transferred);
            d.body = Body::Assignment {
                from_agent_id: from.and_then(|w| operator_id(body, w)),
                to_agent_id: c.agent.clone(),
                from_group_id: from.and_then(|w| operator_group(body, w)),
                to_group_id: operator_group(body, "operator"),
                reason: None,
            };
            d
        }
        "rating" => {
            let Some(score) = rate(body.get("rate")) else { return vec![c.draft(Kind::Other)] };
            let mut d = c.draft(Kind::Rating);
            d.body = rating(score as f64, RATE_MIN, RATE_MAX, None);
            d.identity = keyed(&c.key, &format!("rating:{score}"));
            d
        }
        "feedback" => {
            let Some(text) = feedback_text(body) else { return vec![c.draft(Kind::Other)] };
            let mut d = c.draft(Kind::Feedback);
            d.body = Body::Feedback { text_length: text::length(text), text: Some(text.to_string()) };
            d.identity = keyed(&c.key, &format!("feedback:{}", digest(text)));
            d
        }
        "survey" => {
            let Some(answer) = survey_answer(body) else { return vec![c.draft(Kind::Other)] };
            let question = survey_question(body);
            let mut d = c.draft(Kind::SurveyAnswered);
            d.identity = keyed(&c.key, &format!("survey:{}", digest(&format!("{question}\u{0}{answer}"))));
            d.body = Body::SurveyAnswer { form_type: "post_survey".into(), question, answer };
            d
        }
        "goal" => {
            let mut d = c.draft(Kind::GoalReached);
            d.body = Body::Goal { goal: goal_name(body) };
            d
        }
        _ => c.draft(Kind::Other),
    };
    vec![d]
}

fn current_message(ctx: &Context, body: &Json, c: &Current, default_role: &str) -> Draft {
    let m = body.get("message").filter(|m| m.is_object()).unwrap_or(&Json::Null);
    let sender = first_text(m, &["sender_type", "sender.type", "type"]).map(|s| s.trim().to_ascii_lowercase());
    let role = match sender.as_deref() {
        Some("contact" | "client" | "visitor" | "customer") => "contact",
        Some("operator" | "agent") => "agent",
        Some("bot" | "chatbot") => "bot",
        Some("system") => "system",
        _ => default_role,
    };
    let internal = m.get("internal").and_then(Json::as_bool).unwrap_or(false)
        || matches!(sender.as_deref(), Some("note" | "internal"));
    let author = first_id(m, &["sender_id", "sender.id", "author_id", "operator_id"]).or_else(|| match role {
        "contact" => c.contact.clone(),
        "agent" => c.agent.clone(),
        _ => None,
    });
    let message_id = first_id(m, &["id", "message_id"]);
    let mut d = c.draft(Kind::Message);
    d.occurred_at_micros = time_of(ctx, m.get("sent_at")).or_else(|| time_of(ctx, m.get("created_at")));
    d.identity = message_id.as_ref().map(|id| format!("message:{id}"));
    let text = ["text", "body", "message", "content"].iter().find_map(|k| m.get(k).filter(|v| !v.is_null()));
    d.body = message_body(message_id, role, author, internal, text);
    d
}

fn conversation(ctx: &Context, body: &Json, event: &str) -> Vec<Draft> {
    let c = Current::of(body, false);
    if event != "ended" {
        return vec![c.draft(Kind::Other)];
    }
    let mut d = c.draft(Kind::SessionEnded);
    d.occurred_at_micros = time_of(ctx, body.get("ended_at"));
    d.body = session_change(first_text(body, &["status"]).map(|s| s.trim().to_lowercase()));
    let ended = raw_time(body.get("ended_at")).unwrap_or_default();
    d.identity = keyed(&c.key, &format!("ended:{ended}"));
    vec![d]
}

// ---------------------------------------------------------------------------------------------------------
// Operators

fn operator(ctx: &Context, body: &Json, event: &str) -> Vec<Draft> {
    let agent = first_id(body, &["id", "operator_id", "operator.id"]);
    let status = match event {
        "online" | "back" => "online",
        "away" => "away",
        "offline" => "offline",
        _ => {
            let mut d = Draft::new(Kind::Other);
            d.agent_id = agent;
            return vec![d];
        }
    };
    let mut d = Draft::new(Kind::AgentStatusChanged);
    d.agent_id = agent.clone();
    // No timestamp and no delivery id, and the same operator going online twice sends identical bodies: the
    // content cannot tell a retry from a new change, and merging two real changes (online, offline, online)
    // would lose the last one. So the event is identified by its delivery's receive time, which is stored
    // with the raw delivery: re-normalising it gives the same id.
    d.identity = agent.map(|a| format!("operator:{a}:{event}:{}", ctx.received_at_micros));
    d.body = Body::AgentStatus { status: status.into(), vendor_status: event.into() };
    vec![d]
}
