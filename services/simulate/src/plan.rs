//! Platform-neutral scripts of what happens in a simulated chat session or to an agent.
//!
//! The generator (`crate::script`) draws these from a seeded RNG; the per-vendor renderers in
//! `crate::render` turn them into the exact JSON bodies each vendor would POST.

use chrono::{DateTime, Utc};

/// A person on the business side who answers chats.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    /// Stable index used to derive vendor ids (LiveChat uses e-mails, Chatwoot ints, Freshchat UUIDs).
    pub index: u32,
    pub name: String,
    pub email: String,
    pub group: u32,
}

/// The visitor/customer side of a chat.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub index: u64,
    pub name: String,
    pub email: String,
}

/// One whole chat session, from start to end, as a vendor-neutral script.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPlan {
    /// Unique per run; renderers derive vendor chat ids from it.
    pub seq: u64,
    pub contact: Contact,
    /// Agent first assigned to the chat.
    pub agent: Agent,
    pub started_at: DateTime<Utc>,
    /// Steps in the order they happen; `at` is non-decreasing.
    pub steps: Vec<Step>,
}

/// Something that happens inside a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The contact writes a message.
    ContactMessage { seq: u32, at: DateTime<Utc>, text: String },
    /// An agent replies (public message).
    AgentMessage { seq: u32, at: DateTime<Utc>, agent: Agent, text: String },
    /// An agent leaves an internal note (not visible to the contact).
    InternalNote { seq: u32, at: DateTime<Utc>, agent: Agent, text: String },
    /// The chat moves from one agent (and group) to another.
    Transfer { at: DateTime<Utc>, from: Agent, to: Agent },
    /// An agent has read the chat up to `up_to` (a read watermark).
    Seen { at: DateTime<Utc>, agent: Agent, up_to: DateTime<Utc> },
    /// The session is closed (by `agent`, or by the system when `None`).
    End { at: DateTime<Utc>, agent: Option<Agent> },
    /// The contact rates the chat. `good` is the thumbs-up/down verdict; `stars` is 1..=5.
    Rating { at: DateTime<Utc>, good: bool, stars: u8, comment: Option<String> },
    /// The contact answers the post-chat survey.
    Survey { at: DateTime<Utc>, question: String, answer: String },
}

impl Step {
    /// When the step happens.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Step::ContactMessage { at, .. }
            | Step::AgentMessage { at, .. }
            | Step::InternalNote { at, .. }
            | Step::Transfer { at, .. }
            | Step::Seen { at, .. }
            | Step::End { at, .. }
            | Step::Rating { at, .. }
            | Step::Survey { at, .. } => *at,
        }
    }
}

/// Normalised agent status used by the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    Online,
    Away,
    Offline,
}

/// An agent changes availability.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    pub agent: Agent,
    pub from: AgentStatus,
    pub to: AgentStatus,
}
