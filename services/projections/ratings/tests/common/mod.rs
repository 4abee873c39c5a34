//! Realistic vendor sessions (the shapes the normaliser produces, see `tests/fixtures/*/expected`) and helpers
//! shared by the ratings tests.

#![allow(dead_code)]

use chatstream_projection_ratings as ratings;
use chatstream_projector::testing::{apply_events, dump, fresh_store, EventBuilder, EventExt, TempStore, T0_MICROS};
use chatstream_projector::{Backend, ColType, Projection, Store, Val};
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};

#[allow(unused_imports)] // not every test file of this crate runs on both backends
pub use chatstream_projector::on_both_backends;

pub const LC_CHAT: &str = "PJ0MRSHTDG";
pub const LC_THREAD_1: &str = "K600PKZON8";
pub const LC_THREAD_2: &str = "K600PKZON9";
pub const LC_CUSTOMER: &str = "b7eff798-f8df-4364-8059-649c35c9ed0c";
pub const SMITH: &str = "smith@example.com";
pub const JONES: &str = "jones@example.com";
pub const LC_BOT: &str = "8a7c3e0f2b1d4c6e9f0a1b2c3d4e5f60";
pub const UL_CONTACT: &str = "3b2f6c1e-8d4a-4e5f-9a0b-7c6d5e4f3a21";
pub const FC_CHAT: &str = "7d8f0b2e-4c1a-4d5e-9b3f-6a2e1c0d9f84";

/// A time in µs: [`T0_MICROS`] + `seconds`.
pub fn at(seconds: i64) -> Val {
    Val::Time(T0_MICROS + seconds * 1_000_000)
}

/// A text value.
pub fn t(s: &str) -> Val {
    Val::Text(s.into())
}

/// The event with `occurred_at` taken from the receive time (payloads without a time).
pub fn received(mut e: ChatEvent) -> ChatEvent {
    e.occurred_at_source = "received".into();
    e.received_at_micros = e.occurred_at_micros;
    e
}

/// A re-delivery of `e` received `later_seconds` after it; `occurred_at` moves too when it was the receive time.
pub fn resent(e: &ChatEvent, later_seconds: i64) -> ChatEvent {
    let mut copy = e.clone();
    copy.received_at_micros += later_seconds * 1_000_000;
    if copy.occurred_at_source == "received" {
        copy.occurred_at_micros += later_seconds * 1_000_000;
    }
    copy
}

/// The same fact stated again by a later snapshot `later_seconds` after it (same event id, later time).
pub fn repeated(e: &ChatEvent, later_seconds: i64) -> ChatEvent {
    let mut copy = e.clone();
    copy.received_at_micros += later_seconds * 1_000_000;
    copy.occurred_at_micros += later_seconds * 1_000_000;
    copy
}

/// A `Rating` body exactly as the normaliser builds it (normalised and clamped).
pub fn rating(score: f64, min: f64, max: f64, comment: Option<&str>) -> Body {
    let normalized_score = ((score - min) / (max - min)).clamp(0.0, 1.0);
    Body::Rating(Rating {
        vendor_score: score,
        scale_min: min,
        scale_max: max,
        normalized_score,
        comment: comment.map(str::to_string),
    })
}

/// A public text message body without its text (the source does not keep text).
pub fn message(id: Option<&str>, role: &str, author: Option<&str>, internal: bool, length: i32) -> Body {
    Body::Message(Message {
        message_id: id.map(str::to_string),
        author_role: role.into(),
        author_id: author.map(str::to_string),
        internal,
        content_type: "text".into(),
        text_length: length,
        text: None,
    })
}

pub fn session_change(status: Option<&str>, previous: Option<&str>, closed_by: Option<&str>) -> Body {
    Body::SessionChange {
        status: status.map(str::to_string),
        previous_status: previous.map(str::to_string),
        reason: None,
        closed_by: closed_by.map(str::to_string),
    }
}

pub fn assignment(from: Option<&str>, to: Option<&str>, from_group: Option<&str>, to_group: Option<&str>) -> Body {
    Body::Assignment {
        from_agent_id: from.map(str::to_string),
        to_agent_id: to.map(str::to_string),
        from_group_id: from_group.map(str::to_string),
        to_group_id: to_group.map(str::to_string),
        reason: None,
    }
}

pub fn survey(form_type: &str, question: &str, answer: &str) -> Body {
    Body::SurveyAnswer { form_type: form_type.into(), question: question.into(), answer: answer.into() }
}

pub fn feedback(length: i32, text: Option<&str>) -> Body {
    Body::Feedback { text_length: length, text: text.map(str::to_string) }
}

/// LiveChat chat `PJ0MRSHTDG` (source without message text): thread 1 with pre-chat form, a transfer from
/// smith to jones, a post-chat form answered twice, a bad then a good thread rating; thread 2 by smith with a
/// chat-level rating, feedback and the rating's removal.
pub fn livechat_chat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("livechat", LC_CHAT);
    let th1 = |e: ChatEvent| e.session(LC_THREAD_1);
    let th2 = |e: ChatEvent| e.session(LC_THREAD_2);
    vec![
        th1(b.at(Kind::SessionStarted, 0).id("lc-start-1").agent(SMITH).contact(LC_CUSTOMER))
            .body(session_change(None, None, None)),
        th1(b.at(Kind::SurveyAnswered, 0).id("lc-pre-name").contact(LC_CUSTOMER)).body(survey("prechat", "Name:", "")),
        th1(b.at(Kind::SurveyAnswered, 0).id("lc-pre-mail").contact(LC_CUSTOMER))
            .body(survey("prechat", "E-mail:", "")),
        th1(b.at(Kind::Message, 4).id("lc-m1").contact(LC_CUSTOMER)).body(message(
            Some("K600PKZON8_2"),
            "contact",
            Some(LC_CUSTOMER),
            false,
            39,
        )),
        th1(b.at(Kind::Message, 30).id("lc-m2").agent(SMITH)).body(message(
            Some("K600PKZON8_3"),
            "agent",
            Some(SMITH),
            false,
            56,
        )),
        received(th1(b.at(Kind::Transferred, 60).id("lc-transfer").agent(JONES))).body(assignment(
            None,
            Some(JONES),
            None,
            Some("19"),
        )),
        received(th1(b.at(Kind::ParticipantLeft, 61).id("lc-left").agent(SMITH))).body(Body::Participant {
            participant_id: Some(SMITH.into()),
            role: "agent".into(),
            reason: Some("manual".into()),
        }),
        th1(b.at(Kind::Message, 75).id("lc-m3").agent(JONES)).body(message(
            Some("K600PKZON8_4"),
            "agent",
            Some(JONES),
            false,
            20,
        )),
        th1(b.at(Kind::Message, 80).id("lc-note").agent(SMITH)).body(message(
            Some("K600PKZON8_5"),
            "agent",
            Some(SMITH),
            true,
            12,
        )),
        th1(b.at(Kind::Seen, 100).id("lc-seen").contact(LC_CUSTOMER)).body(Body::Seen {
            reader_role: "contact".into(),
            reader_id: Some(LC_CUSTOMER.into()),
            seen_up_to_micros: T0_MICROS + 100_000_000,
        }),
        received(th1(b.at(Kind::SessionEnded, 120).id("lc-end-1").contact(LC_CUSTOMER))).body(session_change(
            None,
            None,
            Some("contact"),
        )),
        th1(b.at(Kind::SurveyAnswered, 130).id("lc-post-1a").contact(LC_CUSTOMER)).body(survey(
            "postchat",
            "How would you rate the chat?",
            "Bad",
        )),
        th1(b.at(Kind::SurveyAnswered, 131).id("lc-post-1b").contact(LC_CUSTOMER)).body(survey(
            "postchat",
            "How would you rate the chat?",
            "Good",
        )),
        th1(b.at(Kind::SurveyAnswered, 131).id("lc-post-2").contact(LC_CUSTOMER)).body(survey(
            "postchat",
            "Anything we could improve?",
            "Quick and clear answer, thanks.",
        )),
        received(th1(b.at(Kind::Rating, 140).id("lc-rate-bad"))).body(rating(0.0, 0.0, 1.0, None)),
        received(th1(b.at(Kind::Rating, 150).id("lc-rate-good"))).body(rating(1.0, 0.0, 1.0, None)),
        th2(b.at(Kind::SessionStarted, 1000).id("lc-start-2").agent(SMITH).contact(LC_CUSTOMER))
            .body(session_change(None, None, None)),
        th2(b.at(Kind::Message, 1010).id("lc-m4").contact(LC_CUSTOMER)).body(message(
            Some("K600PKZON9_1"),
            "contact",
            Some(LC_CUSTOMER),
            false,
            18,
        )),
        th2(b.at(Kind::Message, 1020).id("lc-m5").agent(SMITH)).body(message(
            Some("K600PKZON9_2"),
            "agent",
            Some(SMITH),
            false,
            25,
        )),
        received(th2(b.at(Kind::SessionEnded, 1100).id("lc-end-2").agent(SMITH))).body(session_change(
            None,
            None,
            Some("agent"),
        )),
        // Chat-level properties name no thread: they join the thread open at their time.
        received(b.at(Kind::Rating, 1110).id("lc-rate-chat")).body(rating(1.0, 0.0, 1.0, None)),
        received(b.at(Kind::Feedback, 1150).id("lc-feedback")).body(feedback(24, None)),
        received(b.at(Kind::RatingRemoved, 1200).id("lc-rate-removed")),
    ]
}

/// Chatwoot conversation 42 (source keeps text): assigned to 1, reassigned to 3, resolved, CSAT 4 then
/// changed to 2; reopened, answered by agent 1, resolved by automation, CSAT 5 while unassigned.
pub fn chatwoot_conversation() -> Vec<ChatEvent> {
    let b = EventBuilder::new("chatwoot", "42");
    let c = |e: ChatEvent| e.contact("17");
    let assigned_1 =
        c(b.at(Kind::Assigned, 20).id("cw-assigned-1").agent("1")).body(assignment(None, Some("1"), None, None));
    vec![
        c(b.at(Kind::SessionStarted, 0).id("cw-created")).body(session_change(Some("open"), None, None)),
        c(b.at(Kind::SessionStatusChanged, 0).id("cw-status-open")).body(session_change(Some("open"), None, None)),
        c(b.at(Kind::Message, 5).id("cw-m1")).body(message(Some("1289"), "contact", Some("17"), false, 40)),
        assigned_1.clone(),
        b.at(Kind::AgentStatusChanged, 20)
            .id("cw-online-1")
            .agent("1")
            .body(Body::AgentStatus { status: "online".into(), vendor_status: "online".into() }),
        c(b.at(Kind::Message, 30).id("cw-m2").agent("1")).body(message(Some("1290"), "agent", Some("1"), false, 56)),
        c(b.at(Kind::Transferred, 40).id("cw-transfer").agent("3")).body(assignment(Some("1"), Some("3"), None, None)),
        c(b.at(Kind::Assigned, 40).id("cw-assigned-3").agent("3")).body(assignment(None, Some("3"), None, None)),
        c(b.at(Kind::Message, 50).id("cw-m3").agent("3")).body(message(Some("1291"), "agent", Some("3"), false, 33)),
        c(b.at(Kind::Seen, 55).id("cw-seen-agent").agent("3")).body(Body::Seen {
            reader_role: "agent".into(),
            reader_id: Some("3".into()),
            seen_up_to_micros: T0_MICROS + 55_000_000,
        }),
        c(b.at(Kind::SessionEnded, 60).id("cw-resolved").agent("3")).body(session_change(
            Some("resolved"),
            Some("open"),
            Some("agent"),
        )),
        c(b.at(Kind::Message, 61).id("cw-csat-request")).body(Body::Message(Message {
            message_id: Some("1292".into()),
            author_role: "bot".into(),
            author_id: None,
            internal: false,
            content_type: "csat_request".into(),
            text_length: 44,
            text: Some("Please rate the conversation".into()),
        })),
        c(b.at(Kind::Rating, 90).id("cw-rate-4").agent("3")).body(rating(
            4.0,
            1.0,
            5.0,
            Some("Quick and helpful, thanks!"),
        )),
        c(b.at(Kind::Rating, 95).id("cw-rate-2").agent("3")).body(rating(
            2.0,
            1.0,
            5.0,
            Some("Actually the fix did not hold"),
        )),
        c(b.at(Kind::SessionReopened, 200).id("cw-reopen")).body(session_change(Some("open"), Some("resolved"), None)),
        c(b.at(Kind::Message, 210).id("cw-m4")).body(message(Some("1300"), "contact", Some("17"), false, 22)),
        c(b.at(Kind::Message, 250).id("cw-m5").agent("1")).body(message(Some("1301"), "agent", Some("1"), false, 31)),
        // The snapshot fact `assigned` has no time in its identity: a later snapshot repeats the same event.
        repeated(&assigned_1, 230),
        c(b.at(Kind::SessionEnded, 300).id("cw-resolved-2")).body(session_change(
            Some("resolved"),
            Some("open"),
            Some("system"),
        )),
        c(b.at(Kind::Rating, 320).id("cw-rate-5")).body(rating(5.0, 1.0, 5.0, None)),
    ]
}

/// Userlike legacy `chat_meta` chat 69 (source without text): two deliveries repeating the whole chat; the
/// second changes the rating from 4 to 5 and adds the post-chat survey.
pub fn userlike_legacy_chat() -> Vec<ChatEvent> {
    let b = EventBuilder::new("userlike", "69");
    let c = |e: ChatEvent| e.session("69").contact(UL_CONTACT);
    let chat = vec![
        c(b.at(Kind::SessionStarted, 0).id("ul-start").agent("1")),
        c(b.at(Kind::Message, 4).id("ul-m1")).body(message(None, "contact", Some(UL_CONTACT), false, 30)),
        c(b.at(Kind::Message, 17).id("ul-m2").agent("2")).body(message(None, "agent", Some("2"), false, 41)),
        c(b.at(Kind::Message, 32).id("ul-m3")).body(message(None, "contact", Some(UL_CONTACT), false, 9)),
        c(b.at(Kind::SessionEnded, 46).id("ul-end").agent("2")).body(session_change(None, None, None)),
    ];
    let rate_4 = received(c(b.at(Kind::Rating, 500).id("ul-rate-4").agent("2"))).body(rating(4.0, 1.0, 5.0, None));
    let feedback_1 = received(c(b.at(Kind::Feedback, 500).id("ul-feedback").agent("2"))).body(feedback(23, None));
    let mut out = chat.clone();
    out.extend([rate_4, feedback_1.clone()]);
    // The second delivery (100 s later): the chat again (same ids), the new score, the same feedback, a survey.
    out.extend(chat.iter().map(|e| resent(e, 100)));
    out.extend([
        received(c(b.at(Kind::Rating, 600).id("ul-rate-5").agent("2"))).body(rating(5.0, 1.0, 5.0, None)),
        resent(&feedback_1, 100),
        received(c(b.at(Kind::SurveyAnswered, 600).id("ul-survey").agent("2"))).body(survey(
            "post_survey",
            "post_survey_option",
            "Very Satisfied",
        )),
    ]);
    out
}

/// Userlike current `chat_session`s of conversation 4711: session 90211 by operator 7 (rating 3, feedback,
/// survey); session 90212 forwarded from 7 to 9, rated 1 the next day without an operator in the rating.
pub fn userlike_sessions() -> Vec<ChatEvent> {
    let b = EventBuilder::new("userlike", "4711");
    let s1 = |e: ChatEvent| e.session("90211").contact("5531");
    let s2 = |e: ChatEvent| e.session("90212").contact("5531");
    vec![
        s1(b.at(Kind::SessionStarted, 0).id("ucs-start-1")),
        s1(b.at(Kind::Message, 10).id("ucs-m1")).body(message(Some("310021"), "contact", Some("5531"), false, 28)),
        s1(b.at(Kind::Message, 20).id("ucs-m2").agent("7")).body(message(
            Some("310022"),
            "agent",
            Some("7"),
            false,
            36,
        )),
        s1(b.at(Kind::SessionEnded, 60).id("ucs-end-1").agent("7")).body(session_change(None, None, None)),
        received(s1(b.at(Kind::Rating, 70).id("ucs-rate-1").agent("7"))).body(rating(3.0, 1.0, 5.0, None)),
        received(s1(b.at(Kind::Feedback, 71).id("ucs-feedback-1").agent("7"))).body(feedback(23, None)),
        received(s1(b.at(Kind::SurveyAnswered, 72).id("ucs-survey-1").agent("7"))).body(survey(
            "post_survey",
            "post_survey_option",
            "Very Satisfied",
        )),
        s2(b.at(Kind::SessionStarted, 80_000).id("ucs-start-2")),
        received(s2(b.at(Kind::Transferred, 80_030).id("ucs-forward").agent("9"))).body(assignment(
            Some("7"),
            Some("9"),
            Some("1"),
            Some("2"),
        )),
        s2(b.at(Kind::Message, 80_040).id("ucs-m3").agent("9")).body(message(
            Some("310030"),
            "agent",
            Some("9"),
            false,
            14,
        )),
        s2(b.at(Kind::SessionEnded, 89_000).id("ucs-end-2")).body(session_change(None, None, None)),
        received(s2(b.at(Kind::Rating, 90_000).id("ucs-rate-2"))).body(rating(1.0, 1.0, 5.0, None)),
    ]
}

/// A Freshchat conversation: messages, assignment, resolution. Freshchat sends no ratings; its
/// `conversation_csat` delivery is an `other` without a chat.
pub fn freshchat_conversation() -> Vec<ChatEvent> {
    let b = EventBuilder::new("freshchat", FC_CHAT);
    let s = |e: ChatEvent| e.session("513085614466744-1668509640118");
    let agent = "0b6e2a7c-9d4f-4e1a-b8c3-5f2d1e0a9b76";
    let contact = "f2b6c7d1-2a3e-4f5b-8c9d-0e1f2a3b4c5d";
    vec![
        s(b.at(Kind::Message, 0).id("fc-m1").contact(contact)).body(message(
            Some("e4b3d2c1"),
            "contact",
            Some(contact),
            false,
            39,
        )),
        s(b.at(Kind::Assigned, 30).id("fc-assigned").agent(agent)).body(assignment(
            None,
            Some(agent),
            Some("9e8d"),
            Some("9e8d"),
        )),
        s(b.at(Kind::Message, 40).id("fc-m2").agent(agent)).body(message(
            Some("f5c4"),
            "agent",
            Some(agent),
            false,
            20,
        )),
        s(b.at(Kind::SessionEnded, 62).id("fc-resolved").agent(agent).contact(contact)).body(session_change(
            Some("resolved"),
            None,
            Some("agent"),
        )),
        EventBuilder::without_chat("freshchat").at(Kind::Other, 160).id("fc-csat"),
    ]
}

/// Every scenario above, in order.
pub fn all_vendors() -> Vec<ChatEvent> {
    let mut out = livechat_chat();
    out.extend(chatwoot_conversation());
    out.extend(userlike_legacy_chat());
    out.extend(userlike_sessions());
    out.extend(freshchat_conversation());
    out
}

/// A fresh store of `backend` with `events` applied in batches of `batch`.
pub async fn store_with(backend: Backend, events: &[ChatEvent], batch: usize) -> (Store, TempStore) {
    let (store, guard) = fresh_store(backend).await.unwrap();
    apply_events(&store, ratings::projection(), events, batch).await.unwrap();
    (store, guard)
}

/// Every row of a derived table (without `group_key`), sorted.
pub async fn rows(store: &Store, table: &str) -> Vec<Vec<Val>> {
    let table = ratings::Ratings.tables().iter().find(|t| t.name == table).expect("a derived table");
    let columns: Vec<(&str, ColType)> = table.columns.iter().map(|c| (c.name, c.ty)).collect();
    dump(store, table.name, &columns).await.unwrap()
}

/// The rows of `table` whose `chat_id` is `chat`.
pub async fn chat_rows(store: &Store, table: &str, chat: &str) -> Vec<Vec<Val>> {
    rows(store, table).await.into_iter().filter(|r| r[2] == t(chat)).collect()
}

/// Columns of `ratings`, in order (for hand-written expected rows).
#[allow(clippy::too_many_arguments)]
pub fn rating_row(
    platform: &str,
    chat: &str,
    session: &str,
    agent: Option<(&str, &str)>,
    contact: Option<&str>,
    rated_at: i64,
    (score, min, max, normalized): (f64, f64, f64, f64),
    satisfied: bool,
    comment: Option<&str>,
    event_id: &str,
) -> Vec<Val> {
    let (agent, source) = agent.map_or((Val::Null, Val::Null), |(a, s)| (t(a), t(s)));
    vec![
        t("acme"),
        t(platform),
        t(chat),
        t(session),
        agent,
        source,
        Val::from(contact),
        at(rated_at),
        Val::Real(score),
        Val::Real(min),
        Val::Real(max),
        Val::Real(normalized),
        Val::Bool(satisfied),
        Val::from(comment),
        t(event_id),
    ]
}

/// Columns of `survey_answers`, in order.
#[allow(clippy::too_many_arguments)]
pub fn answer_row(
    platform: &str,
    chat: &str,
    session: &str,
    (form_type, question, answer): (&str, &str, Option<&str>),
    agent: Option<(&str, &str)>,
    contact: Option<&str>,
    answered_at: i64,
    event_id: &str,
) -> Vec<Val> {
    let (agent, source) = agent.map_or((Val::Null, Val::Null), |(a, s)| (t(a), t(s)));
    vec![
        t("acme"),
        t(platform),
        t(chat),
        t(session),
        t(form_type),
        t(question),
        Val::from(answer),
        agent,
        source,
        Val::from(contact),
        at(answered_at),
        t(event_id),
    ]
}

/// Columns of `feedback`, in order.
#[allow(clippy::too_many_arguments)]
pub fn feedback_row(
    platform: &str,
    chat: &str,
    session: &str,
    agent: Option<(&str, &str)>,
    contact: Option<&str>,
    given_at: i64,
    (length, text): (i64, Option<&str>),
    event_id: &str,
) -> Vec<Val> {
    let (agent, source) = agent.map_or((Val::Null, Val::Null), |(a, s)| (t(a), t(s)));
    vec![
        t("acme"),
        t(platform),
        t(chat),
        t(session),
        agent,
        source,
        Val::from(contact),
        at(given_at),
        Val::Int(length),
        Val::from(text),
        t(event_id),
    ]
}
