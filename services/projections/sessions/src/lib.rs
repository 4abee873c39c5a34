//! The session timelines projection: one row per chat session (start, end, status, duration, first response
//! time, message counts, agents, transfers, tags, rating), the agents and tags of each session, and the
//! ordered timeline of its events.
//!
//! A session is what [`chat::sessions`] makes of a chat: a LiveChat thread, a Chatwoot conversation until
//! resolved (a reopen starts the next), a Freshchat interaction, a Userlike chat session. Grouped per chat.
//! Tables, definitions and per-vendor notes: `docs/projections/sessions.md`.

pub mod facts;
pub mod schema;
pub mod timeline;

use chatstream_projector::{chat, Migration, Output, Projection, Row, Table, Val};
use chatstream_schema::{ChatEvent, Kind};
use facts::{is_session_event, Facts, AGENT, BOT, CONTACT, SYSTEM, TAGGING_PLATFORMS};
use schema::{SESSIONS, SESSION_AGENTS, SESSION_TAGS, SESSION_TIMELINE};
use std::sync::Arc;
use timeline::Entry;

/// The sessions projection (name `sessions`), grouped per chat.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sessions;

/// The projection, for registering with the binary.
pub fn projection() -> Arc<dyn Projection> {
    Arc::new(Sessions)
}

impl Projection for Sessions {
    fn name(&self) -> &'static str {
        "sessions"
    }

    fn description(&self) -> &'static str {
        "session timelines: one row per chat session (duration, first response, messages, agents, transfers, \
         tags, rating) and the ordered events of each session"
    }

    fn migrations(&self) -> &'static [Migration] {
        schema::MIGRATIONS
    }

    fn tables(&self) -> &'static [Table] {
        schema::TABLES
    }

    fn group(&self, event: &ChatEvent) -> Option<String> {
        if !is_session_event(event.kind) {
            return None;
        }
        chat::chat_group(event)
    }

    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        let Some(chat) = events.first().and_then(|e| Chat::of(e)) else { return };
        let ordered = starts_first(events);
        let bots = facts::bot_ids(events);
        for session in chat::sessions(&ordered) {
            let entries = timeline::entries(&session.events);
            let (Some(last), Some(facts)) = (entries.last(), Facts::of(&session.events, &bots)) else { continue };
            let id = session.session_id.as_str();
            out.push(SESSIONS, chat.session_row(id, session.ordinal, &facts, last.event.occurred_at_micros));
            for (agent, a) in &facts.agents {
                out.push(
                    SESSION_AGENTS,
                    chat.row(
                        id,
                        [
                            Val::from(*agent),
                            Val::Time(a.first_at),
                            Val::Time(a.last_at),
                            Val::Int(a.messages),
                            Val::Int(a.internal_notes),
                            Val::Bool(a.assigned),
                        ],
                    ),
                );
            }
            for (tag, at) in &facts.tags {
                out.push(SESSION_TAGS, chat.row(id, [Val::from(*tag), Val::Time(*at)]));
            }
            for (seq, entry) in entries.into_iter().enumerate() {
                out.push(SESSION_TIMELINE, chat.timeline_row(id, seq as i64 + 1, entry));
            }
        }
    }
}

/// The group's events with, among events at the same instant, session starts and reopens first (then by
/// `event_id`): a Chatwoot reopen and the snapshot facts of the same delivery share a time, and those facts
/// belong to the session the reopen starts. Still a function of the event set.
fn starts_first<'a>(events: &[&'a ChatEvent]) -> Vec<&'a ChatEvent> {
    let rank = |e: &ChatEvent| u8::from(!matches!(e.kind, Kind::SessionStarted | Kind::SessionReopened));
    let mut ordered = events.to_vec();
    ordered.sort_by(|a, b| {
        (a.occurred_at_micros, rank(a), &a.event_id).cmp(&(b.occurred_at_micros, rank(b), &b.event_id))
    });
    ordered
}

/// The ids every row of one chat starts with.
struct Chat<'a> {
    tenant: &'a str,
    platform: &'a str,
    chat_id: &'a str,
}

impl<'a> Chat<'a> {
    fn of(e: &'a ChatEvent) -> Option<Self> {
        Some(Chat { tenant: &e.tenant, platform: &e.platform, chat_id: e.chat_id.as_deref()? })
    }

    /// tenant, platform, chat_id, `session`, then `rest`.
    fn row<const N: usize>(&self, session: &str, rest: [Val; N]) -> Row {
        let mut row = Vec::with_capacity(4 + N);
        row.extend([Val::from(self.tenant), Val::from(self.platform), Val::from(self.chat_id), Val::from(session)]);
        row.extend(rest);
        row
    }

    fn session_row(&self, session: &str, ordinal: u32, f: &Facts<'_>, last_event_at: i64) -> Row {
        let started = f.started_at();
        let seconds = |from: i64, to: i64| Val::Real((to - from) as f64 / 1e6);
        let tagging = TAGGING_PLATFORMS.contains(&self.platform);
        let tag_list = f.tags.keys().copied().collect::<Vec<_>>().join(",");
        let rating = f.rating.map(|(r, _)| r);
        self.row(
            session,
            [
                Val::Int(i64::from(ordinal)),
                Val::Time(started),
                Val::time(f.ended_at),
                Val::Time(last_event_at),
                Val::from(f.status()),
                Val::from(f.ended_by),
                f.ended_at.map_or(Val::Null, |end| seconds(started, end)),
                Val::time(f.first_contact_message_at),
                Val::time(f.first_agent_reply_at),
                match (f.first_contact_message_at, f.first_agent_reply_at) {
                    (Some(asked), Some(replied)) => seconds(asked, replied),
                    _ => Val::Null,
                },
                Val::Int(f.messages[CONTACT]),
                Val::Int(f.messages[AGENT]),
                Val::Int(f.messages[BOT]),
                Val::Int(f.messages[SYSTEM]),
                Val::Int(f.internal_notes),
                Val::Int(f.agents.len() as i64),
                Val::from(f.first_agent),
                Val::from(f.last_agent),
                Val::Int(f.transfers),
                if tagging { Val::Int(f.tags.len() as i64) } else { Val::Null },
                if tagging { Val::Text(tag_list) } else { Val::Null },
                Val::from(rating.map(|r| r.vendor_score)),
                Val::from(rating.map(|r| r.scale_min)),
                Val::from(rating.map(|r| r.scale_max)),
                Val::from(rating.map(|r| r.normalized_score)),
                Val::time(f.rating.map(|(_, at)| at)),
                Val::from(f.contact_id()),
                Val::from(f.group_id),
            ],
        )
    }

    fn timeline_row(&self, session: &str, seq: i64, entry: Entry<'_>) -> Row {
        let e = entry.event;
        let mut row = vec![Val::from(self.tenant), Val::from(self.platform), Val::from(self.chat_id)];
        row.extend([
            Val::from(e.event_id.as_str()),
            Val::from(session),
            Val::Int(seq),
            Val::Time(e.occurred_at_micros),
            Val::from(e.occurred_at_source.as_str()),
            Val::from(e.kind.as_str()),
            Val::from(e.vendor_event_type.as_deref()),
            Val::from(entry.actor_role),
            Val::from(entry.actor_id),
            Val::Bool(entry.internal),
            Val::Text(entry.summary),
        ]);
        row
    }
}
