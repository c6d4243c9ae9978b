//! A bounds-checked cursor over a coverage file: every read of a length,
//! offset or count taken from the file is checked, so a truncated or
//! foreign file is an error, never a panic.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

pub fn bad(what: impl Into<String>) -> FormatError {
    FormatError(what.into())
}

pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Cursor<'a> {
        Cursor { data, pos: 0 }
    }

    pub fn at(data: &'a [u8], pos: usize) -> Result<Cursor<'a>, FormatError> {
        if pos > data.len() {
            return Err(bad(format!(
                "offset {pos} past the end ({} bytes)",
                data.len()
            )));
        }
        Ok(Cursor { data, pos })
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| {
                bad(format!(
                    "{n} bytes wanted at offset {}: file too short",
                    self.pos
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), FormatError> {
        self.take(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    pub fn u32_le(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u32_be(&mut self) -> Result<u32, FormatError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64_le(&mut self) -> Result<u64, FormatError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Unsigned LEB128: seven bits per byte, low first, high bit = more.
    pub fn uleb(&mut self) -> Result<u64, FormatError> {
        let mut value: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift >= 64 {
                return Err(bad("LEB128 number longer than 64 bits"));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    pub fn uleb_u32(&mut self) -> Result<u32, FormatError> {
        u32::try_from(self.uleb()?).map_err(|_| bad("LEB128 number over 32 bits"))
    }

    /// Go's string table: a count, then each string as length and bytes.
    pub fn string_table(&mut self) -> Result<Vec<String>, FormatError> {
        let n = self.uleb()?;
        // Each entry takes at least one byte: a count past that is garbage.
        if n > self.remaining() as u64 {
            return Err(bad(format!("string table claims {n} entries")));
        }
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let len = usize::try_from(self.uleb()?).map_err(|_| bad("string length"))?;
            out.push(String::from_utf8_lossy(self.take(len)?).into_owned());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_reads_multi_byte_numbers_and_refuses_truncation() {
        let mut c = Cursor::new(&[0xe5, 0x8e, 0x26, 0x7f]);
        assert_eq!(c.uleb().unwrap(), 624_485);
        assert_eq!(c.uleb().unwrap(), 127);
        assert!(Cursor::new(&[0x80]).uleb().is_err());
        assert!(Cursor::new(&[1, 2]).u32_le().is_err());
    }

    #[test]
    fn string_tables_read_back() {
        let mut c = Cursor::new(&[2, 1, b'a', 3, b'x', b'y', b'z']);
        assert_eq!(c.string_table().unwrap(), vec!["a", "xyz"]);
        assert!(Cursor::new(&[200, 1]).string_table().is_err());
    }
}
