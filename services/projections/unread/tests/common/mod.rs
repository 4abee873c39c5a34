//! Event shapes as the normaliser produces them (see `tests/fixtures/<vendor>/expected/*.json`), and reading
//! the projection's tables back.
#![allow(dead_code)]

#[allow(unused_imports)] // not every test file of this crate runs on both backends
pub use chatstream_projector::on_both_backends;

use chatstream_projector::testing::{apply_events, dump, fresh_store, EventBuilder, EventExt, T0_MICROS};
use chatstream_projector::{Backend, ColType, Store, Val};
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, ChatEvent, Kind};

/// `T0_MICROS` + `s` seconds.
pub fn at(s: i64) -> Val {
    Val::Time(T0_MICROS + s * 1_000_000)
}

/// 00:00 UTC of the day `days` after T0.
pub fn day(days: i64) -> Val {
    Val::Time(T0_MICROS + days * 86_400_000_000)
}

/// NULL.
pub const N: Val = Val::Null;

pub fn int(n: i64) -> Val {
    Val::Int(n)
}

pub fn yes(b: bool) -> Val {
    Val::Bool(b)
}

pub fn text(s: &str) -> Val {
    Val::Text(s.into())
}

/// A message body.
pub fn message(id: Option<&str>, role: &str, author: Option<&str>, internal: bool) -> Body {
    Body::Message(Message {
        message_id: id.map(Into::into),
        author_role: role.into(),
        author_id: author.map(Into::into),
        internal,
        content_type: "text".into(),
        text_length: 12,
        text: None,
    })
}

/// A message event at `s` seconds; its id is the vendor message id (or `id` when it has none).
pub fn msg(b: &EventBuilder, s: i64, id: &str, role: &str, author: Option<&str>, internal: bool) -> ChatEvent {
    let e = b.at(Kind::Message, s).id(&format!("{}-{id}", b.platform)).body(message(Some(id), role, author, internal));
    match role {
        "agent" | "bot" => match author {
            Some(a) => e.agent(a),
            None => e,
        },
        "contact" => match author {
            Some(c) => e.contact(c),
            None => e,
        },
        _ => e,
    }
}

/// A `seen` read watermark (its `occurred_at` is the watermark, as the normaliser sets it).
pub fn seen(b: &EventBuilder, s: i64, role: &str, reader: &str) -> ChatEvent {
    let e = b.at(Kind::Seen, s).id(&format!("{}-seen-{role}-{s}", b.platform)).body(Body::Seen {
        reader_role: role.into(),
        reader_id: Some(reader.into()),
        seen_up_to_micros: T0_MICROS + s * 1_000_000,
    });
    if role == "agent" {
        e.agent(reader)
    } else {
        e.contact(reader)
    }
}

/// An `assigned` / `transferred` event.
pub fn assignment(
    b: &EventBuilder,
    kind: Kind,
    s: i64,
    from: (Option<&str>, Option<&str>),
    to: (Option<&str>, Option<&str>),
) -> ChatEvent {
    let e = b.at(kind, s).body(Body::Assignment {
        from_agent_id: from.0.map(Into::into),
        to_agent_id: to.0.map(Into::into),
        from_group_id: from.1.map(Into::into),
        to_group_id: to.1.map(Into::into),
        reason: None,
    });
    match to.0 {
        Some(a) => e.agent(a),
        None => e,
    }
}

/// A session change body.
pub fn change(status: Option<&str>, closed_by: Option<&str>) -> Body {
    Body::SessionChange {
        status: status.map(Into::into),
        previous_status: None,
        reason: None,
        closed_by: closed_by.map(Into::into),
    }
}

/// `unread_at_end` as Userlike's `chat_session.unread` gives it.
pub fn unread_at_end(b: &EventBuilder, s: i64, count: Option<i32>) -> ChatEvent {
    b.at(Kind::UnreadAtEnd, s).body(Body::Unread { unread_count: count })
}

/// The columns of `unread_chats` the tests read, in table order.
pub const CHAT_COLUMNS: &[(&str, ColType)] = &[
    ("tenant", ColType::Text),
    ("platform", ColType::Text),
    ("chat_id", ColType::Text),
    ("session_id", ColType::Text),
    ("signal", ColType::Text),
    ("unread_count", ColType::Int),
    ("unanswered_count", ColType::Int),
    ("oldest_unread_at", ColType::Time),
    ("oldest_unanswered_at", ColType::Time),
    ("last_contact_message_at", ColType::Time),
    ("agent_read_up_to", ColType::Time),
    ("last_agent_message_at", ColType::Time),
    ("assigned_agent_id", ColType::Text),
    ("assigned_group_id", ColType::Text),
    ("session_ended", ColType::Bool),
    ("as_of", ColType::Time),
];

/// The columns of `unread_sessions`, in table order.
pub const SESSION_COLUMNS: &[(&str, ColType)] = &[
    ("tenant", ColType::Text),
    ("platform", ColType::Text),
    ("chat_id", ColType::Text),
    ("session_id", ColType::Text),
    ("ended_at", ColType::Time),
    ("day", ColType::Time),
    ("agent_id", ColType::Text),
    ("group_id", ColType::Text),
    ("signal", ColType::Text),
    ("unread_count", ColType::Int),
    ("unanswered_count", ColType::Int),
    ("oldest_unread_at", ColType::Time),
    ("oldest_unanswered_at", ColType::Time),
    ("agent_read_up_to", ColType::Time),
    ("ended_unread", ColType::Bool),
    ("ended_unanswered", ColType::Bool),
];

/// The columns of the `unread_sessions_daily` view.
pub const DAILY_COLUMNS: &[(&str, ColType)] = &[
    ("tenant", ColType::Text),
    ("platform", ColType::Text),
    ("group_id", ColType::Text),
    ("day", ColType::Time),
    ("sessions_ended", ColType::Int),
    ("sessions_ended_unread", ColType::Int),
    ("sessions_ended_unanswered", ColType::Int),
    ("sessions_unread_known", ColType::Int),
];

/// The tables and the view after applying `events` in batches of `batch`.
#[derive(Debug, PartialEq)]
pub struct State {
    pub chats: Vec<Vec<Val>>,
    pub sessions: Vec<Vec<Val>>,
    pub daily: Vec<Vec<Val>>,
}

/// Applies `events` to a fresh store of `backend` and reads everything back.
pub async fn run(backend: Backend, events: &[ChatEvent], batch: usize) -> State {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    apply_events(&store, chatstream_projection_unread::projection(), events, batch).await.unwrap();
    read(&store).await
}

/// Reads the tables and the view.
pub async fn read(store: &Store) -> State {
    State {
        chats: dump(store, "unread_chats", CHAT_COLUMNS).await.unwrap(),
        sessions: dump(store, "unread_sessions", SESSION_COLUMNS).await.unwrap(),
        daily: dump(store, "unread_sessions_daily", DAILY_COLUMNS).await.unwrap(),
    }
}

/// The row of `rows` whose `chat_id` (column 2) is `chat`.
pub fn row_of<'a>(rows: &'a [Vec<Val>], chat: &str) -> &'a Vec<Val> {
    rows.iter().find(|r| r[2] == text(chat)).unwrap_or_else(|| panic!("no row for chat {chat}: {rows:?}"))
}

// ---- Realistic sessions, one per vendor, with the ids of the fixtures ----

pub const LC_CHAT: &str = "PJ0MRSHTDG";
pub const LC_THREAD: &str = "K600PKZON8";
pub const LC_THREAD2: &str = "K600PKZON9";
pub const LC_AGENT: &str = "smith@example.com";
pub const LC_AGENT2: &str = "jane@example.com";
pub const LC_CONTACT: &str = "b7eff798-f8df-4364-8059-649c35c9ed0c";

/// LiveChat: a thread with a reply, a transfer, agent and customer read receipts, closed by the agent; then a
/// second thread the agent has read only in part.
pub fn livechat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("livechat", LC_CHAT);
    let c = Some(LC_CONTACT);
    let a = Some(LC_AGENT);
    vec![
        b.at(Kind::SessionStarted, 1).session(LC_THREAD).agent(LC_AGENT).contact(LC_CONTACT).body(change(None, None)),
        msg(&b, 5, "K600PKZON8_2", "contact", c, false).session(LC_THREAD),
        msg(&b, 31, "K600PKZON8_3", "agent", a, false).session(LC_THREAD),
        seen(&b, 41, "contact", LC_CONTACT),
        msg(&b, 62, "K600PKZON8_4", "agent", a, true).session(LC_THREAD),
        assignment(&b, Kind::Transferred, 78, (None, None), (a, Some("19"))).session(LC_THREAD),
        msg(&b, 100, "K600PKZON8_5", "contact", c, false).session(LC_THREAD),
        seen(&b, 100, "agent", LC_AGENT),
        msg(&b, 110, "K600PKZON8_6", "contact", c, false).session(LC_THREAD),
        b.at(Kind::SessionEnded, 130).session(LC_THREAD).agent(LC_AGENT).body(change(None, Some("agent"))),
        b.at(Kind::SessionStarted, 200)
            .session(LC_THREAD2)
            .agent(LC_AGENT2)
            .contact(LC_CONTACT)
            .body(change(None, None)),
        msg(&b, 205, "K600PKZON9_1", "contact", c, false).session(LC_THREAD2),
        seen(&b, 205, "agent", LC_AGENT2),
        msg(&b, 210, "K600PKZON9_2", "contact", c, false).session(LC_THREAD2),
    ]
}

/// Chatwoot's snapshot facts of one delivery at `s` seconds: assignee, and both read watermarks.
pub fn chatwoot_facts(b: &EventBuilder, s: i64, agent_seen: i64, contact_seen: i64) -> Vec<ChatEvent> {
    vec![
        // Identity "by chat and agent (no time)": every snapshot repeats the same event id.
        assignment(b, Kind::Assigned, s, (None, None), (Some("1"), None)).id("chatwoot-42-assigned-1").contact("17"),
        seen(b, agent_seen, "agent", "1").contact("17"),
        seen(b, contact_seen, "contact", "17"),
    ]
}

/// Chatwoot conversation 42: created, answered, team change, resolved; the contact's "thanks" reopens it
/// (the message is created just before the reopen), answered, asked again, resolved unread.
pub fn chatwoot() -> Vec<ChatEvent> {
    let b = EventBuilder::new("chatwoot", "42");
    let mut v = vec![b.at(Kind::SessionStarted, 100).contact("17").body(change(Some("pending"), None))];
    v.push(msg(&b, 160, "1289", "contact", Some("17"), false));
    v.extend(chatwoot_facts(&b, 161, 100, 161));
    v.push(msg(&b, 195, "1290", "agent", Some("1"), false));
    v.extend(chatwoot_facts(&b, 196, 190, 161));
    v.push(msg(&b, 240, "1291", "agent", Some("1"), true));
    v.push(assignment(&b, Kind::Transferred, 250, (None, Some("3")), (None, Some("5"))).contact("17"));
    v.push(msg(&b, 300, "1300", "contact", Some("17"), false));
    v.extend(chatwoot_facts(&b, 301, 190, 300));
    v.push(b.at(Kind::SessionEnded, 360).agent("1").contact("17").body(change(Some("resolved"), Some("agent"))));
    v.extend(chatwoot_facts(&b, 360, 355, 300));
    v.push(msg(&b, 400, "1301", "contact", Some("17"), false));
    v.push(b.at(Kind::SessionReopened, 401).contact("17").body(change(Some("open"), None)));
    v.extend(chatwoot_facts(&b, 401, 355, 400));
    v.push(msg(&b, 460, "1302", "agent", Some("1"), false));
    v.push(msg(&b, 520, "1303", "contact", Some("17"), false));
    v.push(b.at(Kind::SessionEnded, 580).agent("1").contact("17").body(change(Some("resolved"), Some("agent"))));
    v.extend(chatwoot_facts(&b, 580, 500, 520));
    v
}

pub const FC_CHAT: &str = "7d8f0b2e-4c1a-4d5e-9b3f-6a2e1c0d9f84";
pub const FC_INTERACTION: &str = "513085614466744-1668509640118";
pub const FC_INTERACTION2: &str = "513085614466744-1668509722272";
pub const FC_AGENT: &str = "0b6e2a7c-9d4f-4e1a-b8c3-5f2d1e0a9b76";
pub const FC_CONTACT: &str = "f2b6c7d1-2a3e-4f5b-8c9d-0e1f2a3b4c5d";
pub const FC_GROUP: &str = "9e8d7c6b-5a4f-4e3d-8c1b-0a9f8e7d6c5b";

/// Freshchat: the contact writes, a system message, assignment, only a private note, resolved unanswered;
/// reopened (new interaction), the agent replies, the contact writes again.
pub fn freshchat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("freshchat", FC_CHAT);
    let c = Some(FC_CONTACT);
    let a = Some(FC_AGENT);
    vec![
        msg(&b, 0, "e4b3d2c1", "contact", c, false).session(FC_INTERACTION),
        msg(&b, 1, "6d5c4b3a", "system", None, false).session(FC_INTERACTION).contact(FC_CONTACT),
        msg(&b, 12, "8f7e6d5c", "contact", c, false).session(FC_INTERACTION),
        assignment(&b, Kind::Assigned, 30, (None, Some(FC_GROUP)), (a, Some(FC_GROUP))).session(FC_INTERACTION),
        msg(&b, 48, "2b3c4d5e", "agent", a, true).session(FC_INTERACTION).contact(FC_CONTACT),
        b.at(Kind::SessionEnded, 62)
            .session(FC_INTERACTION)
            .agent(FC_AGENT)
            .contact(FC_CONTACT)
            .body(change(Some("resolved"), Some("agent"))),
        b.at(Kind::SessionReopened, 82)
            .session(FC_INTERACTION2)
            .agent(FC_AGENT)
            .contact(FC_CONTACT)
            .body(change(Some("reopened"), None)),
        msg(&b, 83, "1a2b3c4d", "agent", a, false).session(FC_INTERACTION2).contact(FC_CONTACT),
        msg(&b, 90, "9a8b7c6d", "contact", c, false).session(FC_INTERACTION2),
    ]
}

/// Userlike (current `chat_session` events): the contact writes, the operator answers once, forward to
/// operator 9 (group 2), two more contact messages, the session ends with two unread.
pub fn userlike() -> Vec<ChatEvent> {
    let b = EventBuilder::new("userlike", "4711");
    let ids = |e: ChatEvent| e.session("90211").contact("5531");
    vec![
        ids(b.at(Kind::SessionStarted, 0)),
        ids(msg(&b, 2, "310021", "contact", Some("5531"), false).agent("7")),
        ids(msg(&b, 38, "310022", "agent", Some("7"), false)),
        ids(msg(&b, 50, "310023", "contact", Some("5531"), false).agent("7")),
        ids(assignment(&b, Kind::Transferred, 60, (Some("7"), Some("1")), (Some("9"), Some("2")))),
        ids(msg(&b, 70, "310024", "contact", Some("5531"), false).agent("9")),
        ids(b.at(Kind::SessionEnded, 284).agent("9").body(change(None, None))),
        ids(unread_at_end(&b, 284, Some(2)).agent("9")),
    ]
}

/// Userlike legacy `chat_meta` 69: every delivery repeats the chat, so each fact comes twice (same ids).
pub fn userlike_legacy() -> Vec<ChatEvent> {
    let b = EventBuilder::new("userlike", "69");
    let ids = |e: ChatEvent| e.session("69").contact("3b2f6c1e-8d4a-4e5f-9a0b-7c6d5e4f3a21");
    let contact = Some("3b2f6c1e-8d4a-4e5f-9a0b-7c6d5e4f3a21");
    let once = vec![
        ids(b.at(Kind::SessionStarted, 1000).agent("1")),
        ids(msg(&b, 1004, "pos0", "contact", contact, false)),
        ids(assignment(&b, Kind::Transferred, 1010, (Some("1"), Some("1")), (Some("2"), Some("2")))),
        ids(msg(&b, 1017, "pos1", "agent", Some("2"), false)),
        ids(msg(&b, 1032, "pos2", "contact", contact, false)),
        ids(b.at(Kind::SessionEnded, 1046).agent("2").body(change(None, None))),
    ];
    let mut resent = once.clone();
    for e in &mut resent {
        e.received_at_micros += 30_000_000;
    }
    once.into_iter().chain(resent).collect()
}

/// Every vendor's scenario, in time order.
pub fn all_vendors() -> Vec<ChatEvent> {
    let mut v: Vec<ChatEvent> =
        [livechat(), chatwoot(), freshchat(), userlike(), userlike_legacy()].into_iter().flatten().collect();
    v.sort_by(|a, b| (a.occurred_at_micros, &a.event_id).cmp(&(b.occurred_at_micros, &b.event_id)));
    v
}

/// The values of `names` in `row`, whose columns are `columns`.
pub fn pick(row: &[Val], columns: &[(&str, ColType)], names: &[&str]) -> Vec<Val> {
    names
        .iter()
        .map(|n| {
            let i = columns.iter().position(|(c, _)| c == n).unwrap_or_else(|| panic!("no column {n}"));
            row[i].clone()
        })
        .collect()
}
