//! Events shaped exactly as the normaliser emits them (see `tests/fixtures/<vendor>/expected/*.json`), and
//! running them through the projection on either backend.
#![allow(dead_code)]

use chatstream_projection_availability::projection;
use chatstream_projector::testing::{
    apply_events, dump_projection, fresh_store, EventBuilder, EventExt, TempStore, T0_MICROS,
};
use chatstream_projector::{Backend, ColType, Store, Val};
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};

/// Seconds after [`T0_MICROS`] (2026-01-01T00:00:00Z) as a `Time` value.
pub fn t(seconds: i64) -> Val {
    Val::Time(T0_MICROS + seconds * 1_000_000)
}

/// The midnight of day `n` after 2026-01-01 as a `Time` value.
pub fn day(n: i64) -> Val {
    t(n * 86_400)
}

/// `HH:MM` on day `d` (0 = 2026-01-01) in seconds after T0.
pub fn hm(d: i64, h: i64, m: i64) -> i64 {
    d * 86_400 + h * 3600 + m * 60
}

pub fn text(s: &str) -> Val {
    Val::Text(s.into())
}

fn with_type(mut e: ChatEvent, vendor_event_type: &str, payload_time: bool) -> ChatEvent {
    e.vendor_event_type = Some(vendor_event_type.into());
    e.occurred_at_source = if payload_time { "payload" } else { "received" }.into();
    e
}

fn status_body(status: &str, vendor_status: &str) -> Body {
    Body::AgentStatus { status: status.into(), vendor_status: vendor_status.into() }
}

/// LiveChat `routing_status_set` (`agent_status_changed`, receive time, no chat). `vendor` is the word as sent.
pub fn lc_status(agent: &str, vendor: &str, secs: i64) -> ChatEvent {
    let status = vendor.replace([' ', '-'], "_");
    let e = EventBuilder::without_chat("livechat")
        .at(Kind::AgentStatusChanged, secs)
        .id(&format!("lc-status-{agent}-{status}-{secs}"))
        .agent(agent)
        .body(status_body(&status, vendor));
    with_type(e, "routing_status_set", false)
}

/// LiveChat `agent_*` / `bot_*` roster event.
pub fn lc_roster(agent: &str, action: &str, is_bot: bool, secs: i64) -> ChatEvent {
    let prefix = if is_bot { "bot" } else { "agent" };
    let e = EventBuilder::without_chat("livechat")
        .at(Kind::AgentRosterChanged, secs)
        .id(&format!("lc-roster-{agent}-{action}-{secs}"))
        .agent(agent)
        .body(Body::AgentRoster { action: action.into(), is_bot });
    with_type(e, &format!("{prefix}_{action}"), false)
}

/// Userlike `operator.{online,offline,away,back}` (receive time; the id includes it, so a retry is new).
pub fn ul_operator(agent: &str, event: &str, secs: i64) -> ChatEvent {
    let status = if event == "back" { "online" } else { event };
    let e = EventBuilder::without_chat("userlike")
        .at(Kind::AgentStatusChanged, secs)
        .id(&format!("ul-operator-{agent}-{event}-{secs}"))
        .agent(agent)
        .body(status_body(status, event));
    with_type(e, &format!("operator.{event}"), false)
}

/// The snapshot facts of one Chatwoot conversation delivery (`vendor_event_type`) at snapshot time `secs`,
/// assigned to `agent` with `meta.assignee.availability_status` = `availability`, contact 17.
pub fn cw_snapshot(chat: &str, agent: &str, availability: &str, vendor_event_type: &str, secs: i64) -> Vec<ChatEvent> {
    let b = EventBuilder::new("chatwoot", chat);
    let status = if availability == "busy" { "away" } else { availability };
    let conv_status = if vendor_event_type == "conversation_resolved" { "resolved" } else { "open" };
    let facts = vec![
        b.at(Kind::SessionStatusChanged, secs)
            .id(&format!("cw-status-{chat}-{conv_status}-{secs}"))
            .contact("17")
            .body(Body::SessionChange {
                status: Some(conv_status.into()),
                previous_status: None,
                reason: None,
                closed_by: None,
            }),
        b.at(Kind::Assigned, secs).id(&format!("cw-assigned-{chat}-{agent}")).agent(agent).contact("17").body(
            Body::Assignment {
                from_agent_id: None,
                to_agent_id: Some(agent.into()),
                from_group_id: None,
                to_group_id: None,
                reason: None,
            },
        ),
        // Identity: agent, vendor status, snapshot time (so two conversations at one instant collapse).
        b.at(Kind::AgentStatusChanged, secs)
            .id(&format!("cw-agent-{agent}-{availability}-{secs}"))
            .agent(agent)
            .body(status_body(status, availability)),
        b.at(Kind::Seen, secs - 30).id(&format!("cw-seen-{chat}-agent-{secs}")).agent(agent).contact("17").body(
            Body::Seen {
                reader_role: "agent".into(),
                reader_id: Some(agent.into()),
                seen_up_to_micros: T0_MICROS + (secs - 30) * 1_000_000,
            },
        ),
    ];
    facts.into_iter().map(|e| with_type(e, vendor_event_type, true)).collect()
}

/// A Chatwoot `message_created` by `agent` in `chat`, followed by its snapshot facts.
pub fn cw_agent_message(chat: &str, agent: &str, availability: &str, secs: i64) -> Vec<ChatEvent> {
    let message = EventBuilder::new("chatwoot", chat)
        .at(Kind::Message, secs)
        .id(&format!("cw-message-{chat}-{secs}"))
        .agent(agent)
        .contact("17")
        .body(Body::Message(Message {
            message_id: Some(format!("{secs}")),
            author_role: "agent".into(),
            author_id: Some(agent.into()),
            internal: false,
            content_type: "text".into(),
            text_length: 56,
            text: None,
        }));
    let mut out = vec![with_type(message, "message_created", true)];
    out.extend(cw_snapshot(chat, agent, availability, "message_created", secs));
    out
}

/// A LiveChat chat with an agent in it (message, transfer, rating): events this projection must ignore.
pub fn lc_chat_noise(agent: &str, secs: i64) -> Vec<ChatEvent> {
    let b = EventBuilder::new("livechat", "PJ0MRSHTDG");
    vec![
        b.at(Kind::SessionStarted, secs).session("QR0P1LNLQ0").agent(agent).contact("c1"),
        b.at(Kind::Message, secs + 5).session("QR0P1LNLQ0").agent(agent).body(Body::Message(Message {
            message_id: Some("m1".into()),
            author_role: "agent".into(),
            author_id: Some(agent.into()),
            internal: false,
            content_type: "text".into(),
            text_length: 5,
            text: None,
        })),
        b.at(Kind::Transferred, secs + 10).session("QR0P1LNLQ0").agent(agent),
        b.at(Kind::Rating, secs + 20).session("QR0P1LNLQ0").body(Body::Rating(Rating {
            vendor_score: 1.0,
            scale_min: 0.0,
            scale_max: 1.0,
            normalized_score: 1.0,
            comment: None,
        })),
        // A routing_status_set with an unknown status becomes `other` with the agent id.
        with_type(
            EventBuilder::without_chat("livechat").at(Kind::Other, secs + 30).id("lc-other-status").agent(agent),
            "routing_status_set",
            false,
        ),
    ]
}

/// Every derived table, sorted (with `group_key` first).
pub type Dump = Vec<(String, Vec<Vec<Val>>)>;

/// Applies `events` in batches of `batch` to a fresh store and returns the store with its dump.
pub async fn project(backend: Backend, events: &[ChatEvent], batch: usize) -> (Store, TempStore, Dump) {
    let (store, guard) = fresh_store(backend).await.expect("a fresh store");
    let p = projection();
    apply_events(&store, p.clone(), events, batch).await.expect("events apply");
    let dump = dump_projection(&store, p.as_ref()).await.expect("dump");
    (store, guard, dump)
}

/// The rows of one table of a dump, without `group_key`.
pub fn table(dump: &Dump, name: &str) -> Vec<Vec<Val>> {
    let (_, rows) = dump.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no table {name}"));
    rows.iter().map(|r| r[1..].to_vec()).collect()
}

/// `agent_status_intervals` row: (started, status, vendor_status, ended, duration, last_observed, kind, event id).
#[allow(clippy::too_many_arguments)]
pub fn interval(
    ids: (&str, &str),
    agent: &str,
    started: i64,
    status: &str,
    vendor: &str,
    ended: Option<i64>,
    last_observed: i64,
    source: (&str, &str),
) -> Vec<Val> {
    vec![
        text(ids.0),
        text(ids.1),
        text(agent),
        t(started),
        text(status),
        text(vendor),
        ended.map_or(Val::Null, t),
        ended.map_or(Val::Null, |e| Val::Real((e - started) as f64)),
        t(last_observed),
        text(source.0),
        text(source.1),
    ]
}

/// `agent_status_daily` row.
pub fn daily(ids: (&str, &str), agent: &str, day_n: i64, status: &str, seconds: i64) -> Vec<Val> {
    vec![text(ids.0), text(ids.1), text(agent), day(day_n), text(status), Val::Real(seconds as f64)]
}

/// Rows of an SQL query on the store.
pub async fn query(store: &Store, sql: &str, types: &[ColType]) -> Vec<Vec<Val>> {
    store.fetch(sql, &[], types).await.expect("query")
}

#[allow(unused_imports)] // not every test file of this crate runs on both backends
pub use chatstream_projector::on_both_backends;
