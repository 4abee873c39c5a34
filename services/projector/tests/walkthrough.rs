//! The projection of docs/adding-a-projection.md, compiled and tested: `message_volume` on SQLite and on
//! PostgreSQL, rows and views checked by hand, the same rows whatever the arrival order, duplicates and batch
//! sizes; and the walkthrough's code is the file below, byte for byte.

#[path = "walkthrough/message_volume.rs"]
mod message_volume;

use chatstream_projector::testing::{apply_events, dump_projection, fresh_store, EventBuilder, EventExt, T0_MICROS};
use chatstream_projector::{Backend, ColType, Projection, Store, Val};
use chatstream_schema::chat_event::Message;
use chatstream_schema::{Body, ChatEvent, Kind};
use std::sync::Arc;

const HOUR: i64 = 3_600_000_000;

/// Seconds after [`T0_MICROS`] (2026-01-01T00:00:00Z) of `h:m:s`.
fn at(h: i64, m: i64, s: i64) -> i64 {
    h * 3600 + m * 60 + s
}

/// 2026-01-01 `h`:00 UTC.
fn hour(h: i64) -> Val {
    Val::Time(T0_MICROS + h * HOUR)
}

fn message(role: &str, internal: bool) -> Body {
    Body::Message(Message {
        message_id: None,
        author_role: role.into(),
        author_id: None,
        internal,
        content_type: "text".into(),
        text_length: 24,
        text: None,
    })
}

/// A public message of `role` by chat builder `b` at `h:m:s`, with the event id `id`.
fn msg(b: &EventBuilder, id: &str, role: &str, h: i64, m: i64, s: i64) -> ChatEvent {
    let e = b.at(Kind::Message, at(h, m, s)).id(id).body(message(role, false));
    match role {
        "agent" => e.agent("agent-7"),
        "contact" => e.contact("visitor-1"),
        _ => e,
    }
}

/// Two tenants, three platforms, four chats around 09:00–11:30 UTC on 2026-01-01, with the events a message
/// count must ignore (session changes, an internal note, an edit, a read receipt, a rating) and one contact
/// message that Chatwoot delivered twice: its payload has no time, so each copy's `occurred_at` is its receive
/// time, and the two copies fall in different hours.
fn day_of_chats() -> Vec<ChatEvent> {
    let lc = EventBuilder::new("livechat", "L1");
    let lc2 = EventBuilder::new("livechat", "L2");
    let cw = EventBuilder::new("chatwoot", "7");
    let mut globex = EventBuilder::new("livechat", "L1");
    globex.tenant = "globex".into();

    let retried_first = {
        let mut e = cw.at(Kind::Message, 0).id("cw-m4").body(message("contact", false)).contact("visitor-9");
        e.occurred_at_source = "received".into();
        e.received_at_micros = T0_MICROS + at(10, 59, 59) * 1_000_000 + 800_000;
        e.occurred_at_micros = e.received_at_micros;
        e
    };
    let retried_again = {
        let mut e = retried_first.clone();
        e.received_at_micros = T0_MICROS + at(11, 0, 4) * 1_000_000;
        e.occurred_at_micros = e.received_at_micros;
        e
    };

    vec![
        // acme, LiveChat chat L1 (thread T1): a bot greeting, then contact and agent across 10:00.
        lc.at(Kind::SessionStarted, at(9, 58, 0)).session("T1"),
        msg(&lc, "lc-m1", "bot", 9, 58, 5).session("T1"),
        msg(&lc, "lc-m2", "contact", 9, 58, 30).session("T1"),
        msg(&lc, "lc-m3", "agent", 9, 59, 10).session("T1"),
        msg(&lc, "lc-m4", "contact", 10, 0, 20).session("T1"),
        lc.at(Kind::Message, at(10, 1, 0)).id("lc-note").session("T1").agent("agent-7").body(message("agent", true)),
        msg(&lc, "lc-m5", "agent", 10, 2, 0).session("T1"),
        lc.at(Kind::MessageEdited, at(10, 2, 30)).session("T1").agent("agent-7"),
        lc.at(Kind::Seen, at(10, 3, 0)).session("T1"),
        lc.at(Kind::Rating, at(10, 5, 0)).session("T1"),
        lc.at(Kind::SessionEnded, at(10, 5, 0)).session("T1"),
        // acme, LiveChat chat L2: two contact messages and a reply.
        msg(&lc2, "lc2-m1", "contact", 10, 40, 0).session("T9"),
        msg(&lc2, "lc2-m2", "contact", 10, 41, 0).session("T9"),
        msg(&lc2, "lc2-m3", "agent", 10, 45, 0).session("T9"),
        // acme, Chatwoot conversation 7: a system message, the retried contact message, a reply after 11:00.
        cw.at(Kind::SessionStarted, at(10, 9, 0)),
        msg(&cw, "cw-m1", "contact", 10, 10, 0),
        msg(&cw, "cw-m2", "system", 10, 10, 30),
        msg(&cw, "cw-m3", "agent", 10, 12, 0),
        msg(&cw, "cw-m5", "contact", 10, 13, 0),
        retried_first,
        retried_again,
        msg(&cw, "cw-m6", "agent", 11, 20, 0),
        cw.at(Kind::SessionEnded, at(11, 30, 0)),
        // globex: the same chat id on the same platform is another tenant's chat.
        msg(&globex, "gx-m1", "contact", 10, 30, 0),
        msg(&globex, "gx-m2", "agent", 10, 31, 0),
    ]
}

fn row(tenant: &str, platform: &str, chat: &str, h: i64, role: &str, messages: i64) -> Vec<Val> {
    vec![
        Val::from(format!("{tenant}/{platform}/chat/{chat}")),
        Val::from(tenant),
        Val::from(platform),
        Val::from(chat),
        hour(h),
        Val::from(role),
        Val::Int(messages),
    ]
}

fn expected_rows() -> Vec<Vec<Val>> {
    vec![
        // The retried message counts once, in the hour of its earliest copy (10:59:59.8).
        row("acme", "chatwoot", "7", 10, "agent", 1),
        row("acme", "chatwoot", "7", 10, "contact", 3),
        row("acme", "chatwoot", "7", 10, "system", 1),
        row("acme", "chatwoot", "7", 11, "agent", 1),
        row("acme", "livechat", "L1", 9, "agent", 1),
        row("acme", "livechat", "L1", 9, "bot", 1),
        row("acme", "livechat", "L1", 9, "contact", 1),
        // The internal note at 10:01 is not a message to or from the customer.
        row("acme", "livechat", "L1", 10, "agent", 1),
        row("acme", "livechat", "L1", 10, "contact", 1),
        row("acme", "livechat", "L2", 10, "agent", 1),
        row("acme", "livechat", "L2", 10, "contact", 2),
        row("globex", "livechat", "L1", 10, "agent", 1),
        row("globex", "livechat", "L1", 10, "contact", 1),
    ]
}

/// A view's rows: (tenant, platform, time, author_role, messages, chats), sorted.
async fn view(store: &Store, name: &str, time_column: &str) -> Vec<Vec<Val>> {
    let sql =
        format!("SELECT tenant, platform, {time_column}, author_role, messages, chats FROM {name} ORDER BY 1, 2, 3, 4");
    let types = [ColType::Text, ColType::Text, ColType::Time, ColType::Text, ColType::Int, ColType::Int];
    store.fetch(&sql, &[], &types).await.unwrap()
}

fn vrow(tenant: &str, platform: &str, time: Val, role: &str, messages: i64, chats: i64) -> Vec<Val> {
    vec![Val::from(tenant), Val::from(platform), time, Val::from(role), Val::Int(messages), Val::Int(chats)]
}

async fn rows_and_views_by_hand(backend: Backend) {
    let (store, _guard) = fresh_store(backend).await.unwrap();
    let p = message_volume::projection();
    apply_events(&store, p.clone(), &day_of_chats(), 1000).await.unwrap();

    let tables = dump_projection(&store, p.as_ref()).await.unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].0, "message_volume_by_chat");
    assert_eq!(tables[0].1, expected_rows());

    assert_eq!(
        view(&store, "message_volume_hourly", "hour").await,
        vec![
            vrow("acme", "chatwoot", hour(10), "agent", 1, 1),
            vrow("acme", "chatwoot", hour(10), "contact", 3, 1),
            vrow("acme", "chatwoot", hour(10), "system", 1, 1),
            vrow("acme", "chatwoot", hour(11), "agent", 1, 1),
            vrow("acme", "livechat", hour(9), "agent", 1, 1),
            vrow("acme", "livechat", hour(9), "bot", 1, 1),
            vrow("acme", "livechat", hour(9), "contact", 1, 1),
            vrow("acme", "livechat", hour(10), "agent", 2, 2),
            vrow("acme", "livechat", hour(10), "contact", 3, 2),
            vrow("globex", "livechat", hour(10), "agent", 1, 1),
            vrow("globex", "livechat", hour(10), "contact", 1, 1),
        ]
    );
    let day = Val::Time(T0_MICROS);
    assert_eq!(
        view(&store, "message_volume_daily", "day").await,
        vec![
            vrow("acme", "chatwoot", day.clone(), "agent", 2, 1),
            vrow("acme", "chatwoot", day.clone(), "contact", 3, 1),
            vrow("acme", "chatwoot", day.clone(), "system", 1, 1),
            vrow("acme", "livechat", day.clone(), "agent", 3, 2),
            vrow("acme", "livechat", day.clone(), "bot", 1, 1),
            vrow("acme", "livechat", day.clone(), "contact", 4, 2),
            vrow("globex", "livechat", day.clone(), "agent", 1, 1),
            vrow("globex", "livechat", day, "contact", 1, 1),
        ]
    );
}

#[tokio::test]
async fn sqlite_rows_and_views_by_hand() {
    rows_and_views_by_hand(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_rows_and_views_by_hand() {
    rows_and_views_by_hand(Backend::Postgres).await;
}

/// Reversed, with every third event delivered again and the later copy of the retried message first, in
/// batches of 1, 4 and 1000: always the rows of the in-order run.
async fn order_duplicates_and_batches_do_not_matter(backend: Backend) {
    let p: Arc<dyn Projection> = message_volume::projection();
    let in_order = day_of_chats();
    let mut arrivals = in_order.clone();
    arrivals.reverse();
    arrivals.extend(in_order.iter().step_by(3).cloned());
    for batch in [1, 4, 1000] {
        let (store, _guard) = fresh_store(backend).await.unwrap();
        apply_events(&store, p.clone(), &arrivals, batch).await.unwrap();
        let tables = dump_projection(&store, p.as_ref()).await.unwrap();
        assert_eq!(tables[0].1, expected_rows(), "batch size {batch}");
        // A replay of everything already applied changes nothing.
        apply_events(&store, p.clone(), &in_order, 7).await.unwrap();
        assert_eq!(dump_projection(&store, p.as_ref()).await.unwrap(), tables, "replay, batch size {batch}");
    }
}

#[tokio::test]
async fn sqlite_order_duplicates_and_batches_do_not_matter() {
    order_duplicates_and_batches_do_not_matter(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_order_duplicates_and_batches_do_not_matter() {
    order_duplicates_and_batches_do_not_matter(Backend::Postgres).await;
}

#[test]
fn only_public_messages_with_a_chat_are_grouped() {
    let p = message_volume::MessageVolume;
    let b = EventBuilder::new("userlike", "u-55");
    assert_eq!(p.group(&msg(&b, "x", "contact", 9, 0, 0)).as_deref(), Some("acme/userlike/chat/u-55"));
    assert_eq!(p.group(&b.at(Kind::Message, 1).body(message("agent", true))), None, "internal note");
    assert_eq!(p.group(&b.at(Kind::Message, 1)), None, "a message without a Message body");
    assert_eq!(p.group(&b.at(Kind::MessageEdited, 1).body(message("agent", false))), None, "an edit");
    assert_eq!(p.group(&b.at(Kind::SessionStarted, 1)), None);
    let no_chat = EventBuilder::without_chat("userlike");
    assert_eq!(p.group(&msg(&no_chat, "y", "contact", 9, 0, 0)), None);
}

fn read(relative: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The fenced blocks of a Markdown text whose info string is `lang`: their contents.
fn fenced_blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some((info.trim().to_string(), String::new()));
                }
            }
            Some((info, body)) => {
                if trimmed == "```" {
                    if info == lang {
                        blocks.push(std::mem::take(body));
                    }
                    current = None;
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    blocks
}

#[test]
fn the_walkthrough_shows_exactly_this_module() {
    let doc = read("../../docs/adding-a-projection.md");
    let blocks = fenced_blocks(&doc, "rust");
    assert_eq!(blocks.len(), 1, "docs/adding-a-projection.md must have exactly one ```rust block: the module");
    let module = read("tests/walkthrough/message_volume.rs");
    assert!(
        blocks[0] == module,
        "the ```rust block of docs/adding-a-projection.md differs from services/projector/tests/walkthrough/\
         message_volume.rs; copy the file into the doc (or the doc into the file), byte for byte"
    );
}

/// The registration shown as a diff must fit the files it patches: every context and removed line exists there.
#[test]
fn the_walkthrough_registration_fits_the_binary() {
    let doc = read("../../docs/adding-a-projection.md");
    let diffs = fenced_blocks(&doc, "diff");
    assert!(!diffs.is_empty(), "the walkthrough shows its registration as a ```diff block");
    for diff in diffs {
        let mut file: Option<String> = None;
        for line in diff.lines() {
            if let Some(path) = line.strip_prefix("+++ b/") {
                file = Some(read(&format!("../../{path}")));
            } else if line.starts_with("--- a/") || line.starts_with("@@") || line.starts_with('+') {
                continue;
            } else if let Some(existing) = line.strip_prefix([' ', '-']) {
                let text = file.as_deref().expect("a +++ b/<path> header before the first hunk");
                assert!(
                    text.lines().any(|l| l == existing),
                    "the diff's line {existing:?} is not in the file it patches"
                );
            }
        }
    }
}
