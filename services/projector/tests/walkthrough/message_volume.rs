//! The `message_volume` projection: public chat messages per tenant, platform, UTC hour and author role.
//!
//! The table `message_volume_by_chat` holds one row per chat, UTC hour and author role; the views
//! `message_volume_hourly` and `message_volume_daily` add the chats up. The walkthrough that builds this
//! module step by step is docs/adding-a-projection.md.

use chatstream_projector::chat::chat_group;
use chatstream_projector::{col, ColType, Migration, Output, Projection, Table, Val};
use chatstream_schema::{Body, ChatEvent, Kind};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One hour in microseconds (event times are µs since the epoch, UTC).
const HOUR_MICROS: i64 = 3_600_000_000;

/// The projection (name `message_volume`), grouped by chat.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageVolume;

/// The projection, ready to register with the runner.
pub fn projection() -> Arc<dyn Projection> {
    Arc::new(MessageVolume)
}

/// The table `derive` fills: index 0 of its `Output`. The runtime adds the `group_key` column's value.
const TABLES: &[Table] = &[Table {
    name: "message_volume_by_chat",
    columns: &[
        col("tenant", ColType::Text),
        col("platform", ColType::Text),
        col("chat_id", ColType::Text),
        col("hour", ColType::Time),
        col("author_role", ColType::Text),
        col("messages", ColType::Int),
    ],
    key: &["tenant", "platform", "chat_id", "hour", "author_role"],
}];

/// The table, its indexes and the two views, for each backend. Released migrations are never edited: a
/// change is a new entry with the next version.
const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "message_volume_by_chat and the hourly and daily message volume views",
    sqlite: "
CREATE TABLE message_volume_by_chat (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL,
    hour TEXT NOT NULL, author_role TEXT NOT NULL, messages INTEGER NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, hour, author_role));
CREATE INDEX message_volume_by_chat_group ON message_volume_by_chat (group_key);
CREATE INDEX message_volume_by_chat_tenant_hour ON message_volume_by_chat (tenant, hour);

CREATE VIEW message_volume_hourly AS
SELECT tenant, platform, hour, author_role,
       SUM(messages) AS messages, COUNT(DISTINCT chat_id) AS chats
FROM message_volume_by_chat
GROUP BY tenant, platform, hour, author_role;

CREATE VIEW message_volume_daily AS
SELECT tenant, platform, substr(hour, 1, 10) || 'T00:00:00.000000Z' AS day, author_role,
       SUM(messages) AS messages, COUNT(DISTINCT chat_id) AS chats
FROM message_volume_by_chat
GROUP BY tenant, platform, substr(hour, 1, 10), author_role;
",
    postgres: "
CREATE TABLE message_volume_by_chat (
    group_key TEXT NOT NULL,
    tenant TEXT NOT NULL, platform TEXT NOT NULL, chat_id TEXT NOT NULL,
    hour TIMESTAMPTZ NOT NULL, author_role TEXT NOT NULL, messages BIGINT NOT NULL,
    PRIMARY KEY (tenant, platform, chat_id, hour, author_role));
CREATE INDEX message_volume_by_chat_group ON message_volume_by_chat (group_key);
CREATE INDEX message_volume_by_chat_tenant_hour ON message_volume_by_chat (tenant, hour);

CREATE VIEW message_volume_hourly AS
SELECT tenant, platform, hour, author_role,
       SUM(messages)::BIGINT AS messages, COUNT(DISTINCT chat_id) AS chats
FROM message_volume_by_chat
GROUP BY tenant, platform, hour, author_role;

CREATE VIEW message_volume_daily AS
SELECT tenant, platform, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, author_role,
       SUM(messages)::BIGINT AS messages, COUNT(DISTINCT chat_id) AS chats
FROM message_volume_by_chat
GROUP BY tenant, platform, date_trunc('day', hour AT TIME ZONE 'UTC'), author_role;
",
}];

/// The author role of a public message (`contact`, `agent`, `bot`; any other role counts as `system`), or
/// `None` when the event is not a public message (internal notes, edits and every other kind).
fn public_message_role(event: &ChatEvent) -> Option<&'static str> {
    match (&event.kind, &event.body) {
        (Kind::Message, Body::Message(m)) if !m.internal => Some(match m.author_role.as_str() {
            "contact" => "contact",
            "agent" => "agent",
            "bot" => "bot",
            _ => "system",
        }),
        _ => None,
    }
}

impl Projection for MessageVolume {
    fn name(&self) -> &'static str {
        "message_volume"
    }

    fn description(&self) -> &'static str {
        "public messages per tenant, platform, UTC hour and author role"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn tables(&self) -> &'static [Table] {
        TABLES
    }

    /// The chat of a public message; every other event is of no use here (and is not stored for it).
    fn group(&self, event: &ChatEvent) -> Option<String> {
        public_message_role(event)?;
        chat_group(event)
    }

    /// One row per (UTC hour, author role) in which the chat has public messages.
    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        let Some(first) = events.first() else { return };
        let mut counts: BTreeMap<(i64, &str), i64> = BTreeMap::new();
        for event in events {
            if let Some(role) = public_message_role(event) {
                let hour = event.occurred_at_micros.div_euclid(HOUR_MICROS) * HOUR_MICROS;
                *counts.entry((hour, role)).or_default() += 1;
            }
        }
        for ((hour, role), messages) in counts {
            out.push(
                0,
                vec![
                    Val::from(first.tenant.as_str()),
                    Val::from(first.platform.as_str()),
                    Val::from(first.chat_id.as_deref()),
                    Val::Time(hour),
                    Val::from(role),
                    Val::Int(messages),
                ],
            );
        }
    }
}
