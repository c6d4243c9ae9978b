//! The capture format: one JSON file per plugin invocation, named by its
//! sequence number (`000001.json`, ...) in the capture directory. The
//! number is taken when the invocation starts, so files sort in start
//! order also when a runtime runs plugins concurrently.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::invoke::Exit;
use crate::spec::Verb;

/// Marks a capture file.
pub const CAPTURE_FORMAT: &str = "cni-harness-capture";

/// Bytes as they were: a JSON string when they are UTF-8 (stdin and
/// stdout almost always are), else `{"hex": "..."}`, so nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bytes {
    Text(String),
    Hex { hex: String },
}

impl Bytes {
    pub fn of(bytes: &[u8]) -> Bytes {
        match std::str::from_utf8(bytes) {
            Ok(s) => Bytes::Text(s.to_string()),
            Err(_) => Bytes::Hex {
                hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
            },
        }
    }

    /// The bytes back; `Err` for hex that is not hex (a hand-edited file).
    pub fn to_vec(&self) -> Result<Vec<u8>, String> {
        match self {
            Bytes::Text(s) => Ok(s.as_bytes().to_vec()),
            Bytes::Hex { hex } => {
                let bad = || format!("{hex:?} is not an even number of hex digits");
                if hex.len() % 2 != 0 {
                    return Err(bad());
                }
                (0..hex.len())
                    .step_by(2)
                    .map(|i| {
                        hex.get(i..i + 2)
                            .and_then(|d| u8::from_str_radix(d, 16).ok())
                            .ok_or_else(bad)
                    })
                    .collect()
            }
        }
    }
}

/// One real invocation of a plugin, as the shim saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Captured {
    /// Always [`CAPTURE_FORMAT`].
    pub format: String,
    pub seq: u64,
    /// The real plugin binary the shim ran.
    pub plugin: PathBuf,
    /// The path the runtime ran (the shim's `argv[0]` or wrapper).
    pub invoked_as: PathBuf,
    /// Command-line arguments after `argv[0]` (CNI plugins get none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// The whole environment, in the order the process got it (values that
    /// are not UTF-8 are recorded lossily: CNI variables are text).
    pub env: Vec<(String, String)>,
    pub stdin: Bytes,
    pub stdout: Bytes,
    pub stderr: Bytes,
    pub exit: Exit,
    /// Milliseconds since the Unix epoch when the shim started.
    pub started_unix_ms: u64,
    /// Wall time of the real plugin.
    pub duration_ms: f64,
    /// The shim's process id, its parent's, and the real plugin's: a
    /// capture whose parent is another capture's plugin was made by that
    /// plugin (a delegated IPAM plugin), not by the runtime.
    pub pid: u32,
    pub ppid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_pid: Option<u32>,
    /// What went wrong in the shim itself, if anything (the plugin could
    /// not be started, stdin could not be read...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// After a successful ADD that answered with interfaces: the
    /// attachment's links as the plugin left them when it returned (see
    /// [`crate::kernel::attachment`]), so that a later plugin's changes to
    /// them can be told from this plugin's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links_at_exit: Vec<crate::kernel::Link>,
}

impl Captured {
    /// A variable of the recorded environment.
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The verb, from `CNI_COMMAND`.
    pub fn verb(&self) -> Result<Verb, String> {
        let cmd = self
            .env_var("CNI_COMMAND")
            .ok_or("the recorded environment has no CNI_COMMAND")?;
        cmd.parse()
    }

    /// The plugin's type: the name the runtime ran it by (the real
    /// binary's when the shim was run as itself, without `--as`).
    pub fn plugin_type(&self) -> String {
        let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_string());
        name(&self.invoked_as)
            .filter(|n| !n.starts_with("cni-harness"))
            .or_else(|| name(&self.plugin))
            .unwrap_or_default()
    }

    /// Whether this invocation was made by `other`'s plugin process while
    /// it ran (process ids alone could be reused).
    pub fn delegated_by(&self, other: &Captured) -> bool {
        let ends = other.started_unix_ms + other.duration_ms.ceil() as u64 + 1;
        other.child_pid == Some(self.ppid)
            && self.started_unix_ms >= other.started_unix_ms
            && self.started_unix_ms <= ends
    }
}

/// Take the next sequence number of `dir` by creating its file exclusively
/// (atomic, so concurrent shims never share a number); the file stays
/// empty until [`write`] fills it.
pub fn reserve(dir: &Path) -> io::Result<(u64, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let mut next = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| seq_of(&e.path()))
        .max()
        .map_or(1, |m| m + 1);
    for _ in 0..10_000 {
        let path = dir.join(format!("{next:06}.json"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok((next, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => next += 1,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "no free sequence number in {}",
        dir.display()
    )))
}

/// Fill a reserved file: written aside, then renamed over it, so a reader
/// sees the empty reservation or the whole record, never half of one.
pub fn write(path: &Path, record: &Captured) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(record)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The number of a capture file (`000042.json` -> 42).
fn seq_of(path: &Path) -> Option<u64> {
    if path.extension()? != "json" {
        return None;
    }
    path.file_stem()?.to_str()?.parse().ok()
}

/// Every capture of `dir` in sequence order, and what was passed over: an
/// empty file is an invocation still running or whose shim was killed.
pub fn load_dir(dir: &Path) -> anyhow::Result<(Vec<Captured>, Vec<String>)> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read capture directory {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| seq_of(&p).map(|n| (n, p)))
        .collect();
    files.sort();
    let mut out = Vec::new();
    let mut passed = Vec::new();
    for (_, f) in files {
        let bytes = std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?;
        if bytes.is_empty() {
            passed.push(format!(
                "{}: empty (the invocation was still running, or its shim was killed)",
                f.display()
            ));
            continue;
        }
        let c: Captured = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a cni-harness capture", f.display()))?;
        anyhow::ensure!(
            c.format == CAPTURE_FORMAT,
            "{}: format is {:?}, expected {CAPTURE_FORMAT:?}",
            f.display(),
            c.format
        );
        out.push(c);
    }
    anyhow::ensure!(
        !out.is_empty(),
        "{} holds no capture (NNNNNN.json files written by `cni-harness shim`)",
        dir.display()
    );
    Ok((out, passed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_text_and_binary() {
        for b in [&b"{\"a\":1}\n"[..], &[0xff, 0x00, 0x41][..], &[][..]] {
            let json = serde_json::to_string(&Bytes::of(b)).expect("json");
            let back: Bytes = serde_json::from_str(&json).expect("parse");
            assert_eq!(back.to_vec().as_deref(), Ok(b));
        }
        assert!(Bytes::Hex { hex: "abc".into() }.to_vec().is_err());
        assert!(Bytes::Hex { hex: "zz".into() }.to_vec().is_err());
    }

    #[test]
    fn concurrent_reservations_get_distinct_numbers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let seqs: Vec<u64> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..16)
                .map(|_| s.spawn(|| reserve(dir.path()).expect("reserve").0))
                .collect();
            hs.into_iter().map(|h| h.join().expect("join")).collect()
        });
        let mut sorted = seqs.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, (1..=16).collect::<Vec<u64>>(), "{seqs:?}");
    }
}
