//! The agent availability projection: per agent, the intervals spent in each status (normalised vocabulary),
//! the current status and roster state, and the time in each status per UTC day.
//!
//! Sources: LiveChat `routing_status_set` and roster events, Userlike `operator.*`, Chatwoot assignee
//! availability seen in conversation snapshots. Freshchat sends no agent status. See
//! `docs/projections/availability.md`.

pub mod schema;
pub mod timeline;

use chatstream_projector::{chat, Migration, Output, Projection, Row, Table, Val};
use chatstream_schema::{ChatEvent, Kind};
use schema::{CURRENT, DAILY, INTERVALS};
use std::sync::Arc;
use timeline::{Interval, Timeline};

/// The availability projection (name `availability`), grouped per agent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Availability;

/// The projection, for registering with the binary.
pub fn projection() -> Arc<dyn Projection> {
    Arc::new(Availability)
}

/// The ids every row of one agent starts with.
struct Agent<'a> {
    tenant: &'a str,
    platform: &'a str,
    agent_id: &'a str,
}

impl Agent<'_> {
    fn row(&self, capacity: usize) -> Row {
        let mut row = Vec::with_capacity(capacity);
        row.push(Val::from(self.tenant));
        row.push(Val::from(self.platform));
        row.push(Val::from(self.agent_id));
        row
    }
}

fn seconds(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

fn interval_row(agent: &Agent, iv: &Interval) -> Row {
    let mut row = agent.row(11);
    row.extend([
        Val::Time(iv.started_at),
        Val::from(iv.status),
        Val::from(iv.vendor_status),
        Val::time(iv.ended_at),
        Val::from(iv.ended_at.map(|end| seconds(end - iv.started_at))),
        Val::Time(iv.last_observed_at),
        Val::from(iv.source_kind.as_str()),
        Val::from(iv.source_event_id),
    ]);
    row
}

fn current_row(agent: &Agent, t: &Timeline, as_of: i64) -> Row {
    let current = t.current();
    let mut row = agent.row(11);
    row.extend([
        Val::from(current.map(|c| c.status)),
        Val::from(t.current_vendor_status),
        Val::time(current.map(|c| c.started_at)),
        Val::Time(as_of),
        t.roster.map_or(Val::Null, |r| Val::Bool(r.is_bot)),
        Val::Bool(t.removed),
        Val::from(t.roster.map(|r| r.action)),
        Val::time(t.roster.map(|r| r.at)),
    ]);
    row
}

fn daily_row(agent: &Agent, day: i64, status: &str, micros: i64) -> Row {
    let mut row = agent.row(6);
    row.extend([Val::Time(day), Val::from(status), Val::Real(seconds(micros))]);
    row
}

impl Projection for Availability {
    fn name(&self) -> &'static str {
        "availability"
    }

    fn description(&self) -> &'static str {
        "agent availability: status intervals, current status and time per status per UTC day"
    }

    fn migrations(&self) -> &'static [Migration] {
        schema::MIGRATIONS
    }

    fn tables(&self) -> &'static [Table] {
        schema::TABLES
    }

    /// Agent status and roster events with an agent id, per `{tenant}/{platform}/agent/{agent_id}`.
    fn group(&self, e: &ChatEvent) -> Option<String> {
        let relevant = matches!(e.kind, Kind::AgentStatusChanged | Kind::AgentRosterChanged);
        if !relevant || e.agent_id.as_deref().is_none_or(str::is_empty) {
            return None;
        }
        chat::agent_group(e)
    }

    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        let Some(first) = events.first() else { return };
        let agent = Agent {
            tenant: &first.tenant,
            platform: &first.platform,
            agent_id: first.agent_id.as_deref().unwrap_or_default(),
        };
        let timeline = Timeline::build(events);
        let Some(as_of) = timeline.as_of else { return };
        for iv in &timeline.intervals {
            out.push(INTERVALS, interval_row(&agent, iv));
        }
        out.push(CURRENT, current_row(&agent, &timeline, as_of));
        for (day, status, micros) in timeline.daily() {
            out.push(DAILY, daily_row(&agent, day, status, micros));
        }
    }
}
