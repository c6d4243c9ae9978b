//! The processes inside a sandbox's process boundary (its PID namespace,
//! see `sandbox::boundary`): what a plugin left running. Read from the
//! namespace's own `/proc` (mounted in the sandbox's mount namespace, and
//! reached through the init's root), which lists its processes alone;
//! without that mount, from the host's `/proc`, filtered by namespace. Each
//! with its pid and parent as the sandbox numbers them
//! (its init is 1, and is not listed), its command line, and which of the
//! sandbox's namespaces it is in.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use serde::{Deserialize, Serialize};

use crate::sandbox::Sandbox;

/// One process of the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Its pid inside the sandbox's PID namespace.
    pub pid: i32,
    /// Its parent's pid there (1: the boundary's init, which adopts orphans).
    pub parent: i32,
    /// The kernel's short name (`comm`).
    pub name: String,
    /// argv, as the process shows it.
    pub cmdline: Vec<String>,
    /// The network namespace it is in: `node`, `container`, `container2`...,
    /// `host` (the harness's), or `other`.
    pub netns: String,
    /// The mount namespace: `sandbox` (the one plugins run in), `host`, or `other`.
    pub mntns: String,
}

/// Whether a pending-signal mask (`SigPnd`/`ShdPnd`, hexadecimal) holds SIGKILL.
fn kill_pending(mask: &str) -> bool {
    u64::from_str_radix(mask, 16).is_ok_and(|m| m & (1 << (libc::SIGKILL - 1)) != 0)
}

/// Where to look: one sandbox's PID namespace, and names for the
/// namespaces its processes may be in.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The namespace's own `/proc`, when mounted.
    inner_proc: Option<std::path::PathBuf>,
    pidns: u64,
    init: i32,
    netns: BTreeMap<u64, String>,
    mntns: BTreeMap<u64, String>,
}

fn inode(path: &str) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.ino())
}

impl Scope {
    /// The sandbox's boundary, `None` when it has none.
    pub fn of(sandbox: &Sandbox) -> Option<Scope> {
        let b = sandbox.boundary()?;
        let mut netns = BTreeMap::new();
        if let Some(i) = inode("/proc/self/ns/net") {
            netns.insert(i, "host".to_string());
        }
        let mut named = |f: &std::fs::File, name: String| {
            if let Ok(m) = f.metadata() {
                netns.insert(m.ino(), name);
            }
        };
        if let Some(ns) = sandbox.node_netns() {
            named(ns.file(), "node".into());
        }
        if let Some(ns) = sandbox.container() {
            named(ns.file(), "container".into());
        }
        let mut mntns = BTreeMap::new();
        if let Some(i) = inode("/proc/self/ns/mnt") {
            mntns.insert(i, "host".to_string());
        }
        if let Some(m) = sandbox.mounts().and_then(|v| v.mntns().metadata().ok()) {
            mntns.insert(m.ino(), "sandbox".to_string());
        }
        Some(Scope {
            inner_proc: b
                .proc_mounted()
                .then(|| format!("/proc/{}/root/proc", b.init_pid()).into()),
            pidns: b.inode(),
            init: b.init_pid(),
            netns,
            mntns,
        })
    }

    /// Kill (SIGKILL) the process the sandbox numbers `pid`, and wait (up
    /// to half a second) until the boundary's init has reaped it.
    pub fn kill(&self, pid: i32) -> std::io::Result<()> {
        let host = self.host_pid(pid).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no process {pid} in the sandbox"),
            )
        })?;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(host),
            nix::sys::signal::Signal::SIGKILL,
        )
        .map_err(std::io::Error::from)?;
        for _ in 0..50 {
            if self.host_pid(pid).is_none() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Ok(())
    }

    /// The host's pid of the process the sandbox numbers `pid` (a zombie
    /// counts as gone).
    fn host_pid(&self, pid: i32) -> Option<i32> {
        let entries = std::fs::read_dir("/proc").ok()?;
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()))
            .filter(|h| *h != self.init && inode(&format!("/proc/{h}/ns/pid")) == Some(self.pidns))
            .find(|h| {
                let Ok(status) = std::fs::read_to_string(format!("/proc/{h}/status")) else {
                    return false;
                };
                let field = |k: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(k))
                        .map(str::trim)
                };
                let inner = field("NSpid:")
                    .and_then(|v| v.split_whitespace().last())
                    .and_then(|v| v.parse::<i32>().ok());
                let zombie = field("State:").is_some_and(|v| v.starts_with('Z'));
                inner == Some(pid) && !zombie
            })
    }

    /// The processes in the namespace now, but its init, by pid.
    pub fn read(&self) -> Vec<Process> {
        match &self.inner_proc {
            Some(root) => self.read_inner(root),
            None => self.read_host(),
        }
    }

    /// From the namespace's own `/proc`: pids and parents are its own.
    fn read_inner(&self, root: &std::path::Path) -> Vec<Process> {
        let Ok(entries) = std::fs::read_dir(root) else {
            return Vec::new();
        };
        let mut out: Vec<Process> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()))
            .filter(|pid| *pid != 1)
            .filter_map(|pid| {
                let (_, ppid, mut p) = self.read_one(&root.join(pid.to_string()))?;
                // A plugin still running was forked from outside: parent 0.
                p.parent = ppid;
                Some(p)
            })
            .collect();
        out.sort_by_key(|p| p.pid);
        out
    }

    /// From the host's `/proc`, by namespace (no `/proc` mount: `--netns`).
    fn read_host(&self) -> Vec<Process> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        // (host pid, host ppid, process with its own pid filled in)
        let mut found: Vec<(i32, i32, Process)> = Vec::new();
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<i32>().ok()) else {
                continue;
            };
            if pid == self.init || inode(&format!("/proc/{pid}/ns/pid")) != Some(self.pidns) {
                continue;
            }
            // A process may exit while read: it is then simply not listed.
            if let Some((_, ppid, p)) = self.read_one(std::path::Path::new(&format!("/proc/{pid}")))
            {
                found.push((pid, ppid, p));
            }
        }
        let inner: BTreeMap<i32, i32> = found.iter().map(|(h, _, p)| (*h, p.pid)).collect();
        let mut out: Vec<Process> = found
            .into_iter()
            .map(|(_, ppid, mut p)| {
                p.parent = inner.get(&ppid).copied().unwrap_or(1);
                p
            })
            .collect();
        out.sort_by_key(|p| p.pid);
        out
    }

    /// One process from its `/proc` directory: (pid there, parent there, it).
    fn read_one(&self, dir: &std::path::Path) -> Option<(i32, i32, Process)> {
        let status = std::fs::read_to_string(dir.join("status")).ok()?;
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(str::trim)
        };
        // Dead or dying: a zombie waiting for the init to reap it, or a
        // process with SIGKILL pending (what the executor's kill of a
        // plugin's group hit, still inside a syscall), which cannot return
        // to user space alive. Neither is something a plugin left running.
        if field("State:").is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
            || ["SigPnd:", "ShdPnd:"]
                .iter()
                .any(|k| field(k).is_some_and(kill_pending))
        {
            return None;
        }
        let name = field("Name:")?.to_string();
        let ppid: i32 = field("PPid:")?.parse().ok()?;
        // The last NSpid is the pid in the innermost namespace: the sandbox's.
        let inner: i32 = field("NSpid:")?.split_whitespace().last()?.parse().ok()?;
        let pid: i32 = field("Pid:")?.parse().ok()?;
        let cmdline = std::fs::read(dir.join("cmdline")).ok()?;
        let cmdline = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let label = |kind: &str, names: &BTreeMap<u64, String>| {
            std::fs::metadata(dir.join("ns").join(kind))
                .ok()
                .map(|m| m.ino())
                .and_then(|i| names.get(&i).cloned())
                .unwrap_or_else(|| "other".to_string())
        };
        Some((
            pid,
            ppid,
            Process {
                pid: inner,
                parent: 0,
                name,
                cmdline,
                netns: label("net", &self.netns),
                mntns: label("mnt", &self.mntns),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sigkill_is_read_from_pending_masks() {
        assert!(super::kill_pending("0000000000000100"));
        assert!(super::kill_pending("0000000000004100"));
        assert!(!super::kill_pending("0000000000004000"));
        assert!(!super::kill_pending("garbage"));
    }
}
