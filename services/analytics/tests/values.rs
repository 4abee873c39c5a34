//! What the views show for a seeded store (see `common::all_events`), with every value worked out by hand from
//! the events.

mod common;

use chatstream_analytics::view;
use chatstream_projector::testing::T0_MICROS;
use chatstream_projector::{Backend, ColType, Val};
use common::*;

const SESSION_KEY: &str = "tenant, platform, chat_id, session_id";

async fn sessions_with_response_times_counts_tags_and_ratings(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let rows = rows(&store, "fact_sessions", "", SESSION_KEY).await;
    let columns = [
        "time",
        "day",
        "chat_id",
        "status",
        "ended_by",
        "duration_seconds",
        "first_response_seconds",
        "messages_contact",
        "messages_agent",
        "internal_notes",
        "agents_involved",
        "first_agent_id",
        "last_agent_id",
        "transfers",
        "tags",
        "rating_normalized",
        "group_id",
    ];
    let got: Vec<Vec<Val>> = rows.iter().map(|r| r.pick(&columns)).collect();
    let r = Val::Real;
    let i = Val::Int;
    let null = Val::Null;
    assert_eq!(
        got,
        [
            // Chatwoot 42, open: two contact messages, no reply yet; rated 2 of 5 (0.25); no tags on Chatwoot.
            vec![
                at(HOUR),
                at(0),
                text("42"),
                text("open"),
                null.clone(),
                null.clone(),
                null.clone(),
                i(2),
                i(0),
                i(0),
                i(1),
                text("1"),
                text("1"),
                i(0),
                null.clone(),
                r(0.25),
                null.clone(),
            ],
            // Freshchat FC1 (2026-01-02): contact at 00:00:00, fa answers at 00:00:40, resolved at 00:01:02.
            vec![
                at(DAY),
                at(DAY),
                text("FC1"),
                text("ended"),
                text("agent"),
                r(62.0),
                r(40.0),
                i(1),
                i(1),
                i(0),
                i(1),
                text("fa"),
                text("fa"),
                i(0),
                null.clone(),
                null.clone(),
                text("g1"),
            ],
            // LiveChat LC1: contact at 4 s, smith answers at 30 s (26 s); transferred to jones (group 19), who
            // answers and leaves a note; ended by the contact at 120 s; tagged vip; rated 1 on 0..1.
            vec![
                at(0),
                at(0),
                text("LC1"),
                text("ended"),
                text("contact"),
                r(120.0),
                r(26.0),
                i(1),
                i(2),
                i(1),
                i(2),
                text("smith"),
                text("jones"),
                i(1),
                text("vip"),
                r(1.0),
                text("19"),
            ],
            // Userlike 4711 on 2026-01-05: never answered; ended 61 s after the start; rated 4 of 5 (0.75).
            vec![
                at(4 * DAY),
                at(4 * DAY),
                text("4711"),
                text("ended"),
                null.clone(),
                r(61.0),
                null.clone(),
                i(1),
                i(0),
                i(0),
                i(1),
                text("7"),
                text("7"),
                i(0),
                null.clone(),
                r(0.75),
                null.clone(),
            ],
            // globex G1: answered by zed after 60 s, still open; a LiveChat session without tags has "".
            vec![
                at(0),
                at(0),
                text("G1"),
                text("open"),
                null.clone(),
                null.clone(),
                r(60.0),
                i(1),
                i(1),
                i(0),
                i(1),
                text("zed"),
                text("zed"),
                i(0),
                text(""),
                null.clone(),
                null,
            ],
        ]
    );
    // The times behind first_response_seconds, on the LiveChat session.
    let lc = rows.iter().find(|r| r.get("chat_id") == &text("LC1")).unwrap();
    assert_eq!(
        lc.pick(&["started_at", "ended_at", "first_contact_message_at", "first_agent_reply_at"]),
        [at(0), at(120), at(4), at(30)]
    );
    assert_eq!(lc.pick(&["rated_at", "contact_id", "messages_bot"]), [at(150), text("cust1"), Val::Int(0)]);
}
on_both_backends!(sessions, sessions_with_response_times_counts_tags_and_ratings);

async fn session_agents_timeline_and_messages(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let lc1 = "WHERE tenant = 'acme' AND chat_id = 'LC1'";
    let agents = rows(&store, "fact_session_agents", lc1, "agent_id").await;
    let columns =
        ["time", "agent_id", "first_involved_at", "last_involved_at", "messages", "internal_notes", "assigned"];
    assert_eq!(
        agents.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            // jones: transferred to at 60 s (assigned), message at 75 s, note at 80 s.
            vec![at(60), text("jones"), at(60), at(80), Val::Int(1), Val::Int(1), Val::Bool(true)],
            // smith: the thread's agent from its start, answered at 30 s; never assigned.
            vec![at(0), text("smith"), at(0), at(30), Val::Int(1), Val::Int(0), Val::Bool(false)],
        ]
    );

    let events = rows(&store, "fact_session_events", lc1, "seq").await;
    let kinds: Vec<Val> = events.iter().map(|r| r.get("kind").clone()).collect();
    let expected_kinds = [
        "session_started",
        "message",
        "message",
        "tagged",
        "transferred",
        "message",
        "message",
        "seen",
        "session_ended",
        "survey_answered",
        "rating",
    ];
    assert_eq!(kinds, expected_kinds.map(text));
    let seqs: Vec<Val> = events.iter().map(|r| r.get("seq").clone()).collect();
    assert_eq!(seqs, (1..=11).map(Val::Int).collect::<Vec<_>>());
    let transfer = &events[4];
    assert_eq!(
        transfer.pick(&["time", "occurred_at", "event_id", "actor_role", "actor_id", "internal", "summary"]),
        [
            at(60),
            at(60),
            text("lc-transfer"),
            text("agent"),
            text("jones"),
            Val::Bool(false),
            text("transferred to agent jones (group 19)"),
        ]
    );

    // Only the message events, with their day; the internal note is among them, flagged.
    let messages = rows(&store, "fact_messages", lc1, "seq").await;
    let columns = ["time", "day", "seq", "event_id", "kind", "actor_role", "actor_id", "internal"];
    assert_eq!(
        messages.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            (4, 2, "lc-m1", "contact", "cust1", false),
            (30, 3, "lc-m2", "agent", "smith", false),
            (75, 6, "lc-m3", "agent", "jones", false),
            (80, 7, "lc-note", "agent", "jones", true),
        ]
        .map(|(s, seq, id, role, actor, internal)| vec![
            at(s),
            at(0),
            Val::Int(seq),
            text(id),
            text("message"),
            text(role),
            text(actor),
            Val::Bool(internal),
        ])
    );
    let all_messages = rows(&store, "fact_messages", "", "tenant, platform, chat_id, seq").await;
    assert_eq!(all_messages.len(), 11, "4 LiveChat + 2 Chatwoot + 2 Freshchat + 1 Userlike + 2 globex messages");
    let userlike = all_messages.iter().find(|r| r.get("platform") == &text("userlike")).unwrap();
    assert_eq!(userlike.pick(&["time", "day"]), [at(4 * DAY + 10), at(4 * DAY)]);
}
on_both_backends!(session_agents_and_timeline, session_agents_timeline_and_messages);

async fn agent_status_intervals_hours_per_day_and_now(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let intervals = rows(&store, "fact_agent_status_intervals", "WHERE agent_id = 'smith'", "time").await;
    let columns = ["time", "status", "vendor_status", "started_at", "ended_at", "duration_seconds"];
    assert_eq!(
        intervals.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            vec![
                at(8 * HOUR),
                text("accepting_chats"),
                text("accepting chats"),
                at(8 * HOUR),
                at(12 * HOUR),
                Val::Real(4.0 * 3600.0),
            ],
            vec![
                at(12 * HOUR),
                text("not_accepting_chats"),
                text("not accepting chats"),
                at(12 * HOUR),
                at(22 * HOUR),
                Val::Real(10.0 * 3600.0),
            ],
            vec![
                at(22 * HOUR),
                text("accepting_chats"),
                text("accepting chats"),
                at(22 * HOUR),
                at(DAY + 2 * HOUR),
                Val::Real(4.0 * 3600.0),
            ],
            // The current interval is open.
            vec![at(DAY + 2 * HOUR), text("offline"), text("offline"), at(DAY + 2 * HOUR), Val::Null, Val::Null],
        ]
    );

    // 08–12 and 22–24 accepting on day 1 (6 h), 12–22 not accepting (10 h), 00–02 accepting on day 2 (2 h);
    // bob accepted 08:30–09:00 before being deleted (0.5 h). The open offline interval counts nothing yet.
    let daily = rows(&store, "fact_agent_status_daily", "", "agent_id, day, status").await;
    let columns = ["time", "day", "agent_id", "status", "seconds", "hours"];
    assert_eq!(
        daily.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            (0, "bob", "accepting_chats", 0.5),
            (0, "smith", "accepting_chats", 6.0),
            (0, "smith", "not_accepting_chats", 10.0),
            (DAY, "smith", "accepting_chats", 2.0),
        ]
        .map(|(day, agent, status, hours)| vec![
            at(day),
            at(day),
            text(agent),
            text(status),
            Val::Real(hours * 3600.0),
            Val::Real(hours),
        ])
    );

    // bob was deleted and newbie has no status: only smith is shown now.
    let now = rows(&store, "fact_agent_status_now", "", "agent_id").await;
    let columns = ["time", "tenant", "platform", "agent_id", "status", "vendor_status", "since", "as_of", "is_bot"];
    assert_eq!(
        now.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [vec![
            at(DAY + 2 * HOUR),
            text("acme"),
            text("livechat"),
            text("smith"),
            text("offline"),
            text("offline"),
            at(DAY + 2 * HOUR),
            at(DAY + 2 * HOUR),
            Val::Null,
        ]]
    );
}
on_both_backends!(agent_status, agent_status_intervals_hours_per_day_and_now);

async fn ratings_csat_and_survey_answers(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let ratings = rows(&store, "fact_ratings", "", "time").await;
    let columns = [
        "time",
        "day",
        "platform",
        "chat_id",
        "session_id",
        "agent_id",
        "rated_at",
        "vendor_score",
        "scale_min",
        "scale_max",
        "normalized_score",
        "satisfied",
        "comment",
    ];
    assert_eq!(
        ratings.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            // LiveChat thumbs-up, attributed to jones, the session's last handling agent.
            (150, 0, "livechat", "LC1", "T1", "jones", (1.0, 0.0, 1.0, 1.0), true),
            // Chatwoot 2 of 5 for agent 1: (2 − 1) / (5 − 1) = 0.25, not satisfied.
            (HOUR + 200, 0, "chatwoot", "42", "1", "1", (2.0, 1.0, 5.0, 0.25), false),
            // Userlike 4 of 5 for operator 7: 0.75, satisfied.
            (4 * DAY + 70, 4 * DAY, "userlike", "4711", "u1", "7", (4.0, 1.0, 5.0, 0.75), true),
        ]
        .map(|(s, day, platform, chat, session, agent, (score, min, max, normalized), satisfied)| vec![
            at(s),
            at(day),
            text(platform),
            text(chat),
            text(session),
            text(agent),
            at(s),
            Val::Real(score),
            Val::Real(min),
            Val::Real(max),
            Val::Real(normalized),
            Val::Bool(satisfied),
            Val::Null,
        ])
    );

    // CSAT over the seeded month: 2 of 3 ratings satisfied; average score (1 + 0.25 + 0.75) / 3.
    let sql = format!(
        "SELECT COUNT(*), SUM(CASE WHEN satisfied THEN 1 ELSE 0 END), AVG(normalized_score) FROM {}
         WHERE tenant = $1 AND time >= $2 AND time < $3",
        view(backend, "fact_ratings")
    );
    let csat = store
        .fetch(&sql, &[text("acme"), at(0), at(31 * DAY)], &[ColType::Int, ColType::Int, ColType::Real])
        .await
        .unwrap();
    assert_eq!(csat, [vec![Val::Int(3), Val::Int(2), Val::Real(2.0 / 3.0)]]);

    let answers = rows(&store, "fact_survey_answers", "", "time").await;
    let columns = [
        "time",
        "day",
        "tenant",
        "platform",
        "chat_id",
        "session_id",
        "agent_id",
        "form_type",
        "question",
        "answer",
        "answered_at",
    ];
    assert_eq!(
        answers.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [vec![
            at(131),
            at(0),
            text("acme"),
            text("livechat"),
            text("LC1"),
            text("T1"),
            text("jones"),
            text("postchat"),
            text("How would you rate the chat?"),
            text("Good"),
            at(131),
        ]]
    );
}
on_both_backends!(ratings, ratings_csat_and_survey_answers);

async fn unread_now_and_sessions_ended_unread_per_day(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    // Only Chatwoot 42 is waiting: LC1, FC1 and 4711 ended, globex's G1 was answered. Agent 1 has read up to
    // the first message (01:00:05), so the second (01:00:20) is unread; neither is answered.
    let unread = rows(&store, "fact_unread_now", "", "time").await;
    let columns = [
        "time",
        "tenant",
        "platform",
        "chat_id",
        "session_id",
        "signal",
        "unread_count",
        "unanswered_count",
        "waiting_since",
        "oldest_unread_at",
        "oldest_unanswered_at",
        "last_contact_message_at",
        "assigned_agent_id",
        "assigned_group_id",
    ];
    assert_eq!(
        unread.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [vec![
            at(HOUR + 20),
            text("acme"),
            text("chatwoot"),
            text("42"),
            text("1"),
            text("read_watermark"),
            Val::Int(1),
            Val::Int(2),
            at(HOUR + 20),
            at(HOUR + 20),
            at(HOUR + 5),
            at(HOUR + 20),
            text("1"),
            Val::Null,
        ]]
    );
    // waiting_seconds is now − waiting_since, from the database's clock.
    let Val::Real(waiting) = unread[0].get("waiting_seconds").clone() else { panic!("{:?}", unread[0]) };
    let now_micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64;
    let expected = (now_micros - (T0_MICROS + (HOUR + 20) * 1_000_000)) as f64 / 1e6;
    assert!((waiting - expected).abs() < 60.0, "waiting_seconds {waiting}, expected about {expected}");

    // LC1 ended on day 1 in group 19 with everything read and answered; FC1 on day 2 in group g1, answered but
    // without read state (Freshchat); 4711 on day 5 without a group, with Userlike's own count of 1 unread
    // and no reply.
    let daily = rows(&store, "fact_sessions_ended_unread_daily", "", "day").await;
    let columns = [
        "time",
        "day",
        "tenant",
        "platform",
        "group_id",
        "sessions_ended",
        "sessions_ended_unread",
        "sessions_ended_unanswered",
        "sessions_unread_known",
    ];
    assert_eq!(
        daily.iter().map(|r| r.pick(&columns)).collect::<Vec<_>>(),
        [
            (0, "livechat", Some("19"), [1, 0, 0, 1]),
            (DAY, "freshchat", Some("g1"), [1, 0, 0, 0]),
            (4 * DAY, "userlike", None, [1, 1, 1, 1]),
        ]
        .map(|(day, platform, group, counts)| {
            let mut row = vec![at(day), at(day), text("acme"), text(platform), Val::from(group)];
            row.extend(counts.map(Val::Int));
            row
        })
    );
}
on_both_backends!(unread, unread_now_and_sessions_ended_unread_per_day);

async fn dimensions(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let tenants = rows(&store, "dim_tenant", "", "tenant").await;
    assert_eq!(tenants.iter().map(|r| r.values.clone()).collect::<Vec<_>>(), [[text("acme")], [text("globex")]]);

    let platforms = rows(&store, "dim_platform", "", "platform").await;
    assert_eq!(
        platforms.iter().map(|r| r.values.clone()).collect::<Vec<_>>(),
        [("chatwoot", "Chatwoot"), ("freshchat", "Freshchat"), ("livechat", "LiveChat"), ("userlike", "Userlike")]
            .map(|(p, d)| vec![text(p), text(d)])
    );

    let agents = rows(&store, "dim_agent", "", "tenant, platform, agent_id").await;
    let b = |v: Option<bool>| v.map_or(Val::Null, Val::Bool);
    assert_eq!(
        agents.iter().map(|r| r.values.clone()).collect::<Vec<_>>(),
        [
            // Agents only seen in sessions: no roster, no status (Chatwoot's, Freshchat's, Userlike's here).
            ("acme", "chatwoot", "1", None, None, false),
            ("acme", "freshchat", "fa", None, None, false),
            // Deleted from the roster: removed, offline.
            ("acme", "livechat", "bob", Some(false), Some("offline"), true),
            ("acme", "livechat", "jones", None, None, false),
            // Created in the roster, no status yet.
            ("acme", "livechat", "newbie", Some(false), None, false),
            ("acme", "livechat", "smith", None, Some("offline"), false),
            ("acme", "userlike", "7", None, None, false),
            ("globex", "livechat", "zed", None, None, false),
        ]
        .map(|(tenant, platform, agent, is_bot, status, removed)| vec![
            text(tenant),
            text(platform),
            text(agent),
            b(is_bot),
            Val::from(status),
            Val::Bool(removed),
        ])
    );

    let groups = rows(&store, "dim_group", "", "tenant, platform, group_id").await;
    assert_eq!(
        groups.iter().map(|r| r.values.clone()).collect::<Vec<_>>(),
        [("freshchat", "g1"), ("livechat", "19")].map(|(p, g)| vec![text("acme"), text(p), text(g)])
    );

    // The facts cover 2026-01-01 (Thursday) to 2026-01-05 (Monday): five days, no gaps; the week of the
    // first four starts on Monday 2025-12-29.
    let dates = rows(&store, "dim_date", "", "time").await;
    let monday_before = at(-3 * DAY);
    assert_eq!(
        dates.iter().map(|r| r.values.clone()).collect::<Vec<_>>(),
        [
            (0, "2026-01-01", 1, 4, monday_before.clone()),
            (1, "2026-01-02", 2, 5, monday_before.clone()),
            (2, "2026-01-03", 3, 6, monday_before.clone()),
            (3, "2026-01-04", 4, 7, monday_before),
            (4, "2026-01-05", 5, 1, at(4 * DAY)),
        ]
        .map(|(n, date, day_of_month, weekday, week_start)| vec![
            at(n * DAY),
            at(n * DAY),
            text(date),
            Val::Int(2026),
            Val::Int(1),
            Val::Int(day_of_month),
            Val::Int(weekday),
            week_start,
        ])
    );
}
on_both_backends!(dimension_views, dimensions);

/// An empty store has empty views (dim_platform aside), and the dates dimension is empty rather than failing.
async fn empty_store(backend: Backend) {
    let (store, _guard) = chatstream_projector::testing::fresh_store(backend).await.unwrap();
    chatstream_analytics::prepare(&store).await.unwrap();
    for v in chatstream_analytics::VIEWS {
        let found = rows(&store, v.name, "", "1").await.len();
        let expected = if v.name == "dim_platform" { 4 } else { 0 };
        assert_eq!(found, expected, "{}", v.name);
    }
}
on_both_backends!(empty, empty_store);

/// What the query API does: tenant and a half-open time range as bound parameters (µs times bind as
/// timestamptz on PostgreSQL and as ISO text on SQLite) select the same rows on both backends.
async fn tenant_and_time_parameters(backend: Backend) {
    let (store, _guard) = seeded_store(backend).await;
    let count = |name: &str| {
        format!("SELECT COUNT(*) FROM {} WHERE tenant = $1 AND time >= $2 AND time < $3", view(backend, name))
    };
    let cases = [
        // [2026-01-01, 2026-01-02): LC1 and Chatwoot 42 (globex's G1 is another tenant).
        ("fact_sessions", 0, DAY, 2),
        // Exactly at a start: included; exactly at the end: excluded.
        ("fact_sessions", DAY, 4 * DAY, 1),
        ("fact_sessions", 4 * DAY, 4 * DAY + 1, 1),
        ("fact_sessions", 0, 0, 0),
        ("fact_messages", 0, DAY, 6),
        ("fact_session_events", HOUR, 2 * HOUR, 6),
        ("fact_session_agents", 0, 61, 2),
        ("fact_agent_status_intervals", 0, DAY, 5),
        ("fact_agent_status_daily", DAY, 2 * DAY, 1),
        ("fact_agent_status_now", DAY, 2 * DAY, 1),
        ("fact_ratings", 0, DAY, 2),
        ("fact_survey_answers", 0, DAY, 1),
        ("fact_unread_now", HOUR, 2 * HOUR, 1),
        ("fact_sessions_ended_unread_daily", 0, 5 * DAY, 3),
    ];
    for (name, from, to, expected) in cases {
        let got = store.fetch(&count(name), &[text("acme"), at(from), at(to)], &[ColType::Int]).await.unwrap();
        assert_eq!(got, [[Val::Int(expected)]], "{name} in [{from}, {to})");
    }
}
on_both_backends!(tenant_and_time_filters, tenant_and_time_parameters);
