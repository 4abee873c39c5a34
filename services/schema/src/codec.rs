//! Encoding and decoding of typed records with either framing.

use crate::embedded::{fingerprint_of, EmbeddedSchema};
use crate::framing::{Frame, FrameError};
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::Schema;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::RwLock;

/// A record type with an embedded Avro schema.
pub trait AvroRecord: Sized {
    /// The current (writer) schema.
    fn schema() -> &'static EmbeddedSchema;
    /// Earlier versions of the schema whose data this version must still read (BACKWARD compatibility).
    fn history() -> &'static [&'static str] {
        &[]
    }
    /// The record as an Avro value of [`AvroRecord::schema`].
    fn to_avro(&self) -> Value;
    /// Writes the datum of the current schema straight to bytes (hot path); false when not implemented.
    fn write_datum(&self, _out: &mut Vec<u8>) -> bool {
        false
    }
    /// Reads a datum written with the current schema straight from bytes (hot path); None when not
    /// implemented.
    fn read_datum(_datum: &[u8]) -> Option<Result<Self, DecodeError>> {
        None
    }
    /// The record from a value read with `writer`, the schema it was written with (the current one or an
    /// earlier version). Fields an earlier version lacks take their defaults; union branches are matched
    /// by record name, never by position.
    fn from_avro(value: Value, writer: &Schema) -> Result<Self, DecodeError>;
}

/// Why a record could not be encoded.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode {record} as Avro: {detail}")]
pub struct EncodeError {
    pub record: &'static str,
    pub detail: String,
}

/// Why bytes could not be decoded into a record.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("writer schema fingerprint {0} is not a known version of {1}: produced by a newer chatstream? upgrade the reader")]
    UnknownFingerprint(String, &'static str),
    #[error(
        "Confluent schema id {0} is unknown to this process: configure the schema registry URL so it can be fetched"
    )]
    UnknownSchemaId(u32),
    #[error("invalid Avro datum for {record}: {detail}")]
    Avro { record: &'static str, detail: String },
    #[error("Avro value does not match {record}: {detail}")]
    Shape { record: &'static str, detail: String },
}

/// Encodes `T` in the configured framing and decodes `T` from either framing.
///
/// Writer schema and schema resolution are prepared once per writer schema, not per record.
pub struct Codec<T: AvroRecord> {
    writer: GenericDatumWriter<'static>,
    header: Vec<u8>,
    by_fingerprint: HashMap<[u8; 8], (&'static Schema, GenericDatumReader<'static>)>,
    by_registry_id: RwLock<HashMap<u32, (&'static Schema, &'static GenericDatumReader<'static>)>>,
    _record: PhantomData<fn() -> T>,
}

impl<T: AvroRecord> std::fmt::Debug for Codec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").field("record", &T::schema().full_name).finish()
    }
}

/// A reader of data written with `writer`, without apache-avro's schema resolution: that matches union
/// branches structurally (a record of one name can land in another record whose fields all have
/// defaults), so `AvroRecord::from_avro` resolves fields and branches by name instead.
fn reader_for(writer: &'static Schema) -> GenericDatumReader<'static> {
    GenericDatumReader::builder(writer).build().unwrap_or_else(|e| panic!("reader setup failed: {e}"))
}

impl<T: AvroRecord> Codec<T> {
    /// A codec writing Avro single-object encoding.
    pub fn single_object() -> Self {
        let embedded = T::schema();
        let mut header = Vec::with_capacity(10);
        Frame::single_object_header(&embedded.fingerprint, &mut header);
        Self::with_header(header)
    }

    /// A codec writing Confluent framing with the given registry id of the current schema.
    pub fn confluent(schema_id: u32) -> Self {
        let mut header = Vec::with_capacity(5);
        Frame::confluent_header(schema_id, &mut header);
        let codec = Self::with_header(header);
        codec.learn_schema_id(schema_id, &T::schema().schema);
        codec
    }

    fn with_header(header: Vec<u8>) -> Self {
        let embedded = T::schema();
        let current: &'static Schema = &embedded.schema;
        let writer = GenericDatumWriter::builder(current)
            .validate(cfg!(debug_assertions))
            .build()
            .unwrap_or_else(|e| panic!("writer setup for {} failed: {e}", embedded.full_name));
        let mut by_fingerprint = HashMap::new();
        by_fingerprint.insert(embedded.fingerprint, (current, reader_for(current)));
        for old in T::history() {
            let old: &'static Schema = Box::leak(Box::new(
                Schema::parse_str(old).unwrap_or_else(|e| panic!("historic schema does not parse: {e}")),
            ));
            by_fingerprint.insert(fingerprint_of(old), (old, reader_for(old)));
        }
        Self { writer, header, by_fingerprint, by_registry_id: RwLock::new(HashMap::new()), _record: PhantomData }
    }

    /// Teaches the decoder which writer schema a Confluent schema id stands for.
    pub fn learn_schema_id(&self, schema_id: u32, writer: &Schema) {
        let schema: &'static Schema = if fingerprint_of(writer) == T::schema().fingerprint {
            &T::schema().schema
        } else {
            Box::leak(Box::new(writer.clone()))
        };
        let reader: &'static GenericDatumReader<'static> = Box::leak(Box::new(reader_for(schema)));
        self.by_registry_id.write().unwrap_or_else(|p| p.into_inner()).insert(schema_id, (schema, reader));
    }

    /// Whether the decoder knows the writer schema of a Confluent schema id.
    pub fn knows_schema_id(&self, schema_id: u32) -> bool {
        self.by_registry_id.read().unwrap_or_else(|p| p.into_inner()).contains_key(&schema_id)
    }

    /// Fetches from `registry` the writer schemas of Confluent-framed `payloads` this decoder does not know
    /// yet. Ids that cannot be fetched stay unknown: their records fail to decode and are dead-lettered.
    pub async fn learn_from_registry<'a>(
        &self,
        registry: &crate::RegistryClient,
        payloads: impl Iterator<Item = &'a [u8]>,
    ) {
        let mut ids: Vec<u32> = payloads
            .filter_map(|p| match crate::Frame::parse(p) {
                Ok(crate::Frame::Confluent { schema_id, .. }) if !self.knows_schema_id(schema_id) => Some(schema_id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            match registry.schema_by_id(id).await.map(|text| Schema::parse_str(&text)) {
                Ok(Ok(schema)) => self.learn_schema_id(id, &schema),
                Ok(Err(e)) => tracing::warn!(id, error = %e, "registry schema does not parse"),
                Err(e) => tracing::warn!(id, error = %e, "cannot fetch a writer schema; its records are dead-lettered"),
            }
        }
    }

    /// Encodes one record, framed.
    pub fn encode(&self, record: &T) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(256);
        self.encode_into(record, &mut out)?;
        Ok(out)
    }

    /// Encodes one record, framed, appending to `out`.
    pub fn encode_into(&self, record: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.extend_from_slice(&self.header);
        if record.write_datum(out) {
            return Ok(());
        }
        self.writer
            .write_value(out, record.to_avro())
            .map(|_| ())
            .map_err(|e| EncodeError { record: T::schema().full_name, detail: e.to_string() })
    }

    /// Decodes one framed record (single-object or Confluent).
    pub fn decode(&self, bytes: &[u8]) -> Result<T, DecodeError> {
        let record = T::schema().full_name;
        let frame = Frame::parse(bytes)?;
        // Hot path: written with this version's schema, read straight from the bytes.
        if let Frame::SingleObject { fingerprint, datum } = &frame {
            if *fingerprint == T::schema().fingerprint {
                if let Some(Ok(decoded)) = T::read_datum(datum) {
                    return Ok(decoded);
                }
            }
        }
        let (writer, reader, mut datum) = match frame {
            Frame::SingleObject { fingerprint, datum } => {
                let (writer, reader) = self
                    .by_fingerprint
                    .get(&fingerprint)
                    .ok_or_else(|| DecodeError::UnknownFingerprint(hex(&fingerprint), record))?;
                (*writer, reader, datum)
            }
            Frame::Confluent { schema_id, datum } => {
                let (writer, reader) = *self
                    .by_registry_id
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&schema_id)
                    .ok_or(DecodeError::UnknownSchemaId(schema_id))?;
                (writer, reader, datum)
            }
        };
        let value = reader.read_value(&mut datum).map_err(|e| DecodeError::Avro { record, detail: e.to_string() })?;
        if !datum.is_empty() {
            return Err(DecodeError::Avro {
                record,
                detail: format!("{} trailing bytes after the datum", datum.len()),
            });
        }
        T::from_avro(value, writer)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Helpers to read fields out of a decoded record value.
pub mod fields {
    use super::DecodeError;
    use apache_avro::types::Value;
    use std::collections::HashMap;

    /// A decoded record's fields by name.
    pub struct Fields {
        record: &'static str,
        map: HashMap<String, Value>,
    }

    impl Fields {
        /// Takes the fields of a record value.
        pub fn of(record: &'static str, value: Value) -> Result<Self, DecodeError> {
            match value {
                Value::Record(fields) => Ok(Self { record, map: fields.into_iter().collect() }),
                other => Err(DecodeError::Shape { record, detail: format!("expected a record, got {other:?}") }),
            }
        }

        /// A field's raw value (nested records, unions).
        pub fn take_value(&mut self, name: &str) -> Result<Value, DecodeError> {
            self.take(name)
        }

        fn take(&mut self, name: &str) -> Result<Value, DecodeError> {
            self.map
                .remove(name)
                .ok_or_else(|| DecodeError::Shape { record: self.record, detail: format!("missing field {name}") })
        }

        fn wrong(&self, name: &str, want: &str, got: &Value) -> DecodeError {
            DecodeError::Shape { record: self.record, detail: format!("field {name}: expected {want}, got {got:?}") }
        }

        /// A string field.
        pub fn string(&mut self, name: &str) -> Result<String, DecodeError> {
            match self.take(name)? {
                Value::String(s) | Value::Enum(_, s) => Ok(s),
                other => Err(self.wrong(name, "string", &other)),
            }
        }

        /// An optional (`["null", "string"]`) string field; absent (written by an earlier version) is None.
        pub fn opt_string(&mut self, name: &str) -> Result<Option<String>, DecodeError> {
            let Some(value) = self.map.remove(name) else { return Ok(None) };
            match value {
                Value::Union(_, inner) => match *inner {
                    Value::Null => Ok(None),
                    Value::String(s) => Ok(Some(s)),
                    other => Err(self.wrong(name, "null or string", &other)),
                },
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s)),
                other => Err(self.wrong(name, "null or string", &other)),
            }
        }

        /// A boolean field.
        pub fn boolean(&mut self, name: &str) -> Result<bool, DecodeError> {
            match self.take(name)? {
                Value::Boolean(b) => Ok(b),
                other => Err(self.wrong(name, "boolean", &other)),
            }
        }

        /// A `timestamp-micros` (or plain long) field.
        pub fn micros(&mut self, name: &str) -> Result<i64, DecodeError> {
            match self.take(name)? {
                Value::TimestampMicros(v) | Value::Long(v) => Ok(v),
                other => Err(self.wrong(name, "timestamp-micros", &other)),
            }
        }

        /// An int field.
        pub fn int(&mut self, name: &str) -> Result<i32, DecodeError> {
            match self.take(name)? {
                Value::Int(v) => Ok(v),
                other => Err(self.wrong(name, "int", &other)),
            }
        }

        /// A long field.
        pub fn long(&mut self, name: &str) -> Result<i64, DecodeError> {
            match self.take(name)? {
                Value::Long(v) => Ok(v),
                other => Err(self.wrong(name, "long", &other)),
            }
        }

        /// A double field.
        pub fn double(&mut self, name: &str) -> Result<f64, DecodeError> {
            match self.take(name)? {
                Value::Double(v) => Ok(v),
                other => Err(self.wrong(name, "double", &other)),
            }
        }

        /// An optional (`["null", "int"]`) int field; absent (written by an earlier version) is None.
        pub fn opt_int(&mut self, name: &str) -> Result<Option<i32>, DecodeError> {
            let Some(value) = self.map.remove(name) else { return Ok(None) };
            match value {
                Value::Union(_, inner) => match *inner {
                    Value::Null => Ok(None),
                    Value::Int(v) => Ok(Some(v)),
                    other => Err(self.wrong(name, "null or int", &other)),
                },
                other => Err(self.wrong(name, "null or int", &other)),
            }
        }

        /// An array-of-strings field.
        pub fn string_array(&mut self, name: &str) -> Result<Vec<String>, DecodeError> {
            match self.take(name)? {
                Value::Array(items) => items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        other => Err(self.wrong(name, "array of strings", &other)),
                    })
                    .collect(),
                other => Err(self.wrong(name, "array", &other)),
            }
        }

        /// A bytes field.
        pub fn bytes(&mut self, name: &str) -> Result<Vec<u8>, DecodeError> {
            match self.take(name)? {
                Value::Bytes(b) => Ok(b),
                other => Err(self.wrong(name, "bytes", &other)),
            }
        }

        /// A `map<string>` field.
        pub fn string_map(&mut self, name: &str) -> Result<Vec<(String, String)>, DecodeError> {
            match self.take(name)? {
                Value::Map(m) => {
                    let mut out = Vec::with_capacity(m.len());
                    for (k, v) in m {
                        match v {
                            Value::String(s) => out.push((k, s)),
                            other => return Err(self.wrong(name, "map of strings", &other)),
                        }
                    }
                    out.sort();
                    Ok(out)
                }
                other => Err(self.wrong(name, "map", &other)),
            }
        }
    }
}
