//! Edge cases users hit: events before the start, missing ids, vendor resends, lost deliveries, ties at a
//! reopen, chats without any session event, tenants sharing chat ids, rows that shrink later, and the
//! `sessions_daily` view.

mod common;

use chatstream_projector::testing::{apply_events, EventExt, T0_MICROS};
use chatstream_projector::{Backend, ColType, Val};
use chatstream_schema::{Body, Kind};
use common::*;

async fn events_before_the_start_stay_in_the_session(backend: Backend) {
    use common::livechat::*;
    let events = vec![
        seen_by_customer(-s(10)),
        msg(-s(5), THREAD, 1, CUSTOMER, false, "text", 9),
        started(0, THREAD, SMITH),
        msg(s(10), THREAD, 2, SMITH, false, "text", 11),
    ];
    let (store, _g) = store_with(backend, &events, 10).await;
    let row = session(&store, CHAT, THREAD).await;
    assert_eq!(row["started_at"], at(0), "the vendor's start, even with earlier events");
    assert_eq!(row["first_contact_message_at"], at(-s(5)));
    assert_eq!(row["first_response_seconds"], Val::Real(15.0));
    assert_eq!(row["last_event_at"], at(s(10)));
    assert_eq!(row["duration_seconds"], Val::Null);
    let kinds: Vec<String> = timeline(&store, CHAT, THREAD).await.into_iter().map(|r| r.1).collect();
    assert_eq!(kinds, ["seen", "message", "session_started", "message"], "a read before any thread joins the first");
}
both_backends!(events_before_the_start_stay_in_the_session);

async fn missing_ids_are_tolerated(backend: Backend) {
    use common::livechat::*;
    let mut no_chat = ev("chatwoot", "x", Kind::ContactUpdated, 0, "cw-contact", "contact_updated")
        .contact("17")
        .body(Body::ContactChange { changed: vec![] });
    no_chat.chat_id = None;
    let anonymous_agent = ev("livechat", CHAT, Kind::Message, s(20), "lc-anon", "incoming_event")
        .session(THREAD)
        .body(message("agent", None, Some("x"), false, "text", 5));
    let events = vec![
        no_chat,
        rated(s(1), 1.0),
        started(s(2), THREAD, SMITH),
        msg(s(3), THREAD, 1, CUSTOMER, false, "text", 4),
        anonymous_agent,
    ];
    let (store, _g) = store_with(backend, &events, 2).await;
    let all = rows(&store, "sessions").await;
    assert_eq!(all.len(), 1, "the event without a chat makes no row");
    let row = &all[0];
    assert_eq!(row["rated_at"], at(s(1)), "a rating without a thread, before it, joins the chat's first thread");
    assert_eq!(row["messages_agent"], Val::Int(1));
    assert_eq!(row["first_agent_reply_at"], at(s(20)), "a reply by an unnamed agent is still a reply");
    assert_eq!(row["agents_involved"], Val::Int(1), "only the routed agent is known");
    assert_eq!(row["last_agent_id"], Val::from(SMITH));
}
both_backends!(missing_ids_are_tolerated);

async fn a_resent_fact_keeps_its_earliest_copy(backend: Backend) {
    use common::chatwoot::*;
    let assigned = |micros: i64| {
        ev("chatwoot", CHAT, Kind::Assigned, micros, "cw-assigned-1", "conversation_updated")
            .agent("1")
            .contact(CONTACT)
            .body(chatstream_schema::Body::Assignment {
                from_agent_id: None,
                to_agent_id: Some("1".into()),
                from_group_id: None,
                to_group_id: None,
                reason: None,
            })
    };
    let start = ev("chatwoot", CHAT, Kind::SessionStarted, 0, "cw-start", "conversation_created")
        .contact(CONTACT)
        .body(change(Some("open"), None, None));
    let (store, _g) = fresh_store_for(backend).await;
    let p = chatstream_projection_sessions::projection();
    // The later snapshot arrives first, the earlier one in a later batch.
    apply_events(&store, p.clone(), &[start, assigned(s(50))], 10).await.unwrap();
    assert_eq!(rows(&store, "session_agents").await[0]["first_involved_at"], at(s(50)));
    apply_events(&store, p.clone(), &[assigned(s(20))], 10).await.unwrap();
    let agents = rows(&store, "session_agents").await;
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0]["first_involved_at"], at(s(20)));
    let tl = timeline(&store, CHAT, "1").await;
    assert_eq!(tl.len(), 2, "one assignment row, not two: {tl:?}");
}
both_backends!(a_resent_fact_keeps_its_earliest_copy);

async fn fresh_store_for(backend: Backend) -> (chatstream_projector::Store, chatstream_projector::testing::TempStore) {
    chatstream_projector::testing::fresh_store(backend).await.unwrap()
}

async fn a_resolved_snapshot_ends_the_session_when_the_status_event_was_lost(backend: Backend) {
    use common::chatwoot::*;
    let mut events = vec![ev("chatwoot", CHAT, Kind::SessionStarted, 0, "cw-start", "conversation_created")
        .contact(CONTACT)
        .body(change(Some("open"), None, None))];
    events.push(msg(s(5), "1", "contact", Some(CONTACT), false, "text", 3));
    // No conversation_status_changed delivery: only the next message's snapshot says resolved.
    events.extend(snapshot("message_updated", s(90), "resolved", None, None, None));
    let (store, _g) = store_with(backend, &events, 10).await;
    let row = session(&store, CHAT, "1").await;
    assert_eq!(row["ended_at"], at(s(90)));
    assert_eq!(row["status"], Val::from("ended"));
    assert_eq!(row["ended_by"], Val::Null);
    assert_eq!(row["duration_seconds"], Val::Real(90.0));
    let last = timeline(&store, CHAT, "1").await.pop().unwrap();
    assert_eq!(last, tl(3, "session_status_changed", "system", None, "status changed from open to resolved"));
}
both_backends!(a_resolved_snapshot_ends_the_session_when_the_status_event_was_lost);

async fn snapshot_facts_at_the_reopen_instant_belong_to_the_new_session(backend: Backend) {
    use common::chatwoot::*;
    let mut events = vec![
        ev("chatwoot", CHAT, Kind::SessionStarted, 0, "cw-start", "conversation_created")
            .contact(CONTACT)
            .body(change(Some("open"), None, None)),
        ev("chatwoot", CHAT, Kind::SessionEnded, s(10), "cw-end", "conversation_status_changed")
            .contact(CONTACT)
            .body(change(Some("resolved"), Some("open"), None)),
        ev("chatwoot", CHAT, Kind::SessionReopened, s(20), "cw-zz-reopen", "conversation_status_changed")
            .contact(CONTACT)
            .body(change(Some("open"), Some("resolved"), None)),
    ];
    // Ids sorting before the reopen's, at the same instant (real ids are hashes: any order happens).
    events.extend(snapshot("conversation_status_changed", s(20), "open", Some("3"), None, None));
    let (store, _g) = store_with(backend, &events, 10).await;
    let first = session(&store, CHAT, "1").await;
    assert_eq!(first["agents_involved"], Val::Int(0));
    assert_eq!(first["last_event_at"], at(s(10)));
    let second = session(&store, CHAT, "2").await;
    assert_eq!(second["first_agent_id"], Val::from("3"));
    assert_eq!(second["status"], Val::from("open"));
    assert_eq!(
        timeline(&store, CHAT, "2").await,
        vec![
            tl(1, "session_reopened", "system", None, "session reopened (open)"),
            tl(2, "assigned", "agent", Some("3"), "assigned to agent 3"),
        ]
    );
}
both_backends!(snapshot_facts_at_the_reopen_instant_belong_to_the_new_session);

async fn freshchat_without_interaction_ids_splits_at_the_reopen(backend: Backend) {
    let chat = "4d5b2a6e-8c31-4f0e-9a7b-1e2d3c4b5a69_b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e_feedback";
    let contact = "b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e";
    let agent = "71c3e1a2-9b8d-4f6e-a5c4-3b2a1f0e9d8c";
    let m = |micros: i64, id: &str, role: &str| {
        let author = if role == "agent" { agent } else { contact };
        let e = ev("freshchat", chat, Kind::Message, micros, id, "message_create").contact(contact);
        let e = if role == "agent" { e.agent(agent) } else { e };
        e.body(message(role, Some(author), Some(id), false, "text", 10))
    };
    let events = vec![
        m(0, "m1", "contact"),
        m(s(30), "m2", "agent"),
        ev("freshchat", chat, Kind::SessionEnded, s(60), "r1", "conversation_resolution")
            .agent(agent)
            .contact(contact)
            .body(change(Some("resolved"), None, Some("agent"))),
        ev("freshchat", chat, Kind::SessionReopened, s(3600), "o1", "conversation_reopen")
            .agent(agent)
            .contact(contact)
            .body(change(Some("reopen"), None, None)),
        m(s(3601), "m3", "contact"),
    ];
    let (store, _g) = store_with(backend, &events, 10).await;
    let first = session(&store, chat, "1").await;
    assert_eq!((first["status"].clone(), first["first_response_seconds"].clone()), ("ended".into(), Val::Real(30.0)));
    let second = session(&store, chat, "2").await;
    assert_eq!(second["status"], Val::from("open"), "Freshchat's `reopen` reads as open");
    assert_eq!(second["started_at"], at(s(3600)));
    assert_eq!(second["ordinal"], Val::Int(2));
    assert_eq!(second["first_agent_id"], Val::from(agent), "the reopen names the conversation's agent");
}
both_backends!(freshchat_without_interaction_ids_splits_at_the_reopen);

async fn agent_status_alone_makes_no_session(backend: Backend) {
    let status = ev("chatwoot", "42", Kind::AgentStatusChanged, 0, "cw-availability", "conversation_updated")
        .agent("1")
        .body(Body::AgentStatus { status: "online".into(), vendor_status: "online".into() });
    let (store, _g) = store_with(backend, &[status], 10).await;
    for table in ["sessions", "session_agents", "session_tags", "session_timeline"] {
        assert!(rows(&store, table).await.is_empty(), "{table}");
    }
}
both_backends!(agent_status_alone_makes_no_session);

async fn the_same_chat_id_in_two_tenants_or_platforms_stays_apart(backend: Backend) {
    let mk = |platform: &str, tenant: &str, id: &str| {
        ev(platform, "1", Kind::Message, 0, id, "x")
            .tenant(tenant)
            .body(message("contact", None, None, false, "text", 1))
    };
    let events = vec![mk("chatwoot", "acme", "a"), mk("chatwoot", "globex", "b"), mk("userlike", "acme", "c")];
    let (store, _g) = store_with(backend, &events, 10).await;
    let keys: Vec<(Val, Val, Val)> = rows(&store, "sessions")
        .await
        .into_iter()
        .map(|r| (r["tenant"].clone(), r["platform"].clone(), r["session_id"].clone()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("acme".into(), "chatwoot".into(), "1".into()),
            ("acme".into(), "userlike".into(), "1".into()),
            ("globex".into(), "chatwoot".into(), "1".into()),
        ]
    );
}
both_backends!(the_same_chat_id_in_two_tenants_or_platforms_stays_apart);

async fn later_events_update_and_remove_rows(backend: Backend) {
    use common::livechat::*;
    let (store, _g) = fresh_store_for(backend).await;
    let p = chatstream_projection_sessions::projection();
    let first = [
        started(0, THREAD, SMITH),
        msg(s(2), THREAD, 1, CUSTOMER, false, "text", 5),
        tag(Kind::Tagged, s(3), THREAD, "vip"),
    ];
    apply_events(&store, p.clone(), &first, 10).await.unwrap();
    assert_eq!(rows(&store, "session_tags").await.len(), 1);
    assert_eq!(session(&store, CHAT, THREAD).await["status"], Val::from("open"));
    let later = [
        tag(Kind::Untagged, s(4), THREAD, "vip"),
        ended_by_agent(s(9), THREAD, SMITH),
        rated(s(10), 1.0),
        rating_removed(s(11), THREAD),
    ];
    apply_events(&store, p.clone(), &later, 10).await.unwrap();
    assert!(rows(&store, "session_tags").await.is_empty(), "the removed tag's row is deleted");
    let row = session(&store, CHAT, THREAD).await;
    assert_eq!(
        (row["status"].clone(), row["tag_count"].clone(), row["tags"].clone()),
        ("ended".into(), Val::Int(0), "".into())
    );
    assert_eq!((row["rating_normalized"].clone(), row["rated_at"].clone()), (Val::Null, Val::Null), "rating removed");
    assert_eq!(timeline(&store, CHAT, THREAD).await.len(), 7);
}
both_backends!(later_events_update_and_remove_rows);

async fn an_agent_greeting_before_the_question_is_no_reply(backend: Backend) {
    use common::livechat::*;
    let events = vec![
        started(0, THREAD, SMITH),
        msg(s(1), THREAD, 1, SMITH, false, "text", 8),
        msg(s(4), THREAD, 2, SMITH, true, "text", 8),
        msg(s(10), THREAD, 3, CUSTOMER, false, "text", 8),
        msg(s(15), THREAD, 4, SMITH, true, "text", 8),
        msg(s(25), THREAD, 5, SMITH, false, "text", 8),
    ];
    let (store, _g) = store_with(backend, &events, 10).await;
    let row = session(&store, CHAT, THREAD).await;
    assert_eq!(row["first_contact_message_at"], at(s(10)));
    assert_eq!(row["first_agent_reply_at"], at(s(25)), "notes are not replies");
    assert_eq!(row["first_response_seconds"], Val::Real(15.0));
    assert_eq!((row["messages_agent"].clone(), row["internal_notes"].clone()), (Val::Int(2), Val::Int(2)));
}
both_backends!(an_agent_greeting_before_the_question_is_no_reply);

async fn the_daily_view_sums_per_tenant_platform_and_utc_day(backend: Backend) {
    let mut events = livechat::scenario();
    events.extend(freshchat::scenario());
    let day = s(86_400);
    events.extend(userlike::scenario().into_iter().map(|mut e| {
        e.occurred_at_micros += day;
        e.received_at_micros += day;
        e
    }));
    let (store, _g) = store_with(backend, &events, 7).await;
    let types = [
        ColType::Text,
        ColType::Text,
        ColType::Time,
        ColType::Int,
        ColType::Int,
        ColType::Real,
        ColType::Int,
        ColType::Int,
        ColType::Real,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Int,
        ColType::Real,
    ];
    let got = store
        .fetch(
            "SELECT tenant, platform, day, sessions, sessions_ended, avg_duration_seconds,
                sessions_with_contact_message, sessions_replied, avg_first_response_seconds, messages_contact,
                messages_agent, messages_bot, internal_notes, transfers, sessions_rated, avg_rating_normalized
             FROM sessions_daily ORDER BY platform, day",
            &[],
            &types,
        )
        .await
        .unwrap();
    let d = |n: i64| Val::Time(T0_MICROS + n * 86_400_000_000);
    let i = Val::Int;
    let r = Val::Real;
    assert_eq!(
        got,
        vec![
            vec![
                "acme".into(),
                "freshchat".into(),
                d(0),
                i(2),
                i(1),
                r(62.799),
                i(1),
                i(1),
                r(54.882),
                i(2),
                i(2),
                i(0),
                i(1),
                i(1),
                i(0),
                Val::Null
            ],
            vec![
                "acme".into(),
                "livechat".into(),
                d(0),
                i(2),
                i(1),
                r(120.0),
                i(2),
                i(1),
                r(26.0),
                i(3),
                i(2),
                i(1),
                i(1),
                i(1),
                i(1),
                r(1.0)
            ],
            vec![
                "acme".into(),
                "userlike".into(),
                d(1),
                i(1),
                i(1),
                r(284.0),
                i(1),
                i(1),
                r(36.0),
                i(1),
                i(1),
                i(0),
                i(0),
                i(1),
                i(1),
                r(0.75)
            ],
        ]
    );
}
both_backends!(the_daily_view_sums_per_tenant_platform_and_utc_day);
