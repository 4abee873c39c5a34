//! Per-vendor renderers: turn vendor-neutral [`SessionPlan`]s and [`StatusChange`]s into the exact JSON
//! bodies LiveChat, Chatwoot, Freshchat and Userlike would POST (shapes per `reference/platforms.md`).
//!
//! Rendering is a pure function of its inputs: the same plan always gives byte-identical JSON.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Map, Value};

use crate::plan::{SessionPlan, StatusChange, Step};

pub mod chatwoot;
pub mod freshchat;
pub(crate) mod ids;
pub mod livechat;
pub mod userlike;

/// One webhook body as the vendor would POST it, and when the vendor sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The vendor's own discriminator: LiveChat/Freshchat `action`, Chatwoot `event`,
    /// Userlike `"<_type>.<_event>"`.
    pub event_type: String,
    /// The JSON body.
    pub body: Value,
    /// When the vendor sends the delivery.
    pub at: DateTime<Utc>,
}

impl Rendered {
    pub(crate) fn new(event_type: impl Into<String>, at: DateTime<Utc>, body: Value) -> Self {
        Rendered { event_type: event_type.into(), body, at }
    }
}

/// Turns vendor-neutral scripts into one vendor's webhook bodies.
pub trait Renderer {
    /// Every delivery this vendor sends for the whole session, in send order.
    fn session(&self, plan: &SessionPlan) -> Vec<Rendered>;
    /// Deliveries for an agent status change (empty when the vendor has no such webhook).
    fn status(&self, change: &StatusChange) -> Vec<Rendered>;
}

/// The steps of a plan split into the contact message that opens the chat (when the script starts with
/// one) and everything after it. Vendors that create the chat *with* its first message (LiveChat's
/// `incoming_chat`, Userlike's `start`) embed the opening message in the start delivery.
pub(crate) struct Opening<'a> {
    /// The opening contact message: `(at, text)`.
    pub message: Option<(DateTime<Utc>, &'a str)>,
    /// When the chat opens: the opening message's time, or `plan.started_at` without one.
    pub at: DateTime<Utc>,
    /// The remaining steps.
    pub rest: &'a [Step],
}

impl<'a> Opening<'a> {
    pub(crate) fn of(plan: &'a SessionPlan) -> Self {
        match plan.steps.split_first() {
            Some((Step::ContactMessage { at, text, .. }, rest)) => {
                Opening { message: Some((*at, text.as_str())), at: (*at).max(plan.started_at), rest }
            }
            _ => Opening { message: None, at: plan.started_at, rest: &plan.steps },
        }
    }
}

/// RFC 3339 with exactly 6 fractional digits and `Z` (LiveChat): `2019-10-11T09:40:56.071345Z`.
pub(crate) fn rfc3339_micros(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// ISO-8601 with milliseconds and `Z` (Freshchat, Rails JSON): `2022-11-02T10:55:22.272Z`.
pub(crate) fn iso_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// ISO-8601 of the whole second with a literal `.000Z` (Chatwoot message `created_at`).
pub(crate) fn iso_whole_second(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// A zone-less `YYYY-MM-DD HH:MM:SS` (Userlike legacy): `2014-12-29 11:25:48`.
pub(crate) fn naive_seconds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A duration as `HH:MM:SS` (hours may exceed 23; negative durations clamp to zero).
pub(crate) fn hms(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Unix seconds, truncated (Chatwoot conversation timestamps).
pub(crate) fn unix_seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Unix seconds with microsecond fraction as a float (Chatwoot `updated_at`).
pub(crate) fn unix_seconds_f64(t: DateTime<Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1e6
}

/// The map of a `json!({...})` object literal (empty for any other value).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Splits a display name into first name and the rest.
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim();
    name.split_once(char::is_whitespace).map_or((name, ""), |(first, last)| (first, last.trim_start()))
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small session that exercises every step kind, shared by the vendor tests.

    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    use crate::plan::{Agent, AgentStatus, Contact, SessionPlan, StatusChange, Step};

    pub(crate) fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 5, 10, 0, 0).unwrap() + TimeDelta::microseconds(123_456)
    }

    pub(crate) fn secs(s: i64) -> DateTime<Utc> {
        t0() + TimeDelta::seconds(s)
    }

    pub(crate) fn alice() -> Agent {
        Agent { index: 0, name: "Alice Smith".into(), email: "alice@example.com".into(), group: 0 }
    }

    pub(crate) fn bob() -> Agent {
        Agent { index: 1, name: "Bob van Dyke".into(), email: "bob@example.com".into(), group: 2 }
    }

    /// Contact message, agent reply, internal note, transfer, contact message, seen, reply, end,
    /// rating with comment, survey. `closer` closes the chat (`None` = system).
    pub(crate) fn plan_closed_by(seq: u64, closer: Option<Agent>) -> SessionPlan {
        SessionPlan {
            seq,
            contact: Contact { index: 42, name: "Carol Jones".into(), email: "carol@example.org".into() },
            agent: alice(),
            started_at: t0(),
            steps: vec![
                Step::ContactMessage { seq: 1, at: t0(), text: "Hi, my order is late".into() },
                Step::AgentMessage { seq: 2, at: secs(30), agent: alice(), text: "Let me check".into() },
                Step::InternalNote {
                    seq: 3,
                    at: secs(45),
                    agent: alice(),
                    text: "Shipping issue, handing to Bob".into(),
                },
                Step::Transfer { at: secs(60), from: alice(), to: bob() },
                Step::ContactMessage { seq: 4, at: secs(65), text: "Any news?".into() },
                Step::Seen { at: secs(70), agent: bob(), up_to: secs(65) },
                Step::AgentMessage { seq: 5, at: secs(90), agent: bob(), text: "It ships today".into() },
                Step::End { at: secs(120), agent: closer },
                Step::Rating { at: secs(150), good: true, stars: 4, comment: Some("Quick help".into()) },
                Step::Survey {
                    at: secs(160),
                    question: "How satisfied are you?".into(),
                    answer: "Very Satisfied".into(),
                },
            ],
        }
    }

    /// The standard test session, closed by Bob.
    pub(crate) fn plan(seq: u64) -> SessionPlan {
        plan_closed_by(seq, Some(bob()))
    }

    pub(crate) fn status(from: AgentStatus, to: AgentStatus) -> StatusChange {
        StatusChange { at: secs(500), agent: bob(), from, to }
    }

    /// Event types of the deliveries, in order.
    pub(crate) fn types(rendered: &[super::Rendered]) -> Vec<&str> {
        rendered.iter().map(|r| r.event_type.as_str()).collect()
    }

    /// All bodies serialised, to compare two renderings byte for byte.
    pub(crate) fn bytes(rendered: &[super::Rendered]) -> Vec<String> {
        rendered.iter().map(|r| format!("{}|{}|{}", r.event_type, r.at, r.body)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_formats() {
        let t = Utc.with_ymd_and_hms(2019, 10, 11, 9, 40, 56).unwrap() + TimeDelta::microseconds(71_345);
        assert_eq!(rfc3339_micros(t), "2019-10-11T09:40:56.071345Z");
        assert_eq!(iso_millis(t), "2019-10-11T09:40:56.071Z");
        assert_eq!(iso_whole_second(t), "2019-10-11T09:40:56.000Z");
        assert_eq!(naive_seconds(t), "2019-10-11 09:40:56");
        assert_eq!(unix_seconds(t), 1_570_786_856);
        assert_eq!(unix_seconds_f64(t), 1_570_786_856.071345);
        assert_eq!(hms(TimeDelta::seconds(3 * 3600 + 62)), "03:01:02");
        assert_eq!(hms(TimeDelta::seconds(-5)), "00:00:00");
    }

    #[test]
    fn names_split_on_first_space() {
        assert_eq!(split_name("Bob van Dyke"), ("Bob", "van Dyke"));
        assert_eq!(split_name("Cher"), ("Cher", ""));
    }

    #[test]
    fn opening_takes_a_leading_contact_message() {
        let plan = fixture::plan(1);
        let o = Opening::of(&plan);
        assert_eq!(o.message.map(|m| m.1), Some("Hi, my order is late"));
        assert_eq!(o.rest.len(), plan.steps.len() - 1);
        let mut proactive = plan.clone();
        proactive.steps.remove(0);
        let o = Opening::of(&proactive);
        assert!(o.message.is_none());
        assert_eq!(o.rest.len(), proactive.steps.len());
        assert_eq!(o.at, proactive.started_at);
    }
}
