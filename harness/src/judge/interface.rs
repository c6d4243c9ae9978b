//! Interface sanity: the attributes of the links an ADD made that a
//! runtime's traffic depends on, beyond the name, address, MAC and MTU the
//! result states (those are [`super::consistency`]'s).
//!
//! Judged on the container interface `CNI_IFNAME`, its veth peer on the
//! node (found by the peer ifindex the kernel reports) and the bridge that
//! peer is a port of:
//! - a veth with a transmit queue length of 0 (IF-TXQLEN): any queueing
//!   discipline later put on it (bandwidth shaping, `tc`, a runtime's
//!   default qdisc) sizes its queue from it and drops what it cannot send
//!   at once; the kernel's default for a veth is 1000 (upstream plugins
//!   created veths with 0 until containernetworking/plugins#1100, 2024:
//!   a `netlink.LinkAttrs` literal leaves `TxQLen` 0);
//! - the two ends of a veth with different MTUs (IF-MTU-ENDS): packets of
//!   the larger size are dropped on the way into the smaller end (not
//!   judged when a later plugin of the list, tuning, sets the container
//!   interface's `mtu`: then the configuration asked for it);
//! - the node end a port of an STP-less bridge but not forwarding
//!   (IF-BRIDGE-PORT): nothing crosses it;
//! - what the configuration asks for and the kernel does not hold
//!   (IF-CONFIG): bridge's `hairpinMode` (the port's hairpin flag) and
//!   `promiscMode` (the bridge in promiscuous mode).

use serde_json::{Map, Value};

use super::Finding;
use crate::kernel::model::{Link, NsSnapshot};

/// Requirement ids this judgement cites.
pub mod ids {
    pub const TXQLEN: &str = "IF-TXQLEN";
    pub const MTU_ENDS: &str = "IF-MTU-ENDS";
    pub const BRIDGE_PORT: &str = "IF-BRIDGE-PORT";
    pub const CONFIG: &str = "IF-CONFIG";
}

/// What the configuration asks of the attachment's links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asked {
    /// `hairpinMode`: the bridge port reflects traffic back to its sender.
    pub hairpin: Option<bool>,
    /// `promiscMode`: the bridge itself is promiscuous.
    pub promisc: Option<bool>,
    /// A later plugin of the list (tuning) sets the container interface's
    /// `mtu`: the veth's ends then differ by the configuration's doing.
    pub mtu_set_later: bool,
}

impl Asked {
    /// From the plugin objects of the configuration (the last that sets a
    /// key wins, as for `mtu`).
    pub fn from_plugins(plugins: &[Map<String, Value>]) -> Asked {
        let last = |key: &str| plugins.iter().rev().find_map(|p| p.get(key)?.as_bool());
        Asked {
            hairpin: last("hairpinMode"),
            promisc: last("promiscMode"),
            mtu_set_later: plugins.iter().skip(1).any(|p| p.get("mtu").is_some()),
        }
    }
}

/// The findings on the attachment `ifname` as the kernel holds it after ADD.
pub fn check(
    ifname: &str,
    container: &NsSnapshot,
    node: &NsSnapshot,
    asked: &Asked,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(inner) = container.links.iter().find(|l| l.name == ifname) else {
        return out; // consistency reports a missing interface
    };
    // The node end: a veth in the node whose peer is the container's.
    let outer = node.veth_end_of(inner);
    for (l, side) in [(Some(inner), "container"), (outer, "node")] {
        let Some(l) = l else { continue };
        if l.kind == "veth" && l.health.txqueuelen == Some(0) {
            out.push(
                Finding::error(
                    ids::TXQLEN,
                    format!(
                        "the {side} end {} of the veth has a transmit queue length of 0",
                        l.name
                    ),
                )
                .expected("the kernel's default (1000) or another non-zero queue length")
                .actual("qlen 0"),
            );
        }
    }
    let Some(outer) = outer else {
        return out;
    };
    if outer.mtu != inner.mtu && !asked.mtu_set_later {
        out.push(
            Finding::error(
                ids::MTU_ENDS,
                format!(
                    "the veth's ends differ in MTU: {} in the container, {} on the node",
                    inner.name, outer.name
                ),
            )
            .expected(format!("both {}", inner.mtu))
            .actual(format!("container {}, node {}", inner.mtu, outer.mtu)),
        );
    }
    if let Some(bridge) = node.bridge_of(outer) {
        out.extend(port_findings(outer, bridge, asked));
    }
    out
}

/// Findings a delegate is the author of get its name (`by`): those that
/// the attachment's links already showed when a delegate's ADD returned
/// (the links the tap's shim read then, see [`crate::kernel::attachment`]),
/// the earliest such delegate first. A finding the links showed only later
/// is the work of the plugin that ran the delegate, and keeps no name here.
/// A bridge port's state is left out: it follows the carrier
/// asynchronously, so at a delegate's exit it says nothing yet.
pub fn attribute_to_delegates(
    findings: Vec<Finding>,
    ifname: &str,
    calls: &[crate::invoke::DelegateCall],
    asked: &Asked,
) -> Vec<Finding> {
    let at_exit: Vec<(String, Vec<Finding>)> = calls
        .iter()
        .filter(|c| c.verb == Some(crate::spec::Verb::Add) && !c.links_at_exit.is_empty())
        .map(|c| {
            // The container's interface first, then its node end and bridge.
            let (inner, node) = c.links_at_exit.split_at(1);
            let container = NsSnapshot {
                links: inner.to_vec(),
                ..NsSnapshot::default()
            };
            let node = NsSnapshot {
                links: node.to_vec(),
                ..NsSnapshot::default()
            };
            (c.binary.clone(), check(ifname, &container, &node, asked))
        })
        .collect();
    findings
        .into_iter()
        .map(|mut f| {
            if f.by.is_none() && f.requirement != ids::BRIDGE_PORT {
                f.by = at_exit
                    .iter()
                    .find(|(_, seen)| {
                        seen.iter().any(|s| {
                            s.requirement == f.requirement
                                && s.message == f.message
                                && s.actual == f.actual
                        })
                    })
                    .map(|(who, _)| who.clone());
            }
            f
        })
        .collect()
}

fn port_findings(port: &Link, bridge: &Link, asked: &Asked) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(p) = port.health.bridge_port.as_ref() else {
        return out;
    };
    // With STP on, a new port listens and learns for seconds first.
    let stp = bridge
        .attrs
        .get("stp_state")
        .is_some_and(|s| s != "0" && s != "disabled" && s != "no_stp");
    // Without carrier the kernel keeps a port disabled; carrier comes with
    // the link's operational state, which linkwatch may apply up to a
    // second late (a down peer is dp/connectivity's to judge).
    if !stp && p.state != "forwarding" && port.is_up() && port.oper_state == "up" {
        out.push(
            Finding::error(
                ids::BRIDGE_PORT,
                format!(
                    "the node end {} is a port of bridge {} (no STP) that does not forward",
                    port.name, bridge.name
                ),
            )
            .expected("port state forwarding")
            .actual(format!("port state {}", p.state)),
        );
    }
    if asked.hairpin == Some(true) && !p.hairpin {
        out.push(
            Finding::error(
                ids::CONFIG,
                format!(
                    "`hairpinMode` is true but port {} of bridge {} has hairpin off",
                    port.name, bridge.name
                ),
            )
            .expected("hairpin on")
            .actual("hairpin off"),
        );
    }
    if asked.promisc == Some(true) && bridge.health.promiscuity == Some(0) {
        out.push(
            Finding::error(
                ids::CONFIG,
                format!(
                    "`promiscMode` is true but bridge {} is not promiscuous",
                    bridge.name
                ),
            )
            .expected("promiscuity > 0")
            .actual("promiscuity 0"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::model::{BridgePort, LinkHealth};

    fn veth(name: &str, ifindex: u32, peer: u32, away: bool) -> Link {
        Link {
            name: name.into(),
            kind: "veth".into(),
            ifindex,
            mac: None,
            mtu: 1500,
            flags: vec!["up".into()],
            oper_state: "up".into(),
            master: None,
            peer: None,
            peer_netnsid: away.then_some(0),
            attrs: Default::default(),
            sysctls: Default::default(),
            health: LinkHealth {
                txqueuelen: Some(1000),
                peer_ifindex: Some(peer),
                ..LinkHealth::default()
            },
        }
    }

    fn world() -> (NsSnapshot, NsSnapshot) {
        let inner = veth("eth0", 2, 9, true);
        let mut outer = veth("veth1", 9, 2, true);
        outer.master = Some("cni0".into());
        outer.health.bridge_port = Some(BridgePort {
            state: "forwarding".into(),
            hairpin: false,
            learning: true,
        });
        let mut bridge = veth("cni0", 5, 0, false);
        bridge.kind = "bridge".into();
        bridge.health.promiscuity = Some(0);
        let container = NsSnapshot {
            links: vec![inner],
            ..NsSnapshot::default()
        };
        let node = NsSnapshot {
            links: vec![bridge, outer],
            ..NsSnapshot::default()
        };
        (container, node)
    }

    fn ids_of(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.requirement).collect()
    }

    #[test]
    fn a_sane_attachment_has_no_findings() {
        let (c, n) = world();
        assert!(check("eth0", &c, &n, &Asked::default()).is_empty());
    }

    #[test]
    fn a_zero_queue_on_either_end_is_found() {
        let (mut c, mut n) = world();
        c.links[0].health.txqueuelen = Some(0);
        n.links[1].health.txqueuelen = Some(0);
        let f = check("eth0", &c, &n, &Asked::default());
        assert_eq!(ids_of(&f), [ids::TXQLEN, ids::TXQLEN], "{f:?}");
    }

    #[test]
    fn mtu_ends_port_state_and_config_are_judged() {
        let (c, mut n) = world();
        n.links[1].mtu = 1400;
        if let Some(p) = n.links[1].health.bridge_port.as_mut() {
            p.state = "disabled".into();
        }
        let asked = Asked {
            hairpin: Some(true),
            promisc: Some(true),
            mtu_set_later: false,
        };
        let f = check("eth0", &c, &n, &asked);
        assert_eq!(
            ids_of(&f),
            [ids::MTU_ENDS, ids::BRIDGE_PORT, ids::CONFIG, ids::CONFIG],
            "{f:?}"
        );
    }

    #[test]
    fn stp_bridges_may_still_be_learning() {
        let (c, mut n) = world();
        n.links[0]
            .attrs
            .insert("stp_state".into(), "kernel_stp".into());
        if let Some(p) = n.links[1].health.bridge_port.as_mut() {
            p.state = "listening".into();
        }
        assert!(check("eth0", &c, &n, &Asked::default()).is_empty());
    }

    #[test]
    fn the_configuration_is_read_last_setter_first() {
        let obj = |v: Value| v.as_object().cloned().expect("object");
        let plugins = [
            obj(serde_json::json!({"type": "bridge", "hairpinMode": true, "promiscMode": false})),
            obj(serde_json::json!({"type": "tuning"})),
        ];
        let a = Asked::from_plugins(&plugins);
        assert_eq!((a.hairpin, a.promisc), (Some(true), Some(false)));
        assert!(!a.mtu_set_later);
        let tuned = [
            obj(serde_json::json!({"type": "bridge"})),
            obj(serde_json::json!({"type": "tuning", "mtu": 1400})),
        ];
        assert!(Asked::from_plugins(&tuned).mtu_set_later);
    }
}
