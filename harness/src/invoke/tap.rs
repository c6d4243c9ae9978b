//! The delegate tap: watching the binaries a plugin runs itself.
//!
//! A plugin that delegates (a main plugin calling its `ipam` type, flannel
//! handing the attachment to `bridge`, multus running its `delegates`)
//! finds those binaries by name on the `CNI_PATH` it was given. The tap
//! puts a directory first on that path holding, for every binary name of
//! the real path, the capture shim (`cni-harness` run under the plugin's
//! name, see `replay::capture`) with a sidecar naming the real binary. Each
//! delegate call then goes through a shim that records its environment,
//! stdin, stdout, stderr and exit, and runs the real binary unchanged.
//!
//! Only delegate calls are recorded: the runtime runs the plugins of the
//! list from the real path ([`super::Runtime::tapped`] changes only the
//! `CNI_PATH` they are given). The records live in the sandbox's tap
//! directory, which the sandbox binds onto itself so that they are real
//! files, not host files the plugin appears to have written.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::exec::{Exit, Outcome};
use super::reply::Reply;
use crate::replay::capture::ShimConfig;
use crate::replay::record::{Bytes, Captured};
use crate::sandbox::Sandbox;
use crate::spec::Verb;

/// One call of a delegate, as its shim saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct DelegateCall {
    /// The name it was run by (its `type`).
    pub binary: String,
    /// The real binary that ran.
    pub path: PathBuf,
    /// From `CNI_COMMAND`; `None` when that is missing or no verb.
    pub verb: Option<Verb>,
    /// The whole environment it was given.
    pub env: Vec<(String, String)>,
    pub stdin: Vec<u8>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
    /// The delegate whose process made this call (`bridge` for the
    /// `host-local` it runs); `None`: a plugin the runtime ran made it.
    pub caller: Option<String>,
    pub wall_ms: f64,
    /// After a successful ADD that made an interface: the attachment's
    /// links as the delegate left them (container end, node end, bridge).
    pub links_at_exit: Vec<crate::kernel::Link>,
}

impl DelegateCall {
    /// A variable of its environment.
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Its stdin as JSON, when it is JSON.
    pub fn stdin_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.stdin).ok()
    }

    /// Its answer, read as the harness reads a plugin's.
    pub fn reply(&self) -> Reply {
        Reply::from_outcome(&Outcome {
            exit: self.exit,
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
            stdout_truncated: false,
            stderr_truncated: false,
            wall: Duration::from_secs_f64(self.wall_ms.max(0.0) / 1000.0),
        })
    }
}

/// Recording shims for every binary of a CNI path, in one sandbox.
#[derive(Debug, Clone)]
pub struct DelegateTap {
    shims: PathBuf,
    calls: PathBuf,
    cni_path: Vec<PathBuf>,
}

impl DelegateTap {
    /// Shims for every binary name found on `cni_path` (the first directory
    /// holding a name wins, as in a lookup), in `sandbox`'s tap directory;
    /// a tap made before in the same sandbox is replaced.
    pub fn new(sandbox: &Sandbox, cni_path: &[PathBuf]) -> io::Result<DelegateTap> {
        Self::in_dir(&sandbox.tap_dir(), cni_path, &shim_binary()?)
    }

    /// The same in `dir`, with `shim` as the shim binary.
    pub fn in_dir(dir: &Path, cni_path: &[PathBuf], shim: &Path) -> io::Result<DelegateTap> {
        let tap = DelegateTap {
            shims: dir.join("shims"),
            calls: dir.join("calls"),
            cni_path: cni_path.to_vec(),
        };
        for d in [&tap.shims, &tap.calls] {
            match std::fs::remove_dir_all(d) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => std::fs::create_dir_all(d)?,
            }
        }
        let mut seen = BTreeSet::new();
        for d in cni_path {
            let Ok(entries) = std::fs::read_dir(d) else {
                continue; // a missing directory holds nothing to find
            };
            let mut names: Vec<(String, PathBuf)> = entries
                .flatten()
                .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
                .collect();
            names.sort();
            for (name, real) in names {
                if name.starts_with('.') || name.ends_with(".shim.json") || seen.contains(&name) {
                    continue;
                }
                let runnable = std::fs::metadata(&real)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
                if !runnable {
                    continue;
                }
                let at = tap.shims.join(&name);
                std::os::unix::fs::symlink(shim, &at)?;
                let config = ShimConfig {
                    real,
                    out: tap.calls.clone(),
                };
                std::fs::write(
                    crate::replay::capture::sidecar_of(&at),
                    serde_json::to_vec(&config).map_err(io::Error::other)?,
                )?;
                seen.insert(name);
            }
        }
        Ok(tap)
    }

    /// The directory of shims, first on the `CNI_PATH` plugins get.
    pub fn shim_dir(&self) -> &Path {
        &self.shims
    }

    /// The `CNI_PATH` plugins get: the shims, then the real path.
    pub fn cni_path(&self) -> Vec<PathBuf> {
        std::iter::once(self.shims.clone())
            .chain(self.cni_path.iter().cloned())
            .collect()
    }

    /// Every delegate call recorded so far, in the order they started.
    /// A call still running (or whose shim was killed) is left out.
    pub fn calls(&self) -> Vec<DelegateCall> {
        let captured = read_captures(&self.calls);
        captured
            .iter()
            .map(|c| DelegateCall {
                binary: c.plugin_type(),
                path: c.plugin.clone(),
                verb: c.verb().ok(),
                env: c.env.clone(),
                stdin: bytes(&c.stdin),
                stdout: bytes(&c.stdout),
                stderr: bytes(&c.stderr),
                exit: c.exit,
                caller: captured
                    .iter()
                    .find(|other| c.delegated_by(other))
                    .map(Captured::plugin_type),
                wall_ms: c.duration_ms,
                links_at_exit: c.links_at_exit.clone(),
            })
            .collect()
    }

    /// Forget the calls recorded so far (between phases of one sandbox).
    pub fn clear(&self) -> io::Result<()> {
        std::fs::remove_dir_all(&self.calls)?;
        std::fs::create_dir_all(&self.calls)
    }
}

fn bytes(b: &Bytes) -> Vec<u8> {
    b.to_vec().unwrap_or_default()
}

/// Complete capture files of `dir`, in sequence order.
fn read_captures(dir: &Path) -> Vec<Captured> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    // Zero-padded sequence numbers: name order is start order.
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|b| !b.is_empty())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect()
}

/// The `cni-harness` binary the shims run: this process when it is
/// `cni-harness`, else the one cargo built next to the running test
/// (`target/<profile>/cni-harness`).
pub fn shim_binary() -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    if exe
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("cni-harness"))
    {
        return Ok(exe);
    }
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    let sibling = dir.join("cni-harness");
    if sibling.is_file() {
        Ok(sibling)
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no cni-harness binary to record delegate calls with (looked for {}): build it (cargo build --bins)",
                sibling.display()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runnable_name_gets_one_shim_the_first_directory_winning() {
        let root = tempfile::tempdir().expect("tempdir");
        let a = root.path().join("a");
        let b = root.path().join("b");
        for d in [&a, &b] {
            std::fs::create_dir_all(d).expect("dir");
        }
        let make = |p: PathBuf, mode: u32| {
            std::fs::write(&p, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        };
        make(a.join("bridge"), 0o755);
        make(b.join("bridge"), 0o755);
        make(b.join("host-local"), 0o755);
        make(b.join("README"), 0o644);
        let tap_dir = root.path().join("tap");
        let tap = DelegateTap::in_dir(&tap_dir, &[a.clone(), b.clone()], Path::new("/bin/true"))
            .expect("tap");
        let mut names: Vec<String> = std::fs::read_dir(tap.shim_dir())
            .expect("shims")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "bridge",
                "bridge.shim.json",
                "host-local",
                "host-local.shim.json"
            ]
        );
        let side: ShimConfig = serde_json::from_slice(
            &std::fs::read(tap.shim_dir().join("bridge.shim.json")).expect("sidecar"),
        )
        .expect("parses");
        assert_eq!(side.real, a.join("bridge"));
        assert_eq!(tap.cni_path(), [tap.shim_dir().to_path_buf(), a, b]);
        assert!(tap.calls().is_empty());
    }
}
