//! A seeded store with two tenants, the query app in-process, and requests against it.
//!
//! The seed (times after T0 = 2026-01-01T00:00:00Z; day 0 = Jan 1):
//!
//! | tenant | platform | chat | day | started | contact msgs | agent reply | ended | rating |
//! |--------|----------|------|-----|---------|--------------|-------------|-------|--------|
//! | acme   | livechat | c1   | 0   | 100     | 110          | 130 (ann)   | 600   | 5/5 → 1.0 at 650 |
//! | acme   | livechat | c2   | 0   | 200     | 210, 800     | 270 (bob)   | 900   | 3/5 → 0.5 at 950 |
//! | acme   | livechat | c3   | 1   | d1+100  | d1+110       | d1+140 (ann)| d1+600| 4/5 → 0.75 at d1+700 |
//! | acme   | chatwoot | c4   | 1   | d1+500  | d1+510       | –           | –     | – |
//! | acme   | livechat | c5   | 2   | d2+100  | d2+110, d2+300 | d2+210 (bob) | –   | – |
//! | globex | userlike | g1   | 0   | 300     | 310          | 315 (gus)   | 400   | 1/1 → 1.0 at 450 |
//! | globex | userlike | g2   | 1   | d1+50   | d1+60        | –           | –     | – |
//!
//! First response times of acme: 20, 60, 30, 100 s. Waiting now (acme): c4 since d1+510, c5 since d2+300.
//! c2 ended with its 800 s message unanswered.
//!
//! Agent statuses (livechat, acme): ann online 0, away 3600, online d1+0; bob online 0, offline 7200;
//! bot1 (a bot) online 0. globex (userlike): gus online 0.
#![allow(dead_code)]

use axum::body::Body as HttpBody;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use chatstream_projector::testing::{apply_events, fresh_store, EventBuilder, EventExt, TempStore, T0_MICROS};
use chatstream_projector::{Backend, Store};
use chatstream_query::{app, QueryState, Tokens};
use chatstream_schema::chat_event::{Message, Rating};
use chatstream_schema::{Body, ChatEvent, Kind};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[allow(unused_imports)] // not every test file of this crate runs on both backends
pub use chatstream_projector::on_both_backends;

pub const DAY: i64 = 86_400;
/// Reads acme only.
pub const ACME: &str = "acme-token";
/// Reads globex only.
pub const GLOBEX: &str = "globex-token";
/// Reads every tenant.
pub const ALL: &str = "all-token";

/// RFC 3339 of `secs` after T0, as the API writes it.
pub fn ts(secs: i64) -> String {
    chrono::DateTime::from_timestamp_micros(T0_MICROS + secs * 1_000_000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn builder(tenant: &str, platform: &str, chat: &str) -> EventBuilder {
    let mut b = EventBuilder::new(platform, chat);
    b.tenant = tenant.into();
    b
}

fn event(b: &EventBuilder, kind: Kind, secs: i64, tag: &str) -> ChatEvent {
    let chat = b.chat_id.as_deref().unwrap_or("-");
    b.at(kind, secs).id(&format!("{}-{}-{chat}-{tag}-{secs}", b.tenant, b.platform))
}

fn message(role: &str, author: &str) -> Body {
    Body::Message(Message {
        message_id: None,
        author_role: role.into(),
        author_id: Some(author.into()),
        internal: false,
        content_type: "text".into(),
        text_length: 5,
        text: None,
    })
}

fn change(closed_by: Option<&str>) -> Body {
    Body::SessionChange { status: None, previous_status: None, reason: None, closed_by: closed_by.map(Into::into) }
}

/// One session of its own chat (session id `<chat>-s`).
#[allow(clippy::too_many_arguments)]
fn session(
    tenant: &str,
    platform: &str,
    chat: &str,
    start: i64,
    contact_messages: &[i64],
    reply: Option<(i64, &str)>,
    end: Option<i64>,
    rating: Option<(i64, f64, f64, f64)>,
) -> Vec<ChatEvent> {
    let b = builder(tenant, platform, chat);
    let sid = format!("{chat}-s");
    let contact = format!("{chat}-contact");
    let agent = reply.map(|(_, a)| a);
    let mut started =
        event(&b, Kind::SessionStarted, start, "start").session(&sid).contact(&contact).body(change(None));
    if let Some(a) = agent {
        started = started.agent(a);
    }
    let mut out = vec![started];
    for (i, at) in contact_messages.iter().enumerate() {
        out.push(
            event(&b, Kind::Message, *at, &format!("contact{i}"))
                .session(&sid)
                .contact(&contact)
                .body(message("contact", &contact)),
        );
    }
    if let Some((at, a)) = reply {
        out.push(event(&b, Kind::Message, at, "reply").session(&sid).agent(a).body(message("agent", a)));
    }
    if let Some(at) = end {
        out.push(event(&b, Kind::SessionEnded, at, "end").session(&sid).body(change(Some("agent"))));
    }
    if let Some((at, score, min, max)) = rating {
        let mut e = event(&b, Kind::Rating, at, "rating").session(&sid).contact(&contact).body(Body::Rating(Rating {
            vendor_score: score,
            scale_min: min,
            scale_max: max,
            normalized_score: (score - min) / (max - min),
            comment: None,
        }));
        if let Some(a) = agent {
            e = e.agent(a);
        }
        out.push(e);
    }
    out
}

fn status(tenant: &str, platform: &str, agent: &str, status: &str, secs: i64) -> ChatEvent {
    let mut b = EventBuilder::without_chat(platform);
    b.tenant = tenant.into();
    event(&b, Kind::AgentStatusChanged, secs, &format!("status-{agent}"))
        .agent(agent)
        .body(Body::AgentStatus { status: status.into(), vendor_status: status.into() })
}

fn roster(tenant: &str, platform: &str, agent: &str, is_bot: bool, secs: i64) -> ChatEvent {
    let mut b = EventBuilder::without_chat(platform);
    b.tenant = tenant.into();
    event(&b, Kind::AgentRosterChanged, secs, &format!("roster-{agent}"))
        .agent(agent)
        .body(Body::AgentRoster { action: "created".into(), is_bot })
}

/// Every seeded event (see the module docs).
pub fn events() -> Vec<ChatEvent> {
    let (d1, d2) = (DAY, 2 * DAY);
    let mut out = Vec::new();
    out.extend(session(
        "acme",
        "livechat",
        "c1",
        100,
        &[110],
        Some((130, "ann")),
        Some(600),
        Some((650, 5.0, 1.0, 5.0)),
    ));
    out.extend(session(
        "acme",
        "livechat",
        "c2",
        200,
        &[210, 800],
        Some((270, "bob")),
        Some(900),
        Some((950, 3.0, 1.0, 5.0)),
    ));
    out.extend(session(
        "acme",
        "livechat",
        "c3",
        d1 + 100,
        &[d1 + 110],
        Some((d1 + 140, "ann")),
        Some(d1 + 600),
        Some((d1 + 700, 4.0, 1.0, 5.0)),
    ));
    out.extend(session("acme", "chatwoot", "c4", d1 + 500, &[d1 + 510], None, None, None));
    out.extend(session("acme", "livechat", "c5", d2 + 100, &[d2 + 110, d2 + 300], Some((d2 + 210, "bob")), None, None));
    out.extend(session(
        "globex",
        "userlike",
        "g1",
        300,
        &[310],
        Some((315, "gus")),
        Some(400),
        Some((450, 1.0, 0.0, 1.0)),
    ));
    out.extend(session("globex", "userlike", "g2", d1 + 50, &[d1 + 60], None, None, None));
    out.extend([
        roster("acme", "livechat", "ann", false, 0),
        roster("acme", "livechat", "bob", false, 0),
        roster("acme", "livechat", "bot1", true, 0),
        status("acme", "livechat", "ann", "online", 0),
        status("acme", "livechat", "ann", "away", 3600),
        status("acme", "livechat", "ann", "online", d1),
        status("acme", "livechat", "bob", "online", 0),
        status("acme", "livechat", "bob", "offline", 7200),
        status("acme", "livechat", "bot1", "online", 0),
        status("globex", "userlike", "gus", "online", 0),
    ]);
    out
}

/// A fresh store of `backend` with the seed applied to all four projections and the analytics views.
pub async fn seeded(backend: Backend) -> (Store, TempStore) {
    let (store, guard) = fresh_store(backend).await.unwrap();
    let events = events();
    for p in chatstream_analytics::projections() {
        apply_events(&store, p, &events, 7).await.unwrap();
    }
    chatstream_analytics::prepare(&store).await.unwrap();
    (store, guard)
}

/// The tokens of the tests: [`ACME`], [`GLOBEX`] and [`ALL`].
pub fn tokens() -> Tokens {
    let text = format!(
        "[[tokens]]\nname = \"acme\"\ntoken = \"{ACME}\"\ntenants = [\"acme\"]\n\n\
         [[tokens]]\nname = \"globex\"\nsha256 = \"{}\"\ntenants = [\"globex\"]\n\n\
         [[tokens]]\nname = \"all\"\ntoken = \"{ALL}\"\ntenants = [\"*\"]\n",
        chatstream_query::sha256_hex(GLOBEX)
    );
    Tokens::parse(&text).unwrap()
}

/// The app over a seeded store of `backend` (keep the guard alive while using it).
pub async fn seeded_app(backend: Backend) -> (Router, Store, TempStore) {
    let (store, guard) = seeded(backend).await;
    let registry = prometheus::Registry::new();
    (app(QueryState::new(store.clone(), tokens(), &registry)), store, guard)
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `GET uri` with `token` (none: no Authorization header) and extra headers.
pub async fn get_with(app: &Router, uri: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app.clone().oneshot(request.body(HttpBody::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

/// `GET uri` with `token`.
pub async fn get(app: &Router, uri: &str, token: Option<&str>) -> Reply {
    get_with(app, uri, token, &[]).await
}

/// `GET uri` with `token`, expecting 200 and JSON.
pub async fn get_json(app: &Router, uri: &str, token: &str) -> Value {
    let reply = get(app, uri, Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.body);
    reply.json()
}

/// Every list endpoint (with its extra query, if any).
pub const LISTS: &[&str] = &[
    "/api/v1/sessions",
    "/api/v1/unread",
    "/api/v1/unread/daily",
    "/api/v1/agents/status",
    "/api/v1/agents/availability/daily",
    "/api/v1/ratings",
    "/api/v1/ratings/csat?by=day",
    "/api/v1/ratings/csat?by=agent",
];

/// `path` with `query` appended (`?` or `&`).
pub fn with_query(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}
