//! The `/api/v1` endpoints. Every one reads the `analytics` views (never the projections' internal tables),
//! restricted to the tenants of the caller's token.

use crate::error::{ApiError, ErrorBody, ListErrors};
use crate::list::{page, read, respond, wants_csv, Order, Page, Sql};
use crate::params::{
    day_floor, AgentParams, BasicParams, CsatParams, ListFilter, NoParams, SessionParams, TenantFilter,
};
use crate::rows::{
    AgentStatus, AgentStatusDaily, Csat, Item, Rating, Session, SessionAgent, SessionEvent, UnreadChat, UnreadDaily,
};
use crate::server::QueryState;
use crate::tokens::Principal;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::{Extension, Json};
use chatstream_projector::{Backend, ColType, StoreTx, Val};
use serde::Serialize;
use utoipa::ToSchema;

/// The tenants the token may read that have data.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    /// Sorted.
    pub tenants: Vec<String>,
}

/// One session with its agents and timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    pub session: Session,
    /// Agents involved, by first involvement.
    pub agents: Vec<SessionAgent>,
    /// Everything that happened, by `seq`.
    pub timeline: Vec<SessionEvent>,
}

/// The parameters, or a 400 that says what is wrong with them.
pub(crate) fn params<T>(p: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    p.map(|Query(t)| t).map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The SQL name of analytics view `name` on the state's backend.
fn view(state: &QueryState, name: &str) -> String {
    chatstream_analytics::view(state.store.backend(), name)
}

/// One page of `T`s from `from` under `sql` in `order`, answered as JSON or CSV as the request asks.
async fn serve_page<T: Item>(
    state: &QueryState,
    from: &str,
    sql: Sql,
    order: &Order,
    f: &ListFilter,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let (items, next) = page::<T>(&state.store, from, sql, order, f.limit, f.cursor.as_deref()).await?;
    Ok(respond(items, next, wants_csv(f.format, headers), uri))
}

/// Reads `T`s from `from` under `sql` within an open read transaction.
pub(crate) async fn fetch_items<T: Item>(
    tx: &mut StoreTx,
    from: &str,
    sql: &Sql,
    order_by: &str,
) -> Result<Vec<T>, ApiError> {
    let text = format!("SELECT {} FROM {from}{} ORDER BY {order_by}", T::FIELDS.join(", "), sql.where_clause());
    let rows = tx.fetch(&text, &sql.args, T::TYPES).await?;
    rows.into_iter().map(|r| T::from_vals(&mut r.into_iter())).collect()
}

const SESSIONS_ORDER: Order = Order {
    list: "sessions",
    keys: &[
        ("started_at", ColType::Time),
        ("tenant", ColType::Text),
        ("platform", ColType::Text),
        ("chat_id", ColType::Text),
        ("session_id", ColType::Text),
    ],
    descending: true,
};

const UNREAD_ORDER: Order = Order {
    list: "unread",
    keys: &[
        ("waiting_since", ColType::Time),
        ("tenant", ColType::Text),
        ("platform", ColType::Text),
        ("chat_id", ColType::Text),
        ("session_id", ColType::Text),
    ],
    descending: false,
};

const UNREAD_DAILY_ORDER: Order = Order {
    list: "unread-daily",
    keys: &[
        ("day", ColType::Time),
        ("tenant", ColType::Text),
        ("platform", ColType::Text),
        ("COALESCE(group_id, '')", ColType::Text),
    ],
    descending: false,
};

const AGENT_STATUS_ORDER: Order = Order {
    list: "agents-status",
    keys: &[("tenant", ColType::Text), ("platform", ColType::Text), ("agent_id", ColType::Text)],
    descending: false,
};

const AVAILABILITY_ORDER: Order = Order {
    list: "availability-daily",
    keys: &[
        ("day", ColType::Time),
        ("tenant", ColType::Text),
        ("platform", ColType::Text),
        ("agent_id", ColType::Text),
        ("status", ColType::Text),
    ],
    descending: false,
};

const RATINGS_ORDER: Order = Order {
    list: "ratings",
    keys: &[
        ("rated_at", ColType::Time),
        ("tenant", ColType::Text),
        ("platform", ColType::Text),
        ("chat_id", ColType::Text),
        ("session_id", ColType::Text),
    ],
    descending: true,
};

const CSAT_DAY_ORDER: Order =
    Order { list: "csat-day", keys: &[("day", ColType::Time), ("tenant", ColType::Text)], descending: false };

const CSAT_AGENT_ORDER: Order = Order {
    list: "csat-agent",
    keys: &[("tenant", ColType::Text), ("platform", ColType::Text), ("agent_key", ColType::Text)],
    descending: false,
};

/// The tenants the token may read that have data.
#[utoipa::path(
    get, path = "/api/v1/tenants", tag = "api", params(NoParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "Tenants with data, sorted", body = TenantList),
        (status = 401, description = "No token or an unknown one", body = ErrorBody),
    )
)]
pub async fn tenants(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<NoParams>, QueryRejection>,
) -> Result<Json<TenantList>, ApiError> {
    params(query)?;
    let mut sql = Sql::default();
    sql.tenants("tenant", &TenantFilter::resolve(&principal, None)?);
    let text = format!("SELECT tenant FROM {}{} ORDER BY tenant", view(&state, "dim_tenant"), sql.where_clause());
    let rows = read(&state.store, &text, &sql.args, &[ColType::Text]).await?;
    let tenants = rows
        .into_iter()
        .filter_map(|r| match r.into_iter().next() {
            Some(Val::Text(t)) => Some(t),
            _ => None,
        })
        .collect();
    Ok(Json(TenantList { tenants }))
}

/// Sessions, newest started first.
#[utoipa::path(
    get, path = "/api/v1/sessions", tag = "api", params(SessionParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of sessions (started in [from, to)), newest first",
            content((Page<Session> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn sessions(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<SessionParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(query)?;
    let f = p.filter(&principal)?;
    let mut sql = Sql::default();
    let sessions = view(&state, "fact_sessions");
    let from = match crate::params::given(&p.agent) {
        None => sessions,
        Some(agent) => {
            // From the agent's rows to their sessions: the store reads only those sessions (a condition on
            // the sessions would read every session in the range first). The agents' key is unique per
            // session and agent, so no session appears twice.
            sql.tenants("a.tenant", &f.tenants);
            sql.eq("a.agent_id", agent);
            let on = sql.conds.drain(..).collect::<Vec<_>>().join(" AND ");
            format!(
                "(SELECT s.* FROM {} a CROSS JOIN {sessions} s WHERE {on} AND s.tenant = a.tenant \
                 AND s.platform = a.platform AND s.chat_id = a.chat_id AND s.session_id = a.session_id) s",
                view(&state, "fact_session_agents")
            )
        }
    };
    sql.common(&f, "started_at");
    if let Some(status) = crate::params::given(&p.status) {
        sql.eq("status", status);
    }
    serve_page::<Session>(&state, &from, sql, &SESSIONS_ORDER, &f, &headers, &uri).await
}

/// One session: its row, agents and timeline.
#[utoipa::path(
    get, path = "/api/v1/sessions/{tenant}/{platform}/{chat_id}/{session_id}", tag = "api",
    params(
        ("tenant" = String, Path, description = "Tenant (one of the token's)"),
        ("platform" = String, Path, description = "livechat, chatwoot, freshchat or userlike"),
        ("chat_id" = String, Path, description = "The platform's chat/conversation id"),
        ("session_id" = String, Path, description = "The session (thread, conversation round) id"),
        NoParams,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = SessionDetail),
        (status = 401, description = "No token or an unknown one", body = ErrorBody),
        (status = 403, description = "The tenant is not one of the token's", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    )
)]
pub async fn session(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    path: Result<Path<(String, String, String, String)>, PathRejection>,
    query: Result<Query<NoParams>, QueryRejection>,
) -> Result<Json<SessionDetail>, ApiError> {
    params(query)?;
    let Path((tenant, platform, chat_id, session_id)) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    TenantFilter::resolve(&principal, Some(&tenant))?;
    let mut sql = Sql::default();
    sql.eq("tenant", tenant.as_str());
    sql.eq("platform", platform.as_str());
    sql.eq("chat_id", chat_id.as_str());
    sql.eq("session_id", session_id.as_str());
    let mut tx = state.store.begin_read().await?;
    let found: Vec<Session> = fetch_items(&mut tx, &view(&state, "fact_sessions"), &sql, "started_at").await?;
    let Some(session) = found.into_iter().next() else {
        tx.commit().await?;
        return Err(ApiError::NotFound(format!(
            "no session {session_id:?} of chat {chat_id:?} on {platform} for tenant {tenant:?}"
        )));
    };
    let agents =
        fetch_items(&mut tx, &view(&state, "fact_session_agents"), &sql, "first_involved_at, agent_id").await?;
    let timeline = fetch_items(&mut tx, &view(&state, "fact_session_events"), &sql, "seq, event_id").await?;
    tx.commit().await?;
    Ok(Json(SessionDetail { session, agents, timeline }))
}

/// Chats waiting for an answer now, oldest waiting first.
#[utoipa::path(
    get, path = "/api/v1/unread", tag = "api", params(BasicParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of chats with unread or unanswered contact messages \
            (`from`/`to` apply to waiting_since), oldest waiting first",
            content((Page<UnreadChat> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn unread(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<BasicParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let f = params(query)?.filter(&principal)?;
    let mut sql = Sql::default();
    sql.common(&f, "waiting_since");
    let from = view(&state, "fact_unread_now");
    serve_page::<UnreadChat>(&state, &from, sql, &UNREAD_ORDER, &f, &headers, &uri).await
}

/// Sessions ended unread or unanswered, per day.
#[utoipa::path(
    get, path = "/api/v1/unread/daily", tag = "api", params(BasicParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of days (those overlapping [from, to)), oldest first",
            content((Page<UnreadDaily> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn unread_daily(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<BasicParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let mut f = params(query)?.filter(&principal)?;
    f.from = f.from.map(day_floor);
    let mut sql = Sql::default();
    sql.common(&f, "day");
    let from = view(&state, "fact_sessions_ended_unread_daily");
    serve_page::<UnreadDaily>(&state, &from, sql, &UNREAD_DAILY_ORDER, &f, &headers, &uri).await
}

/// Every agent's status now.
#[utoipa::path(
    get, path = "/api/v1/agents/status", tag = "api", params(BasicParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of agents with a known status, not removed (`from`/`to` apply to \
            since), by tenant, platform and agent",
            content((Page<AgentStatus> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn agents_status(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<BasicParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let f = params(query)?.filter(&principal)?;
    let mut sql = Sql::default();
    sql.common(&f, "since");
    let from = view(&state, "fact_agent_status_now");
    serve_page::<AgentStatus>(&state, &from, sql, &AGENT_STATUS_ORDER, &f, &headers, &uri).await
}

/// Time per agent per status per day.
#[utoipa::path(
    get, path = "/api/v1/agents/availability/daily", tag = "api", params(AgentParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of (day, agent, status) rows for the days overlapping [from, to), \
            oldest first",
            content((Page<AgentStatusDaily> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn availability_daily(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<AgentParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(query)?;
    let mut f = p.filter(&principal)?;
    f.from = f.from.map(day_floor);
    let mut sql = Sql::default();
    sql.common(&f, "day");
    if let Some(agent) = crate::params::given(&p.agent) {
        sql.eq("agent_id", agent);
    }
    let from = view(&state, "fact_agent_status_daily");
    serve_page::<AgentStatusDaily>(&state, &from, sql, &AVAILABILITY_ORDER, &f, &headers, &uri).await
}

/// Ratings, newest first.
#[utoipa::path(
    get, path = "/api/v1/ratings", tag = "api", params(AgentParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of ratings (rated in [from, to)), newest first",
            content((Page<Rating> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn ratings(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<AgentParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(query)?;
    let f = p.filter(&principal)?;
    let mut sql = Sql::default();
    sql.common(&f, "rated_at");
    if let Some(agent) = crate::params::given(&p.agent) {
        sql.eq("agent_id", agent);
    }
    let from = view(&state, "fact_ratings");
    serve_page::<Rating>(&state, &from, sql, &RATINGS_ORDER, &f, &headers, &uri).await
}

/// CSAT per day or per agent.
#[utoipa::path(
    get, path = "/api/v1/ratings/csat", tag = "api", params(CsatParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of CSAT rows over the ratings rated in [from, to): by=day oldest day \
            first; by=agent by tenant, platform and agent",
            content((Page<Csat> = "application/json"), (String = "text/csv"))),
        ListErrors,
    )
)]
pub async fn csat(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<CsatParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(query)?;
    let f = p.filter(&principal)?;
    let by_agent = match crate::params::given(&p.by) {
        None | Some("day") => false,
        Some("agent") => true,
        Some(other) => return Err(ApiError::BadRequest(format!("by: expected day or agent, got {other:?}"))),
    };
    let mut sql = Sql::default();
    sql.common(&f, "rated_at");
    if let Some(agent) = crate::params::given(&p.agent) {
        sql.eq("agent_id", agent);
    }
    let null_time = match state.store.backend() {
        Backend::Postgres => "CAST(NULL AS TIMESTAMPTZ)",
        Backend::Sqlite => "NULL",
    };
    let satisfied = "SUM(CASE WHEN satisfied THEN 1 ELSE 0 END)";
    let measures = format!(
        "COUNT(*) AS ratings, {satisfied} AS satisfied_ratings, \
         CAST({satisfied} AS DOUBLE PRECISION) / COUNT(*) AS csat_share, \
         AVG(normalized_score) AS average_normalized_score"
    );
    let ratings = view(&state, "fact_ratings");
    let inner_where = sql.where_clause();
    sql.conds.clear();
    let (from, order) = if by_agent {
        (
            format!(
                "(SELECT tenant, {null_time} AS day, platform, agent_id, {measures}, COALESCE(agent_id, '') AS agent_key \
                 FROM {ratings}{inner_where} GROUP BY tenant, platform, agent_id) g"
            ),
            &CSAT_AGENT_ORDER,
        )
    } else {
        (
            format!(
                "(SELECT tenant, day, CAST(NULL AS TEXT) AS platform, CAST(NULL AS TEXT) AS agent_id, {measures} \
                 FROM {ratings}{inner_where} GROUP BY tenant, day) g"
            ),
            &CSAT_DAY_ORDER,
        )
    };
    serve_page::<Csat>(&state, &from, sql, order, &f, &headers, &uri).await
}
