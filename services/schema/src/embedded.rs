//! Schemas compiled into the binary from the repository's `schemas/` directory.

use apache_avro::{rabin::Rabin, Schema};
use std::sync::LazyLock;

/// One `.avsc` file embedded in the binary, parsed once.
#[derive(Debug)]
pub struct EmbeddedSchema {
    /// Full Avro name, e.g. `io.chatstream.v1.RawWebhook`.
    pub full_name: &'static str,
    /// The schema text exactly as in `schemas/` (what is registered with a schema registry).
    pub json: &'static str,
    /// The parsed schema.
    pub schema: Schema,
    /// CRC-64-AVRO (Rabin) fingerprint of the parsing canonical form, little-endian as on the wire.
    pub fingerprint: [u8; 8],
}

impl EmbeddedSchema {
    fn load(full_name: &'static str, json: &'static str) -> Self {
        // The schema files are part of the build and covered by tests; failing here is a build defect.
        let schema =
            Schema::parse_str(json).unwrap_or_else(|e| panic!("embedded schema {full_name} does not parse: {e}"));
        let fingerprint = fingerprint_of(&schema);
        Self { full_name, json, schema, fingerprint }
    }
}

/// The CRC-64-AVRO fingerprint of a schema's parsing canonical form (8 bytes, little-endian).
pub fn fingerprint_of(schema: &Schema) -> [u8; 8] {
    let fp = schema.fingerprint::<Rabin>();
    let mut out = [0u8; 8];
    out.copy_from_slice(&fp.bytes[..8]);
    out
}

/// `RawWebhook`, the value of `chatstream.webhooks.raw`.
pub static RAW_WEBHOOK: LazyLock<EmbeddedSchema> = LazyLock::new(|| {
    EmbeddedSchema::load("io.chatstream.v1.RawWebhook", include_str!("../../../schemas/raw_webhook.avsc"))
});

/// Every embedded schema, for tooling and tests.
pub fn all() -> Vec<&'static EmbeddedSchema> {
    vec![&*RAW_WEBHOOK]
}
