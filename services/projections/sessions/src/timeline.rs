//! The rows of `session_timeline`: which events of a session show, who the actor is, and a short summary.

use crate::facts::{is_session_event, status_of};
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};
use std::fmt::Write;

/// Longest quoted excerpt (message text, question, comment) in a summary, in characters.
const EXCERPT_CHARS: usize = 60;

/// One timeline row.
#[derive(Debug)]
pub struct Entry<'a> {
    pub event: &'a ChatEvent,
    /// `contact`, `agent`, `bot` or `system` (the platform, or nobody the event names).
    pub actor_role: &'static str,
    pub actor_id: Option<&'a str>,
    /// An internal note (or an edit of one).
    pub internal: bool,
    pub summary: String,
}

/// The timeline of one session's events (in order): every session event except status observations that
/// restate the status in effect (Chatwoot repeats the status on every conversation snapshot).
pub fn entries<'a>(events: &[&'a ChatEvent]) -> Vec<Entry<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut status: Option<&str> = None;
    for (i, e) in events.iter().copied().enumerate() {
        if !is_session_event(e.kind) {
            continue;
        }
        let word = status_of(&e.body);
        let previous = status;
        let observation = e.kind == Kind::SessionStatusChanged;
        if observation && (word.is_none() || word == status || restated_at_same_time(events, i, word)) {
            continue;
        }
        if word.is_some() {
            status = word;
        }
        let (actor_role, actor_id) = actor(e);
        out.push(Entry { event: e, actor_role, actor_id, internal: is_internal(e), summary: summary(e, previous) });
    }
    out
}

/// True when a lifecycle event (start, end, reopen) at the same time as `events[i]` states the same status:
/// the observation only repeats it.
fn restated_at_same_time(events: &[&ChatEvent], i: usize, word: Option<&str>) -> bool {
    let t = events[i].occurred_at_micros;
    events[i + 1..]
        .iter()
        .take_while(|e| e.occurred_at_micros == t)
        .any(|e| e.kind != Kind::SessionStatusChanged && status_of(&e.body) == word)
}

fn is_internal(e: &ChatEvent) -> bool {
    matches!(&e.body, Body::Message(m) if m.internal)
}

/// One of the four roles (anything else reads as `system`).
fn role(role: &str) -> &'static str {
    match role {
        "contact" => "contact",
        "agent" => "agent",
        "bot" => "bot",
        _ => "system",
    }
}

/// Who did it: the author, the reader, the closer, the rater; for assignments and participant changes the
/// agent (or participant) concerned; `system` when the event names nobody.
fn actor(e: &ChatEvent) -> (&'static str, Option<&str>) {
    match (&e.kind, &e.body) {
        (Kind::Message | Kind::MessageEdited, Body::Message(m)) => {
            let role = role(&m.author_role);
            let fallback = match role {
                "agent" => e.agent_id.as_deref(),
                "contact" => e.contact_id.as_deref(),
                _ => None,
            };
            (role, m.author_id.as_deref().or(fallback))
        }
        (Kind::SessionEnded, Body::SessionChange { closed_by, .. }) => match closed_by.as_deref() {
            Some("agent") => ("agent", e.agent_id.as_deref()),
            Some("contact") => ("contact", e.contact_id.as_deref()),
            _ => ("system", None),
        },
        (Kind::ParticipantJoined | Kind::ParticipantLeft, Body::Participant { participant_id, role: r, .. }) => {
            (role(r), participant_id.as_deref())
        }
        (Kind::Assigned | Kind::Transferred, Body::Assignment { to_agent_id: Some(to), .. }) => ("agent", Some(to)),
        (Kind::Seen, Body::Seen { reader_role, reader_id, .. }) => (role(reader_role), reader_id.as_deref()),
        (Kind::Rating | Kind::Feedback | Kind::SurveyAnswered | Kind::ContactUpdated, _) => {
            ("contact", e.contact_id.as_deref())
        }
        _ => ("system", None),
    }
}

/// A short human description of the event. Text appears only where the event carries it (sources that keep
/// message text), as a quoted excerpt.
pub fn summary(e: &ChatEvent, previous_status: Option<&str>) -> String {
    let mut s = String::with_capacity(48);
    match (&e.kind, &e.body) {
        (Kind::Message, Body::Message(m)) => message(&mut s, m, ""),
        (Kind::MessageEdited, Body::Message(m)) => message(&mut s, m, " edited"),
        (Kind::SessionStarted, body) => lifecycle(&mut s, "session started", body),
        (Kind::SessionEnded, body) => lifecycle(&mut s, "session ended", body),
        (Kind::SessionReopened, body) => lifecycle(&mut s, "session reopened", body),
        (Kind::SessionStatusChanged, body) => {
            let now = status_of(body).unwrap_or("unknown");
            match previous_status {
                Some(before) => _ = write!(s, "status changed from {before} to {now}"),
                None => _ = write!(s, "status {now}"),
            }
        }
        (Kind::ParticipantJoined | Kind::ParticipantLeft, Body::Participant { participant_id, role: r, .. }) => {
            s.push_str(role(r));
            if let Some(id) = participant_id {
                _ = write!(s, " {id}");
            }
            s.push_str(if e.kind == Kind::ParticipantJoined { " joined" } else { " left" });
        }
        (Kind::Assigned | Kind::Transferred, body) => assignment(&mut s, e.kind, body),
        (Kind::Seen, Body::Seen { reader_role, reader_id, .. }) => {
            _ = write!(s, "seen by {}", role(reader_role));
            if let Some(id) = reader_id {
                _ = write!(s, " {id}");
            }
        }
        (Kind::UnreadAtEnd, Body::Unread { unread_count: Some(n) }) => {
            _ = write!(s, "{n} unread message{} at end", if *n == 1 { "" } else { "s" })
        }
        (Kind::UnreadAtEnd, _) => s.push_str("unread messages at end"),
        (Kind::Rating, Body::Rating(r)) => rating(&mut s, r),
        (Kind::RatingRemoved, _) => s.push_str("rating removed"),
        (Kind::Feedback, Body::Feedback { text_length, text }) => {
            _ = write!(s, "feedback, {text_length} chars");
            excerpt(&mut s, ": ", text.as_deref());
        }
        (Kind::SurveyAnswered, Body::SurveyAnswer { form_type, question, answer }) => {
            _ = write!(s, "{form_type} answer to");
            excerpt(&mut s, " ", Some(question));
            excerpt(&mut s, ": ", Some(answer.as_str()).filter(|a| !a.is_empty()));
        }
        (Kind::GoalReached, Body::Goal { goal }) => {
            s.push_str("goal reached");
            if let Some(goal) = goal {
                _ = write!(s, ": {}", clip(goal));
            }
        }
        (Kind::Tagged, Body::Tag { tag }) => _ = write!(s, "tagged {}", clip(tag)),
        (Kind::Untagged, Body::Tag { tag }) => _ = write!(s, "untagged {}", clip(tag)),
        (Kind::ContactUpdated, Body::ContactChange { changed }) if !changed.is_empty() => {
            _ = write!(s, "contact updated: {}", clip(&changed.join(", ")))
        }
        (Kind::Other, _) => {
            s.push_str("other event");
            if let Some(t) = &e.vendor_event_type {
                _ = write!(s, " ({})", clip(t));
            }
        }
        (kind, _) => s.push_str(&kind.as_str().replace('_', " ")),
    }
    s
}

/// `contact message, 39 chars: "Hi! Is…"`, `agent internal note (image)`, `bot message edited, 26 chars`.
fn message(s: &mut String, m: &Message, edited: &str) {
    s.push_str(role(&m.author_role));
    s.push_str(if m.internal { " internal note" } else { " message" });
    s.push_str(edited);
    if m.content_type != "text" {
        _ = write!(s, " ({})", clip(&m.content_type));
    }
    if m.text_length > 0 {
        _ = write!(s, ", {} chars", m.text_length);
    }
    excerpt(s, ": ", m.text.as_deref().filter(|t| !t.is_empty()));
}

/// `session ended by agent (resolved)`.
fn lifecycle(s: &mut String, what: &str, body: &Body) {
    s.push_str(what);
    if let Body::SessionChange { status, closed_by, .. } = body {
        if let Some(by) = closed_by {
            _ = write!(s, " by {by}");
        }
        if let Some(status) = status {
            _ = write!(s, " ({status})");
        }
    }
}

/// `transferred from agent 7 (group 1) to agent 9 (group 2)`, `assigned to agent 1`, `… (reason: manual)`.
fn assignment(s: &mut String, kind: Kind, body: &Body) {
    s.push_str(if kind == Kind::Transferred { "transferred" } else { "assigned" });
    let Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason } = body else {
        return;
    };
    if from_agent_id.is_some() || from_group_id.is_some() {
        s.push_str(" from");
        party(s, from_agent_id.as_deref(), from_group_id.as_deref());
    }
    if to_agent_id.is_some() || to_group_id.is_some() {
        s.push_str(" to");
        party(s, to_agent_id.as_deref(), to_group_id.as_deref());
    }
    if let Some(reason) = reason {
        _ = write!(s, " (reason: {})", clip(reason));
    }
}

fn party(s: &mut String, agent: Option<&str>, group: Option<&str>) {
    match (agent, group) {
        (Some(a), Some(g)) => _ = write!(s, " agent {a} (group {g})"),
        (Some(a), None) => _ = write!(s, " agent {a}"),
        (None, Some(g)) => _ = write!(s, " group {g}"),
        (None, None) => {}
    }
}

/// `rated 5/5` on scales starting at 1, else `rated 1 on a 0-1 scale`; the comment when the event has it.
fn rating(s: &mut String, r: &Rating) {
    if r.scale_min == 1.0 {
        _ = write!(s, "rated {}/{}", number(r.vendor_score), number(r.scale_max));
    } else {
        _ = write!(s, "rated {} on a {}-{} scale", number(r.vendor_score), number(r.scale_min), number(r.scale_max));
    }
    excerpt(s, ": ", r.comment.as_deref().filter(|c| !c.is_empty()));
}

/// A score without a needless fraction: `5`, `0.5`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Appends `sep` and the text in quotes, cut to [`EXCERPT_CHARS`] characters, line breaks as spaces.
fn excerpt(s: &mut String, sep: &str, text: Option<&str>) {
    let Some(text) = text else { return };
    s.push_str(sep);
    s.push('"');
    s.push_str(&clip(text));
    s.push('"');
}

/// The text cut to [`EXCERPT_CHARS`] characters (with `…` when cut), control characters as spaces.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(EXCERPT_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatstream_projector::testing::{EventBuilder, EventExt};

    fn msg(role: &str, internal: bool, content_type: &str, text: Option<&str>) -> Body {
        Body::Message(Message {
            message_id: Some("m".into()),
            author_role: role.into(),
            author_id: None,
            internal,
            content_type: content_type.into(),
            text_length: text.map_or(0, |t| t.chars().count() as i32),
            text: text.map(Into::into),
        })
    }

    #[test]
    fn summaries_read_like_short_sentences() {
        let b = EventBuilder::new("livechat", "C");
        let at = |kind, body| b.at(kind, 1).body(body);
        let cases = [
            (
                at(Kind::Message, msg("contact", false, "text", Some("Hi there"))),
                "contact message, 8 chars: \"Hi there\"",
            ),
            (at(Kind::Message, msg("agent", true, "text", None)), "agent internal note"),
            (at(Kind::Message, msg("contact", false, "image", None)), "contact message (image)"),
            (at(Kind::MessageEdited, msg("bot", false, "text", None)), "bot message edited"),
            (
                at(
                    Kind::Transferred,
                    Body::Assignment {
                        from_agent_id: Some("a1".into()),
                        to_agent_id: Some("a2".into()),
                        from_group_id: None,
                        to_group_id: Some("g".into()),
                        reason: Some("manual".into()),
                    },
                ),
                "transferred from agent a1 to agent a2 (group g) (reason: manual)",
            ),
            (
                at(
                    Kind::Rating,
                    Body::Rating(Rating {
                        vendor_score: 4.0,
                        scale_min: 1.0,
                        scale_max: 5.0,
                        normalized_score: 0.75,
                        comment: None,
                    }),
                ),
                "rated 4/5",
            ),
            (
                at(
                    Kind::Rating,
                    Body::Rating(Rating {
                        vendor_score: 0.0,
                        scale_min: 0.0,
                        scale_max: 1.0,
                        normalized_score: 0.0,
                        comment: Some("slow".into()),
                    }),
                ),
                "rated 0 on a 0-1 scale: \"slow\"",
            ),
            (at(Kind::Tagged, Body::Tag { tag: "vip".into() }), "tagged vip"),
            (at(Kind::UnreadAtEnd, Body::Unread { unread_count: Some(1) }), "1 unread message at end"),
            (at(Kind::RatingRemoved, Body::None), "rating removed"),
        ];
        for (event, expected) in cases {
            assert_eq!(summary(&event, None), expected);
        }
    }

    #[test]
    fn long_text_is_cut_and_line_breaks_flattened() {
        let long = format!("line one\nline two {}", "x".repeat(100));
        let e =
            EventBuilder::new("chatwoot", "1").at(Kind::Message, 1).body(msg("contact", false, "text", Some(&long)));
        let s = summary(&e, None);
        assert!(s.starts_with("contact message, 118 chars: \"line one line two xxx"), "{s}");
        assert!(s.ends_with("…\""), "{s}");
        assert_eq!(s.chars().count(), "contact message, 118 chars: \"".chars().count() + EXCERPT_CHARS + 2);
    }

    #[test]
    fn repeated_status_observations_are_left_out() {
        let b = EventBuilder::new("chatwoot", "42");
        let change = |status: &str| Body::SessionChange {
            status: Some(status.into()),
            previous_status: None,
            reason: None,
            closed_by: None,
        };
        let evs = [
            b.at(Kind::SessionStarted, 1).body(change("pending")),
            b.at(Kind::SessionStatusChanged, 1).body(change("pending")).id("0"),
            b.at(Kind::SessionStatusChanged, 2).body(change("open")),
            b.at(Kind::SessionStatusChanged, 3).body(change("open")),
            b.at(Kind::SessionStatusChanged, 4).body(change("resolved")).id("1"),
            b.at(Kind::SessionEnded, 4).body(change("resolved")).id("2"),
        ];
        let refs: Vec<&ChatEvent> = evs.iter().collect();
        let got: Vec<String> = entries(&refs).into_iter().map(|e| e.summary).collect();
        assert_eq!(
            got,
            ["session started (pending)", "status changed from pending to open", "session ended (resolved)"]
        );
    }
}
