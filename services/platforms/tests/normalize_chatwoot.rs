//! Chatwoot normalisation: one test per pitfall of platforms.md §4, plus determinism, text privacy and
//! "arbitrary JSON never panics".

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Platform;
use chatstream_schema::{Body, ChatEvent, Kind, Lineage};
use proptest::prelude::*;
use serde_json::{json, Value};

mod common;

const RECEIVED_AT: i64 = 1_767_225_600_000_000;

fn ctx(keep_text: bool) -> Context {
    Context {
        tenant: "t".into(),
        source_id: "s-chatwoot".into(),
        platform: Platform::Chatwoot,
        vendor_event_type: None,
        received_at_micros: RECEIVED_AT,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: 0 },
        keep_text,
        timezone: chrono_tz::UTC,
    }
}

fn run_with(body: &Value, keep_text: bool) -> Vec<ChatEvent> {
    normalize(&ctx(keep_text), &serde_json::to_vec(body).unwrap()).unwrap()
}

fn run(body: &Value) -> Vec<ChatEvent> {
    run_with(body, true)
}

fn of_kind(events: &[ChatEvent], kind: Kind) -> Vec<&ChatEvent> {
    events.iter().filter(|e| e.kind == kind).collect()
}

fn one(events: &[ChatEvent], kind: Kind) -> &ChatEvent {
    let found = of_kind(events, kind);
    assert_eq!(found.len(), 1, "expected one {kind:?} in {events:#?}");
    found[0]
}

fn message(e: &ChatEvent) -> &chatstream_schema::chat_event::Message {
    match &e.body {
        Body::Message(m) => m,
        other => panic!("not a message body: {other:?}"),
    }
}

fn seen(e: &ChatEvent) -> (&str, Option<&str>, i64) {
    match &e.body {
        Body::Seen { reader_role, reader_id, seen_up_to_micros } => {
            (reader_role.as_str(), reader_id.as_deref(), *seen_up_to_micros)
        }
        other => panic!("not a seen body: {other:?}"),
    }
}

fn session(e: &ChatEvent) -> (Option<&str>, Option<&str>) {
    match &e.body {
        Body::SessionChange { status, previous_status, .. } => (status.as_deref(), previous_status.as_deref()),
        other => panic!("not a session change: {other:?}"),
    }
}

/// A conversation snapshot in push format (`id` is the display id).
fn conversation(id: Value, status: &str, updated_at: f64, agent_seen: i64, contact_seen: i64) -> Value {
    json!({
        "id": id,
        "inbox_id": 3,
        "contact_inbox": {"id": 25, "contact_id": 17, "inbox_id": 3},
        "messages": [{"id": 1289, "conversation_id": id, "message_type": 0, "created_at": 1627063369,
                      "updated_at": "2021-07-23T18:02:49.614Z", "content": "Hi", "sender_type": "Contact", "sender_id": 17}],
        "meta": {
            "sender": {"id": 17, "type": "contact"},
            "assignee": {"id": 1, "type": "user", "availability_status": "online"},
            "assignee_type": "User"
        },
        "status": status,
        "agent_last_seen_at": agent_seen,
        "contact_last_seen_at": contact_seen,
        "last_activity_at": 1627063369,
        "timestamp": 1627063369,
        "created_at": 1627063300,
        "updated_at": updated_at
    })
}

fn message_event(event: &str, id: Value, message_type: Value, sender: Value, conv: Value) -> Value {
    json!({
        "event": event,
        "id": id,
        "content": "Hi, I can't log in",
        "content_type": "text",
        "content_attributes": {},
        "created_at": "2021-07-23T18:02:48.000Z",
        "message_type": message_type,
        "private": false,
        "sender": sender,
        "conversation": conv,
        "account": {"id": 1}
    })
}

fn conversation_event(event: &str, mut conv: Value, changed: Value) -> Value {
    conv["event"] = json!(event);
    conv["changed_attributes"] = changed;
    conv
}

#[test]
fn display_id_vs_db_id() {
    // Message event: top-level `id` is the MESSAGE id, the chat is `conversation.id` (the display id); the
    // inbox / contact_inbox ids are database ids of other things.
    let body = message_event(
        "message_created",
        json!(1289),
        json!("incoming"),
        json!({"id": 17, "type": "contact"}),
        conversation(json!(42), "open", 1627063369.614512, 0, 0),
    );
    let events = run(&body);
    assert!(events.iter().all(|e| e.chat_id.as_deref() == Some("42")), "{events:#?}");
    assert_eq!(message(one(&events, Kind::Message)).message_id.as_deref(), Some("1289"));

    // A conversation object that carries both a database `id` and a `display_id`: the display id wins.
    let mut conv = conversation(json!(9001), "open", 1627063369.614512, 0, 0);
    conv["display_id"] = json!(42);
    let events = run(&message_event("message_created", json!(1289), json!("incoming"), json!({"id": 17}), conv));
    assert!(events.iter().all(|e| e.chat_id.as_deref() == Some("42")), "{events:#?}");

    // Conversation event: the top-level `id` is the display id.
    let events = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063395.1, 0, 0),
        json!([]),
    ));
    assert!(events.iter().all(|e| e.chat_id.as_deref() == Some("42")), "{events:#?}");
}

#[test]
fn mixed_time_types_in_one_payload() {
    // ISO string message time, unix-int watermarks, float `updated_at`, all in one delivery.
    let body = message_event(
        "message_created",
        json!(1289),
        json!("incoming"),
        json!({"id": 17, "type": "contact"}),
        conversation(json!(42), "open", 1627063369.614512, 1627063300, 1627063369),
    );
    let events = run(&body);
    let m = one(&events, Kind::Message);
    assert_eq!(m.occurred_at_micros, 1_627_063_368_000_000, "ISO created_at");
    assert_eq!(m.occurred_at_source, "payload");
    let status = one(&events, Kind::SessionStatusChanged);
    assert_eq!(status.occurred_at_micros, 1_627_063_369_614_512, "float updated_at to the microsecond");
    let seen_events = of_kind(&events, Kind::Seen);
    assert_eq!(seen(seen_events[0]), ("agent", Some("1"), 1_627_063_300_000_000), "unix int watermark");
    assert_eq!(seen(seen_events[1]), ("contact", Some("17"), 1_627_063_369_000_000));

    // Rails `to_s` (`"… UTC"`) created_at of the generic doc sample.
    let mut body = body;
    body["created_at"] = json!("2020-03-03 13:05:57 UTC");
    assert_eq!(one(&run(&body), Kind::Message).occurred_at_micros, 1_583_240_757_000_000);

    // A conversation event: session start from unix `created_at`, snapshot facts from float `updated_at`.
    let events = run(&conversation_event(
        "conversation_created",
        conversation(json!(42), "pending", 1627063300.870155, 0, 0),
        json!(null),
    ));
    assert_eq!(one(&events, Kind::SessionStarted).occurred_at_micros, 1_627_063_300_000_000);
    assert_eq!(one(&events, Kind::SessionStatusChanged).occurred_at_micros, 1_627_063_300_870_155);
}

#[test]
fn string_vs_int_message_type() {
    let conv = conversation(json!(42), "open", 1627063369.6, 0, 0);
    let cases = [
        (json!("incoming"), json!(0), json!({"id": 17, "type": "contact"}), "contact"),
        (json!("outgoing"), json!(1), json!({"id": 1, "type": "user"}), "agent"),
        (json!("outgoing"), json!(1), json!({"id": 5, "type": "agent_bot"}), "bot"),
        (json!("outgoing"), json!(1), json!({"id": 5, "type": "AgentBot"}), "bot"),
        (json!("activity"), json!(2), json!(null), "system"),
        (json!("template"), json!(3), json!(null), "bot"),
    ];
    for (word, number, sender, role) in cases {
        let by_word = run(&message_event("message_created", json!(7), word.clone(), sender.clone(), conv.clone()));
        let by_number = run(&message_event("message_created", json!(7), number.clone(), sender.clone(), conv.clone()));
        assert_eq!(message(one(&by_word, Kind::Message)).author_role, role, "{word}");
        assert_eq!(message(one(&by_number, Kind::Message)).author_role, role, "{number}");
        assert_eq!(one(&by_word, Kind::Message).agent_id, one(&by_number, Kind::Message).agent_id);
    }
    // Agent id only when the author is a user; the embedded messages[] (int message_type) are not messages.
    let events =
        run(&message_event("message_created", json!(7), json!("outgoing"), json!({"id": 1, "type": "user"}), conv));
    let m = one(&events, Kind::Message);
    assert_eq!(m.agent_id.as_deref(), Some("1"));
    assert_eq!(message(m).author_id.as_deref(), Some("1"));
    assert_eq!(m.contact_id.as_deref(), Some("17"), "contact from the conversation");
}

#[test]
fn string_vs_int_ids() {
    let ints = message_event(
        "message_created",
        json!(1289),
        json!("outgoing"),
        json!({"id": 1, "type": "user"}),
        conversation(json!(42), "open", 1627063369.614512, 1627063300, 1627063369),
    );
    let mut strings = ints.clone();
    strings["id"] = json!("1289");
    strings["sender"]["id"] = json!("1");
    strings["conversation"]["id"] = json!("42");
    strings["conversation"]["meta"]["sender"]["id"] = json!("17");
    strings["conversation"]["meta"]["assignee"]["id"] = json!("1");
    let (a, b) = (run(&ints), run(&strings));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.kind, y.kind);
        assert_eq!((&x.chat_id, &x.agent_id, &x.contact_id), (&y.chat_id, &y.agent_id, &y.contact_id));
        assert_eq!(x.body, y.body);
        // The facts have vendor identities, so the same fact gets the same id whatever the id type.
        assert_eq!(x.event_id, y.event_id, "{:?}", x.kind);
    }
    assert_eq!(one(&a, Kind::Message).chat_id.as_deref(), Some("42"));
    assert_eq!(one(&a, Kind::Assigned).agent_id.as_deref(), Some("1"));
}

#[test]
fn private_note_is_internal() {
    let mut body = message_event(
        "message_created",
        json!(1291),
        json!("outgoing"),
        json!({"id": 1, "type": "user"}),
        conversation(json!(42), "open", 1627063440.530114, 0, 0),
    );
    body["private"] = json!(true);
    let events = run(&body);
    let m = message(one(&events, Kind::Message));
    assert!(m.internal);
    assert_eq!(m.author_role, "agent");
    body["private"] = json!(false);
    assert!(!message(one(&run(&body), Kind::Message)).internal);
}

fn csat(rating: Value, feedback: &str) -> Value {
    let mut body = message_event(
        "message_updated",
        json!(1293),
        json!("template"),
        json!(null),
        conversation(json!(42), "resolved", 1627063862.340512, 1627063805, 1627063862),
    );
    body["content_type"] = json!("input_csat");
    body["content"] = json!("Please rate the conversation");
    body["content_attributes"] =
        json!({"submitted_values": {"csat_survey_response": {"rating": rating, "feedback_message": feedback}}});
    body["conversation"]["messages"] = json!([{"id": 1293, "message_type": 3, "created_at": 1627063815,
        "updated_at": "2021-07-23T18:11:02.340Z", "content_type": "input_csat"}]);
    body
}

#[test]
fn csat_answer_in_message_updated() {
    let events = run(&csat(json!(4), "Quick and helpful"));
    assert!(of_kind(&events, Kind::MessageEdited).is_empty());
    let r = one(&events, Kind::Rating);
    assert_eq!(r.chat_id.as_deref(), Some("42"));
    assert_eq!(r.agent_id.as_deref(), Some("1"), "rated agent = assignee");
    assert_eq!(r.contact_id.as_deref(), Some("17"));
    assert_eq!(r.occurred_at_micros, 1_627_063_862_340_000, "answer time = the message's updated_at");
    match &r.body {
        Body::Rating(x) => {
            assert_eq!((x.vendor_score, x.scale_min, x.scale_max), (4.0, 1.0, 5.0));
            assert_eq!(x.normalized_score, 0.75);
            assert_eq!(x.comment.as_deref(), Some("Quick and helpful"));
        }
        other => panic!("{other:?}"),
    }
    // The same answer again → same id; a changed answer → a new fact.
    let again = run(&csat(json!(4), "Quick and helpful"));
    assert_eq!(one(&again, Kind::Rating).event_id, r.event_id);
    let changed = run(&csat(json!(2), "Actually, not solved"));
    assert_ne!(one(&changed, Kind::Rating).event_id, r.event_id);
    // Empty feedback is no comment.
    match &one(&run(&csat(json!(5), "  ")), Kind::Rating).body {
        Body::Rating(x) => assert_eq!(x.comment, None),
        other => panic!("{other:?}"),
    }
    // The survey itself, when sent, is a csat_request message.
    let mut sent = csat(json!(null), "");
    sent["event"] = json!("message_created");
    sent["content_attributes"] = json!({});
    assert_eq!(message(one(&run(&sent), Kind::Message)).content_type, "csat_request");
    // A message_updated without a CSAT answer is an edit.
    let mut edit = csat(json!(null), "");
    edit["content_attributes"] = json!({"submitted_values": [{"title": "Login", "value": "login"}]});
    edit["content_type"] = json!("input_select");
    let edited = run(&edit);
    assert!(of_kind(&edited, Kind::Rating).is_empty());
    assert_eq!(message(one(&edited, Kind::MessageEdited)).content_type, "input_select");
}

#[test]
fn watermarks_from_every_snapshot_zero_means_never() {
    // Message event: embedded conversation, agent never looked (0), contact did.
    let body = message_event(
        "message_created",
        json!(1289),
        json!("incoming"),
        json!({"id": 17, "type": "contact"}),
        conversation(json!(42), "open", 1627063369.6, 0, 1627063369),
    );
    let events = run(&body);
    assert_eq!(seen(one(&events, Kind::Seen)), ("contact", Some("17"), 1_627_063_369_000_000));

    // A conversation_updated about something else still carries the agent watermark.
    let upd = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063395.1, 1627063390, 1627063369),
        json!([{"labels": {"previous_value": [], "current_value": ["login"]}}]),
    ));
    let agent_seen = of_kind(&upd, Kind::Seen).into_iter().find(|e| seen(e).0 == "agent").unwrap();
    assert_eq!(seen(agent_seen), ("agent", Some("1"), 1_627_063_390_000_000));
    assert_eq!(agent_seen.agent_id.as_deref(), Some("1"));
    // The same contact watermark seen in two different deliveries is one fact.
    let contact_seen = of_kind(&upd, Kind::Seen).into_iter().find(|e| seen(e).0 == "contact").unwrap();
    assert_eq!(contact_seen.event_id, one(&events, Kind::Seen).event_id);
    // An advanced watermark is a new fact.
    let later = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063400.2, 1627063398, 1627063369),
        json!([]),
    ));
    let later_agent = of_kind(&later, Kind::Seen).into_iter().find(|e| seen(e).0 == "agent").unwrap();
    assert_ne!(later_agent.event_id, agent_seen.event_id);
    // All zero: no seen at all, and never a 1970 watermark.
    let none =
        run(&conversation_event("conversation_updated", conversation(json!(42), "open", 1.0e9, 0, 0), json!([])));
    assert!(of_kind(&none, Kind::Seen).is_empty());
}

#[test]
fn status_derived_from_conversation_updated_without_status_event() {
    // Auto-assignment moves pending → open and emits only conversation_updated (chatwoot#9277).
    let events = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063395.118822, 0, 0),
        json!([{"status": {"previous_value": "pending", "current_value": "open"}},
               {"assignee_id": {"previous_value": null, "current_value": 1}}]),
    ));
    let s = one(&events, Kind::SessionStatusChanged);
    assert_eq!(session(s), (Some("open"), Some("pending")));
    assert_eq!(s.occurred_at_micros, 1_627_063_395_118_822);
    assert_eq!(one(&events, Kind::Assigned).agent_id.as_deref(), Some("1"));
    assert!(of_kind(&events, Kind::Transferred).is_empty(), "nobody → agent is an assignment, not a transfer");
    match &one(&events, Kind::AgentStatusChanged).body {
        Body::AgentStatus { status, vendor_status } => {
            assert_eq!((status.as_str(), vendor_status.as_str()), ("online", "online"))
        }
        other => panic!("{other:?}"),
    }

    // A resolve seen only through conversation_updated ends the session, with the same ids as the
    // conversation_status_changed of the same save.
    let conv = conversation(json!(42), "resolved", 1627063812.402731, 0, 0);
    let changed = json!([{"status": {"previous_value": "open", "current_value": "resolved"}}]);
    let via_update = run(&conversation_event("conversation_updated", conv.clone(), changed.clone()));
    let via_status = run(&conversation_event("conversation_status_changed", conv, changed));
    assert_eq!(one(&via_update, Kind::SessionEnded).event_id, one(&via_status, Kind::SessionEnded).event_id);
    assert_eq!(
        one(&via_update, Kind::SessionStatusChanged).event_id,
        one(&via_status, Kind::SessionStatusChanged).event_id
    );

    // The same status in a repeated identical snapshot collapses; a status at a later snapshot is new.
    let a = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063395.1, 0, 0),
        json!([]),
    ));
    let b = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "open", 1627063395.1, 0, 0),
        json!([]),
    ));
    let c = run(&conversation_event(
        "conversation_updated",
        conversation(json!(42), "snoozed", 1627063500.0, 0, 0),
        json!([]),
    ));
    assert_eq!(one(&a, Kind::SessionStatusChanged).event_id, one(&b, Kind::SessionStatusChanged).event_id);
    assert_ne!(one(&a, Kind::SessionStatusChanged).event_id, one(&c, Kind::SessionStatusChanged).event_id);
    // …the assignee observed in an identical snapshot is one fact, in a later snapshot a new one (so that
    // A → B → A keeps the second assignment to A), and availability is keyed by snapshot time too.
    assert_eq!(one(&a, Kind::Assigned).event_id, one(&b, Kind::Assigned).event_id);
    assert_ne!(one(&a, Kind::Assigned).event_id, one(&c, Kind::Assigned).event_id);
    assert_ne!(one(&a, Kind::AgentStatusChanged).event_id, one(&c, Kind::AgentStatusChanged).event_id);

    // busy → away, vendor word kept.
    let mut busy = conversation(json!(42), "open", 1627063600.0, 0, 0);
    busy["meta"]["assignee"]["availability_status"] = json!("busy");
    match &one(&run(&conversation_event("conversation_updated", busy, json!([]))), Kind::AgentStatusChanged).body {
        Body::AgentStatus { status, vendor_status } => {
            assert_eq!((status.as_str(), vendor_status.as_str()), ("away", "busy"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn changed_attributes_array_shape() {
    // Array of single-key maps; the status change is not in the first map.
    let conv = conversation(json!(42), "open", 1627150021.093311, 0, 0);
    let events = run(&conversation_event(
        "conversation_status_changed",
        conv.clone(),
        json!([{"custom_attributes": {"previous_value": {}, "current_value": {"plan": "pro"}}},
               {"status": {"previous_value": "resolved", "current_value": "open"}}]),
    ));
    assert_eq!(session(one(&events, Kind::SessionReopened)), (Some("open"), Some("resolved")));
    assert_eq!(session(one(&events, Kind::SessionStatusChanged)), (Some("open"), Some("resolved")));

    // Not after resolved: only a status change, with the previous status.
    let events = run(&conversation_event(
        "conversation_status_changed",
        conv.clone(),
        json!([{"status": {"previous_value": "snoozed", "current_value": "open"}}]),
    ));
    assert!(of_kind(&events, Kind::SessionReopened).is_empty());
    assert!(of_kind(&events, Kind::SessionEnded).is_empty());
    assert_eq!(session(one(&events, Kind::SessionStatusChanged)), (Some("open"), Some("snoozed")));

    // A plain map (not the documented shape) is tolerated too.
    let events = run(&conversation_event(
        "conversation_status_changed",
        conv.clone(),
        json!({"status": {"previous_value": "pending", "current_value": "open"}}),
    ));
    assert_eq!(session(one(&events, Kind::SessionStatusChanged)), (Some("open"), Some("pending")));

    // Assignee from one agent to another → transferred (plus the new assignee).
    let mut to_two = conv.clone();
    to_two["meta"]["assignee"]["id"] = json!(2);
    let events = run(&conversation_event(
        "conversation_updated",
        to_two,
        json!([{}, {"assignee_id": {"previous_value": 1, "current_value": 2}}]),
    ));
    let t = one(&events, Kind::Transferred);
    assert_eq!(t.agent_id.as_deref(), Some("2"));
    match &t.body {
        Body::Assignment { from_agent_id, to_agent_id, .. } => {
            assert_eq!((from_agent_id.as_deref(), to_agent_id.as_deref()), (Some("1"), Some("2")))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(one(&events, Kind::Assigned).agent_id.as_deref(), Some("2"));

    // contact_updated: changed = the keys of every map.
    let events = run(&json!({
        "event": "contact_updated", "id": 17, "name": "Jane",
        "changed_attributes": [{"name": {"previous_value": "J", "current_value": "Jane"}},
                               {"updated_at": {"previous_value": "2021-07-23T18:01:40.123Z",
                                               "current_value": "2021-07-23T18:05:10.456Z"}}]
    }));
    let c = one(&events, Kind::ContactUpdated);
    assert_eq!(c.contact_id.as_deref(), Some("17"));
    assert_eq!(c.occurred_at_micros, 1_627_063_510_456_000);
    assert_eq!(c.body, Body::ContactChange { changed: vec!["name".into(), "updated_at".into()] });
}

#[test]
fn same_delivery_twice_gives_identical_events() {
    for body in [
        message_event(
            "message_created",
            json!(1289),
            json!("incoming"),
            json!({"id": 17, "type": "contact"}),
            conversation(json!(42), "open", 1627063369.614512, 1627063300, 1627063369),
        ),
        csat(json!(5), "thanks"),
        conversation_event(
            "conversation_status_changed",
            conversation(json!(42), "resolved", 1627063812.4, 1, 2),
            json!([]),
        ),
        json!({"event": "conversation_typing_on", "user": {"id": 1, "type": "user"}, "conversation": {"id": 42}}),
        json!({"event": "message_created", "id": 0, "conversation": {"id": 0, "status": "open", "timestamp": 0}}),
    ] {
        let (a, b) = (run(&body), run(&body));
        assert_eq!(a, b);
        let ids: std::collections::HashSet<_> = a.iter().map(|e| &e.event_id).collect();
        assert_eq!(ids.len(), a.len(), "event ids unique within a delivery: {a:#?}");
    }
}

#[test]
fn text_absent_without_keep_text_but_length_stays() {
    let body = message_event(
        "message_created",
        json!(1289),
        json!("incoming"),
        json!({"id": 17, "type": "contact"}),
        conversation(json!(42), "open", 1627063369.6, 0, 0),
    );
    let kept = run_with(&body, true);
    let stripped = run_with(&body, false);
    let (k, s) = (message(one(&kept, Kind::Message)), message(one(&stripped, Kind::Message)));
    assert_eq!(k.text.as_deref(), Some("Hi, I can't log in"));
    assert_eq!(s.text, None);
    assert_eq!(s.text_length, 18);
    assert_eq!(k.text_length, s.text_length);
    assert_eq!(one(&kept, Kind::Message).event_id, one(&stripped, Kind::Message).event_id);
}

fn arb_json() -> impl Strategy<Value = Value> {
    common::vendor_json(
        &[
            "event",
            "id",
            "display_id",
            "conversation",
            "meta",
            "assignee",
            "sender",
            "type",
            "status",
            "changed_attributes",
            "previous_value",
            "current_value",
            "content_attributes",
            "submitted_values",
            "csat_survey_response",
            "rating",
            "feedback_message",
            "message_type",
            "messages",
            "updated_at",
            "created_at",
            "agent_last_seen_at",
            "availability_status",
            "attachments",
            "content",
            "user",
        ],
        &[
            "message_created",
            "message_updated",
            "conversation_updated",
            "conversation_status_changed",
            "resolved",
            "2021-07-23T18:02:48.000Z",
        ],
    )
}

const EVENTS: &[&str] = &[
    "message_created",
    "message_updated",
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "conversation_resolved",
    "conversation_opened",
    "conversation_typing_on",
    "conversation_typing_off",
    "webwidget_triggered",
    "contact_created",
    "contact_updated",
    "inbox_created",
    "inbox_updated",
    "something_new",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_objects_never_panic(value in arb_json(), event in prop::sample::select(EVENTS)) {
        let mut obj = match value {
            Value::Object(m) => m,
            other => {
                let mut m = serde_json::Map::new();
                m.insert("conversation".into(), other);
                m
            }
        };
        // Half the time, a known event so the vendor reader gets exercised on the arbitrary rest.
        if !obj.contains_key("event") || obj.len() % 2 == 0 {
            obj.insert("event".into(), json!(event));
        }
        let events = run(&Value::Object(obj));
        prop_assert!(!events.is_empty());
    }
}
