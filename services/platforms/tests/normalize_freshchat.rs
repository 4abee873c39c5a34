//! Freshchat normaliser: one test per pitfall of platforms.md §2.4, plus determinism, text privacy and
//! robustness against arbitrary JSON.

use chatstream_platforms::normalize::{normalize, Context};
use chatstream_platforms::Platform;
use chatstream_schema::{Body, ChatEvent, Kind, Lineage};
use proptest::prelude::*;
use serde_json::{json, Value};

mod common;

const RECEIVED_AT: i64 = 1_767_225_600_000_000;
const CONV_UUID: &str = "7d8f0b2e-4c1a-4d5e-9b3f-6a2e1c0d9f84";
const CONV_HEX: &str = "ac2175df14d36caf64e9a578fad89070";
const CONV_COMPOSITE: &str = "4d5b2a6e-8c31-4f0e-9a7b-1e2d3c4b5a69_b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e_feedback";
const USER: &str = "f2b6c7d1-2a3e-4f5b-8c9d-0e1f2a3b4c5d";
const AGENT: &str = "0b6e2a7c-9d4f-4e1a-b8c3-5f2d1e0a9b76";

fn ctx_with(vendor_event_type: Option<&str>, keep_text: bool) -> Context {
    Context {
        tenant: "t".into(),
        source_id: "s-freshchat".into(),
        platform: Platform::Freshchat,
        vendor_event_type: vendor_event_type.map(str::to_string),
        received_at_micros: RECEIVED_AT,
        lineage: Lineage { topic: "chatstream.webhooks.raw".into(), partition: 0, offset: 7 },
        keep_text,
        timezone: chrono_tz::UTC,
    }
}

fn run_with(ctx: &Context, body: &Value) -> Vec<ChatEvent> {
    normalize(ctx, &serde_json::to_vec(body).unwrap()).unwrap()
}

fn run(body: &Value) -> Vec<ChatEvent> {
    let action = body.get("action").and_then(Value::as_str).unwrap_or("unknown").to_string();
    run_with(&ctx_with(Some(&action), true), body)
}

fn one(body: &Value) -> ChatEvent {
    let events = run(body);
    assert_eq!(events.len(), 1, "{events:?}");
    events.into_iter().next().unwrap()
}

fn msg(e: &ChatEvent) -> &chatstream_schema::chat_event::Message {
    match &e.body {
        Body::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

fn session_change(e: &ChatEvent) -> (Option<String>, Option<String>) {
    match &e.body {
        Body::SessionChange { status, closed_by, .. } => (status.clone(), closed_by.clone()),
        other => panic!("not a session change: {other:?}"),
    }
}

/// A current-shape message_create.
fn current_message(conversation_id: &str, actor_type: &str, actor_id: &str, text: &str) -> Value {
    json!({
        "actor": {"actor_type": actor_type, "actor_id": actor_id},
        "action": "message_create",
        "action_time": "2022-11-15T10:54:00.118Z",
        "data": {"message": {
            "message_parts": [{"text": {"content": text}}],
            "app_id": "a8c0c7a4-1f6e-4b38-9a5d-8f4f5b6d2c11",
            "actor_id": actor_id,
            "id": "e4b3d2c1-0f9e-4d8c-a7b6-5c4d3e2f1a09",
            "conversation_id": conversation_id,
            "interaction_id": "513085614466744-1668509640118",
            "message_type": "normal",
            "actor_type": actor_type,
            "created_time": "2022-11-15T10:54:00.118Z",
            "user_id": USER
        }}
    })
}

/// A 2018-shape message_create: msg_parts, no actor_id in the message, no user_id, no interaction_id.
fn message_2018(conversation_id: &str, text: &str) -> Value {
    json!({
        "actor": {"actor_type": "user", "actor_id": "b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e"},
        "action": "message_create",
        "action_time": "2018-05-21T09:14:27.617Z",
        "data": {"message": {
            "msg_parts": [{"part_type": "text", "properties": {"text": text}}],
            "app_id": "4d5b2a6e-8c31-4f0e-9a7b-1e2d3c4b5a69",
            "actor_type": "user",
            "conversation_id": conversation_id,
            "id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            "message_type": "normal",
            "created_time": "2018-05-21T09:14:27.617Z"
        }}
    })
}

fn reopen(conversation_id: &str, status: &str) -> Value {
    json!({
        "actor": {"actor_type": "user", "actor_id": USER},
        "action": "conversation_reopen",
        "action_time": "2022-11-15T10:55:22.272Z",
        "data": {"reopen": {
            "reopener": "user",
            "reopener_id": USER,
            "interaction_id": "513085614466744-1668509722272",
            "conversation": {"conversation_id": conversation_id, "status": status, "assigned_agent_id": AGENT}
        }}
    })
}

fn resolution(resolver: Option<&str>, envelope_actor: &str) -> Value {
    let mut resolve = json!({
        "interaction_id": "513085614466744-1668509640118",
        "conversation": {"conversation_id": CONV_UUID, "status": "resolved", "assigned_agent_id": AGENT}
    });
    if let Some(r) = resolver {
        resolve["resolver"] = json!(r);
        if r == "agent" {
            resolve["resolver_id"] = json!(AGENT);
        }
    }
    json!({
        "actor": {"actor_type": envelope_actor},
        "action": "conversation_resolution",
        "action_time": "2022-11-15T10:55:02.917Z",
        "data": {"resolve": resolve}
    })
}

fn assignment(from_agent: Value, to_agent: &str) -> Value {
    json!({
        "actor": {"actor_type": "agent", "actor_id": "3c9a1e5d-7b2f-4a8e-9d6c-2f1e0b9a8c7d"},
        "action": "conversation_assignment",
        "action_time": "2022-11-15T10:54:30.221Z",
        "data": {"assignment": {
            "assignor": "agent",
            "assignor_id": "3c9a1e5d-7b2f-4a8e-9d6c-2f1e0b9a8c7d",
            "to_agent_id": to_agent,
            "to_group_id": "9e8d7c6b-5a4f-4e3d-8c1b-0a9f8e7d6c5b",
            "from_agent_id": from_agent,
            "from_group_id": "9e8d7c6b-5a4f-4e3d-8c1b-0a9f8e7d6c5b",
            "interaction_id": "513085614466744-1668509640118",
            "conversation": {"conversation_id": CONV_UUID, "status": "assigned", "sla_breached": false}
        }}
    })
}

#[test]
fn both_message_schemas_2018_msg_parts_and_current_message_parts() {
    let old = one(&message_2018(CONV_COMPOSITE, "Hello, is anyone there?"));
    let new = one(&current_message(CONV_UUID, "user", USER, "Hello, is anyone there?"));
    for e in [&old, &new] {
        assert_eq!(e.kind, Kind::Message);
        let m = msg(e);
        assert_eq!(m.text.as_deref(), Some("Hello, is anyone there?"));
        assert_eq!(m.text_length, 23);
        assert_eq!(m.content_type, "text");
        assert_eq!(m.author_role, "contact");
        assert!(!m.internal);
    }
    // 2018: no actor_id in the message, no interaction: the envelope actor is the author.
    assert_eq!(msg(&old).author_id.as_deref(), Some("b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e"));
    assert_eq!(old.contact_id.as_deref(), Some("b6f1c2d3-e4a5-4b6c-8d7e-9f0a1b2c3d4e"));
    assert_eq!(old.session_id, None);
    assert_eq!(old.occurred_at_micros, 1_526_894_067_617_000);
    assert_eq!(new.session_id.as_deref(), Some("513085614466744-1668509640118"));

    // Several parts in each shape: text parts joined with "\n", the first part gives the content type.
    let mut multi_new = current_message(CONV_UUID, "user", USER, "x");
    multi_new["data"]["message"]["message_parts"] =
        json!([{"text": {"content": "one"}}, {"image": {"url": "https://x/y.png"}}, {"text": {"content": "two"}}]);
    let m = one(&multi_new);
    assert_eq!(msg(&m).text.as_deref(), Some("one\ntwo"));
    assert_eq!(msg(&m).text_length, 7);
    assert_eq!(msg(&m).content_type, "text");

    let mut multi_old = message_2018(CONV_COMPOSITE, "x");
    multi_old["data"]["message"]["msg_parts"] = json!([
        {"part_type": "image", "properties": {"url": "https://x/y.png"}},
        {"part_type": "text", "properties": {"text": "caption"}},
        {"part_type": "text", "properties": {"text": "more"}}
    ]);
    let m = one(&multi_old);
    assert_eq!(msg(&m).content_type, "image");
    assert_eq!(msg(&m).text.as_deref(), Some("caption\nmore"));

    // 2018 with no actor_type inside the message: the envelope actor decides the author.
    let mut no_type = message_2018(CONV_COMPOSITE, "hi");
    no_type["data"]["message"].as_object_mut().unwrap().remove("actor_type");
    no_type["actor"] = json!({"actor_type": "agent", "actor_id": AGENT});
    let e = one(&no_type);
    assert_eq!(msg(&e).author_role, "agent");
    assert_eq!(msg(&e).author_id.as_deref(), Some(AGENT));
    assert_eq!(e.agent_id.as_deref(), Some(AGENT));
    assert_eq!(e.contact_id, None);
}

#[test]
fn all_three_conversation_id_formats_are_opaque_strings() {
    for id in [CONV_UUID, CONV_HEX, CONV_COMPOSITE] {
        let e = one(&current_message(id, "user", USER, "hi"));
        assert_eq!(e.chat_id.as_deref(), Some(id));
        let e = one(&message_2018(id, "hi"));
        assert_eq!(e.chat_id.as_deref(), Some(id));
        let e = one(&reopen(id, "reopened"));
        assert_eq!(e.chat_id.as_deref(), Some(id));
        let mut a = assignment(json!(""), AGENT);
        a["data"]["assignment"]["conversation"]["conversation_id"] = json!(id);
        assert_eq!(one(&a).chat_id.as_deref(), Some(id));
        let mut r = resolution(Some("agent"), "agent");
        r["data"]["resolve"]["conversation"]["conversation_id"] = json!(id);
        assert_eq!(one(&r).chat_id.as_deref(), Some(id));
    }
    // Older shapes with the id directly on the action object.
    let mut flat = reopen("unused", "reopen");
    flat["data"]["reopen"] = json!({"reopener": "user", "reopener_id": USER, "conversation_id": CONV_COMPOSITE});
    assert_eq!(one(&flat).chat_id.as_deref(), Some(CONV_COMPOSITE));
}

#[test]
fn reopen_and_reopened_status_spellings_are_both_a_reopen() {
    let old = one(&reopen(CONV_COMPOSITE, "reopen"));
    let new = one(&reopen(CONV_HEX, "reopened"));
    let upper = one(&reopen(CONV_UUID, "Reopened"));
    for (e, word) in [(&old, "reopen"), (&new, "reopened"), (&upper, "reopened")] {
        assert_eq!(e.kind, Kind::SessionReopened);
        assert_eq!(session_change(e), (Some(word.to_string()), None));
        assert_eq!(e.contact_id.as_deref(), Some(USER));
        assert_eq!(e.agent_id.as_deref(), Some(AGENT), "the conversation's assigned agent");
        assert_eq!(e.occurred_at_micros, 1_668_509_722_272_000);
        assert_eq!(e.occurred_at_source, "payload");
    }
    // The kind comes from the action, not the status word: even no status is a reopen.
    let mut none = reopen(CONV_UUID, "x");
    none["data"]["reopen"]["conversation"].as_object_mut().unwrap().remove("status");
    let e = one(&none);
    assert_eq!(e.kind, Kind::SessionReopened);
    assert_eq!(session_change(&e).0, None);
}

#[test]
fn header_independent_payload_only() {
    // Nothing but the payload is read: not the ingress's event type, nor any payload-version header
    // (the Context carries no headers at all), so both schemas normalise the same whatever the ingress said.
    for body in [
        current_message(CONV_UUID, "agent", AGENT, "hi"),
        message_2018(CONV_COMPOSITE, "hi"),
        reopen(CONV_HEX, "reopen"),
        resolution(Some("agent"), "agent"),
        assignment(json!(AGENT), "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"),
    ] {
        let right = run(&body);
        for ctx in [ctx_with(None, true), ctx_with(Some("conversation_resolution"), true), ctx_with(Some("2"), true)] {
            let other = run_with(&ctx, &body);
            assert_eq!(other.len(), right.len());
            for (a, b) in right.iter().zip(&other) {
                assert_eq!(a.event_id, b.event_id);
                assert_eq!(a.kind, b.kind);
                assert_eq!(a.chat_id, b.chat_id);
                assert_eq!(a.body, b.body);
                assert_eq!(a.occurred_at_micros, b.occurred_at_micros);
            }
        }
    }
}

#[test]
fn org_actor_id_numeric_string_is_not_the_agent_id() {
    let mut body = current_message(CONV_UUID, "agent", AGENT, "Let me check.");
    body["data"]["message"]["org_actor_id"] = json!("345162432277281455");
    let e = one(&body);
    assert_eq!(e.agent_id.as_deref(), Some(AGENT), "actor_id (UUID) is the agent, not org_actor_id");
    assert_eq!(msg(&e).author_id.as_deref(), Some(AGENT));
    assert_eq!(e.contact_id.as_deref(), Some(USER));

    // Without actor_id anywhere, org_actor_id is still not taken for the agent's id.
    body["data"]["message"].as_object_mut().unwrap().remove("actor_id");
    body["actor"] = json!({"actor_type": "agent"});
    let e = one(&body);
    assert_eq!(e.agent_id, None);
    assert_eq!(msg(&e).author_role, "agent");

    // Ids sent as JSON numbers are rendered as integer strings.
    let mut numeric = current_message(CONV_UUID, "agent", AGENT, "x");
    numeric["data"]["message"]["actor_id"] = json!(345_162_432_277_281_455_u64);
    assert_eq!(one(&numeric).agent_id.as_deref(), Some("345162432277281455"));
}

#[test]
fn alias_user_id_is_kept_verbatim() {
    let alias = "Denise_aliasc26dd8e41b";
    // An agent message: the conversation's user is the contact, alias and all.
    let mut agent = current_message(CONV_HEX, "agent", AGENT, "Hello Denise");
    agent["data"]["message"]["user_id"] = json!(alias);
    let e = one(&agent);
    assert_eq!(e.contact_id.as_deref(), Some(alias));
    assert_eq!(e.agent_id.as_deref(), Some(AGENT));

    // A user message: the author (actor_id, the id reopen/resolve events use too) is the contact.
    let mut user = current_message(CONV_HEX, "user", USER, "Hi");
    user["data"]["message"]["user_id"] = json!(alias);
    let e = one(&user);
    assert_eq!(e.contact_id.as_deref(), Some(USER));
    assert_eq!(msg(&e).author_id.as_deref(), Some(USER));

    // A user message without any actor id: the alias is the contact.
    user["data"]["message"].as_object_mut().unwrap().remove("actor_id");
    user["actor"] = json!({"actor_type": "user"});
    let e = one(&user);
    assert_eq!(e.contact_id.as_deref(), Some(alias));
    assert_eq!(msg(&e).author_id, None);
}

#[test]
fn system_actor_message_is_a_system_message() {
    let mut body = current_message(CONV_UUID, "system", "unused", "An agent will be with you shortly.");
    body["actor"] = json!({"actor_type": "system"});
    body["data"]["message"].as_object_mut().unwrap().remove("actor_id");
    let e = one(&body);
    assert_eq!(e.kind, Kind::Message);
    let m = msg(&e);
    assert_eq!(m.author_role, "system");
    assert_eq!(m.author_id, None);
    assert!(!m.internal);
    assert_eq!(e.agent_id, None, "a system message is by no agent");
    assert_eq!(e.contact_id.as_deref(), Some(USER), "data.message.user_id is the conversation's contact");

    // 2018 shape without actor_type inside the message, system envelope actor.
    let mut old = message_2018(CONV_COMPOSITE, "Welcome");
    old["data"]["message"].as_object_mut().unwrap().remove("actor_type");
    old["actor"] = json!({"actor_type": "system"});
    let e = one(&old);
    assert_eq!(msg(&e).author_role, "system");
    assert_eq!(e.contact_id, None);
}

#[test]
fn private_note_is_internal() {
    let mut note = current_message(CONV_UUID, "agent", AGENT, "Courier lost the parcel.");
    note["data"]["message"]["message_type"] = json!("private");
    let e = one(&note);
    assert!(msg(&e).internal);
    assert_eq!(msg(&e).author_role, "agent");

    let normal = one(&current_message(CONV_UUID, "agent", AGENT, "Hello"));
    assert!(!msg(&normal).internal);

    let mut bot_note = current_message(CONV_UUID, "system", "unused", "routed by bot");
    bot_note["data"]["message"]["botsPrivateNote"] = json!(true);
    assert!(msg(&one(&bot_note)).internal);
}

#[test]
fn first_assignment_versus_transfer() {
    let first = one(&assignment(json!(""), AGENT));
    assert_eq!(first.kind, Kind::Assigned);
    assert_eq!(first.agent_id.as_deref(), Some(AGENT));
    assert_eq!(first.occurred_at_micros, 1_668_509_670_221_000);
    let absent = {
        let mut a = assignment(json!(null), AGENT);
        a["data"]["assignment"].as_object_mut().unwrap().remove("from_agent_id");
        one(&a)
    };
    assert_eq!(absent.kind, Kind::Assigned);

    let next = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    let transfer = one(&assignment(json!(AGENT), next));
    assert_eq!(transfer.kind, Kind::Transferred);
    assert_eq!(transfer.agent_id.as_deref(), Some(next));
    match &transfer.body {
        Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, .. } => {
            assert_eq!(from_agent_id.as_deref(), Some(AGENT));
            assert_eq!(to_agent_id.as_deref(), Some(next));
            assert_eq!(from_group_id.as_deref(), Some("9e8d7c6b-5a4f-4e3d-8c1b-0a9f8e7d6c5b"));
            assert_eq!(to_group_id.as_deref(), Some("9e8d7c6b-5a4f-4e3d-8c1b-0a9f8e7d6c5b"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn resolution_closed_by_agent_or_system() {
    let by_agent = one(&resolution(Some("agent"), "agent"));
    assert_eq!(by_agent.kind, Kind::SessionEnded);
    assert_eq!(session_change(&by_agent), (Some("resolved".into()), Some("agent".into())));
    assert_eq!(by_agent.agent_id.as_deref(), Some(AGENT));

    let by_system = one(&resolution(Some("system"), "system"));
    assert_eq!(session_change(&by_system).1.as_deref(), Some("system"));
    let by_system_actor = one(&resolution(None, "system"));
    assert_eq!(session_change(&by_system_actor).1.as_deref(), Some("system"));
    assert_eq!(by_system_actor.agent_id.as_deref(), Some(AGENT), "the conversation's assigned agent");
}

#[test]
fn created_time_may_be_iso_or_epoch_millis() {
    let mut body = current_message(CONV_UUID, "user", USER, "hi");
    body["data"]["message"]["created_time"] = json!(1_668_509_640_118_i64);
    assert_eq!(one(&body).occurred_at_micros, 1_668_509_640_118_000);
    body["data"]["message"]["created_time"] = json!("1668509640118");
    assert_eq!(one(&body).occurred_at_micros, 1_668_509_640_118_000);
    // No created_time: action_time.
    body["data"]["message"].as_object_mut().unwrap().remove("created_time");
    body["action_time"] = json!("2022-11-15T10:54:00.500Z");
    let e = one(&body);
    assert_eq!(e.occurred_at_micros, 1_668_509_640_500_000);
    assert_eq!(e.occurred_at_source, "payload");
    // No time at all: the receive time.
    body.as_object_mut().unwrap().remove("action_time");
    let e = one(&body);
    assert_eq!(e.occurred_at_micros, RECEIVED_AT);
    assert_eq!(e.occurred_at_source, "received");
}

#[test]
fn no_ratings_read_receipts_or_availability_are_invented() {
    let csat = json!({
        "actor": {"actor_type": "user", "actor_id": USER},
        "action": "conversation_csat",
        "action_time": "2022-11-15T10:56:40.010Z",
        "data": {"csat": {"conversation": {"conversation_id": CONV_UUID}, "rating": 4, "feedback": "ok"}}
    });
    let e = one(&csat);
    assert_eq!(e.kind, Kind::Other);
    assert_eq!(e.body, Body::None);
    for body in [
        current_message(CONV_UUID, "user", USER, "5 stars"),
        reopen(CONV_UUID, "reopened"),
        resolution(Some("agent"), "agent"),
        assignment(json!(""), AGENT),
    ] {
        for e in run(&body) {
            assert!(!matches!(
                e.kind,
                Kind::Rating | Kind::Seen | Kind::UnreadAtEnd | Kind::AgentStatusChanged | Kind::Feedback
            ));
        }
    }
}

#[test]
fn the_same_delivery_twice_gives_identical_events() {
    for body in [
        current_message(CONV_UUID, "user", USER, "hi"),
        message_2018(CONV_COMPOSITE, "hi"),
        reopen(CONV_HEX, "reopened"),
        resolution(Some("agent"), "agent"),
        assignment(json!(""), AGENT),
    ] {
        let a = run(&body);
        let b = run(&body);
        assert_eq!(a, b);
    }
    // A message re-sent with a changed snapshot keeps its id (identity = message id) ...
    let body = current_message(CONV_UUID, "user", USER, "hi");
    let mut resent = body.clone();
    resent["data"]["message"]["restrictResponse"] = json!(true);
    assert_eq!(one(&body).event_id, one(&resent).event_id);
    // ... and so does a conversation action whose conversation snapshot changed between retries.
    let a = assignment(json!(""), AGENT);
    let mut retried = a.clone();
    retried["data"]["assignment"]["conversation"]["sla_breached"] = json!(true);
    assert_eq!(one(&a).event_id, one(&retried).event_id);
    // Different facts differ: another message, another reopen time.
    let mut other = body.clone();
    other["data"]["message"]["id"] = json!("11111111-2222-4333-8444-555555555555");
    assert_ne!(one(&body).event_id, one(&other).event_id);
    let r1 = reopen(CONV_UUID, "reopened");
    let mut r2 = r1.clone();
    r2["action_time"] = json!("2022-11-16T08:00:00.000Z");
    assert_ne!(one(&r1).event_id, one(&r2).event_id);
}

#[test]
fn text_is_absent_without_keep_text_but_its_length_stays() {
    for body in [current_message(CONV_UUID, "user", USER, "Hello there"), message_2018(CONV_COMPOSITE, "Hello there")] {
        let events = run_with(&ctx_with(Some("message_create"), false), &body);
        assert_eq!(events.len(), 1);
        let m = msg(&events[0]);
        assert_eq!(m.text, None);
        assert_eq!(m.text_length, 11);
        assert_eq!(events[0].event_id, one(&body).event_id, "privacy does not change the event id");
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    common::vendor_json(
        &[
            "message_parts",
            "msg_parts",
            "text",
            "content",
            "part_type",
            "properties",
            "conversation",
            "conversation_id",
            "actor_type",
            "actor_id",
            "created_time",
            "from_agent_id",
        ],
        &["message_create", "user", "agent", "system", "private", "2022-11-15T10:54:00.118Z", "1668509640118"],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_objects_never_panic(v in arb_json()) {
        let body = match v {
            Value::Object(_) => v,
            other => json!({"x": other}),
        };
        let events = run_with(&ctx_with(None, true), &body);
        prop_assert!(!events.is_empty());
    }

    #[test]
    fn arbitrary_data_under_every_action_never_panics(
        action in prop_oneof![
            Just("message_create"),
            Just("conversation_assignment"),
            Just("conversation_resolution"),
            Just("conversation_reopen"),
        ],
        data in arb_json(),
        actor in arb_json(),
        action_time in arb_json(),
    ) {
        let key = match action {
            "message_create" => "message",
            "conversation_assignment" => "assignment",
            "conversation_resolution" => "resolve",
            _ => "reopen",
        };
        let body = json!({"actor": actor, "action": action, "action_time": action_time, "data": {key: data}});
        let events = run_with(&ctx_with(Some(action), false), &body);
        prop_assert_eq!(events.len(), 1);
    }
}
