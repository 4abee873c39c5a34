//! The tables `derive` fills, their migrations for SQLite and PostgreSQL, and the `sessions_daily` view.
//! Column meanings and units: `docs/projections/sessions.md`.

use chatstream_projector::{col, ColType, Migration, Table};

/// Index of the `sessions` table in [`TABLES`].
pub const SESSIONS: usize = 0;
/// Index of the `session_agents` table in [`TABLES`].
pub const SESSION_AGENTS: usize = 1;
/// Index of the `session_tags` table in [`TABLES`].
pub const SESSION_TAGS: usize = 2;
/// Index of the `session_timeline` table in [`TABLES`].
pub const SESSION_TIMELINE: usize = 3;

use ColType::{Bool, Int, Real, Text, Time};

/// The derived tables, in the order `derive` indexes them.
pub const TABLES: &[Table] = &[
    Table {
        name: "sessions",
        columns: &[
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("ordinal", Int),
            col("started_at", Time),
            col("ended_at", Time),
            col("last_event_at", Time),
            col("status", Text),
            col("ended_by", Text),
            col("duration_seconds", Real),
            col("first_contact_message_at", Time),
            col("first_agent_reply_at", Time),
            col("first_response_seconds", Real),
            col("messages_contact", Int),
            col("messages_agent", Int),
            col("messages_bot", Int),
            col("messages_system", Int),
            col("internal_notes", Int),
            col("agents_involved", Int),
            col("first_agent_id", Text),
            col("last_agent_id", Text),
            col("transfers", Int),
            col("tag_count", Int),
            col("tags", Text),
            col("rating_vendor_score", Real),
            col("rating_scale_min", Real),
            col("rating_scale_max", Real),
            col("rating_normalized", Real),
            col("rated_at", Time),
            col("contact_id", Text),
            col("group_id", Text),
        ],
        key: &["tenant", "platform", "chat_id", "session_id"],
    },
    Table {
        name: "session_agents",
        columns: &[
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("agent_id", Text),
            col("first_involved_at", Time),
            col("last_involved_at", Time),
            col("messages", Int),
            col("internal_notes", Int),
            col("assigned", Bool),
        ],
        key: &["tenant", "platform", "chat_id", "session_id", "agent_id"],
    },
    Table {
        name: "session_tags",
        columns: &[
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("tag", Text),
            col("tagged_at", Time),
        ],
        key: &["tenant", "platform", "chat_id", "session_id", "tag"],
    },
    Table {
        name: "session_timeline",
        columns: &[
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("event_id", Text),
            col("session_id", Text),
            col("seq", Int),
            col("occurred_at", Time),
            col("occurred_at_source", Text),
            col("kind", Text),
            col("vendor_event_type", Text),
            col("actor_role", Text),
            col("actor_id", Text),
            col("internal", Bool),
            col("summary", Text),
        ],
        key: &["tenant", "platform", "chat_id", "event_id"],
    },
];

/// The schema, for both backends.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "session timelines: sessions, session_agents, session_tags, session_timeline, sessions_daily",
        sqlite: "
CREATE TABLE sessions (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    started_at TEXT NOT NULL, ended_at TEXT, last_event_at TEXT NOT NULL,
    status TEXT NOT NULL, ended_by TEXT, duration_seconds REAL,
    first_contact_message_at TEXT, first_agent_reply_at TEXT, first_response_seconds REAL,
    messages_contact INTEGER NOT NULL, messages_agent INTEGER NOT NULL, messages_bot INTEGER NOT NULL,
    messages_system INTEGER NOT NULL, internal_notes INTEGER NOT NULL,
    agents_involved INTEGER NOT NULL, first_agent_id TEXT, last_agent_id TEXT,
    transfers INTEGER NOT NULL, tag_count INTEGER, tags TEXT,
    rating_vendor_score REAL, rating_scale_min REAL, rating_scale_max REAL, rating_normalized REAL, rated_at TEXT,
    contact_id TEXT, group_id TEXT,
    PRIMARY KEY (tenant, platform, chat_id, session_id)) WITHOUT ROWID;
CREATE INDEX sessions_group ON sessions (group_key);
CREATE INDEX sessions_started ON sessions (tenant, started_at);

CREATE TABLE session_agents (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    first_involved_at TEXT NOT NULL, last_involved_at TEXT NOT NULL,
    messages INTEGER NOT NULL, internal_notes INTEGER NOT NULL, assigned BOOLEAN NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, agent_id)) WITHOUT ROWID;
CREATE INDEX session_agents_group ON session_agents (group_key);
CREATE INDEX session_agents_agent ON session_agents (tenant, platform, agent_id);

CREATE TABLE session_tags (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    tag TEXT NOT NULL, tagged_at TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, tag)) WITHOUT ROWID;
CREATE INDEX session_tags_group ON session_tags (group_key);
CREATE INDEX session_tags_tag ON session_tags (tenant, tag);

CREATE TABLE session_timeline (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, event_id TEXT NOT NULL,
    session_id TEXT NOT NULL, seq INTEGER NOT NULL,
    occurred_at TEXT NOT NULL, occurred_at_source TEXT NOT NULL, kind TEXT NOT NULL, vendor_event_type TEXT,
    actor_role TEXT NOT NULL, actor_id TEXT, internal BOOLEAN NOT NULL, summary TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, event_id)) WITHOUT ROWID;
CREATE INDEX session_timeline_group ON session_timeline (group_key);
CREATE INDEX session_timeline_session ON session_timeline (tenant, platform, chat_id, session_id, seq);

CREATE VIEW sessions_daily AS
SELECT tenant, platform, substr(started_at, 1, 10) || 'T00:00:00.000000Z' AS day,
    COUNT(*) AS sessions,
    COUNT(ended_at) AS sessions_ended,
    SUM(CAST(ROUND(duration_seconds * 1000000) AS INTEGER)) / 1000000.0
        / NULLIF(COUNT(duration_seconds), 0) AS avg_duration_seconds,
    COUNT(first_contact_message_at) AS sessions_with_contact_message,
    COUNT(first_response_seconds) AS sessions_replied,
    SUM(CAST(ROUND(first_response_seconds * 1000000) AS INTEGER)) / 1000000.0
        / NULLIF(COUNT(first_response_seconds), 0) AS avg_first_response_seconds,
    SUM(messages_contact) AS messages_contact,
    SUM(messages_agent) AS messages_agent,
    SUM(messages_bot) AS messages_bot,
    SUM(internal_notes) AS internal_notes,
    SUM(transfers) AS transfers,
    COUNT(rating_normalized) AS sessions_rated,
    SUM(CAST(ROUND(rating_normalized * 1000000) AS INTEGER)) / 1000000.0
        / NULLIF(COUNT(rating_normalized), 0) AS avg_rating_normalized
FROM sessions
GROUP BY tenant, platform, substr(started_at, 1, 10);
",
        postgres: "
CREATE TABLE sessions (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ, last_event_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL, ended_by TEXT, duration_seconds DOUBLE PRECISION,
    first_contact_message_at TIMESTAMPTZ, first_agent_reply_at TIMESTAMPTZ, first_response_seconds DOUBLE PRECISION,
    messages_contact BIGINT NOT NULL, messages_agent BIGINT NOT NULL, messages_bot BIGINT NOT NULL,
    messages_system BIGINT NOT NULL, internal_notes BIGINT NOT NULL,
    agents_involved BIGINT NOT NULL, first_agent_id TEXT, last_agent_id TEXT,
    transfers BIGINT NOT NULL, tag_count BIGINT, tags TEXT,
    rating_vendor_score DOUBLE PRECISION, rating_scale_min DOUBLE PRECISION, rating_scale_max DOUBLE PRECISION,
    rating_normalized DOUBLE PRECISION, rated_at TIMESTAMPTZ,
    contact_id TEXT, group_id TEXT,
    PRIMARY KEY (tenant, platform, chat_id, session_id));
CREATE INDEX sessions_group ON sessions (group_key);
CREATE INDEX sessions_started ON sessions (tenant, started_at);

CREATE TABLE session_agents (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    first_involved_at TIMESTAMPTZ NOT NULL, last_involved_at TIMESTAMPTZ NOT NULL,
    messages BIGINT NOT NULL, internal_notes BIGINT NOT NULL, assigned BOOLEAN NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, agent_id));
CREATE INDEX session_agents_group ON session_agents (group_key);
CREATE INDEX session_agents_agent ON session_agents (tenant, platform, agent_id);

CREATE TABLE session_tags (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
    tag TEXT NOT NULL, tagged_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, session_id, tag));
CREATE INDEX session_tags_group ON session_tags (group_key);
CREATE INDEX session_tags_tag ON session_tags (tenant, tag);

CREATE TABLE session_timeline (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, event_id TEXT NOT NULL,
    session_id TEXT NOT NULL, seq BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL, occurred_at_source TEXT NOT NULL, kind TEXT NOT NULL, vendor_event_type TEXT,
    actor_role TEXT NOT NULL, actor_id TEXT, internal BOOLEAN NOT NULL, summary TEXT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, event_id));
CREATE INDEX session_timeline_group ON session_timeline (group_key);
CREATE INDEX session_timeline_session ON session_timeline (tenant, platform, chat_id, session_id, seq);

CREATE VIEW sessions_daily AS
SELECT tenant, platform, date_trunc('day', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
    COUNT(*) AS sessions,
    COUNT(ended_at) AS sessions_ended,
    SUM(ROUND(duration_seconds * 1000000)::BIGINT)::DOUBLE PRECISION / 1000000.0::DOUBLE PRECISION
        / NULLIF(COUNT(duration_seconds), 0) AS avg_duration_seconds,
    COUNT(first_contact_message_at) AS sessions_with_contact_message,
    COUNT(first_response_seconds) AS sessions_replied,
    SUM(ROUND(first_response_seconds * 1000000)::BIGINT)::DOUBLE PRECISION / 1000000.0::DOUBLE PRECISION
        / NULLIF(COUNT(first_response_seconds), 0) AS avg_first_response_seconds,
    SUM(messages_contact)::BIGINT AS messages_contact,
    SUM(messages_agent)::BIGINT AS messages_agent,
    SUM(messages_bot)::BIGINT AS messages_bot,
    SUM(internal_notes)::BIGINT AS internal_notes,
    SUM(transfers)::BIGINT AS transfers,
    COUNT(rating_normalized) AS sessions_rated,
    SUM(ROUND(rating_normalized * 1000000)::BIGINT)::DOUBLE PRECISION / 1000000.0::DOUBLE PRECISION
        / NULLIF(COUNT(rating_normalized), 0) AS avg_rating_normalized
FROM sessions
GROUP BY tenant, platform, date_trunc('day', started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
",
    },
    // The primary key's `(tenant, platform, chat_id)` prefix already finds a session's timeline: a chat holds
    // tens to hundreds of rows, sorted by `seq` in no time. The index was a third of the timeline's b-tree
    // work on every write.
    Migration {
        version: 2,
        description: "session_timeline: no separate index by session (the primary key's chat prefix serves)",
        sqlite: "DROP INDEX IF EXISTS session_timeline_session;",
        postgres: "DROP INDEX IF EXISTS session_timeline_session;",
    },
];
