//! One realistic session story per vendor, with every column of the expected rows worked out by hand.

mod common;

use chatstream_projector::{Backend, Val};
use common::*;

fn int(v: i64) -> Val {
    Val::Int(v)
}

fn real(v: f64) -> Val {
    Val::Real(v)
}

const NULL: Val = Val::Null;

async fn livechat_thread_with_transfer_tags_and_rerating(backend: Backend) {
    use common::livechat::*;
    let (store, _g) = store_with(backend, &scenario(), 1000).await;

    let row = session(&store, CHAT, THREAD).await;
    assert_row(
        &row,
        &[
            ("tenant", "acme".into()),
            ("platform", "livechat".into()),
            ("chat_id", CHAT.into()),
            ("session_id", THREAD.into()),
            ("ordinal", int(1)),
            ("started_at", at(0)),
            ("ended_at", at(s(120))),
            ("last_event_at", at(s(140))),
            ("status", "ended".into()),
            ("ended_by", "agent".into()),
            ("duration_seconds", real(120.0)),
            ("first_contact_message_at", at(s(4))),
            ("first_agent_reply_at", at(s(30))),
            ("first_response_seconds", real(26.0)),
            ("messages_contact", int(2)),
            ("messages_agent", int(2)),
            ("messages_bot", int(1)),
            ("messages_system", int(0)),
            ("internal_notes", int(1)),
            ("agents_involved", int(2)),
            ("first_agent_id", SMITH.into()),
            ("last_agent_id", JANE.into()),
            ("transfers", int(1)),
            ("tag_count", int(1)),
            ("tags", "billing".into()),
            ("rating_vendor_score", real(1.0)),
            ("rating_scale_min", real(0.0)),
            ("rating_scale_max", real(1.0)),
            ("rating_normalized", real(1.0)),
            ("rated_at", at(s(140))),
            ("contact_id", CUSTOMER.into()),
            ("group_id", "19".into()),
        ],
    );

    let second = session(&store, CHAT, THREAD2).await;
    assert_row(
        &second,
        &[
            ("tenant", "acme".into()),
            ("platform", "livechat".into()),
            ("chat_id", CHAT.into()),
            ("session_id", THREAD2.into()),
            ("ordinal", int(2)),
            ("started_at", at(s(1000))),
            ("ended_at", NULL),
            ("last_event_at", at(s(1010))),
            ("status", "open".into()),
            ("ended_by", NULL),
            ("duration_seconds", NULL),
            ("first_contact_message_at", at(s(1005))),
            ("first_agent_reply_at", NULL),
            ("first_response_seconds", NULL),
            ("messages_contact", int(1)),
            ("messages_agent", int(0)),
            ("messages_bot", int(0)),
            ("messages_system", int(0)),
            ("internal_notes", int(0)),
            ("agents_involved", int(1)),
            ("first_agent_id", SMITH.into()),
            ("last_agent_id", SMITH.into()),
            ("transfers", int(0)),
            ("tag_count", int(0)),
            ("tags", "".into()),
            ("rating_vendor_score", NULL),
            ("rating_scale_min", NULL),
            ("rating_scale_max", NULL),
            ("rating_normalized", NULL),
            ("rated_at", NULL),
            ("contact_id", CUSTOMER.into()),
            ("group_id", NULL),
        ],
    );

    let agents = rows(&store, "session_agents").await;
    let agent_rows: Vec<Vec<Val>> = agents
        .iter()
        .map(|r| {
            [
                "session_id",
                "agent_id",
                "first_involved_at",
                "last_involved_at",
                "messages",
                "internal_notes",
                "assigned",
            ]
            .iter()
            .map(|c| r[c].clone())
            .collect()
        })
        .collect();
    assert_eq!(
        agent_rows,
        vec![
            vec![THREAD.into(), JANE.into(), at(s(78)), at(s(120)), int(1), int(0), Val::Bool(true)],
            vec![THREAD.into(), SMITH.into(), at(0), at(s(80)), int(1), int(1), Val::Bool(false)],
            vec![THREAD2.into(), SMITH.into(), at(s(1000)), at(s(1000)), int(0), int(0), Val::Bool(false)],
        ]
    );
    assert!(agents.iter().all(|r| r["tenant"] == "acme".into() && r["chat_id"] == CHAT.into()));

    let tags = rows(&store, "session_tags").await;
    assert_eq!(tags.len(), 1, "bug_report was removed again");
    assert_eq!((tags[0]["session_id"].clone(), tags[0]["tag"].clone()), (THREAD.into(), "billing".into()));
    assert_eq!(tags[0]["tagged_at"], at(s(111)));

    assert_eq!(
        timeline(&store, CHAT, THREAD).await,
        vec![
            tl(1, "session_started", "system", None, "session started"),
            tl(2, "survey_answered", "contact", Some(CUSTOMER), "prechat answer to \"Name:\""),
            tl(3, "message", "contact", Some(CUSTOMER), "contact message, 39 chars"),
            tl(4, "message", "bot", Some(BOT), "bot message, 30 chars"),
            tl(5, "message", "agent", Some(SMITH), "agent message, 53 chars"),
            tl(6, "seen", "contact", Some(CUSTOMER), &format!("seen by contact {CUSTOMER}")),
            tl(7, "message", "agent", Some(SMITH), "agent internal note, 54 chars"),
            tl(
                8,
                "transferred",
                "agent",
                Some(JANE),
                "transferred to agent jane@example.com (group 19) (reason: manual)"
            ),
            tl(9, "participant_joined", "agent", Some(JANE), "agent jane@example.com joined"),
            tl(10, "participant_left", "agent", Some(SMITH), "agent smith@example.com left"),
            tl(11, "message", "agent", Some(JANE), "agent message, 20 chars"),
            tl(12, "message", "contact", Some(CUSTOMER), "contact message (file)"),
            tl(13, "tagged", "system", None, "tagged bug_report"),
            tl(14, "tagged", "system", None, "tagged billing"),
            tl(15, "untagged", "system", None, "untagged bug_report"),
            tl(16, "session_ended", "agent", Some(JANE), "session ended by agent"),
            tl(17, "rating", "contact", None, "rated 0 on a 0-1 scale"),
            tl(18, "rating_removed", "system", None, "rating removed"),
            tl(19, "rating", "contact", None, "rated 1 on a 0-1 scale"),
        ]
    );
    assert_eq!(
        timeline(&store, CHAT, THREAD2).await,
        vec![
            tl(1, "session_started", "system", None, "session started"),
            tl(2, "message", "contact", Some(CUSTOMER), "contact message, 12 chars"),
            tl(3, "contact_updated", "contact", Some("5280e68c-9692-4212-4ba9-85f7d8af55cd"), "contact updated: key"),
        ]
    );
    let internal: Vec<Val> = rows(&store, "session_timeline")
        .await
        .into_iter()
        .filter(|r| r["internal"] == Val::Bool(true))
        .map(|r| r["event_id"].clone())
        .collect();
    assert_eq!(internal, vec![Val::from("lc-msg-K600PKZON8_4")]);
}
both_backends!(livechat_thread_with_transfer_tags_and_rerating);

async fn chatwoot_conversation_resolved_then_reopened(backend: Backend) {
    use common::chatwoot::*;
    let (store, _g) = store_with(backend, &scenario(), 1000).await;

    assert_row(
        &session(&store, CHAT, "1").await,
        &[
            ("tenant", "acme".into()),
            ("platform", "chatwoot".into()),
            ("chat_id", CHAT.into()),
            ("session_id", "1".into()),
            ("ordinal", int(1)),
            ("started_at", at(s(100))),
            ("ended_at", at(s(612) + 402_731)),
            ("last_event_at", at(s(662) + 340_000)),
            ("status", "ended".into()),
            ("ended_by", "agent".into()),
            ("duration_seconds", real(512.402731)),
            ("first_contact_message_at", at(s(168))),
            ("first_agent_reply_at", at(s(212))),
            ("first_response_seconds", real(44.0)),
            ("messages_contact", int(1)),
            ("messages_agent", int(1)),
            ("messages_bot", int(1)),
            ("messages_system", int(1)),
            ("internal_notes", int(1)),
            ("agents_involved", int(2)),
            ("first_agent_id", "1".into()),
            ("last_agent_id", "2".into()),
            ("transfers", int(1)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", real(5.0)),
            ("rating_scale_min", real(1.0)),
            ("rating_scale_max", real(5.0)),
            ("rating_normalized", real(1.0)),
            ("rated_at", at(s(662) + 340_000)),
            ("contact_id", CONTACT.into()),
            ("group_id", NULL),
        ],
    );
    assert_row(
        &session(&store, CHAT, "2").await,
        &[
            ("tenant", "acme".into()),
            ("platform", "chatwoot".into()),
            ("chat_id", CHAT.into()),
            ("session_id", "2".into()),
            ("ordinal", int(2)),
            ("started_at", at(s(1000) + 500_000)),
            ("ended_at", NULL),
            ("last_event_at", at(s(1010))),
            ("status", "open".into()),
            ("ended_by", NULL),
            ("duration_seconds", NULL),
            ("first_contact_message_at", at(s(1010))),
            ("first_agent_reply_at", NULL),
            ("first_response_seconds", NULL),
            ("messages_contact", int(1)),
            ("messages_agent", int(0)),
            ("messages_bot", int(0)),
            ("messages_system", int(0)),
            ("internal_notes", int(0)),
            // The assignment to agent 2 is one fact per conversation (kept in session 1): nobody acted yet.
            ("agents_involved", int(0)),
            ("first_agent_id", NULL),
            ("last_agent_id", NULL),
            ("transfers", int(0)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", NULL),
            ("rating_scale_min", NULL),
            ("rating_scale_max", NULL),
            ("rating_normalized", NULL),
            ("rated_at", NULL),
            ("contact_id", CONTACT.into()),
            ("group_id", NULL),
        ],
    );

    let agents: Vec<Vec<Val>> = rows(&store, "session_agents")
        .await
        .iter()
        .map(|r| {
            [
                "session_id",
                "agent_id",
                "first_involved_at",
                "last_involved_at",
                "messages",
                "internal_notes",
                "assigned",
            ]
            .iter()
            .map(|c| r[c].clone())
            .collect()
        })
        .collect();
    assert_eq!(
        agents,
        vec![
            vec!["1".into(), "1".into(), at(s(169) + 614_512), at(s(300) + 500_000), int(1), int(1), Val::Bool(true)],
            vec!["1".into(), "2".into(), at(s(300) + 500_000), at(s(612) + 402_731), int(0), int(0), Val::Bool(true)],
        ]
    );
    assert!(rows(&store, "session_tags").await.is_empty(), "Chatwoot sends no tag events");

    assert_eq!(
        timeline(&store, CHAT, "1").await,
        vec![
            tl(1, "session_started", "system", None, "session started (pending)"),
            tl(2, "seen", "agent", Some("1"), "seen by agent 1"),
            tl(3, "message", "bot", None, "bot message (input_select), 26 chars"),
            tl(4, "message", "contact", Some("17"), "contact message, 32 chars"),
            tl(5, "seen", "contact", Some("17"), "seen by contact 17"),
            tl(6, "assigned", "agent", Some("1"), "assigned to agent 1"),
            tl(7, "session_status_changed", "system", None, "status changed from pending to open"),
            tl(8, "seen", "agent", Some("1"), "seen by agent 1"),
            tl(9, "message", "agent", Some("1"), "agent message, 56 chars"),
            tl(10, "seen", "agent", Some("1"), "seen by agent 1"),
            tl(11, "message", "agent", Some("1"), "agent internal note, 66 chars"),
            tl(12, "assigned", "agent", Some("2"), "assigned to agent 2"),
            tl(13, "transferred", "agent", Some("2"), "transferred from agent 1 to agent 2"),
            tl(14, "message", "system", None, "system message, 46 chars"),
            tl(15, "session_ended", "agent", Some("2"), "session ended by agent (resolved)"),
            tl(16, "seen", "contact", Some("17"), "seen by contact 17"),
            tl(17, "rating", "contact", Some("17"), "rated 5/5"),
        ]
    );
    assert_eq!(
        timeline(&store, CHAT, "2").await,
        vec![
            tl(1, "session_reopened", "system", None, "session reopened (open)"),
            tl(2, "message", "contact", Some("17"), "contact message, 10 chars"),
            tl(3, "seen", "contact", Some("17"), "seen by contact 17"),
        ]
    );
}
both_backends!(chatwoot_conversation_resolved_then_reopened);

async fn freshchat_interactions_resolution_and_reopen(backend: Backend) {
    use common::freshchat::*;
    let (store, _g) = store_with(backend, &scenario(), 1000).await;

    assert_row(
        &session(&store, CHAT, I1).await,
        &[
            ("tenant", "acme".into()),
            ("platform", "freshchat".into()),
            ("chat_id", CHAT.into()),
            ("session_id", I1.into()),
            ("ordinal", int(1)),
            ("started_at", at(118_000)),
            ("ended_at", at(s(62) + 917_000)),
            ("last_event_at", at(s(62) + 917_000)),
            ("status", "ended".into()),
            ("ended_by", "agent".into()),
            ("duration_seconds", real(62.799)),
            ("first_contact_message_at", at(118_000)),
            ("first_agent_reply_at", at(s(55))),
            ("first_response_seconds", real(54.882)),
            ("messages_contact", int(2)),
            ("messages_agent", int(1)),
            ("messages_bot", int(0)),
            ("messages_system", int(1)),
            ("internal_notes", int(1)),
            ("agents_involved", int(1)),
            ("first_agent_id", AGENT.into()),
            ("last_agent_id", AGENT.into()),
            ("transfers", int(0)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", NULL),
            ("rating_scale_min", NULL),
            ("rating_scale_max", NULL),
            ("rating_normalized", NULL),
            ("rated_at", NULL),
            ("contact_id", CONTACT.into()),
            ("group_id", GROUP.into()),
        ],
    );
    assert_row(
        &session(&store, CHAT, I2).await,
        &[
            ("tenant", "acme".into()),
            ("platform", "freshchat".into()),
            ("chat_id", CHAT.into()),
            ("session_id", I2.into()),
            ("ordinal", int(2)),
            ("started_at", at(s(82) + 272_000)),
            ("ended_at", NULL),
            ("last_event_at", at(s(90))),
            ("status", "open".into()),
            ("ended_by", NULL),
            ("duration_seconds", NULL),
            ("first_contact_message_at", NULL),
            ("first_agent_reply_at", NULL),
            ("first_response_seconds", NULL),
            ("messages_contact", int(0)),
            ("messages_agent", int(1)),
            ("messages_bot", int(0)),
            ("messages_system", int(0)),
            ("internal_notes", int(0)),
            ("agents_involved", int(2)),
            ("first_agent_id", AGENT.into()),
            ("last_agent_id", AGENT2.into()),
            ("transfers", int(1)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", NULL),
            ("rating_scale_min", NULL),
            ("rating_scale_max", NULL),
            ("rating_normalized", NULL),
            ("rated_at", NULL),
            ("contact_id", CONTACT.into()),
            ("group_id", GROUP.into()),
        ],
    );
    assert_eq!(
        timeline(&store, CHAT, I1).await,
        vec![
            tl(1, "message", "contact", Some(CONTACT), "contact message, 39 chars"),
            tl(2, "message", "system", None, "system message, 59 chars"),
            tl(3, "message", "contact", Some(CONTACT), "contact message (image)"),
            tl(
                4,
                "assigned",
                "agent",
                Some(AGENT),
                &format!("assigned from group {GROUP} to agent {AGENT} (group {GROUP})")
            ),
            tl(5, "message", "agent", Some(AGENT), "agent internal note, 44 chars"),
            tl(6, "message", "agent", Some(AGENT), "agent message, 30 chars"),
            tl(7, "session_ended", "agent", Some(AGENT), "session ended by agent (resolved)"),
        ]
    );
    assert_eq!(
        timeline(&store, CHAT, I2).await,
        vec![
            tl(1, "session_reopened", "system", None, "session reopened (reopened)"),
            tl(2, "message", "agent", Some(AGENT), "agent message, 50 chars"),
            tl(
                3,
                "transferred",
                "agent",
                Some(AGENT2),
                &format!("transferred from agent {AGENT} (group {GROUP}) to agent {AGENT2} (group {GROUP})"),
            ),
        ]
    );
    assert!(rows(&store, "session_tags").await.is_empty());
    assert_eq!(rows(&store, "session_agents").await.len(), 3);
}
both_backends!(freshchat_interactions_resolution_and_reopen);

async fn userlike_legacy_chat_meta_repeats_count_once(backend: Backend) {
    use common::userlike::*;
    let (store, _g) = store_with(backend, &legacy_scenario(), 1000).await;
    assert_row(
        &session(&store, LEGACY_CHAT, LEGACY_CHAT).await,
        &[
            ("tenant", "acme".into()),
            ("platform", "userlike".into()),
            ("chat_id", LEGACY_CHAT.into()),
            ("session_id", LEGACY_CHAT.into()),
            ("ordinal", int(1)),
            ("started_at", at(0)),
            ("ended_at", at(s(46))),
            ("last_event_at", at(s(200))),
            ("status", "ended".into()),
            ("ended_by", NULL),
            ("duration_seconds", real(46.0)),
            ("first_contact_message_at", at(s(4))),
            ("first_agent_reply_at", at(s(17))),
            ("first_response_seconds", real(13.0)),
            ("messages_contact", int(2)),
            ("messages_agent", int(1)),
            ("messages_bot", int(0)),
            ("messages_system", int(0)),
            ("internal_notes", int(0)),
            ("agents_involved", int(2)),
            ("first_agent_id", "1".into()),
            ("last_agent_id", "2".into()),
            ("transfers", int(1)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", real(5.0)),
            ("rating_scale_min", real(1.0)),
            ("rating_scale_max", real(5.0)),
            ("rating_normalized", real(1.0)),
            ("rated_at", at(s(100))),
            ("contact_id", LEGACY_CONTACT.into()),
            ("group_id", "2".into()),
        ],
    );
    assert_eq!(
        timeline(&store, LEGACY_CHAT, LEGACY_CHAT).await,
        vec![
            tl(1, "session_started", "system", None, "session started"),
            tl(2, "message", "contact", Some(LEGACY_CONTACT), "contact message, 27 chars"),
            tl(3, "transferred", "agent", Some("2"), "transferred from agent 1 (group 1) to agent 2 (group 2)"),
            tl(4, "message", "agent", Some("2"), "agent message, 36 chars"),
            tl(5, "message", "contact", Some(LEGACY_CONTACT), "contact message, 14 chars"),
            tl(6, "session_ended", "system", None, "session ended"),
            tl(7, "rating", "contact", Some(LEGACY_CONTACT), "rated 5/5"),
            tl(8, "feedback", "contact", Some(LEGACY_CONTACT), "feedback, 23 chars"),
            tl(
                9,
                "survey_answered",
                "contact",
                Some(LEGACY_CONTACT),
                "post_survey answer to \"post_survey_option\": \"Very Satisfied\"",
            ),
        ]
    );
}
both_backends!(userlike_legacy_chat_meta_repeats_count_once);

async fn userlike_chat_session_with_forward_and_conversation_end(backend: Backend) {
    use common::userlike::*;
    let (store, _g) = store_with(backend, &scenario(), 1000).await;
    assert_row(
        &session(&store, CHAT, SESSION).await,
        &[
            ("tenant", "acme".into()),
            ("platform", "userlike".into()),
            ("chat_id", CHAT.into()),
            ("session_id", SESSION.into()),
            ("ordinal", int(1)),
            ("started_at", at(0)),
            ("ended_at", at(s(284))),
            ("last_event_at", at(s(500))),
            ("status", "ended".into()),
            ("ended_by", NULL),
            ("duration_seconds", real(284.0)),
            ("first_contact_message_at", at(s(2))),
            ("first_agent_reply_at", at(s(38))),
            ("first_response_seconds", real(36.0)),
            ("messages_contact", int(1)),
            ("messages_agent", int(1)),
            ("messages_bot", int(0)),
            ("messages_system", int(0)),
            ("internal_notes", int(0)),
            ("agents_involved", int(2)),
            ("first_agent_id", "7".into()),
            ("last_agent_id", "9".into()),
            ("transfers", int(1)),
            ("tag_count", NULL),
            ("tags", NULL),
            ("rating_vendor_score", real(4.0)),
            ("rating_scale_min", real(1.0)),
            ("rating_scale_max", real(5.0)),
            ("rating_normalized", real(0.75)),
            ("rated_at", at(s(500))),
            ("contact_id", "5531".into()),
            ("group_id", "2".into()),
        ],
    );
    assert_eq!(
        timeline(&store, CHAT, SESSION).await,
        vec![
            tl(1, "session_started", "system", None, "session started"),
            tl(2, "message", "contact", Some("5531"), "contact message, 27 chars"),
            tl(3, "message", "agent", Some("7"), "agent message, 36 chars"),
            tl(4, "transferred", "agent", Some("9"), "transferred from agent 7 (group 1) to agent 9 (group 2)"),
            tl(5, "session_ended", "system", None, "session ended"),
            tl(6, "session_ended", "system", None, "session ended (ended)"),
            tl(7, "unread_at_end", "system", None, "2 unread messages at end"),
            tl(8, "rating", "contact", Some("5531"), "rated 4/5"),
        ]
    );
    let agents: Vec<(Val, Val, Val)> = rows(&store, "session_agents")
        .await
        .into_iter()
        .map(|r| (r["agent_id"].clone(), r["first_involved_at"].clone(), r["last_involved_at"].clone()))
        .collect();
    assert_eq!(agents, vec![("7".into(), at(s(38)), at(s(60))), ("9".into(), at(s(60)), at(s(327)))]);
}
both_backends!(userlike_chat_session_with_forward_and_conversation_end);
