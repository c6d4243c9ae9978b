//! Go's coverage files (Go >= 1.20, `go build -cover`): the meta-data file
//! `covmeta.<hash>` (packages, functions, their coverable units) and the
//! counter files `covcounters.<hash>.<pid>.<nanotime>` a process writes to
//! `$GOCOVERDIR` when it exits. Layouts as Go's `internal/coverage` (defs.go,
//! decodemeta, decodecounter, stringtab; read at go1.27) defines them; the
//! reader is the harness's own.

use super::bytes::{bad, Cursor, FormatError};

const META_MAGIC: [u8; 4] = [0x00, 0x63, 0x76, 0x6d];
const COUNTER_MAGIC: [u8; 4] = [0x00, 0x63, 0x77, 0x6d];
/// Magic, version, total length, entries, hash, string table offset and
/// length, counter mode and granularity, padding.
const META_HEADER: usize = 4 + 4 + 8 + 8 + 16 + 4 + 4 + 1 + 1 + 6;
/// Length, package name, path and module (string indices), hash, one
/// unused byte and padding, number of files and of functions.
const PKG_HEADER: usize = 4 + 4 + 4 + 4 + 16 + 4 + 4 + 4;
/// Magic, version, meta hash, flavour, big-endian flag, padding.
const COUNTER_HEADER: usize = 4 + 4 + 16 + 1 + 1 + 6;
const COUNTER_FOOTER: usize = 16;
const FLAVOR_RAW: u8 = 1;
const FLAVOR_ULEB: u8 = 2;

/// One straight-line block: what a counter counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub start_line: u32,
    pub end_line: u32,
    /// Statements in the block (what `go tool covdata percent` weighs by).
    pub statements: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Func {
    pub name: String,
    pub file: String,
    pub units: Vec<Unit>,
    /// A function literal (closure), named after its position by Go.
    pub literal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub path: String,
    pub funcs: Vec<Func>,
}

/// A whole `covmeta` file: every instrumented package of one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub hash: [u8; 16],
    /// Counter mode: 1 set, 2 count, 3 atomic (Go's CounterMode).
    pub mode: u8,
    pub packages: Vec<Package>,
}

impl Meta {
    pub fn parse(data: &[u8]) -> Result<Meta, FormatError> {
        let mut c = Cursor::new(data);
        if c.take(4)? != META_MAGIC {
            return Err(bad("not a Go coverage meta-data file (magic)"));
        }
        let version = c.u32_le()?;
        if version != 1 {
            return Err(bad(format!(
                "Go meta-data file version {version} (reader knows 1)"
            )));
        }
        let _total = c.u64_le()?;
        let entries = c.u64_le()?;
        let mut hash = [0u8; 16];
        hash.copy_from_slice(c.take(16)?);
        let _strtab_off = c.u32_le()?;
        let _strtab_len = c.u32_le()?;
        let mode = c.u8()?;
        let _granularity = c.u8()?;
        c.skip(6)?;
        debug_assert_eq!(c.pos(), META_HEADER);
        if entries > (data.len() / 16) as u64 {
            return Err(bad(format!("meta-data file claims {entries} packages")));
        }
        let offsets: Vec<u64> = (0..entries).map(|_| c.u64_le()).collect::<Result<_, _>>()?;
        let lengths: Vec<u64> = (0..entries).map(|_| c.u64_le()).collect::<Result<_, _>>()?;
        let mut packages = Vec::new();
        for (off, len) in offsets.into_iter().zip(lengths) {
            let (off, len) = (off as usize, len as usize);
            let blob = off
                .checked_add(len)
                .and_then(|end| data.get(off..end))
                .ok_or_else(|| bad("package blob outside the file"))?;
            packages.push(parse_package(blob)?);
        }
        Ok(Meta {
            hash,
            mode,
            packages,
        })
    }

    /// Coverable units (counters) of the whole binary.
    pub fn counters(&self) -> usize {
        self.packages
            .iter()
            .flat_map(|p| &p.funcs)
            .map(|f| f.units.len())
            .sum()
    }
}

fn parse_package(blob: &[u8]) -> Result<Package, FormatError> {
    let mut c = Cursor::new(blob);
    let _len = c.u32_le()?;
    let _name = c.u32_le()?;
    let path_idx = c.u32_le()?;
    let _module = c.u32_le()?;
    c.skip(16 + 4)?;
    let _files = c.u32_le()?;
    let nfuncs = c.u32_le()? as usize;
    debug_assert_eq!(c.pos(), PKG_HEADER);
    if nfuncs > blob.len() / 4 {
        return Err(bad(format!("package claims {nfuncs} functions")));
    }
    let offsets: Vec<u32> = (0..nfuncs).map(|_| c.u32_le()).collect::<Result<_, _>>()?;
    let strings = c.string_table()?;
    let s = |i: u32| {
        strings
            .get(i as usize)
            .cloned()
            .ok_or_else(|| bad(format!("string index {i} outside the table")))
    };
    let mut funcs = Vec::with_capacity(nfuncs);
    for off in offsets {
        let mut f = Cursor::at(blob, off as usize)?;
        let nunits = f.uleb()? as usize;
        if nunits > f.remaining() {
            return Err(bad(format!("function claims {nunits} units")));
        }
        let name = s(f.uleb_u32()?)?;
        let file = s(f.uleb_u32()?)?;
        let mut units = Vec::with_capacity(nunits);
        for _ in 0..nunits {
            let start_line = f.uleb_u32()?;
            let _start_col = f.uleb()?;
            let end_line = f.uleb_u32()?;
            let _end_col = f.uleb()?;
            let statements = f.uleb_u32()?;
            units.push(Unit {
                start_line,
                end_line,
                statements,
            });
        }
        let literal = f.uleb()? != 0;
        funcs.push(Func {
            name,
            file,
            units,
            literal,
        });
    }
    Ok(Package {
        path: s(path_idx)?,
        funcs,
    })
}

/// One function's counters in a counter file (functions whose counters
/// are all zero are left out by the Go runtime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncCounts {
    pub package: u32,
    pub func: u32,
    pub counts: Vec<u32>,
}

/// A counter file: which meta-data file it belongs to, and its counts
/// (every segment's, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    pub meta_hash: [u8; 16],
    pub funcs: Vec<FuncCounts>,
    /// The first segment's annotations (`argc`, `argv0`..., `GOOS`).
    pub args: Vec<(String, String)>,
}

impl Counters {
    pub fn parse(data: &[u8]) -> Result<Counters, FormatError> {
        let mut c = Cursor::new(data);
        if c.take(4)? != COUNTER_MAGIC {
            return Err(bad("not a Go coverage counter file (magic)"));
        }
        let version = c.u32_le()?;
        if version != 1 {
            return Err(bad(format!(
                "Go counter file version {version} (reader knows 1)"
            )));
        }
        let mut meta_hash = [0u8; 16];
        meta_hash.copy_from_slice(c.take(16)?);
        let flavor = c.u8()?;
        let big_endian = c.u8()? != 0;
        c.skip(6)?;
        debug_assert_eq!(c.pos(), COUNTER_HEADER);
        if !matches!(flavor, FLAVOR_RAW | FLAVOR_ULEB) {
            return Err(bad(format!("unknown counter flavour {flavor}")));
        }
        let footer = data
            .len()
            .checked_sub(COUNTER_FOOTER)
            .filter(|f| *f >= COUNTER_HEADER)
            .ok_or_else(|| bad("counter file too short for its footer"))?;
        let mut ft = Cursor::at(data, footer)?;
        if ft.take(4)? != COUNTER_MAGIC {
            return Err(bad("counter file footer magic missing (file cut short?)"));
        }
        ft.skip(4)?;
        let segments = ft.u32_le()?;
        let read = |c: &mut Cursor<'_>| -> Result<u32, FormatError> {
            match (flavor, big_endian) {
                (FLAVOR_ULEB, _) => c.uleb_u32(),
                (_, true) => c.u32_be(),
                _ => c.u32_le(),
            }
        };
        let mut funcs = Vec::new();
        let mut annotations = Vec::new();
        for seg in 0..segments {
            if seg > 0 {
                // Segments after the first follow a footer-sized gap.
                c.skip(COUNTER_FOOTER)?;
            }
            let entries = c.u64_le()?;
            let strtab = c.u32_le()? as usize;
            let args = c.u32_le()? as usize;
            let strings = Cursor::new(c.take(strtab)?).string_table()?;
            let mut a = Cursor::new(c.take(args)?);
            if seg == 0 && args > 0 {
                let n = a.uleb()?;
                for _ in 0..n.min(4096) {
                    let (k, v) = (a.uleb()? as usize, a.uleb()? as usize);
                    if let (Some(k), Some(v)) = (strings.get(k), strings.get(v)) {
                        annotations.push((k.clone(), v.clone()));
                    }
                }
            }
            c.skip((4 - c.pos() % 4) % 4)?;
            if entries > c.remaining() as u64 {
                return Err(bad(format!("segment claims {entries} functions")));
            }
            for _ in 0..entries {
                let n = read(&mut c)? as usize;
                if n > c.remaining() {
                    return Err(bad(format!("function claims {n} counters")));
                }
                let package = read(&mut c)?;
                let func = read(&mut c)?;
                let counts = (0..n).map(|_| read(&mut c)).collect::<Result<_, _>>()?;
                funcs.push(FuncCounts {
                    package,
                    func,
                    counts,
                });
            }
        }
        Ok(Counters {
            meta_hash,
            funcs,
            args: annotations,
        })
    }
}

/// `covcounters.<hex hash>.<pid>.<nanotime>` -> the hash.
pub fn counter_file_hash(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("covcounters.")?;
    rest.split('.').next()
}

pub fn meta_file_name(hash: &[u8; 16]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("covmeta.{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_and_truncated_files_are_errors() {
        assert!(Meta::parse(b"hello world").is_err());
        assert!(Counters::parse(&[0u8; 3]).is_err());
        let mut head = COUNTER_MAGIC.to_vec();
        head.extend_from_slice(&1u32.to_le_bytes());
        head.extend_from_slice(&[0; 24]);
        assert!(Counters::parse(&head).is_err());
    }

    #[test]
    fn counter_file_names_give_their_hash() {
        assert_eq!(counter_file_hash("covcounters.abcd.123.456"), Some("abcd"));
        assert_eq!(counter_file_hash("covmeta.abcd"), None);
    }
}
