//! Edge cases users hit: events before the session start, missing ids, stale or repeated vendor state,
//! reads after the end, reopens, day boundaries; on SQLite and PostgreSQL.

mod common;

use chatstream_projector::testing::{EventBuilder, EventExt};
use chatstream_projector::Backend;
use chatstream_schema::Kind;
use common::*;

const STATE: &[&str] = &[
    "session_id",
    "signal",
    "unread_count",
    "unanswered_count",
    "oldest_unread_at",
    "oldest_unanswered_at",
    "agent_read_up_to",
    "session_ended",
];

const ENDED: &[&str] =
    &["session_id", "ended_at", "signal", "unread_count", "unanswered_count", "ended_unread", "ended_unanswered"];

on_both_backends!(events_before_the_session_start_count, before_start);
async fn before_start(backend: Backend) {
    // LiveChat: a message stamped before its thread's start (clock skew) and an agent read receipt that names
    // no thread.
    let b = EventBuilder::new("livechat", "C1");
    let events = [
        msg(&b, 10, "T1_1", "contact", Some("cust"), false).session("T1"),
        seen(&b, 10, "agent", "a@x.com"),
        b.at(Kind::SessionStarted, 12).session("T1").agent("a@x.com").body(change(None, None)),
        msg(&b, 20, "T1_2", "contact", Some("cust"), false).session("T1"),
    ];
    let s = run(backend, &events, 1).await;
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, STATE),
        [text("T1"), text("read_watermark"), int(1), int(2), at(20), at(10), at(10), yes(false)]
    );
    assert!(s.sessions.is_empty());
}

on_both_backends!(a_chat_with_everything_answered_keeps_a_zero_row, all_answered);
async fn all_answered(backend: Backend) {
    let b = EventBuilder::new("freshchat", "C2");
    let events = [
        msg(&b, 1, "m1", "contact", Some("cust"), false).session("I"),
        msg(&b, 2, "m2", "agent", Some("ag"), false).session("I"),
    ];
    let s = run(backend, &events, 10).await;
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, &[STATE, &["as_of"]].concat()),
        [text("I"), text("unanswered"), int(0), int(0), N, N, N, yes(false), at(2)]
    );
}

on_both_backends!(bots_system_messages_and_internal_notes_do_not_answer, no_real_answer);
async fn no_real_answer(backend: Backend) {
    let b = EventBuilder::new("chatwoot", "C3");
    let events = [
        msg(&b, 1, "1", "contact", Some("17"), false),
        msg(&b, 2, "2", "bot", Some("bot-1"), false),
        msg(&b, 3, "3", "system", None, false),
        msg(&b, 4, "4", "agent", Some("1"), true),
    ];
    let s = run(backend, &events, 10).await;
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, &["signal", "unread_count", "unanswered_count", "last_agent_message_at"]),
        [text("unanswered"), int(1), int(1), N]
    );
}

on_both_backends!(an_unread_report_without_a_count_or_an_end_event_ends_the_session, unread_no_count);
async fn unread_no_count(backend: Backend) {
    let b = EventBuilder::new("userlike", "C4");
    let events = [msg(&b, 1, "m1", "contact", Some("c"), false).session("S"), unread_at_end(&b, 5, None).session("S")];
    let s = run(backend, &events, 10).await;
    assert_eq!(
        pick(&s.sessions[0], SESSION_COLUMNS, ENDED),
        [text("S"), at(5), text("vendor_count"), N, int(1), yes(true), yes(true)]
    );
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, &["signal", "unread_count", "oldest_unread_at", "session_ended"]),
        [text("vendor_count"), N, N, yes(true)]
    );
    assert_eq!(s.daily, [vec![text("acme"), text("userlike"), N, day(0), int(1), int(1), int(1), int(1)]]);
}

on_both_backends!(missing_ids_events_without_a_chat_or_a_session, missing_ids);
async fn missing_ids(backend: Backend) {
    let b = EventBuilder::new("freshchat", "C5");
    let no_chat = EventBuilder::without_chat("freshchat");
    let events = [
        no_chat.at(Kind::Message, 1).body(message(Some("x"), "contact", Some("c"), false)),
        msg(&b, 0, "m0", "contact", Some("c"), false).session("I1"),
        // Without an interaction id: joins the interaction open at its time.
        msg(&b, 5, "m5", "contact", Some("c"), false),
        b.at(Kind::SessionEnded, 10).session("I1").body(change(Some("resolved"), Some("agent"))),
        b.at(Kind::SessionReopened, 20).session("I2").body(change(Some("reopened"), None)),
        msg(&b, 25, "m25", "contact", Some("c"), false).session("I2"),
        msg(&b, 30, "m30", "contact", Some("c"), false),
    ];
    let s = run(backend, &events, 2).await;
    assert_eq!(s.chats.len(), 1, "the event without a chat makes no row");
    assert_eq!(
        pick(&s.sessions[0], SESSION_COLUMNS, ENDED),
        [text("I1"), at(10), text("unanswered"), N, int(2), N, yes(true)]
    );
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, STATE),
        [text("I2"), text("unanswered"), int(2), int(2), at(25), at(25), N, yes(false)]
    );
}

on_both_backends!(a_stale_snapshot_does_not_move_the_read_watermark_back, stale_snapshot);
async fn stale_snapshot(backend: Backend) {
    // Chatwoot snapshots arrive out of order: one read at 30, then an older delivery saying 20.
    let b = EventBuilder::new("chatwoot", "C6");
    let events = [
        msg(&b, 10, "1", "contact", Some("17"), false),
        seen(&b, 30, "agent", "1"),
        msg(&b, 50, "2", "contact", Some("17"), false),
        seen(&b, 20, "agent", "1"),
    ];
    let s = run(backend, &events, 1).await;
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, STATE),
        [text("1"), text("read_watermark"), int(1), int(2), at(50), at(10), at(30), yes(false)]
    );
}

on_both_backends!(a_reopen_of_the_same_interaction_undoes_its_end, reopen_same_session);
async fn reopen_same_session(backend: Backend) {
    let b = EventBuilder::new("freshchat", "C7");
    let events = [
        msg(&b, 1, "m1", "contact", Some("c"), false).session("I"),
        b.at(Kind::SessionEnded, 10).session("I").body(change(Some("resolved"), Some("agent"))),
        b.at(Kind::SessionReopened, 20).session("I").body(change(Some("reopened"), None)),
        msg(&b, 25, "m25", "contact", Some("c"), false).session("I"),
    ];
    let s = run(backend, &events, 10).await;
    assert!(s.sessions.is_empty(), "no ended session: {:?}", s.sessions);
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, STATE),
        [text("I"), text("unanswered"), int(2), int(2), at(1), at(1), N, yes(false)]
    );
}

on_both_backends!(sessions_ending_either_side_of_midnight_fall_on_their_utc_days, midnight);
async fn midnight(backend: Backend) {
    let d1 = EventBuilder::new("freshchat", "D1");
    let d2 = EventBuilder::new("freshchat", "D2");
    let mut before = d1.at(Kind::SessionEnded, 86_400).session("I").body(change(None, None));
    before.occurred_at_micros -= 1;
    let events = [
        msg(&d1, 100, "m1", "contact", Some("c"), false).session("I"),
        before,
        msg(&d2, 100, "m1", "contact", Some("c"), false).session("I"),
        msg(&d2, 200, "m2", "agent", Some("a"), false).session("I"),
        d2.at(Kind::SessionEnded, 86_400).session("I").body(change(None, None)),
    ];
    let s = run(backend, &events, 10).await;
    assert_eq!(pick(row_of(&s.sessions, "D1"), SESSION_COLUMNS, &["day"]), [day(0)]);
    assert_eq!(pick(row_of(&s.sessions, "D2"), SESSION_COLUMNS, &["day"]), [day(1)]);
    assert_eq!(
        s.daily,
        [
            vec![text("acme"), text("freshchat"), N, day(0), int(1), int(0), int(1), int(0)],
            vec![text("acme"), text("freshchat"), N, day(1), int(1), int(0), int(0), int(0)],
        ]
    );
}

on_both_backends!(a_read_after_the_end_does_not_unmark_the_ended_session, read_after_end);
async fn read_after_end(backend: Backend) {
    // Chatwoot: resolved at 20 with the contact's message unread; the agent opens it at 30.
    let b = EventBuilder::new("chatwoot", "C9");
    let events = [
        msg(&b, 10, "1", "contact", Some("17"), false),
        b.at(Kind::SessionEnded, 20).body(change(Some("resolved"), Some("agent"))),
        seen(&b, 30, "agent", "1"),
    ];
    let s = run(backend, &events, 10).await;
    assert_eq!(
        pick(&s.sessions[0], SESSION_COLUMNS, &[ENDED, &["agent_read_up_to"]].concat()),
        [text("1"), at(20), text("read_watermark"), int(1), int(1), yes(true), yes(true), N]
    );
    assert_eq!(
        pick(&s.chats[0], CHAT_COLUMNS, STATE),
        [text("1"), text("read_watermark"), int(0), int(1), N, at(10), at(30), yes(true)]
    );
}

on_both_backends!(the_same_chat_id_in_two_tenants_makes_two_rows, tenants);
async fn tenants(backend: Backend) {
    let b = EventBuilder::new("livechat", "SAME");
    let events = [
        msg(&b, 1, "a", "contact", Some("c"), false).session("T"),
        msg(&b, 2, "b", "contact", Some("c"), false).session("T").tenant("beta"),
        msg(&b, 3, "c", "contact", Some("c"), false).session("T").tenant("beta"),
    ];
    let s = run(backend, &events, 10).await;
    let counts: Vec<_> = s.chats.iter().map(|r| pick(r, CHAT_COLUMNS, &["tenant", "unanswered_count"])).collect();
    assert_eq!(counts, [vec![text("acme"), int(1)], vec![text("beta"), int(2)]]);
}

on_both_backends!(assignment_follows_agent_and_group_changes, assignments);
async fn assignments(backend: Backend) {
    let agent = (Some("a1"), Some("g1"));
    let mut events = Vec::new();
    for chat in ["keep", "clear"] {
        let b = EventBuilder::new("freshchat", chat);
        events.push(msg(&b, 0, "m0", "contact", Some("c"), false).session("I"));
        events.push(assignment(&b, Kind::Assigned, 1, (None, None), agent).session("I"));
        // A group-only transfer keeps the agent.
        events.push(assignment(&b, Kind::Transferred, 2, (None, Some("g1")), (None, Some("g2"))).session("I"));
        if chat == "clear" {
            // Away from the agent to nobody.
            events.push(assignment(&b, Kind::Transferred, 3, (Some("a1"), None), (None, None)).session("I"));
        }
        // The closing agent counts only when no agent is known.
        events.push(b.at(Kind::SessionEnded, 4).session("I").agent("closer").body(change(None, Some("agent"))));
    }
    let s = run(backend, &events, 10).await;
    let who = |chat: &str| pick(row_of(&s.chats, chat), CHAT_COLUMNS, &["assigned_agent_id", "assigned_group_id"]);
    assert_eq!(who("keep"), [text("a1"), text("g2")]);
    assert_eq!(who("clear"), [text("closer"), text("g2")]);
    assert_eq!(pick(row_of(&s.sessions, "keep"), SESSION_COLUMNS, &["agent_id", "group_id"]), [text("a1"), text("g2")]);
}
