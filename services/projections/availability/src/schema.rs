//! The availability tables, their migrations and the views over them.

use chatstream_projector::{col, ColType, Migration, Table};

/// Index of `agent_status_intervals` in [`TABLES`].
pub const INTERVALS: usize = 0;
/// Index of `agent_current_status` in [`TABLES`].
pub const CURRENT: usize = 1;
/// Index of `agent_status_daily` in [`TABLES`].
pub const DAILY: usize = 2;

/// The tables `derive` fills, in output order.
pub const TABLES: &[Table] = &[
    Table {
        name: "agent_status_intervals",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("agent_id", ColType::Text),
            col("started_at", ColType::Time),
            col("status", ColType::Text),
            col("vendor_status", ColType::Text),
            col("ended_at", ColType::Time),
            col("duration_seconds", ColType::Real),
            col("last_observed_at", ColType::Time),
            col("source_kind", ColType::Text),
            col("source_event_id", ColType::Text),
        ],
        key: &["tenant", "platform", "agent_id", "started_at"],
    },
    Table {
        name: "agent_current_status",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("agent_id", ColType::Text),
            col("status", ColType::Text),
            col("vendor_status", ColType::Text),
            col("since", ColType::Time),
            col("as_of", ColType::Time),
            col("is_bot", ColType::Bool),
            col("removed", ColType::Bool),
            col("roster_action", ColType::Text),
            col("roster_changed_at", ColType::Time),
        ],
        key: &["tenant", "platform", "agent_id"],
    },
    Table {
        name: "agent_status_daily",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("agent_id", ColType::Text),
            col("day", ColType::Time),
            col("status", ColType::Text),
            col("seconds", ColType::Real),
        ],
        key: &["tenant", "platform", "agent_id", "day", "status"],
    },
];

/// The views are plain aggregates, the same SQL on both backends.
macro_rules! views {
    () => {
        "CREATE VIEW agent_status_daily_totals AS
             SELECT tenant, platform, day, status, COUNT(*) AS agents, SUM(seconds) AS seconds
             FROM agent_status_daily GROUP BY tenant, platform, day, status;
         CREATE VIEW agent_status_current_counts AS
             SELECT tenant, platform, status, COUNT(*) AS agents
             FROM agent_current_status WHERE status IS NOT NULL AND NOT removed
             GROUP BY tenant, platform, status;"
    };
}

/// Tables, indexes and views for SQLite and PostgreSQL.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "agent availability: status intervals, current status, time per status per day",
    sqlite: concat!(
        "CREATE TABLE agent_status_intervals (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, started_at TEXT NOT NULL, status TEXT NOT NULL, vendor_status TEXT NOT NULL,
             ended_at TEXT, duration_seconds REAL, last_observed_at TEXT NOT NULL, source_kind TEXT NOT NULL,
             source_event_id TEXT NOT NULL, PRIMARY KEY (tenant, platform, agent_id, started_at)) WITHOUT ROWID;
         CREATE INDEX agent_status_intervals_group ON agent_status_intervals (group_key);
         CREATE TABLE agent_current_status (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, status TEXT, vendor_status TEXT, since TEXT, as_of TEXT NOT NULL, is_bot BOOLEAN,
             removed BOOLEAN NOT NULL, roster_action TEXT, roster_changed_at TEXT,
             PRIMARY KEY (tenant, platform, agent_id)) WITHOUT ROWID;
         CREATE INDEX agent_current_status_group ON agent_current_status (group_key);
         CREATE TABLE agent_status_daily (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, seconds REAL NOT NULL,
             PRIMARY KEY (tenant, platform, agent_id, day, status)) WITHOUT ROWID;
         CREATE INDEX agent_status_daily_group ON agent_status_daily (group_key);
         CREATE INDEX agent_status_daily_day ON agent_status_daily (tenant, platform, day);
         ",
        views!()
    ),
    postgres: concat!(
        "CREATE TABLE agent_status_intervals (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL, status TEXT NOT NULL,
             vendor_status TEXT NOT NULL, ended_at TIMESTAMPTZ, duration_seconds DOUBLE PRECISION,
             last_observed_at TIMESTAMPTZ NOT NULL, source_kind TEXT NOT NULL, source_event_id TEXT NOT NULL,
             PRIMARY KEY (tenant, platform, agent_id, started_at));
         CREATE INDEX agent_status_intervals_group ON agent_status_intervals (group_key);
         CREATE TABLE agent_current_status (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, status TEXT, vendor_status TEXT, since TIMESTAMPTZ, as_of TIMESTAMPTZ NOT NULL,
             is_bot BOOLEAN, removed BOOLEAN NOT NULL, roster_action TEXT, roster_changed_at TIMESTAMPTZ,
             PRIMARY KEY (tenant, platform, agent_id));
         CREATE INDEX agent_current_status_group ON agent_current_status (group_key);
         CREATE TABLE agent_status_daily (group_key TEXT NOT NULL, tenant TEXT NOT NULL, platform TEXT NOT NULL,
             agent_id TEXT NOT NULL, day TIMESTAMPTZ NOT NULL, status TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL,
             PRIMARY KEY (tenant, platform, agent_id, day, status));
         CREATE INDEX agent_status_daily_group ON agent_status_daily (group_key);
         CREATE INDEX agent_status_daily_day ON agent_status_daily (tenant, platform, day);
         ",
        views!()
    ),
}];
