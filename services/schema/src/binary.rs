//! Direct Avro binary encoding and decoding (the specification's "Binary Encoding") for the hot paths,
//! without building `apache_avro::types::Value` trees. Tests prove the bytes identical to apache-avro's.

/// Appends Avro binary values to a buffer.
pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    /// A `long` (zig-zag varint).
    pub fn long(&mut self, v: i64) {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            if z < 0x80 {
                self.0.push(z as u8);
                return;
            }
            self.0.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        }
    }
    /// An `int`.
    pub fn int(&mut self, v: i32) {
        self.long(i64::from(v));
    }
    /// A `boolean`.
    pub fn boolean(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }
    /// A `double` (8 bytes little-endian).
    pub fn double(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// `bytes`.
    pub fn bytes(&mut self, v: &[u8]) {
        self.long(v.len() as i64);
        self.0.extend_from_slice(v);
    }
    /// A `string`.
    pub fn string(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    /// A `["null", "string"]` union.
    pub fn opt_string(&mut self, v: Option<&str>) {
        match v {
            None => self.long(0),
            Some(s) => {
                self.long(1);
                self.string(s);
            }
        }
    }
}

/// Why bytes are not the expected Avro datum.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid Avro datum: {0}")]
pub struct ReadError(pub &'static str);

/// Reads Avro binary values from a byte slice.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }
    /// A `long`.
    pub fn long(&mut self) -> Result<i64, ReadError> {
        let mut z: u64 = 0;
        for shift in (0..70).step_by(7) {
            let (&b, rest) = self.buf.split_first().ok_or(ReadError("truncated varint"))?;
            self.buf = rest;
            if shift == 63 && b > 1 {
                return Err(ReadError("varint overflows 64 bits"));
            }
            z |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
            }
        }
        Err(ReadError("varint too long"))
    }
    /// An `int`.
    pub fn int(&mut self) -> Result<i32, ReadError> {
        i32::try_from(self.long()?).map_err(|_| ReadError("int out of range"))
    }
    /// A `double`.
    pub fn double(&mut self) -> Result<f64, ReadError> {
        if self.buf.len() < 8 {
            return Err(ReadError("truncated double"));
        }
        let (v, rest) = self.buf.split_at(8);
        self.buf = rest;
        Ok(f64::from_le_bytes(v.try_into().map_err(|_| ReadError("truncated double"))?))
    }
    /// A `["null", "int"]` union.
    pub fn opt_int(&mut self) -> Result<Option<i32>, ReadError> {
        match self.long()? {
            0 => Ok(None),
            1 => self.int().map(Some),
            _ => Err(ReadError("union branch out of range")),
        }
    }
    /// An `array<string>` (blocks; a negative count is followed by the block's byte size).
    pub fn string_array(&mut self) -> Result<Vec<String>, ReadError> {
        let mut out = Vec::new();
        self.blocks(|r| {
            out.push(r.string()?);
            Ok(())
        })?;
        Ok(out)
    }
    /// Reads the items of an array or map: blocks of `count` items until a zero count; a negative count is
    /// followed by the block's byte size.
    fn blocks(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), ReadError>) -> Result<(), ReadError> {
        loop {
            let mut count = self.long()?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                count = count.checked_neg().ok_or(ReadError("block count overflow"))?;
                self.long()?;
            }
            for _ in 0..count {
                item(self)?;
            }
        }
    }
    /// A `boolean`.
    pub fn boolean(&mut self) -> Result<bool, ReadError> {
        let (&b, rest) = self.buf.split_first().ok_or(ReadError("truncated boolean"))?;
        self.buf = rest;
        match b {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ReadError("boolean is neither 0 nor 1")),
        }
    }
    /// `bytes`, borrowed.
    pub fn bytes(&mut self) -> Result<&'a [u8], ReadError> {
        let len = usize::try_from(self.long()?).map_err(|_| ReadError("negative length"))?;
        if len > self.buf.len() {
            return Err(ReadError("length beyond the end of the datum"));
        }
        let (v, rest) = self.buf.split_at(len);
        self.buf = rest;
        Ok(v)
    }
    /// A `string`.
    pub fn string(&mut self) -> Result<String, ReadError> {
        std::str::from_utf8(self.bytes()?).map(str::to_string).map_err(|_| ReadError("string is not UTF-8"))
    }
    /// A `["null", "string"]` union.
    pub fn opt_string(&mut self) -> Result<Option<String>, ReadError> {
        match self.long()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(ReadError("union branch out of range")),
        }
    }
    /// A `map<string>` (blocks; a negative count is followed by the block's byte size).
    pub fn string_map(&mut self) -> Result<Vec<(String, String)>, ReadError> {
        let mut out = Vec::new();
        self.blocks(|r| {
            let k = r.string()?;
            out.push((k, r.string()?));
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs_round_trip_at_the_edges() {
        for v in [0i64, 1, -1, 63, -64, 64, 8191, -8192, i64::from(i32::MAX), i64::MIN, i64::MAX] {
            let mut buf = Vec::new();
            Writer(&mut buf).long(v);
            let mut r = Reader::new(&buf);
            assert_eq!(r.long().unwrap(), v);
            assert_eq!(r.remaining(), 0);
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Reader::new(&[0xff; 11]).long().is_err());
        assert!(Reader::new(&[0x08, b'a']).string().is_err());
        assert!(Reader::new(&[0x03]).bytes().is_err());
        assert!(Reader::new(&[2]).boolean().is_err());
    }
}
