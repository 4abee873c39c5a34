//! The BI contract: a stable, read-only, star-shaped set of views over the projection tables (schema
//! `analytics` on PostgreSQL, the same names in the main schema on SQLite), plus the read-only role
//! `chatstream_analytics` on PostgreSQL. Internal tables may change; these views only change in a
//! backward-compatible way. Every view and column: `docs/analytics.md`.

use chatstream_projector::ColType::{self, Bool, Int, Real, Text, Time};
use chatstream_projector::{
    col, prepare as prepare_projection, Backend, Column, Migration, Projection, Store, StoreError,
};
use std::sync::Arc;

mod sql;

/// The projections whose tables the analytics views read (the binary's registration list is `registered()` in
/// services/cli; a new projection joins the views only when a view reads it).
pub fn projections() -> Vec<Arc<dyn Projection>> {
    vec![
        chatstream_projection_sessions::projection(),
        chatstream_projection_unread::projection(),
        chatstream_projection_availability::projection(),
        chatstream_projection_ratings::projection(),
    ]
}

/// The name to use in SQL for analytics view `name` on `backend`: `analytics.name` on PostgreSQL, `name` on
/// SQLite.
pub fn view(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Postgres => format!("analytics.{name}"),
        Backend::Sqlite => name.to_string(),
    }
}

/// The migration set of the analytics views (history table `_chatstream_migrations_analytics`).
pub const MIGRATION_SET: &str = "analytics";

/// The PostgreSQL role that may read the analytics views and nothing else (NOLOGIN: grant it to a login role).
pub const READER_ROLE: &str = "chatstream_analytics";

/// The analytics views' schema changes, for SQLite and PostgreSQL. They read the four projections' tables, so
/// they run after those projections' migrations (see [`prepare`]).
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "analytics views (facts and dimensions), their indexes and the chatstream_analytics role",
    sqlite: sql::SQLITE_V1,
    postgres: sql::POSTGRES_V1,
}];

/// Migrates every projection's tables and then the analytics views (idempotent; safe to run from several
/// roles at once).
pub async fn prepare(store: &Store) -> Result<(), StoreError> {
    for p in projections() {
        prepare_projection(store, p.as_ref()).await?;
    }
    store.migrate(MIGRATION_SET, MIGRATIONS).await?;
    refresh_statistics(store).await
}

/// Lets the query planner know the tables' sizes so the views' filters use the right indexes. SQLite keeps no
/// statistics of its own: `PRAGMA optimize` analyses the tables whose size changed a lot since the last time
/// (bounded work); PostgreSQL's autovacuum does this by itself. Run at start-up and periodically by readers.
pub async fn refresh_statistics(store: &Store) -> Result<(), StoreError> {
    match store.backend() {
        Backend::Sqlite => store.execute_autocommit("PRAGMA optimize=0x10002").await.map(|_| ()),
        Backend::Postgres => Ok(()),
    }
}

/// One analytics view: its name (without schema; see [`view`]) and its columns in order.
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub name: &'static str,
    pub columns: &'static [Column],
}

impl View {
    /// The view's columns, comma-separated, for a `SELECT` list.
    pub fn select_list(&self) -> String {
        self.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
    }

    /// The column types, in order (for [`Store::fetch`]).
    pub fn types(&self) -> Vec<ColType> {
        self.columns.iter().map(|c| c.ty).collect()
    }
}

/// The view called `name`, if it is one of [`VIEWS`].
pub fn find_view(name: &str) -> Option<&'static View> {
    VIEWS.iter().find(|v| v.name == name)
}

/// Every analytics view with its columns, in order: facts first, then dimensions. The pinned-columns test
/// compares this and the database with a literal list.
pub const VIEWS: &[View] = &[
    View {
        name: "fact_sessions",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("started_at", Time),
            col("ended_at", Time),
            col("status", Text),
            col("ended_by", Text),
            col("duration_seconds", Real),
            col("first_contact_message_at", Time),
            col("first_agent_reply_at", Time),
            col("first_response_seconds", Real),
            col("messages_contact", Int),
            col("messages_agent", Int),
            col("messages_bot", Int),
            col("internal_notes", Int),
            col("agents_involved", Int),
            col("first_agent_id", Text),
            col("last_agent_id", Text),
            col("transfers", Int),
            col("tags", Text),
            col("rating_normalized", Real),
            col("rated_at", Time),
            col("contact_id", Text),
            col("group_id", Text),
        ],
    },
    View {
        name: "fact_session_agents",
        columns: &[
            col("time", Time),
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
    },
    View {
        name: "fact_session_events",
        columns: &[
            col("time", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("seq", Int),
            col("event_id", Text),
            col("occurred_at", Time),
            col("kind", Text),
            col("actor_role", Text),
            col("actor_id", Text),
            col("internal", Bool),
            col("summary", Text),
        ],
    },
    View {
        name: "fact_messages",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("seq", Int),
            col("event_id", Text),
            col("occurred_at", Time),
            col("kind", Text),
            col("actor_role", Text),
            col("actor_id", Text),
            col("internal", Bool),
        ],
    },
    View {
        name: "fact_agent_status_intervals",
        columns: &[
            col("time", Time),
            col("tenant", Text),
            col("platform", Text),
            col("agent_id", Text),
            col("status", Text),
            col("vendor_status", Text),
            col("started_at", Time),
            col("ended_at", Time),
            col("duration_seconds", Real),
        ],
    },
    View {
        name: "fact_agent_status_daily",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("agent_id", Text),
            col("status", Text),
            col("seconds", Real),
            col("hours", Real),
        ],
    },
    View {
        name: "fact_agent_status_now",
        columns: &[
            col("time", Time),
            col("tenant", Text),
            col("platform", Text),
            col("agent_id", Text),
            col("status", Text),
            col("vendor_status", Text),
            col("since", Time),
            col("as_of", Time),
            col("is_bot", Bool),
        ],
    },
    View {
        name: "fact_ratings",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("agent_id", Text),
            col("rated_at", Time),
            col("vendor_score", Real),
            col("scale_min", Real),
            col("scale_max", Real),
            col("normalized_score", Real),
            col("satisfied", Bool),
            col("comment", Text),
        ],
    },
    View {
        name: "fact_survey_answers",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("agent_id", Text),
            col("form_type", Text),
            col("question", Text),
            col("answer", Text),
            col("answered_at", Time),
        ],
    },
    View {
        name: "fact_unread_now",
        columns: &[
            col("time", Time),
            col("tenant", Text),
            col("platform", Text),
            col("chat_id", Text),
            col("session_id", Text),
            col("signal", Text),
            col("unread_count", Int),
            col("unanswered_count", Int),
            col("waiting_since", Time),
            col("waiting_seconds", Real),
            col("oldest_unread_at", Time),
            col("oldest_unanswered_at", Time),
            col("last_contact_message_at", Time),
            col("assigned_agent_id", Text),
            col("assigned_group_id", Text),
        ],
    },
    View {
        name: "fact_sessions_ended_unread_daily",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("tenant", Text),
            col("platform", Text),
            col("group_id", Text),
            col("sessions_ended", Int),
            col("sessions_ended_unread", Int),
            col("sessions_ended_unanswered", Int),
            col("sessions_unread_known", Int),
        ],
    },
    View { name: "dim_tenant", columns: &[col("tenant", Text)] },
    View { name: "dim_platform", columns: &[col("platform", Text), col("display_name", Text)] },
    View {
        name: "dim_agent",
        columns: &[
            col("tenant", Text),
            col("platform", Text),
            col("agent_id", Text),
            col("is_bot", Bool),
            col("current_status", Text),
            col("removed", Bool),
        ],
    },
    View { name: "dim_group", columns: &[col("tenant", Text), col("platform", Text), col("group_id", Text)] },
    View {
        name: "dim_date",
        columns: &[
            col("time", Time),
            col("day", Time),
            col("date", Text),
            col("year", Int),
            col("month", Int),
            col("day_of_month", Int),
            col("iso_day_of_week", Int),
            col("week_start", Time),
        ],
    },
];
