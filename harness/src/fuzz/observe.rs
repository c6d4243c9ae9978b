//! The fuzzer's adapter onto the harness's observation modules: results are
//! judged by `schema`, `result` and `oracle::consistency`, leftovers by
//! `kernel` snapshots and `oracle::leak`. Nothing here reads a schema or
//! the kernel itself.

use std::io;

use serde_json::Value;

use super::oracles::{AttachmentFacts, Leftovers};
use crate::kernel::{diff, Coverage, SandboxProbe, SandboxSnapshot, SnapshotOptions};
use crate::oracle::{consistency, leak, Severity};
use crate::sandbox::Sandbox;
use crate::spec::SpecVersion;

/// One sandbox as the oracles see it, its namespaces held open for the
/// several snapshots each input takes (see [`SandboxProbe`]). Drop it
/// before the sandbox: it keeps the namespaces alive.
pub struct Observer {
    probe: SandboxProbe,
    /// Compare results with the kernel (main plugins; IPAM and meta
    /// plugins don't configure the interfaces their results describe).
    consistency: bool,
}

impl Observer {
    /// `firewall`: snapshots include the firewall ruleset, so rules a DEL
    /// leaves count as leaks (a process per tool: milliseconds per input).
    pub fn open(sandbox: &Sandbox, consistency: bool, firewall: bool) -> io::Result<Observer> {
        let opts = SnapshotOptions {
            firewall,
            ..SnapshotOptions::default()
        };
        Ok(Observer {
            probe: SandboxProbe::open(sandbox, &opts)?,
            consistency,
        })
    }

    /// Netlink state, state directories and, if asked for, the firewall.
    pub fn snapshot(&mut self) -> io::Result<SandboxSnapshot> {
        self.probe.snapshot()
    }

    /// Violations of a success result right after the ADD that printed it
    /// (the kernel is as the ADD left it), one line each.
    ///
    /// Results must validate against their version's schema, normalise
    /// (every field of the right type and shape for their version), carry
    /// the configuration's version and, for main plugins, agree with the kernel.
    pub fn check_result(
        &mut self,
        requested: Option<SpecVersion>,
        result: &Value,
        ifname: &str,
    ) -> Vec<String> {
        let parsed = match crate::result::parse_value(result) {
            Ok(r) => r,
            Err(e) => return vec![format!("{}: {}", e.path, e.message)],
        };
        let mut out = Vec::new();
        if let Some(v) = requested {
            // RES-2: the result has its version's shape. The fuzzed binary is
            // always the one the runtime calls, so its answer is a full result
            // even when the profile's subject is an IPAM plugin.
            let kind = crate::schema::DocumentKind::Result;
            if let Err(crate::schema::SchemaError::Invalid(violations)) =
                crate::schema::validate(v, kind, result)
            {
                out.extend(
                    violations
                        .iter()
                        .take(3)
                        .map(|violation| format!("[RES-2] schema: {violation}")),
                );
            }
            // SPEC.md "Result Types": a result is in the configuration's version.
            if parsed.cni_version != v {
                out.push(format!(
                    "result cniVersion {} differs from the configuration's {v}",
                    parsed.cni_version
                ));
            }
        }
        if self.consistency {
            // The node side only needs addresses when a result puts one there.
            let node_addresses = parsed
                .ips
                .iter()
                .any(|ip| parsed.interface_of(ip).is_some_and(|i| i.sandbox.is_none()));
            let node_coverage = if node_addresses {
                Coverage::Addressing
            } else {
                Coverage::Links
            };
            let read = self
                .probe
                .node(node_coverage)
                .and_then(|node| Ok((node, self.probe.container(Coverage::Addressing)?)));
            match read {
                Ok((node, Some(container))) => out.extend(
                    consistency::check(&parsed, ifname, &container, &node)
                        .into_iter()
                        .filter(|f| f.severity == Severity::Error)
                        .map(|f| format!("[{}] {}", f.requirement, f.message)),
                ),
                Ok((_, None)) => out.push("no container namespace to check the result in".into()),
                Err(e) => out.push(format!("cannot read the kernel to check the result: {e}")),
            }
        }
        out
    }
}

/// What the DEL left for the attachment, between two snapshots.
pub fn leftovers(
    before: &SandboxSnapshot,
    after: &SandboxSnapshot,
    att: AttachmentFacts<'_>,
) -> Leftovers {
    let parsed = att
        .add_result
        .and_then(|r| crate::result::parse_value(r).ok());
    let who = match &parsed {
        Some(r) => leak::Attachment::from_result(att.container_id, att.ifname, r),
        None => leak::Attachment {
            container_id: att.container_id.to_string(),
            ifname: att.ifname.to_string(),
            addresses: Vec::new(),
            host_interfaces: Vec::new(),
        },
    };
    // The common case, a DEL that put everything back, costs one comparison.
    if before == after {
        return Leftovers {
            leaked: Vec::new(),
            pristine: true,
            diff: String::new(),
        };
    }
    // No snapshot after ADD: everything that is not a leak counts as kept.
    let residue = diff::diff_sandbox(before, after);
    let text = diff::render(&residue);
    let report = leak::classify(residue.clone(), &residue, after, &who);
    Leftovers {
        leaked: report.leaks.iter().map(ToString::to_string).collect(),
        pristine: report.leaks.is_empty() && report.lost.is_empty(),
        diff: text,
    }
}
