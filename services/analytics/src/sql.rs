//! The SQL of the analytics migration, per backend.
//!
//! Facts are plain projections of one indexed table each (no joins, no aggregates except the daily
//! unread counts, which group by the table's own `day` column), so a filter on `tenant` and `time` reaches
//! the table's index on both backends: on SQLite `time` is always a raw column (SQLite uses an index only
//! for a bare column), and the computed `day` is for grouping. The indexes below cover the typical filter
//! (`tenant` + `time`) of the facts whose tables had none.

/// Views whose SQL is the same on both backends; `$s` is the schema prefix (`analytics.` or nothing).
macro_rules! shared_views {
    ($s:literal) => {
        concat!(
            "
CREATE VIEW ", $s, "fact_session_agents AS
SELECT first_involved_at AS time, tenant, platform, chat_id, session_id, agent_id,
    first_involved_at, last_involved_at, messages, internal_notes, assigned
FROM session_agents;

CREATE VIEW ", $s, "fact_session_events AS
SELECT occurred_at AS time, tenant, platform, chat_id, session_id, seq, event_id,
    occurred_at, kind, actor_role, actor_id, internal, summary
FROM session_timeline;

CREATE VIEW ", $s, "fact_agent_status_intervals AS
SELECT started_at AS time, tenant, platform, agent_id, status, vendor_status, started_at, ended_at,
    duration_seconds
FROM agent_status_intervals;

CREATE VIEW ", $s, "fact_agent_status_daily AS
SELECT day AS time, day, tenant, platform, agent_id, status, seconds, seconds / 3600.0 AS hours
FROM agent_status_daily;

CREATE VIEW ", $s, "fact_agent_status_now AS
SELECT since AS time, tenant, platform, agent_id, status, vendor_status, since, as_of, is_bot
FROM agent_current_status
WHERE status IS NOT NULL AND NOT removed;

CREATE VIEW ", $s, "fact_sessions_ended_unread_daily AS
SELECT day AS time, day, tenant, platform, group_id,
    COUNT(*) AS sessions_ended,
    SUM(CASE WHEN ended_unread THEN 1 ELSE 0 END) AS sessions_ended_unread,
    SUM(CASE WHEN ended_unanswered THEN 1 ELSE 0 END) AS sessions_ended_unanswered,
    COUNT(ended_unread) AS sessions_unread_known
FROM unread_sessions
GROUP BY tenant, platform, group_id, day;

CREATE VIEW ", $s, "dim_tenant AS
WITH RECURSIVE
    s(tenant) AS (
        SELECT MIN(tenant) FROM sessions
        UNION ALL
        SELECT (SELECT MIN(x.tenant) FROM sessions x WHERE x.tenant > s.tenant) FROM s WHERE s.tenant IS NOT NULL),
    a(tenant) AS (
        SELECT MIN(tenant) FROM agent_current_status
        UNION ALL
        SELECT (SELECT MIN(x.tenant) FROM agent_current_status x WHERE x.tenant > a.tenant)
        FROM a WHERE a.tenant IS NOT NULL),
    u(tenant) AS (
        SELECT MIN(tenant) FROM unread_chats
        UNION ALL
        SELECT (SELECT MIN(x.tenant) FROM unread_chats x WHERE x.tenant > u.tenant) FROM u WHERE u.tenant IS NOT NULL),
    r(tenant) AS (
        SELECT MIN(tenant) FROM ratings
        UNION ALL
        SELECT (SELECT MIN(x.tenant) FROM ratings x WHERE x.tenant > r.tenant) FROM r WHERE r.tenant IS NOT NULL)
SELECT tenant FROM s WHERE tenant IS NOT NULL
UNION SELECT tenant FROM a WHERE tenant IS NOT NULL
UNION SELECT tenant FROM u WHERE tenant IS NOT NULL
UNION SELECT tenant FROM r WHERE tenant IS NOT NULL;

CREATE VIEW ", $s, "dim_platform AS
SELECT 'livechat' AS platform, 'LiveChat' AS display_name
UNION ALL SELECT 'chatwoot', 'Chatwoot'
UNION ALL SELECT 'freshchat', 'Freshchat'
UNION ALL SELECT 'userlike', 'Userlike';

CREATE VIEW ", $s, "dim_agent AS
SELECT k.tenant, k.platform, k.agent_id, c.is_bot, c.status AS current_status,
    COALESCE(c.removed, FALSE) AS removed
FROM (
    SELECT tenant, platform, agent_id FROM agent_current_status
    UNION SELECT DISTINCT tenant, platform, agent_id FROM session_agents
    UNION SELECT DISTINCT tenant, platform, agent_id FROM ratings WHERE agent_id IS NOT NULL
    UNION SELECT DISTINCT tenant, platform, agent_id FROM survey_answers WHERE agent_id IS NOT NULL
) AS k
LEFT JOIN agent_current_status AS c
    ON c.tenant = k.tenant AND c.platform = k.platform AND c.agent_id = k.agent_id;

CREATE VIEW ", $s, "dim_group AS
SELECT DISTINCT tenant, platform, group_id FROM sessions WHERE group_id IS NOT NULL
UNION SELECT DISTINCT tenant, platform, group_id FROM unread_sessions WHERE group_id IS NOT NULL
UNION SELECT DISTINCT tenant, platform, assigned_group_id FROM unread_chats WHERE assigned_group_id IS NOT NULL;
"
        )
    };
}

/// The first and last instant any fact covers, per tenant through the `(tenant, time)` indexes (one index
/// seek each instead of a scan), as rows `(lo, hi)`; `$s` is the schema prefix.
macro_rules! fact_bounds {
    ($s:literal) => {
        concat!(
            "
        SELECT (SELECT MIN(x.started_at) FROM sessions x WHERE x.tenant = t.tenant) AS lo,
               (SELECT MAX(x.started_at) FROM sessions x WHERE x.tenant = t.tenant) AS hi
        FROM ",
            $s,
            "dim_tenant t
        UNION ALL
        SELECT (SELECT MIN(x.occurred_at) FROM session_timeline x WHERE x.tenant = t.tenant),
               (SELECT MAX(x.occurred_at) FROM session_timeline x WHERE x.tenant = t.tenant)
        FROM ",
            $s,
            "dim_tenant t
        UNION ALL
        SELECT (SELECT MIN(x.started_at) FROM agent_status_intervals x WHERE x.tenant = t.tenant),
               (SELECT MAX(x.started_at) FROM agent_status_intervals x WHERE x.tenant = t.tenant)
        FROM ",
            $s,
            "dim_tenant t
        UNION ALL
        SELECT MIN(as_of), MAX(as_of) FROM agent_current_status
        UNION ALL
        SELECT (SELECT MIN(x.rated_at) FROM ratings x WHERE x.tenant = t.tenant),
               (SELECT MAX(x.rated_at) FROM ratings x WHERE x.tenant = t.tenant)
        FROM ",
            $s,
            "dim_tenant t
        UNION ALL
        SELECT (SELECT MIN(x.answered_at) FROM survey_answers x WHERE x.tenant = t.tenant),
               (SELECT MAX(x.answered_at) FROM survey_answers x WHERE x.tenant = t.tenant)
        FROM ",
            $s,
            "dim_tenant t"
        )
    };
}

/// The condition of `fact_unread_now`, also the predicate of its partial index (the same text on purpose:
/// SQLite uses a partial index only when the query repeats its terms).
macro_rules! waiting {
    () => {
        "NOT session_ended AND (unread_count > 0 OR unanswered_count > 0)"
    };
}

/// Indexes for the facts' typical filter (`tenant` + `time`) where the projections have none, and for what the
/// query API reads most (measured with `chatstream bench query`, docs/benchmarks.md): the sessions list by status
/// and by agent, first response times and ratings read from the index alone.
macro_rules! indexes {
    ($coalesce:literal, $backend_specific:literal) => {
        concat!(
            $backend_specific,
            "
CREATE INDEX analytics_sessions_status ON sessions (tenant, status, started_at, platform, chat_id, session_id);
CREATE INDEX analytics_session_agents_agent ON session_agents (tenant, agent_id);
CREATE INDEX analytics_session_agents_time ON session_agents (tenant, first_involved_at);
CREATE INDEX analytics_session_timeline_time ON session_timeline (tenant, occurred_at);
CREATE INDEX analytics_agent_status_intervals_time ON agent_status_intervals (tenant, started_at);
CREATE INDEX analytics_unread_sessions_time ON unread_sessions (tenant, day);
CREATE INDEX analytics_unread_chats_waiting ON unread_chats (tenant, ",
            $coalesce,
            ") WHERE ",
            waiting!(),
            ";
"
        )
    };
}

pub(crate) const SQLITE_V1: &str = concat!(
    indexes!(
        "COALESCE(oldest_unread_at, oldest_unanswered_at)",
        // SQLite appends the primary key (platform, chat_id, session_id) to every index of a WITHOUT ROWID table.
        "
CREATE INDEX analytics_sessions_first_response ON sessions (tenant, started_at, first_response_seconds);
CREATE INDEX analytics_ratings_time ON ratings (tenant, rated_at, normalized_score, satisfied);
CREATE INDEX analytics_unread_sessions_daily
    ON unread_sessions (tenant, day, platform, group_id, ended_unread, ended_unanswered);"
    ),
    "
CREATE VIEW fact_sessions AS
SELECT started_at AS time, substr(started_at, 1, 10) || 'T00:00:00.000000Z' AS day,
    tenant, platform, chat_id, session_id, started_at, ended_at, status, ended_by, duration_seconds,
    first_contact_message_at, first_agent_reply_at, first_response_seconds,
    messages_contact, messages_agent, messages_bot, internal_notes, agents_involved, first_agent_id, last_agent_id,
    transfers, tags, rating_normalized, rated_at, contact_id, group_id
FROM sessions;

CREATE VIEW fact_messages AS
SELECT occurred_at AS time, substr(occurred_at, 1, 10) || 'T00:00:00.000000Z' AS day,
    tenant, platform, chat_id, session_id, seq, event_id, occurred_at, kind, actor_role, actor_id, internal
FROM session_timeline
WHERE kind = 'message';

CREATE VIEW fact_ratings AS
SELECT rated_at AS time, substr(rated_at, 1, 10) || 'T00:00:00.000000Z' AS day,
    tenant, platform, chat_id, session_id, agent_id, rated_at, vendor_score, scale_min, scale_max,
    normalized_score, satisfied, comment
FROM ratings;

CREATE VIEW fact_survey_answers AS
SELECT answered_at AS time, substr(answered_at, 1, 10) || 'T00:00:00.000000Z' AS day,
    tenant, platform, chat_id, session_id, agent_id, form_type, question, answer, answered_at
FROM survey_answers;

CREATE VIEW fact_unread_now AS
SELECT COALESCE(oldest_unread_at, oldest_unanswered_at) AS time,
    tenant, platform, chat_id, session_id, signal, unread_count, unanswered_count,
    COALESCE(oldest_unread_at, oldest_unanswered_at) AS waiting_since,
    (julianday('now') - julianday(COALESCE(oldest_unread_at, oldest_unanswered_at))) * 86400.0 AS waiting_seconds,
    oldest_unread_at, oldest_unanswered_at, last_contact_message_at, assigned_agent_id, assigned_group_id
FROM unread_chats
WHERE ",
    waiting!(),
    ";
",
    shared_views!(""),
    "
CREATE VIEW dim_date AS
WITH RECURSIVE
    bounds(lo, hi) AS (SELECT MIN(lo), MAX(hi) FROM (",
    fact_bounds!(""),
    ")),
    days(d) AS (
        SELECT date(lo) FROM bounds WHERE lo IS NOT NULL
        UNION ALL
        SELECT date(d, '+1 day') FROM days, bounds WHERE d < date(bounds.hi))
SELECT d || 'T00:00:00.000000Z' AS time, d || 'T00:00:00.000000Z' AS day, d AS date,
    CAST(substr(d, 1, 4) AS INTEGER) AS year,
    CAST(substr(d, 6, 2) AS INTEGER) AS month,
    CAST(substr(d, 9, 2) AS INTEGER) AS day_of_month,
    (CAST(strftime('%w', d) AS INTEGER) + 6) % 7 + 1 AS iso_day_of_week,
    date(d, '-' || ((CAST(strftime('%w', d) AS INTEGER) + 6) % 7) || ' days') || 'T00:00:00.000000Z' AS week_start
FROM days;
"
);

pub(crate) const POSTGRES_V1: &str = concat!(
    "
CREATE SCHEMA IF NOT EXISTS analytics;

-- The reader role is shared by every database of the cluster: another database's migration may create it at
-- the same moment (duplicate_object, or unique_violation on the catalog), which is as good as creating it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'chatstream_analytics') THEN
        CREATE ROLE chatstream_analytics NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'cannot create the read-only role chatstream_analytics: the store user lacks CREATEROLE'
            USING HINT = 'create it once as a superuser: CREATE ROLE chatstream_analytics NOLOGIN; then restart';
END
$$;
",
    indexes!(
        "(COALESCE(oldest_unread_at, oldest_unanswered_at))",
        "
CREATE INDEX analytics_sessions_started
    ON sessions (tenant, started_at, platform, chat_id, session_id) INCLUDE (first_response_seconds);
CREATE INDEX analytics_ratings_time ON ratings (tenant, rated_at) INCLUDE (normalized_score, satisfied);"
    ),
    "
CREATE VIEW analytics.fact_sessions AS
SELECT started_at AS time, date_trunc('day', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
    tenant, platform, chat_id, session_id, started_at, ended_at, status, ended_by, duration_seconds,
    first_contact_message_at, first_agent_reply_at, first_response_seconds,
    messages_contact, messages_agent, messages_bot, internal_notes, agents_involved, first_agent_id, last_agent_id,
    transfers, tags, rating_normalized, rated_at, contact_id, group_id
FROM sessions;

CREATE VIEW analytics.fact_messages AS
SELECT occurred_at AS time, date_trunc('day', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
    tenant, platform, chat_id, session_id, seq, event_id, occurred_at, kind, actor_role, actor_id, internal
FROM session_timeline
WHERE kind = 'message';

CREATE VIEW analytics.fact_ratings AS
SELECT rated_at AS time, date_trunc('day', rated_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
    tenant, platform, chat_id, session_id, agent_id, rated_at, vendor_score, scale_min, scale_max,
    normalized_score, satisfied, comment
FROM ratings;

CREATE VIEW analytics.fact_survey_answers AS
SELECT answered_at AS time, date_trunc('day', answered_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
    tenant, platform, chat_id, session_id, agent_id, form_type, question, answer, answered_at
FROM survey_answers;

CREATE VIEW analytics.fact_unread_now AS
SELECT COALESCE(oldest_unread_at, oldest_unanswered_at) AS time,
    tenant, platform, chat_id, session_id, signal, unread_count, unanswered_count,
    COALESCE(oldest_unread_at, oldest_unanswered_at) AS waiting_since,
    EXTRACT(EPOCH FROM now() - COALESCE(oldest_unread_at, oldest_unanswered_at))::DOUBLE PRECISION
        AS waiting_seconds,
    oldest_unread_at, oldest_unanswered_at, last_contact_message_at, assigned_agent_id, assigned_group_id
FROM unread_chats
WHERE ",
    waiting!(),
    ";
",
    shared_views!("analytics."),
    "
CREATE VIEW analytics.dim_date AS
WITH bounds AS (SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (",
    fact_bounds!("analytics."),
    ") AS b),
    days AS (
        SELECT generate_series(date_trunc('day', lo AT TIME ZONE 'UTC'), date_trunc('day', hi AT TIME ZONE 'UTC'),
            interval '1 day') AS d
        FROM bounds)
SELECT d AT TIME ZONE 'UTC' AS time, d AT TIME ZONE 'UTC' AS day, to_char(d, 'YYYY-MM-DD') AS date,
    EXTRACT(YEAR FROM d)::BIGINT AS year,
    EXTRACT(MONTH FROM d)::BIGINT AS month,
    EXTRACT(DAY FROM d)::BIGINT AS day_of_month,
    EXTRACT(ISODOW FROM d)::BIGINT AS iso_day_of_week,
    date_trunc('week', d) AT TIME ZONE 'UTC' AS week_start
FROM days;

GRANT USAGE ON SCHEMA analytics TO chatstream_analytics;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO chatstream_analytics;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO chatstream_analytics;
"
);
