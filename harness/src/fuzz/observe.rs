//! The fuzzer's eyes on one sandbox: snapshots for the leak judgement, and
//! the kernel as far as judging a result against it needs. Reading only;
//! what is read is judged by `crate::judge`.

use std::io;

use crate::judge::consistency;
use crate::kernel::{Coverage, NsSnapshot, SandboxProbe, SandboxSnapshot, SnapshotOptions};
use crate::result::CniResult;
use crate::sandbox::Sandbox;

/// One sandbox's namespaces held open for the several snapshots each input
/// takes (see [`SandboxProbe`]). Drop it before the sandbox: it keeps the
/// namespaces alive.
pub struct Observer {
    probe: SandboxProbe,
}

/// The two namespaces a result is judged against.
pub struct KernelView {
    pub container: NsSnapshot,
    pub node: NsSnapshot,
}

impl Observer {
    /// `firewall`: snapshots include the firewall ruleset, so rules a DEL
    /// leaves count as leaks (a process per tool: milliseconds per input).
    pub fn open(sandbox: &Sandbox, firewall: bool) -> io::Result<Observer> {
        let opts = SnapshotOptions {
            firewall,
            ..SnapshotOptions::default()
        };
        Ok(Observer {
            probe: SandboxProbe::open(sandbox, &opts)?,
        })
    }

    /// Netlink state, state directories and, if asked for, the firewall.
    pub fn snapshot(&mut self) -> io::Result<SandboxSnapshot> {
        self.probe.snapshot()
    }

    /// What judging `result` against the kernel reads: the container's
    /// addressing, and the node's links (its addresses only when the result
    /// puts one there). `None` when the container namespace is gone.
    pub fn kernel_for(&mut self, result: &CniResult) -> io::Result<Option<KernelView>> {
        let node_coverage = if consistency::reads_node_addresses(result) {
            Coverage::Addressing
        } else {
            Coverage::Links
        };
        let node = self.probe.node(node_coverage)?;
        Ok(self
            .probe
            .container(Coverage::Addressing)?
            .map(|container| KernelView { container, node }))
    }
}
