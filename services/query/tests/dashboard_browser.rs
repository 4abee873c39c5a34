//! The dashboard in a real browser: headless Chromium (Debian's `chromium` package) loads the overview and a
//! session page from the query app running in-process on a seeded SQLite store. The rendered page must show
//! the seeded numbers: the same as `/api/v1/summary` (and the session endpoint) return for that store, and
//! as worked out by hand below. Screenshots land in `target/test-output/dashboard/` for a person to look at.

use chatstream_projector::testing::{apply_events, fresh_store, EventBuilder, EventExt, TempStore, T0_MICROS};
use chatstream_projector::Store;
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHROMIUM: &str = "/usr/bin/chromium";
const TOKEN: &str = "dashboard-browser-test-token";

// ------------------------------------------------------------------------------------------------ seed data

/// Seconds after T0 of day `d` (0 = the first seeded day) at `h:m:s` UTC.
#[derive(Clone, Copy)]
struct Clock {
    /// Seconds from T0 to the midnight of seeded day 0 (three days before today, so all of it is past).
    day0: i64,
}

impl Clock {
    fn now() -> Self {
        let now_s = chrono::Utc::now().timestamp();
        let today = now_s - now_s.rem_euclid(86_400);
        Clock { day0: today - 3 * 86_400 - T0_MICROS / 1_000_000 }
    }

    fn at(&self, d: i64, h: i64, m: i64, s: i64) -> i64 {
        self.day0 + d * 86_400 + h * 3600 + m * 60 + s
    }

    /// Midnight of seeded day `d` as RFC 3339 (`…T00:00:00Z`).
    fn midnight(&self, d: i64) -> String {
        rfc3339(self.at(d, 0, 0, 0))
    }

    /// `YYYY-MM-DD` of seeded day `d`.
    fn date(&self, d: i64) -> String {
        self.midnight(d)[..10].to_string()
    }
}

fn to_datetime(secs_after_t0: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(T0_MICROS + secs_after_t0 * 1_000_000).unwrap()
}

fn rfc3339(secs_after_t0: i64) -> String {
    to_datetime(secs_after_t0).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An event as the normaliser makes it: `kind` at `secs` after T0 with its vendor event type.
fn ev(platform: &str, chat: &str, kind: Kind, secs: i64, id: &str, vendor_type: &str) -> ChatEvent {
    let mut e = EventBuilder::new(platform, chat).at(kind, secs).id(id);
    e.vendor_event_type = Some(vendor_type.into());
    e
}

/// The event stamped with its receive time (the payload had none).
fn received(mut e: ChatEvent) -> ChatEvent {
    e.occurred_at_source = "received".into();
    e.received_at_micros = e.occurred_at_micros;
    e
}

fn message(role: &str, author: Option<&str>, id: &str, internal: bool, content_type: &str, len: i32) -> Body {
    Body::Message(Message {
        message_id: Some(id.into()),
        author_role: role.into(),
        author_id: author.map(Into::into),
        internal,
        content_type: content_type.into(),
        text_length: len,
        text: None,
    })
}

fn change(status: Option<&str>, closed_by: Option<&str>) -> Body {
    Body::SessionChange {
        status: status.map(Into::into),
        previous_status: None,
        reason: None,
        closed_by: closed_by.map(Into::into),
    }
}

fn rating(score: f64, min: f64, max: f64) -> Body {
    Body::Rating(Rating {
        vendor_score: score,
        scale_min: min,
        scale_max: max,
        normalized_score: ((score - min) / (max - min)).clamp(0.0, 1.0),
        comment: None,
    })
}

fn assignment(from: Option<&str>, to: &str, group: Option<&str>) -> Body {
    Body::Assignment {
        from_agent_id: from.map(Into::into),
        to_agent_id: Some(to.into()),
        from_group_id: None,
        to_group_id: group.map(Into::into),
        reason: Some("manual".into()),
    }
}

const SMITH: &str = "smith@example.com";
const JANE: &str = "jane@example.com";
const LC_BOT: &str = "8f2c3b1a9d7e4f6a0b5c2d8e1f3a4b6c";

/// A LiveChat chat of one thread, shaped like `tests/fixtures/livechat/expected`: `incoming_chat`, the
/// customer's question at +4 s, `agent`'s answer `frt` seconds later, closed by the agent at +5 min and rated
/// `score` (0..1, chat-level, no thread) ten seconds later. `frt`/`score` `None`: no answer / no rating, still
/// open.
fn livechat_thread(chat: &str, start: i64, agent: &str, frt: Option<i64>, score: Option<f64>) -> Vec<ChatEvent> {
    let thread = format!("{chat}T1");
    let customer = format!("customer-{chat}");
    let e = |kind, secs, id: &str, vendor| ev("livechat", chat, kind, start + secs, id, vendor).session(&thread);
    let mut out = vec![
        e(Kind::SessionStarted, 0, &format!("lc-start-{thread}"), "incoming_chat")
            .agent(agent)
            .contact(&customer)
            .body(change(None, None)),
        e(Kind::Message, 4, &format!("lc-msg-{thread}_1"), "incoming_event").contact(&customer).body(message(
            "contact",
            Some(&customer),
            &format!("{thread}_1"),
            false,
            "text",
            42,
        )),
    ];
    let Some(frt) = frt else {
        out.push(
            e(Kind::Message, 120, &format!("lc-msg-{thread}_2"), "incoming_event").contact(&customer).body(message(
                "contact",
                Some(&customer),
                &format!("{thread}_2"),
                false,
                "text",
                18,
            )),
        );
        return out;
    };
    out.push(e(Kind::Message, 4 + frt, &format!("lc-msg-{thread}_2"), "incoming_event").agent(agent).body(message(
        "agent",
        Some(agent),
        &format!("{thread}_2"),
        false,
        "text",
        64,
    )));
    out.push(
        received(e(Kind::SessionEnded, 300, &format!("lc-end-{thread}"), "chat_deactivated"))
            .agent(agent)
            .body(change(None, Some("agent"))),
    );
    if let Some(score) = score {
        let mut r = received(ev(
            "livechat",
            chat,
            Kind::Rating,
            start + 310,
            &format!("lc-rating-{chat}"),
            "chat_properties_updated",
        ));
        r.body = rating(score, 0.0, 1.0);
        out.push(r);
    }
    out
}

/// The LiveChat thread the session-page test opens: pre-chat form, bot greeting, question, Smith's answer
/// after 12 s, the customer's read receipt, an internal note, a transfer to Jane (group 19), Jane's answer, a
/// file from the customer, a tag, closed by Jane, rated good.
fn livechat_showcase(c: Clock) -> Vec<ChatEvent> {
    let chat = "PJ0MRSHTDG";
    let thread = "K600PKZON8";
    let customer = "b7eff798-f8df-4364-8059-649c35c9ed0c";
    let start = c.at(0, 9, 0, 0);
    let e = |kind, secs, id: &str, vendor| ev("livechat", chat, kind, start + secs, id, vendor);
    let msg = |secs, n: u32, author: &str, internal: bool, ctype: &str, len: i32| {
        let id = format!("{thread}_{n}");
        let role = if author.contains('@') {
            "agent"
        } else if author == LC_BOT {
            "bot"
        } else {
            "contact"
        };
        let base = e(Kind::Message, secs, &format!("lc-msg-{id}"), "incoming_event").session(thread);
        let base = if role == "contact" { base.contact(author) } else { base.agent(author) };
        base.body(message(role, Some(author), &id, internal, ctype, len))
    };
    let participant = |kind, secs, agent: &str| {
        let vendor = if kind == Kind::ParticipantJoined { "user_added_to_chat" } else { "user_removed_from_chat" };
        received(e(kind, secs, &format!("lc-{vendor}-{secs}"), vendor))
            .session(thread)
            .agent(agent)
            .body(Body::Participant { participant_id: Some(agent.into()), role: "agent".into(), reason: None })
    };
    let mut transfer = assignment(None, JANE, Some("19"));
    if let Body::Assignment { reason, .. } = &mut transfer {
        *reason = Some("manual".into());
    }
    vec![
        e(Kind::SessionStarted, 0, "lc-start-showcase", "incoming_chat")
            .session(thread)
            .agent(SMITH)
            .contact(customer)
            .body(change(None, None)),
        e(Kind::SurveyAnswered, 0, "lc-form-showcase-name", "incoming_chat")
            .session(thread)
            .contact(customer)
            .body(Body::SurveyAnswer { form_type: "prechat".into(), question: "Name:".into(), answer: String::new() }),
        msg(4, 2, customer, false, "text", 39),
        msg(5, 1, LC_BOT, false, "text", 30),
        msg(16, 3, SMITH, false, "text", 53),
        e(Kind::Seen, 20, "lc-seen-showcase-20", "events_marked_as_seen").contact(customer).body(Body::Seen {
            reader_role: "contact".into(),
            reader_id: Some(customer.into()),
            seen_up_to_micros: T0_MICROS + (start + 20) * 1_000_000,
        }),
        msg(40, 4, SMITH, true, "text", 54),
        e(Kind::Transferred, 60, "lc-transfer-showcase", "chat_transferred").session(thread).agent(JANE).body(transfer),
        participant(Kind::ParticipantJoined, 61, JANE),
        participant(Kind::ParticipantLeft, 62, SMITH),
        msg(90, 6, JANE, false, "text", 20),
        msg(100, 5, customer, false, "file", 0),
        received(e(Kind::Tagged, 110, "lc-thread_tagged-billing", "thread_tagged"))
            .session(thread)
            .body(Body::Tag { tag: "billing".into() }),
        received(e(Kind::SessionEnded, 300, "lc-end-showcase", "chat_deactivated"))
            .session(thread)
            .agent(JANE)
            .body(change(None, Some("agent"))),
        {
            let mut r = received(e(Kind::Rating, 310, "lc-rating-showcase", "chat_properties_updated"));
            r.body = rating(1.0, 0.0, 1.0);
            r
        },
    ]
}

/// A Chatwoot conversation (contact 17): created pending, the contact asks at +5 s, assigned to `agent`, the
/// agent answers `frt` s later, resolved by the agent at +10 min, CSAT `score` of 1..5 a minute after.
fn chatwoot_conversation(chat: &str, start: i64, agent: &str, frt: i64, score: f64) -> Vec<ChatEvent> {
    let e = |kind, secs, id: &str, vendor| ev("chatwoot", chat, kind, start + secs, id, vendor).contact("17");
    vec![
        e(Kind::SessionStarted, 0, &format!("cw-start-{chat}"), "conversation_created")
            .body(change(Some("pending"), None)),
        e(Kind::Message, 5, &format!("cw-msg-{chat}-1"), "message_created").body(message(
            "contact",
            Some("17"),
            &format!("{chat}1"),
            false,
            "text",
            32,
        )),
        e(Kind::Assigned, 6, &format!("cw-assigned-{chat}-{agent}"), "conversation_updated")
            .agent(agent)
            .body(assignment(None, agent, None)),
        e(Kind::Message, 5 + frt, &format!("cw-msg-{chat}-2"), "message_created").agent(agent).body(message(
            "agent",
            Some(agent),
            &format!("{chat}2"),
            false,
            "text",
            56,
        )),
        e(Kind::SessionEnded, 600, &format!("cw-end-{chat}"), "conversation_status_changed")
            .agent(agent)
            .body(change(Some("resolved"), Some("agent"))),
        e(Kind::Rating, 660, &format!("cw-rating-{chat}"), "message_updated")
            .agent(agent)
            .body(rating(score, 1.0, 5.0)),
    ]
}

/// A Userlike `chat_session`: the contact writes at +2 s, operator `op` answers `frt` s later, the session
/// ends at +4 min and is rated `score` of 1..5 at +5 min.
fn userlike_session(chat: &str, session: &str, start: i64, op: &str, frt: i64, score: f64) -> Vec<ChatEvent> {
    let e = |kind, secs, id: &str, vendor| {
        ev("userlike", chat, kind, start + secs, id, vendor).session(session).contact("5531").agent(op)
    };
    vec![
        e(Kind::SessionStarted, 0, &format!("ul-{session}-start"), "chat_session.start"),
        e(Kind::Message, 2, &format!("ul-msg-{session}-1"), "chat_session.message_received").body(message(
            "contact",
            Some("5531"),
            &format!("{session}1"),
            false,
            "text",
            27,
        )),
        e(Kind::Message, 2 + frt, &format!("ul-msg-{session}-2"), "chat_session.message_sent").body(message(
            "agent",
            Some(op),
            &format!("{session}2"),
            false,
            "text",
            36,
        )),
        e(Kind::SessionEnded, 240, &format!("ul-{session}-end"), "chat_session.end").body(change(None, None)),
        received(e(Kind::Rating, 300, &format!("ul-{session}-rating"), "chat_session.rating"))
            .body(rating(score, 1.0, 5.0)),
    ]
}

/// A Freshchat interaction: the contact writes, assigned 10 s later; with `frt` the agent answers and resolves
/// at +200 s; without, it stays open and unanswered (Freshchat has no read receipts and no ratings).
fn freshchat_interaction(tenant: &str, chat: &str, start: i64, frt: Option<i64>) -> Vec<ChatEvent> {
    let interaction = format!("{chat}-1");
    let agent = "0b6e2a7c-9d4f-4e1a-b8c3-5f2d1e0a9b76";
    let contact = "f2b6c7d1-2a3e-4f5b-8c9d-0e1f2a3b4c5d";
    let e = |kind, secs, id: &str, vendor| {
        ev("freshchat", chat, kind, start + secs, id, vendor).session(&interaction).contact(contact).tenant(tenant)
    };
    let mut out =
        vec![
            e(Kind::Message, 0, &format!("fc-msg-{chat}-1"), "message_create").body(message(
                "contact",
                Some(contact),
                &format!("{chat}-m1"),
                false,
                "text",
                39,
            )),
            e(Kind::Assigned, 10, &format!("fc-assign-{chat}"), "conversation_assignment")
                .agent(agent)
                .body(assignment(None, agent, Some("9e8d7c6b"))),
        ];
    if let Some(frt) = frt {
        out.push(e(Kind::Message, frt, &format!("fc-msg-{chat}-2"), "message_create").agent(agent).body(message(
            "agent",
            Some(agent),
            &format!("{chat}-m2"),
            false,
            "text",
            30,
        )));
        out.push(
            e(Kind::SessionEnded, 200, &format!("fc-resolve-{chat}"), "conversation_resolution")
                .agent(agent)
                .body(change(Some("resolved"), Some("agent"))),
        );
    }
    out
}

/// LiveChat `routing_status_set` (receive time, no chat).
fn lc_status(agent: &str, vendor: &str, secs: i64) -> ChatEvent {
    let status = vendor.replace([' ', '-'], "_");
    let mut e = EventBuilder::without_chat("livechat")
        .at(Kind::AgentStatusChanged, secs)
        .id(&format!("lc-status-{agent}-{status}-{secs}"))
        .agent(agent)
        .body(Body::AgentStatus { status, vendor_status: vendor.into() });
    e.vendor_event_type = Some("routing_status_set".into());
    received(e)
}

/// Userlike `operator.{online,offline,away,back}` (receive time).
fn ul_operator(agent: &str, event: &str, secs: i64) -> ChatEvent {
    let status = if event == "back" { "online" } else { event };
    let mut e = EventBuilder::without_chat("userlike")
        .at(Kind::AgentStatusChanged, secs)
        .id(&format!("ul-operator-{agent}-{event}-{secs}"))
        .agent(agent)
        .body(Body::AgentStatus { status: status.into(), vendor_status: event.into() });
    e.vendor_event_type = Some(format!("operator.{event}"));
    received(e)
}

/// Three days of tenant `acme` on all four platforms, and one Freshchat day of tenant `globex`.
///
/// acme sessions (day: platform first-response, rating normalised):
/// - day 0: LiveChat showcase 12 s (1.0), LiveChat 30 s (0.0), Chatwoot 20 s (5/5 = 1.0), Freshchat 50 s
/// - day 1: LiveChat 61 s (1.0), Chatwoot 90 s (4/5 = 0.75), Userlike 26 s (5/5 = 1.0)
/// - day 2: LiveChat 150 s, LiveChat open and unanswered (22:40), Chatwoot 300 s (2/5 = 0.25), Userlike 44 s
///   (3/5 = 0.5), Freshchat open and unanswered (22:50)
///
/// Agents: Smith accepting chats from day 2 08:00 (restated 12:00), Jane accepting 09:00–17:00 then not
/// accepting; Userlike operator 7 online 08:00–12:00, away until 12:30, online until 17:00 on day 1, then
/// offline; operator 9 online from day 2 12:00 (restated 15:00).
fn seed(c: Clock) -> Vec<ChatEvent> {
    let mut events = livechat_showcase(c);
    events.extend(livechat_thread("LC2", c.at(0, 14, 0, 0), JANE, Some(30), Some(0.0)));
    events.extend(livechat_thread("LC3", c.at(1, 10, 0, 0), SMITH, Some(61), Some(1.0)));
    events.extend(livechat_thread("LC4", c.at(2, 11, 0, 0), JANE, Some(150), None));
    events.extend(livechat_thread("LC5", c.at(2, 22, 40, 0), JANE, None, None));
    events.extend(chatwoot_conversation("101", c.at(0, 10, 0, 0), "1", 20, 5.0));
    events.extend(chatwoot_conversation("102", c.at(1, 15, 0, 0), "2", 90, 4.0));
    events.extend(chatwoot_conversation("103", c.at(2, 9, 30, 0), "1", 300, 2.0));
    events.extend(userlike_session("4711", "90211", c.at(1, 12, 0, 0), "7", 26, 5.0));
    events.extend(userlike_session("4712", "90212", c.at(2, 16, 0, 0), "9", 44, 3.0));
    events.extend(freshchat_interaction("acme", "fc-acme-1", c.at(0, 13, 0, 0), Some(50)));
    events.extend(freshchat_interaction("acme", "fc-acme-2", c.at(2, 22, 50, 0), None));
    events.extend(freshchat_interaction("globex", "fc-globex-1", c.at(1, 11, 0, 0), Some(90)));
    events.extend([
        lc_status(SMITH, "accepting chats", c.at(2, 8, 0, 0)),
        lc_status(SMITH, "accepting chats", c.at(2, 12, 0, 0)),
        lc_status(JANE, "accepting chats", c.at(2, 9, 0, 0)),
        lc_status(JANE, "not accepting chats", c.at(2, 17, 0, 0)),
        ul_operator("7", "online", c.at(1, 8, 0, 0)),
        ul_operator("7", "away", c.at(1, 12, 0, 0)),
        ul_operator("7", "back", c.at(1, 12, 30, 0)),
        ul_operator("7", "offline", c.at(1, 17, 0, 0)),
        ul_operator("9", "online", c.at(2, 12, 0, 0)),
        ul_operator("9", "online", c.at(2, 15, 0, 0)),
    ]);
    events
}

async fn seeded_store(c: Clock) -> (Store, TempStore) {
    let (store, guard) = fresh_store(chatstream_projector::Backend::Sqlite).await.expect("a fresh SQLite store");
    let events = seed(c);
    for projection in chatstream_analytics::projections() {
        apply_events(&store, projection, &events, 50).await.expect("the seed events apply");
    }
    chatstream_analytics::prepare(&store).await.expect("analytics views");
    (store, guard)
}

// ------------------------------------------------------------------------------------------------ server

/// The query app on 127.0.0.1:0 over `store`, with one token for every tenant.
async fn serve(store: Store) -> SocketAddr {
    let tokens = chatstream_query::Tokens::single(TOKEN, ["*"]);
    let state = chatstream_query::QueryState::new(store, tokens, &prometheus::Registry::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, chatstream_query::app(state)).await.expect("serve");
    });
    addr
}

/// GET `path` (with the test token when `auth`); (status, lower-cased header block, body).
async fn get(addr: SocketAddr, path: &str, auth: bool) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let authorization = if auth { format!("Authorization: Bearer {TOKEN}\r\n") } else { String::new() };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    let head = head.to_ascii_lowercase();
    let chunked = head.contains("transfer-encoding: chunked");
    (status, head.clone(), if chunked { dechunk(body) } else { body.to_string() })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

async fn get_json(addr: SocketAddr, path: &str) -> Value {
    let (status, _, body) = get(addr, path, true).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
}

// ------------------------------------------------------------------------------------------------ browser

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn output_dir() -> PathBuf {
    let dir = workspace_root().join("target/test-output/dashboard");
    std::fs::create_dir_all(&dir).expect("create target/test-output/dashboard");
    dir
}

fn chromium() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the dashboard test needs Debian's `chromium` package. Run tests/run (it \
         installs chromium), or `apt-get install --no-install-recommends chromium`."
    );
    CHROMIUM
}

/// Runs headless Chromium with a fresh profile and `args`; its stdout.
async fn run_chromium(args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("a profile directory");
    let mut command = tokio::process::Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("chromium finished within 90 s")
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The DOM after the page has loaded and rendered (virtual time: the 5 s refresh runs once more too).
async fn dump_dom(url: &str) -> String {
    let dom = run_chromium(&["--virtual-time-budget=7000".into(), "--dump-dom".into(), url.into()]).await;
    assert!(dom.contains("data-testid"), "the page rendered nothing for {url}:\n{dom}");
    // Script errors, refused resources (CSP) and failed API calls show in the banner; it must stay hidden.
    let (banner, _) = element(&dom, "banner").expect("the banner element");
    assert!(banner.contains(" hidden"), "the page shows a problem for {url}: {}", text(&dom, "banner"));
    dom
}

/// Saves a PNG of `url` at 1440 px wide; returns its path.
async fn screenshot(url: &str, name: &str, height: u32) -> PathBuf {
    let path = output_dir().join(name);
    let _ = std::fs::remove_file(&path);
    run_chromium(&[
        "--virtual-time-budget=7000".into(),
        format!("--window-size=1440,{height}"),
        format!("--screenshot={}", path.display()),
        url.into(),
    ])
    .await;
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", path.display()));
    assert!(bytes.starts_with(b"\x89PNG"), "{} is not a PNG", path.display());
    assert!(bytes.len() > 10_000, "{} is suspiciously small ({} bytes)", path.display(), bytes.len());
    path
}

// ------------------------------------------------------------------------------------------------ DOM reading

const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"];

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The serialised element carrying `data-testid="id"`: (opening tag, inner HTML).
fn element<'a>(dom: &'a str, id: &str) -> Option<(&'a str, &'a str)> {
    let needle = format!("data-testid=\"{id}\"");
    let at = dom.find(&needle)?;
    let start = dom[..at].rfind('<')?;
    let open_end = at + dom[at..].find('>')? + 1;
    let mut depth = 1usize;
    let mut i = open_end;
    while let Some(off) = dom[i..].find('<') {
        let tag_start = i + off;
        let tag_end = tag_start + dom[tag_start..].find('>')? + 1;
        let tag = &dom[tag_start..tag_end];
        if tag.starts_with("</") {
            depth -= 1;
            if depth == 0 {
                return Some((&dom[start..open_end], &dom[open_end..tag_start]));
            }
        } else if !tag.starts_with("<!") && !tag.ends_with("/>") {
            let name: String = tag[1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if !VOID.contains(&name.to_ascii_lowercase().as_str()) {
                depth += 1;
            }
        }
        i = tag_end;
    }
    None
}

/// Text of an HTML fragment: tags removed (each counts as a space), entities decoded, whitespace collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    decode(&out).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the element with `data-testid="id"`; panics (showing the page) when it is absent.
fn text(dom: &str, id: &str) -> String {
    match element(dom, id) {
        Some((_, inner)) => text_of(inner),
        None => panic!("no element data-testid=\"{id}\" in the page:\n{dom}"),
    }
}

/// Attribute `name` of the element with `data-testid="id"`.
fn attr(dom: &str, id: &str, name: &str) -> String {
    let (open, _) = element(dom, id).unwrap_or_else(|| panic!("no element data-testid=\"{id}\" in the page:\n{dom}"));
    let needle = format!(" {name}=\"");
    let at = open.find(&needle).unwrap_or_else(|| panic!("{open} has no {name}")) + needle.len();
    decode(&open[at..at + open[at..].find('"').unwrap()])
}

/// Every `data-testid` starting with `prefix`, in page order.
fn testids(dom: &str, prefix: &str) -> Vec<String> {
    let needle = format!("data-testid=\"{prefix}");
    dom.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &dom[at + "data-testid=\"".len()..];
            decode(&rest[..rest.find('"').unwrap()])
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------ formats

/// The dashboard's number formats (app.js), for the values the API returns.
fn trim(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{} s", trim(seconds, 1))
    } else if seconds < 3600.0 {
        format!("{} min", trim(seconds / 60.0, 1))
    } else if seconds < 172_800.0 {
        format!("{} h", trim(seconds / 3600.0, 1))
    } else {
        format!("{} d", trim(seconds / 86_400.0, 1))
    }
}

fn percent(share: f64) -> String {
    format!("{}%", trim(share * 100.0, 1))
}

/// Seconds of a formatted duration ("14.2 h").
fn seconds_of(formatted: &str) -> f64 {
    let (number, unit) = formatted.split_once(' ').unwrap_or_else(|| panic!("not a duration: {formatted}"));
    let n: f64 = number.parse().unwrap_or_else(|_| panic!("not a duration: {formatted}"));
    n * match unit {
        "s" => 1.0,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => panic!("unknown unit {other} in {formatted}"),
    }
}

/// "3 Jan 2026 00:00" (UTC), as the page writes range ends.
fn page_datetime(secs_after_t0: i64) -> String {
    let t = to_datetime(secs_after_t0);
    format!("{} {}", t.format("%-d %b %Y"), t.format("%H:%M"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

// ------------------------------------------------------------------------------------------------ tests

struct Fixture {
    clock: Clock,
    addr: SocketAddr,
    _store: TempStore,
}

async fn fixture() -> Fixture {
    chromium();
    let clock = Clock::now();
    let (store, guard) = seeded_store(clock).await;
    let addr = serve(store).await;
    Fixture { clock, addr, _store: guard }
}

impl Fixture {
    fn url(&self, hash: &str) -> String {
        format!("http://{}/#{hash}", self.addr)
    }

    /// The overview of `tenant` for seeded days [from, to), token in the hash.
    fn overview(&self, tenant: &str, from: &str, to: &str) -> String {
        self.url(&format!("/?tenant={tenant}&from={from}&to={to}&token={TOKEN}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_shows_the_seeded_numbers_like_the_api() {
    let fx = fixture().await;
    let c = fx.clock;
    let (from, to) = (c.date(0), c.date(3));
    let summary = get_json(fx.addr, &format!("/api/v1/summary?tenant=acme&from={from}&to={to}")).await;

    // The API agrees with the hand-computed numbers.
    assert_eq!(summary["tenant"], "acme");
    assert_eq!(summary["from"], c.midnight(0));
    assert_eq!(summary["to"], c.midnight(3));
    assert_eq!(n(&summary["sessions"]["total"]), 12);
    let mut per_day: Vec<(String, String, u64)> = summary["sessions"]["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["day"].as_str().unwrap().to_string(), r["platform"].as_str().unwrap().to_string(), n(&r["sessions"]))
        })
        .collect();
    per_day.sort();
    let mut expected_per_day = vec![
        (c.midnight(0), "chatwoot", 1),
        (c.midnight(0), "freshchat", 1),
        (c.midnight(0), "livechat", 2),
        (c.midnight(1), "chatwoot", 1),
        (c.midnight(1), "livechat", 1),
        (c.midnight(1), "userlike", 1),
        (c.midnight(2), "chatwoot", 1),
        (c.midnight(2), "freshchat", 1),
        (c.midnight(2), "livechat", 2),
        (c.midnight(2), "userlike", 1),
    ]
    .into_iter()
    .map(|(d, p, k)| (d, p.to_string(), k))
    .collect::<Vec<_>>();
    expected_per_day.sort();
    assert_eq!(per_day, expected_per_day);
    // First responses 12, 20, 26, 30, 44, 50, 61, 90, 150, 300 s: nearest rank 5 and 9 of 10.
    assert_eq!(n(&summary["first_response"]["sessions_replied"]), 10);
    assert_eq!(f(&summary["first_response"]["median_seconds"]), 44.0);
    assert_eq!(f(&summary["first_response"]["p90_seconds"]), 150.0);
    // Unread now: the open LiveChat thread (contact since day 2 22:40:04) and the Freshchat interaction
    // (22:50:00), oldest first.
    assert_eq!(n(&summary["unread_now"]["chats"]), 2);
    let unread = summary["unread_now"]["items"].as_array().unwrap();
    let unread_ids: Vec<(&str, &str)> =
        unread.iter().map(|i| (i["platform"].as_str().unwrap(), i["chat_id"].as_str().unwrap())).collect();
    assert_eq!(unread_ids, [("livechat", "LC5"), ("freshchat", "fc-acme-2")]);
    assert_eq!(unread[0]["waiting_since"], rfc3339(c.at(2, 22, 40, 4)));
    assert_eq!(unread[1]["waiting_since"], rfc3339(c.at(2, 22, 50, 0)));
    let waited = (chrono::Utc::now() - to_datetime(c.at(2, 22, 40, 4))).num_seconds() as f64;
    let oldest = f(&summary["unread_now"]["oldest_waiting_seconds"]);
    assert!((waited - oldest).abs() < 30.0, "oldest waiting {oldest} s, expected about {waited} s");
    // Agents: Smith accepting chats, Jane not accepting, operator 9 online, operator 7 offline.
    let mut current: Vec<(String, u64)> = summary["agents"]["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap().to_string(), n(&r["agents"])))
        .collect();
    current.sort();
    assert_eq!(
        current,
        [("accepting_chats", 1), ("not_accepting_chats", 1), ("offline", 1), ("online", 1)]
            .map(|(s, k)| (s.to_string(), k))
    );
    // Online = `online` (operator 9) + `accepting_chats` (Smith); Jane is logged in but not accepting.
    let online_now = n(&summary["agents"]["online_now"]);
    assert_eq!(online_now, 2);
    // Hours: accepting chats 4 (Smith, open until his restatement) + 8 (Jane); online 4 + 4.5 (operator 7)
    // + 3 (operator 9, open until the restatement); away 0.5. Open intervals without a later statement count 0.
    let mut hours: Vec<(String, f64)> = summary["agents"]["hours_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap().to_string(), f(&r["hours"])))
        .collect();
    hours.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(hours, [("accepting_chats", 12.0), ("away", 0.5), ("online", 11.5)].map(|(s, h)| (s.to_string(), h)));
    // Ratings 1, 0, 1 (LiveChat), 1, 0.75, 0.25 (Chatwoot), 1, 0.5 (Userlike): 5 of 8 at or above 0.75.
    let r = &summary["ratings"];
    assert_eq!(n(&r["count"]), 8);
    assert_eq!(f(&r["csat_share"]), 0.625);
    assert_eq!(f(&r["average_normalized_score"]), 0.6875);
    let distribution: Vec<(f64, u64)> =
        r["distribution"].as_array().unwrap().iter().map(|d| (f(&d["normalized_score"]), n(&d["ratings"]))).collect();
    assert_eq!(distribution, [(0.0, 1), (0.25, 1), (0.5, 1), (0.75, 1), (1.0, 4)]);
    let trend: Vec<(String, u64, f64)> = r["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["day"].as_str().unwrap().to_string(), n(&t["ratings"]), f(&t["csat_share"])))
        .collect();
    assert_eq!(trend, [(c.midnight(0), 3, 2.0 / 3.0), (c.midnight(1), 3, 1.0), (c.midnight(2), 2, 0.0)]);

    // The page shows the same numbers, formatted as the dashboard formats them.
    let dom = dump_dom(&fx.overview("acme", &from, &to)).await;
    assert_eq!(text(&dom, "page-title"), "Overview · acme");
    assert_eq!(
        text(&dom, "range-label"),
        format!(
            "Sessions started between {} and {} UTC",
            page_datetime(c.at(0, 0, 0, 0)),
            page_datetime(c.at(3, 0, 0, 0))
        )
    );
    assert_eq!(text(&dom, "sessions-total"), "12");
    assert_eq!(text(&dom, "sessions-total"), summary["sessions"]["total"].to_string());
    assert_eq!(text(&dom, "frt-median"), "44 s");
    assert_eq!(text(&dom, "frt-median"), duration(f(&summary["first_response"]["median_seconds"])));
    assert_eq!(text(&dom, "frt-p90"), "2.5 min");
    assert_eq!(text(&dom, "frt-p90"), duration(f(&summary["first_response"]["p90_seconds"])));
    assert_eq!(text(&dom, "frt-median-sub"), "of 10 replied sessions");
    assert_eq!(text(&dom, "unread-count"), "2");
    assert_eq!(text(&dom, "agents-online"), online_now.to_string());
    assert_eq!(text(&dom, "agents-online-sub"), "of 4 with a known status");
    assert_eq!(text(&dom, "csat-share"), "62.5%");
    assert_eq!(text(&dom, "csat-share"), percent(f(&r["csat_share"])));
    assert_eq!(text(&dom, "csat-share-sub"), "of 8 ratings");
    assert_eq!(text(&dom, "ratings-count"), "8");
    assert_eq!(text(&dom, "ratings-average"), "0.69");

    // Sessions per day: legend totals per platform and one bar per (day, platform) with its count.
    for (platform, total) in [("livechat", "5"), ("chatwoot", "3"), ("userlike", "2"), ("freshchat", "2")] {
        assert_eq!(text(&dom, &format!("sessions-platform-{platform}")), total, "{platform} in the legend");
    }
    let bars = testids(&dom, "sessions-bar-");
    assert_eq!(bars.len(), expected_per_day.len(), "one bar segment per day and platform: {bars:?}");
    for (day, platform, count) in &expected_per_day {
        let id = format!("sessions-bar-{}-{platform}", &day[..10]);
        assert_eq!(attr(&dom, &id, "data-value"), count.to_string(), "{id}");
    }

    // Agents now and hours per status.
    for (status, agents) in &current {
        assert_eq!(text(&dom, &format!("agents-now-{status}")), agents.to_string());
    }
    assert_eq!(text(&dom, "hours-accepting_chats"), "12 h");
    assert_eq!(text(&dom, "hours-online"), "11.5 h");
    assert_eq!(text(&dom, "hours-away"), "0.5 h");
    assert!(testids(&dom, "hours-offline").is_empty(), "offline only in open intervals: 0 hours, no bar");

    // Unread now: both chats, oldest first, with their age and counts.
    assert_eq!(testids(&dom, "unread-row-"), ["unread-row-livechat/LC5", "unread-row-freshchat/fc-acme-2"]);
    let lc5 = element(&dom, "unread-row-livechat/LC5").unwrap().1;
    let age = text(lc5, "unread-age");
    let api_age = f(&unread[0]["waiting_seconds"]);
    let tolerance = 0.05 * seconds_of(&format!("1 {}", age.split(' ').nth(1).unwrap())) + 60.0;
    assert!((seconds_of(&age) - api_age).abs() <= tolerance, "age {age} vs the API's {api_age} s");
    assert_eq!(text(lc5, "unread-unread"), unread[0]["unread_count"].to_string());
    assert_eq!(text(lc5, "unread-unanswered"), unread[0]["unanswered_count"].to_string());
    if let Some(agent) = unread[0]["assigned_agent_id"].as_str() {
        assert!(text_of(lc5).contains(agent), "assigned agent {agent} shown: {}", text_of(lc5));
    }
    let fc = element(&dom, "unread-row-freshchat/fc-acme-2").unwrap().1;
    assert_eq!(text(fc, "unread-unanswered"), "1");
    assert_eq!(
        text(fc, "unread-unread"),
        match &unread[1]["unread_count"] {
            Value::Null => "—".to_string(),
            v => v.to_string(),
        },
        "Freshchat has no read receipts"
    );

    // Rating distribution and the CSAT trend.
    for (score, count) in [("0", "1"), ("0.25", "1"), ("0.5", "1"), ("0.75", "1"), ("1", "4")] {
        assert_eq!(text(&dom, &format!("rating-dist-{score}")), count, "score {score}");
    }
    assert_eq!(testids(&dom, "csat-point-").len(), 3);

    // The sessions list: all 12, newest first, each linking to its session page.
    let rows = testids(&dom, "session-row-");
    assert_eq!(rows.len(), 12, "{rows:?}");
    assert_eq!(rows[0], "session-row-freshchat/fc-acme-2/fc-acme-2-1", "newest first");
    assert_eq!(rows[11], "session-row-livechat/PJ0MRSHTDG/K600PKZON8", "oldest last");
    assert!(dom.contains("href=\"#/session/acme/livechat/PJ0MRSHTDG/K600PKZON8\""), "link to the session page");
    assert_eq!(text(&dom, "sessions-shown"), "Showing 12 of 12");
    assert!(text(&dom, "refresh-status").starts_with("Live · updated "), "{}", text(&dom, "refresh-status"));

    // The plain link `chatstream dev` prints (`/#token=…`): the first tenant, the last 7 days (all seeded days).
    let dom = dump_dom(&fx.url(&format!("token={TOKEN}"))).await;
    assert_eq!(text(&dom, "page-title"), "Overview · acme");
    assert_eq!(text(&dom, "sessions-total"), "12");
    assert!(dom.contains("<button type=\"button\" class=\"active\" aria-pressed=\"true\">7 days</button>"), "{dom}");
    assert!(!dom.contains(TOKEN), "the token is not left in the page or its links");

    let above_fold = screenshot(&fx.overview("acme", &from, &to), "overview.png", 1000).await;
    let full = screenshot(&fx.overview("acme", &from, &to), "overview-full.png", 2300).await;
    eprintln!("screenshots: {} {}", above_fold.display(), full.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_page_shows_the_timeline_like_the_api() {
    let fx = fixture().await;
    let c = fx.clock;
    let path = "acme/livechat/PJ0MRSHTDG/K600PKZON8";
    let api = get_json(fx.addr, &format!("/api/v1/sessions/{path}")).await;
    let timeline = api["timeline"].as_array().unwrap();
    let expected: Vec<(&str, &str)> = vec![
        ("session_started", "session started"),
        ("survey_answered", "prechat answer to \"Name:\""),
        ("message", "contact message, 39 chars"),
        ("message", "bot message, 30 chars"),
        ("message", "agent message, 53 chars"),
        ("seen", "seen by contact b7eff798-f8df-4364-8059-649c35c9ed0c"),
        ("message", "agent internal note, 54 chars"),
        ("transferred", "transferred to agent jane@example.com (group 19) (reason: manual)"),
        ("participant_joined", "agent jane@example.com joined"),
        ("participant_left", "agent smith@example.com left"),
        ("message", "agent message, 20 chars"),
        ("message", "contact message (file)"),
        ("tagged", "tagged billing"),
        ("session_ended", "session ended by agent"),
        ("rating", "rated 1 on a 0-1 scale"),
    ];
    let api_rows: Vec<(&str, &str)> =
        timeline.iter().map(|e| (e["kind"].as_str().unwrap(), e["summary"].as_str().unwrap())).collect();
    assert_eq!(api_rows, expected, "the API's timeline");
    let s = &api["session"];
    assert_eq!(f(&s["first_response_seconds"]), 12.0);
    assert_eq!(f(&s["duration_seconds"]), 300.0);

    let dom = dump_dom(&fx.url(&format!("/session/{path}?token={TOKEN}"))).await;
    assert_eq!(text(&dom, "page-title"), "Session K600PKZON8");
    assert_eq!(text(&dom, "session-status"), "ended");
    assert_eq!(text(&dom, "session-started"), page_datetime(c.at(0, 9, 0, 0)));
    assert_eq!(text(&dom, "session-duration"), "5 min");
    assert_eq!(text(&dom, "session-frt"), "12 s");
    assert_eq!(text(&dom, "session-frt"), duration(f(&s["first_response_seconds"])));
    assert_eq!(text(&dom, "session-messages-contact"), "2");
    assert_eq!(text(&dom, "session-messages-agent"), "2");
    assert_eq!(text(&dom, "session-messages-bot"), "1");
    assert_eq!(text(&dom, "session-agents"), "2");
    assert_eq!(text(&dom, "session-transfers"), "1");
    assert_eq!(text(&dom, "session-tags"), "billing");
    assert_eq!(text(&dom, "session-rating"), "1");
    assert_eq!(text(&dom, "timeline-count"), format!("{} events", timeline.len()));
    let rows = testids(&dom, "timeline-row-");
    let seqs: Vec<String> = timeline.iter().map(|e| format!("timeline-row-{}", e["seq"])).collect();
    assert_eq!(rows, seqs, "one row per timeline event, in seq order");
    for (event, (kind, summary)) in timeline.iter().zip(&expected) {
        let row = text(&dom, &format!("timeline-row-{}", event["seq"]));
        let occurred = chrono::DateTime::parse_from_rfc3339(event["occurred_at"].as_str().unwrap()).unwrap();
        assert!(row.starts_with(&occurred.format("%H:%M:%S").to_string()), "row {row}");
        assert!(row.contains(&kind.replace('_', " ")), "row {row} shows kind {kind}");
        assert!(row.contains(summary), "row {row} shows {summary}");
        if let Some(actor) = event["actor_id"].as_str() {
            assert!(row.contains(actor), "row {row} names {actor}");
        }
    }
    assert!(text(&dom, "timeline-row-7").contains("internal"), "the internal note is marked");
    for agent in [SMITH, JANE] {
        assert!(!testids(&dom, &format!("agent-row-{agent}")).is_empty(), "agent {agent} listed");
    }
    assert!(text(&dom, "agent-row-jane@example.com").contains("assigned"));

    let shot = screenshot(&fx.url(&format!("/session/{path}?token={TOKEN}")), "session.png", 1000).await;
    eprintln!("screenshot: {}", shot.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_ranges_and_tenants_say_why_they_are_empty() {
    let fx = fixture().await;
    let c = fx.clock;
    // Thirty days before the seeded ones: nothing started, nobody had a status, nobody rated.
    let (from, to) = (c.date(-30), c.date(-23));
    let dom = dump_dom(&fx.overview("acme", &from, &to)).await;
    let range = format!("{} and {} UTC", page_datetime(c.at(-30, 0, 0, 0)), page_datetime(c.at(-23, 0, 0, 0)));
    assert_eq!(text(&dom, "sessions-total"), "0");
    assert_eq!(text(&dom, "frt-median"), "—");
    assert_eq!(text(&dom, "frt-median-sub"), "no session with an agent reply");
    assert_eq!(text(&dom, "csat-share"), "—");
    assert_eq!(text(&dom, "csat-share-sub"), "no ratings in this range");
    assert!(text(&dom, "sessions-empty").starts_with(&format!("No sessions between {range}.")));
    assert!(text(&dom, "sessions-list-empty").starts_with(&format!("No sessions between {range}.")));
    assert!(text(&dom, "hours-empty").starts_with(&format!("No agent status time between {range}.")));
    let ratings = text(&dom, "ratings-empty");
    assert!(ratings.starts_with(&format!("No ratings between {range}.")), "{ratings}");
    assert!(ratings.contains("no sessions in this range"), "{ratings}");
    // "Now" panels do not depend on the range: still the two waiting chats and the agents' status.
    assert_eq!(text(&dom, "unread-count"), "2");
    assert_eq!(testids(&dom, "unread-row-").len(), 2);
    screenshot(&fx.overview("acme", &from, &to), "overview-empty-range.png", 1000).await;

    // globex has only Freshchat: no ratings and no agent status, and the page says that is why.
    let (from, to) = (c.date(0), c.date(3));
    let summary = get_json(fx.addr, &format!("/api/v1/summary?tenant=globex&from={from}&to={to}")).await;
    assert_eq!(n(&summary["sessions"]["total"]), 1);
    assert_eq!(n(&summary["ratings"]["count"]), 0);
    let dom = dump_dom(&fx.overview("globex", &from, &to)).await;
    assert_eq!(text(&dom, "page-title"), "Overview · globex");
    assert_eq!(text(&dom, "sessions-total"), "1");
    assert_eq!(text(&dom, "frt-median"), "1.5 min");
    let ratings = text(&dom, "ratings-empty");
    assert!(ratings.contains("Freshchat sends no ratings"), "{ratings}");
    let agents = text(&dom, "agents-now-empty");
    assert!(agents.starts_with("No agent status known for globex."), "{agents}");
    assert!(agents.contains("Freshchat sends none"), "{agents}");
    assert!(text(&dom, "unread-empty").starts_with("No chat is waiting."));
    assert_eq!(text(&dom, "unread-count"), "0");
    let picker = element(&dom, "tenant-picker").unwrap().1;
    assert_eq!(text_of(picker), "acme globex", "the tenant picker lists the token's tenants");
    screenshot(&fx.overview("globex", &from, &to), "overview-freshchat-only.png", 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_valid_token_the_page_asks_for_one() {
    let fx = fixture().await;
    let dom = dump_dom(&fx.url("/")).await;
    assert!(!testids(&dom, "token-form").is_empty(), "a sign-in form without a token:\n{dom}");
    assert!(testids(&dom, "token-reason").is_empty(), "no error before anything was tried");

    let dom = dump_dom(&fx.url("/?token=not-the-token")).await;
    assert!(!testids(&dom, "token-form").is_empty(), "the form again after a 401:\n{dom}");
    let reason = text(&dom, "token-reason");
    assert!(reason.starts_with("The API did not accept the token"), "{reason}");
    assert!(testids(&dom, "sessions-total").is_empty(), "no numbers without a valid token");
    screenshot(&fx.url("/?token=not-the-token"), "sign-in.png", 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_files_are_served_without_a_token_and_locked_down() {
    let (store, _guard) = fresh_store(chatstream_projector::Backend::Sqlite).await.expect("a fresh SQLite store");
    chatstream_analytics::prepare(&store).await.expect("analytics views");
    let addr = serve(store).await;
    for (path, content_type, marker) in [
        ("/", "text/html", "<script src=\"app.js\"></script>"),
        ("/app.js", "text/javascript", "api/v1/"),
        ("/style.css", "text/css", ".kpi"),
    ] {
        let (status, head, body) = get(addr, path, false).await;
        assert_eq!(status, 200, "{path}: {head}");
        assert!(head.contains(&format!("content-type: {content_type}")), "{path}: {head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{path}: {head}");
        assert!(body.contains(marker), "{path} is the embedded file");
    }
    let (_, head, body) = get(addr, "/", false).await;
    assert!(head.contains("content-security-policy: default-src 'none'; script-src 'self';"), "{head}");
    assert!(!body.contains("http://") && !body.contains("https://"), "no third-party resources: {body}");
    // The API itself still wants the token.
    let (status, _, _) = get(addr, "/api/v1/tenants", false).await;
    assert_eq!(status, 401);
}
