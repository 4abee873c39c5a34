//! One agent's availability timeline, built from the agent's events in `(occurred_at, event_id)` order.
//!
//! Every status event (and every roster removal, which states `offline`) is a *statement*: "from this instant
//! the agent is in this status". Consecutive statements of the same status are one interval; of several
//! statements at the same instant, the last in event order holds (the others would last zero seconds).

use chatstream_schema::{Body, ChatEvent, Kind};

/// A UTC day in µs.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// The normalised status a roster removal (`deleted`, `suspended`) starts.
pub const REMOVED_STATUS: &str = "offline";

/// "From `at`, the agent is `status`", said by one event.
#[derive(Debug, Clone, Copy)]
struct Statement<'a> {
    at: i64,
    status: &'a str,
    vendor_status: &'a str,
    kind: Kind,
    event_id: &'a str,
}

/// A stretch of time in one status.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval<'a> {
    pub started_at: i64,
    /// Start of the next interval; `None` for the current one.
    pub ended_at: Option<i64>,
    pub status: &'a str,
    /// The vendor's word of the statement that started the interval.
    pub vendor_status: &'a str,
    /// The latest statement of this status within the interval (at most `ended_at`: a statement superseded at
    /// the same instant still counts as an observation).
    pub last_observed_at: i64,
    /// The kind of the event that started the interval.
    pub source_kind: Kind,
    pub source_event_id: &'a str,
}

/// The latest roster event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roster<'a> {
    pub action: &'a str,
    pub is_bot: bool,
    pub at: i64,
}

/// Everything the tables say about one agent.
#[derive(Debug, Default, PartialEq)]
pub struct Timeline<'a> {
    /// In time order, none of zero length, no two neighbours with the same status.
    pub intervals: Vec<Interval<'a>>,
    /// The vendor's word of the latest statement.
    pub current_vendor_status: Option<&'a str>,
    /// Time of the agent's latest event that says anything (a statement or a roster event).
    pub as_of: Option<i64>,
    pub roster: Option<Roster<'a>>,
    /// The latest roster event that changes membership was a deletion or suspension.
    pub removed: bool,
}

impl<'a> Timeline<'a> {
    /// The timeline of one agent's events, sorted by `(occurred_at, event_id)`.
    pub fn build(events: &[&'a ChatEvent]) -> Self {
        let mut t = Timeline::default();
        for e in events {
            match (&e.kind, &e.body) {
                (Kind::AgentStatusChanged, Body::AgentStatus { status, vendor_status }) if !status.is_empty() => {
                    t.state(Statement {
                        at: e.occurred_at_micros,
                        status,
                        vendor_status,
                        kind: e.kind,
                        event_id: &e.event_id,
                    });
                }
                (Kind::AgentRosterChanged, Body::AgentRoster { action, is_bot }) => t.roster_event(e, action, *is_bot),
                _ => continue,
            }
            t.as_of = Some(e.occurred_at_micros);
        }
        t.close_intervals();
        t
    }

    fn roster_event(&mut self, e: &'a ChatEvent, action: &'a str, is_bot: bool) {
        self.roster = Some(Roster { action, is_bot, at: e.occurred_at_micros });
        match action {
            "deleted" | "suspended" => {
                self.removed = true;
                self.state(Statement {
                    at: e.occurred_at_micros,
                    status: REMOVED_STATUS,
                    vendor_status: action,
                    kind: e.kind,
                    event_id: &e.event_id,
                });
            }
            "created" | "approved" | "unsuspended" => self.removed = false,
            _ => {}
        }
    }

    fn state(&mut self, s: Statement<'a>) {
        self.current_vendor_status = Some(s.vendor_status);
        if let Some(last) = self.intervals.last_mut() {
            if last.status == s.status {
                last.last_observed_at = s.at;
                return;
            }
            if last.started_at == s.at {
                // Superseded at the instant it began: it never lasted.
                self.intervals.pop();
                if let Some(prev) = self.intervals.last_mut().filter(|p| p.status == s.status) {
                    prev.last_observed_at = s.at;
                    return;
                }
            }
        }
        self.intervals.push(Interval {
            started_at: s.at,
            ended_at: None,
            status: s.status,
            vendor_status: s.vendor_status,
            last_observed_at: s.at,
            source_kind: s.kind,
            source_event_id: s.event_id,
        });
    }

    fn close_intervals(&mut self) {
        for i in 1..self.intervals.len() {
            self.intervals[i - 1].ended_at = Some(self.intervals[i].started_at);
        }
    }

    /// The current (open) interval.
    pub fn current(&self) -> Option<&Interval<'a>> {
        self.intervals.last()
    }

    /// Time per `(day, status)` in µs, sorted: closed intervals whole, the open one up to [`Timeline::as_of`],
    /// split at UTC midnight.
    pub fn daily(&self) -> Vec<(i64, &'a str, i64)> {
        let mut pieces: Vec<(i64, &'a str, i64)> = Vec::new();
        for iv in &self.intervals {
            let end = iv.ended_at.or(self.as_of).unwrap_or(iv.started_at);
            split_at_midnight(iv.started_at, end, |day, micros| pieces.push((day, iv.status, micros)));
        }
        pieces.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut out: Vec<(i64, &'a str, i64)> = Vec::with_capacity(pieces.len());
        for (day, status, micros) in pieces {
            match out.last_mut() {
                Some(last) if last.0 == day && last.1 == status => last.2 += micros,
                _ => out.push((day, status, micros)),
            }
        }
        out
    }
}

/// The UTC day (its midnight, µs) that `t` falls in.
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY_MICROS) * DAY_MICROS
}

/// Calls `f(day, micros)` for each UTC day `[from, to)` touches, with the µs spent in it.
fn split_at_midnight(mut from: i64, to: i64, mut f: impl FnMut(i64, i64)) {
    while from < to {
        let day = day_of(from);
        let end = to.min(day + DAY_MICROS);
        f(day, end - from);
        from = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatstream_projector::testing::{EventBuilder, EventExt};
    use proptest::prelude::*;

    #[test]
    fn split_at_midnight_cuts_each_day() {
        let mut got = Vec::new();
        let start = 3 * DAY_MICROS - 10;
        split_at_midnight(start, 4 * DAY_MICROS + 5, |d, m| got.push((d, m)));
        assert_eq!(got, [(2 * DAY_MICROS, 10), (3 * DAY_MICROS, DAY_MICROS), (4 * DAY_MICROS, 5)]);
        got.clear();
        split_at_midnight(5, 5, |d, m| got.push((d, m)));
        assert!(got.is_empty());
    }

    #[test]
    fn days_before_the_epoch_round_down() {
        assert_eq!(day_of(-1), -DAY_MICROS);
        assert_eq!(day_of(0), 0);
    }

    /// (time in half hours from 22:00, kind 0..6) → an event: statuses, roster removals and other roster news.
    fn event(i: usize, slot: i64, what: u8) -> ChatEvent {
        let b = EventBuilder::without_chat("livechat");
        let secs = 22 * 3600 + slot * 1800;
        let e = match what % 6 {
            0..=2 => {
                let status = ["online", "away", "offline"][usize::from(what % 3)];
                let body = Body::AgentStatus { status: status.into(), vendor_status: status.into() };
                b.at(Kind::AgentStatusChanged, secs).body(body)
            }
            3 => {
                b.at(Kind::AgentRosterChanged, secs).body(Body::AgentRoster { action: "deleted".into(), is_bot: false })
            }
            4 => {
                b.at(Kind::AgentRosterChanged, secs).body(Body::AgentRoster { action: "updated".into(), is_bot: false })
            }
            _ => b.at(Kind::AgentStatusChanged, secs),
        };
        e.agent("a").id(&format!("{i:03}"))
    }

    /// The status each instant ends with (the last statement at that instant), equal neighbours merged.
    fn reference(events: &[&ChatEvent]) -> Vec<(i64, String)> {
        let mut at: Vec<(i64, String)> = Vec::new();
        for e in events {
            let status = match &e.body {
                Body::AgentStatus { status, .. } => status.clone(),
                Body::AgentRoster { action, .. } if action == "deleted" => REMOVED_STATUS.to_string(),
                _ => continue,
            };
            match at.last_mut() {
                Some(last) if last.0 == e.occurred_at_micros => last.1 = status,
                _ => at.push((e.occurred_at_micros, status)),
            }
        }
        at.dedup_by(|next, prev| next.1 == prev.1);
        at
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn intervals_follow_the_last_statement_of_each_instant_and_days_add_up(
            steps in proptest::collection::vec((0i64..12, any::<u8>()), 0..30)
        ) {
            let owned: Vec<ChatEvent> = steps.iter().enumerate().map(|(i, &(s, w))| event(i, s, w)).collect();
            let mut events: Vec<&ChatEvent> = owned.iter().collect();
            events.sort_by(|a, b| (a.occurred_at_micros, &a.event_id).cmp(&(b.occurred_at_micros, &b.event_id)));
            let t = Timeline::build(&events);
            let got: Vec<(i64, String)> = t.intervals.iter().map(|iv| (iv.started_at, iv.status.to_string())).collect();
            prop_assert_eq!(got, reference(&events));
            for pair in t.intervals.windows(2) {
                prop_assert_eq!(pair[0].ended_at, Some(pair[1].started_at));
                prop_assert!(pair[0].last_observed_at <= pair[1].started_at);
            }
            let mut expected_total = 0;
            if let Some(open) = t.current() {
                prop_assert_eq!(open.ended_at, None);
                expected_total += t.as_of.unwrap() - open.started_at;
            }
            expected_total += t.intervals.iter().filter_map(|iv| iv.ended_at.map(|e| e - iv.started_at)).sum::<i64>();
            let daily = t.daily();
            prop_assert_eq!(daily.iter().map(|d| d.2).sum::<i64>(), expected_total);
            prop_assert!(daily.iter().all(|d| d.2 > 0 && d.2 <= DAY_MICROS && d.0 % DAY_MICROS == 0));
            prop_assert!(daily.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        }
    }
}
