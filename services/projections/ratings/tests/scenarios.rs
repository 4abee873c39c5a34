//! One realistic chat per vendor, with the rows worked out by hand; and the daily views over all of them.

mod common;

use chatstream_projector::testing::T0_MICROS;
use chatstream_projector::{Backend, ColType, Val};
use common::*;

async fn livechat_thread_ratings_surveys_and_chat_level_properties(backend: Backend) {
    let (store, _guard) = store_with(backend, &livechat_chat(), 1000).await;
    assert_eq!(
        rows(&store, "ratings").await,
        [rating_row(
            "livechat",
            LC_CHAT,
            LC_THREAD_1,
            // smith started, jones took the transfer and wrote last; smith's later internal note and his
            // leaving do not count. The rating names no agent: the session's last agent is used.
            Some((JONES, "session")),
            Some(LC_CUSTOMER),
            150,
            (1.0, 0.0, 1.0, 1.0),
            true,
            None,
            "lc-rate-good",
        )],
        "the good thumb replaces the bad one; thread 2's chat-level rating was removed"
    );
    let answer = |q: (&str, &str, Option<&str>), at: i64, id: &str| {
        answer_row("livechat", LC_CHAT, LC_THREAD_1, q, Some((JONES, "session")), Some(LC_CUSTOMER), at, id)
    };
    assert_eq!(
        rows(&store, "survey_answers").await,
        [
            answer(
                ("postchat", "Anything we could improve?", Some("Quick and clear answer, thanks.")),
                131,
                "lc-post-2"
            ),
            answer(("postchat", "How would you rate the chat?", Some("Good")), 131, "lc-post-1b"),
            // Pre-chat answers are emptied by the normaliser when the source keeps no text: NULL.
            answer(("prechat", "E-mail:", None), 0, "lc-pre-mail"),
            answer(("prechat", "Name:", None), 0, "lc-pre-name"),
        ]
    );
    assert_eq!(
        rows(&store, "feedback").await,
        [feedback_row(
            "livechat",
            LC_CHAT,
            LC_THREAD_2,
            Some((SMITH, "session")),
            Some(LC_CUSTOMER),
            1150,
            (24, None),
            "lc-feedback"
        )]
    );
}
on_both_backends!(livechat_scenario, livechat_thread_ratings_surveys_and_chat_level_properties);

async fn chatwoot_csat_per_open_period(backend: Backend) {
    let (store, _guard) = store_with(backend, &chatwoot_conversation(), 1000).await;
    assert_eq!(
        rows(&store, "ratings").await,
        [
            rating_row(
                "chatwoot",
                "42",
                "1",
                Some(("3", "event")),
                Some("17"),
                95,
                (2.0, 1.0, 5.0, 0.25),
                false,
                Some("Actually the fix did not hold"),
                "cw-rate-2",
            ),
            // Rated while unassigned: agent 1 answered last in the second open period.
            rating_row(
                "chatwoot",
                "42",
                "2",
                Some(("1", "session")),
                Some("17"),
                320,
                (5.0, 1.0, 5.0, 1.0),
                true,
                None,
                "cw-rate-5",
            ),
        ]
    );
    assert!(rows(&store, "survey_answers").await.is_empty(), "Chatwoot has no survey answers");
    assert!(rows(&store, "feedback").await.is_empty(), "Chatwoot's CSAT comment is the rating's comment");
}
on_both_backends!(chatwoot_scenario, chatwoot_csat_per_open_period);

async fn userlike_legacy_deliveries_repeat_the_chat(backend: Backend) {
    let (store, _guard) = store_with(backend, &userlike_legacy_chat(), 1000).await;
    let agent = Some(("2", "event"));
    assert_eq!(
        rows(&store, "ratings").await,
        [rating_row(
            "userlike",
            "69",
            "69",
            agent,
            Some(UL_CONTACT),
            600,
            (5.0, 1.0, 5.0, 1.0),
            true,
            None,
            "ul-rate-5"
        )]
    );
    assert_eq!(
        rows(&store, "feedback").await,
        [feedback_row("userlike", "69", "69", agent, Some(UL_CONTACT), 500, (23, None), "ul-feedback")],
        "the repeated feedback is one event: its first delivery's time"
    );
    assert_eq!(
        rows(&store, "survey_answers").await,
        [answer_row(
            "userlike",
            "69",
            "69",
            ("post_survey", "post_survey_option", Some("Very Satisfied")),
            agent,
            Some(UL_CONTACT),
            600,
            "ul-survey"
        )]
    );
}
on_both_backends!(userlike_legacy_scenario, userlike_legacy_deliveries_repeat_the_chat);

async fn userlike_sessions_of_one_conversation(backend: Backend) {
    let (store, _guard) = store_with(backend, &userlike_sessions(), 1000).await;
    assert_eq!(
        rows(&store, "ratings").await,
        [
            rating_row(
                "userlike",
                "4711",
                "90211",
                Some(("7", "event")),
                Some("5531"),
                70,
                (3.0, 1.0, 5.0, 0.5),
                false,
                None,
                "ucs-rate-1"
            ),
            rating_row(
                "userlike",
                "4711",
                "90212",
                Some(("9", "session")),
                Some("5531"),
                90_000,
                (1.0, 1.0, 5.0, 0.0),
                false,
                None,
                "ucs-rate-2"
            ),
        ]
    );
    assert_eq!(
        rows(&store, "feedback").await,
        [feedback_row(
            "userlike",
            "4711",
            "90211",
            Some(("7", "event")),
            Some("5531"),
            71,
            (23, None),
            "ucs-feedback-1"
        )]
    );
    assert_eq!(
        rows(&store, "survey_answers").await,
        [answer_row(
            "userlike",
            "4711",
            "90211",
            ("post_survey", "post_survey_option", Some("Very Satisfied")),
            Some(("7", "event")),
            Some("5531"),
            72,
            "ucs-survey-1"
        )]
    );
}
on_both_backends!(userlike_sessions_scenario, userlike_sessions_of_one_conversation);

async fn freshchat_sends_nothing_to_rate(backend: Backend) {
    let (store, _guard) = store_with(backend, &freshchat_conversation(), 1000).await;
    for table in ["ratings", "survey_answers", "feedback"] {
        assert!(rows(&store, table).await.is_empty(), "no invented {table} rows for Freshchat");
    }
}
on_both_backends!(freshchat_scenario, freshchat_sends_nothing_to_rate);

const DAY: i64 = 86_400_000_000;

async fn daily_views_per_agent_and_tenant(backend: Backend) {
    let (store, _guard) = store_with(backend, &all_vendors(), 1000).await;
    let day1 = Val::Time(T0_MICROS);
    let day2 = Val::Time(T0_MICROS + DAY);
    let per_agent = store
        .fetch(
            "SELECT tenant, platform, agent_id, day, ratings, satisfied_ratings, average_normalized_score, csat_share \
             FROM ratings_daily ORDER BY tenant, platform, agent_id, day",
            &[],
            &[
                ColType::Text,
                ColType::Text,
                ColType::Text,
                ColType::Time,
                ColType::Int,
                ColType::Int,
                ColType::Real,
                ColType::Real,
            ],
        )
        .await
        .unwrap();
    let row = |platform: &str, agent: &str, day: &Val, n: i64, sat: i64, avg: f64, share: f64| {
        vec![
            t("acme"),
            t(platform),
            t(agent),
            day.clone(),
            Val::Int(n),
            Val::Int(sat),
            Val::Real(avg),
            Val::Real(share),
        ]
    };
    assert_eq!(
        per_agent,
        [
            row("chatwoot", "1", &day1, 1, 1, 1.0, 1.0),
            row("chatwoot", "3", &day1, 1, 0, 0.25, 0.0),
            row("livechat", JONES, &day1, 1, 1, 1.0, 1.0),
            row("userlike", "2", &day1, 1, 1, 1.0, 1.0),
            row("userlike", "7", &day1, 1, 0, 0.5, 0.0),
            row("userlike", "9", &day2, 1, 0, 0.0, 0.0),
        ]
    );
    let per_tenant = store
        .fetch(
            "SELECT tenant, platform, day, ratings, satisfied_ratings, average_normalized_score, csat_share \
             FROM ratings_daily_tenant ORDER BY tenant, platform, day",
            &[],
            &[ColType::Text, ColType::Text, ColType::Time, ColType::Int, ColType::Int, ColType::Real, ColType::Real],
        )
        .await
        .unwrap();
    let row = |platform: &str, day: &Val, n: i64, sat: i64, avg: f64, share: f64| {
        vec![t("acme"), t(platform), day.clone(), Val::Int(n), Val::Int(sat), Val::Real(avg), Val::Real(share)]
    };
    assert_eq!(
        per_tenant,
        [
            row("chatwoot", &day1, 2, 1, 0.625, 0.5),
            row("livechat", &day1, 1, 1, 1.0, 1.0),
            row("userlike", &day1, 2, 1, 0.75, 0.5),
            row("userlike", &day2, 1, 0, 0.0, 0.0),
        ]
    );
}
on_both_backends!(daily_views, daily_views_per_agent_and_tenant);
