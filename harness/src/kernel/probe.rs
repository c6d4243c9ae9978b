//! Namespaces held open for repeated snapshots.
//!
//! Entering a namespace costs a thread and a `setns` (~35 µs), and reading a
//! sysctl by path another ~5 µs per file. Both a netlink socket and an open
//! /proc/sys/net file stay bound to the namespace they were opened in, so a
//! [`Probe`] opens them once from inside and later reads from any thread.
//! The fuzzer snapshots the same sandbox several times per input; this is
//! what keeps its overhead small.
//!
//! Held sockets keep their namespace alive: drop a probe before judging
//! what a vanished namespace left, and before the sandbox is removed.

use std::fs::File;
use std::io;
use std::path::PathBuf;

use super::dump::Dumper;
use super::files::FilesSnapshot;
use super::model::NsSnapshot;
use super::{firewall, read, sysctl, Coverage, SandboxSnapshot, SnapshotOptions};
use crate::sandbox::overlay::Layers;
use crate::sandbox::{Netns, Sandbox};

/// One namespace's netlink socket and sysctl files.
pub struct Probe {
    netlink: Dumper,
    sysctls: Vec<(String, File)>,
}

impl Probe {
    /// Open from a thread inside `ns`; reads need no thread afterwards.
    pub fn open(ns: &Netns) -> io::Result<Probe> {
        ns.run(Probe::here)?
            .map_err(|e| io::Error::new(e.kind(), format!("probe of {}: {e}", ns.path().display())))
    }

    /// Open in the calling thread's own namespace.
    pub fn here() -> io::Result<Probe> {
        Ok(Probe {
            netlink: Dumper::open()?,
            sysctls: sysctl::open_global(),
        })
    }

    /// The namespace now, as far as `coverage` goes (never the firewall:
    /// that takes a process inside the namespace).
    pub fn read(&mut self, coverage: Coverage) -> io::Result<NsSnapshot> {
        let mut snap = NsSnapshot::default();
        read::netlink_state(&mut self.netlink, &mut snap, coverage)?;
        if coverage == Coverage::Everything {
            snap.sysctls = sysctl::read(&self.sysctls);
        }
        Ok(snap)
    }
}

/// Probes of a sandbox's node and container namespaces plus its state
/// directories: [`SandboxSnapshot`]s, cheaply unless they include the
/// firewall (three tool processes per snapshot, milliseconds).
pub struct SandboxProbe {
    node: Probe,
    container: Option<Probe>,
    dirs: Vec<PathBuf>,
    /// The sandbox's copy-on-write layers over the host's files, if any.
    layers: Option<Layers>,
    max_file_text: usize,
    firewall: FirewallAt,
    processes: Option<super::procs::Scope>,
}

/// Where a snapshot's firewall dump runs, if it has one.
enum FirewallAt {
    Nowhere,
    /// The harness's own namespace (a sandbox without a scratch node).
    Here,
    Inside(Netns),
}

impl SandboxProbe {
    pub fn open(sandbox: &Sandbox, opts: &SnapshotOptions) -> io::Result<SandboxProbe> {
        let firewall = match (opts.firewall, sandbox.node_netns()) {
            (false, _) => FirewallAt::Nowhere,
            (true, Some(ns)) => FirewallAt::Inside(Netns::open(ns.path())?),
            (true, None) => FirewallAt::Here,
        };
        let node = match sandbox.node_netns() {
            Some(ns) => Probe::open(ns)?,
            // The harness's own namespace, which is this thread's too.
            None => Probe::here()?,
        };
        let container = match sandbox.container() {
            Some(ns) if ns.exists() => Some(Probe::open(ns)?),
            _ => None,
        };
        Ok(SandboxProbe {
            node,
            container,
            dirs: super::sandbox_dirs(sandbox),
            layers: match sandbox.mounts().and_then(|m| m.layers()) {
                Some(l) => Some(l.try_clone()?),
                None => None,
            },
            max_file_text: opts.max_file_text,
            firewall,
            processes: super::procs::Scope::of(sandbox),
        })
    }

    pub fn node(&mut self, coverage: Coverage) -> io::Result<NsSnapshot> {
        self.node.read(coverage)
    }

    /// `None` once the container namespace is gone.
    pub fn container(&mut self, coverage: Coverage) -> io::Result<Option<NsSnapshot>> {
        match &mut self.container {
            Some(p) => Ok(Some(p.read(coverage)?)),
            None => Ok(None),
        }
    }

    pub fn snapshot(&mut self) -> io::Result<SandboxSnapshot> {
        let mut node = self.node(Coverage::Everything)?;
        let container = self.container(Coverage::Everything)?;
        node.firewall = match &self.firewall {
            FirewallAt::Nowhere => None,
            FirewallAt::Inside(ns) => Some(ns.run_named("cnih-snapshot", firewall::dump)?),
            FirewallAt::Here => Some(firewall::dump()),
        };
        let mut files = FilesSnapshot::take(&self.dirs, self.max_file_text);
        if let Some(layers) = &self.layers {
            files.add_host_files(super::hostfiles::changes(layers, self.max_file_text));
        }
        Ok(SandboxSnapshot {
            node,
            container,
            files,
            processes: self
                .processes
                .as_ref()
                .map(super::procs::Scope::read)
                .unwrap_or_default(),
        })
    }
}
