//! Wire framing of a single Avro datum.
//!
//! - Single-object encoding (Avro spec): `C3 01`, the 8-byte little-endian CRC-64-AVRO fingerprint of the
//!   writer schema, then the datum.
//! - Confluent framing: magic byte `00`, the 4-byte big-endian schema-registry id, then the datum.

/// Marker of Avro single-object encoding.
pub const SINGLE_OBJECT_MAGIC: [u8; 2] = [0xC3, 0x01];
/// Magic byte of Confluent framing.
pub const CONFLUENT_MAGIC: u8 = 0x00;

/// How the writer schema of a framed datum is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// Single-object encoding: the writer schema's fingerprint.
    SingleObject { fingerprint: [u8; 8], datum: &'a [u8] },
    /// Confluent framing: the writer schema's registry id.
    Confluent { schema_id: u32, datum: &'a [u8] },
}

/// A byte string that is neither single-object nor Confluent framed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("empty value: expected an Avro single-object (C3 01 …) or Confluent (00 …) framed datum")]
    Empty,
    #[error("value is {len} bytes, too short for its {framing} header of {need} bytes")]
    Truncated { framing: &'static str, len: usize, need: usize },
    #[error("value starts with byte 0x{first:02x}: not Avro single-object (C3 01) nor Confluent (00) framing; was it written by another producer?")]
    UnknownMagic { first: u8 },
}

impl<'a> Frame<'a> {
    /// Splits a framed value into its schema identity and the datum bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        match bytes {
            [] => Err(FrameError::Empty),
            [0xC3, 0x01, rest @ ..] => {
                if rest.len() < 8 {
                    return Err(FrameError::Truncated { framing: "single-object", len: bytes.len(), need: 10 });
                }
                let mut fingerprint = [0u8; 8];
                fingerprint.copy_from_slice(&rest[..8]);
                Ok(Frame::SingleObject { fingerprint, datum: &rest[8..] })
            }
            [CONFLUENT_MAGIC, rest @ ..] => {
                if rest.len() < 4 {
                    return Err(FrameError::Truncated { framing: "Confluent", len: bytes.len(), need: 5 });
                }
                let schema_id = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
                Ok(Frame::Confluent { schema_id, datum: &rest[4..] })
            }
            [first, ..] => Err(FrameError::UnknownMagic { first: *first }),
        }
    }

    /// Writes the frame header for single-object encoding.
    pub fn single_object_header(fingerprint: &[u8; 8], out: &mut Vec<u8>) {
        out.extend_from_slice(&SINGLE_OBJECT_MAGIC);
        out.extend_from_slice(fingerprint);
    }

    /// Writes the frame header for Confluent framing.
    pub fn confluent_header(schema_id: u32, out: &mut Vec<u8>) {
        out.push(CONFLUENT_MAGIC);
        out.extend_from_slice(&schema_id.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_object_header() {
        let mut v = Vec::new();
        Frame::single_object_header(&[1, 2, 3, 4, 5, 6, 7, 8], &mut v);
        v.push(42);
        assert_eq!(
            Frame::parse(&v).unwrap(),
            Frame::SingleObject { fingerprint: [1, 2, 3, 4, 5, 6, 7, 8], datum: &[42] }
        );
    }

    #[test]
    fn parses_confluent_header_big_endian() {
        let mut v = Vec::new();
        Frame::confluent_header(0x0102_0304, &mut v);
        v.push(7);
        assert_eq!(Frame::parse(&v).unwrap(), Frame::Confluent { schema_id: 0x0102_0304, datum: &[7] });
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        assert_eq!(Frame::parse(b""), Err(FrameError::Empty));
        assert_eq!(Frame::parse(b"{\"a\":1}"), Err(FrameError::UnknownMagic { first: b'{' }));
        assert!(matches!(Frame::parse(&[0xC3, 0x01, 1, 2]), Err(FrameError::Truncated { .. })));
        assert!(matches!(Frame::parse(&[0x00, 1]), Err(FrameError::Truncated { .. })));
    }
}
