//! LiveChat normaliser: one test per pitfall in platforms.md §3, plus determinism, text privacy and
//! robustness on arbitrary JSON.

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Platform;
use chatstream_schema::{Body, ChatEvent, Kind, Lineage};
use proptest::prelude::*;
use serde_json::{json, Value};

mod common;

/// Receive time of every delivery here: 2026-01-01T00:00:00Z.
const RECEIVED_AT: i64 = 1_767_225_600_000_000;
const CUSTOMER: &str = "b7eff798-f8df-4364-8059-649c35c9ed0c";
const BOT: &str = "5c9871d5372c824cbf22d860a707a578";

fn ctx(keep_text: bool) -> Context {
    Context {
        tenant: "t".into(),
        source_id: "s-livechat".into(),
        platform: Platform::LiveChat,
        vendor_event_type: None,
        received_at_micros: RECEIVED_AT,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: 0 },
        keep_text,
        timezone: chrono_tz::UTC,
    }
}

/// A v3.6 envelope around `payload`.
fn delivery(action: &str, payload: Value) -> Value {
    json!({
        "webhook_id": "2c0b13904e79b2aca271e5f84b898f35",
        "secret_key": "s",
        "action": action,
        "organization_id": "390e44e6-f1e6-0368c-z6ddb-74g14508c2ex",
        "payload": payload,
        "additional_data": {}
    })
}

fn run_with(body: &Value, keep_text: bool) -> Vec<ChatEvent> {
    let mut c = ctx(keep_text);
    c.vendor_event_type = body.get("action").and_then(Value::as_str).map(str::to_string);
    normalize(&c, body.to_string().as_bytes()).unwrap()
}

fn run(body: &Value) -> Vec<ChatEvent> {
    run_with(body, true)
}

fn one(body: &Value) -> ChatEvent {
    let events = run(body);
    assert_eq!(events.len(), 1, "{events:#?}");
    events.into_iter().next().unwrap()
}

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_micros()
}

fn status_of(e: &ChatEvent) -> (String, String) {
    match &e.body {
        Body::AgentStatus { status, vendor_status } => (status.clone(), vendor_status.clone()),
        other => panic!("not an agent status: {other:?}"),
    }
}

fn message_of(e: &ChatEvent) -> chatstream_schema::chat_event::Message {
    match &e.body {
        Body::Message(m) => m.clone(),
        other => panic!("not a message: {other:?}"),
    }
}

fn message_event(event: Value) -> Value {
    delivery("incoming_event", json!({"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "event": event}))
}

#[test]
fn both_routing_status_spellings() {
    for (action, vendor, status) in [
        ("routing_status_set", "accepting chats", "accepting_chats"),
        ("routing_status_set", "accepting_chats", "accepting_chats"),
        ("routing_status_set", "not accepting chats", "not_accepting_chats"),
        ("routing_status_set", "not_accepting_chats", "not_accepting_chats"),
        ("routing_status_set", "offline", "offline"),
        ("agent_status_changed", "accepting chats", "accepting_chats"),
        ("agent_status_changed", "not_accepting_chats", "not_accepting_chats"),
    ] {
        let e = one(&delivery(action, json!({"agent_id": "smith@example.com", "status": vendor})));
        assert_eq!(e.kind, Kind::AgentStatusChanged, "{action} {vendor}");
        assert_eq!(e.agent_id.as_deref(), Some("smith@example.com"));
        assert_eq!(status_of(&e), (status.to_string(), vendor.to_string()), "vendor word kept exactly as sent");
        assert_eq!(e.occurred_at_source, "received", "routing_status_set carries no time");
    }
    // A word nobody documented is not guessed at.
    let e = one(&delivery("routing_status_set", json!({"agent_id": "smith@example.com", "status": "busy-ish"})));
    assert_eq!(e.kind, Kind::Other);
    assert_eq!(e.agent_id.as_deref(), Some("smith@example.com"));
}

#[test]
fn queued_at_vs_queued_at_us() {
    let base = json!({
        "chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "requester_id": "jones@example.com", "reason": "manual",
        "transferred_to": {"group_ids": [19], "agent_ids": ["smith@example.com"]},
    });
    for key in ["queued_at", "queued_at_us"] {
        let mut p = base.clone();
        p["queue"] = json!({"position": 42, "wait_time": 1337, key: "2019-12-09T12:01:18.909000Z"});
        let e = one(&delivery("chat_transferred", p));
        assert_eq!(e.kind, Kind::Transferred);
        assert_eq!(e.occurred_at_micros, micros("2019-12-09T12:01:18.909Z"), "{key}");
        assert_eq!(e.occurred_at_source, "payload");
        assert_eq!(e.agent_id.as_deref(), Some("smith@example.com"));
        assert_eq!(
            e.body,
            Body::Assignment {
                from_agent_id: None,
                to_agent_id: Some("smith@example.com".into()),
                from_group_id: None,
                to_group_id: Some("19".into()),
                reason: Some("manual".into()),
            }
        );
    }
    // No queue: the receive time; a group-only transfer has no target agent.
    let mut p = base.clone();
    p["transferred_to"] = json!({"group_ids": [0]});
    let e = one(&delivery("chat_transferred", p));
    assert_eq!(e.occurred_at_micros, RECEIVED_AT);
    assert_eq!(e.occurred_at_source, "received");
    assert_eq!(e.agent_id, None);
    assert!(matches!(&e.body, Body::Assignment { to_group_id: Some(g), to_agent_id: None, .. } if g == "0"));
}

#[test]
fn chat_id_field_variants() {
    let cases = [
        delivery("chat_deactivated", json!({"chat_id": "C1", "thread_id": "T1"})),
        delivery("incoming_chat", json!({"chat": {"id": "C1", "thread": {"id": "T1", "events": []}}})),
        delivery("chat_access_updated", json!({"id": "C1", "access": {"group_ids": [0]}})),
        delivery("chat_access_granted", json!({"id": "C1", "access": {"group_ids": [0]}})),
        delivery("access_set", json!({"resource": "chat", "id": "C1", "access": {"group_ids": [0]}})),
        delivery(
            "customer_session_fields_updated",
            json!({"id": CUSTOMER, "active_chat": {"chat_id": "C1", "thread_id": "T1"}, "session_fields": [{"a": "b"}]}),
        ),
    ];
    for body in &cases {
        let events = run(body);
        assert!(!events.is_empty());
        for e in events {
            assert_eq!(e.chat_id.as_deref(), Some("C1"), "{body}");
        }
    }
    // The access events' `id` is the chat; customer_session_fields_updated's `id` is the customer.
    let e = one(&cases[5]);
    assert_eq!((e.session_id.as_deref(), e.contact_id.as_deref()), (Some("T1"), Some(CUSTOMER)));
    // The thread of incoming_chat is the session.
    assert_eq!(run(&cases[1])[0].session_id.as_deref(), Some("T1"));
}

#[test]
fn partial_property_maps() {
    let props = |properties: Value| {
        delivery("thread_properties_updated", json!({"chat_id": "C1", "thread_id": "T1", "properties": properties}))
    };
    // Only another namespace changed: nothing for ratings.
    let e = one(&props(json!({"0805e283233042b37f460ed8fbf22160": {"string_property": "string value"}})));
    assert_eq!((e.kind, e.chat_id.as_deref(), e.session_id.as_deref()), (Kind::Other, Some("C1"), Some("T1")));
    // A comment alone is not a rating update: it is feedback.
    let e = one(&props(json!({"rating": {"comment": "Slow answers."}})));
    assert_eq!(e.kind, Kind::Feedback);
    assert_eq!(e.body, Body::Feedback { text_length: 13, text: Some("Slow answers.".into()) });
    // A score alone is a rating without a comment.
    let e = one(&props(json!({"rating": {"score": 0}})));
    assert_eq!(e.kind, Kind::Rating);
    assert!(matches!(&e.body, Body::Rating(r) if r.vendor_score == 0.0 && r.comment.is_none()));
    // The rating next to another namespace is still the rating.
    let e = one(&props(json!({"rating": {"score": 1}, "other_ns": {"x": 1}})));
    assert_eq!(e.kind, Kind::Rating);
    // An empty rating map says nothing.
    assert_eq!(one(&props(json!({"rating": {}}))).kind, Kind::Other);
}

#[test]
fn rating_via_property_namespace() {
    let rate = |action: &str, rating: Value| {
        let mut p = json!({"chat_id": "C1", "properties": {"rating": rating}});
        if action.starts_with("thread") {
            p["thread_id"] = json!("T1");
        }
        delivery(action, p)
    };
    for action in ["chat_properties_updated", "thread_properties_updated"] {
        let good = one(&rate(action, json!({"score": 1, "comment": "Very helpful, thank you!"})));
        assert_eq!(good.kind, Kind::Rating);
        match &good.body {
            Body::Rating(r) => {
                assert_eq!((r.vendor_score, r.scale_min, r.scale_max, r.normalized_score), (1.0, 0.0, 1.0, 1.0));
                assert_eq!(r.comment.as_deref(), Some("Very helpful, thank you!"));
            }
            other => panic!("{other:?}"),
        }
        let bad = one(&rate(action, json!({"score": 0})));
        assert!(matches!(&bad.body, Body::Rating(r) if r.vendor_score == 0.0 && r.normalized_score == 0.0));
        assert_ne!(good.event_id, bad.event_id, "a later different rating is a different event");
        let changed_comment = one(&rate(action, json!({"score": 1, "comment": "Actually great."})));
        assert_ne!(good.event_id, changed_comment.event_id);
        // The same rating re-sent (with other additional_data) is the same event.
        let mut again = rate(action, json!({"comment": "Very helpful, thank you!", "score": 1}));
        again["additional_data"] = json!({"chat_presence_user_ids": [CUSTOMER]});
        assert_eq!(one(&again).event_id, good.event_id);
    }
    // Deleting the score removes the rating; deleting only the comment does not.
    let del =
        |names: Value| delivery("chat_properties_deleted", json!({"chat_id": "C1", "properties": {"rating": names}}));
    let e = one(&del(json!(["score", "comment"])));
    assert_eq!((e.kind, e.chat_id.as_deref()), (Kind::RatingRemoved, Some("C1")));
    assert_eq!(one(&del(json!(["comment"]))).kind, Kind::Other);
    let e = one(&delivery(
        "thread_properties_deleted",
        json!({"chat_id": "C1", "thread_id": "T1", "properties": {"rating": ["score"]}}),
    ));
    assert_eq!((e.kind, e.session_id.as_deref()), (Kind::RatingRemoved, Some("T1")));
}

#[test]
fn filled_form_postchat_survey() {
    let body = message_event(json!({
        "id": "K600PKZON8_9", "created_at": "2019-12-09T12:06:41.771002Z", "type": "filled_form",
        "recipients": "all", "author_id": CUSTOMER, "form_id": "f1",
        "fields": [
            {"id": "r", "type": "radio", "label": "How would you rate the chat?", "answer": {"id": "0", "label": "Good"}},
            {"id": "c", "type": "textarea", "label": "Anything we could improve?", "answer": "Quick."},
            {"id": "h", "type": "header", "label": "Thanks!"},
            {"id": "e", "type": "question", "label": "Left empty", "answer": ""},
            {"id": "k", "type": "checkbox", "label": "Topics", "answers": [{"id": "1", "label": "Billing"}, {"id": "2", "label": "Plans"}]},
            {"id": "g", "type": "group_chooser", "label": "Department", "answer": {"group_id": 2, "value": "sales"}}
        ],
        "properties": {"lc2": {"form_type": "postchat"}}
    }));
    let events = run(&body);
    let answers: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            assert_eq!(e.kind, Kind::SurveyAnswered);
            assert_eq!(e.contact_id.as_deref(), Some(CUSTOMER));
            assert_eq!((e.chat_id.as_deref(), e.session_id.as_deref()), (Some("PJ0MRSHTDG"), Some("K600PKZON8")));
            assert_eq!(e.occurred_at_micros, micros("2019-12-09T12:06:41.771002Z"));
            match &e.body {
                Body::SurveyAnswer { form_type, question, answer } => {
                    (form_type.clone(), question.clone(), answer.clone())
                }
                other => panic!("{other:?}"),
            }
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        answers,
        vec![
            s("postchat", "How would you rate the chat?", "Good"),
            s("postchat", "Anything we could improve?", "Quick."),
            s("postchat", "Topics", "Billing, Plans"),
            s("postchat", "Department", "sales"),
        ]
    );
    // A prechat form without lc2 properties but with the event's own form type is a survey too.
    let body = message_event(json!({
        "id": "K600PKZON8_1", "type": "filled_form", "form_type": "prechat", "author_id": CUSTOMER,
        "fields": [{"id": "n", "type": "name", "label": "Name:", "answer": "Thomas"}]
    }));
    let e = one(&body);
    assert_eq!(
        e.body,
        Body::SurveyAnswer { form_type: "prechat".into(), question: "Name:".into(), answer: "Thomas".into() }
    );
    // A form with nothing answered is still a chat event, just not a survey answer.
    let e = one(&message_event(json!({"id": "x", "type": "filled_form", "author_id": CUSTOMER, "fields": []})));
    assert_eq!((e.kind, e.chat_id.as_deref()), (Kind::Other, Some("PJ0MRSHTDG")));
}

#[test]
fn internal_note_via_recipients() {
    let note = |extra: Value| {
        let mut e = json!({"id": "K600PKZON8_4", "created_at": "2019-12-09T12:01:02.004512Z", "type": "message",
            "author_id": "smith@example.com", "text": "upsell"});
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        message_of(&one(&message_event(e)))
    };
    assert!(note(json!({"recipients": "agents"})).internal);
    assert!(note(json!({"visibility": "agents"})).internal);
    assert!(!note(json!({"recipients": "all"})).internal);
    assert!(!note(json!({})).internal);
    let m = note(json!({"recipients": "agents"}));
    assert_eq!((m.author_role.as_str(), m.author_id.as_deref()), ("agent", Some("smith@example.com")));
}

#[test]
fn author_role_from_id_shape() {
    let by = |author: Option<&str>, kind: &str| {
        let mut e = json!({"id": "K1_1", "type": kind, "text": "hello"});
        if let Some(a) = author {
            e["author_id"] = json!(a);
        }
        let ev = one(&message_event(e));
        let m = message_of(&ev);
        (m.author_role, ev.agent_id, ev.contact_id)
    };
    assert_eq!(by(Some("smith@example.com"), "message"), ("agent".into(), Some("smith@example.com".into()), None));
    assert_eq!(by(Some(CUSTOMER), "message"), ("contact".into(), None, Some(CUSTOMER.into())));
    assert_eq!(by(Some(BOT), "message"), ("bot".into(), Some(BOT.into()), None));
    assert_eq!(by(None, "system_message"), ("system".into(), None, None));
    assert_eq!(by(Some("smith@example.com"), "system_message").0, "system");
    // Content types.
    let ct = |e: Value| message_of(&one(&message_event(e))).content_type;
    assert_eq!(ct(json!({"type": "file", "author_id": CUSTOMER, "content_type": "image/png"})), "image");
    assert_eq!(ct(json!({"type": "file", "author_id": CUSTOMER, "content_type": "application/pdf"})), "file");
    assert_eq!(ct(json!({"type": "rich_message", "author_id": BOT, "elements": []})), "rich");
    assert_eq!(ct(json!({"type": "custom", "author_id": BOT, "content": {}})), "custom");
}

#[test]
fn chat_closed_by_agent_customer_or_router() {
    let closed = |user: Option<&str>| {
        let mut p = json!({"chat_id": "C1", "thread_id": "T1"});
        if let Some(u) = user {
            p["user_id"] = json!(u);
        }
        let e = one(&delivery("chat_deactivated", p));
        assert_eq!(e.kind, Kind::SessionEnded);
        match e.body {
            Body::SessionChange { closed_by, .. } => closed_by,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(closed(Some("smith@example.com")).as_deref(), Some("agent"));
    assert_eq!(closed(Some(CUSTOMER)).as_deref(), Some("contact"));
    assert_eq!(closed(None).as_deref(), Some("system"));
}

#[test]
fn never_sentinel() {
    const NEVER: &str = "1970-01-01T01:00:00.000000Z";
    // A read watermark of "never" is no watermark.
    let e = one(&delivery("events_marked_as_seen", json!({"user_id": CUSTOMER, "chat_id": "C1", "seen_up_to": NEVER})));
    assert_eq!(e.kind, Kind::Other);
    assert_eq!((e.chat_id.as_deref(), e.occurred_at_micros), (Some("C1"), RECEIVED_AT));
    let e =
        one(&delivery("last_seen_timestamp_updated", json!({"user_id": CUSTOMER, "chat_id": "C1", "timestamp": 0})));
    assert_eq!(e.kind, Kind::Other);
    // A real one (3 fraction digits) is.
    let e = one(&delivery(
        "events_marked_as_seen",
        json!({"user_id": "smith@example.com", "chat_id": "C1", "seen_up_to": "2019-10-08T11:56:53.000Z"}),
    ));
    assert_eq!(e.kind, Kind::Seen);
    assert_eq!(
        e.body,
        Body::Seen {
            reader_role: "agent".into(),
            reader_id: Some("smith@example.com".into()),
            seen_up_to_micros: micros("2019-10-08T11:56:53Z")
        }
    );
    // Never is not a time anywhere else either: the receive time is used.
    let e = one(&delivery("incoming_customer", json!({"customer": {"id": CUSTOMER, "created_at": NEVER}})));
    assert_eq!((e.occurred_at_micros, e.occurred_at_source.as_str()), (RECEIVED_AT, "received"));
    let e = one(&message_event(json!({"id": "K1_1", "type": "message", "author_id": CUSTOMER, "created_at": NEVER})));
    assert_eq!(e.occurred_at_source, "received");
}

#[test]
fn license_id_numeric_v33_envelope() {
    let body = json!({
        "webhook_id": "2c0b13904e79b2aca271e5f84b898f35",
        "secret_key": "s",
        "action": "incoming_event",
        "license_id": 104130623,
        "payload": {"chat_id": "PJ0MRSHTDG", "thread_id": "K600PKZON8", "event": {
            "id": "K600PKZON8_3", "created_at": "2019-12-09T12:00:31.208341Z", "type": "message",
            "recipients": "all", "author_id": "smith@example.com", "text": "Yes."}},
    });
    let e = one(&body);
    assert_eq!(e.kind, Kind::Message);
    assert_eq!(e.agent_id.as_deref(), Some("smith@example.com"));
    assert_eq!(e.occurred_at_micros, micros("2019-12-09T12:00:31.208341Z"));
    // The same event in the v3.6 envelope is the same event.
    let mut v36 = body.clone();
    v36.as_object_mut().unwrap().remove("license_id");
    v36["organization_id"] = json!("390e44e6-f1e6-0368c-z6ddb-74g14508c2ex");
    assert_eq!(one(&v36).event_id, e.event_id);
    // Roster in a v3.3 envelope.
    let mut roster = delivery("agent_deleted", json!({"id": "jones@example.com"}));
    roster["license_id"] = json!(104130623);
    let e = one(&roster);
    assert_eq!(e.kind, Kind::AgentRosterChanged);
    assert_eq!(e.body, Body::AgentRoster { action: "deleted".into(), is_bot: false });
}

#[test]
fn incoming_customer_both_shapes() {
    let customer =
        json!({"id": CUSTOMER, "type": "customer", "name": "Thomas", "created_at": "2019-12-09T11:58:02.000000Z"});
    let wrapped = one(&delivery("incoming_customer", json!({"customer": customer.clone()})));
    let bare = one(&delivery("incoming_customer", customer.clone()));
    let v32 = one(&delivery("customer_created", json!({"customer": customer})));
    for e in [&wrapped, &bare, &v32] {
        assert_eq!(e.kind, Kind::ContactUpdated);
        assert_eq!(e.contact_id.as_deref(), Some(CUSTOMER));
        assert_eq!(e.occurred_at_micros, micros("2019-12-09T11:58:02Z"));
        assert_eq!(e.body, Body::ContactChange { changed: vec![] });
    }
    assert_eq!(wrapped.event_id, bare.event_id, "one customer creation, whatever the shape");
    assert_eq!(wrapped.event_id, v32.event_id);
}

#[test]
fn session_fields_update_sent_per_active_chat_is_one_fact() {
    let update = |chat: &str| {
        one(&delivery(
            "customer_session_fields_updated",
            json!({"id": CUSTOMER, "active_chat": {"chat_id": chat, "thread_id": "T"}, "session_fields": [{"plan": "pro"}]}),
        ))
    };
    let (a, b) = (update("C1"), update("C2"));
    assert_eq!(a.body, Body::ContactChange { changed: vec!["plan".into()] });
    assert_eq!(a.event_id, b.event_id);
    assert_eq!((a.chat_id.as_deref(), b.chat_id.as_deref()), (Some("C1"), Some("C2")));
}

#[test]
fn initial_chat_events_match_incoming_event_ids() {
    let event = json!({"id": "K600PKZON8_2", "created_at": "2019-12-09T12:00:05.126011Z", "type": "message",
        "recipients": "all", "author_id": CUSTOMER, "text": "Hi!"});
    let chat = delivery(
        "incoming_chat",
        json!({"chat": {"id": "PJ0MRSHTDG", "users": [], "thread": {"id": "K600PKZON8",
            "created_at": "2019-12-09T12:00:01.102000Z", "events": [event.clone()]}}}),
    );
    let from_chat = run(&chat);
    assert_eq!(from_chat.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![Kind::SessionStarted, Kind::Message]);
    assert_eq!(from_chat[0].occurred_at_micros, micros("2019-12-09T12:00:01.102Z"));
    assert_eq!(from_chat[1].event_id, one(&message_event(event)).event_id);
}

#[test]
fn same_delivery_twice_gives_identical_events() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/livechat");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        let first = normalize(&ctx(true), &raw).unwrap();
        let second = normalize(&ctx(true), &raw).unwrap();
        assert_eq!(first, second, "{}", path.display());
        // Re-serialised with other whitespace: still the same events.
        let v: Value = serde_json::from_slice(&raw).unwrap();
        let pretty = serde_json::to_vec_pretty(&v).unwrap();
        assert_eq!(normalize(&ctx(true), &pretty).unwrap(), first, "{}", path.display());
    }
}

#[test]
fn text_absent_without_keep_text_but_length_stays() {
    let body = message_event(json!({"id": "K1_1", "type": "message", "author_id": CUSTOMER, "text": "Zażółć gęślą"}));
    let kept = message_of(&one(&body));
    assert_eq!((kept.text.as_deref(), kept.text_length), (Some("Zażółć gęślą"), 12));
    let stripped = run_with(&body, false);
    let m = message_of(&stripped[0]);
    assert_eq!((m.text, m.text_length), (None, 12));
    assert_eq!(stripped[0].event_id, one(&body).event_id);
    let feedback =
        delivery("chat_properties_updated", json!({"chat_id": "C1", "properties": {"rating": {"comment": "Slow."}}}));
    assert_eq!(run_with(&feedback, false)[0].body, Body::Feedback { text_length: 5, text: None });
}

fn arb_json() -> impl Strategy<Value = Value> {
    common::vendor_json(
        &[
            "payload",
            "chat_id",
            "thread_id",
            "id",
            "chat",
            "thread",
            "events",
            "event",
            "users",
            "type",
            "fields",
            "answer",
            "answers",
            "properties",
            "rating",
            "score",
            "comment",
            "user_id",
            "author_id",
            "created_at",
            "seen_up_to",
            "queue",
            "queued_at",
            "transferred_to",
            "agent_ids",
            "customer",
            "session_fields",
            "active_chat",
            "status",
            "text",
        ],
        &[
            "1970-01-01T01:00:00.000000Z",
            "2019-12-09T12:00:05.126011Z",
            "smith@example.com",
            "5c9871d5372c824cbf22d860a707a578",
            "filled_form",
            "system_message",
            "agents",
        ],
    )
}

const ACTIONS: &[&str] = &[
    "incoming_chat",
    "incoming_chat_thread",
    "chat_deactivated",
    "thread_closed",
    "chat_access_updated",
    "chat_transferred",
    "user_added_to_chat",
    "chat_user_removed",
    "incoming_event",
    "event_updated",
    "incoming_rich_message_postback",
    "chat_properties_updated",
    "thread_properties_deleted",
    "event_properties_updated",
    "thread_tagged",
    "chat_thread_untagged",
    "events_marked_as_seen",
    "last_seen_timestamp_updated",
    "routing_status_set",
    "agent_status_changed",
    "agent_created",
    "bot_deleted",
    "incoming_customer",
    "customer_created",
    "customer_session_fields_updated",
    "follow_up_requested",
    "tag_created",
    "auto_accesses_updated",
    "group_created",
    "chat_summary_generated",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_objects_never_panic(v in arb_json(), action in prop::sample::select(ACTIONS), payload in arb_json()) {
        let mut c = ctx(true);
        c.vendor_event_type = Some(action.to_string());
        if v.is_object() {
            let events = normalize(&c, v.to_string().as_bytes()).unwrap();
            prop_assert!(!events.is_empty());
        }
        let body = json!({"action": action, "payload": payload});
        let events = normalize(&c, body.to_string().as_bytes()).unwrap();
        prop_assert!(!events.is_empty());
        let ids: std::collections::HashSet<_> = events.iter().map(|e| e.event_id.clone()).collect();
        prop_assert_eq!(ids.len(), events.len());
        let again = normalize(&c, body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(events, again);
    }
}
