//! The ratings projection: every chat session's rating (the latest one, unless it was removed), every survey
//! answer, free-text feedback, and daily CSAT views per agent and per tenant.
//!
//! Definitions (rated agent, CSAT threshold, replacement rules) are in `docs/projections/ratings.md`.

mod derive;
mod schema;

use chatstream_projector::chat::chat_group;
use chatstream_projector::{Migration, Output, Projection, Table};
use chatstream_schema::ChatEvent;
use std::sync::Arc;

pub use derive::{is_satisfied, CSAT_THRESHOLD};
pub use schema::{FEEDBACK, MIGRATIONS, RATINGS, SURVEY_ANSWERS, TABLES};

/// The ratings and surveys projection (name `ratings`), grouped by chat.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ratings;

/// The projection, ready to register with the runner.
pub fn projection() -> Arc<dyn Projection> {
    Arc::new(Ratings)
}

impl Projection for Ratings {
    fn name(&self) -> &'static str {
        "ratings"
    }

    fn description(&self) -> &'static str {
        "ratings (latest per session), survey answers and feedback per chat session; daily CSAT per agent and tenant"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn tables(&self) -> &'static [Table] {
        TABLES
    }

    /// Every event of a chat: sessions and the rated agent need the whole chat, not just the ratings.
    fn group(&self, event: &ChatEvent) -> Option<String> {
        chat_group(event)
    }

    fn derive(&self, _group: &str, events: &[&ChatEvent], out: &mut Output) {
        derive::chat(events, out);
    }
}
