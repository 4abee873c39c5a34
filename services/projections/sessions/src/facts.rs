//! What one session adds up to: start and end, status, message counts, first response, the agents involved,
//! transfers, tags, the rating, the contact and the group. One pass over the session's events, in order.
//! The definitions are documented in `docs/projections/sessions.md`.

use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};
use std::collections::BTreeMap;

/// Status words that mean the conversation is over: a snapshot saying so ends the session even when the
/// vendor's own "ended" event was lost (Chatwoot delivers at most once).
pub const END_WORDS: [&str; 3] = ["resolved", "closed", "ended"];

/// Platforms whose normaliser emits `tagged` / `untagged`; the tag columns are NULL elsewhere.
pub const TAGGING_PLATFORMS: [&str; 1] = ["livechat"];

/// Index of contact messages in [`Facts::messages`].
pub const CONTACT: usize = 0;
/// Index of agent messages in [`Facts::messages`].
pub const AGENT: usize = 1;
/// Index of bot messages in [`Facts::messages`].
pub const BOT: usize = 2;
/// Index of system messages (and messages of an unknown role) in [`Facts::messages`].
pub const SYSTEM: usize = 3;

/// The counter index of a message author role.
pub fn role_index(role: &str) -> usize {
    match role {
        "contact" => CONTACT,
        "agent" => AGENT,
        "bot" => BOT,
        _ => SYSTEM,
    }
}

/// False for events about an agent rather than a chat (availability, roster): they belong to no session.
pub fn is_session_event(kind: Kind) -> bool {
    !matches!(kind, Kind::AgentStatusChanged | Kind::AgentRosterChanged)
}

/// One agent's part in a session.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentFacts {
    pub first_at: i64,
    pub last_at: i64,
    /// Public messages written.
    pub messages: i64,
    /// Internal notes written.
    pub internal_notes: i64,
    /// The session was assigned or transferred to this agent.
    pub assigned: bool,
}

/// Everything the `sessions`, `session_agents` and `session_tags` rows of one session need.
#[derive(Debug, Default)]
pub struct Facts<'a> {
    /// The vendor's start (`session_started`, or the `session_reopened` that opened the session).
    vendor_start: Option<i64>,
    first_event_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub ended_by: Option<&'a str>,
    status_word: Option<&'a str>,
    pub first_contact_message_at: Option<i64>,
    pub first_agent_reply_at: Option<i64>,
    /// Public messages by author role ([`CONTACT`], [`AGENT`], [`BOT`], [`SYSTEM`]).
    pub messages: [i64; 4],
    pub internal_notes: i64,
    pub agents: BTreeMap<&'a str, AgentFacts>,
    pub first_agent: Option<&'a str>,
    pub last_agent: Option<&'a str>,
    pub transfers: i64,
    /// Tags in effect at the end of the session, with the time each was (last) added.
    pub tags: BTreeMap<&'a str, i64>,
    /// The latest rating not removed afterwards, with its time.
    pub rating: Option<(&'a Rating, i64)>,
    start_contact: Option<&'a str>,
    message_contact: Option<&'a str>,
    any_contact: Option<&'a str>,
    pub group_id: Option<&'a str>,
}

impl<'a> Facts<'a> {
    /// The facts of one session's events (in order); `bots` are ids known to be bots (sorted), never
    /// counted as agents. `None` when the session holds no session event.
    pub fn of(events: &[&'a ChatEvent], bots: &[&str]) -> Option<Facts<'a>> {
        let mut f = Facts::default();
        for e in events.iter().copied().filter(|e| is_session_event(e.kind)) {
            f.add(e, bots);
        }
        f.first_event_at.map(|_| f)
    }

    /// The start: the vendor's start event when there is one, else the session's first event.
    pub fn started_at(&self) -> i64 {
        self.vendor_start.or(self.first_event_at).unwrap_or_default()
    }

    /// `ended` once ended; else the vendor's latest status word (`open` without one; Freshchat's
    /// `reopened` / `reopen` read as `open`).
    pub fn status(&self) -> &'a str {
        if self.ended_at.is_some() {
            return "ended";
        }
        match self.status_word {
            None | Some("reopen") | Some("reopened") => "open",
            Some(word) => word,
        }
    }

    /// The session's contact: the one its start names, else the author of its first contact message, else
    /// the first contact any of its events names.
    pub fn contact_id(&self) -> Option<&'a str> {
        self.start_contact.or(self.message_contact).or(self.any_contact)
    }

    fn add(&mut self, e: &'a ChatEvent, bots: &[&str]) {
        let t = e.occurred_at_micros;
        self.first_event_at.get_or_insert(t);
        if self.any_contact.is_none() {
            self.any_contact = e.contact_id.as_deref();
        }
        match (e.kind, &e.body) {
            (Kind::SessionStarted, _) => {
                self.vendor_start.get_or_insert(t);
                if self.start_contact.is_none() {
                    self.start_contact = e.contact_id.as_deref();
                }
                self.observe_status(status_of(&e.body), t, None);
                self.involve(e.agent_id.as_deref(), t, true, bots);
            }
            (Kind::SessionReopened, _) => {
                self.vendor_start.get_or_insert(t);
                if self.start_contact.is_none() {
                    self.start_contact = e.contact_id.as_deref();
                }
                self.ended_at = None;
                self.ended_by = None;
                self.observe_status(status_of(&e.body), t, None);
                self.involve(e.agent_id.as_deref(), t, true, bots);
            }
            (Kind::SessionEnded, body) => {
                let closed_by = match body {
                    Body::SessionChange { closed_by, .. } => closed_by.as_deref(),
                    _ => None,
                };
                self.end(t, closed_by);
                self.observe_status(status_of(body), t, closed_by);
                self.involve(e.agent_id.as_deref(), t, true, bots);
            }
            (Kind::SessionStatusChanged, body) => self.observe_status(status_of(body), t, None),
            (Kind::Message, Body::Message(m)) => self.message(e, m, bots),
            (Kind::Assigned | Kind::Transferred, body) => self.assignment(e.kind, body, t, bots),
            (Kind::ParticipantJoined | Kind::ParticipantLeft, Body::Participant { participant_id, role, .. })
                if role == "agent" =>
            {
                let id = participant_id.as_deref().or(e.agent_id.as_deref());
                self.involve(id, t, e.kind == Kind::ParticipantJoined, bots);
            }
            (Kind::Tagged, Body::Tag { tag }) => {
                self.tags.entry(tag.as_str()).or_insert(t);
            }
            (Kind::Untagged, Body::Tag { tag }) => {
                self.tags.remove(tag.as_str());
            }
            (Kind::Rating, Body::Rating(r)) => self.rating = Some((r, t)),
            (Kind::RatingRemoved, _) => self.rating = None,
            _ => {}
        }
    }

    /// The first end after the last (re)open counts.
    fn end(&mut self, t: i64, closed_by: Option<&'a str>) {
        if self.ended_at.is_none() {
            self.ended_at = Some(t);
            self.ended_by = closed_by;
        }
    }

    fn observe_status(&mut self, word: Option<&'a str>, t: i64, closed_by: Option<&'a str>) {
        let Some(word) = word else { return };
        self.status_word = Some(word);
        if END_WORDS.contains(&word) {
            self.end(t, closed_by);
        }
    }

    fn message(&mut self, e: &'a ChatEvent, m: &'a Message, bots: &[&str]) {
        let t = e.occurred_at_micros;
        let role = role_index(&m.author_role);
        if m.internal {
            self.internal_notes += 1;
        } else {
            self.messages[role] += 1;
        }
        match role {
            CONTACT if !m.internal => {
                self.first_contact_message_at.get_or_insert(t);
                if self.message_contact.is_none() {
                    self.message_contact = m.author_id.as_deref().or(e.contact_id.as_deref());
                }
            }
            AGENT => {
                if !m.internal && self.first_contact_message_at.is_some() {
                    self.first_agent_reply_at.get_or_insert(t);
                }
                let author = m.author_id.as_deref().or(e.agent_id.as_deref());
                if let Some(agent) = self.involve(author, t, true, bots) {
                    if m.internal {
                        agent.internal_notes += 1;
                    } else {
                        agent.messages += 1;
                    }
                }
            }
            _ => {}
        }
    }

    fn assignment(&mut self, kind: Kind, body: &'a Body, t: i64, bots: &[&str]) {
        let Body::Assignment { from_agent_id, to_agent_id, to_group_id, .. } = body else { return };
        if kind == Kind::Transferred {
            self.transfers += 1;
        }
        self.involve(from_agent_id.as_deref(), t, false, bots);
        if let Some(agent) = self.involve(to_agent_id.as_deref(), t, true, bots) {
            agent.assigned = true;
        }
        if let Some(group) = to_group_id.as_deref() {
            self.group_id = Some(group);
        }
    }

    /// Records that agent `id` took part at `t`; `leads` makes it the session's latest agent (not for an
    /// agent leaving or handing the chat over). Bots are not agents.
    fn involve(&mut self, id: Option<&'a str>, t: i64, leads: bool, bots: &[&str]) -> Option<&mut AgentFacts> {
        let id = id?;
        if bots.binary_search(&id).is_ok() {
            return None;
        }
        self.first_agent.get_or_insert(id);
        if leads {
            self.last_agent = Some(id);
        }
        let agent = self.agents.entry(id).or_insert(AgentFacts {
            first_at: t,
            last_at: t,
            messages: 0,
            internal_notes: 0,
            assigned: false,
        });
        agent.last_at = agent.last_at.max(t);
        Some(agent)
    }
}

/// The status word of a `SessionChange` body.
pub fn status_of(body: &Body) -> Option<&str> {
    match body {
        Body::SessionChange { status, .. } => status.as_deref(),
        _ => None,
    }
}

/// Ids the chat shows to be bots (authors of bot messages, bot participants), sorted and deduplicated. Only
/// ids the message itself names: an event's `agent_id` may be the chat's operator (Userlike).
pub fn bot_ids<'a>(events: &[&'a ChatEvent]) -> Vec<&'a str> {
    let mut bots: Vec<&'a str> = events
        .iter()
        .filter_map(|e| match &e.body {
            Body::Message(m) if m.author_role == "bot" => m.author_id.as_deref(),
            Body::Participant { participant_id, role, .. } if role == "bot" => participant_id.as_deref(),
            _ => None,
        })
        .collect();
    bots.sort_unstable();
    bots.dedup();
    bots
}
