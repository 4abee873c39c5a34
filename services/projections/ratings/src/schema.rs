//! The tables the ratings projection derives, and their migrations (tables, indexes, daily views).

use chatstream_projector::{col, ColType, Migration, Table};

/// Index of `ratings` in [`TABLES`].
pub const RATINGS: usize = 0;
/// Index of `survey_answers` in [`TABLES`].
pub const SURVEY_ANSWERS: usize = 1;
/// Index of `feedback` in [`TABLES`].
pub const FEEDBACK: usize = 2;

/// The derived tables, in the order `derive` fills them.
pub const TABLES: &[Table] = &[
    Table {
        name: "ratings",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("chat_id", ColType::Text),
            col("session_id", ColType::Text),
            col("agent_id", ColType::Text),
            col("agent_source", ColType::Text),
            col("contact_id", ColType::Text),
            col("rated_at", ColType::Time),
            col("vendor_score", ColType::Real),
            col("scale_min", ColType::Real),
            col("scale_max", ColType::Real),
            col("normalized_score", ColType::Real),
            col("satisfied", ColType::Bool),
            col("comment", ColType::Text),
            col("event_id", ColType::Text),
        ],
        key: &["tenant", "platform", "chat_id", "session_id"],
    },
    Table {
        name: "survey_answers",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("chat_id", ColType::Text),
            col("session_id", ColType::Text),
            col("form_type", ColType::Text),
            col("question", ColType::Text),
            col("answer", ColType::Text),
            col("agent_id", ColType::Text),
            col("agent_source", ColType::Text),
            col("contact_id", ColType::Text),
            col("answered_at", ColType::Time),
            col("event_id", ColType::Text),
        ],
        key: &["tenant", "platform", "chat_id", "session_id", "form_type", "question"],
    },
    Table {
        name: "feedback",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("chat_id", ColType::Text),
            col("session_id", ColType::Text),
            col("agent_id", ColType::Text),
            col("agent_source", ColType::Text),
            col("contact_id", ColType::Text),
            col("given_at", ColType::Time),
            col("text_length", ColType::Int),
            col("text", ColType::Text),
            col("event_id", ColType::Text),
        ],
        key: &["tenant", "platform", "chat_id", "session_id"],
    },
];

/// Tables, indexes and the daily views, for both backends.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "ratings, survey answers, feedback and the daily rating views",
    sqlite: "
CREATE TABLE ratings (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    rated_at TEXT NOT NULL,
    vendor_score REAL NOT NULL, scale_min REAL NOT NULL, scale_max REAL NOT NULL, normalized_score REAL NOT NULL,
    satisfied BOOLEAN NOT NULL, comment TEXT, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id)) WITHOUT ROWID;
CREATE INDEX ratings_group ON ratings (group_key);
CREATE INDEX ratings_tenant_rated_at ON ratings (tenant, rated_at);

CREATE TABLE survey_answers (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    form_type TEXT NOT NULL, question TEXT NOT NULL, answer TEXT,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    answered_at TEXT NOT NULL, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, form_type, question)) WITHOUT ROWID;
CREATE INDEX survey_answers_group ON survey_answers (group_key);
CREATE INDEX survey_answers_tenant_answered_at ON survey_answers (tenant, answered_at);

CREATE TABLE feedback (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    given_at TEXT NOT NULL, text_length INTEGER NOT NULL, text TEXT, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id)) WITHOUT ROWID;
CREATE INDEX feedback_group ON feedback (group_key);

CREATE VIEW ratings_daily AS
SELECT tenant, platform, agent_id,
       substr(rated_at, 1, 10) || 'T00:00:00.000000Z' AS day,
       COUNT(*) AS ratings,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS satisfied_ratings,
       ROUND(AVG(normalized_score), 9) AS average_normalized_score,
       CAST(SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS REAL) / COUNT(*) AS csat_share
FROM ratings
GROUP BY tenant, platform, agent_id, substr(rated_at, 1, 10);

CREATE VIEW ratings_daily_tenant AS
SELECT tenant, platform,
       substr(rated_at, 1, 10) || 'T00:00:00.000000Z' AS day,
       COUNT(*) AS ratings,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS satisfied_ratings,
       ROUND(AVG(normalized_score), 9) AS average_normalized_score,
       CAST(SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS REAL) / COUNT(*) AS csat_share
FROM ratings
GROUP BY tenant, platform, substr(rated_at, 1, 10);
",
    postgres: "
CREATE TABLE ratings (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    rated_at TIMESTAMPTZ NOT NULL,
    vendor_score DOUBLE PRECISION NOT NULL, scale_min DOUBLE PRECISION NOT NULL,
    scale_max DOUBLE PRECISION NOT NULL, normalized_score DOUBLE PRECISION NOT NULL,
    satisfied BOOLEAN NOT NULL, comment TEXT, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id));
CREATE INDEX ratings_group ON ratings (group_key);
CREATE INDEX ratings_tenant_rated_at ON ratings (tenant, rated_at);

CREATE TABLE survey_answers (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    form_type TEXT NOT NULL, question TEXT NOT NULL, answer TEXT,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    answered_at TIMESTAMPTZ NOT NULL, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, form_type, question));
CREATE INDEX survey_answers_group ON survey_answers (group_key);
CREATE INDEX survey_answers_tenant_answered_at ON survey_answers (tenant, answered_at);

CREATE TABLE feedback (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT, agent_source TEXT, contact_id TEXT,
    given_at TIMESTAMPTZ NOT NULL, text_length BIGINT NOT NULL, text TEXT, event_id TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id));
CREATE INDEX feedback_group ON feedback (group_key);

CREATE VIEW ratings_daily AS
SELECT tenant, platform, agent_id,
       date_trunc('day', rated_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
       COUNT(*) AS ratings,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS satisfied_ratings,
       round(AVG(normalized_score::numeric), 9)::DOUBLE PRECISION AS average_normalized_score,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END)::DOUBLE PRECISION / COUNT(*) AS csat_share
FROM ratings
GROUP BY tenant, platform, agent_id, date_trunc('day', rated_at AT TIME ZONE 'UTC');

CREATE VIEW ratings_daily_tenant AS
SELECT tenant, platform,
       date_trunc('day', rated_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
       COUNT(*) AS ratings,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS satisfied_ratings,
       round(AVG(normalized_score::numeric), 9)::DOUBLE PRECISION AS average_normalized_score,
       SUM(CASE WHEN satisfied THEN 1 ELSE 0 END)::DOUBLE PRECISION / COUNT(*) AS csat_share
FROM ratings
GROUP BY tenant, platform, date_trunc('day', rated_at AT TIME ZONE 'UTC');
",
}];
