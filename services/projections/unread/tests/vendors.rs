//! One realistic chat per vendor (the shapes and ids of the normaliser's fixtures), with every row worked
//! out by hand; on SQLite and PostgreSQL.

mod common;

use chatstream_projector::{Backend, Val};
use common::*;

on_both_backends!(livechat_thread_read_in_part_then_a_new_thread, livechat_scenario);
async fn livechat_scenario(backend: Backend) {
    let s = run(backend, &livechat(), 1000).await;
    // Thread 1: contact at 5, 100, 110; the agent replied at 31 (the internal note at 62 is no reply) and
    // read up to 100 (the customer's own read receipt at 41 is not an agent read). Closed at 130.
    assert_eq!(
        s.sessions,
        [vec![
            text("acme"),
            text("livechat"),
            text(LC_CHAT),
            text(LC_THREAD),
            at(130),
            day(0),
            text(LC_AGENT),
            text("19"),
            text("read_watermark"),
            int(1),
            int(2),
            at(110),
            at(100),
            at(100),
            yes(true),
            yes(true),
        ]]
    );
    // Thread 2 (open): contact at 205 (read by jane) and 210 (unread); neither answered. Thread 1's
    // messages stay with thread 1.
    assert_eq!(
        s.chats,
        [vec![
            text("acme"),
            text("livechat"),
            text(LC_CHAT),
            text(LC_THREAD2),
            text("read_watermark"),
            int(1),
            int(2),
            at(210),
            at(205),
            at(210),
            at(205),
            at(31),
            text(LC_AGENT2),
            text("19"),
            yes(false),
            at(210),
        ]]
    );
    assert_eq!(s.daily, [vec![text("acme"), text("livechat"), text("19"), day(0), int(1), int(1), int(1), int(1)]]);
}

on_both_backends!(chatwoot_snapshots_resolve_reopen_resolve, chatwoot_scenario);
async fn chatwoot_scenario(backend: Backend) {
    let s = run(backend, &chatwoot(), 1000).await;
    // Period 1 (until resolved at 360): contact at 160 (answered at 195) and 300 (read: the agent's
    // watermark 355, not answered). Period 2: "thanks" at 400 (created just before the reopen at 401, so
    // it counts here), answered at 460; the contact again at 520, after the last watermark 500.
    let session = |id: &str, end: i64, unread: i64, oldest_unread: Val, read: i64, ended_unread: bool| {
        vec![
            text("acme"),
            text("chatwoot"),
            text("42"),
            text(id),
            at(end),
            day(0),
            text("1"),
            text("5"),
            text("read_watermark"),
            int(unread),
            int(1),
            oldest_unread,
            at(if id == "1" { 300 } else { 520 }),
            at(read),
            yes(ended_unread),
            yes(true),
        ]
    };
    assert_eq!(s.sessions, [session("1", 360, 0, N, 355, false), session("2", 580, 1, at(520), 500, true)]);
    assert_eq!(
        s.chats,
        [vec![
            text("acme"),
            text("chatwoot"),
            text("42"),
            text("2"),
            text("read_watermark"),
            int(1),
            int(1),
            at(520),
            at(520),
            at(520),
            at(500),
            at(460),
            text("1"),
            text("5"),
            yes(true),
            at(580),
        ]]
    );
    assert_eq!(s.daily, [vec![text("acme"), text("chatwoot"), text("5"), day(0), int(2), int(1), int(2), int(2)]]);
}

on_both_backends!(freshchat_unanswered_without_read_receipts, freshchat_scenario);
async fn freshchat_scenario(backend: Backend) {
    let s = run(backend, &freshchat(), 1000).await;
    // Interaction 1: contact at 0 and 12, only a system message and a private note: resolved unanswered.
    // Freshchat has no read receipts, so whether they were read is unknown (NULL).
    assert_eq!(
        s.sessions,
        [vec![
            text("acme"),
            text("freshchat"),
            text(FC_CHAT),
            text(FC_INTERACTION),
            at(62),
            day(0),
            text(FC_AGENT),
            text(FC_GROUP),
            text("unanswered"),
            N,
            int(2),
            N,
            at(0),
            N,
            N,
            yes(true),
        ]]
    );
    // Interaction 2: the agent wrote at 83, the contact at 90: one waiting, counted as unanswered.
    assert_eq!(
        s.chats,
        [vec![
            text("acme"),
            text("freshchat"),
            text(FC_CHAT),
            text(FC_INTERACTION2),
            text("unanswered"),
            int(1),
            int(1),
            at(90),
            at(90),
            at(90),
            N,
            at(83),
            text(FC_AGENT),
            text(FC_GROUP),
            yes(false),
            at(90),
        ]]
    );
    assert_eq!(
        s.daily,
        [vec![text("acme"), text("freshchat"), text(FC_GROUP), day(0), int(1), int(0), int(1), int(0)]]
    );
}

on_both_backends!(userlike_vendor_count_and_legacy_resends, userlike_scenario);
async fn userlike_scenario(backend: Backend) {
    let mut events = userlike();
    events.extend(userlike_legacy());
    let s = run(backend, &events, 3).await;
    // 4711: contact at 2 (answered at 38), 50 and 70; Userlike reports 2 unread at the end.
    // 69 (legacy, every fact delivered twice): contact at 1004 (answered at 1017) and 1032; no unread report.
    assert_eq!(
        s.sessions,
        [
            vec![
                text("acme"),
                text("userlike"),
                text("4711"),
                text("90211"),
                at(284),
                day(0),
                text("9"),
                text("2"),
                text("vendor_count"),
                int(2),
                int(2),
                N,
                at(50),
                N,
                yes(true),
                yes(true),
            ],
            vec![
                text("acme"),
                text("userlike"),
                text("69"),
                text("69"),
                at(1046),
                day(0),
                text("2"),
                text("2"),
                text("unanswered"),
                N,
                int(1),
                N,
                at(1032),
                N,
                N,
                yes(true),
            ],
        ]
    );
    assert_eq!(
        row_of(&s.chats, "4711"),
        &vec![
            text("acme"),
            text("userlike"),
            text("4711"),
            text("90211"),
            text("vendor_count"),
            int(2),
            int(2),
            N,
            at(50),
            at(70),
            N,
            at(38),
            text("9"),
            text("2"),
            yes(true),
            at(284),
        ]
    );
    assert_eq!(
        row_of(&s.chats, "69"),
        &vec![
            text("acme"),
            text("userlike"),
            text("69"),
            text("69"),
            text("unanswered"),
            int(1),
            int(1),
            at(1032),
            at(1032),
            at(1032),
            N,
            at(1017),
            text("2"),
            text("2"),
            yes(true),
            at(1046),
        ]
    );
    assert_eq!(s.daily, [vec![text("acme"), text("userlike"), text("2"), day(0), int(2), int(1), int(2), int(1)]]);
}
