//! The rows of one chat: its current unread state and one row per ended session.
//!
//! Everything is computed from four ascending lists built in one pass over the chat's events (public
//! contact messages, public agent messages, agent read watermarks, assignment changes), then read with binary
//! searches per session: O(n log n) in the chat's events.

use crate::{CHATS, SESSIONS};
use chatstream_projector::chat::{sessions, Session};
use chatstream_projector::{Output, Val};
use chatstream_schema::{Body, ChatEvent, Kind};

const DAY_MICROS: i64 = 86_400_000_000;

/// Unread count from the agent read watermark (`seen` with `reader_role` agent) and agent replies.
const READ_WATERMARK: &str = "read_watermark";
/// Unread count reported by the vendor when the session ended (`unread_at_end`).
const VENDOR_COUNT: &str = "vendor_count";
/// No read signal: contact messages with no later agent reply.
const UNANSWERED: &str = "unanswered";

/// Who the chat is assigned to.
#[derive(Debug, Clone, Copy, Default)]
struct Assignee<'a> {
    agent: Option<&'a str>,
    group: Option<&'a str>,
}

/// The chat's messages, reads and assignments; every list ascending.
struct Timeline<'a> {
    /// `occurred_at` of public contact messages.
    contact: Vec<i64>,
    /// `occurred_at` of public agent messages (replies).
    replies: Vec<i64>,
    /// `seen_up_to` of agent read watermarks.
    watermarks: Vec<i64>,
    /// The assignment after each change, at the change's time.
    assignments: Vec<(i64, Assignee<'a>)>,
}

impl<'a> Timeline<'a> {
    fn new(events: &[&'a ChatEvent]) -> Self {
        let mut t =
            Timeline { contact: Vec::new(), replies: Vec::new(), watermarks: Vec::new(), assignments: Vec::new() };
        let mut current = Assignee::default();
        for e in events {
            match &e.body {
                Body::Message(m) if e.kind == Kind::Message && !m.internal => match m.author_role.as_str() {
                    "contact" => t.contact.push(e.occurred_at_micros),
                    "agent" => t.replies.push(e.occurred_at_micros),
                    _ => {}
                },
                Body::Seen { reader_role, seen_up_to_micros, .. } if e.kind == Kind::Seen && reader_role == "agent" => {
                    t.watermarks.push(*seen_up_to_micros)
                }
                _ => {}
            }
            if let Some(next) = reassign(current, e) {
                current = next;
                t.assignments.push((e.occurred_at_micros, current));
            }
        }
        t.watermarks.sort_unstable();
        t
    }

    /// The assignment in force at `at` (the latest one when `None`).
    fn assignee_at(&self, at: Option<i64>) -> Assignee<'a> {
        let n = at.map_or(self.assignments.len(), |at| self.assignments.partition_point(|(t, _)| *t <= at));
        n.checked_sub(1).map(|i| self.assignments[i].1).unwrap_or_default()
    }
}

/// The assignment after `e`, or `None` when `e` does not change it.
///
/// `assigned` / `transferred` set the agent when they name one (a move away from an agent to none clears
/// it) and the group likewise; `session_started` names the session's first agent; `session_ended` names
/// the closing (or assigned) agent, used only while no agent is known.
fn reassign<'a>(current: Assignee<'a>, e: &'a ChatEvent) -> Option<Assignee<'a>> {
    match (e.kind, &e.body) {
        (
            Kind::Assigned | Kind::Transferred,
            Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, .. },
        ) => {
            let mut next = current;
            if to_agent_id.is_some() || from_agent_id.is_some() {
                next.agent = to_agent_id.as_deref();
            }
            if to_group_id.is_some() || from_group_id.is_some() {
                next.group = to_group_id.as_deref();
            }
            Some(next)
        }
        (Kind::Assigned | Kind::SessionStarted, _) => {
            e.agent_id.as_deref().map(|agent| Assignee { agent: Some(agent), ..current })
        }
        (Kind::SessionEnded, _) if current.agent.is_none() => {
            e.agent_id.as_deref().map(|agent| Assignee { agent: Some(agent), ..current })
        }
        _ => None,
    }
}

/// How one session ended.
struct SessionEnd<'a> {
    session_id: &'a str,
    /// The last `session_ended` / `unread_at_end` not followed by a `session_reopened`.
    ended_at: Option<i64>,
    /// The vendor's `unread_at_end` report of that end: `Some(None)` when it gives no count.
    vendor_unread: Option<Option<i32>>,
    /// Where the next session's messages start: `ended_at`, else the session's last event.
    boundary: i64,
}

fn session_end<'a>(s: &'a Session<'_>) -> SessionEnd<'a> {
    let (mut ended_at, mut vendor_unread, mut last) = (None, None, i64::MIN);
    for e in &s.events {
        last = last.max(e.occurred_at_micros);
        match e.kind {
            Kind::SessionEnded => ended_at = Some(e.occurred_at_micros),
            Kind::UnreadAtEnd => {
                ended_at = Some(e.occurred_at_micros);
                vendor_unread = Some(match e.body {
                    Body::Unread { unread_count } => unread_count,
                    _ => None,
                });
            }
            Kind::SessionReopened => (ended_at, vendor_unread) = (None, None),
            _ => {}
        }
    }
    SessionEnd { session_id: &s.session_id, ended_at, vendor_unread, boundary: ended_at.unwrap_or(last) }
}

/// How many of `times` lie after `after` (exclusive; `None`: from the start) and up to `until` (inclusive;
/// `None`: no end), and the first of them.
fn span(times: &[i64], after: Option<i64>, until: Option<i64>) -> (i64, Option<i64>) {
    let start = after.map_or(0, |a| times.partition_point(|t| *t <= a));
    let end = until.map_or(times.len(), |u| times.partition_point(|t| *t <= u));
    let count = end.saturating_sub(start);
    (count as i64, (count > 0).then(|| times[start]))
}

/// The latest of `times` at or before `until` (`None`: the latest of all).
fn latest(times: &[i64], until: Option<i64>) -> Option<i64> {
    let end = until.map_or(times.len(), |u| times.partition_point(|t| *t <= u));
    end.checked_sub(1).map(|i| times[i])
}

/// The unread state of one window of the chat: contact messages after `after`, up to `until`.
struct WindowState {
    signal: &'static str,
    unread: Option<i64>,
    oldest_unread: Option<i64>,
    unanswered: i64,
    oldest_unanswered: Option<i64>,
    watermark: Option<i64>,
}

fn window(t: &Timeline<'_>, after: Option<i64>, until: Option<i64>, vendor: Option<Option<i32>>) -> WindowState {
    let last_reply = latest(&t.replies, until);
    let (unanswered, oldest_unanswered) = span(&t.contact, after.max(last_reply), until);
    let watermark = latest(&t.watermarks, until);
    let (signal, unread, oldest_unread) = if let Some(count) = vendor {
        (VENDOR_COUNT, count.map(i64::from), None)
    } else if !t.watermarks.is_empty() {
        // A reply is a read of everything before it.
        let (n, oldest) = span(&t.contact, after.max(watermark).max(last_reply), until);
        (READ_WATERMARK, Some(n), oldest)
    } else {
        (UNANSWERED, None, None)
    };
    WindowState { signal, unread, oldest_unread, unanswered, oldest_unanswered, watermark }
}

/// Pushes the rows of one chat's events (sorted by `(occurred_at, event_id)`).
pub(crate) fn derive(events: &[&ChatEvent], out: &mut Output) {
    let Some(first) = events.first() else { return };
    let Some(chat_id) = first.chat_id.as_deref() else { return };
    let timeline = Timeline::new(events);
    let sessions = sessions(events);
    let ends: Vec<SessionEnd<'_>> = sessions.iter().map(session_end).collect();
    let key = || [Val::from(first.tenant.as_str()), Val::from(first.platform.as_str()), Val::from(chat_id)];
    // Each session's messages start after the previous sessions' boundaries.
    let (mut after, mut current_after): (Option<i64>, Option<i64>) = (None, None);
    for end in &ends {
        current_after = after;
        if let Some(ended_at) = end.ended_at {
            let w = window(&timeline, after, Some(ended_at), end.vendor_unread);
            let who = timeline.assignee_at(Some(ended_at));
            let mut row = Vec::with_capacity(16);
            row.extend(key());
            row.extend([
                Val::from(end.session_id),
                Val::Time(ended_at),
                Val::Time(ended_at - ended_at.rem_euclid(DAY_MICROS)),
                Val::from(who.agent),
                Val::from(who.group),
                Val::from(w.signal),
                Val::from(w.unread),
                Val::Int(w.unanswered),
                Val::time(w.oldest_unread),
                Val::time(w.oldest_unanswered),
                Val::time(w.watermark),
                w.ended_unread().map_or(Val::Null, Val::Bool),
                Val::Bool(w.unanswered > 0),
            ]);
            out.push(SESSIONS, row);
        }
        after = after.max(Some(end.boundary));
    }
    let current = ends.last().expect("a chat with events has a session");
    let vendor = current.ended_at.and(current.vendor_unread);
    let mut w = window(&timeline, current_after, None, vendor);
    if w.signal == UNANSWERED {
        (w.unread, w.oldest_unread) = (Some(w.unanswered), w.oldest_unanswered);
    }
    let who = timeline.assignee_at(None);
    let mut row = Vec::with_capacity(16);
    row.extend(key());
    row.extend([
        Val::from(current.session_id),
        Val::from(w.signal),
        Val::from(w.unread),
        Val::Int(w.unanswered),
        Val::time(w.oldest_unread),
        Val::time(w.oldest_unanswered),
        Val::time(timeline.contact.last().copied()),
        Val::time(timeline.watermarks.last().copied()),
        Val::time(timeline.replies.last().copied()),
        Val::from(who.agent),
        Val::from(who.group),
        Val::Bool(current.ended_at.is_some()),
        Val::Time(events.last().map_or(first.occurred_at_micros, |e| e.occurred_at_micros)),
    ]);
    out.push(CHATS, row);
}

impl WindowState {
    /// Whether the session ended with unread messages; `None` without a read signal.
    fn ended_unread(&self) -> Option<bool> {
        match self.signal {
            VENDOR_COUNT => Some(self.unread.is_none_or(|n| n > 0)),
            READ_WATERMARK => self.unread.map(|n| n > 0),
            _ => None,
        }
    }
}
