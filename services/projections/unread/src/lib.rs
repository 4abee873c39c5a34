//! The unread projection: per chat, the contact messages no agent has seen or answered yet, and per ended
//! session whether it ended with unread or unanswered contact messages (with a daily view over those).
//!
//! Definitions, columns and what each vendor contributes: `docs/projections/unread.md`.

mod derive;

use chatstream_projector::chat::chat_group;
use chatstream_projector::{col, ColType, Migration, Output, Projection, Table};
use chatstream_schema::{ChatEvent, Kind};
use std::sync::Arc;

/// The unread projection (`unread`): tables `unread_chats` and `unread_sessions`, view `unread_sessions_daily`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unread;

/// The projection, ready to register with the binary.
pub fn projection() -> Arc<dyn Projection> {
    Arc::new(Unread)
}

/// Index of `unread_chats` in [`TABLES`].
pub const CHATS: usize = 0;
/// Index of `unread_sessions` in [`TABLES`].
pub const SESSIONS: usize = 1;

/// The tables [`Unread`] derives.
pub const TABLES: &[Table] = &[
    Table {
        name: "unread_chats",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("chat_id", ColType::Text),
            col("session_id", ColType::Text),
            col("signal", ColType::Text),
            col("unread_count", ColType::Int),
            col("unanswered_count", ColType::Int),
            col("oldest_unread_at", ColType::Time),
            col("oldest_unanswered_at", ColType::Time),
            col("last_contact_message_at", ColType::Time),
            col("agent_read_up_to", ColType::Time),
            col("last_agent_message_at", ColType::Time),
            col("assigned_agent_id", ColType::Text),
            col("assigned_group_id", ColType::Text),
            col("session_ended", ColType::Bool),
            col("as_of", ColType::Time),
        ],
        key: &["tenant", "platform", "chat_id"],
    },
    Table {
        name: "unread_sessions",
        columns: &[
            col("tenant", ColType::Text),
            col("platform", ColType::Text),
            col("chat_id", ColType::Text),
            col("session_id", ColType::Text),
            col("ended_at", ColType::Time),
            col("day", ColType::Time),
            col("agent_id", ColType::Text),
            col("group_id", ColType::Text),
            col("signal", ColType::Text),
            col("unread_count", ColType::Int),
            col("unanswered_count", ColType::Int),
            col("oldest_unread_at", ColType::Time),
            col("oldest_unanswered_at", ColType::Time),
            col("agent_read_up_to", ColType::Time),
            col("ended_unread", ColType::Bool),
            col("ended_unanswered", ColType::Bool),
        ],
        key: &["tenant", "platform", "chat_id", "session_id"],
    },
];

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "unread_chats, unread_sessions and the unread_sessions_daily view",
    sqlite: "CREATE TABLE unread_chats (
        group_key TEXT NOT NULL,
        tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
        signal TEXT NOT NULL, unread_count INTEGER, unanswered_count INTEGER NOT NULL,
        oldest_unread_at TEXT, oldest_unanswered_at TEXT, last_contact_message_at TEXT, agent_read_up_to TEXT,
        last_agent_message_at TEXT, assigned_agent_id TEXT, assigned_group_id TEXT,
        session_ended BOOLEAN NOT NULL, as_of TEXT NOT NULL,
        PRIMARY KEY (tenant, platform, chat_id)) WITHOUT ROWID;
    CREATE INDEX unread_chats_group ON unread_chats (group_key);
    CREATE TABLE unread_sessions (
        group_key TEXT NOT NULL,
        tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
        ended_at TEXT NOT NULL, day TEXT NOT NULL, agent_id TEXT, group_id TEXT,
        signal TEXT NOT NULL, unread_count INTEGER, unanswered_count INTEGER NOT NULL,
        oldest_unread_at TEXT, oldest_unanswered_at TEXT, agent_read_up_to TEXT,
        ended_unread BOOLEAN, ended_unanswered BOOLEAN NOT NULL,
        PRIMARY KEY (tenant, platform, chat_id, session_id)) WITHOUT ROWID;
    CREATE INDEX unread_sessions_group ON unread_sessions (group_key);
    CREATE INDEX unread_sessions_day ON unread_sessions (tenant, platform, day);
    CREATE VIEW unread_sessions_daily AS
        SELECT tenant, platform, group_id, day,
            COUNT(*) AS sessions_ended,
            SUM(CASE WHEN ended_unread THEN 1 ELSE 0 END) AS sessions_ended_unread,
            SUM(CASE WHEN ended_unanswered THEN 1 ELSE 0 END) AS sessions_ended_unanswered,
            COUNT(ended_unread) AS sessions_unread_known
        FROM unread_sessions
        GROUP BY tenant, platform, group_id, day;",
    postgres: "CREATE TABLE unread_chats (
        group_key TEXT NOT NULL,
        tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
        signal TEXT NOT NULL, unread_count BIGINT, unanswered_count BIGINT NOT NULL,
        oldest_unread_at TIMESTAMPTZ, oldest_unanswered_at TIMESTAMPTZ, last_contact_message_at TIMESTAMPTZ,
        agent_read_up_to TIMESTAMPTZ, last_agent_message_at TIMESTAMPTZ, assigned_agent_id TEXT,
        assigned_group_id TEXT, session_ended BOOLEAN NOT NULL, as_of TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (tenant, platform, chat_id));
    CREATE INDEX unread_chats_group ON unread_chats (group_key);
    CREATE TABLE unread_sessions (
        group_key TEXT NOT NULL,
        tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL,
        ended_at TIMESTAMPTZ NOT NULL, day TIMESTAMPTZ NOT NULL, agent_id TEXT, group_id TEXT,
        signal TEXT NOT NULL, unread_count BIGINT, unanswered_count BIGINT NOT NULL,
        oldest_unread_at TIMESTAMPTZ, oldest_unanswered_at TIMESTAMPTZ, agent_read_up_to TIMESTAMPTZ,
        ended_unread BOOLEAN, ended_unanswered BOOLEAN NOT NULL,
        PRIMARY KEY (tenant, platform, chat_id, session_id));
    CREATE INDEX unread_sessions_group ON unread_sessions (group_key);
    CREATE INDEX unread_sessions_day ON unread_sessions (tenant, platform, day);
    CREATE VIEW unread_sessions_daily AS
        SELECT tenant, platform, group_id, day,
            COUNT(*) AS sessions_ended,
            SUM(CASE WHEN ended_unread THEN 1 ELSE 0 END) AS sessions_ended_unread,
            SUM(CASE WHEN ended_unanswered THEN 1 ELSE 0 END) AS sessions_ended_unanswered,
            COUNT(ended_unread) AS sessions_unread_known
        FROM unread_sessions
        GROUP BY tenant, platform, group_id, day;",
}];

/// True for the kinds this projection reads; the others are not stored for it.
fn used(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::SessionStarted
            | Kind::SessionEnded
            | Kind::SessionReopened
            | Kind::Message
            | Kind::Assigned
            | Kind::Transferred
            | Kind::Seen
            | Kind::UnreadAtEnd
    )
}

impl Projection for Unread {
    fn name(&self) -> &'static str {
        "unread"
    }

    fn description(&self) -> &'static str {
        "unread and unanswered contact messages per chat, and sessions that ended with them (per day and group)"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn tables(&self) -> &'static [Table] {
        TABLES
    }

    fn group(&self, event: &ChatEvent) -> Option<String> {
        if used(event.kind) {
            chat_group(event)
        } else {
            None
        }
    }

    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        derive::derive(events, out);
    }
}
