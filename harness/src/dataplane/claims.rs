//! What a success result claims about the data plane, read off the
//! normalised result: the container's addresses and their gateways, the
//! routes and where they lead, the MTU. SPEC.md describes these as
//! configuration "assigned" to the interfaces, so each is something packets
//! can test.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::result::{Cidr, CniResult};

/// An address of the container's interface and the gateway of its subnet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claimed {
    pub address: Cidr,
    pub gateway: Option<IpAddr>,
}

/// A route of the result and the next hop it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteClaim {
    pub dst: Cidr,
    /// The route's `gw`, or else the gateway of the container's address of
    /// that family (how bridge and ptp install gateway-less routes).
    pub via: Option<IpAddr>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Container-side addresses, loopback excluded.
    pub addresses: Vec<Claimed>,
    pub routes: Vec<RouteClaim>,
    /// The container interface's MTU as the result reports it (1.1.0).
    pub reported_mtu: Option<u32>,
}

impl Claims {
    pub fn of(result: &CniResult) -> Claims {
        // Addresses without an interface index belong to CNI_IFNAME
        // (0.1.0/0.2.0 results, IPAM-shaped ones); host-side ones are not
        // the container's.
        let addresses: Vec<Claimed> = result
            .ips
            .iter()
            .filter(|ip| result.interface_of(ip).is_none_or(|i| i.sandbox.is_some()))
            .filter(|ip| !ip.address.addr().is_loopback())
            .map(|ip| Claimed {
                address: ip.address,
                gateway: ip.gateway,
            })
            .collect();
        let routes = result
            .routes
            .iter()
            .map(|r| RouteClaim {
                dst: r.dst,
                via: r.gw.or_else(|| {
                    addresses
                        .iter()
                        .find(|a| a.address.is_ipv4() == r.dst.is_ipv4())
                        .and_then(|a| a.gateway)
                }),
            })
            .collect();
        let reported_mtu = result
            .interfaces
            .iter()
            .find(|i| i.sandbox.is_some())
            .and_then(|i| i.mtu)
            .filter(|m| *m > 0);
        Claims {
            addresses,
            routes,
            reported_mtu,
        }
    }

    /// Every distinct gateway, with the container address it serves.
    pub fn gateways(&self) -> Vec<(Cidr, IpAddr)> {
        let mut out: Vec<(Cidr, IpAddr)> = Vec::new();
        for a in &self.addresses {
            if let Some(gw) = a.gateway {
                if !out.iter().any(|(_, g)| *g == gw) {
                    out.push((a.address, gw));
                }
            }
        }
        out
    }

    /// The container's subnets (on-link destinations).
    pub fn subnets(&self) -> Vec<Cidr> {
        self.addresses.iter().map(|a| a.address.network()).collect()
    }

    /// The first container address of a family.
    pub fn address(&self, v4: bool) -> Option<Cidr> {
        self.addresses
            .iter()
            .map(|a| a.address)
            .find(|a| a.is_ipv4() == v4)
    }
}

/// The MTU the configuration asks for: the last plugin of the chain that
/// sets a positive `mtu` (a later one, e.g. tuning, overrides an earlier one).
pub fn configured_mtu(plugins: &[Map<String, Value>]) -> Option<(u32, String)> {
    plugins.iter().rev().find_map(|p| {
        let mtu = p.get("mtu")?.as_u64().filter(|m| *m > 0)?;
        let who = p.get("type").and_then(Value::as_str).unwrap_or("?");
        Some((u32::try_from(mtu).ok()?, format!("{who}'s `mtu`")))
    })
}

/// Where the configuration (or the runtime arguments the profile passes to
/// every container alike) fixes the container interface's MAC address: a
/// plugin's own `mac` (tuning, bridge), its `args.cni.mac` or
/// `runtimeConfig.mac`, or the `mac` capability argument. Every attachment
/// of such a network then has the same MAC, which is the configuration's
/// doing, not the plugin's.
pub fn configured_mac(
    plugins: &[Map<String, Value>],
    capability_args: &Map<String, Value>,
) -> Option<String> {
    let is_mac = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    if is_mac(capability_args.get("mac")) {
        return Some("the `mac` capability argument".into());
    }
    plugins.iter().find_map(|p| {
        let who = p.get("type").and_then(Value::as_str).unwrap_or("?");
        let places = [
            ("mac", p.get("mac")),
            (
                "args.cni.mac",
                p.get("args")
                    .and_then(|a| a.get("cni"))
                    .and_then(|c| c.get("mac")),
            ),
            (
                "runtimeConfig.mac",
                p.get("runtimeConfig").and_then(|r| r.get("mac")),
            ),
        ];
        places
            .into_iter()
            .find(|(_, v)| is_mac(*v))
            .map(|(key, _)| format!("{who}'s `{key}`"))
    })
}

/// An address inside `dst` to stand for "somewhere this route leads": the
/// first of `prefer` inside it, else one not in any of `avoid` (the
/// container's own subnets, the harness's links, reserved ranges) and not
/// the network or broadcast address; `None` if there is no such place.
pub fn route_target(dst: Cidr, prefer: &[IpAddr], avoid: &[Cidr]) -> Option<IpAddr> {
    let usable = |ip: &IpAddr| {
        dst.contains(*ip)
            && !ip.is_loopback()
            && !ip.is_multicast()
            && !avoid.iter().any(|c| c.contains(*ip))
    };
    if let Some(p) = prefer.iter().find(|p| usable(p)) {
        return Some(*p);
    }
    let bits: u32 = if dst.is_ipv4() { 32 } else { 128 };
    let host_bits = bits - u32::from(dst.prefix());
    let base = to_u128(dst.network().addr());
    let span: u128 = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    // The first host, one in the middle, the last host; a /32 (/128) is
    // its own only address, a /31 has no network or broadcast address.
    let offsets = match host_bits {
        0 => vec![0],
        1 => vec![0, 1],
        _ => vec![1, span / 2 + 2, span - 1],
    };
    offsets
        .into_iter()
        .filter(|o| *o <= span)
        .map(|o| from_u128(base + o, dst.is_ipv4()))
        .find(usable)
}

/// Destinations never used as a route's target: this-network, loopback,
/// link-local and multicast ranges.
pub fn special_ranges() -> Vec<Cidr> {
    [
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/3",
        "::/127",
        "fe80::/10",
        "ff00::/8",
    ]
    .iter()
    .filter_map(|c| c.parse().ok())
    .collect()
}

/// One `portMappings` entry as the capability carries it (CONVENTIONS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMapping {
    pub host_port: u16,
    pub container_port: u16,
    pub udp: bool,
    pub host_ip: Option<IpAddr>,
}

impl PortMapping {
    /// The node address a client sends to for this mapping in one family,
    /// `None` when the mapping does not apply to it. `hostIP` "0.0.0.0" or
    /// "::" (as none at all) maps every node address of its family:
    /// upstream portmap (plugins/meta/portmap/portmap.go, v1.x) adds no
    /// destination match for an unspecified `hostIP`, so the probe goes to
    /// a real node address (`node`), never to the prober's own 0.0.0.0.
    pub fn probe_at(&self, v4: bool, node: &[Cidr]) -> Option<IpAddr> {
        match self.host_ip {
            Some(ip) if ip.is_ipv4() != v4 => None,
            Some(ip) if !ip.is_unspecified() => Some(ip),
            _ => node.iter().find(|c| c.is_ipv4() == v4).map(|c| c.addr()),
        }
    }
}

/// The well-formed entries of the runtime's `portMappings` capability
/// argument (others are the plugin's to refuse, not the prober's to use).
pub fn port_mappings(capability_args: &Map<String, Value>) -> Vec<PortMapping> {
    let port = |m: &Value, k: &str| {
        m.get(k)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
    };
    capability_args
        .get("portMappings")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    Some(PortMapping {
                        host_port: port(m, "hostPort")?,
                        container_port: port(m, "containerPort")?,
                        udp: m.get("protocol").and_then(Value::as_str) == Some("udp"),
                        host_ip: m
                            .get("hostIP")
                            .and_then(Value::as_str)
                            .and_then(|s| s.parse().ok()),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_u128(n: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::from(std::net::Ipv4Addr::from(n as u32))
    } else {
        IpAddr::from(std::net::Ipv6Addr::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(s: &str) -> Cidr {
        s.parse().expect("cidr")
    }

    #[test]
    fn a_mac_fixed_by_the_configuration_is_found_where_users_put_it() {
        let obj = |v: Value| v.as_object().cloned().expect("object");
        let none = Map::new();
        let plain = [obj(serde_json::json!({"type": "bridge"}))];
        assert_eq!(configured_mac(&plain, &none), None);
        let tuning = [
            obj(serde_json::json!({"type": "bridge"})),
            obj(serde_json::json!({"type": "tuning", "mac": "c2:11:22:33:44:55"})),
        ];
        assert_eq!(
            configured_mac(&tuning, &none).as_deref(),
            Some("tuning's `mac`")
        );
        let args = [obj(
            serde_json::json!({"type": "bridge", "args": {"cni": {"mac": "c2:11:22:33:44:55"}}}),
        )];
        assert!(configured_mac(&args, &none).is_some());
        let caps = obj(serde_json::json!({"mac": "c2:11:22:33:44:55"}));
        assert!(configured_mac(&plain, &caps).is_some());
    }

    #[test]
    fn unspecified_host_ips_are_probed_at_a_node_address_of_their_family() {
        let node = [cidr("198.51.100.1/24"), cidr("2001:db8:100::1/64")];
        let m = |host: Option<&str>| PortMapping {
            host_port: 8080,
            container_port: 80,
            udp: false,
            host_ip: host.map(|h| h.parse().expect("ip")),
        };
        let v4: IpAddr = "198.51.100.1".parse().expect("ip");
        let v6: IpAddr = "2001:db8:100::1".parse().expect("ip");
        assert_eq!(m(Some("0.0.0.0")).probe_at(true, &node), Some(v4));
        assert_eq!(m(Some("0.0.0.0")).probe_at(false, &node), None);
        assert_eq!(m(Some("::")).probe_at(false, &node), Some(v6));
        assert_eq!(m(Some("::")).probe_at(true, &node), None);
        assert_eq!(m(None).probe_at(true, &node), Some(v4));
        assert_eq!(m(None).probe_at(false, &node), Some(v6));
        let exact: IpAddr = "198.51.100.7".parse().expect("ip");
        assert_eq!(m(Some("198.51.100.7")).probe_at(true, &node), Some(exact));
        assert_eq!(m(None).probe_at(true, &[]), None);
    }

    #[test]
    fn routes_get_a_target_outside_what_to_avoid() {
        let avoid = [cidr("10.88.0.0/24")];
        let beyond: IpAddr = "203.0.113.1".parse().expect("ip");
        assert_eq!(
            route_target(cidr("0.0.0.0/0"), &[beyond], &avoid),
            Some(beyond)
        );
        assert_eq!(
            route_target(cidr("10.0.0.0/8"), &[beyond], &[cidr("10.0.0.0/24")]),
            Some("10.128.0.1".parse().expect("ip"))
        );
        assert_eq!(route_target(cidr("10.88.0.0/24"), &[], &avoid), None);
        assert_eq!(
            route_target(cidr("192.0.2.7/32"), &[], &avoid),
            Some("192.0.2.7".parse().expect("ip"))
        );
        assert!(route_target(cidr("fd00::/8"), &[], &[]).is_some());
    }

    #[test]
    fn the_last_mtu_of_the_chain_counts() {
        let plugins: Vec<Map<String, Value>> = serde_json::from_str(
            r#"[{"type":"bridge","mtu":1500},{"type":"tuning","mtu":1400},{"type":"portmap"}]"#,
        )
        .expect("json");
        assert_eq!(
            configured_mtu(&plugins),
            Some((1400, "tuning's `mtu`".to_string()))
        );
        assert_eq!(configured_mtu(&plugins[2..]), None);
    }

    #[test]
    fn port_mappings_keep_the_well_formed_entries() {
        let args: Map<String, Value> = serde_json::from_str(
            r#"{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
                {"hostPort":53,"containerPort":5353,"protocol":"udp","hostIP":"198.51.100.1"},
                {"hostPort":70000,"containerPort":1},{"containerPort":1}]}"#,
        )
        .expect("json");
        let m = port_mappings(&args);
        assert_eq!(m.len(), 2);
        assert!(!m[0].udp && m[1].udp);
        assert_eq!(m[1].host_ip, Some("198.51.100.1".parse().expect("ip")));
    }
}
