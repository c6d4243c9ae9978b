//! LLVM raw profiles (`.profraw`, written by binaries built with Rust's
//! `-C instrument-coverage` or clang's `-fprofile-instr-generate`): every
//! function's counters, and the function names of the profile's names
//! section. Layout as LLVM's `InstrProfData.inc` defines it for raw profile
//! versions 8 to 10 (read at LLVM 22; rustc 1.95 writes version 10); the
//! reader is the harness's own.
//!
//! A counter is identified by its function's name hash (`NameRef`: the
//! first eight bytes, little-endian, of the MD5 of the function's name:
//! stable across processes and shards), the function's structural hash,
//! its index, and the binary (a hash of its functions, so that a function
//! two instrumented binaries share is counted per binary). Source regions
//! (in the binary's coverage map, not the profile) are not read: a function
//! is reported by name, its counters weighing one each.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use super::bytes::{bad, Cursor, FormatError};
use super::map::{CounterId, Counts};

/// `\xfflprofr\x81` read as a little-endian u64 (64-bit profiles).
const MAGIC_64: u64 = 0xff6c_7072_6f66_7281;
/// Single-byte counters (`-enable-single-byte-coverage`): 0 means hit.
const BYTE_COVERAGE: u64 = 1 << 60;
/// `CounterId::package` of an LLVM counter: this bit plus the binary's key
/// (Go package indices stay far below it).
pub const LLVM_PACKAGE: u32 = 0x8000_0000;
/// What a compressed names chunk may claim to inflate to.
const MAX_NAMES: usize = 64 << 20;
/// The separator of names within a chunk (LLVM's `INSTR_PROF_NAME_SEP`...
/// `getInstrProfNameSeparator`).
const NAME_SEP: u8 = 0x01;

/// One function of an instrumented binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name_hash: u64,
    pub func_hash: u64,
    pub counters: u32,
    /// The name as the names section spells it (a mangled symbol, perhaps
    /// prefixed by `file;` for a local one), if the section named it.
    pub raw_name: Option<String>,
}

impl Function {
    /// The demangled name (Rust legacy and v0 manglings, without the hash
    /// suffix), else the raw name, else the name hash.
    pub fn display_name(&self) -> String {
        match &self.raw_name {
            Some(raw) => demangle(raw),
            None => format!("<function {:016x}>", self.name_hash),
        }
    }
}

/// Every function of one instrumented binary, as its profiles describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// `CounterId::package` of its counters.
    pub package: u32,
    pub functions: Vec<Function>,
    /// Position in `functions` by (name hash, low half of the structural
    /// hash), as counter ids carry them.
    index: HashMap<(u64, u32), usize>,
}

impl Binary {
    pub fn new(package: u32, functions: Vec<Function>) -> Binary {
        let index = functions
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.name_hash, f.func_hash as u32), i))
            .collect();
        Binary {
            package,
            functions,
            index,
        }
    }

    /// The function a counter id names.
    pub fn function(&self, name_hash: u64, func: u32) -> Option<&Function> {
        self.functions.get(*self.index.get(&(name_hash, func))?)
    }

    pub fn counters(&self) -> usize {
        self.functions.iter().map(|f| f.counters as usize).sum()
    }

    /// The binary's own crate: that of its `main` (`crate::main`), if one.
    pub fn main_crate(&self) -> Option<String> {
        self.functions.iter().find_map(|f| {
            let name = f.display_name();
            let (krate, rest) = name.split_once("::")?;
            (rest == "main").then(|| krate.to_string())
        })
    }

    pub fn counter_id(&self, f: &Function, unit: u32) -> CounterId {
        CounterId {
            binary: f.name_hash,
            package: self.package,
            func: f.func_hash as u32,
            unit,
        }
    }
}

/// Every instrumented binary seen so far, by `package` key.
fn binaries() -> &'static Mutex<HashMap<u32, Arc<Binary>>> {
    static B: OnceLock<Mutex<HashMap<u32, Arc<Binary>>>> = OnceLock::new();
    B.get_or_init(Default::default)
}

pub fn known_binaries() -> Vec<Arc<Binary>> {
    let mut v: Vec<Arc<Binary>> = binaries()
        .lock()
        .map(|b| b.values().cloned().collect())
        .unwrap_or_default();
    v.sort_by_key(|b| b.package);
    v
}

pub fn known_counters() -> usize {
    known_binaries().iter().map(|b| b.counters()).sum()
}

/// One function's counters in a raw profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncCounts {
    pub name_hash: u64,
    pub func_hash: u64,
    pub counts: Vec<u64>,
}

/// A raw profile: its functions' counters and its names section (raw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile<'a> {
    pub version: u64,
    pub funcs: Vec<FuncCounts>,
    pub names: &'a [u8],
}

impl Profile<'_> {
    /// The binary's key: a hash of its functions (the same for every
    /// profile the binary writes), with [`LLVM_PACKAGE`] set.
    pub fn binary_key(&self) -> u32 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for f in &self.funcs {
            for b in f
                .name_hash
                .to_le_bytes()
                .iter()
                .chain(&f.func_hash.to_le_bytes())
            {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        ((h ^ (h >> 32)) as u32) | LLVM_PACKAGE
    }
}

/// A raw profile's counters (names left undecoded).
pub fn parse(data: &[u8]) -> Result<Vec<FuncCounts>, FormatError> {
    parse_profile(data).map(|p| p.funcs)
}

pub fn parse_profile(data: &[u8]) -> Result<Profile<'_>, FormatError> {
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
    let pad_after_counters = c.u64_le()? as usize;
    let (mut bitmap_bytes, mut pad_after_bitmap) = (0, 0);
    if version >= 9 {
        bitmap_bytes = c.u64_le()? as usize;
        pad_after_bitmap = c.u64_le()? as usize;
    }
    let names_size = c.u64_le()? as usize;
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
    // Then the bitmap (version 9 on) and the names.
    c.skip(pad_after_counters)?;
    c.skip(bitmap_bytes)?;
    c.skip(pad_after_bitmap)?;
    let names = c.take(names_size)?;
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
    Ok(Profile {
        version,
        funcs: out,
        names,
    })
}

/// The names of a names section: chunks of (uncompressed length,
/// compressed length: 0 when stored as is; both ULEB128) and the bytes,
/// zlib-compressed or not, holding names separated by 0x01; zero bytes pad
/// the section's end.
pub fn decode_names(section: &[u8]) -> Result<Vec<String>, FormatError> {
    let mut c = Cursor::new(section);
    let mut out = Vec::new();
    while c.remaining() > 0 {
        if section[c.pos()] == 0 {
            break; // padding
        }
        let plain_len = usize::try_from(c.uleb()?).map_err(|_| bad("names length"))?;
        let packed_len = usize::try_from(c.uleb()?).map_err(|_| bad("names length"))?;
        if plain_len > MAX_NAMES {
            return Err(bad(format!("names chunk claims {plain_len} bytes")));
        }
        let plain: Vec<u8> = if packed_len == 0 {
            c.take(plain_len)?.to_vec()
        } else {
            let packed = c.take(packed_len)?;
            let mut v = Vec::with_capacity(plain_len);
            flate2::read::ZlibDecoder::new(packed)
                .take(plain_len as u64 + 1)
                .read_to_end(&mut v)
                .map_err(|e| bad(format!("names chunk does not inflate: {e}")))?;
            if v.len() != plain_len {
                return Err(bad(format!(
                    "names chunk inflates to {} bytes, not the {plain_len} it claims",
                    v.len()
                )));
            }
            v
        };
        out.extend(
            plain
                .split(|b| *b == NAME_SEP)
                .filter(|n| !n.is_empty())
                .map(|n| String::from_utf8_lossy(n).into_owned()),
        );
    }
    Ok(out)
}

/// LLVM's `NameRef` of a name: the MD5's first eight bytes, little-endian.
pub fn name_ref(name: &str) -> u64 {
    let d = md5::compute(name.as_bytes());
    let mut a = [0u8; 8];
    a.copy_from_slice(&d.0[..8]);
    u64::from_le_bytes(a)
}

/// A readable name: a local symbol's `file;` prefix dropped, Rust symbols
/// demangled without their hash.
pub fn demangle(raw: &str) -> String {
    let symbol = raw.rsplit(';').next().unwrap_or(raw);
    match rustc_demangle::try_demangle(symbol) {
        Ok(d) => format!("{d:#}"),
        Err(_) => symbol.to_string(),
    }
}

/// The binary a profile came from, its names read once.
fn register(profile: &Profile<'_>) -> Result<u32, FormatError> {
    let key = profile.binary_key();
    if binaries()
        .lock()
        .map(|b| b.contains_key(&key))
        .unwrap_or(true)
    {
        return Ok(key);
    }
    let by_ref: HashMap<u64, String> = decode_names(profile.names)?
        .into_iter()
        .map(|n| (name_ref(&n), n))
        .collect();
    let binary = Binary::new(
        key,
        profile
            .funcs
            .iter()
            .map(|f| Function {
                name_hash: f.name_hash,
                func_hash: f.func_hash,
                counters: f.counts.len() as u32,
                raw_name: by_ref.get(&f.name_hash).cloned(),
            })
            .collect(),
    );
    if let Ok(mut b) = binaries().lock() {
        b.entry(key).or_insert_with(|| Arc::new(binary));
    }
    Ok(key)
}

/// Add a raw profile's counters to `counts`.
pub fn read_into(path: &Path, counts: &mut Counts) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let profile = parse_profile(&data).map_err(|e| e.to_string())?;
    let package = register(&profile).map_err(|e| e.to_string())?;
    for f in profile.funcs {
        for (unit, c) in f.counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let id = CounterId {
                binary: f.name_hash,
                package,
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
    use std::io::Write;

    #[test]
    fn foreign_files_are_errors() {
        assert!(parse(b"short").is_err());
        let mut v = MAGIC_64.to_le_bytes().to_vec();
        v.extend_from_slice(&99u64.to_le_bytes());
        assert!(parse(&v).is_err());
    }

    fn uleb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    #[test]
    fn names_sections_decode_plain_and_compressed_chunks() {
        let plain = b"_ZN4core3fmt5write17h0123456789abcdefE\x01main";
        let mut section = Vec::new();
        uleb(plain.len(), &mut section);
        uleb(0, &mut section);
        section.extend_from_slice(plain);
        let second = b"src/lib.rs;_RNvCs1234_7mycrate3foo";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(second).unwrap();
        let packed = z.finish().unwrap();
        uleb(second.len(), &mut section);
        uleb(packed.len(), &mut section);
        section.extend_from_slice(&packed);
        section.extend_from_slice(&[0, 0, 0]);
        let names = decode_names(&section).unwrap();
        assert_eq!(names.len(), 3);
        assert_eq!(demangle(&names[0]), "core::fmt::write");
        assert_eq!(names[1], "main");
        assert_eq!(demangle(&names[2]), "mycrate::foo");
        // A chunk cut short, or one whose bytes do not inflate.
        assert!(decode_names(&section[..section.len() - 8]).is_err());
        let mut lying = Vec::new();
        uleb(10, &mut lying);
        uleb(3, &mut lying);
        lying.extend_from_slice(b"xyz");
        assert!(decode_names(&lying).is_err());
    }

    #[test]
    fn name_refs_are_md5_prefixes() {
        // MD5("main") = fad58de7366495db4650cfefac2fcd61.
        assert_eq!(name_ref("main"), 0xdb95_6436_e78d_d5fa);
    }
}
