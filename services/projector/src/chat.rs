//! Chat-domain building blocks shared by projections: group keys and the sessions of a chat.

use chatstream_schema::{ChatEvent, Kind};
use std::collections::HashMap;

/// The group of a chat: `{tenant}/{platform}/chat/{chat_id}`; `None` for events about no chat.
pub fn chat_group(e: &ChatEvent) -> Option<String> {
    let chat = e.chat_id.as_deref()?;
    Some(format!("{}/{}/chat/{chat}", e.tenant, e.platform))
}

/// The group of an agent: `{tenant}/{platform}/agent/{agent_id}`; `None` for events about no agent.
pub fn agent_group(e: &ChatEvent) -> Option<String> {
    let agent = e.agent_id.as_deref()?;
    Some(format!("{}/{}/agent/{agent}", e.tenant, e.platform))
}

/// One session of a chat and its events (in the chat's order).
#[derive(Debug)]
pub struct Session<'a> {
    /// The vendor's session id (LiveChat thread, Freshchat interaction, Userlike session) or, when the
    /// vendor names none (Chatwoot), `{n}`: the conversation's n-th open period, counted from 1.
    pub session_id: String,
    /// 1 for the chat's first session, in order of first event.
    pub ordinal: u32,
    pub events: Vec<&'a ChatEvent>,
}

/// Splits one chat's events (sorted by `(occurred_at, event_id)`) into sessions.
///
/// - Events that name a session belong to it.
/// - An event that names none belongs to the latest named session that began at or before it (the first
///   session if it precedes them all) — e.g. a LiveChat rating sent after the thread.
/// - In a chat where no event names a session (Chatwoot), a `session_reopened` starts a new session:
///   session n holds the events after the (n-1)-th reopen.
///
/// - At one instant, a session start or reopen sorts before other events (they belong to the new session).
///
/// The result depends only on the set of events, so any arrival order gives the same sessions. Cost is
/// O(n log n) in the chat's events.
pub fn sessions<'a>(events: &[&'a ChatEvent]) -> Vec<Session<'a>> {
    // At one instant, a session start or reopen comes first: facts stamped with the reopen's time (Chatwoot
    // snapshots) belong to the new session.
    let starts_first = |e: &ChatEvent| !matches!(e.kind, Kind::SessionStarted | Kind::SessionReopened);
    let mut events: Vec<&'a ChatEvent> = events.to_vec();
    events.sort_by(|a, b| {
        (a.occurred_at_micros, starts_first(a), &a.event_id).cmp(&(b.occurred_at_micros, starts_first(b), &b.event_id))
    });
    let named = events.iter().any(|e| e.session_id.is_some());
    let mut out: Vec<Session<'a>> = Vec::new();
    if !named {
        let mut n = 1u32;
        for e in events {
            if e.kind == Kind::SessionReopened && out.last().is_some_and(|s| !s.events.is_empty()) {
                n += 1;
            }
            if out.last().map(|s| s.ordinal) != Some(n) {
                out.push(Session { session_id: n.to_string(), ordinal: n, events: Vec::new() });
            }
            out.last_mut().expect("pushed").events.push(e);
        }
        return out;
    }
    // Named sessions in order of their first event; `open_at[i]` = the latest session begun at or before event i.
    let mut slot_of: HashMap<&str, usize> = HashMap::new();
    let mut open_at: Vec<usize> = Vec::with_capacity(events.len());
    for e in &events {
        if let Some(id) = e.session_id.as_deref() {
            if !slot_of.contains_key(id) {
                slot_of.insert(id, out.len());
                out.push(Session { session_id: id.to_string(), ordinal: out.len() as u32 + 1, events: Vec::new() });
            }
        }
        open_at.push(out.len().saturating_sub(1));
    }
    for (e, open) in events.into_iter().zip(open_at) {
        let slot = e.session_id.as_deref().and_then(|id| slot_of.get(id).copied()).unwrap_or(open);
        out[slot].events.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{EventBuilder, EventExt};

    #[test]
    fn unnamed_sessions_split_at_reopen() {
        let b = EventBuilder::new("chatwoot", "7");
        let evs = [
            b.at(Kind::SessionStarted, 1),
            b.at(Kind::Message, 2),
            b.at(Kind::SessionEnded, 3),
            b.at(Kind::SessionReopened, 4),
            b.at(Kind::Message, 5),
        ];
        let refs: Vec<&ChatEvent> = evs.iter().collect();
        let s = sessions(&refs);
        assert_eq!(s.iter().map(|s| (s.session_id.as_str(), s.events.len())).collect::<Vec<_>>(), [("1", 3), ("2", 2)]);
    }

    #[test]
    fn events_without_a_session_join_the_session_open_at_their_time() {
        let b = EventBuilder::new("livechat", "C1");
        let evs = [
            b.at(Kind::SessionStarted, 1).session("T1"),
            b.at(Kind::SessionStarted, 10).session("T2"),
            b.at(Kind::Rating, 12),
            b.at(Kind::Seen, 0),
        ];
        let mut refs: Vec<&ChatEvent> = evs.iter().collect();
        refs.sort_by_key(|e| e.occurred_at_micros);
        let s = sessions(&refs);
        assert_eq!(s[0].session_id, "T1");
        assert_eq!(s[0].events.len(), 2, "the seen before every session joins the first");
        assert_eq!(s[1].events.iter().map(|e| e.kind).collect::<Vec<_>>(), [Kind::SessionStarted, Kind::Rating]);
    }

    #[test]
    fn facts_at_the_reopen_instant_belong_to_the_new_session() {
        let b = EventBuilder::new("chatwoot", "7");
        let evs = [
            b.at(Kind::SessionStarted, 1),
            b.at(Kind::Seen, 5).id("0-sorts-before-the-reopen"),
            b.at(Kind::SessionReopened, 5).id("z-reopen"),
        ];
        let refs: Vec<&ChatEvent> = evs.iter().collect();
        let s = sessions(&refs);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].events.iter().map(|e| e.kind).collect::<Vec<_>>(), [Kind::SessionReopened, Kind::Seen]);
    }
}
