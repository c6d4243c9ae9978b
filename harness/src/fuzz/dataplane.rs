//! The fuzzer's data-plane oracle: after a successful ADD, the gateways the
//! result names must answer an echo from the container (the check of the
//! suite's `dp/connectivity`, DP-GATEWAY). A success result whose network carries
//! nothing is a finding.
//!
//! Judged only for inputs whose configuration is the seed's byte for byte
//! (what changes is the environment or the verb sequence): a mutated
//! configuration may legitimately move the gateway off the node
//! (`isGateway: false`, another `bridge`, a tuning sysctl that drops ARP),
//! and the sandbox cannot tell that from a defect.

use serde_json::Value;

use super::input::Input;
use super::oracles::Detection;
use crate::dataplane::Endpoint;
use crate::invoke::Step;
use crate::judge::dataplane::gateways::gateways;
use crate::judge::Severity;
use crate::record::Oracle;
use crate::sandbox::{Netns, Sandbox};
use crate::spec::Verb;

/// Whether the oracle applies to this ADD of this input.
pub fn applies(input: &Input, seed_config: &str, step: &Step) -> bool {
    step.invocation.verb == Verb::Add
        && step.reply.is_success()
        && !input.robustness_only()
        && input.config == seed_config
}

/// Probe the gateways of the ADD's result from the sandbox's container.
pub fn judge_add(sandbox: &Sandbox, result: &Value) -> anyhow::Result<Option<Detection>> {
    // A result the model cannot read is the result oracle's finding.
    let Ok(parsed) = crate::result::parse_value(result) else {
        return Ok(None);
    };
    let Some(container) = sandbox.container() else {
        return Ok(None);
    };
    let mut around: Vec<&Netns> = vec![container];
    around.extend(sandbox.node_netns());
    around.extend(sandbox.uplink().map(|u| u.ns()));
    let from = Endpoint {
        name: "container",
        ns: container,
    };
    let (findings, _) = gateways(&from, &around, &parsed)?;
    // One signature whatever gateway and address: the defect is the same.
    Ok(findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .map(|f| Detection::of_finding(Oracle::Dataplane, Verb::Add, f)))
}
