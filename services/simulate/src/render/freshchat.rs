//! Freshchat conversation webhooks: `{actor:{actor_type, actor_id}, action, action_time, data}` with the
//! four documented actions. Ratings, read receipts and agent availability have no Freshchat webhook.
//!
//! Every tenth session (`plan.seq % 10 == 7`) uses the 2018 message schema (`msg_parts`, no `actor_id`
//! inside `message`), as accounts on the old payload version still send it.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::ids::{self, Space};
use super::{iso_millis, Rendered, Renderer};
use crate::plan::{Agent, Contact, SessionPlan, StatusChange, Step};

/// Renders Freshchat webhooks for one Freshchat app.
#[derive(Debug, Clone)]
pub struct Freshchat {
    /// The app (account) id echoed in messages and conversations.
    pub app_id: String,
}

impl Freshchat {
    /// Conversation id (a UUID) of a plan.
    pub fn conversation_id(plan_seq: u64) -> String {
        ids::uuid(Space::FreshchatConversation, &[plan_seq]).to_string()
    }

    /// Agent id (a UUID) of a plan agent.
    pub fn agent_id(agent: &Agent) -> String {
        ids::uuid(Space::FreshchatAgent, &[u64::from(agent.index)]).to_string()
    }

    /// Group id (a UUID) of a plan group.
    pub fn group_id(group: u32) -> String {
        ids::uuid(Space::FreshchatGroup, &[u64::from(group)]).to_string()
    }

    /// User (customer) id (a UUID) of a plan contact.
    pub fn user_id(contact: &Contact) -> String {
        ids::uuid(Space::FreshchatUser, &[contact.index]).to_string()
    }

    /// Whether a session is rendered with the 2018 `msg_parts` message schema.
    pub fn uses_2018_shape(plan_seq: u64) -> bool {
        plan_seq % 10 == 7
    }

    fn channel_id(&self) -> String {
        ids::uuid(Space::FreshchatChannel, &[ids::fnv1a(&self.app_id)]).to_string()
    }

    fn system_id(&self) -> String {
        ids::uuid(Space::FreshchatSystem, &[ids::fnv1a(&self.app_id)]).to_string()
    }
}

impl Renderer for Freshchat {
    fn session(&self, plan: &SessionPlan) -> Vec<Rendered> {
        Session::new(self, plan).render()
    }

    /// Freshchat has no agent-availability webhook.
    fn status(&self, _change: &StatusChange) -> Vec<Rendered> {
        Vec::new()
    }
}

/// Rendering state of one conversation.
struct Session<'a> {
    fc: &'a Freshchat,
    plan: &'a SessionPlan,
    conversation_id: String,
    channel_id: String,
    interaction_id: String,
    assigned: &'a Agent,
    messages: u64,
    out: Vec<Rendered>,
}

impl<'a> Session<'a> {
    fn new(fc: &'a Freshchat, plan: &'a SessionPlan) -> Self {
        let interaction_id = format!(
            "{}-{}",
            ids::digits(Space::FreshchatInteraction, &[plan.seq], 15),
            plan.started_at.timestamp_millis()
        );
        Session {
            fc,
            plan,
            conversation_id: Freshchat::conversation_id(plan.seq),
            channel_id: fc.channel_id(),
            interaction_id,
            assigned: &plan.agent,
            messages: 0,
            out: Vec::new(),
        }
    }

    fn render(mut self) -> Vec<Rendered> {
        let plan = self.plan;
        for step in &plan.steps {
            match step {
                Step::ContactMessage { at, text, .. } => {
                    let user = Freshchat::user_id(&plan.contact);
                    self.message(*at, "user", user, "normal", text);
                }
                Step::AgentMessage { at, agent, text, .. } => {
                    self.message(*at, "agent", Freshchat::agent_id(agent), "normal", text);
                }
                Step::InternalNote { at, agent, text, .. } => {
                    self.message(*at, "agent", Freshchat::agent_id(agent), "private", text);
                }
                Step::Transfer { at, from, to } => self.assignment(*at, from, to),
                Step::End { at, agent } => self.resolution(*at, agent.as_ref()),
                // Freshchat sends no webhook for read receipts, ratings or surveys.
                Step::Seen { .. } | Step::Rating { .. } | Step::Survey { .. } => {}
            }
        }
        self.out
    }

    fn emit(&mut self, action: &str, at: DateTime<Utc>, actor_type: &str, actor_id: String, data: Value) {
        let body = json!({
            "actor": { "actor_type": actor_type, "actor_id": actor_id },
            "action": action,
            "action_time": iso_millis(at),
            "data": data,
        });
        self.out.push(Rendered::new(action, at, body));
    }

    fn message(&mut self, at: DateTime<Utc>, actor_type: &str, actor_id: String, kind: &str, text: &str) {
        self.messages += 1;
        let id = ids::uuid(Space::FreshchatMessage, &[self.plan.seq, self.messages]);
        let mut message = json!({
            "id": id.to_string(),
            "conversation_id": self.conversation_id,
            "app_id": self.fc.app_id,
            "channel_id": self.channel_id,
            "interaction_id": self.interaction_id,
            "actor_type": actor_type,
            "message_type": kind,
            "created_time": iso_millis(at),
            "user_id": Freshchat::user_id(&self.plan.contact),
            "message_source": "web",
        });
        if Freshchat::uses_2018_shape(self.plan.seq) {
            message["msg_parts"] = json!([{ "part_type": "text", "properties": { "text": text } }]);
        } else {
            message["actor_id"] = actor_id.clone().into();
            message["message_parts"] = json!([{ "text": { "content": text } }]);
        }
        self.emit("message_create", at, actor_type, actor_id, json!({ "message": message }));
    }

    /// The `conversation` object embedded in assignment and resolution events.
    fn conversation(&self, status: &str) -> Value {
        json!({
            "conversation_id": self.conversation_id,
            "app_id": self.fc.app_id,
            "channel_id": self.channel_id,
            "status": status,
            "assigned_agent_id": Freshchat::agent_id(self.assigned),
            "assigned_group_id": Freshchat::group_id(self.assigned.group),
        })
    }

    fn assignment(&mut self, at: DateTime<Utc>, from: &Agent, to: &'a Agent) {
        self.assigned = to;
        let assignor = Freshchat::agent_id(from);
        let data = json!({
            "assignment": {
                "assignor": "agent",
                "assignor_id": assignor,
                "to_agent_id": Freshchat::agent_id(to),
                "to_group_id": Freshchat::group_id(to.group),
                "from_agent_id": Freshchat::agent_id(from),
                "from_group_id": Freshchat::group_id(from.group),
                "interaction_id": self.interaction_id,
                "conversation": self.conversation("assigned"),
            },
        });
        self.emit("conversation_assignment", at, "agent", assignor, data);
    }

    fn resolution(&mut self, at: DateTime<Utc>, agent: Option<&Agent>) {
        let mut resolve = json!({
            "resolver": if agent.is_some() { "agent" } else { "system" },
            "interaction_id": self.interaction_id,
            "conversation": self.conversation("resolved"),
        });
        let (actor_type, actor_id) = match agent {
            Some(a) => {
                resolve["resolver_id"] = Freshchat::agent_id(a).into();
                ("agent", Freshchat::agent_id(a))
            }
            None => ("system", self.fc.system_id()),
        };
        self.emit("conversation_resolution", at, actor_type, actor_id, json!({ "resolve": resolve }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::AgentStatus;
    use crate::render::fixture::{self, bytes, types};

    fn fc() -> Freshchat {
        Freshchat { app_id: "b1a3c9b2-5f6e-4f0c-9d1e-2a7b8c9d0e1f".into() }
    }

    /// The conversation id a delivery is about, wherever the action keeps it.
    fn conversation_id(r: &Rendered) -> &Value {
        let data = &r.body["data"];
        match r.event_type.as_str() {
            "message_create" => &data["message"]["conversation_id"],
            "conversation_assignment" => &data["assignment"]["conversation"]["conversation_id"],
            _ => &data["resolve"]["conversation"]["conversation_id"],
        }
    }

    #[test]
    fn session_event_sequence() {
        let out = fc().session(&fixture::plan(3));
        assert_eq!(
            types(&out),
            [
                "message_create",
                "message_create",
                "message_create",
                "conversation_assignment",
                "message_create",
                "message_create",
                "conversation_resolution",
            ]
        );
        for r in &out {
            assert_eq!(r.body["action"], r.event_type.as_str());
            assert_eq!(r.body["action_time"], iso_millis(r.at).as_str());
        }
    }

    #[test]
    fn conversation_id_is_stable() {
        let out = fc().session(&fixture::plan(3));
        let id = Freshchat::conversation_id(3);
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert!(out.iter().all(|r| conversation_id(r) == id.as_str()));
        assert_ne!(Freshchat::conversation_id(4), id);
    }

    #[test]
    fn current_message_shape() {
        let plan = fixture::plan(3);
        let out = fc().session(&plan);
        let user = &out[0];
        assert_eq!(user.body["actor"]["actor_type"], "user");
        let m = &user.body["data"]["message"];
        assert_eq!(m["actor_id"], Freshchat::user_id(&plan.contact).as_str());
        assert_eq!(m["message_parts"], json!([{ "text": { "content": "Hi, my order is late" } }]));
        assert_eq!(m["message_type"], "normal");
        assert_eq!(m["message_source"], "web");
        assert_eq!(m["created_time"], "2024-03-05T10:00:00.123Z");
        assert!(m.get("msg_parts").is_none());
        let note = &out[2].body["data"]["message"];
        assert_eq!(note["message_type"], "private");
        assert_eq!(note["actor_type"], "agent");
        assert_eq!(note["actor_id"], Freshchat::agent_id(&fixture::alice()).as_str());
    }

    #[test]
    fn every_tenth_session_uses_the_2018_shape() {
        assert!(Freshchat::uses_2018_shape(7) && Freshchat::uses_2018_shape(17));
        assert!(!Freshchat::uses_2018_shape(3));
        let out = fc().session(&fixture::plan(17));
        let m = &out[1].body["data"]["message"];
        assert_eq!(m["msg_parts"], json!([{ "part_type": "text", "properties": { "text": "Let me check" } }]));
        assert!(m.get("actor_id").is_none());
        assert!(m.get("message_parts").is_none());
        assert_eq!(m["actor_type"], "agent");
        assert_eq!(out[1].body["actor"]["actor_id"], Freshchat::agent_id(&fixture::alice()).as_str());
    }

    #[test]
    fn assignment_and_resolution() {
        let out = fc().session(&fixture::plan(3));
        let (alice, bob) = (fixture::alice(), fixture::bob());
        let a = &out[3].body["data"]["assignment"];
        assert_eq!(a["assignor"], "agent");
        assert_eq!(a["assignor_id"], Freshchat::agent_id(&alice).as_str());
        assert_eq!(a["from_agent_id"], Freshchat::agent_id(&alice).as_str());
        assert_eq!(a["to_agent_id"], Freshchat::agent_id(&bob).as_str());
        assert_eq!(a["from_group_id"], Freshchat::group_id(0).as_str());
        assert_eq!(a["to_group_id"], Freshchat::group_id(2).as_str());
        assert_eq!(a["conversation"]["status"], "assigned");
        assert_eq!(a["conversation"]["assigned_agent_id"], Freshchat::agent_id(&bob).as_str());
        assert_eq!(a["interaction_id"], out[0].body["data"]["message"]["interaction_id"]);

        let r = &out[6].body["data"]["resolve"];
        assert_eq!(r["resolver"], "agent");
        assert_eq!(r["resolver_id"], Freshchat::agent_id(&bob).as_str());
        assert_eq!(r["conversation"]["status"], "resolved");

        let system = fc().session(&fixture::plan_closed_by(3, None));
        let last = system.last().unwrap();
        assert_eq!(last.body["actor"]["actor_type"], "system");
        assert_eq!(last.body["data"]["resolve"]["resolver"], "system");
        assert!(last.body["data"]["resolve"].get("resolver_id").is_none());
    }

    #[test]
    fn message_ids_are_unique_uuids() {
        let out = fc().session(&fixture::plan(3));
        let mut ids: Vec<&str> = out.iter().filter_map(|r| r.body["data"]["message"]["id"].as_str()).collect();
        assert_eq!(ids.len(), 5);
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 5);
    }

    #[test]
    fn no_status_webhooks() {
        assert!(fc().status(&fixture::status(AgentStatus::Away, AgentStatus::Online)).is_empty());
    }

    #[test]
    fn rendering_is_deterministic() {
        for seq in [3, 7] {
            let plan = fixture::plan(seq);
            assert_eq!(bytes(&fc().session(&plan)), bytes(&fc().session(&plan)));
        }
    }
}
