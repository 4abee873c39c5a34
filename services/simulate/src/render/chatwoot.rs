//! Chatwoot account webhooks: flat bodies with an `event` field. Conversation events are the conversation
//! snapshot itself; message events are the message with the snapshot nested under `conversation`.
//!
//! Quirks reproduced: top-level message `created_at` is an ISO string and `message_type` a string, while
//! inside `conversation.messages[]` they are unix seconds and an int; conversation `updated_at` is a float;
//! `*_last_seen_at` is `0` for "never"; `changed_attributes` is an array of single-key maps.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::ids;
use super::{iso_millis, iso_whole_second, object, unix_seconds, unix_seconds_f64, Rendered, Renderer};
use crate::plan::{Agent, Contact, SessionPlan, StatusChange, Step};

/// Content of the CSAT survey message Chatwoot posts when a conversation is resolved.
const CSAT_PROMPT: &str = "Please rate this conversation";

/// Renders Chatwoot webhooks for one account and web-widget inbox.
#[derive(Debug, Clone)]
pub struct Chatwoot {
    /// Account the conversations belong to.
    pub account_id: u64,
    /// Web-widget inbox the conversations arrive in.
    pub inbox_id: u64,
}

impl Chatwoot {
    /// Conversation display id (the per-account sequence number Chatwoot puts in webhooks).
    pub fn conversation_id(plan_seq: u64) -> u64 {
        ids::db_id(plan_seq)
    }

    /// Contact id of a plan contact.
    pub fn contact_id(contact: &Contact) -> u64 {
        ids::db_id(contact.index)
    }

    /// User (agent) id of a plan agent.
    pub fn user_id(agent: &Agent) -> u64 {
        ids::db_id(u64::from(agent.index))
    }

    fn account(&self) -> Value {
        json!({ "id": self.account_id, "name": format!("Account {}", self.account_id) })
    }

    fn inbox(&self) -> Value {
        json!({ "id": self.inbox_id, "name": "Website" })
    }
}

impl Renderer for Chatwoot {
    fn session(&self, plan: &SessionPlan) -> Vec<Rendered> {
        Conversation::new(self, plan).render()
    }

    /// Chatwoot has no availability webhook: presence only shows in `meta.assignee.availability_status`.
    fn status(&self, _change: &StatusChange) -> Vec<Rendered> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy)]
enum Sender<'a> {
    Contact,
    User(&'a Agent),
    /// Messages Chatwoot posts itself (the CSAT survey).
    Nobody,
}

#[derive(Debug, Clone)]
struct Message<'a> {
    id: u64,
    content: String,
    incoming: bool,
    private: bool,
    content_type: &'static str,
    content_attributes: Value,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    sender: Sender<'a>,
}

impl Message<'_> {
    fn type_name(&self) -> &'static str {
        if self.incoming {
            "incoming"
        } else {
            "outgoing"
        }
    }

    /// `message_type` as the enum integer used inside conversation snapshots.
    fn type_int(&self) -> u8 {
        u8::from(!self.incoming)
    }
}

/// Rendering state of one conversation.
struct Conversation<'a> {
    cw: &'a Chatwoot,
    plan: &'a SessionPlan,
    id: u64,
    status: &'static str,
    assignee: &'a Agent,
    agent_last_seen: Option<DateTime<Utc>>,
    /// Times of the contact's public messages (for `unread_count`).
    incoming: Vec<DateTime<Utc>>,
    /// Last message in Chatwoot's `chat` scope (not private, not activity).
    last_message: Option<Message<'a>>,
    csat: Option<Message<'a>>,
    waiting_since: Option<DateTime<Utc>>,
    first_reply: Option<DateTime<Utc>>,
    last_activity: DateTime<Utc>,
    updated: DateTime<Utc>,
    messages: u64,
    out: Vec<Rendered>,
}

impl<'a> Conversation<'a> {
    fn new(cw: &'a Chatwoot, plan: &'a SessionPlan) -> Self {
        Conversation {
            cw,
            plan,
            id: Chatwoot::conversation_id(plan.seq),
            status: "open",
            assignee: &plan.agent,
            agent_last_seen: None,
            incoming: Vec::new(),
            last_message: None,
            csat: None,
            waiting_since: None,
            first_reply: None,
            last_activity: plan.started_at,
            updated: plan.started_at,
            messages: 0,
            out: Vec::new(),
        }
    }

    fn render(mut self) -> Vec<Rendered> {
        let plan = self.plan;
        let rated = plan.steps.iter().any(|s| matches!(s, Step::Rating { .. }));
        self.conversation_event("conversation_created", plan.started_at, None);
        for step in &plan.steps {
            match step {
                Step::ContactMessage { at, text, .. } => {
                    self.create_message(*at, text, Sender::Contact, false);
                }
                Step::AgentMessage { at, agent, text, .. } => {
                    self.create_message(*at, text, Sender::User(agent), false);
                }
                Step::InternalNote { at, agent, text, .. } => {
                    self.create_message(*at, text, Sender::User(agent), true);
                }
                Step::Transfer { at, from, to } => {
                    self.assignee = to;
                    self.updated = *at;
                    let changed = change("assignee_id", Chatwoot::user_id(from), Chatwoot::user_id(to));
                    self.conversation_event("conversation_updated", *at, Some(changed));
                }
                Step::Seen { at, up_to, .. } => {
                    let previous = self.agent_last_seen.replace(*up_to).map(iso_millis);
                    self.updated = *at;
                    let changed = change("agent_last_seen_at", previous, iso_millis(*up_to));
                    self.conversation_event("conversation_updated", *at, Some(changed));
                }
                Step::End { at, .. } => {
                    let previous = std::mem::replace(&mut self.status, "resolved");
                    self.updated = *at;
                    let changed = change("status", previous, self.status);
                    self.conversation_event("conversation_status_changed", *at, Some(changed));
                    if rated {
                        self.send_csat(*at);
                    }
                }
                Step::Rating { at, stars, comment, .. } => {
                    if self.csat.is_none() {
                        self.send_csat(*at);
                    }
                    self.submit_csat(*at, *stars, comment.as_deref().unwrap_or(""));
                }
                // Chatwoot has no post-chat survey besides CSAT.
                Step::Survey { .. } => {}
            }
        }
        self.out
    }

    fn new_message(&mut self, at: DateTime<Utc>, content: &str, sender: Sender<'a>, private: bool) -> Message<'a> {
        self.messages += 1;
        Message {
            id: ids::child_id(self.id, self.messages),
            content: content.to_owned(),
            incoming: matches!(sender, Sender::Contact),
            private,
            content_type: "text",
            content_attributes: json!({}),
            created: at,
            updated: at,
            sender,
        }
    }

    fn create_message(&mut self, at: DateTime<Utc>, text: &str, sender: Sender<'a>, private: bool) {
        let message = self.new_message(at, text, sender, private);
        self.record(&message);
        self.message_event("message_created", &message);
    }

    /// Applies a new message to the conversation state.
    fn record(&mut self, message: &Message<'a>) {
        self.last_activity = message.created;
        self.updated = message.created;
        if message.private {
            return;
        }
        match message.sender {
            Sender::Contact => {
                self.incoming.push(message.created);
                self.waiting_since.get_or_insert(message.created);
            }
            Sender::User(_) => {
                self.first_reply.get_or_insert(message.created);
                self.waiting_since = None;
            }
            Sender::Nobody => {}
        }
        self.last_message = Some(message.clone());
    }

    fn send_csat(&mut self, at: DateTime<Utc>) {
        let mut message = self.new_message(at, CSAT_PROMPT, Sender::Nobody, false);
        message.content_type = "input_csat";
        self.record(&message);
        self.message_event("message_created", &message);
        self.csat = Some(message);
    }

    fn submit_csat(&mut self, at: DateTime<Utc>, stars: u8, feedback: &str) {
        let Some(mut message) = self.csat.take() else {
            return;
        };
        message.updated = at;
        message.content_attributes = json!({
            "submitted_values": {
                "csat_survey_response": { "rating": stars, "feedback_message": feedback },
            },
        });
        if self.last_message.as_ref().is_some_and(|m| m.id == message.id) {
            self.last_message = Some(message.clone());
        }
        self.message_event("message_updated", &message);
        self.csat = Some(message);
    }

    fn unread_count(&self) -> usize {
        self.incoming.iter().filter(|&&t| self.agent_last_seen.is_none_or(|seen| t > seen)).count()
    }

    fn contact_push(&self) -> Value {
        let c = &self.plan.contact;
        json!({
            "additional_attributes": {},
            "custom_attributes": {},
            "email": c.email,
            "id": Chatwoot::contact_id(c),
            "identifier": null,
            "name": c.name,
            "phone_number": null,
            "thumbnail": "",
            "type": "contact",
        })
    }

    fn user_push(agent: &Agent) -> Value {
        json!({
            "id": Chatwoot::user_id(agent),
            "name": agent.name,
            "available_name": agent.name,
            "avatar_url": "",
            "type": "user",
            "availability_status": "online",
            "thumbnail": "",
        })
    }

    /// The sender as in top-level message webhooks.
    fn sender_webhook(&self, sender: Sender<'_>) -> Value {
        match sender {
            Sender::Contact => {
                let c = &self.plan.contact;
                json!({
                    "id": Chatwoot::contact_id(c),
                    "name": c.name,
                    "email": c.email,
                    "avatar": "",
                    "type": "contact",
                })
            }
            Sender::User(a) => json!({
                "id": Chatwoot::user_id(a),
                "name": a.name,
                "email": a.email,
                "type": "user",
            }),
            Sender::Nobody => Value::Null,
        }
    }

    /// A message in the push format used inside `conversation.messages[]`.
    fn message_push(&self, m: &Message<'_>) -> Value {
        let (sender_type, sender_id, sender) = match m.sender {
            Sender::Contact => (json!("Contact"), json!(Chatwoot::contact_id(&self.plan.contact)), self.contact_push()),
            Sender::User(a) => (json!("User"), json!(Chatwoot::user_id(a)), Self::user_push(a)),
            Sender::Nobody => (Value::Null, Value::Null, Value::Null),
        };
        let mut push = json!({
            "id": m.id,
            "content": m.content,
            "account_id": self.cw.account_id,
            "inbox_id": self.cw.inbox_id,
            "conversation_id": self.id,
            "message_type": m.type_int(),
            "created_at": unix_seconds(m.created),
            "updated_at": iso_millis(m.updated),
            "private": m.private,
            "status": "sent",
            "source_id": null,
            "content_type": m.content_type,
            "content_attributes": m.content_attributes,
            "sender_type": sender_type,
            "sender_id": sender_id,
            "external_source_ids": {},
            "additional_attributes": {},
            "processed_message_content": m.content,
            "sentiment": {},
            "conversation": {
                "assignee_id": Chatwoot::user_id(self.assignee),
                "unread_count": self.unread_count(),
                "last_activity_at": unix_seconds(self.last_activity),
            },
        });
        if !sender.is_null() {
            push["sender"] = sender;
        }
        push
    }

    /// The conversation as `Conversations::EventDataPresenter#push_data` renders it, plus `account_id`.
    fn snapshot(&self) -> Map<String, Value> {
        let messages: Vec<Value> = self.last_message.iter().map(|m| self.message_push(m)).collect();
        let seconds_or_zero = |t: Option<DateTime<Utc>>| t.map_or(0, unix_seconds);
        let snapshot = json!({
            "id": self.id,
            "account_id": self.cw.account_id,
            "inbox_id": self.cw.inbox_id,
            "channel": "Channel::WebWidget",
            "status": self.status,
            "messages": messages,
            "meta": {
                "sender": self.contact_push(),
                "assignee": Self::user_push(self.assignee),
                "assignee_type": "User",
                "team": null,
                "hmac_verified": false,
            },
            "labels": [],
            "custom_attributes": {},
            "additional_attributes": {},
            "can_reply": true,
            "priority": null,
            "snoozed_until": null,
            "unread_count": self.unread_count(),
            "first_reply_created_at": self.first_reply.map(iso_millis),
            "waiting_since": seconds_or_zero(self.waiting_since),
            "agent_last_seen_at": seconds_or_zero(self.agent_last_seen),
            "contact_last_seen_at": 0,
            "last_activity_at": unix_seconds(self.last_activity),
            "timestamp": unix_seconds(self.last_activity),
            "created_at": unix_seconds(self.plan.started_at),
            "updated_at": unix_seconds_f64(self.updated),
        });
        object(snapshot)
    }

    fn conversation_event(&mut self, event: &str, at: DateTime<Utc>, changed: Option<Value>) {
        let mut body = self.snapshot();
        if let Some(changed) = changed {
            body.insert("changed_attributes".into(), changed);
        }
        body.insert("event".into(), event.into());
        self.out.push(Rendered::new(event, at, Value::Object(body)));
    }

    fn message_event(&mut self, event: &str, m: &Message<'_>) {
        let body = json!({
            "event": event,
            "id": m.id,
            "content": m.content,
            "content_type": m.content_type,
            "content_attributes": m.content_attributes,
            "message_type": m.type_name(),
            "private": m.private,
            "created_at": iso_whole_second(m.created),
            "source_id": null,
            "additional_attributes": {},
            "sender": self.sender_webhook(m.sender),
            "account": self.cw.account(),
            "inbox": self.cw.inbox(),
            "conversation": Value::Object(self.snapshot()),
        });
        let at = if event == "message_created" { m.created } else { m.updated };
        self.out.push(Rendered::new(event, at, body));
    }
}

/// `changed_attributes` for one attribute: `[{name: {previous_value, current_value}}]`.
fn change(name: &str, previous: impl Into<Value>, current: impl Into<Value>) -> Value {
    json!([{ name: { "previous_value": previous.into(), "current_value": current.into() } }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::AgentStatus;
    use crate::render::fixture::{self, bytes, secs, types};

    fn cw() -> Chatwoot {
        Chatwoot { account_id: 7, inbox_id: 3 }
    }

    /// The conversation object of a delivery: the body itself or its nested `conversation`.
    fn conversation(r: &Rendered) -> &Value {
        if r.event_type.starts_with("message_") {
            &r.body["conversation"]
        } else {
            &r.body
        }
    }

    #[test]
    fn session_event_sequence() {
        let out = cw().session(&fixture::plan(9));
        assert_eq!(
            types(&out),
            [
                "conversation_created",
                "message_created",
                "message_created",
                "message_created",
                "conversation_updated",
                "message_created",
                "conversation_updated",
                "message_created",
                "conversation_status_changed",
                "message_created",
                "message_updated",
            ]
        );
        assert!(out.iter().all(|r| r.body["event"] == r.event_type.as_str()));
        assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn conversation_id_is_stable() {
        let out = cw().session(&fixture::plan(9));
        let id = Chatwoot::conversation_id(9);
        assert_eq!(id, 10);
        for r in &out {
            assert_eq!(conversation(r)["id"], id, "{}", r.event_type);
            assert_eq!(conversation(r)["account_id"], 7);
            assert_eq!(conversation(r)["inbox_id"], 3);
        }
    }

    #[test]
    fn conversation_created_is_a_full_snapshot() {
        let out = cw().session(&fixture::plan(9));
        let c = &out[0].body;
        assert_eq!(c["channel"], "Channel::WebWidget");
        assert_eq!(c["status"], "open");
        assert_eq!(c["messages"], json!([]));
        assert_eq!(c["meta"]["sender"]["type"], "contact");
        assert_eq!(c["meta"]["assignee"]["id"], 1);
        assert_eq!(c["meta"]["assignee"]["availability_status"], "online");
        assert_eq!(c["meta"]["assignee_type"], "User");
        assert!(c["meta"]["team"].is_null());
        assert_eq!(c["agent_last_seen_at"], 0);
        assert_eq!(c["contact_last_seen_at"], 0);
        assert!(c["created_at"].is_i64());
        assert!(c["timestamp"].is_i64());
        assert!(c["updated_at"].is_f64());
    }

    #[test]
    fn message_types_and_times_differ_between_top_level_and_snapshot() {
        let out = cw().session(&fixture::plan(9));
        let first = &out[1].body;
        assert_eq!(first["message_type"], "incoming");
        assert_eq!(first["content_type"], "text");
        assert_eq!(first["private"], false);
        assert_eq!(first["sender"]["type"], "contact");
        assert_eq!(first["created_at"], "2024-03-05T10:00:00.000Z");
        assert_eq!(first["account"], json!({ "id": 7, "name": "Account 7" }));
        let nested = &first["conversation"]["messages"][0];
        assert_eq!(nested["id"], first["id"]);
        assert_eq!(nested["message_type"], 0);
        assert_eq!(nested["created_at"], fixture::t0().timestamp());
        assert_eq!(first["conversation"]["unread_count"], 1);

        let reply = &out[2].body;
        assert_eq!(reply["message_type"], "outgoing");
        assert_eq!(reply["sender"]["type"], "user");
        assert_eq!(reply["conversation"]["messages"][0]["message_type"], 1);
    }

    #[test]
    fn internal_note_is_private_and_not_the_last_chat_message() {
        let out = cw().session(&fixture::plan(9));
        let note = &out[3].body;
        assert_eq!(note["content"], "Shipping issue, handing to Bob");
        assert_eq!(note["private"], true);
        assert_eq!(note["message_type"], "outgoing");
        assert_eq!(note["conversation"]["messages"][0]["id"], out[2].body["id"]);
    }

    #[test]
    fn transfer_and_seen_update_the_snapshot() {
        let out = cw().session(&fixture::plan(9));
        let transfer = &out[4].body;
        assert_eq!(
            transfer["changed_attributes"],
            json!([{ "assignee_id": { "previous_value": 1, "current_value": 2 } }])
        );
        assert_eq!(transfer["meta"]["assignee"]["id"], 2);
        assert_eq!(transfer["meta"]["assignee"]["name"], "Bob van Dyke");

        assert_eq!(out[5].body["conversation"]["unread_count"], 2);
        let seen = &out[6].body;
        assert_eq!(seen["agent_last_seen_at"], secs(65).timestamp());
        assert_eq!(seen["unread_count"], 0);
        let changed = &seen["changed_attributes"][0]["agent_last_seen_at"];
        assert!(changed["previous_value"].is_null());
        assert_eq!(changed["current_value"], "2024-03-05T10:01:05.123Z");
    }

    #[test]
    fn resolution_then_csat_message_and_its_update() {
        let out = cw().session(&fixture::plan(9));
        let resolved = &out[8].body;
        assert_eq!(resolved["status"], "resolved");
        assert_eq!(
            resolved["changed_attributes"],
            json!([{ "status": { "previous_value": "open", "current_value": "resolved" } }])
        );
        let (csat, updated) = (&out[9], &out[10]);
        assert_eq!(csat.at, secs(120));
        assert_eq!(csat.body["content_type"], "input_csat");
        assert_eq!(csat.body["message_type"], "outgoing");
        assert_eq!(csat.body["content_attributes"], json!({}));
        assert_eq!(updated.at, secs(150));
        assert_eq!(updated.body["id"], csat.body["id"]);
        assert_eq!(updated.body["created_at"], csat.body["created_at"]);
        assert_eq!(
            updated.body["content_attributes"]["submitted_values"]["csat_survey_response"],
            json!({ "rating": 4, "feedback_message": "Quick help" })
        );
        assert_eq!(updated.body["conversation"]["status"], "resolved");
    }

    #[test]
    fn no_csat_without_rating_and_no_survey_or_status_webhooks() {
        let mut plan = fixture::plan(9);
        plan.steps.retain(|s| !matches!(s, Step::Rating { .. }));
        let out = cw().session(&plan);
        assert_eq!(types(&out).last(), Some(&"conversation_status_changed"));
        assert!(out.iter().all(|r| r.body["content_type"] != "input_csat"));
        let change = fixture::status(AgentStatus::Online, AgentStatus::Away);
        assert!(cw().status(&change).is_empty());
    }

    #[test]
    fn message_ids_are_unique() {
        let out = cw().session(&fixture::plan(9));
        let mut ids: Vec<u64> =
            out.iter().filter(|r| r.event_type == "message_created").map(|r| r.body["id"].as_u64().unwrap()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn rendering_is_deterministic() {
        let plan = fixture::plan(9);
        assert_eq!(bytes(&cw().session(&plan)), bytes(&cw().session(&plan)));
    }
}
