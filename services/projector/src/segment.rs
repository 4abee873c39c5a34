//! How the runtime stores a group's events: **segments**, one per group and batch, each holding the events
//! that batch added to the group.
//!
//! A segment is a format byte and a body. The body is, per event, its encoded length (u32, little-endian)
//! and its single-object Avro bytes. Format 1 stores the body as is; format 2 (written now) stores it LZ4
//! compressed, with its uncompressed size in front (`lz4_flex::compress_prepend_size`): the events of one
//! chat repeat tenant, platform, chat, contact and lineage, so segments shrink severalfold and the store (the
//! bottleneck of a rebuild) writes that much less. Compressing runs on the deriving thread, which has time.

use chatstream_schema::{ChatEvent, Codec, EncodeError};
use std::borrow::Cow;

const PLAIN: u8 = 1;
const LZ4: u8 = 2;

/// Builds one segment.
#[derive(Debug, Default)]
pub(crate) struct SegmentBuilder {
    body: Vec<u8>,
}

impl SegmentBuilder {
    /// Appends one event.
    pub(crate) fn push(&mut self, codec: &Codec<ChatEvent>, event: &ChatEvent) -> Result<(), EncodeError> {
        let at = self.body.len();
        self.body.extend_from_slice(&[0; 4]);
        codec.encode_into(event, &mut self.body)?;
        let len = (self.body.len() - at - 4) as u32;
        self.body[at..at + 4].copy_from_slice(&len.to_le_bytes());
        Ok(())
    }

    /// The stored form.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = vec![LZ4];
        out.extend_from_slice(&lz4_flex::compress_prepend_size(&self.body));
        out
    }
}

/// The body of a stored segment (decompressed if it was compressed).
pub(crate) fn body(segment: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    match segment.split_first() {
        Some((&PLAIN, body)) => Ok(Cow::Borrowed(body)),
        Some((&LZ4, packed)) => {
            // LZ4 expands at most about 255 times: a larger announced size is damage, not a reason to allocate it.
            let size = packed.first_chunk::<4>().map_or(0, |s| u32::from_le_bytes(*s) as usize);
            if size > packed.len().saturating_mul(255) {
                return Err(format!("segment announces {size} bytes from {} compressed ones", packed.len()));
            }
            lz4_flex::decompress_size_prepended(packed)
                .map(Cow::Owned)
                .map_err(|e| format!("segment does not decompress: {e}"))
        }
        other => Err(format!("unknown segment format {:?}", other.map(|(f, _)| f))),
    }
}

/// The encoded events of a segment body.
pub(crate) fn events(mut body: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let Some((len, tail)) = body.split_first_chunk::<4>() else {
            return Err("segment ends inside a length".into());
        };
        let len = u32::from_le_bytes(*len) as usize;
        if tail.len() < len {
            return Err(format!("segment ends inside an event ({len} bytes announced, {} left)", tail.len()));
        }
        let (event, tail) = tail.split_at(len);
        out.push(event);
        body = tail;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EventBuilder;
    use chatstream_schema::Kind;

    fn decoded(codec: &Codec<ChatEvent>, segment: &[u8]) -> Result<Vec<ChatEvent>, String> {
        let body = body(segment)?;
        events(&body)?.into_iter().map(|bytes| codec.decode(bytes).map_err(|e| e.to_string())).collect()
    }

    #[test]
    fn segments_hold_their_events_compressed_and_reject_damage() {
        let codec = Codec::single_object();
        let b = EventBuilder::new("livechat", "C1");
        let events: Vec<ChatEvent> = (0..20).map(|i| b.at(Kind::Message, i)).collect();
        let mut builder = SegmentBuilder::default();
        for e in &events {
            builder.push(&codec, e).unwrap();
        }
        let plain_len = builder.body.len();
        let mut plain = vec![PLAIN];
        plain.extend_from_slice(&builder.body);
        let segment = builder.finish();
        assert!(segment.len() * 2 < plain_len, "one chat's events compress: {} of {plain_len} bytes", segment.len());
        assert_eq!(decoded(&codec, &segment).unwrap(), events);
        assert_eq!(decoded(&codec, &plain).unwrap(), events, "uncompressed segments are read too");

        let err = decoded(&codec, &plain[..plain.len() - 1]).unwrap_err();
        assert!(err.contains("ends inside an event"), "{err}");
        let err = decoded(&codec, &plain[..3]).unwrap_err();
        assert!(err.contains("ends inside a length"), "{err}");
        let err = decoded(&codec, &segment[..segment.len() / 2]).unwrap_err();
        assert!(err.contains("does not decompress") || err.contains("ends inside"), "{err}");
        let mut too_big = segment.clone();
        too_big[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = decoded(&codec, &too_big).unwrap_err();
        assert!(err.contains("announces"), "a damaged size prefix is an error, not a 4 GB allocation: {err}");
        let err = decoded(&codec, &[9, 0, 0]).unwrap_err();
        assert!(err.contains("unknown segment format"), "{err}");
        assert!(decoded(&codec, &[]).is_err());
    }
}
