//! A realistic working day per vendor that sends availability, with every row worked out by hand.

mod common;

use chatstream_projector::{Backend, ColType, Val};
use common::*;

const LC: (&str, &str) = ("acme", "livechat");
const CW: (&str, &str) = ("acme", "chatwoot");
const UL: (&str, &str) = ("acme", "userlike");
const STATUS: &str = "agent_status_changed";
const ROSTER: &str = "agent_roster_changed";
const SMITH: &str = "smith@example.com";
const BOT: &str = "5c9871d5372c824cbf22d860a707a578";

fn livechat_day() -> Vec<chatstream_schema::ChatEvent> {
    let mut events = vec![
        lc_roster(SMITH, "created", false, 0),
        lc_status(SMITH, "accepting chats", hm(0, 1, 0)),
        lc_status(SMITH, "not accepting chats", hm(0, 1, 30)),
        lc_status(SMITH, "accepting chats", hm(0, 2, 0)),
        // Set again by a supervisor: the same status, so the same interval.
        lc_status(SMITH, "accepting chats", hm(0, 2, 30)),
        lc_status(SMITH, "not accepting chats", hm(0, 23, 30)),
        lc_roster(SMITH, "suspended", false, hm(1, 1, 0)),
        lc_roster(SMITH, "updated", false, hm(1, 2, 0)),
        lc_roster(BOT, "created", true, 0),
        lc_status(BOT, "offline", 60),
    ];
    events.extend(lc_chat_noise(SMITH, hm(0, 3, 0)));
    events
}

async fn livechat(backend: Backend) {
    let (store, _guard, dump) = project(backend, &livechat_day(), 4).await;
    let id = |vendor: &str, secs: i64| format!("lc-status-{SMITH}-{}-{secs}", vendor.replace(' ', "_"));
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![
            interval(LC, BOT, 60, "offline", "offline", None, 60, (STATUS, &format!("lc-status-{BOT}-offline-60"))),
            interval(
                LC,
                SMITH,
                hm(0, 1, 0),
                "accepting_chats",
                "accepting chats",
                Some(hm(0, 1, 30)),
                hm(0, 1, 0),
                (STATUS, &id("accepting chats", hm(0, 1, 0))),
            ),
            interval(
                LC,
                SMITH,
                hm(0, 1, 30),
                "not_accepting_chats",
                "not accepting chats",
                Some(hm(0, 2, 0)),
                hm(0, 1, 30),
                (STATUS, &id("not accepting chats", hm(0, 1, 30))),
            ),
            interval(
                LC,
                SMITH,
                hm(0, 2, 0),
                "accepting_chats",
                "accepting chats",
                Some(hm(0, 23, 30)),
                hm(0, 2, 30),
                (STATUS, &id("accepting chats", hm(0, 2, 0))),
            ),
            interval(
                LC,
                SMITH,
                hm(0, 23, 30),
                "not_accepting_chats",
                "not accepting chats",
                Some(hm(1, 1, 0)),
                hm(0, 23, 30),
                (STATUS, &id("not accepting chats", hm(0, 23, 30))),
            ),
            interval(
                LC,
                SMITH,
                hm(1, 1, 0),
                "offline",
                "suspended",
                None,
                hm(1, 1, 0),
                (ROSTER, &format!("lc-roster-{SMITH}-suspended-{}", hm(1, 1, 0))),
            ),
        ]
    );
    assert_eq!(
        table(&dump, "agent_current_status"),
        vec![
            vec![
                text("acme"),
                text("livechat"),
                text(BOT),
                text("offline"),
                text("offline"),
                t(60),
                t(60),
                Val::Bool(true),
                Val::Bool(false),
                text("created"),
                t(0),
            ],
            vec![
                text("acme"),
                text("livechat"),
                text(SMITH),
                text("offline"),
                text("suspended"),
                t(hm(1, 1, 0)),
                t(hm(1, 2, 0)),
                Val::Bool(false),
                Val::Bool(true),
                text("updated"),
                t(hm(1, 2, 0)),
            ],
        ]
    );
    // Day 0: accepting 01:00-01:30 and 02:00-23:30; not accepting 01:30-02:00 and 23:30-24:00.
    // Day 1: not accepting 00:00-01:00; offline (open) 01:00 up to the latest event at 02:00.
    // The bot's open interval has lasted 0 s by its latest event: no row.
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![
            daily(LC, SMITH, 0, "accepting_chats", 1800 + 77_400),
            daily(LC, SMITH, 0, "not_accepting_chats", 1800 + 1800),
            daily(LC, SMITH, 1, "not_accepting_chats", 3600),
            daily(LC, SMITH, 1, "offline", 3600),
        ]
    );
    // The suspended agent no longer counts as present; the bot does.
    let now = query(
        &store,
        "SELECT tenant, platform, status, agents FROM agent_status_current_counts ORDER BY 1, 2, 3",
        &[ColType::Text, ColType::Text, ColType::Text, ColType::Int],
    )
    .await;
    assert_eq!(now, vec![vec![text("acme"), text("livechat"), text("offline"), Val::Int(1)]]);
}
on_both_backends!(livechat_agent_day_with_suspension_and_a_bot, livechat);

fn chatwoot_day() -> Vec<chatstream_schema::ChatEvent> {
    let mut events = Vec::new();
    events.extend(cw_snapshot("42", "1", "online", "conversation_updated", hm(0, 9, 0)));
    events.extend(cw_agent_message("42", "1", "online", hm(0, 9, 5)));
    events.extend(cw_snapshot("43", "1", "online", "conversation_updated", hm(0, 9, 10)));
    events.extend(cw_snapshot("42", "1", "busy", "conversation_updated", hm(0, 10, 0)));
    events.extend(cw_snapshot("43", "1", "away", "conversation_updated", hm(0, 10, 20)));
    events.extend(cw_agent_message("42", "1", "online", hm(0, 11, 0)));
    events.extend(cw_snapshot("42", "1", "offline", "conversation_resolved", hm(0, 12, 0)));
    events.extend(cw_snapshot("43", "1", "offline", "conversation_updated", hm(0, 12, 30)));
    events
}

async fn chatwoot(backend: Backend) {
    let (store, _guard, dump) = project(backend, &chatwoot_day(), 7).await;
    let id = |vendor: &str, secs: i64| format!("cw-agent-1-{vendor}-{secs}");
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![
            interval(
                CW,
                "1",
                hm(0, 9, 0),
                "online",
                "online",
                Some(hm(0, 10, 0)),
                hm(0, 9, 10),
                (STATUS, &id("online", hm(0, 9, 0)))
            ),
            // `busy` and `away` are both `away`: one interval, with the word that started it.
            interval(
                CW,
                "1",
                hm(0, 10, 0),
                "away",
                "busy",
                Some(hm(0, 11, 0)),
                hm(0, 10, 20),
                (STATUS, &id("busy", hm(0, 10, 0)))
            ),
            interval(
                CW,
                "1",
                hm(0, 11, 0),
                "online",
                "online",
                Some(hm(0, 12, 0)),
                hm(0, 11, 0),
                (STATUS, &id("online", hm(0, 11, 0)))
            ),
            interval(
                CW,
                "1",
                hm(0, 12, 0),
                "offline",
                "offline",
                None,
                hm(0, 12, 30),
                (STATUS, &id("offline", hm(0, 12, 0)))
            ),
        ]
    );
    assert_eq!(
        table(&dump, "agent_current_status"),
        vec![vec![
            text("acme"),
            text("chatwoot"),
            text("1"),
            text("offline"),
            text("offline"),
            t(hm(0, 12, 0)),
            t(hm(0, 12, 30)),
            Val::Null,
            Val::Bool(false),
            Val::Null,
            Val::Null,
        ]]
    );
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![daily(CW, "1", 0, "away", 3600), daily(CW, "1", 0, "offline", 1800), daily(CW, "1", 0, "online", 7200)]
    );
    let totals = query(
        &store,
        "SELECT tenant, platform, day, status, agents, seconds FROM agent_status_daily_totals ORDER BY 1, 2, 3, 4",
        &[ColType::Text, ColType::Text, ColType::Time, ColType::Text, ColType::Int, ColType::Real],
    )
    .await;
    assert_eq!(totals[2], vec![text("acme"), text("chatwoot"), day(0), text("online"), Val::Int(1), Val::Real(7200.0)]);
}
on_both_backends!(chatwoot_assignee_availability_from_snapshots, chatwoot);

fn userlike_days() -> Vec<chatstream_schema::ChatEvent> {
    vec![
        ul_operator("7", "online", hm(0, 8, 0)),
        // A retried callback: a new event id (Userlike identities include the receive time), same status.
        ul_operator("7", "online", hm(0, 8, 0) + 2),
        ul_operator("7", "away", hm(0, 12, 0)),
        ul_operator("7", "back", hm(0, 12, 45)),
        ul_operator("7", "offline", hm(0, 17, 0)),
        ul_operator("7", "online", hm(1, 8, 30)),
        ul_operator("7", "away", hm(1, 9, 0)),
    ]
}

async fn userlike(backend: Backend) {
    let (store, _guard, dump) = project(backend, &userlike_days(), 3).await;
    let id = |event: &str, secs: i64| format!("ul-operator-7-{event}-{secs}");
    assert_eq!(
        table(&dump, "agent_status_intervals"),
        vec![
            interval(
                UL,
                "7",
                hm(0, 8, 0),
                "online",
                "online",
                Some(hm(0, 12, 0)),
                hm(0, 8, 0) + 2,
                (STATUS, &id("online", hm(0, 8, 0)))
            ),
            interval(
                UL,
                "7",
                hm(0, 12, 0),
                "away",
                "away",
                Some(hm(0, 12, 45)),
                hm(0, 12, 0),
                (STATUS, &id("away", hm(0, 12, 0)))
            ),
            interval(
                UL,
                "7",
                hm(0, 12, 45),
                "online",
                "back",
                Some(hm(0, 17, 0)),
                hm(0, 12, 45),
                (STATUS, &id("back", hm(0, 12, 45)))
            ),
            interval(
                UL,
                "7",
                hm(0, 17, 0),
                "offline",
                "offline",
                Some(hm(1, 8, 30)),
                hm(0, 17, 0),
                (STATUS, &id("offline", hm(0, 17, 0)))
            ),
            interval(
                UL,
                "7",
                hm(1, 8, 30),
                "online",
                "online",
                Some(hm(1, 9, 0)),
                hm(1, 8, 30),
                (STATUS, &id("online", hm(1, 8, 30)))
            ),
            interval(UL, "7", hm(1, 9, 0), "away", "away", None, hm(1, 9, 0), (STATUS, &id("away", hm(1, 9, 0)))),
        ]
    );
    assert_eq!(
        table(&dump, "agent_current_status"),
        vec![vec![
            text("acme"),
            text("userlike"),
            text("7"),
            text("away"),
            text("away"),
            t(hm(1, 9, 0)),
            t(hm(1, 9, 0)),
            Val::Null,
            Val::Bool(false),
            Val::Null,
            Val::Null,
        ]]
    );
    // Day 0: online 08:00-12:00 + 12:45-17:00, away 12:00-12:45, offline 17:00-24:00.
    // Day 1: offline 00:00-08:30, online 08:30-09:00; the open away interval has lasted 0 s.
    assert_eq!(
        table(&dump, "agent_status_daily"),
        vec![
            daily(UL, "7", 0, "away", 2700),
            daily(UL, "7", 0, "offline", 25_200),
            daily(UL, "7", 0, "online", 14_400 + 15_300),
            daily(UL, "7", 1, "offline", 30_600),
            daily(UL, "7", 1, "online", 1800),
        ]
    );
    let now = query(
        &store,
        "SELECT tenant, platform, status, agents FROM agent_status_current_counts ORDER BY 1, 2, 3",
        &[ColType::Text, ColType::Text, ColType::Text, ColType::Int],
    )
    .await;
    assert_eq!(now, vec![vec![text("acme"), text("userlike"), text("away"), Val::Int(1)]]);
}
on_both_backends!(userlike_operator_over_two_days, userlike);
