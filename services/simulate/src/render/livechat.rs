//! LiveChat (Text platform) Webhooks v3.6: `{webhook_id, secret_key, action, organization_id, payload,
//! additional_data}` envelopes, RFC 3339 µs times, agent ids are e-mails and customer ids UUIDs.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::ids::{self, Space};
use super::{object, rfc3339_micros, Opening, Rendered, Renderer};
use crate::plan::{Agent, AgentStatus, Contact, SessionPlan, StatusChange, Step};

/// "Never seen" sentinel LiveChat puts in `events_seen_up_to` (as observed, one hour past the epoch).
const NEVER_SEEN: &str = "1970-01-01T01:00:00.000000Z";

/// Renders LiveChat v3.6 webhooks for one license/organization.
#[derive(Debug, Clone)]
pub struct LiveChat {
    /// Echoed in every body; the receiver's only authentication.
    pub secret_key: String,
    /// The v3.4+ organization id (a string, not necessarily a valid UUID).
    pub organization_id: String,
}

impl LiveChat {
    /// Chat id for a plan: 10 uppercase alphanumerics, unique per `plan.seq`.
    pub fn chat_id(plan_seq: u64) -> String {
        ids::alnum10(Space::LiveChatChat, plan_seq)
    }

    /// Id of the session's (single) thread; never equal to the chat id.
    pub fn thread_id(plan_seq: u64) -> String {
        ids::alnum10(Space::LiveChatThread, plan_seq)
    }

    /// Customer id (a UUID) of a contact.
    pub fn customer_id(contact: &Contact) -> String {
        ids::uuid(Space::LiveChatCustomer, &[contact.index]).to_string()
    }

    /// Agent id: LiveChat identifies agents by e-mail.
    pub fn agent_id(agent: &Agent) -> &str {
        &agent.email
    }

    /// Wire value of `routing_status_set.status` for a normalised status.
    pub fn routing_status(status: AgentStatus) -> &'static str {
        match status {
            AgentStatus::Online => "accepting chats",
            AgentStatus::Away => "not accepting chats",
            AgentStatus::Offline => "offline",
        }
    }

    fn envelope(&self, action: &str, at: DateTime<Utc>, payload: Value) -> Rendered {
        // One registration per action, so the registration id differs per action.
        let webhook_id = ids::hex32(Space::LiveChatWebhook, &[ids::fnv1a(&self.organization_id), ids::fnv1a(action)]);
        Rendered::new(
            action,
            at,
            json!({
                "webhook_id": webhook_id,
                "secret_key": self.secret_key,
                "action": action,
                "organization_id": self.organization_id,
                "payload": payload,
                "additional_data": {},
            }),
        )
    }
}

impl Renderer for LiveChat {
    fn session(&self, plan: &SessionPlan) -> Vec<Rendered> {
        Session::new(self, plan).render()
    }

    fn status(&self, change: &StatusChange) -> Vec<Rendered> {
        vec![self.envelope(
            "routing_status_set",
            change.at,
            json!({
                "agent_id": LiveChat::agent_id(&change.agent),
                "status": LiveChat::routing_status(change.to),
            }),
        )]
    }
}

/// Rendering state of one session.
struct Session<'a> {
    lc: &'a LiveChat,
    plan: &'a SessionPlan,
    chat_id: String,
    thread_id: String,
    customer_id: String,
    /// Number of the last event put in the thread (event ids are `<thread_id>_<n>`).
    events: u32,
    out: Vec<Rendered>,
}

impl<'a> Session<'a> {
    fn new(lc: &'a LiveChat, plan: &'a SessionPlan) -> Self {
        Session {
            lc,
            plan,
            chat_id: LiveChat::chat_id(plan.seq),
            thread_id: LiveChat::thread_id(plan.seq),
            customer_id: LiveChat::customer_id(&plan.contact),
            events: 0,
            out: Vec::new(),
        }
    }

    fn render(mut self) -> Vec<Rendered> {
        let opening = Opening::of(self.plan);
        self.incoming_chat(&opening);
        for step in opening.rest {
            self.step(step);
        }
        self.out
    }

    fn emit(&mut self, action: &str, at: DateTime<Utc>, payload: Value) {
        let rendered = self.lc.envelope(action, at, payload);
        self.out.push(rendered);
    }

    /// `{chat_id, thread_id}` plus `extra`.
    fn chat_payload(&self, extra: Value) -> Value {
        let mut payload = object(json!({ "chat_id": self.chat_id, "thread_id": self.thread_id }));
        payload.extend(object(extra));
        Value::Object(payload)
    }

    fn next_event_id(&mut self) -> String {
        self.events += 1;
        format!("{}_{}", self.thread_id, self.events)
    }

    fn message_event(&mut self, at: DateTime<Utc>, author: &str, text: &str, internal: bool) -> Value {
        json!({
            "id": self.next_event_id(),
            "created_at": rfc3339_micros(at),
            "type": "message",
            "text": text,
            "author_id": author,
            "recipients": if internal { "agents" } else { "all" },
        })
    }

    fn incoming_chat(&mut self, opening: &Opening<'_>) {
        let plan = self.plan;
        let agent = &plan.agent;
        let started = rfc3339_micros(plan.started_at);
        let customer_id = self.customer_id.clone();
        let events: Vec<Value> =
            opening.message.map(|(at, text)| self.message_event(at, &customer_id, text, false)).into_iter().collect();
        let customer_last_event = opening.message.map_or(Value::Null, |(at, _)| rfc3339_micros(at).into());
        let customer = json!({
            "id": self.customer_id,
            "type": "customer",
            "name": plan.contact.name,
            "email": plan.contact.email,
            "avatar": "",
            "present": true,
            "created_at": started,
            "events_seen_up_to": rfc3339_micros(opening.at),
            "customer_last_event_created_at": customer_last_event,
            "last_visit": {
                "started_at": started,
                "ip": format!("203.0.113.{}", plan.contact.index % 254 + 1),
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
                "last_pages": [{
                    "opened_at": started,
                    "url": "https://shop.example.com/orders",
                    "title": "My orders",
                }],
            },
            "statistics": {
                "chats_count": 1,
                "threads_count": 1,
                "visits_count": 1,
                "page_views_count": 1,
                "greetings_shown_count": 0,
                "greetings_accepted_count": 0,
            },
        });
        let agent_user = json!({
            "id": LiveChat::agent_id(agent),
            "type": "agent",
            "name": agent.name,
            "email": agent.email,
            "avatar": "",
            "present": true,
            "events_seen_up_to": NEVER_SEEN,
            "routing_status": "accepting_chats",
            "visibility": "all",
        });
        let access = json!({ "group_ids": [agent.group] });
        let chat = json!({
            "id": self.chat_id,
            "users": [customer, agent_user],
            "properties": {},
            "access": access,
            "thread": {
                "id": self.thread_id,
                "active": true,
                "user_ids": [self.customer_id, LiveChat::agent_id(agent)],
                "restricted_access": false,
                "events": events,
                "properties": {},
                "access": access,
                "created_at": started,
            },
        });
        self.emit("incoming_chat", opening.at, json!({ "chat": chat }));
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::ContactMessage { at, text, .. } => {
                let author = self.customer_id.clone();
                let event = self.message_event(*at, &author, text, false);
                self.incoming_event(*at, event);
            }
            Step::AgentMessage { at, agent, text, .. } => {
                let event = self.message_event(*at, LiveChat::agent_id(agent), text, false);
                self.incoming_event(*at, event);
            }
            Step::InternalNote { at, agent, text, .. } => {
                let event = self.message_event(*at, LiveChat::agent_id(agent), text, true);
                self.incoming_event(*at, event);
            }
            Step::Transfer { at, from, to } => {
                // Docs say `queued_at_us`, the SDK `queued_at`: alternate so receivers see both.
                let queued_key = if self.plan.seq % 2 == 1 { "queued_at_us" } else { "queued_at" };
                let mut queue = Map::new();
                queue.insert("position".into(), 1.into());
                queue.insert("wait_time".into(), 0.into());
                queue.insert(queued_key.into(), rfc3339_micros(*at).into());
                let payload = self.chat_payload(json!({
                    "requester_id": LiveChat::agent_id(from),
                    "reason": "manual",
                    "transferred_to": {
                        "agent_ids": [LiveChat::agent_id(to)],
                        "group_ids": [to.group],
                    },
                    "queue": queue,
                }));
                self.emit("chat_transferred", *at, payload);
            }
            Step::Seen { at, agent, up_to } => {
                let payload = json!({
                    "user_id": LiveChat::agent_id(agent),
                    "chat_id": self.chat_id,
                    "seen_up_to": rfc3339_micros(*up_to),
                });
                self.emit("events_marked_as_seen", *at, payload);
            }
            Step::End { at, agent } => {
                let extra = agent.as_ref().map_or(json!({}), |a| json!({ "user_id": LiveChat::agent_id(a) }));
                let payload = self.chat_payload(extra);
                self.emit("chat_deactivated", *at, payload);
            }
            Step::Rating { at, good, comment, .. } => {
                let mut rating = Map::new();
                rating.insert("score".into(), u8::from(*good).into());
                if let Some(comment) = comment {
                    rating.insert("comment".into(), comment.as_str().into());
                }
                let payload = self.chat_payload(json!({ "properties": { "rating": rating } }));
                self.emit("thread_properties_updated", *at, payload);
            }
            Step::Survey { at, question, answer } => {
                let form = |salt: u64| ids::digits(Space::LiveChatForm, &[ids::fnv1a(question), salt], 17);
                let event = json!({
                    "id": self.next_event_id(),
                    "created_at": rfc3339_micros(*at),
                    "type": "filled_form",
                    "author_id": self.customer_id,
                    "recipients": "all",
                    "form_id": form(0),
                    "fields": [{
                        "type": "radio",
                        "id": form(1),
                        "label": question,
                        "answer": {
                            "id": ids::digits(Space::LiveChatForm, &[ids::fnv1a(answer)], 17),
                            "label": answer,
                        },
                    }],
                    "properties": { "lc2": { "form_type": "postchat" } },
                });
                self.incoming_event(*at, event);
            }
        }
    }

    fn incoming_event(&mut self, at: DateTime<Utc>, event: Value) {
        let payload = self.chat_payload(json!({ "event": event }));
        self.emit("incoming_event", at, payload);
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::render::fixture::{self, bytes, types};

    fn lc() -> LiveChat {
        LiveChat { secret_key: "s3cret".into(), organization_id: "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex".into() }
    }

    fn payload(r: &Rendered) -> &Value {
        &r.body["payload"]
    }

    /// True for `YYYY-MM-DDTHH:MM:SS.ffffffZ` that parses as RFC 3339.
    fn is_micros(v: &Value) -> bool {
        let s = v.as_str().unwrap_or_default();
        DateTime::parse_from_rfc3339(s).is_ok()
            && s.len() == 27
            && s.ends_with('Z')
            && s[20..26].bytes().all(|b| b.is_ascii_digit())
    }

    #[test]
    fn session_event_sequence() {
        let out = lc().session(&fixture::plan(4));
        assert_eq!(
            types(&out),
            [
                "incoming_chat",
                "incoming_event",
                "incoming_event",
                "chat_transferred",
                "incoming_event",
                "events_marked_as_seen",
                "incoming_event",
                "chat_deactivated",
                "thread_properties_updated",
                "incoming_event",
            ]
        );
        for r in &out {
            assert_eq!(r.body["action"], r.event_type.as_str());
            assert_eq!(r.body["secret_key"], "s3cret");
            assert_eq!(r.body["organization_id"], "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex");
        }
        assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn chat_and_thread_ids_are_stable() {
        let out = lc().session(&fixture::plan(4));
        let chat = payload(&out[0])["chat"]["id"].as_str().unwrap().to_owned();
        let thread = payload(&out[0])["chat"]["thread"]["id"].as_str().unwrap().to_owned();
        assert_eq!(chat, LiveChat::chat_id(4));
        assert_eq!(chat.len(), 10);
        assert!(chat.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
        assert_ne!(chat, thread);
        for r in &out[1..] {
            assert_eq!(payload(r)["chat_id"], chat.as_str(), "{}", r.event_type);
            if r.event_type != "events_marked_as_seen" {
                assert_eq!(payload(r)["thread_id"], thread.as_str(), "{}", r.event_type);
            }
        }
        assert_ne!(LiveChat::chat_id(5), chat);
    }

    #[test]
    fn incoming_chat_carries_users_and_first_message() {
        let plan = fixture::plan(4);
        let out = lc().session(&plan);
        let chat = &payload(&out[0])["chat"];
        let users = chat["users"].as_array().unwrap();
        assert_eq!(users[0]["type"], "customer");
        assert_eq!(users[0]["id"], LiveChat::customer_id(&plan.contact).as_str());
        assert_eq!(users[1]["type"], "agent");
        assert_eq!(users[1]["id"], "alice@example.com");
        assert_eq!(users[1]["routing_status"], "accepting_chats");
        let events = chat["thread"]["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["text"], "Hi, my order is late");
        assert_eq!(events[0]["id"], format!("{}_1", LiveChat::thread_id(4)).as_str());
        assert!(is_micros(&events[0]["created_at"]));
        assert!(is_micros(&chat["thread"]["created_at"]));
    }

    #[test]
    fn messages_have_rfc3339_micros_authors_and_recipients() {
        let plan = fixture::plan(4);
        let out = lc().session(&plan);
        let messages: Vec<&Value> = out
            .iter()
            .filter(|r| r.event_type == "incoming_event")
            .map(|r| &payload(r)["event"])
            .filter(|e| e["type"] == "message")
            .collect();
        assert_eq!(messages.len(), 4);
        let thread = LiveChat::thread_id(4);
        for (i, e) in messages.iter().enumerate() {
            assert_eq!(e["id"], format!("{thread}_{}", i + 2).as_str());
            assert!(is_micros(&e["created_at"]));
        }
        assert_eq!(messages[0]["author_id"], "alice@example.com");
        assert_eq!(messages[0]["recipients"], "all");
        assert_eq!(messages[1]["recipients"], "agents");
        assert_eq!(messages[2]["author_id"], LiveChat::customer_id(&plan.contact).as_str());
        assert_eq!(messages[3]["author_id"], "bob@example.com");
    }

    #[test]
    fn transfer_queue_timestamp_name_depends_on_seq_parity() {
        for (seq, key, other) in [(4, "queued_at", "queued_at_us"), (5, "queued_at_us", "queued_at")] {
            let out = lc().session(&fixture::plan(seq));
            let t = out.iter().find(|r| r.event_type == "chat_transferred").unwrap();
            let p = payload(t);
            assert_eq!(p["reason"], "manual");
            assert_eq!(p["requester_id"], "alice@example.com");
            assert_eq!(p["transferred_to"]["agent_ids"], json!(["bob@example.com"]));
            assert_eq!(p["transferred_to"]["group_ids"], json!([2]));
            assert!(is_micros(&p["queue"][key]));
            assert!(p["queue"].get(other).is_none());
        }
    }

    #[test]
    fn seen_close_rating_and_survey() {
        let out = lc().session(&fixture::plan(4));
        let find = |t: &str| out.iter().find(|r| r.event_type == t).map(payload).unwrap();
        let seen = find("events_marked_as_seen");
        assert_eq!(seen["user_id"], "bob@example.com");
        assert_eq!(seen["seen_up_to"], "2024-03-05T10:01:05.123456Z");
        assert_eq!(find("chat_deactivated")["user_id"], "bob@example.com");
        let rating = &find("thread_properties_updated")["properties"]["rating"];
        assert_eq!(rating["score"], 1);
        assert_eq!(rating["comment"], "Quick help");
        let form = &payload(out.last().unwrap())["event"];
        assert_eq!(form["type"], "filled_form");
        assert_eq!(form["properties"]["lc2"]["form_type"], "postchat");
        assert_eq!(form["fields"][0]["answer"]["label"], "Very Satisfied");
    }

    #[test]
    fn system_close_has_no_user_id() {
        let out = lc().session(&fixture::plan_closed_by(4, None));
        let closed = out.iter().find(|r| r.event_type == "chat_deactivated").unwrap();
        assert!(payload(closed).get("user_id").is_none());
    }

    #[test]
    fn routing_status_spellings() {
        use AgentStatus::*;
        for (from, to, wire) in
            [(Offline, Online, "accepting chats"), (Online, Away, "not accepting chats"), (Away, Offline, "offline")]
        {
            let out = lc().status(&fixture::status(from, to));
            assert_eq!(types(&out), ["routing_status_set"]);
            assert_eq!(payload(&out[0]), &json!({ "agent_id": "bob@example.com", "status": wire }));
        }
    }

    #[test]
    fn rendering_is_deterministic() {
        let plan = fixture::plan(4);
        assert_eq!(bytes(&lc().session(&plan)), bytes(&lc().session(&plan)));
    }
}
