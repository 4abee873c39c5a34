//! chatstream's Avro schemas (embedded from `schemas/*.avsc`), the typed records built on them, and the
//! two wire framings: Avro single-object encoding (default) and Confluent framing (with a registry).
//!
//! Values are single Avro datums, never container files. Decoders accept both framings.

pub mod binary;
pub mod chat_event;
pub mod codec;
pub mod embedded;
pub mod framing;
pub mod raw_webhook;
pub mod registry;
pub mod registry_stand_in;

pub use chat_event::{Body, ChatEvent, Kind, Lineage};
pub use codec::{AvroRecord, Codec, DecodeError, EncodeError};
pub use embedded::EmbeddedSchema;
pub use framing::{Frame, FrameError};
pub use raw_webhook::RawWebhook;
pub use registry::{RegistryClient, RegistryError};
