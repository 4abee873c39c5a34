//! How one chat's rows follow from its events: one pass per session.

use crate::schema::{FEEDBACK, RATINGS, SURVEY_ANSWERS};
use chatstream_projector::chat::sessions;
use chatstream_projector::{Output, Row, Val};
use chatstream_schema::chat_event::Rating;
use chatstream_schema::{Body, ChatEvent, Kind};

/// A rating counts as satisfied when its normalised score is at least this (4 and 5 of 1..5, the "good" 1 of
/// LiveChat's 0..1 thumbs).
pub const CSAT_THRESHOLD: f64 = 0.75;

/// Slack for scores computed in floating point (e.g. 7.5 of 0..10 is exactly the threshold).
const EPSILON: f64 = 1e-9;

/// True when a normalised score (0..1) is at or above [`CSAT_THRESHOLD`].
pub fn is_satisfied(normalized_score: f64) -> bool {
    normalized_score >= CSAT_THRESHOLD - EPSILON
}

/// The ids every row of the chat carries.
struct ChatIds<'a> {
    tenant: &'a str,
    platform: &'a str,
    chat_id: &'a str,
}

impl ChatIds<'_> {
    /// `tenant, platform, chat_id, session_id`: the first columns of every table.
    fn row(&self, session_id: &str, width: usize) -> Row {
        let mut row = Vec::with_capacity(width);
        row.extend([Val::from(self.tenant), Val::from(self.platform), Val::from(self.chat_id), Val::from(session_id)]);
        row
    }
}

/// What one session holds for this projection, read in one pass over its events (in order).
#[derive(Default)]
struct SessionFacts<'a> {
    /// The session's rating now: the latest one, `None` after a removal.
    rating: Option<(&'a ChatEvent, &'a Rating)>,
    /// The latest feedback.
    feedback: Option<(&'a ChatEvent, i32, Option<&'a str>)>,
    /// Every answer: `(form_type, question, answer, event)`, in event order.
    answers: Vec<(&'a str, &'a str, &'a str, &'a ChatEvent)>,
    /// The last agent seen handling the session.
    agent: Option<&'a str>,
    /// The last contact named in the session.
    contact: Option<&'a str>,
}

/// Derives all rows of one chat (its events sorted by `(occurred_at, event_id)`).
pub fn chat(events: &[&ChatEvent], out: &mut Output) {
    let Some(first) = events.first() else { return };
    let Some(chat_id) = first.chat_id.as_deref() else { return };
    if !events.iter().any(|e| feeds_projection(e.kind)) {
        return;
    }
    let ids = ChatIds { tenant: &first.tenant, platform: &first.platform, chat_id };
    for session in sessions(events) {
        let facts = read_session(&session.events);
        push_rows(&ids, &session.session_id, &facts, out);
    }
}

/// Kinds that give rows (other kinds only help to find sessions and agents).
fn feeds_projection(kind: Kind) -> bool {
    matches!(kind, Kind::Rating | Kind::RatingRemoved | Kind::Feedback | Kind::SurveyAnswered)
}

fn read_session<'a>(events: &[&'a ChatEvent]) -> SessionFacts<'a> {
    let mut facts = SessionFacts::default();
    for &e in events {
        if let Some(agent) = handling_agent(e) {
            facts.agent = Some(agent);
        }
        if let Some(contact) = e.contact_id.as_deref() {
            facts.contact = Some(contact);
        }
        match (e.kind, &e.body) {
            (Kind::Rating, Body::Rating(r)) if r.vendor_score.is_finite() && r.normalized_score.is_finite() => {
                facts.rating = Some((e, r));
            }
            (Kind::RatingRemoved, _) => facts.rating = None,
            (Kind::Feedback, Body::Feedback { text_length, text }) => {
                facts.feedback = Some((e, *text_length, text.as_deref()));
            }
            (Kind::SurveyAnswered, Body::SurveyAnswer { form_type, question, answer }) => {
                facts.answers.push((form_type, question, answer, e));
            }
            _ => {}
        }
    }
    facts
}

/// The agent an event shows handling the chat: a human agent's public message, the new agent of an
/// assignment or transfer, an agent or bot joining, and the agent the vendor names on session starts, ends,
/// reopens, ratings, feedback and survey answers. Not: internal notes, bot messages (a bot's goodbye or
/// survey request after a human agent), leaving, read receipts or availability.
fn handling_agent(e: &ChatEvent) -> Option<&str> {
    let agent = e.agent_id.as_deref();
    match (e.kind, &e.body) {
        (Kind::Message, Body::Message(m)) if !m.internal && m.author_role == "agent" => {
            agent.or(m.author_id.as_deref())
        }
        (Kind::Assigned | Kind::Transferred, Body::Assignment { to_agent_id, .. }) => to_agent_id.as_deref().or(agent),
        (Kind::ParticipantJoined, Body::Participant { participant_id, role, .. })
            if role == "agent" || role == "bot" =>
        {
            participant_id.as_deref().or(agent)
        }
        (
            Kind::SessionStarted
            | Kind::SessionEnded
            | Kind::SessionReopened
            | Kind::Rating
            | Kind::Feedback
            | Kind::SurveyAnswered,
            _,
        ) => agent,
        _ => None,
    }
}

/// `agent_id, agent_source`: the event's own agent (`event`), else the session's last agent (`session`).
fn attribution<'a>(e: &'a ChatEvent, facts: &SessionFacts<'a>) -> [Val; 2] {
    match (e.agent_id.as_deref(), facts.agent) {
        (Some(agent), _) => [Val::from(agent), Val::from("event")],
        (None, Some(agent)) => [Val::from(agent), Val::from("session")],
        (None, None) => [Val::Null, Val::Null],
    }
}

fn contact<'a>(e: &'a ChatEvent, facts: &SessionFacts<'a>) -> Val {
    Val::from(e.contact_id.as_deref().or(facts.contact))
}

fn push_rows(ids: &ChatIds, session_id: &str, facts: &SessionFacts, out: &mut Output) {
    if let Some((e, r)) = facts.rating {
        let mut row = ids.row(session_id, 15);
        row.extend(attribution(e, facts));
        row.extend([
            contact(e, facts),
            Val::Time(e.occurred_at_micros),
            Val::Real(r.vendor_score),
            Val::Real(r.scale_min),
            Val::Real(r.scale_max),
            Val::Real(r.normalized_score),
            Val::Bool(is_satisfied(r.normalized_score)),
            Val::from(r.comment.as_deref()),
            Val::from(e.event_id.as_str()),
        ]);
        out.push(RATINGS, row);
    }
    if let Some((e, text_length, text)) = facts.feedback {
        let mut row = ids.row(session_id, 11);
        row.extend(attribution(e, facts));
        row.extend([
            contact(e, facts),
            Val::Time(e.occurred_at_micros),
            Val::Int(i64::from(text_length)),
            Val::from(text),
            Val::from(e.event_id.as_str()),
        ]);
        out.push(FEEDBACK, row);
    }
    push_answers(ids, session_id, facts, out);
}

/// One row per `(form_type, question)`: the latest answer wins.
fn push_answers(ids: &ChatIds, session_id: &str, facts: &SessionFacts, out: &mut Output) {
    let mut answers = facts.answers.clone();
    // Stable: within one question the answers stay in event order, so the last of a run is the latest.
    answers.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (i, &(form_type, question, answer, e)) in answers.iter().enumerate() {
        if answers.get(i + 1).is_some_and(|next| (next.0, next.1) == (form_type, question)) {
            continue;
        }
        let mut row = ids.row(session_id, 12);
        row.extend([
            Val::from(form_type),
            Val::from(question),
            // The normaliser empties answers the source may not keep (pre-chat forms): not an answer.
            Val::from((!answer.is_empty()).then_some(answer)),
        ]);
        row.extend(attribution(e, facts));
        row.extend([contact(e, facts), Val::Time(e.occurred_at_micros), Val::from(e.event_id.as_str())]);
        out.push(SURVEY_ANSWERS, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_takes_four_of_five_and_the_good_thumb() {
        let norm = |score: f64, min: f64, max: f64| (score - min) / (max - min);
        assert!(is_satisfied(norm(4.0, 1.0, 5.0)));
        assert!(!is_satisfied(norm(3.0, 1.0, 5.0)));
        assert!(is_satisfied(norm(1.0, 0.0, 1.0)));
        assert!(!is_satisfied(norm(0.0, 0.0, 1.0)));
        assert!(is_satisfied(norm(7.5, 0.0, 10.0)));
        assert!(!is_satisfied(norm(7.4, 0.0, 10.0)));
    }
}
