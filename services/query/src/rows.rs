//! The items the API returns: one struct per analytics view (its columns minus `time`, which repeats another
//! column for Grafana), decoded from store rows and written as JSON or CSV cells.

use crate::error::ApiError;
use chatstream_projector::{ColType, Val};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

/// A UTC instant (µs since the epoch), written as RFC 3339 with `Z` (`2026-01-01T10:00:00Z`, fractions of a
/// second only when there are any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The RFC 3339 text.
    pub fn rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_micros(self.0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// The current time.
    pub fn now() -> Self {
        Timestamp(Utc::now().timestamp_micros())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("A UTC instant in RFC 3339 form, e.g. 2026-01-01T10:00:00Z"))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

/// A Rust type one column decodes into.
pub trait Cell: Sized {
    /// How the store reads the column.
    const TYPE: ColType;
    /// The value, or why the column holds something else.
    fn from_val(v: Val) -> Result<Self, String>;
    /// The CSV cell (empty for NULL).
    fn csv(&self) -> String;
}

impl Cell for String {
    const TYPE: ColType = ColType::Text;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Text(s) => Ok(s),
            other => Err(format!("expected text, got {other:?}")),
        }
    }
    fn csv(&self) -> String {
        self.clone()
    }
}

impl Cell for i64 {
    const TYPE: ColType = ColType::Int;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Int(i) => Ok(i),
            other => Err(format!("expected an integer, got {other:?}")),
        }
    }
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl Cell for f64 {
    const TYPE: ColType = ColType::Real;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Real(f) => Ok(f),
            Val::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, got {other:?}")),
        }
    }
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl Cell for bool {
    const TYPE: ColType = ColType::Bool;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Bool(b) => Ok(b),
            Val::Int(i) => Ok(i != 0),
            other => Err(format!("expected a boolean, got {other:?}")),
        }
    }
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl Cell for Timestamp {
    const TYPE: ColType = ColType::Time;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Time(t) => Ok(Timestamp(t)),
            other => Err(format!("expected a timestamp, got {other:?}")),
        }
    }
    fn csv(&self) -> String {
        self.rfc3339()
    }
}

impl<T: Cell> Cell for Option<T> {
    const TYPE: ColType = T::TYPE;
    fn from_val(v: Val) -> Result<Self, String> {
        match v {
            Val::Null => Ok(None),
            v => T::from_val(v).map(Some),
        }
    }
    fn csv(&self) -> String {
        self.as_ref().map(Cell::csv).unwrap_or_default()
    }
}

/// One item of a list endpoint: its field names (= the columns selected, in order), their types, decoding
/// and CSV cells.
pub trait Item: Serialize + Sized {
    /// Field names, also the selected column names and the CSV header.
    const FIELDS: &'static [&'static str];
    /// Column types, in field order.
    const TYPES: &'static [ColType];
    /// Decodes the next `FIELDS.len()` values.
    fn from_vals(vals: &mut std::vec::IntoIter<Val>) -> Result<Self, ApiError>;
    /// The CSV cells, in field order.
    fn csv_cells(&self) -> Vec<String>;
}

/// Defines an item struct whose field names are column names of the query that fills it.
macro_rules! item {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::rows::Item for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            const TYPES: &'static [chatstream_projector::ColType] = &[$(<$ty as $crate::rows::Cell>::TYPE),*];
            fn from_vals(
                vals: &mut std::vec::IntoIter<chatstream_projector::Val>,
            ) -> Result<Self, $crate::error::ApiError> {
                Ok(Self {
                    $( $field: {
                        let v = vals.next().unwrap_or(chatstream_projector::Val::Null);
                        <$ty as $crate::rows::Cell>::from_val(v).map_err(|detail| {
                            $crate::error::ApiError::Decode(format!(
                                "{}.{}: {detail}", stringify!($name), stringify!($field)
                            ))
                        })?
                    }, )*
                })
            }
            fn csv_cells(&self) -> Vec<String> {
                vec![$( $crate::rows::Cell::csv(&self.$field) ),*]
            }
        }
    };
}
pub(crate) use item;

item! {
    /// A session (`analytics.fact_sessions`).
    Session {
        /// UTC midnight of the day the session started.
        day: Timestamp,
        tenant: String,
        platform: String,
        chat_id: String,
        session_id: String,
        started_at: Timestamp,
        ended_at: Option<Timestamp>,
        /// `open` or `ended` (as the projection derives it).
        status: String,
        /// Who ended it: `agent`, `contact`, `system`, … when known.
        ended_by: Option<String>,
        duration_seconds: Option<f64>,
        first_contact_message_at: Option<Timestamp>,
        first_agent_reply_at: Option<Timestamp>,
        /// First agent reply − first contact message, in seconds.
        first_response_seconds: Option<f64>,
        messages_contact: i64,
        messages_agent: i64,
        messages_bot: i64,
        internal_notes: i64,
        agents_involved: i64,
        first_agent_id: Option<String>,
        last_agent_id: Option<String>,
        transfers: i64,
        /// Comma-separated tags.
        tags: Option<String>,
        /// The rating scaled to 0..1.
        rating_normalized: Option<f64>,
        rated_at: Option<Timestamp>,
        contact_id: Option<String>,
        group_id: Option<String>,
    }
}

item! {
    /// An agent's part in a session (`analytics.fact_session_agents`).
    SessionAgent {
        tenant: String,
        platform: String,
        chat_id: String,
        session_id: String,
        agent_id: String,
        first_involved_at: Timestamp,
        last_involved_at: Timestamp,
        messages: i64,
        internal_notes: i64,
        assigned: bool,
    }
}

item! {
    /// One timeline entry of a session (`analytics.fact_session_events`).
    SessionEvent {
        tenant: String,
        platform: String,
        chat_id: String,
        session_id: String,
        /// Position in the session's timeline (1, 2, …).
        seq: i64,
        event_id: String,
        occurred_at: Timestamp,
        /// The canonical event kind (`message`, `session_started`, …).
        kind: String,
        /// `contact`, `agent`, `bot` or `system`.
        actor_role: String,
        actor_id: Option<String>,
        internal: bool,
        /// One line for people, without message text.
        summary: String,
    }
}

item! {
    /// A chat waiting for an answer now (`analytics.fact_unread_now`).
    UnreadChat {
        tenant: String,
        platform: String,
        chat_id: String,
        session_id: String,
        /// What the counts rest on: read receipts (`read`) or replies only (`reply`).
        signal: String,
        /// Contact messages no agent has read (null when the platform reports no reads).
        unread_count: Option<i64>,
        /// Contact messages after the last agent reply.
        unanswered_count: i64,
        /// The oldest unread contact message, else the oldest unanswered one.
        waiting_since: Timestamp,
        /// Now − `waiting_since`.
        waiting_seconds: f64,
        oldest_unread_at: Option<Timestamp>,
        oldest_unanswered_at: Option<Timestamp>,
        last_contact_message_at: Option<Timestamp>,
        assigned_agent_id: Option<String>,
        assigned_group_id: Option<String>,
    }
}

item! {
    /// Sessions that ended unread or unanswered, per day and group
    /// (`analytics.fact_sessions_ended_unread_daily`).
    UnreadDaily {
        day: Timestamp,
        tenant: String,
        platform: String,
        group_id: Option<String>,
        sessions_ended: i64,
        sessions_ended_unread: i64,
        sessions_ended_unanswered: i64,
        /// Ended sessions whose platform reports reads (the base of `sessions_ended_unread`).
        sessions_unread_known: i64,
    }
}

item! {
    /// An agent's status now (`analytics.fact_agent_status_now`).
    AgentStatus {
        tenant: String,
        platform: String,
        agent_id: String,
        /// `online`, `away`, `offline`, … (canonical).
        status: String,
        /// The platform's own status name.
        vendor_status: Option<String>,
        since: Option<Timestamp>,
        /// When the status was last confirmed.
        as_of: Timestamp,
        is_bot: Option<bool>,
    }
}

item! {
    /// Time an agent spent in one status on one day (`analytics.fact_agent_status_daily`).
    AgentStatusDaily {
        day: Timestamp,
        tenant: String,
        platform: String,
        agent_id: String,
        status: String,
        seconds: f64,
        hours: f64,
    }
}

item! {
    /// A rating (`analytics.fact_ratings`).
    Rating {
        day: Timestamp,
        tenant: String,
        platform: String,
        chat_id: String,
        session_id: String,
        agent_id: Option<String>,
        rated_at: Timestamp,
        vendor_score: f64,
        scale_min: f64,
        scale_max: f64,
        /// The score scaled to 0..1.
        normalized_score: f64,
        /// Whether the rating counts towards CSAT.
        satisfied: bool,
        comment: Option<String>,
    }
}

item! {
    /// CSAT of one day (`by=day`: `day` set, `platform` and `agent_id` null) or one agent (`by=agent`: `day`
    /// null; `agent_id` null for ratings no agent is known for).
    Csat {
        tenant: String,
        day: Option<Timestamp>,
        platform: Option<String>,
        agent_id: Option<String>,
        ratings: i64,
        satisfied_ratings: i64,
        /// `satisfied_ratings / ratings`.
        csat_share: f64,
        average_normalized_score: f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_with_z() {
        assert_eq!(Timestamp(1_767_225_600_000_000).rfc3339(), "2026-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_767_225_600_500_000).rfc3339(), "2026-01-01T00:00:00.500Z");
    }

    /// Each item restates the columns of the view it reads: every field must be a column of that view with
    /// the same type, and only `time` may be left out, so renaming a view column fails here and not at run time.
    fn assert_mirrors_view<T: Item>(view: &str) {
        let view = chatstream_analytics::find_view(view).unwrap_or_else(|| panic!("no analytics view {view}"));
        let columns: Vec<(&str, ColType)> =
            view.columns.iter().filter(|c| c.name != "time").map(|c| (c.name, c.ty)).collect();
        let fields: Vec<(&str, ColType)> = T::FIELDS.iter().copied().zip(T::TYPES.iter().copied()).collect();
        assert_eq!(fields, columns, "the item of {} and its columns", view.name);
    }

    #[test]
    fn items_mirror_the_views_they_read() {
        assert_mirrors_view::<Session>("fact_sessions");
        assert_mirrors_view::<SessionAgent>("fact_session_agents");
        assert_mirrors_view::<SessionEvent>("fact_session_events");
        assert_mirrors_view::<UnreadChat>("fact_unread_now");
        assert_mirrors_view::<UnreadDaily>("fact_sessions_ended_unread_daily");
        assert_mirrors_view::<AgentStatus>("fact_agent_status_now");
        assert_mirrors_view::<AgentStatusDaily>("fact_agent_status_daily");
        assert_mirrors_view::<Rating>("fact_ratings");
    }

    #[test]
    fn items_know_their_fields_in_order() {
        assert_eq!(&UnreadDaily::FIELDS[..3], &["day", "tenant", "platform"]);
        assert_eq!(UnreadDaily::TYPES[0], ColType::Time);
        let mut vals = vec![
            Val::Time(1_767_225_600_000_000),
            Val::from("acme"),
            Val::from("livechat"),
            Val::Null,
            Val::Int(3),
            Val::Int(1),
            Val::Int(2),
            Val::Int(3),
        ]
        .into_iter();
        let item = UnreadDaily::from_vals(&mut vals).unwrap();
        assert_eq!(item.group_id, None);
        assert_eq!(item.csv_cells()[..4], ["2026-01-01T00:00:00Z", "acme", "livechat", ""]);
    }
}
