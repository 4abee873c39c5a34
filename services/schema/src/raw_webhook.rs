//! `RawWebhook`: one delivery as received, the value of `chatstream.webhooks.raw`.

use crate::codec::{fields::Fields, AvroRecord, DecodeError};
use crate::embedded::{EmbeddedSchema, RAW_WEBHOOK};
use apache_avro::types::Value;
use std::collections::HashMap;

/// One webhook delivery as received by the ingress. See `schemas/raw_webhook.avsc` for field meanings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawWebhook {
    pub ingress_version: String,
    pub request_id: String,
    pub source_id: String,
    pub tenant: String,
    pub platform: String,
    pub event_type: Option<String>,
    pub event_type_documented: bool,
    pub routing_key: String,
    /// Microseconds since the Unix epoch, UTC.
    pub received_at_micros: i64,
    /// Selected request headers, lower-case names (sorted by name when decoded).
    pub headers: Vec<(String, String)>,
    pub verification: String,
    pub body_redacted: bool,
    pub body: Vec<u8>,
}

impl AvroRecord for RawWebhook {
    fn schema() -> &'static EmbeddedSchema {
        &RAW_WEBHOOK
    }

    fn to_avro(&self) -> Value {
        let event_type = match &self.event_type {
            Some(t) => Value::Union(1, Box::new(Value::String(t.clone()))),
            None => Value::Union(0, Box::new(Value::Null)),
        };
        let headers: HashMap<String, Value> =
            self.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        Value::Record(vec![
            ("ingress_version".into(), Value::String(self.ingress_version.clone())),
            ("request_id".into(), Value::String(self.request_id.clone())),
            ("source_id".into(), Value::String(self.source_id.clone())),
            ("tenant".into(), Value::String(self.tenant.clone())),
            ("platform".into(), Value::String(self.platform.clone())),
            ("event_type".into(), event_type),
            ("event_type_documented".into(), Value::Boolean(self.event_type_documented)),
            ("routing_key".into(), Value::String(self.routing_key.clone())),
            ("received_at".into(), Value::TimestampMicros(self.received_at_micros)),
            ("headers".into(), Value::Map(headers)),
            ("verification".into(), Value::String(self.verification.clone())),
            ("body_redacted".into(), Value::Boolean(self.body_redacted)),
            ("body".into(), Value::Bytes(self.body.clone())),
        ])
    }

    fn write_datum(&self, out: &mut Vec<u8>) -> bool {
        let mut w = crate::binary::Writer(out);
        w.string(&self.ingress_version);
        w.string(&self.request_id);
        w.string(&self.source_id);
        w.string(&self.tenant);
        w.string(&self.platform);
        w.opt_string(self.event_type.as_deref());
        w.boolean(self.event_type_documented);
        w.string(&self.routing_key);
        w.long(self.received_at_micros);
        if !self.headers.is_empty() {
            w.long(self.headers.len() as i64);
            for (k, v) in &self.headers {
                w.string(k);
                w.string(v);
            }
        }
        w.long(0);
        w.string(&self.verification);
        w.boolean(self.body_redacted);
        w.bytes(&self.body);
        true
    }

    fn read_datum(datum: &[u8]) -> Option<Result<Self, DecodeError>> {
        let read = || -> Result<Self, crate::binary::ReadError> {
            let mut r = crate::binary::Reader::new(datum);
            let record = RawWebhook {
                ingress_version: r.string()?,
                request_id: r.string()?,
                source_id: r.string()?,
                tenant: r.string()?,
                platform: r.string()?,
                event_type: r.opt_string()?,
                event_type_documented: r.boolean()?,
                routing_key: r.string()?,
                received_at_micros: r.long()?,
                headers: {
                    let mut h = r.string_map()?;
                    h.sort();
                    h
                },
                verification: r.string()?,
                body_redacted: r.boolean()?,
                body: r.bytes()?.to_vec(),
            };
            if r.remaining() != 0 {
                return Err(crate::binary::ReadError("trailing bytes after the datum"));
            }
            Ok(record)
        };
        Some(read().map_err(|e| DecodeError::Avro { record: RAW_WEBHOOK.full_name, detail: e.to_string() }))
    }

    fn from_avro(value: Value, _writer: &apache_avro::Schema) -> Result<Self, DecodeError> {
        let mut f = Fields::of(RAW_WEBHOOK.full_name, value)?;
        Ok(Self {
            ingress_version: f.string("ingress_version")?,
            request_id: f.string("request_id")?,
            source_id: f.string("source_id")?,
            tenant: f.string("tenant")?,
            platform: f.string("platform")?,
            event_type: f.opt_string("event_type")?,
            event_type_documented: f.boolean("event_type_documented")?,
            routing_key: f.string("routing_key")?,
            received_at_micros: f.micros("received_at")?,
            headers: f.string_map("headers")?,
            verification: f.string("verification")?,
            body_redacted: f.boolean("body_redacted")?,
            body: f.bytes("body")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Codec;
    use proptest::prelude::*;

    pub(crate) fn sample() -> RawWebhook {
        RawWebhook {
            ingress_version: "0.1.0".into(),
            request_id: "0b0c6a52-2f7e-4d3e-9b6e-1f2a3b4c5d6e".into(),
            source_id: "acme-chatwoot".into(),
            tenant: "acme".into(),
            platform: "chatwoot".into(),
            event_type: Some("message_created".into()),
            event_type_documented: true,
            routing_key: "acme/chatwoot/chat/42".into(),
            received_at_micros: 1_763_700_000_123_456,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-chatwoot-delivery".into(), "6a1f".into()),
            ],
            verification: "chatwoot_hmac".into(),
            body_redacted: false,
            body: br#"{"event":"message_created","id":1}"#.to_vec(),
        }
    }

    #[test]
    fn round_trips_single_object() {
        let codec = Codec::<RawWebhook>::single_object();
        let bytes = codec.encode(&sample()).unwrap();
        assert_eq!(&bytes[..2], &[0xC3, 0x01]);
        assert_eq!(&bytes[2..10], &RAW_WEBHOOK.fingerprint);
        assert_eq!(codec.decode(&bytes).unwrap(), sample());
    }

    #[test]
    fn round_trips_confluent_and_any_codec_reads_both() {
        let confluent = Codec::<RawWebhook>::confluent(17);
        let bytes = confluent.encode(&sample()).unwrap();
        assert_eq!(&bytes[..5], &[0, 0, 0, 0, 17]);
        assert_eq!(confluent.decode(&bytes).unwrap(), sample());
        // A Confluent-configured reader also reads single-object data written before the registry existed.
        let single = Codec::<RawWebhook>::single_object().encode(&sample()).unwrap();
        assert_eq!(confluent.decode(&single).unwrap(), sample());
    }

    #[test]
    fn unknown_registry_id_is_a_clear_error() {
        let mut bytes = vec![0, 0, 0, 0, 99];
        bytes.extend_from_slice(&[0; 4]);
        let err = Codec::<RawWebhook>::single_object().decode(&bytes).unwrap_err();
        assert!(err.to_string().contains("schema id 99"), "{err}");
    }

    #[test]
    fn unknown_fingerprint_is_a_clear_error() {
        let mut bytes = Codec::<RawWebhook>::single_object().encode(&sample()).unwrap();
        bytes[2] ^= 0xFF;
        let err = Codec::<RawWebhook>::single_object().decode(&bytes).unwrap_err();
        assert!(matches!(err, DecodeError::UnknownFingerprint(..)), "{err}");
    }

    #[test]
    fn truncated_datum_is_an_error_not_a_panic() {
        let bytes = Codec::<RawWebhook>::single_object().encode(&sample()).unwrap();
        for cut in 0..bytes.len() {
            assert!(Codec::<RawWebhook>::single_object().decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    proptest! {
        #[test]
        fn direct_and_generic_paths_agree(
            body in proptest::collection::vec(any::<u8>(), 0..256),
            headers in proptest::collection::btree_map("[a-z-]{1,12}", ".{0,20}", 0..5),
            event_type in proptest::option::of("[a-z_.]{0,24}"),
        ) {
            use apache_avro::writer::datum::GenericDatumWriter;
            let record = RawWebhook { body, headers: headers.into_iter().collect(), event_type, ..sample() };
            let mut direct = Vec::new();
            prop_assert!(record.write_datum(&mut direct));
            // The generic reader reads the direct bytes, and the direct reader reads the generic bytes.
            let generic = GenericDatumWriter::builder(&RAW_WEBHOOK.schema).build().unwrap().write_value_to_vec(record.to_avro()).unwrap();
            let value = apache_avro::reader::datum::GenericDatumReader::builder(&RAW_WEBHOOK.schema).build().unwrap().read_value(&mut &direct[..]).unwrap();
            prop_assert_eq!(RawWebhook::from_avro(value, &RAW_WEBHOOK.schema).unwrap(), record.clone());
            prop_assert_eq!(RawWebhook::read_datum(&generic).unwrap().unwrap(), record);
        }

        #[test]
        fn round_trips_arbitrary_records(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            event_type in proptest::option::of("[a-z_.]{0,24}"),
            micros in any::<i64>(),
            headers in proptest::collection::btree_map("[a-z-]{1,12}", ".{0,20}", 0..5),
            redacted in any::<bool>(),
        ) {
            let record = RawWebhook {
                event_type,
                received_at_micros: micros,
                headers: headers.into_iter().collect(),
                body_redacted: redacted,
                body,
                ..sample()
            };
            let codec = Codec::<RawWebhook>::single_object();
            prop_assert_eq!(codec.decode(&codec.encode(&record).unwrap()).unwrap(), record);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Codec::<RawWebhook>::single_object().decode(&bytes);
        }
    }
}
