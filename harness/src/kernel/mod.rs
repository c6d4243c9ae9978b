//! Kernel state snapshots of the node and container namespaces and the
//! differences between two of them.
//!
//! A snapshot reads one namespace over rtnetlink from a thread that has
//! entered it (links, addresses, routes in every table, rules, permanent
//! neighbours, qdiscs, sysctls), optionally the firewall ruleset, and the
//! files under the sandbox's state directories. [`diff()`] compares two
//! snapshots by stable identities (names, never ifindex), which is what the
//! leak and consistency oracles and the suite's `kernel diff` are built on.

pub mod attachment;
mod class;
pub mod diff;
mod dump;
pub mod files;
mod firewall;
pub mod hostfiles;
mod items;
pub mod model;
mod object;
pub mod ops;
mod probe;
pub mod procs;

mod read;
pub mod scratch;
mod sysctl;

use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::sandbox::{Netns, Sandbox};

pub use diff::{
    diff, diff_files, diff_sandbox, inventory, render, Change, ChangeKind, Class, Side,
};
pub use files::{FileEntry, FileKind, FilesSnapshot};
pub use model::{Address, FirewallDump, Link, Neighbour, NsSnapshot, Qdisc, Route, Rule};
pub use object::{table_name, Object};
pub use probe::{Probe, SandboxProbe};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// Dump the firewall ruleset too: a process spawn per tool (milliseconds),
    /// so off for the fuzzer's per-iteration snapshots.
    pub firewall: bool,
    /// Longest state file kept as text.
    pub max_file_text: usize,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            firewall: true,
            max_file_text: files::DEFAULT_MAX_TEXT,
        }
    }
}

impl SnapshotOptions {
    /// Netlink state only: what a fuzz iteration can afford.
    pub fn cheap() -> Self {
        SnapshotOptions {
            firewall: false,
            ..SnapshotOptions::default()
        }
    }
}

/// How much of a namespace one read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Everything a snapshot holds (minus the firewall, see [`SnapshotOptions`]).
    Everything,
    /// Links, addresses and routes only: what a result describes, for the
    /// consistency oracle (half the netlink round trips, no sysctls).
    Addressing,
    /// Links only (one round trip).
    Links,
}

/// Snapshot the namespace `ns` (from a dedicated thread inside it).
pub fn snapshot(ns: &Netns, opts: &SnapshotOptions) -> io::Result<NsSnapshot> {
    let firewall = opts.firewall;
    ns.run_named("cnih-snapshot", move || snapshot_here(firewall))?
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("snapshot of {}: {e}", ns.path().display()),
            )
        })
}

/// Snapshot the calling thread's own namespace.
fn snapshot_here(firewall: bool) -> io::Result<NsSnapshot> {
    let mut snap = Probe::here()?.read(Coverage::Everything)?;
    if firewall {
        snap.firewall = Some(firewall::dump());
    }
    Ok(snap)
}

/// Everything the harness observes around one plugin invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxSnapshot {
    pub node: NsSnapshot,
    /// `None` once the container namespace is gone.
    pub container: Option<NsSnapshot>,
    pub files: FilesSnapshot,
    /// What runs inside the sandbox's process boundary (empty without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<procs::Process>,
}

impl SandboxSnapshot {
    /// Snapshot a sandbox's node and container namespaces and state directories.
    pub fn take(sandbox: &Sandbox, opts: &SnapshotOptions) -> io::Result<SandboxSnapshot> {
        // The two namespaces are read at once: each read is mostly waiting
        // (netlink dumps, the firewall tools), and every case takes several.
        let (node, container) = std::thread::scope(|s| {
            let container = s.spawn(|| container_snapshot(sandbox.container(), opts));
            let node = match sandbox.node_netns() {
                Some(ns) => snapshot(ns, opts),
                // The harness's own namespace, which is this thread's too.
                None => snapshot_here(opts.firewall),
            };
            let container = container
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("container snapshot panicked")));
            (node, container)
        });
        let mut snap = Self::assemble(node?, container?, &sandbox_dirs(sandbox), opts);
        if let Some(layers) = sandbox.mounts().and_then(|m| m.layers()) {
            snap.files
                .add_host_files(hostfiles::changes(layers, opts.max_file_text));
        }
        if let Some(scope) = procs::Scope::of(sandbox) {
            snap.processes = scope.read();
        }
        Ok(snap)
    }

    /// Snapshot from explicit parts (tests, and runs without a [`Sandbox`]).
    pub fn take_parts(
        node: NsSnapshot,
        container: Option<&Netns>,
        dirs: &[PathBuf],
        opts: &SnapshotOptions,
    ) -> io::Result<SandboxSnapshot> {
        let container = container_snapshot(container, opts)?;
        Ok(Self::assemble(node, container, dirs, opts))
    }

    /// The namespaces' snapshots with the files of `dirs`.
    fn assemble(
        node: NsSnapshot,
        container: Option<NsSnapshot>,
        dirs: &[PathBuf],
        opts: &SnapshotOptions,
    ) -> SandboxSnapshot {
        SandboxSnapshot {
            node,
            container,
            files: FilesSnapshot::take(dirs, opts.max_file_text),
            processes: Vec::new(),
        }
    }
}

/// The container namespace's snapshot; `None` once it is gone.
fn container_snapshot(
    ns: Option<&Netns>,
    opts: &SnapshotOptions,
) -> io::Result<Option<NsSnapshot>> {
    match ns {
        Some(ns) if ns.exists() => snapshot(ns, opts).map(Some),
        _ => Ok(None),
    }
}

/// The directories whose files a sandbox snapshot lists: state and cache.
fn sandbox_dirs(sandbox: &Sandbox) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = sandbox.state_dirs();
    dirs.push(sandbox.cache_dir());
    dirs
}
