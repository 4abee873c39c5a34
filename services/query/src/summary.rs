//! `/api/v1/summary`: the dashboard's numbers for one tenant and time range, read in one snapshot.

use crate::api::{fetch_items, params};
use crate::error::{ApiError, ErrorBody};
use crate::list::Sql;
use crate::params::{day_floor, given, range, SummaryParams, TenantFilter};
use crate::rows::{item, Timestamp};
use crate::server::QueryState;
use crate::tokens::{Principal, TenantScope};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use chatstream_projector::{ColType, StoreTx, Val};
use serde::Serialize;
use utoipa::ToSchema;

/// The default range: this long before `to`.
const DEFAULT_RANGE_MICROS: i64 = 7 * 86_400_000_000;
/// Unread chats listed in the summary (the oldest waiting).
const UNREAD_ITEMS: usize = 20;

/// The dashboard's numbers for one tenant and range.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub tenant: String,
    /// Start of the range (inclusive).
    pub from: Timestamp,
    /// End of the range (exclusive).
    pub to: Timestamp,
    pub generated_at: Timestamp,
    pub sessions: SessionsSummary,
    pub first_response: FirstResponse,
    pub unread_now: UnreadNow,
    pub agents: AgentsNow,
    pub ratings: RatingsSummary,
}

/// Sessions started in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsSummary {
    pub total: i64,
    /// Per UTC day and platform, by day then platform.
    pub per_day: Vec<SessionsPerDay>,
}

/// Sessions of one day and platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsPerDay {
    pub day: Timestamp,
    pub platform: String,
    pub sessions: i64,
}

/// First response time of the sessions started in the range (nearest-rank percentiles).
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstResponse {
    /// Sessions with a first response time (a contact message and an agent reply after it).
    pub sessions_replied: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

/// Chats waiting for an answer now (not limited to the range).
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadNow {
    pub chats: i64,
    pub oldest_waiting_seconds: Option<f64>,
    /// The 20 oldest waiting.
    pub items: Vec<UnreadBrief>,
}

item! {
    /// A chat waiting for an answer.
    UnreadBrief {
        platform: String,
        chat_id: String,
        session_id: String,
        unread_count: Option<i64>,
        unanswered_count: i64,
        waiting_since: Timestamp,
        waiting_seconds: f64,
        assigned_agent_id: Option<String>,
    }
}

/// Agents (people; bots are not counted) now, and hours per status over the days overlapping the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentsNow {
    pub online_now: i64,
    /// Agents per current status, by status.
    pub current: Vec<StatusCount>,
    /// Hours per status, by status.
    pub hours_by_status: Vec<StatusHours>,
}

/// Agents in one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCount {
    pub status: String,
    pub agents: i64,
}

/// Hours spent in one status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusHours {
    pub status: String,
    pub hours: f64,
}

/// Ratings given in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingsSummary {
    pub count: i64,
    pub average_normalized_score: Option<f64>,
    /// Share of satisfied ratings.
    pub csat_share: Option<f64>,
    /// Per UTC day, by day.
    pub trend: Vec<RatingsDay>,
    /// Ratings per normalized score, by score.
    pub distribution: Vec<ScoreCount>,
}

/// Ratings of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingsDay {
    pub day: Timestamp,
    pub ratings: i64,
    pub csat_share: f64,
    pub average_normalized_score: f64,
}

/// Ratings with one normalized score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreCount {
    pub normalized_score: f64,
    pub ratings: i64,
}

fn int(v: &Val) -> i64 {
    match v {
        Val::Int(i) => *i,
        _ => 0,
    }
}

fn real(v: &Val) -> Option<f64> {
    match v {
        Val::Real(f) => Some(*f),
        Val::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn text(v: &Val) -> String {
    match v {
        Val::Text(s) => s.clone(),
        _ => String::new(),
    }
}

fn time(v: &Val) -> Result<Timestamp, ApiError> {
    match v {
        Val::Time(t) => Ok(Timestamp(*t)),
        other => Err(ApiError::Decode(format!("expected a timestamp, got {other:?}"))),
    }
}

/// The tenant a summary is for.
fn tenant_of(principal: &Principal, requested: Option<&str>) -> Result<String, ApiError> {
    if let Some(t) = requested {
        TenantFilter::resolve(principal, Some(t))?;
        return Ok(t.to_string());
    }
    match &*principal.scope {
        TenantScope::Only(set) if set.len() == 1 => Ok(set.iter().next().cloned().unwrap_or_default()),
        _ => Err(ApiError::BadRequest(format!(
            "tenant is required: token {:?} may read more than one tenant",
            &*principal.name
        ))),
    }
}

/// The dashboard's numbers for one tenant and range.
#[utoipa::path(
    get, path = "/api/v1/summary", tag = "api", params(SummaryParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "Sessions per day, first response time, unread now, agents, ratings", body = Summary),
        (status = 400, description = "A malformed parameter, or no tenant for a token that reads several", body = ErrorBody),
        (status = 401, description = "No token or an unknown one", body = ErrorBody),
        (status = 403, description = "`tenant` is not one of the token's", body = ErrorBody),
    )
)]
pub async fn summary(
    State(state): State<QueryState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<SummaryParams>, QueryRejection>,
) -> Result<Json<Summary>, ApiError> {
    let p = params(query)?;
    let tenant = tenant_of(&principal, given(&p.tenant))?;
    let generated_at = Timestamp::now();
    let (from, to) = range(&p.from, &p.to)?;
    let to = to.unwrap_or(generated_at.0);
    let from = from.unwrap_or(to - DEFAULT_RANGE_MICROS);
    if from > to {
        return Err(ApiError::BadRequest("from is after to; the range is [from, to)".into()));
    }
    let mut tx = state.store.begin_read().await?;
    let out = read_summary(&state, &mut tx, &tenant, from, to).await;
    tx.commit().await?;
    let (sessions, first_response, unread_now, agents, ratings) = out?;
    Ok(Json(Summary {
        tenant,
        from: Timestamp(from),
        to: Timestamp(to),
        generated_at,
        sessions,
        first_response,
        unread_now,
        agents,
        ratings,
    }))
}

type Parts = (SessionsSummary, FirstResponse, UnreadNow, AgentsNow, RatingsSummary);

async fn read_summary(
    state: &QueryState,
    tx: &mut StoreTx,
    tenant: &str,
    from: i64,
    to: i64,
) -> Result<Parts, ApiError> {
    let view = |name: &str| chatstream_analytics::view(state.store.backend(), name);
    // tenant = $1, range = [$2, $3).
    let args = [Val::from(tenant), Val::Time(from), Val::Time(to)];
    let in_range = |column: &str| format!("tenant = $1 AND {column} >= $2 AND {column} < $3");

    let sessions_view = view("fact_sessions");
    let rows = tx
        .fetch(
            &format!(
                "SELECT day, platform, COUNT(*) FROM {sessions_view} WHERE {} GROUP BY day, platform \
                 ORDER BY day, platform",
                in_range("started_at")
            ),
            &args,
            &[ColType::Time, ColType::Text, ColType::Int],
        )
        .await?;
    let per_day = rows
        .iter()
        .map(|r| Ok(SessionsPerDay { day: time(&r[0])?, platform: text(&r[1]), sessions: int(&r[2]) }))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let sessions = SessionsSummary { total: per_day.iter().map(|d| d.sessions).sum(), per_day };

    // Nearest rank: the ⌈p·n⌉-th smallest, with ⌈n/2⌉ = (n+1)/2 and ⌈9n/10⌉ = (9n+9)/10 in integers.
    let rows = tx
        .fetch(
            &format!(
                "SELECT rn, n, v FROM (SELECT first_response_seconds AS v, \
                 ROW_NUMBER() OVER (ORDER BY first_response_seconds) AS rn, COUNT(*) OVER () AS n \
                 FROM {sessions_view} WHERE {} AND first_response_seconds IS NOT NULL) r \
                 WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10",
                in_range("started_at")
            ),
            &args,
            &[ColType::Int, ColType::Int, ColType::Real],
        )
        .await?;
    let replied = rows.first().map_or(0, |r| int(&r[1]));
    let at_rank = |rank: i64| rows.iter().find(|r| int(&r[0]) == rank).and_then(|r| real(&r[2]));
    let first_response = FirstResponse {
        sessions_replied: replied,
        median_seconds: at_rank((replied + 1) / 2),
        p90_seconds: at_rank((9 * replied + 9) / 10),
    };

    let unread_view = view("fact_unread_now");
    let counts = tx
        .fetch(
            &format!("SELECT COUNT(*), MAX(waiting_seconds) FROM {unread_view} WHERE tenant = $1"),
            &args[..1],
            &[ColType::Int, ColType::Real],
        )
        .await?;
    let mut sql = Sql::default();
    sql.eq("tenant", tenant);
    let items = fetch_items::<UnreadBrief>(
        tx,
        &unread_view,
        &sql,
        &format!("waiting_since, platform, chat_id, session_id LIMIT {UNREAD_ITEMS}"),
    )
    .await?;
    let unread_now = UnreadNow {
        chats: counts.first().map_or(0, |r| int(&r[0])),
        oldest_waiting_seconds: counts.first().and_then(|r| real(&r[1])),
        items,
    };

    let rows = tx
        .fetch(
            &format!(
                "SELECT status, COUNT(*) FROM {} WHERE tenant = $1 AND is_bot IS NOT TRUE \
                 GROUP BY status ORDER BY status",
                view("fact_agent_status_now")
            ),
            &args[..1],
            &[ColType::Text, ColType::Int],
        )
        .await?;
    let current: Vec<StatusCount> =
        rows.iter().map(|r| StatusCount { status: text(&r[0]), agents: int(&r[1]) }).collect();
    let rows = tx
        .fetch(
            &format!(
                "SELECT status, SUM(seconds) FROM {} WHERE tenant = $1 AND day >= $2 AND day < $3 \
                 GROUP BY status ORDER BY status",
                view("fact_agent_status_daily")
            ),
            // Every day that overlaps the range.
            &[args[0].clone(), Val::Time(day_floor(from)), Val::Time(to)],
            &[ColType::Text, ColType::Real],
        )
        .await?;
    let hours_by_status =
        rows.iter().map(|r| StatusHours { status: text(&r[0]), hours: real(&r[1]).unwrap_or(0.0) / 3600.0 }).collect();
    let agents = AgentsNow {
        online_now: current.iter().filter(|c| c.status == "online").map(|c| c.agents).sum(),
        current,
        hours_by_status,
    };

    let ratings_view = view("fact_ratings");
    let satisfied = "SUM(CASE WHEN satisfied THEN 1 ELSE 0 END)";
    let rows = tx
        .fetch(
            &format!(
                "SELECT day, COUNT(*), {satisfied}, AVG(normalized_score) FROM {ratings_view} WHERE {} \
                 GROUP BY day ORDER BY day",
                in_range("rated_at")
            ),
            &args,
            &[ColType::Time, ColType::Int, ColType::Int, ColType::Real],
        )
        .await?;
    let trend = rows
        .iter()
        .map(|r| {
            let n = int(&r[1]);
            Ok(RatingsDay {
                day: time(&r[0])?,
                ratings: n,
                csat_share: int(&r[2]) as f64 / n.max(1) as f64,
                average_normalized_score: real(&r[3]).unwrap_or(0.0),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let totals = tx
        .fetch(
            &format!(
                "SELECT COUNT(*), {satisfied}, AVG(normalized_score) FROM {ratings_view} WHERE {}",
                in_range("rated_at")
            ),
            &args,
            &[ColType::Int, ColType::Int, ColType::Real],
        )
        .await?;
    let (count, satisfied_count, average) =
        totals.first().map_or((0, 0, None), |r| (int(&r[0]), int(&r[1]), real(&r[2])));
    let rows = tx
        .fetch(
            &format!(
                "SELECT normalized_score, COUNT(*) FROM {ratings_view} WHERE {} \
                 GROUP BY normalized_score ORDER BY normalized_score",
                in_range("rated_at")
            ),
            &args,
            &[ColType::Real, ColType::Int],
        )
        .await?;
    let distribution =
        rows.iter().map(|r| ScoreCount { normalized_score: real(&r[0]).unwrap_or(0.0), ratings: int(&r[1]) }).collect();
    let ratings = RatingsSummary {
        count,
        average_normalized_score: average,
        csat_share: (count > 0).then(|| satisfied_count as f64 / count as f64),
        trend,
        distribution,
    };
    Ok((sessions, first_response, unread_now, agents, ratings))
}
