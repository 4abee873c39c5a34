//! Chat-domain building blocks shared by projections: group keys and the sessions of a chat.

use chatstream_schema::{ChatEvent, Kind};

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
/// The result depends only on the set of events, so any arrival order gives the same sessions.
pub fn sessions<'a>(events: &[&'a ChatEvent]) -> Vec<Session<'a>> {
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
    // Named sessions in order of their first event.
    let mut order: Vec<(&str, usize)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(id) = e.session_id.as_deref() {
            if !order.iter().any(|(s, _)| *s == id) {
                order.push((id, i));
            }
        }
    }
    for (n, (id, _)) in order.iter().enumerate() {
        out.push(Session { session_id: (*id).to_string(), ordinal: n as u32 + 1, events: Vec::new() });
    }
    for (i, e) in events.iter().enumerate() {
        let slot = match e.session_id.as_deref() {
            Some(id) => order.iter().position(|(s, _)| *s == id),
            None => order.iter().rposition(|(_, first)| *first <= i).or(Some(0)),
        };
        if let Some(slot) = slot {
            out[slot].events.push(e);
        }
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
}
