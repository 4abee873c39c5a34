//! What users will hit: simultaneous statements, late events, roster-only agents, removal and return,
//! long open intervals, events that are not about availability, the same agent id in other tenants.

mod common;

use chatstream_projection_availability::projection;
use chatstream_projector::testing::{apply_events, dump_projection, EventBuilder, EventExt};
use chatstream_projector::{Backend, Val};
use chatstream_schema::{Body, ChatEvent, Kind};
use common::*;

const CW: (&str, &str) = ("acme", "chatwoot");
const LC: (&str, &str) = ("acme", "livechat");
const UL: (&str, &str) = ("acme", "userlike");
const STATUS: &str = "agent_status_changed";
const ROSTER: &str = "agent_roster_changed";

/// Only the `agent_status_changed` facts of snapshots (the other facts are covered elsewhere).
fn cw_status(chat: &str, availability: &str, secs: i64) -> ChatEvent {
    let facts = cw_snapshot(chat, "1", availability, "conversation_updated", secs);
    facts.into_iter().find(|e| e.kind == Kind::AgentStatusChanged).expect("a status fact")
}

async fn simultaneous(backend: Backend) {
    // Two conversations' snapshots at the same instant disagree. The statement whose event id sorts last
    // (`…-online-…` after `…-offline-…`) holds; the other lasted zero seconds and leaves no interval.
    let events = vec![
        cw_status("42", "online", 0),
        cw_status("42", "offline", 600),
        cw_status("43", "online", 600),
        cw_status("42", "away", 1200),
        cw_status("42", "offline", 1800),
        cw_status("43", "online", 1800),
        cw_status("43", "online", 2400),
    ];
    let (_store, _guard, dump) = project(backend, &events, 2).await;
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![
            interval(CW, "1", 0, "online", "online", Some(1200), 600, (STATUS, "cw-agent-1-online-0")),
            interval(CW, "1", 1200, "away", "away", Some(1800), 1200, (STATUS, "cw-agent-1-away-1200")),
            interval(CW, "1", 1800, "online", "online", None, 2400, (STATUS, "cw-agent-1-online-1800")),
        ]
    );
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![daily(CW, "1", 0, "away", 600), daily(CW, "1", 0, "online", 1800)]
    );
}
on_both_backends!(simultaneous_statements_keep_the_last_and_no_zero_length_interval, simultaneous);

async fn late_event(backend: Backend) {
    let on_time = vec![ul_operator("7", "online", 0), ul_operator("7", "offline", 3600)];
    let late = ul_operator("7", "away", 1800);
    let (store, _guard, before) = project(backend, &on_time, 10).await;
    assert_eq!(table(&before, "agent_status_intervals").len(), 2);
    // A second run (an empty engine cache: groups are read back from the store) receives the late event.
    let p = projection();
    apply_events(&store, p.clone(), std::slice::from_ref(&late), 10).await.unwrap();
    let after = dump_projection(&store, p.as_ref()).await.unwrap();
    assert_eq!(
        table(&after, "agent_status_intervals"),
        vec![
            interval(UL, "7", 0, "online", "online", Some(1800), 0, (STATUS, "ul-operator-7-online-0")),
            interval(UL, "7", 1800, "away", "away", Some(3600), 1800, (STATUS, "ul-operator-7-away-1800")),
            interval(UL, "7", 3600, "offline", "offline", None, 3600, (STATUS, "ul-operator-7-offline-3600")),
        ]
    );
    let mut all = on_time.clone();
    all.push(late);
    let (_s, _g, at_once) = project(backend, &all, 10).await;
    assert_eq!(after, at_once, "a late event gives the rows of an on-time one");
    // The same late event again changes nothing.
    apply_events(&store, p.clone(), &all[2..], 1).await.unwrap();
    assert_eq!(dump_projection(&store, p.as_ref()).await.unwrap(), at_once);
}
on_both_backends!(a_late_status_event_splits_the_interval_it_falls_into, late_event);

async fn roster_only(backend: Backend) {
    let events = vec![
        lc_roster("jones@example.com", "created", false, 0),
        lc_roster("jones@example.com", "approved", false, 60),
    ];
    let (store, _guard, dump) = project(backend, &events, 1).await;
    assert!(table(&dump, "agent_status_intervals").is_empty());
    assert!(table(&dump, "agent_status_daily").is_empty());
    assert_eq!(
        table(&dump, "agent_current_status"),
        vec![vec![
            text("acme"),
            text("livechat"),
            text("jones@example.com"),
            Val::Null,
            Val::Null,
            Val::Null,
            t(60),
            Val::Bool(false),
            Val::Bool(false),
            text("approved"),
            t(60),
        ]]
    );
    let counts =
        query(&store, "SELECT status FROM agent_status_current_counts", &[chatstream_projector::ColType::Text]).await;
    assert!(counts.is_empty(), "an agent without a known status is not counted: {counts:?}");
}
on_both_backends!(an_agent_known_only_from_the_roster_has_no_status, roster_only);

async fn removal_and_return(backend: Backend) {
    let a = "smith@example.com";
    let events = vec![
        lc_status(a, "not accepting chats", 0),
        lc_roster(a, "deleted", false, 100),
        // Deleted while already offline would merge; here it is a change to offline.
        lc_roster(a, "created", false, 200),
        lc_status(a, "accepting chats", 300),
        lc_roster(a, "suspended", false, 400),
        lc_roster(a, "unsuspended", false, 500),
    ];
    let (_store, _guard, dump) = project(backend, &events, 3).await;
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![
            interval(
                LC,
                a,
                0,
                "not_accepting_chats",
                "not accepting chats",
                Some(100),
                0,
                (STATUS, &format!("lc-status-{a}-not_accepting_chats-0"))
            ),
            interval(LC, a, 100, "offline", "deleted", Some(300), 100, (ROSTER, &format!("lc-roster-{a}-deleted-100"))),
            interval(
                LC,
                a,
                300,
                "accepting_chats",
                "accepting chats",
                Some(400),
                300,
                (STATUS, &format!("lc-status-{a}-accepting_chats-300"))
            ),
            interval(LC, a, 400, "offline", "suspended", None, 400, (ROSTER, &format!("lc-roster-{a}-suspended-400"))),
        ]
    );
    let current = table(&dump, "agent_current_status");
    assert_eq!(
        current[0][3..],
        [
            text("offline"),
            text("suspended"),
            t(400),
            t(500),
            Val::Bool(false),
            Val::Bool(false),
            text("unsuspended"),
            t(500)
        ]
    );
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![
            daily(LC, a, 0, "accepting_chats", 100),
            daily(LC, a, 0, "not_accepting_chats", 100),
            daily(LC, a, 0, "offline", 200 + 100)
        ]
    );
}
on_both_backends!(deleted_and_suspended_agents_go_offline_and_can_return, removal_and_return);

async fn long_open_interval(backend: Backend) {
    // Online at 22:00; the next snapshot, three days later, still says online.
    let events = vec![cw_status("42", "online", hm(0, 22, 0)), cw_status("43", "online", hm(3, 1, 0))];
    let (_store, _guard, dump) = project(backend, &events, 1).await;
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![interval(
            CW,
            "1",
            hm(0, 22, 0),
            "online",
            "online",
            None,
            hm(3, 1, 0),
            (STATUS, &format!("cw-agent-1-online-{}", hm(0, 22, 0)))
        )]
    );
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![
            daily(CW, "1", 0, "online", 7200),
            daily(CW, "1", 1, "online", 86_400),
            daily(CW, "1", 2, "online", 86_400),
            daily(CW, "1", 3, "online", 3600),
        ]
    );
}
on_both_backends!(an_open_interval_counts_up_to_the_latest_event_across_midnights, long_open_interval);

async fn ignored(backend: Backend) {
    let mut events = lc_chat_noise("smith@example.com", 0);
    let fc = EventBuilder::new("freshchat", "c-1");
    events.push(fc.at(Kind::Assigned, 10).session("i-1").agent("fc-agent").body(Body::Assignment {
        from_agent_id: None,
        to_agent_id: Some("fc-agent".into()),
        from_group_id: None,
        to_group_id: None,
        reason: None,
    }));
    events.push(cw_agent_message("42", "1", "online", 20).remove(0));
    // A status event without an agent id, or with an empty one, names no agent.
    let mut no_agent = ul_operator("7", "online", 30).id("no-agent");
    no_agent.agent_id = None;
    events.push(no_agent);
    events.push(ul_operator("", "online", 40));
    let (_store, _guard, dump) = project(backend, &events, 2).await;
    for (name, rows) in &dump {
        assert!(rows.is_empty(), "{name} must be empty: {rows:?}");
    }
    // A status event whose body this reader does not know (a newer schema) says nothing, not even as_of.
    let unknown = EventBuilder::without_chat("userlike").at(Kind::AgentStatusChanged, 50).agent("7");
    let (_s, _g, dump) = project(backend, &[unknown, ul_operator("7", "online", 40)], 1).await;
    assert_eq!(table(&dump, "agent_current_status")[0][6], t(40));
}
on_both_backends!(events_not_about_availability_make_no_rows, ignored);

async fn separate_agents(backend: Backend) {
    let events = vec![
        ul_operator("7", "online", 0),
        ul_operator("7", "online", 0).tenant("globex").id("globex-7"),
        cw_status("42", "away", 0).agent("7").id("cw-7"),
        ul_operator("7", "offline", 600),
    ];
    let (_store, _guard, dump) = project(backend, &events, 10).await;
    let current: Vec<(Val, Val, Val, Val)> = table(&dump, "agent_current_status")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        current,
        vec![
            (text("acme"), text("chatwoot"), text("7"), text("away")),
            (text("acme"), text("userlike"), text("7"), text("offline")),
            (text("globex"), text("userlike"), text("7"), text("online")),
        ]
    );
    let groups: Vec<Val> = dump[1].1.iter().map(|r| r[0].clone()).collect();
    assert_eq!(groups, [text("acme/chatwoot/agent/7"), text("acme/userlike/agent/7"), text("globex/userlike/agent/7")]);
}
on_both_backends!(the_same_agent_id_in_another_tenant_or_platform_is_another_agent, separate_agents);
