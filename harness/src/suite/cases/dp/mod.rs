//! Data-plane cases (`DP-*`): real packets, sent by the harness between the
//! sandbox's namespaces, prove that the network a plugin set up carries
//! traffic, not only that the kernel agrees with its result. Each checks
//! one claim the result (or the configuration) makes; the catalogue says
//! how each is derived from SPEC.md and why a failure is one.

use serde_json::Value;

use crate::config::Surroundings;
use crate::dataplane::claims;
use crate::spec::SpecVersion;
use crate::suite::case::{
    both, has_interfaces, needs_chaining, several_containers, Applicability, Case, Scope,
};

// One file per case; `attached` holds what they share.
mod attached;
mod attachments;
mod connectivity;
mod ipmasq;
mod mtu;
mod portmap;
mod routes;

/// A case run at every version (data planes do not depend on it, but a
/// plugin's code paths may).
fn case(
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    applies: crate::suite::case::Applies,
    run: crate::suite::case::Run,
) -> Case {
    Case {
        id,
        title,
        requirements,
        scope: Scope::PerVersion,
        applies,
        run,
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "dp/connectivity",
            "the container reaches its gateways and whoever holds an address in its subnet reaches it, until DEL",
            &["DP-GATEWAY", "DP-NODE", "DP-DEL"],
            has_interfaces,
            connectivity::run,
        ),
        case(
            "dp/attachments",
            "two attachments on one network reach each other both ways, in each family they share",
            &["DP-PEERS"],
            two_containers,
            attachments::run,
        ),
        case(
            "dp/routes",
            "each route leads through its next hop to the network beyond the node",
            &["DP-ROUTES"],
            has_interfaces,
            routes::run,
        ),
        case(
            "dp/ipmasq",
            "with ipMasq off the network beyond the node sees the container's address, with it on the node's",
            &["DP-MASQ"],
            masquerading,
            ipmasq::run,
        ),
        case(
            "dp/mtu",
            "a don't-fragment packet of the configured or reported MTU reaches the gateway, one byte more does not",
            &["DP-MTU"],
            sized,
            mtu::run,
        ),
        case(
            "dp/portmap",
            "TCP or UDP to the node's mapped host port reaches a listener on the container's port",
            &["DP-PORTMAP"],
            port_mapped,
            portmap::run,
        ),
    ]
}

fn two_containers(a: &Applicability) -> Result<(), String> {
    both(a, has_interfaces, several_containers)?;
    // Two attachments with one MAC cannot reach each other on one segment:
    // when the configuration fixes it, that is the user's doing.
    match claims::configured_mac(&a.profile.config.plugins, &a.profile.needs.capability_args) {
        Some(why) => Err(format!(
            "{why} gives every attachment the same MAC address: two of them cannot share a network"
        )),
        None => Ok(()),
    }
}

/// The subject's own configuration object.
fn subject<'p>(a: &Applicability<'p>) -> Option<&'p serde_json::Map<String, Value>> {
    let p = a.profile;
    p.config
        .plugins
        .iter()
        .find(|o| crate::config::plugin_type(o) == p.plugin)
}

fn masquerading(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    match subject(a)
        .and_then(|o| o.get("ipMasq"))
        .and_then(Value::as_bool)
    {
        Some(_) => Ok(()),
        None => Err("the plugin's configuration has no boolean `ipMasq`".into()),
    }
}

fn sized(a: &Applicability) -> Result<(), String> {
    has_interfaces(a)?;
    // Results report interface MTUs from 1.1.0 on; before, only the configuration can.
    if claims::configured_mtu(&a.profile.config.plugins).is_some()
        || a.version >= SpecVersion::V1_1_0
    {
        Ok(())
    } else {
        Err("no MTU is configured (and results before 1.1.0 report none)".into())
    }
}

fn port_mapped(a: &Applicability) -> Result<(), String> {
    both(a, has_interfaces, needs_chaining)?;
    let declared = a.profile.config.plugins.iter().any(|p| {
        p.get("capabilities")
            .and_then(|c| c.get("portMappings"))
            .and_then(Value::as_bool)
            == Some(true)
    });
    let passed = a
        .profile
        .needs
        .capability_args
        .get("portMappings")
        .and_then(Value::as_array)
        .is_some_and(|m| !m.is_empty());
    if !declared || !passed {
        return Err(
            "no plugin of the list takes the `portMappings` capability, or the profile passes none"
                .into(),
        );
    }
    if a.profile.node.surroundings != Surroundings::BehindNode {
        return Err(
            "the node has no address of its own beyond the parent link to map ports on".into(),
        );
    }
    Ok(())
}
