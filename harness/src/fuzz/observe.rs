//! The fuzzer's adapters onto the harness's observation modules: results
//! are judged by `schema`, `result` and `oracle::consistency`, leftovers by `kernel` snapshots and `oracle::leak`. Nothing here
//! reads a schema or the kernel itself.

use std::io;

use serde_json::Value;

use super::oracles::{AttachmentFacts, Leftovers, ResultOracle, Snapshot, StateOracle};
use crate::kernel::{self, diff, SandboxSnapshot, SnapshotOptions};
use crate::oracle::{consistency, leak, Severity};
use crate::sandbox::Sandbox;
use crate::spec::SpecVersion;

/// Success results must validate against their version's schema, normalise (every field of the right type and shape
/// for their version), carry the configuration's version and, for plugins
/// that configure interfaces, agree with the kernel.
pub struct SpecResults {
    /// Compare with the kernel (main plugins; IPAM plugins configure nothing).
    pub consistency: bool,
}

impl ResultOracle for SpecResults {
    fn check(
        &self,
        requested: Option<SpecVersion>,
        result: &Value,
        ifname: &str,
        sandbox: &Sandbox,
    ) -> Vec<String> {
        let parsed = match crate::result::parse_value(result) {
            Ok(r) => r,
            Err(e) => return vec![format!("{}: {}", e.path, e.message)],
        };
        let mut out = Vec::new();
        // RES-2: the result has its version's shape (the schema compiles once).
        // The fuzzed binary is always the one the runtime calls, so its answer
        // is a full result even when the profile's subject is an IPAM plugin.
        let kind = crate::schema::DocumentKind::Result;
        if let Some(v) = requested {
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
        }
        // SPEC.md "Result Types": a result is in the configuration's version.
        if let Some(v) = requested {
            if parsed.cni_version != v {
                out.push(format!(
                    "result cniVersion {} differs from the configuration's {v}",
                    parsed.cni_version
                ));
            }
        }
        if self.consistency {
            match kernel_now(sandbox) {
                Ok((node, container)) => out.extend(
                    consistency::check(&parsed, ifname, &container, &node)
                        .into_iter()
                        .filter(|f| f.severity == Severity::Error)
                        .map(|f| format!("[{}] {}", f.requirement, f.message)),
                ),
                Err(e) => out.push(format!("cannot read the kernel to check the result: {e}")),
            }
        }
        out
    }
}

fn kernel_now(sandbox: &Sandbox) -> io::Result<(kernel::NsSnapshot, kernel::NsSnapshot)> {
    let opts = SnapshotOptions::cheap();
    let node = match sandbox.node_netns() {
        Some(ns) => kernel::snapshot(ns, &opts)?,
        None => return Err(io::Error::other("no scratch node namespace")),
    };
    let container = match sandbox.container() {
        Some(ns) => kernel::snapshot(ns, &opts)?,
        None => return Err(io::Error::other("no container namespace")),
    };
    Ok((node, container))
}

/// Netlink state and state directories (no firewall dump: a process per
/// tool is too slow for every execution).
pub struct KernelState;

impl StateOracle for KernelState {
    fn snapshot(&self, sandbox: &Sandbox) -> io::Result<Snapshot> {
        Ok(Box::new(SandboxSnapshot::take(
            sandbox,
            &SnapshotOptions::cheap(),
        )?))
    }

    fn leftovers(
        &self,
        before: &Snapshot,
        after: &Snapshot,
        att: AttachmentFacts<'_>,
    ) -> Leftovers {
        let (Some(before), Some(after)) = (
            before.downcast_ref::<SandboxSnapshot>(),
            after.downcast_ref::<SandboxSnapshot>(),
        ) else {
            return Leftovers::default();
        };
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
        // No snapshot after ADD: everything that is not a leak counts as kept.
        let report = leak::leaks(before, after, after, &who);
        Leftovers {
            leaked: report.leaks.iter().map(ToString::to_string).collect(),
            pristine: report.leaks.is_empty() && report.lost.is_empty(),
            diff: diff::render(&diff::diff_sandbox(before, after)),
        }
    }
}
