//! `/api/v1/summary`: the dashboard's numbers for one tenant and time range, its parts read in parallel.

use crate::api::params;
use crate::error::{ApiError, ErrorBody};
use crate::list::read;
use crate::params::{day_floor, given, range, SummaryParams, TenantFilter};
use crate::rows::{item, Item, Timestamp};
use crate::server::QueryState;
use crate::tokens::{Principal, TenantScope};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use chatstream_projector::{Backend, ColType, Store, Val};
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

/// The statuses that count as online: `online` (Userlike, Chatwoot) and `accepting_chats` (LiveChat's only
/// word for an agent taking chats; `not_accepting_chats` is logged in but unavailable, like `away`).
pub const ONLINE_STATUSES: &[&str] = &["online", "accepting_chats"];

/// Agents (people; bots are not counted) now, and hours per status over the days overlapping the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentsNow {
    /// Agents whose current status is one of [`ONLINE_STATUSES`].
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
            "tenant is required: token {:?} may read more than one tenant; add ?tenant=<name> \
             (GET /api/v1/tenants lists them)",
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
    let (sessions, first_response, unread_now, agents, ratings) = read_summary(&state, &tenant, from, to).await?;
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

/// Median and 90th percentile by nearest rank (the ⌈p·n⌉-th smallest value) of the first response times of
/// the sessions matching `condition`. PostgreSQL has it built in (`percentile_disc`); on SQLite a window
/// numbers the sorted values and the ranks are ⌈n/2⌉ = (n+1)/2 and ⌈9n/10⌉ = (9n+9)/10 in integers.
async fn first_response(
    store: &Store,
    sessions_view: &str,
    condition: &str,
    args: &[Val],
) -> Result<FirstResponse, ApiError> {
    if store.backend() == Backend::Postgres {
        let rows = read(
            store,
            &format!(
                "SELECT COUNT(first_response_seconds), \
                     percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response_seconds), \
                     percentile_disc(0.9) WITHIN GROUP (ORDER BY first_response_seconds) \
                     FROM {sessions_view} WHERE {condition}"
            ),
            args,
            &[ColType::Int, ColType::Real, ColType::Real],
        )
        .await?;
        let row = rows.first();
        return Ok(FirstResponse {
            sessions_replied: row.map_or(0, |r| int(&r[0])),
            median_seconds: row.and_then(|r| real(&r[1])),
            p90_seconds: row.and_then(|r| real(&r[2])),
        });
    }
    // The count first (from the index alone), then the two ranks bound as parameters: cheaper than a window
    // that also counts. Both in one snapshot.
    let mut tx = store.begin_read().await?;
    let counted = tx
        .fetch(
            &format!("SELECT COUNT(first_response_seconds) FROM {sessions_view} WHERE {condition}"),
            args,
            &[ColType::Int],
        )
        .await?;
    let replied = counted.first().map_or(0, |r| int(&r[0]));
    let (median_rank, p90_rank) = ((replied + 1) / 2, (9 * replied + 9) / 10);
    let mut rank_args = args.to_vec();
    rank_args.extend([Val::Int(median_rank), Val::Int(p90_rank)]);
    let (m, p) = (rank_args.len() - 1, rank_args.len());
    let rows = if replied == 0 {
        Vec::new()
    } else {
        tx.fetch(
            &format!(
                "SELECT rn, v FROM (SELECT first_response_seconds AS v, \
                 ROW_NUMBER() OVER (ORDER BY first_response_seconds) AS rn \
                 FROM {sessions_view} WHERE {condition} AND first_response_seconds IS NOT NULL) r \
                 WHERE rn = ${m} OR rn = ${p}"
            ),
            &rank_args,
            &[ColType::Int, ColType::Real],
        )
        .await?
    };
    tx.commit().await?;
    let at_rank = |rank: i64| rows.iter().find(|r| int(&r[0]) == rank).and_then(|r| real(&r[1]));
    Ok(FirstResponse {
        sessions_replied: replied,
        median_seconds: at_rank(median_rank),
        p90_seconds: at_rank(p90_rank),
    })
}

/// The parts of the summary, each read in its own read-only transaction, all at once: the store works on
/// them in parallel (the longest, the first-response percentiles, sets the latency).
async fn read_summary(state: &QueryState, tenant: &str, from: i64, to: i64) -> Result<Parts, ApiError> {
    let store = &state.store;
    let view = |name: &str| chatstream_analytics::view(store.backend(), name);
    // tenant = $1, range = [$2, $3).
    let args = [Val::from(tenant), Val::Time(from), Val::Time(to)];
    let in_range = |column: &str| format!("tenant = $1 AND {column} >= $2 AND {column} < $3");
    let (sessions_view, unread_view, ratings_view) =
        (view("fact_sessions"), view("fact_unread_now"), view("fact_ratings"));

    let per_day_sql = format!(
        "SELECT day, platform, COUNT(*) FROM {sessions_view} WHERE {} GROUP BY day, platform ORDER BY day, platform",
        in_range("started_at")
    );
    let unread_counts_sql = format!("SELECT COUNT(*), MAX(waiting_seconds) FROM {unread_view} WHERE tenant = $1");
    let unread_items_sql = format!(
        "SELECT {} FROM {unread_view} WHERE tenant = $1 ORDER BY waiting_since, platform, chat_id, session_id \
         LIMIT {UNREAD_ITEMS}",
        UnreadBrief::FIELDS.join(", ")
    );
    let agents_sql = format!(
        "SELECT status, COUNT(*) FROM {} WHERE tenant = $1 AND is_bot IS NOT TRUE GROUP BY status ORDER BY status",
        view("fact_agent_status_now")
    );
    let hours_sql = format!(
        "SELECT status, SUM(seconds) FROM {} WHERE tenant = $1 AND day >= $2 AND day < $3 \
         GROUP BY status ORDER BY status",
        view("fact_agent_status_daily")
    );
    // Every day that overlaps the range.
    let hours_args = [args[0].clone(), Val::Time(day_floor(from)), Val::Time(to)];
    // One pass over the range's ratings, grouped by day and score: the trend, the distribution and the
    // totals all follow from these (few) groups.
    let ratings_sql = format!(
        "SELECT day, normalized_score, COUNT(*), SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) \
         FROM {ratings_view} WHERE {} GROUP BY day, normalized_score ORDER BY day, normalized_score",
        in_range("rated_at")
    );
    let sessions_condition = in_range("started_at");

    let (per_day_rows, first_response, unread_counts, unread_rows, agent_rows, hours_rows, rating_rows) = tokio::try_join!(
        read(store, &per_day_sql, &args, &[ColType::Time, ColType::Text, ColType::Int]),
        first_response(store, &sessions_view, &sessions_condition, &args),
        read(store, &unread_counts_sql, &args[..1], &[ColType::Int, ColType::Real]),
        read(store, &unread_items_sql, &args[..1], UnreadBrief::TYPES),
        read(store, &agents_sql, &args[..1], &[ColType::Text, ColType::Int]),
        read(store, &hours_sql, &hours_args, &[ColType::Text, ColType::Real]),
        read(store, &ratings_sql, &args, &[ColType::Time, ColType::Real, ColType::Int, ColType::Int]),
    )?;

    let per_day = per_day_rows
        .iter()
        .map(|r| Ok(SessionsPerDay { day: time(&r[0])?, platform: text(&r[1]), sessions: int(&r[2]) }))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let sessions = SessionsSummary { total: per_day.iter().map(|d| d.sessions).sum(), per_day };

    let unread_now = UnreadNow {
        chats: unread_counts.first().map_or(0, |r| int(&r[0])),
        oldest_waiting_seconds: unread_counts.first().and_then(|r| real(&r[1])),
        items: unread_rows
            .into_iter()
            .map(|r| UnreadBrief::from_vals(&mut r.into_iter()))
            .collect::<Result<Vec<_>, ApiError>>()?,
    };

    let current: Vec<StatusCount> =
        agent_rows.iter().map(|r| StatusCount { status: text(&r[0]), agents: int(&r[1]) }).collect();
    let hours_by_status = hours_rows
        .iter()
        .map(|r| StatusHours { status: text(&r[0]), hours: real(&r[1]).unwrap_or(0.0) / 3600.0 })
        .collect();
    let agents = AgentsNow {
        online_now: current.iter().filter(|c| ONLINE_STATUSES.contains(&c.status.as_str())).map(|c| c.agents).sum(),
        current,
        hours_by_status,
    };

    let (mut count, mut satisfied_count, mut score_sum) = (0i64, 0i64, 0f64);
    let mut trend: Vec<(Timestamp, i64, i64, f64)> = Vec::new();
    let mut distribution: Vec<ScoreCount> = Vec::new();
    for r in &rating_rows {
        let (day, score, n, sat) = (time(&r[0])?, real(&r[1]).unwrap_or(0.0), int(&r[2]), int(&r[3]));
        (count, satisfied_count, score_sum) = (count + n, satisfied_count + sat, score_sum + score * n as f64);
        match trend.last_mut() {
            Some(last) if last.0 == day => {
                (last.1, last.2, last.3) = (last.1 + n, last.2 + sat, last.3 + score * n as f64)
            }
            _ => trend.push((day, n, sat, score * n as f64)),
        }
        match distribution.iter_mut().find(|d| d.normalized_score == score) {
            Some(d) => d.ratings += n,
            None => distribution.push(ScoreCount { normalized_score: score, ratings: n }),
        }
    }
    distribution.sort_by(|a, b| a.normalized_score.total_cmp(&b.normalized_score));
    let trend = trend
        .into_iter()
        .map(|(day, n, sat, sum)| RatingsDay {
            day,
            ratings: n,
            csat_share: sat as f64 / n.max(1) as f64,
            average_normalized_score: sum / n.max(1) as f64,
        })
        .collect();
    let ratings = RatingsSummary {
        count,
        average_normalized_score: (count > 0).then(|| score_sum / count as f64),
        csat_share: (count > 0).then(|| satisfied_count as f64 / count as f64),
        trend,
        distribution,
    };
    Ok((sessions, first_response, unread_now, agents, ratings))
}
