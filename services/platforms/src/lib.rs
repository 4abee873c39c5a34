//! What chatstream knows about each vendor: how to authenticate a delivery on its raw bytes, which
//! event type it carries, and which routing key (chat, agent or account) it belongs to.
//!
//! The four vendors share one mechanism ([`routing::VendorSpec`]: an event-type discriminator plus a
//! table of documented event types and where their ids live); each vendor module only supplies data.

pub mod chatwoot;
pub mod freshchat;
pub mod json;
pub mod livechat;
pub mod normalize;
pub mod public_key;
pub mod routing;
pub mod sources;
pub mod userlike;
pub mod verify;

pub use routing::{classify, Classification, Scope};
pub use sources::{Auth, Source, SourceError, Sources, SourcesArgs};
pub use verify::{verify, RequestMeta, Verification, VerifyError};

use std::fmt;
use std::str::FromStr;

/// A live-chat vendor whose webhooks chatstream receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    LiveChat,
    Chatwoot,
    Freshchat,
    Userlike,
}

impl Platform {
    /// Every supported platform.
    pub const ALL: [Platform; 4] = [Platform::LiveChat, Platform::Chatwoot, Platform::Freshchat, Platform::Userlike];

    /// The lower-case name used in configuration, routing keys, topics headers and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::LiveChat => "livechat",
            Platform::Chatwoot => "chatwoot",
            Platform::Freshchat => "freshchat",
            Platform::Userlike => "userlike",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform name that chatstream does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown platform {0:?}: expected one of livechat, chatwoot, freshchat, userlike")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPlatform(s.to_string()))
    }
}
