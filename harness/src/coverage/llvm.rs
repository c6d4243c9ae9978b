//! LLVM raw profiles (`.profraw`, written by binaries built with Rust's
//! `-C instrument-coverage` or clang's `-fprofile-instr-generate`): the
//! counters only, enough to guide the fuzzer. Layout as LLVM's
//! `InstrProfData.inc` defines it for raw profile versions 8 to 10 (read at
//! LLVM 22; rustc 1.95 writes version 10); the reader is the harness's own.
//!
//! Function names are not read: they sit in the profile's names section,
//! usually zlib-compressed, and per-function reports for LLVM binaries are
//! not made (docs/coverage.md). A counter is identified by its function's
//! name hash (`NameRef`, the MD5 of its name: stable across processes and
//! shards), the function's structural hash and its index.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use super::bytes::{bad, Cursor, FormatError};
use super::map::{CounterId, Counts};

/// `\xfflprofr\x81` read as a little-endian u64 (64-bit profiles).
const MAGIC_64: u64 = 0xff6c_7072_6f66_7281;
/// Single-byte counters (`-enable-single-byte-coverage`): 0 means hit.
const BYTE_COVERAGE: u64 = 1 << 60;

/// Counters per function seen so far (for "hit / total").
fn functions() -> &'static Mutex<HashMap<(u64, u64), u32>> {
    static F: OnceLock<Mutex<HashMap<(u64, u64), u32>>> = OnceLock::new();
    F.get_or_init(Default::default)
}

pub fn known_counters() -> usize {
    functions()
        .lock()
        .map(|f| f.values().map(|n| *n as usize).sum())
        .unwrap_or(0)
}

/// One function's counters in a raw profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncCounts {
    pub name_hash: u64,
    pub func_hash: u64,
    pub counts: Vec<u64>,
}

pub fn parse(data: &[u8]) -> Result<Vec<FuncCounts>, FormatError> {
    let mut c = Cursor::new(data);
    if c.u64_le()? != MAGIC_64 {
        return Err(bad("not a 64-bit LLVM raw profile (magic)"));
    }
    let version_word = c.u64_le()?;
    let version = version_word & 0xffff_ffff;
    if !(8..=10).contains(&version) {
        return Err(bad(format!(
            "LLVM raw profile version {version} (reader knows 8-10)"
        )));
    }
    let byte_counters = version_word & BYTE_COVERAGE != 0;
    let binary_ids = c.u64_le()? as usize;
    let num_data = c.u64_le()? as usize;
    let pad_before_counters = c.u64_le()? as usize;
    let num_counters = c.u64_le()? as usize;
    let _pad_after_counters = c.u64_le()?;
    if version >= 9 {
        let _bitmap_bytes = c.u64_le()?;
        let _pad_after_bitmap = c.u64_le()?;
    }
    let _names_size = c.u64_le()?;
    let counters_delta = c.u64_le()?;
    if version >= 9 {
        let _bitmap_delta = c.u64_le()?;
    }
    let _names_delta = c.u64_le()?;
    if version >= 10 {
        let _vtables = c.u64_le()?;
        let _vnames = c.u64_le()?;
    }
    let _value_kind_last = c.u64_le()?;
    // A data record: name hash, function hash, counter, bitmap, function
    // and values pointers, counter count, value sites per kind (2 kinds
    // before version 10, 3 since), bitmap bytes; padded to 8 bytes.
    let data_size: usize = match version {
        8 => 8 * 5 + 4 + 2 * 2, // no bitmap fields yet
        9 => 8 * 6 + 4 + 2 * 2 + 4,
        _ => 8 * 6 + 4 + 2 * 3 + 4,
    };
    let data_size = (data_size + 7) & !7;
    let v8 = version == 8;
    c.skip(binary_ids)?;
    if num_data > c.remaining() / data_size {
        return Err(bad(format!("profile claims {num_data} functions")));
    }
    let records = Cursor::new(c.take(num_data * data_size)?);
    c.skip(pad_before_counters)?;
    let width = if byte_counters { 1 } else { 8 };
    let counters = c.take(
        num_counters
            .checked_mul(width)
            .ok_or_else(|| bad("counter section size"))?,
    )?;
    let mut out = Vec::with_capacity(num_data);
    let mut r = records;
    for i in 0..num_data {
        let name_hash = r.u64_le()?;
        let func_hash = r.u64_le()?;
        let counter_ptr = r.u64_le()?;
        let mut fields = Cursor::new(r.take(data_size - 24)?);
        // Version 8 records have no bitmap pointer.
        if !v8 {
            fields.skip(8)?; // bitmap pointer
        }
        fields.skip(16)?; // function and values pointers
        let n = fields.u32_le()? as usize;
        // CounterPtr is relative to the record itself: the counters start
        // CounterPtr - (CountersDelta - i * record size) bytes into the section.
        let base = counters_delta.wrapping_sub((i * data_size) as u64);
        let offset = counter_ptr.wrapping_sub(base) as usize;
        let bytes = offset
            .checked_add(n * width)
            .and_then(|end| counters.get(offset..end))
            .ok_or_else(|| bad("function counters outside the counter section"))?;
        let counts = bytes
            .chunks(width)
            .map(|b| {
                if byte_counters {
                    u64::from(b[0] == 0)
                } else {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    u64::from_le_bytes(a)
                }
            })
            .collect();
        out.push(FuncCounts {
            name_hash,
            func_hash,
            counts,
        });
    }
    Ok(out)
}

/// Add a raw profile's counters to `counts`.
pub fn read_into(path: &Path, counts: &mut Counts) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let funcs = parse(&data).map_err(|e| e.to_string())?;
    if let Ok(mut known) = functions().lock() {
        for f in &funcs {
            known.insert((f.name_hash, f.func_hash), f.counts.len() as u32);
        }
    }
    for f in funcs {
        for (unit, c) in f.counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let id = CounterId {
                binary: f.name_hash,
                package: u32::MAX, // marks an LLVM counter (no Go package)
                func: f.func_hash as u32,
                unit: unit as u32,
            };
            let e = counts.entry(id).or_insert(0);
            *e = e.saturating_add(u32::try_from(*c).unwrap_or(u32::MAX));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_files_are_errors() {
        assert!(parse(b"short").is_err());
        let mut v = MAGIC_64.to_le_bytes().to_vec();
        v.extend_from_slice(&99u64.to_le_bytes());
        assert!(parse(&v).is_err());
    }
}
