//! What a snapshot holds: the network state of one namespace, in plain
//! serialisable values. Interfaces are named, never referred to by ifindex,
//! so two snapshots compare by meaning.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::result::Cidr;

/// The network state of one namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NsSnapshot {
    pub links: Vec<Link>,
    pub addresses: Vec<Address>,
    /// Every table, both families.
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
    /// Permanent entries only: the rest is traffic-driven cache.
    pub neighbours: Vec<Neighbour>,
    /// Namespace-wide sysctls (`net.ipv4.ip_forward` ...); per-interface ones
    /// live in [`Link::sysctls`].
    pub sysctls: BTreeMap<String, String>,
    pub qdiscs: Vec<Qdisc>,
    /// `None` when the snapshot was taken without the firewall dump.
    pub firewall: Option<BTreeMap<String, FirewallDump>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub name: String,
    /// `veth`, `bridge`, ... or `device` for links without a kind (`lo`, NICs).
    pub kind: String,
    /// Only for display and for resolving names inside one snapshot.
    pub ifindex: u32,
    pub mac: Option<String>,
    pub mtu: u32,
    /// Interface flags in lower case (`up`, `lower_up`, `noarp` ...).
    pub flags: Vec<String>,
    pub oper_state: String,
    pub master: Option<String>,
    /// The peer of a veth (or the lower device of a macvlan) when it is in
    /// this namespace.
    pub peer: Option<String>,
    /// The namespace id (as this namespace numbers them) of the peer's
    /// namespace, when it lives elsewhere.
    pub peer_netnsid: Option<i32>,
    /// Cheap kind-specific attributes (`vlan_filtering`, `vlan_id`, `mode` ...).
    pub attrs: BTreeMap<String, String>,
    /// Per-interface sysctls from the kernel's devconf (`ipv4.forwarding`,
    /// `ipv6.accept_dad` ...), the values under /proc/sys/net/*/conf/NAME.
    pub sysctls: BTreeMap<String, i32>,
    /// Attributes traffic depends on, read for the interface-sanity oracle
    /// (`judge::interface`) and never diffed: carrier and a bridge port's
    /// STP state move on their own after ADD and DEL.
    #[serde(default)]
    pub health: LinkHealth,
}

/// What a runtime's traffic depends on beyond a link's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkHealth {
    /// Transmit queue length (`qlen`).
    pub txqueuelen: Option<u32>,
    pub carrier: Option<bool>,
    /// How many times promiscuous mode was asked for (0: off).
    pub promiscuity: Option<u32>,
    /// IPv6 link-local address generation (`eui64`, `none`, ...).
    pub addr_gen_mode: Option<String>,
    /// The peer's ifindex, in the namespace `peer_netnsid` names when set:
    /// pairs a container's veth with its node end across snapshots.
    pub peer_ifindex: Option<u32>,
    /// Set when the link is a bridge port.
    pub bridge_port: Option<BridgePort>,
}

/// A bridge port's own settings (`ip -d link` shows them as `bridge_slave`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgePort {
    /// `disabled`, `listening`, `learning`, `forwarding`, `blocking`.
    pub state: String,
    pub hairpin: bool,
    pub learning: bool,
}

impl Link {
    pub fn is_up(&self) -> bool {
        self.flags.iter().any(|f| f == "up")
    }
}

impl NsSnapshot {
    /// The node end of the container's veth `inner`: a veth of this
    /// namespace whose peer is `inner` (ifindexes paired both ways, the peer
    /// in another namespace).
    pub fn veth_end_of(&self, inner: &Link) -> Option<&Link> {
        (inner.kind == "veth")
            .then(|| {
                self.links.iter().find(|l| {
                    l.kind == "veth"
                        && l.peer_netnsid.is_some()
                        && l.health.peer_ifindex == Some(inner.ifindex)
                        && inner.health.peer_ifindex == Some(l.ifindex)
                })
            })
            .flatten()
    }

    /// The bridge of this namespace that `port` is a port of.
    pub fn bridge_of(&self, port: &Link) -> Option<&Link> {
        let master = port.master.as_deref()?;
        self.links
            .iter()
            .find(|l| l.name == master && l.kind == "bridge")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub link: String,
    pub address: Cidr,
    pub scope: String,
    /// `permanent`, `tentative`, `nodad` ... (lower case).
    pub flags: Vec<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub table: u32,
    /// `0.0.0.0/0` / `::/0` for default routes.
    pub dst: Cidr,
    pub src: Option<Cidr>,
    /// `unicast`, `local`, `broadcast`, `multicast`, `blackhole` ...
    pub kind: String,
    pub protocol: String,
    pub scope: String,
    pub priority: Option<u32>,
    pub tos: u8,
    pub gateway: Option<IpAddr>,
    pub oif: Option<String>,
    pub prefsrc: Option<IpAddr>,
    pub mtu: Option<u32>,
    pub advmss: Option<u32>,
    /// ECMP next hops as `via GW dev NAME`.
    pub nexthops: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub ipv4: bool,
    pub priority: u32,
    /// Selector and action in `ip rule` words: `from 10.0.0.0/8 lookup 100`.
    pub spec: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neighbour {
    pub link: String,
    pub ip: IpAddr,
    pub lladdr: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qdisc {
    pub link: String,
    pub kind: String,
    /// `1:`, `ffff:`.
    pub handle: String,
    /// `root`, `ingress` or a class handle.
    pub parent: String,
}

/// One firewall tool's view of the ruleset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirewallDump {
    /// Normalised lines (counters stripped), each carrying its table/chain.
    Rules(Vec<String>),
    /// The tool is not installed: nothing to compare, and the report says so.
    Missing,
    Failed(String),
}
