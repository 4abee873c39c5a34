//! Schemas compiled into the binary from the repository's `schemas/` directory.

use apache_avro::Schema;
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

/// The spec's Parsing Canonical Form of a schema.
///
/// apache-avro 0.22 renders a primitive that carried a logical type as `{"type":"long"}`; the spec's
/// [PRIMITIVES] rule (and Java's `SchemaNormalization`, and fastavro) write `"long"`. Left alone, the
/// fingerprint would differ from every other Avro implementation's, so the form is corrected here.
pub fn parsing_canonical_form(schema: &Schema) -> String {
    const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];
    let mut pcf = schema.canonical_form();
    for p in PRIMITIVES {
        pcf = pcf.replace(&format!("{{\"type\":\"{p}\"}}"), &format!("\"{p}\""));
    }
    pcf
}

/// The CRC-64-AVRO (Rabin) fingerprint of the schema's parsing canonical form, as the 8 little-endian
/// bytes that follow `C3 01` in single-object encoding.
pub fn fingerprint_of(schema: &Schema) -> [u8; 8] {
    crc64_avro(parsing_canonical_form(schema).as_bytes()).to_le_bytes()
}

/// CRC-64-AVRO as specified in the Avro specification ("Schema Fingerprints").
fn crc64_avro(bytes: &[u8]) -> u64 {
    const EMPTY: u64 = 0xc15d_213a_a4d7_a795;
    static TABLE: LazyLock<[u64; 256]> = LazyLock::new(|| {
        let mut table = [0u64; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut fp = i as u64;
            for _ in 0..8 {
                fp = (fp >> 1) ^ (EMPTY & (fp & 1).wrapping_neg());
            }
            *slot = fp;
        }
        table
    });
    bytes.iter().fold(EMPTY, |fp, b| (fp >> 8) ^ TABLE[((fp ^ u64::from(*b)) & 0xff) as usize])
}

/// `RawWebhook`, the value of `chatstream.webhooks.raw`.
pub static RAW_WEBHOOK: LazyLock<EmbeddedSchema> = LazyLock::new(|| {
    EmbeddedSchema::load("io.chatstream.v1.RawWebhook", include_str!("../../../schemas/raw_webhook.avsc"))
});

/// `ChatEvent`, the value of `chatstream.events`.
pub static CHAT_EVENT: LazyLock<EmbeddedSchema> = LazyLock::new(|| {
    EmbeddedSchema::load("io.chatstream.v1.ChatEvent", include_str!("../../../schemas/chat_event.avsc"))
});

/// Every embedded schema, for tooling and tests.
pub fn all() -> Vec<&'static EmbeddedSchema> {
    vec![&*RAW_WEBHOOK, &*CHAT_EVENT]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_writes_logical_primitives_as_plain_names() {
        let schema = Schema::parse_str(
            r#"{"type":"record","name":"R","namespace":"n","doc":"d","fields":[{"name":"t","type":{"type":"long","logicalType":"timestamp-micros"},"doc":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(
            parsing_canonical_form(&schema),
            r#"{"name":"n.R","type":"record","fields":[{"name":"t","type":"long"}]}"#
        );
    }

    #[test]
    fn crc64_avro_matches_the_spec_for_primitive_schemas() {
        // Fingerprints of primitive schemas as listed by the Java implementation's test data
        // (SchemaNormalization.parsingFingerprint64 of "int" and "string").
        assert_eq!(crc64_avro(b"\"int\"") as i64, 8247732601305521295);
        assert_eq!(crc64_avro(b"\"string\"") as i64, -8142146995180207161);
    }
}
