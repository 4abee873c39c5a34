//! A seeded store for the analytics tests: realistic events of every vendor (shaped as the normaliser emits
//! them, see `services/projections/*/tests`), run through all four projections, then `prepare`.
#![allow(dead_code)]

use chatstream_analytics::{find_view, prepare, projections, view};
use chatstream_projector::testing::{apply_events, fresh_store, EventBuilder, EventExt, TempStore, T0_MICROS};
use chatstream_projector::{Backend, Store, Val};
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};

#[allow(unused_imports)] // not every test file of this crate runs on both backends
pub use chatstream_projector::on_both_backends;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

/// [`T0_MICROS`] (2026-01-01T00:00:00Z, a Thursday) + `seconds`, as a time value.
pub fn at(seconds: i64) -> Val {
    Val::Time(T0_MICROS + seconds * 1_000_000)
}

pub fn text(s: &str) -> Val {
    Val::Text(s.into())
}

fn message(role: &str, author: &str, internal: bool, length: i32) -> Body {
    Body::Message(Message {
        message_id: None,
        author_role: role.into(),
        author_id: Some(author.into()),
        internal,
        content_type: "text".into(),
        text_length: length,
        text: None,
    })
}

fn session_change(status: Option<&str>, closed_by: Option<&str>) -> Body {
    Body::SessionChange {
        status: status.map(str::to_string),
        previous_status: None,
        reason: None,
        closed_by: closed_by.map(str::to_string),
    }
}

fn assignment(to: &str, to_group: Option<&str>) -> Body {
    Body::Assignment {
        from_agent_id: None,
        to_agent_id: Some(to.into()),
        from_group_id: None,
        to_group_id: to_group.map(str::to_string),
        reason: None,
    }
}

fn rating(score: f64, min: f64, max: f64) -> Body {
    Body::Rating(Rating {
        vendor_score: score,
        scale_min: min,
        scale_max: max,
        normalized_score: ((score - min) / (max - min)).clamp(0.0, 1.0),
        comment: None,
    })
}

fn seen_by_agent(agent: &str, up_to: i64) -> Body {
    Body::Seen {
        reader_role: "agent".into(),
        reader_id: Some(agent.into()),
        seen_up_to_micros: T0_MICROS + up_to * 1_000_000,
    }
}

/// LiveChat chat `LC1`, thread `T1`, 2026-01-01 00:00–00:02:30: smith answers after 26 s, the chat is tagged
/// `vip` and transferred to jones (group 19), jones replies and leaves an internal note, an agent read receipt,
/// the customer closes it, answers the post-chat survey and rates it good (1 on 0..1).
pub fn livechat_chat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("livechat", "LC1");
    let th = |e: ChatEvent| e.session("T1");
    vec![
        th(b.at(Kind::SessionStarted, 0).id("lc-start").agent("smith").contact("cust1"))
            .body(session_change(None, None)),
        th(b.at(Kind::Message, 4).id("lc-m1").contact("cust1")).body(message("contact", "cust1", false, 39)),
        th(b.at(Kind::Message, 30).id("lc-m2").agent("smith")).body(message("agent", "smith", false, 56)),
        th(b.at(Kind::Tagged, 50).id("lc-tag")).body(Body::Tag { tag: "vip".into() }),
        th(b.at(Kind::Transferred, 60).id("lc-transfer").agent("jones")).body(assignment("jones", Some("19"))),
        th(b.at(Kind::Message, 75).id("lc-m3").agent("jones")).body(message("agent", "jones", false, 20)),
        th(b.at(Kind::Message, 80).id("lc-note").agent("jones")).body(message("agent", "jones", true, 12)),
        th(b.at(Kind::Seen, 100).id("lc-seen").agent("jones")).body(seen_by_agent("jones", 100)),
        th(b.at(Kind::SessionEnded, 120).id("lc-end").contact("cust1")).body(session_change(None, Some("contact"))),
        th(b.at(Kind::SurveyAnswered, 131).id("lc-survey").contact("cust1")).body(Body::SurveyAnswer {
            form_type: "postchat".into(),
            question: "How would you rate the chat?".into(),
            answer: "Good".into(),
        }),
        th(b.at(Kind::Rating, 150).id("lc-rating").contact("cust1")).body(rating(1.0, 0.0, 1.0)),
    ]
}

/// Chatwoot conversation 42, opened 2026-01-01 01:00 and still open: two contact messages (01:00:05,
/// 01:00:20), assigned to agent 1, who has read up to the first one; rated 2 of 5 meanwhile.
pub fn chatwoot_waiting() -> Vec<ChatEvent> {
    let b = EventBuilder::new("chatwoot", "42");
    let c = |e: ChatEvent| e.contact("17");
    vec![
        c(b.at(Kind::SessionStarted, HOUR).id("cw-created")).body(session_change(Some("open"), None)),
        c(b.at(Kind::Message, HOUR + 5).id("cw-m1")).body(message("contact", "17", false, 40)),
        c(b.at(Kind::Message, HOUR + 20).id("cw-m2")).body(message("contact", "17", false, 12)),
        c(b.at(Kind::Assigned, HOUR + 100).id("cw-assigned").agent("1")).body(assignment("1", None)),
        c(b.at(Kind::Seen, HOUR + 110).id("cw-seen").agent("1")).body(seen_by_agent("1", HOUR + 5)),
        c(b.at(Kind::Rating, HOUR + 200).id("cw-rating").agent("1")).body(rating(2.0, 1.0, 5.0)),
    ]
}

/// Freshchat conversation FC1, 2026-01-02 00:00–00:01:02: contact message, assigned to agent fa (group g1),
/// answered after 40 s, resolved by the agent.
pub fn freshchat_answered() -> Vec<ChatEvent> {
    let b = EventBuilder::new("freshchat", "FC1");
    let s = |e: ChatEvent| e.session("S1");
    vec![
        s(b.at(Kind::Message, DAY).id("fc-m1").contact("c9")).body(message("contact", "c9", false, 39)),
        s(b.at(Kind::Assigned, DAY + 30).id("fc-assigned").agent("fa")).body(assignment("fa", Some("g1"))),
        s(b.at(Kind::Message, DAY + 40).id("fc-m2").agent("fa")).body(message("agent", "fa", false, 20)),
        s(b.at(Kind::SessionEnded, DAY + 62).id("fc-resolved").agent("fa").contact("c9"))
            .body(session_change(Some("resolved"), Some("agent"))),
    ]
}

/// Userlike chat 4711, session u1, 2026-01-05 (a Monday) 00:00–00:01:01: operator 7 never answers the contact
/// message; Userlike reports one unread message at the end; rated 4 of 5 by the contact for operator 7.
pub fn userlike_unread_at_end() -> Vec<ChatEvent> {
    let b = EventBuilder::new("userlike", "4711");
    let s = |e: ChatEvent| e.session("u1").contact("5531");
    let start = 4 * DAY;
    vec![
        s(b.at(Kind::SessionStarted, start).id("ul-start").agent("7")),
        s(b.at(Kind::Message, start + 10).id("ul-m1")).body(message("contact", "5531", false, 28)),
        s(b.at(Kind::UnreadAtEnd, start + 60).id("ul-unread").agent("7")).body(Body::Unread { unread_count: Some(1) }),
        s(b.at(Kind::SessionEnded, start + 61).id("ul-end").agent("7")).body(session_change(None, None)),
        s(b.at(Kind::Rating, start + 70).id("ul-rating").agent("7")).body(rating(4.0, 1.0, 5.0)),
    ]
}

/// Tenant globex: one LiveChat chat G1 (2026-01-01 00:00), answered by zed after 60 s, not ended.
pub fn globex_chat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("livechat", "G1");
    let s = |e: ChatEvent| e.session("GT1").tenant("globex");
    vec![
        s(b.at(Kind::SessionStarted, 0).id("g-start").agent("zed").contact("gc")).body(session_change(None, None)),
        s(b.at(Kind::Message, 10).id("g-m1").contact("gc")).body(message("contact", "gc", false, 10)),
        s(b.at(Kind::Message, 70).id("g-m2").agent("zed")).body(message("agent", "zed", false, 10)),
    ]
}

fn lc_status(agent: &str, status: &str, secs: i64) -> ChatEvent {
    EventBuilder::without_chat("livechat")
        .at(Kind::AgentStatusChanged, secs)
        .id(&format!("lc-status-{agent}-{status}-{secs}"))
        .agent(agent)
        .body(Body::AgentStatus { status: status.into(), vendor_status: status.replace('_', " ") })
}

fn lc_roster(agent: &str, action: &str, secs: i64) -> ChatEvent {
    EventBuilder::without_chat("livechat")
        .at(Kind::AgentRosterChanged, secs)
        .id(&format!("lc-roster-{agent}-{action}-{secs}"))
        .agent(agent)
        .body(Body::AgentRoster { action: action.into(), is_bot: false })
}

/// LiveChat routing statuses: smith accepts chats 08:00–12:00 and 22:00–02:00 (across midnight), does not
/// accept 12:00–22:00, then goes offline on 2026-01-02 02:00. bob accepts from 08:30 and is deleted at 09:00;
/// newbie is only created (no status).
pub fn agent_statuses() -> Vec<ChatEvent> {
    vec![
        lc_status("smith", "accepting_chats", 8 * HOUR),
        lc_status("smith", "not_accepting_chats", 12 * HOUR),
        lc_status("smith", "accepting_chats", 22 * HOUR),
        lc_status("smith", "offline", DAY + 2 * HOUR),
        lc_status("bob", "accepting_chats", 8 * HOUR + 1800),
        lc_roster("bob", "deleted", 9 * HOUR),
        lc_roster("newbie", "created", 10 * HOUR),
    ]
}

/// Every event above.
pub fn all_events() -> Vec<ChatEvent> {
    let mut out = livechat_chat();
    out.extend(chatwoot_waiting());
    out.extend(freshchat_answered());
    out.extend(userlike_unread_at_end());
    out.extend(globex_chat());
    out.extend(agent_statuses());
    out
}

/// A fresh store with the analytics views and [`all_events`] applied by all four projections. `prepare` runs
/// before and after the events (it must be idempotent).
pub async fn seeded_store(backend: Backend) -> (Store, TempStore) {
    let (store, guard) = fresh_store(backend).await.unwrap();
    prepare(&store).await.unwrap();
    let events = all_events();
    for projection in projections() {
        apply_events(&store, projection, &events, 7).await.unwrap();
    }
    prepare(&store).await.unwrap();
    (store, guard)
}

/// The rows of view `name` (every column, in order), sorted by `order_by`, with a filter (`WHERE …`, or empty).
pub async fn rows(store: &Store, name: &str, filter: &str, order_by: &str) -> Vec<Row> {
    let v = find_view(name).unwrap_or_else(|| panic!("{name} is not an analytics view"));
    let sql = format!("SELECT {} FROM {} {filter} ORDER BY {order_by}", v.select_list(), view(store.backend(), name));
    let rows = store.fetch(&sql, &[], &v.types()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|values| Row { view: name.to_string(), values }).collect()
}

/// One row of a view, read by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub view: String,
    pub values: Vec<Val>,
}

impl Row {
    pub fn get(&self, column: &str) -> &Val {
        let v = find_view(&self.view).unwrap();
        let i = v.columns.iter().position(|c| c.name == column).unwrap_or_else(|| panic!("{}.{column}", self.view));
        &self.values[i]
    }

    /// The named columns, in the order given.
    pub fn pick(&self, columns: &[&str]) -> Vec<Val> {
        columns.iter().map(|c| self.get(c).clone()).collect()
    }
}
