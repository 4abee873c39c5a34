//! Userlike Add-on API callbacks in the legacy `chat_meta` / `operator` shapes (platforms.md §1.2, the
//! only shapes with public samples). Every `chat_meta` delivery repeats the whole chat as accumulated so
//! far; times are zone-less `YYYY-MM-DD HH:MM:SS`; operator events carry no timestamp at all.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::ids::{self, Space};
use super::{hms, naive_seconds, object, split_name, Opening, Rendered, Renderer};
use crate::plan::{Agent, AgentStatus, SessionPlan, StatusChange, Step};

/// Message `type` of a contact message (seen in the public samples).
const CONTACT: &str = "co";
/// Message `type` of an operator message.
const OPERATOR: &str = "op";
/// Message `type` of an internal note. A guess: no public sample shows one.
const NOTE: &str = "ntc";

/// Renders legacy Userlike Add-on API callbacks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Userlike;

impl Userlike {
    /// Chat id (an int) of a plan.
    pub fn chat_id(plan_seq: u64) -> u64 {
        ids::db_id(plan_seq)
    }

    /// Operator id (an int) of a plan agent.
    pub fn operator_id(agent: &Agent) -> u64 {
        ids::db_id(u64::from(agent.index))
    }

    /// The legacy `operator` `_event` for a status change (`back` = away → online).
    pub fn operator_event(from: AgentStatus, to: AgentStatus) -> &'static str {
        match (from, to) {
            (AgentStatus::Away, AgentStatus::Online) => "back",
            (_, AgentStatus::Online) => "online",
            (_, AgentStatus::Away) => "away",
            (_, AgentStatus::Offline) => "offline",
        }
    }
}

impl Renderer for Userlike {
    fn session(&self, plan: &SessionPlan) -> Vec<Rendered> {
        Chat::new(plan).render()
    }

    fn status(&self, change: &StatusChange) -> Vec<Rendered> {
        let event = Userlike::operator_event(change.from, change.to);
        let agent = &change.agent;
        let username = agent.email.split('@').next().unwrap_or_default();
        let mut body = Map::new();
        body.insert("_type".into(), "operator".into());
        body.insert("_event".into(), event.into());
        body.extend(operator_fields(agent));
        body.extend(object(json!({
            "operator_group_id": ids::db_id(u64::from(agent.group)),
            "role": "a",
            "role_name": "Admin",
            "is_active": true,
            "username": username,
            "lang": "en",
            "locale": "en",
            "timezone": "UTC",
        })));
        vec![Rendered::new(format!("operator.{event}"), change.at, Value::Object(body))]
    }
}

/// `{id, email, first_name, last_name, name, operator_group{id, name}}` of an operator.
fn operator_fields(agent: &Agent) -> Map<String, Value> {
    let (first, last) = split_name(&agent.name);
    let group = ids::db_id(u64::from(agent.group));
    object(json!({
        "id": Userlike::operator_id(agent),
        "email": agent.email,
        "first_name": first,
        "last_name": last,
        "name": agent.name,
        "operator_group": { "id": group, "name": format!("Group {group}") },
    }))
}

/// The chat as accumulated so far.
struct Chat<'a> {
    plan: &'a SessionPlan,
    messages: Vec<Value>,
    operator_current: &'a Agent,
    ended_at: Option<DateTime<Utc>>,
    rate: Option<u8>,
    post_survey_option: Option<&'a str>,
    feedback_message: Option<&'a str>,
    seen_up_to: Option<DateTime<Utc>>,
    last_contact_message: Option<DateTime<Utc>>,
    out: Vec<Rendered>,
}

impl<'a> Chat<'a> {
    fn new(plan: &'a SessionPlan) -> Self {
        Chat {
            plan,
            messages: Vec::new(),
            operator_current: &plan.agent,
            ended_at: None,
            rate: None,
            post_survey_option: None,
            feedback_message: None,
            seen_up_to: None,
            last_contact_message: None,
            out: Vec::new(),
        }
    }

    fn render(mut self) -> Vec<Rendered> {
        let opening = Opening::of(self.plan);
        if let Some((at, text)) = opening.message {
            self.contact_message(at, text);
        }
        self.emit("start", opening.at);
        for step in opening.rest {
            match step {
                Step::ContactMessage { at, text, .. } => self.contact_message(*at, text),
                Step::AgentMessage { at, agent, text, .. } => self.message(*at, &agent.name, text, OPERATOR),
                Step::InternalNote { at, agent, text, .. } => self.message(*at, &agent.name, text, NOTE),
                Step::Transfer { at, to, .. } => {
                    self.operator_current = to;
                    self.emit("forward", *at);
                }
                Step::Seen { up_to, .. } => {
                    self.seen_up_to = self.seen_up_to.max(Some(*up_to));
                }
                Step::End { at, .. } => {
                    self.ended_at = Some(*at);
                    self.emit("receive", *at);
                }
                Step::Rating { at, stars, comment, .. } => {
                    self.rate = Some(*stars);
                    self.emit("rating", *at);
                    if let Some(comment) = comment {
                        self.feedback_message = Some(comment.as_str());
                        self.emit("feedback", *at);
                    }
                }
                Step::Survey { at, answer, .. } => {
                    self.post_survey_option = Some(answer.as_str());
                    self.emit("survey", *at);
                }
            }
        }
        self.out
    }

    fn contact_message(&mut self, at: DateTime<Utc>, text: &str) {
        self.last_contact_message = Some(at);
        let name = &self.plan.contact.name;
        self.message(at, name, text, CONTACT);
    }

    fn message(&mut self, at: DateTime<Utc>, person: &str, text: &str, kind: &str) {
        self.messages.push(json!({
            "message": text,
            "person": person,
            "sent_at": naive_seconds(at),
            "type": kind,
        }));
    }

    /// Read by an operator: a read watermark covers the contact's latest message.
    fn marked_read(&self) -> bool {
        match (self.seen_up_to, self.last_contact_message) {
            (Some(seen), Some(last)) => last <= seen,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn emit(&mut self, event: &str, at: DateTime<Utc>) {
        let plan = self.plan;
        let (created, current) = (&plan.agent, self.operator_current);
        let body = json!({
            "_type": "chat_meta",
            "_event": event,
            "id": Userlike::chat_id(plan.seq),
            "created_at": naive_seconds(plan.started_at),
            "ended_at": self.ended_at.map(naive_seconds),
            "duration": hms(self.ended_at.unwrap_or(at) - plan.started_at),
            "status": if self.ended_at.is_some() { "ended" } else { "new" },
            "messages": self.messages,
            "operator_created": operator_fields(created),
            "operator_created_id": Userlike::operator_id(created),
            "operator_current": operator_fields(current),
            "operator_current_id": Userlike::operator_id(current),
            "rate": self.rate,
            "post_survey_option": self.post_survey_option,
            "feedback_message": self.feedback_message,
            "marked_read": self.marked_read(),
            "client_name": plan.contact.name,
            "client_email": plan.contact.email,
            "client_uuid": ids::uuid(Space::UserlikeClient, &[plan.contact.index]).to_string(),
            "custom": {},
        });
        self.out.push(Rendered::new(format!("chat_meta.{event}"), at, body));
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::render::fixture::{self, bytes, types};

    fn is_naive(v: &Value) -> bool {
        v.as_str().is_some_and(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok())
    }

    #[test]
    fn session_event_sequence() {
        let out = Userlike.session(&fixture::plan(11));
        assert_eq!(
            types(&out),
            [
                "chat_meta.start",
                "chat_meta.forward",
                "chat_meta.receive",
                "chat_meta.rating",
                "chat_meta.feedback",
                "chat_meta.survey",
            ]
        );
        for r in &out {
            assert_eq!(
                format!("{}.{}", r.body["_type"].as_str().unwrap(), r.body["_event"].as_str().unwrap()),
                r.event_type
            );
        }
    }

    #[test]
    fn chat_id_is_stable_and_times_are_naive() {
        let out = Userlike.session(&fixture::plan(11));
        for r in &out {
            assert_eq!(r.body["id"], 12);
            assert_eq!(r.body["created_at"], "2024-03-05 10:00:00");
            assert!(r.body["messages"].as_array().unwrap().iter().all(|m| is_naive(&m["sent_at"])));
        }
        assert!(out[1].body["ended_at"].is_null());
        assert_eq!(out[2].body["ended_at"], "2024-03-05 10:02:00");
        assert!(out[2..].iter().all(|r| is_naive(&r.body["ended_at"])));
        assert_eq!(out[0].body["duration"], "00:00:00");
        assert_eq!(out[1].body["duration"], "00:01:00");
        assert_eq!(out[5].body["duration"], "00:02:00");
    }

    #[test]
    fn messages_accumulate() {
        let out = Userlike.session(&fixture::plan(11));
        let counts: Vec<usize> = out.iter().map(|r| r.body["messages"].as_array().unwrap().len()).collect();
        assert_eq!(counts, [1, 3, 5, 5, 5, 5]);
        let all = &out[5].body["messages"];
        assert_eq!(
            all[0],
            json!({ "message": "Hi, my order is late", "person": "Carol Jones", "sent_at": "2024-03-05 10:00:00", "type": "co" })
        );
        assert_eq!(all[1]["type"], "op");
        assert_eq!(all[1]["person"], "Alice Smith");
        assert_eq!(all[2]["type"], "ntc");
        assert_eq!(all[4]["person"], "Bob van Dyke");
    }

    #[test]
    fn operators_ratings_survey_and_read_flag() {
        let out = Userlike.session(&fixture::plan(11));
        let forward = &out[1].body;
        assert_eq!(forward["operator_created"]["id"], 1);
        assert_eq!(forward["operator_current"]["id"], 2);
        assert_eq!(forward["operator_current_id"], 2);
        assert_eq!(forward["operator_current"]["last_name"], "van Dyke");
        assert_eq!(forward["operator_current"]["operator_group"], json!({ "id": 3, "name": "Group 3" }));
        assert_eq!(forward["marked_read"], false);
        assert_eq!(out[2].body["marked_read"], true);
        assert_eq!(out[2].body["status"], "ended");

        assert!(out[2].body["rate"].is_null());
        assert_eq!(out[3].body["rate"], 4);
        assert!(out[3].body["feedback_message"].is_null());
        assert_eq!(out[4].body["feedback_message"], "Quick help");
        assert!(out[4].body["post_survey_option"].is_null());
        assert_eq!(out[5].body["post_survey_option"], "Very Satisfied");
        assert_eq!(out[5].body["rate"], 4);
    }

    #[test]
    fn operator_status_events() {
        use AgentStatus::*;
        for (from, to, event) in
            [(Offline, Online, "online"), (Online, Away, "away"), (Away, Online, "back"), (Away, Offline, "offline")]
        {
            let out = Userlike.status(&fixture::status(from, to));
            assert_eq!(types(&out), [format!("operator.{event}")]);
            let b = &out[0].body;
            assert_eq!(b["_type"], "operator");
            assert_eq!(b["id"], 2);
            assert_eq!(b["email"], "bob@example.com");
            assert_eq!(b["first_name"], "Bob");
            assert_eq!(b["operator_group_id"], 3);
            assert_eq!(b["role"], "a");
            assert_eq!(b["username"], "bob");
            assert!(b.as_object().unwrap().keys().all(|k| !k.ends_with("_at")));
        }
    }

    #[test]
    fn rendering_is_deterministic() {
        let plan = fixture::plan(11);
        assert_eq!(bytes(&Userlike.session(&plan)), bytes(&Userlike.session(&plan)));
    }
}
