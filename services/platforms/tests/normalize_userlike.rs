//! Userlike normaliser: one test per pitfall of platforms.md §1 (and the brief), plus determinism, text
//! privacy and never panicking on arbitrary JSON.

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Platform;
use chatstream_schema::{Body, ChatEvent, Kind, Lineage};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

mod common;

/// 2026-01-01T00:00:00Z.
const RECEIVED_AT: i64 = 1_767_225_600_000_000;
const UUID: &str = "3b2f6c1e-8d4a-4e5f-9a0b-7c6d5e4f3a21";

fn ctx() -> Context {
    Context {
        tenant: "t".into(),
        source_id: "s-userlike".into(),
        platform: Platform::Userlike,
        vendor_event_type: None,
        received_at_micros: RECEIVED_AT,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: 0 },
        keep_text: true,
        timezone: chrono_tz::UTC,
    }
}

fn run(ctx: &Context, body: &Value) -> Vec<ChatEvent> {
    normalize(ctx, &serde_json::to_vec(body).unwrap()).expect("a JSON object normalises")
}

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_micros()
}

fn of_kind(events: &[ChatEvent], kind: Kind) -> Vec<&ChatEvent> {
    events.iter().filter(|e| e.kind == kind).collect()
}

fn operator(id: i64, name: &str, group: i64) -> Value {
    let (first, last) = name.split_once(' ').unwrap();
    json!({"id": id, "name": name, "first_name": first, "last_name": last, "email": "x@example.com",
           "operator_group": {"id": group, "name": "G"}})
}

/// A legacy chat_meta delivery of chat 69 at some point of its life.
fn chat_meta(event: &str, messages: usize, ended: bool, rate: Option<i64>, feedback: bool, survey: bool) -> Value {
    let all = [
        json!({"message": "Hi, do you ship to Austria?", "person": "Jane Doe", "sent_at": "2014-12-29 11:25:52", "type": "co"}),
        json!({"message": "Yes, we do!", "person": "Max Keller", "sent_at": "2014-12-29 11:26:05", "type": "op"}),
        json!({"message": "Great, thanks!", "person": "Jane Doe", "sent_at": "2014-12-29 11:26:20", "type": "co"}),
    ];
    json!({
        "_type": "chat_meta", "_event": event, "id": 69,
        "client_uuid": UUID, "client_name": "Jane Doe", "client_email": "jane@example.com", "custom": {},
        "created_at": "2014-12-29 11:25:48",
        "ended_at": if ended { json!("2014-12-29 11:26:34") } else { Value::Null },
        "duration": "00:00:46",
        "messages": all[..messages].to_vec(),
        "operator_created": operator(1, "Anna Berger", 1), "operator_created_id": 1,
        "operator_current": operator(2, "Max Keller", 2), "operator_current_id": 2,
        "rate": rate,
        "feedback_message": if feedback { json!("Fast answer, thank you.") } else { Value::Null },
        "post_survey_option": if survey { json!("Very Satisfied") } else { Value::Null },
        "marked_read": ended, "status": "new",
    })
}

#[test]
fn naive_timestamps_are_read_in_the_configured_zone() {
    let body = chat_meta("receive", 1, true, None, false, false);

    // UTC unless the source configures a zone.
    let utc = run(&ctx(), &body);
    let started = of_kind(&utc, Kind::SessionStarted)[0];
    assert_eq!(started.occurred_at_micros, micros("2014-12-29T11:25:48Z"));
    assert_eq!(started.occurred_at_source, "payload");
    assert_eq!(of_kind(&utc, Kind::Message)[0].occurred_at_micros, micros("2014-12-29T11:25:52Z"));
    assert_eq!(of_kind(&utc, Kind::SessionEnded)[0].occurred_at_micros, micros("2014-12-29T11:26:34Z"));

    // Europe/Berlin: CET (+01:00) in December…
    let berlin = Context { timezone: chrono_tz::Europe::Berlin, ..ctx() };
    let local = run(&berlin, &body);
    assert_eq!(of_kind(&local, Kind::SessionStarted)[0].occurred_at_micros, micros("2014-12-29T10:25:48Z"));
    assert_eq!(of_kind(&local, Kind::Message)[0].occurred_at_micros, micros("2014-12-29T10:25:52Z"));
    assert_eq!(of_kind(&local, Kind::SessionEnded)[0].occurred_at_micros, micros("2014-12-29T10:26:34Z"));
    // …and CEST (+02:00) in summer.
    let mut summer = body.clone();
    summer["created_at"] = json!("2014-07-01 12:00:00");
    let local = run(&berlin, &summer);
    assert_eq!(of_kind(&local, Kind::SessionStarted)[0].occurred_at_micros, micros("2014-07-01T10:00:00Z"));

    // The identities use the raw strings, so the configured zone does not change event ids.
    let ids = |es: &[ChatEvent]| es.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&utc), ids(&run(&berlin, &body)));

    // A naive time that does not exist in the zone (DST gap) falls back to the receive time, no panic.
    let mut gap = body;
    gap["created_at"] = json!("2014-03-30 02:30:00");
    let started = run(&berlin, &gap).into_iter().find(|e| e.kind == Kind::SessionStarted).unwrap();
    assert_eq!((started.occurred_at_micros, started.occurred_at_source.as_str()), (RECEIVED_AT, "received"));
}

#[test]
fn the_same_chat_delivered_three_times_collapses_to_one_event_per_fact() {
    // start (1 message), rating (chat over, rated), receive (+feedback, +survey): each repeats the whole chat.
    let deliveries = [
        chat_meta("start", 1, false, None, false, false),
        chat_meta("rating", 3, true, Some(5), false, false),
        chat_meta("receive", 3, true, Some(5), true, true),
    ];
    let mut by_id: HashMap<String, ChatEvent> = HashMap::new();
    let mut total = 0;
    for (i, body) in deliveries.iter().enumerate() {
        // Later deliveries arrive later: ids must not depend on the receive time.
        let c = Context { received_at_micros: RECEIVED_AT + i as i64 * 60_000_000, ..ctx() };
        for e in run(&c, body) {
            total += 1;
            if let Some(seen) = by_id.get(&e.event_id) {
                // A repeat is the same fact: same kind, ids, time and body.
                assert_eq!(
                    (seen.kind, &seen.chat_id, &seen.agent_id, &seen.body),
                    (e.kind, &e.chat_id, &e.agent_id, &e.body)
                );
                if e.occurred_at_source == "payload" {
                    assert_eq!(seen.occurred_at_micros, e.occurred_at_micros);
                }
            }
            by_id.insert(e.event_id.clone(), e);
        }
    }
    assert_eq!(total, 2 + 6 + 8, "every delivery re-emits all facts it carries");
    let count = |k: Kind| by_id.values().filter(|e| e.kind == k).count();
    assert_eq!(count(Kind::SessionStarted), 1);
    assert_eq!(count(Kind::Message), 3, "one event per message, not per delivery");
    assert_eq!(count(Kind::SessionEnded), 1);
    assert_eq!(count(Kind::Rating), 1);
    assert_eq!(count(Kind::Feedback), 1);
    assert_eq!(count(Kind::SurveyAnswered), 1);
    assert_eq!(by_id.len(), 8);

    // Each message (by its time) has exactly one event id across all deliveries.
    let mut per_message: HashMap<i64, HashSet<String>> = HashMap::new();
    for e in by_id.values().filter(|e| e.kind == Kind::Message) {
        per_message.entry(e.occurred_at_micros).or_default().insert(e.event_id.clone());
    }
    assert_eq!(per_message.len(), 3);
    assert!(per_message.values().all(|ids| ids.len() == 1));
}

#[test]
fn a_later_different_rating_or_feedback_is_a_new_fact() {
    let four = run(&ctx(), &chat_meta("rating", 3, true, Some(4), false, false));
    let five = run(&ctx(), &chat_meta("rating", 3, true, Some(5), false, false));
    assert_ne!(of_kind(&four, Kind::Rating)[0].event_id, of_kind(&five, Kind::Rating)[0].event_id);

    let mut other_text = chat_meta("feedback", 3, true, Some(5), true, false);
    let same_text = run(&ctx(), &other_text);
    other_text["feedback_message"] = json!("Actually, it took a week.");
    let changed = run(&ctx(), &other_text);
    assert_ne!(of_kind(&same_text, Kind::Feedback)[0].event_id, of_kind(&changed, Kind::Feedback)[0].event_id);
}

#[test]
fn api_resend_of_an_identical_delivery_gives_identical_event_ids() {
    // `$api` / bulk sends re-deliver a conversation, later, outside any trigger.
    for body in [
        chat_meta("receive", 3, true, Some(5), true, true),
        chat_meta("goal", 2, false, None, false, false),
        chat_meta("forward", 1, false, None, false, false),
    ] {
        let first = run(&ctx(), &body);
        let resent = run(&Context { received_at_micros: RECEIVED_AT + 86_400_000_000, ..ctx() }, &body);
        let ids = |es: &[ChatEvent]| es.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first), ids(&resent), "{}", body["_event"]);
        assert_eq!(ids(&first).into_iter().collect::<HashSet<_>>().len(), first.len());
    }
}

#[test]
fn file_named_feedback_but_event_rating_dispatches_on_the_payload() {
    // grokify's event-example_chat-meta_feedback.json carries `_event: rating`; the ingress type says so too.
    let body = chat_meta("rating", 3, true, Some(4), true, false);
    let named_wrong = Context { vendor_event_type: Some("chat_meta.feedback".into()), ..ctx() };
    let events = run(&named_wrong, &body);
    let rating = of_kind(&events, Kind::Rating);
    assert_eq!(rating.len(), 1);
    match &rating[0].body {
        Body::Rating(r) => {
            assert_eq!((r.vendor_score, r.scale_min, r.scale_max, r.normalized_score), (4.0, 1.0, 5.0, 0.75))
        }
        other => panic!("{other:?}"),
    }
    // The repeated feedback is emitted from its field, with the same id as from a `feedback` delivery.
    let feedback = of_kind(&events, Kind::Feedback);
    assert_eq!(feedback.len(), 1);
    let from_feedback_event = run(&ctx(), &chat_meta("feedback", 3, true, Some(4), true, false));
    assert_eq!(feedback[0].event_id, of_kind(&from_feedback_event, Kind::Feedback)[0].event_id);
    assert_eq!(of_kind(&events, Kind::Transferred).len() + of_kind(&events, Kind::GoalReached).len(), 0);
}

#[test]
fn unknown_type_is_tolerated() {
    // The docs promise five formats but name four; the legacy list has `misc`.
    for body in [
        json!({"_type": "misc", "_event": "whatever", "id": 3}),
        json!({"_type": "brand_new_format", "_event": "created", "conversation_id": 1}),
        json!({"_event": "start"}),
        json!({"_type": 5, "_event": ["x"]}),
        json!({}),
    ] {
        let events = run(&ctx(), &body);
        assert_eq!(events.len(), 1, "{body}");
        assert_eq!(events[0].kind, Kind::Other);
        assert_eq!(events[0].occurred_at_source, "received");
    }
    // An unknown `_event` of a known type keeps the ids it has.
    let events =
        run(&ctx(), &json!({"_type": "chat_session", "_event": "translated", "id": 90211, "conversation_id": 4711}));
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].kind, events[0].chat_id.as_deref()), (Kind::Other, Some("4711")));
    assert_eq!(events[0].session_id.as_deref(), Some("90211"));
}

#[test]
fn back_maps_to_online() {
    let events = run(&ctx(), &json!({"_type": "operator", "_event": "back", "id": 7, "name": "Anna Berger"}));
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e.kind, e.agent_id.as_deref()), (Kind::AgentStatusChanged, Some("7")));
    assert_eq!(e.body, Body::AgentStatus { status: "online".into(), vendor_status: "back".into() });
    // Operator events carry no timestamp.
    assert_eq!((e.occurred_at_micros, e.occurred_at_source.as_str()), (RECEIVED_AT, "received"));

    for (word, status) in [("online", "online"), ("offline", "offline"), ("away", "away")] {
        let e = &run(&ctx(), &json!({"_type": "operator", "_event": word, "id": 7}))[0];
        assert_eq!(e.body, Body::AgentStatus { status: status.into(), vendor_status: word.into() });
    }
}

#[test]
fn identical_operator_bodies_at_different_times_are_different_changes() {
    // online, offline, online again: the two "online" bodies are identical; they must not merge.
    let body = json!({"_type": "operator", "_event": "online", "id": 7});
    let morning = run(&ctx(), &body);
    let afternoon = run(&Context { received_at_micros: RECEIVED_AT + 3_600_000_000, ..ctx() }, &body);
    assert_ne!(morning[0].event_id, afternoon[0].event_id);
    // Re-normalising the stored delivery (same receive time) gives the same id.
    assert_eq!(morning[0].event_id, run(&ctx(), &body)[0].event_id);
}

#[test]
fn legacy_messages_roles_authors_and_forward() {
    let events = run(&ctx(), &chat_meta("forward", 2, false, None, false, false));
    let messages = of_kind(&events, Kind::Message);
    let roles: Vec<_> = messages
        .iter()
        .map(|e| match &e.body {
            Body::Message(m) => (m.author_role.clone(), m.author_id.clone(), m.internal),
            other => panic!("{other:?}"),
        })
        .collect();
    // "co" → contact (client_uuid); "op" → agent, found by the operator whose name is `person`.
    assert_eq!(roles, vec![("contact".into(), Some(UUID.into()), false), ("agent".into(), Some("2".into()), false)]);
    let t = of_kind(&events, Kind::Transferred);
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].body,
        Body::Assignment {
            from_agent_id: Some("1".into()),
            to_agent_id: Some("2".into()),
            from_group_id: Some("1".into()),
            to_group_id: Some("2".into()),
            reason: None
        }
    );
    // No forward in a non-forward delivery, even though operator_created != operator_current.
    assert!(of_kind(&run(&ctx(), &chat_meta("rating", 3, true, Some(5), false, false)), Kind::Transferred).is_empty());
    // No rating/feedback/survey/ended invented from null fields.
    let start = run(&ctx(), &chat_meta("start", 1, false, None, false, false));
    assert_eq!(start.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![Kind::SessionStarted, Kind::Message]);
}

#[test]
fn current_format_is_keyed_by_conversation_and_session() {
    let body = json!({"_type": "chat_session", "_event": "message_received", "id": 90211, "conversation_id": 4711,
        "contact": {"id": 5531}, "operator": {"id": 7},
        "message": {"id": 310021, "sender_type": "contact", "text": "Hallo", "sent_at": "2024-05-14T09:12:05Z"}});
    let e = &run(&ctx(), &body)[0];
    assert_eq!((e.chat_id.as_deref(), e.session_id.as_deref()), (Some("4711"), Some("90211")));
    assert_eq!(e.occurred_at_micros, micros("2024-05-14T09:12:05Z"));
    match &e.body {
        Body::Message(m) => {
            assert_eq!(
                (m.message_id.as_deref(), m.author_role.as_str(), m.author_id.as_deref()),
                (Some("310021"), "contact", Some("5531"))
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_same_delivery_normalised_twice_gives_identical_events() {
    for body in [
        chat_meta("receive", 3, true, Some(5), true, true),
        chat_meta("goal", 2, false, None, false, false),
        json!({"_type": "operator", "_event": "away", "id": 1}),
        json!({"_type": "chat_session", "_event": "forward", "id": 1, "conversation_id": 2, "operator": {"id": 9}}),
        json!({"_type": "um_widget", "_event": "config", "id": 3}),
    ] {
        assert_eq!(run(&ctx(), &body), run(&ctx(), &body), "{body}");
    }
}

#[test]
fn text_is_absent_without_keep_text_but_its_length_stays() {
    let private = Context { keep_text: false, ..ctx() };
    let events = run(&private, &chat_meta("receive", 3, true, Some(5), true, true));
    let mut seen = 0;
    for e in &events {
        match &e.body {
            Body::Message(m) => {
                assert_eq!(m.text, None);
                assert!(m.text_length > 0);
                seen += 1;
            }
            Body::Feedback { text_length, text } => {
                assert_eq!((*text_length, text), (23, &None));
                seen += 1;
            }
            _ => {}
        }
    }
    assert_eq!(seen, 4);
    let kept = run(&ctx(), &chat_meta("receive", 3, true, Some(5), true, true));
    let ids = |es: &[ChatEvent]| es.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&events), ids(&kept), "text privacy does not change identities");
}

fn arb_json() -> impl Strategy<Value = Value> {
    common::vendor_json(
        &[
            "id",
            "messages",
            "message",
            "sent_at",
            "type",
            "rate",
            "ended_at",
            "created_at",
            "operator_current",
            "operator_created",
            "operator",
            "previous_operator",
            "operator_group",
            "post_survey_option",
            "feedback_message",
            "conversation_id",
            "goal",
            "name",
        ],
        &["2014-12-29 11:25:48", "2024-05-14T09:12:03Z", "co", "op"],
    )
}

fn arb_delivery() -> impl Strategy<Value = Value> {
    let types = prop_oneof![
        Just("chat_meta"),
        Just("chat_session"),
        Just("conversation"),
        Just("operator"),
        Just("um_widget"),
        Just("chat_widget"),
        Just("offline_message"),
        Just("misc"),
    ];
    let events = prop_oneof![
        Just("start"),
        Just("forward"),
        Just("rating"),
        Just("feedback"),
        Just("survey"),
        Just("receive"),
        Just("goal"),
        Just("message_received"),
        Just("message_sent"),
        Just("unread"),
        Just("end"),
        Just("ended"),
        Just("online"),
        Just("back"),
        Just("config"),
        Just("nope"),
    ];
    (arb_json(), types, events, any::<bool>()).prop_map(|(v, t, e, typed)| {
        let mut obj = match v {
            Value::Object(m) => m,
            other => {
                let mut m = serde_json::Map::new();
                m.insert("messages".into(), other);
                m
            }
        };
        if typed {
            obj.insert("_type".into(), json!(t));
            obj.insert("_event".into(), json!(e));
        }
        Value::Object(obj)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_objects_never_panic(body in arb_delivery()) {
        for zone in [chrono_tz::UTC, chrono_tz::Europe::Berlin] {
            let events = run(&Context { timezone: zone, ..ctx() }, &body);
            prop_assert!(!events.is_empty());
            let ids: HashSet<_> = events.iter().map(|e| &e.event_id).collect();
            prop_assert_eq!(ids.len(), events.len(), "two events of one delivery share an id");
        }
    }
}
