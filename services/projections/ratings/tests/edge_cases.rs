//! Cases users hit: events before their session starts, missing ids, removals, re-deliveries, ties, bots.

mod common;

use chatstream_projector::testing::{apply_events, EventBuilder, EventExt};
use chatstream_projector::{Backend, ColType, Val};
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, Kind};
use common::*;

fn lc(chat: &str) -> EventBuilder {
    EventBuilder::new("livechat", chat)
}

/// `(session_id, agent_id, agent_source, rated_at, event_id)` of a chat's ratings.
async fn rating_summary(store: &chatstream_projector::Store, chat: &str) -> Vec<Vec<Val>> {
    chat_rows(store, "ratings", chat)
        .await
        .into_iter()
        .map(|r| vec![r[3].clone(), r[4].clone(), r[5].clone(), r[7].clone(), r[14].clone()])
        .collect()
}

async fn ratings_before_their_session_started(backend: Backend) {
    let good = || rating(1.0, 0.0, 1.0, None);
    let events = vec![
        // E1: the thread's rating is stamped (receive time) before the thread's start (payload time).
        received(lc("E1").at(Kind::Rating, 5).id("e1-rate").session("T1")).body(good()),
        lc("E1").at(Kind::SessionStarted, 10).id("e1-start").session("T1").agent(SMITH),
        // E2: a chat-level rating before every thread joins the first thread.
        received(lc("E2").at(Kind::Rating, 1).id("e2-rate")).body(good()),
        lc("E2").at(Kind::SessionStarted, 10).id("e2-start-1").session("T1").agent(SMITH),
        lc("E2").at(Kind::SessionStarted, 100).id("e2-start-2").session("T2").agent(JONES),
    ];
    let (store, _guard) = store_with(backend, &events, 1000).await;
    assert_eq!(rating_summary(&store, "E1").await, [vec![t("T1"), t(SMITH), t("session"), at(5), t("e1-rate")]]);
    assert_eq!(rating_summary(&store, "E2").await, [vec![t("T1"), t(SMITH), t("session"), at(1), t("e2-rate")]]);
}
on_both_backends!(before_session_start, ratings_before_their_session_started);

async fn a_rating_whose_threads_arrive_later_moves_to_them(backend: Backend) {
    let rate = received(lc("E3").at(Kind::Rating, 10).id("e3-rate")).body(rating(0.0, 0.0, 1.0, None));
    let (store, _guard) = store_with(backend, std::slice::from_ref(&rate), 1000).await;
    // No event names a thread: the chat's only session is its first open period, "1"; nobody to attribute.
    assert_eq!(
        chat_rows(&store, "ratings", "E3").await,
        [rating_row("livechat", "E3", "1", None, None, 10, (0.0, 0.0, 1.0, 0.0), false, None, "e3-rate")]
    );
    let unattributed = store
        .fetch(
            "SELECT ratings, csat_share FROM ratings_daily WHERE agent_id IS NULL",
            &[],
            &[ColType::Int, ColType::Real],
        )
        .await
        .unwrap();
    assert_eq!(unattributed, [vec![Val::Int(1), Val::Real(0.0)]], "unattributed ratings still count, agent NULL");
    // The thread's start arrives later (another batch): the row is re-keyed, not duplicated.
    let start = lc("E3").at(Kind::SessionStarted, 0).id("e3-start").session("T9").agent(SMITH).contact("c-1");
    apply_events(&store, chatstream_projection_ratings::projection(), &[start], 1).await.unwrap();
    assert_eq!(
        chat_rows(&store, "ratings", "E3").await,
        [rating_row(
            "livechat",
            "E3",
            "T9",
            Some((SMITH, "session")),
            Some("c-1"),
            10,
            (0.0, 0.0, 1.0, 0.0),
            false,
            None,
            "e3-rate"
        )]
    );
}
on_both_backends!(threads_arrive_later, a_rating_whose_threads_arrive_later_moves_to_them);

async fn removals_remove_only_what_came_before(backend: Backend) {
    let s = |chat: &str, kind: Kind, at: i64, id: &str| received(lc(chat).at(kind, at).id(id).session("T1"));
    let events = vec![
        // E4: rated, removed, rated again: the new rating stands.
        s("E4", Kind::Rating, 10, "e4-rate-1").body(rating(1.0, 0.0, 1.0, None)),
        s("E4", Kind::RatingRemoved, 20, "e4-removed"),
        s("E4", Kind::Rating, 30, "e4-rate-2").body(rating(0.0, 0.0, 1.0, None)),
        // E5: a removal before any rating removes nothing.
        s("E5", Kind::RatingRemoved, 5, "e5-removed"),
        s("E5", Kind::Rating, 10, "e5-rate").body(rating(1.0, 0.0, 1.0, None)),
        // E6: removed for good; the feedback is not part of the score and stays.
        s("E6", Kind::Rating, 10, "e6-rate").body(rating(1.0, 0.0, 1.0, Some("great"))),
        s("E6", Kind::Feedback, 15, "e6-feedback").body(feedback(5, Some("great"))),
        s("E6", Kind::RatingRemoved, 20, "e6-removed"),
    ];
    let (store, _guard) = store_with(backend, &events, 3).await;
    assert_eq!(rating_summary(&store, "E4").await, [vec![t("T1"), Val::Null, Val::Null, at(30), t("e4-rate-2")]]);
    assert_eq!(rating_summary(&store, "E5").await, [vec![t("T1"), Val::Null, Val::Null, at(10), t("e5-rate")]]);
    assert!(chat_rows(&store, "ratings", "E6").await.is_empty());
    assert_eq!(
        chat_rows(&store, "feedback", "E6").await,
        [feedback_row("livechat", "E6", "T1", None, None, 15, (5, Some("great")), "e6-feedback")]
    );
}
on_both_backends!(removals, removals_remove_only_what_came_before);

async fn a_redelivered_rating_keeps_its_first_time(backend: Backend) {
    let first = received(EventBuilder::new("userlike", "70").at(Kind::Rating, 100).id("ul70-rate").session("70"))
        .agent("2")
        .body(rating(4.0, 1.0, 5.0, None));
    let later = resent(&first, 3600);
    let (store, _guard) = store_with(backend, std::slice::from_ref(&later), 1).await;
    assert_eq!(rating_summary(&store, "70").await[0][3], at(3700), "only the later copy is known yet");
    apply_events(&store, chatstream_projection_ratings::projection(), &[first, later], 1).await.unwrap();
    assert_eq!(rating_summary(&store, "70").await, [vec![t("70"), t("2"), t("event"), at(100), t("ul70-rate")]]);
}
on_both_backends!(redelivery, a_redelivered_rating_keeps_its_first_time);

async fn ratings_at_the_same_instant_are_ordered_by_event_id(backend: Backend) {
    let r = |id: &str, score: f64| {
        received(lc("E7").at(Kind::Rating, 10).id(id).session("T1")).body(rating(score, 0.0, 1.0, None))
    };
    let (store, _guard) = store_with(backend, &[r("f0e1", 1.0), r("0a9b", 0.0)], 1).await;
    assert_eq!(rating_summary(&store, "E7").await, [vec![t("T1"), Val::Null, Val::Null, at(10), t("f0e1")]]);
}
on_both_backends!(ties, ratings_at_the_same_instant_are_ordered_by_event_id);

async fn unusable_events_give_no_rows(backend: Backend) {
    let events = vec![
        // No chat: no group.
        EventBuilder::without_chat("livechat").at(Kind::Rating, 1).id("nochat").body(rating(1.0, 0.0, 1.0, None)),
        // A score that is not a number does not replace the valid one; a rating without its body is ignored.
        lc("E8").at(Kind::Rating, 10).id("e8-rate").session("T1").body(rating(1.0, 0.0, 1.0, None)),
        lc("E8").at(Kind::Rating, 20).id("e8-nan").session("T1").body(rating(f64::NAN, 0.0, 1.0, None)),
        lc("E8").at(Kind::Rating, 30).id("e8-empty").session("T1"),
        // A chat with only messages gives nothing.
        lc("E9").at(Kind::Message, 1).id("e9-m").body(message(None, "contact", None, false, 3)),
    ];
    let (store, _guard) = store_with(backend, &events, 1000).await;
    let all = rows(&store, "ratings").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0][14], t("e8-rate"));
    assert!(rows(&store, "survey_answers").await.is_empty());
    assert!(rows(&store, "feedback").await.is_empty());
}
on_both_backends!(unusable, unusable_events_give_no_rows);

async fn bots_take_a_rating_only_when_no_human_handled_the_chat(backend: Backend) {
    let bot_message = |chat: &str, at: i64, id: &str| {
        lc(chat).at(Kind::Message, at).id(id).session("T1").agent(LC_BOT).body(Body::Message(Message {
            message_id: Some(id.into()),
            author_role: "bot".into(),
            author_id: Some(LC_BOT.into()),
            internal: false,
            content_type: "text".into(),
            text_length: 20,
            text: None,
        }))
    };
    let rate = |chat: &str| received(lc(chat).at(Kind::Rating, 100).id(&format!("{chat}-rate")).session("T1"));
    let events = vec![
        // B1: the bot greets, smith joins and answers, the bot says goodbye.
        lc("B1").at(Kind::SessionStarted, 0).id("b1-start").session("T1").agent(LC_BOT),
        bot_message("B1", 1, "b1-hello"),
        received(lc("B1").at(Kind::ParticipantJoined, 5).id("b1-join").session("T1").agent(SMITH))
            .body(Body::Participant { participant_id: Some(SMITH.into()), role: "agent".into(), reason: None }),
        lc("B1").at(Kind::Message, 10).id("b1-m").session("T1").agent(SMITH).body(message(
            Some("b1-m"),
            "agent",
            Some(SMITH),
            false,
            12,
        )),
        bot_message("B1", 50, "b1-bye"),
        rate("B1").body(rating(1.0, 0.0, 1.0, None)),
        // B2: the bot alone.
        lc("B2").at(Kind::SessionStarted, 0).id("b2-start").session("T1").agent(LC_BOT),
        bot_message("B2", 1, "b2-hello"),
        rate("B2").body(rating(1.0, 0.0, 1.0, None)),
    ];
    let (store, _guard) = store_with(backend, &events, 1000).await;
    assert_eq!(rating_summary(&store, "B1").await[0][1], t(SMITH));
    assert_eq!(rating_summary(&store, "B2").await[0][1], t(LC_BOT));
}
on_both_backends!(bots, bots_take_a_rating_only_when_no_human_handled_the_chat);

async fn answers_are_per_session_form_and_question(backend: Backend) {
    let answer = |at: i64, id: &str, session: &str, form: &str, value: &str| {
        lc("S1").at(Kind::SurveyAnswered, at).id(id).session(session).body(survey(form, "Email", value))
    };
    let events = vec![
        answer(0, "s1-pre-1", "T1", "prechat", "a@example.com"),
        answer(50, "s1-post-1", "T1", "postchat", "b@example.com"),
        answer(100, "s1-pre-2", "T2", "prechat", "c@example.com"),
        // The same question again in T2's pre-chat form (resubmitted): the latest answer replaces it.
        answer(110, "s1-pre-2b", "T2", "prechat", "d@example.com"),
    ];
    let (store, _guard) = store_with(backend, &events, 2).await;
    let got: Vec<Vec<Val>> = chat_rows(&store, "survey_answers", "S1")
        .await
        .into_iter()
        .map(|r| vec![r[3].clone(), r[4].clone(), r[6].clone(), r[10].clone()])
        .collect();
    assert_eq!(
        got,
        [
            vec![t("T1"), t("postchat"), t("b@example.com"), at(50)],
            vec![t("T1"), t("prechat"), t("a@example.com"), at(0)],
            vec![t("T2"), t("prechat"), t("d@example.com"), at(110)],
        ]
    );
}
on_both_backends!(answers, answers_are_per_session_form_and_question);
