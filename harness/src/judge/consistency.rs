//! Does the kernel agree with the result a plugin printed?
//!
//! SPEC.md ("Add" and "Success" result sections): interfaces with `sandbox`
//! are inside the container, the others on the host; `ips[].interface`
//! points at the interface an address is configured on; `routes` are the
//! routes the plugin installed in the container; the container interface is
//! the one named by `CNI_IFNAME`. Every mismatch is a finding.
//!
//! Meant for main plugins' ADD results (IPAM plugins configure nothing).
//! Addresses without an interface index (0.1.0/0.2.0 results) are looked for
//! on `CNI_IFNAME` in the container, where those versions put them.

use crate::kernel::{Link, NsSnapshot};
use crate::result::{CniResult, Interface, IpConfig, Route};

use super::Finding;

/// Requirement ids this judgement cites.
pub mod ids {
    /// The container-side interface is the one named `CNI_IFNAME`.
    pub const IFNAME: &str = "RES-IFNAME";
    /// An interface reported with `sandbox` exists in the container namespace.
    pub const IF_SANDBOX: &str = "RES-IF-SANDBOX";
    /// An interface reported without `sandbox` exists in the node namespace.
    pub const IF_HOST: &str = "RES-IF-HOST";
    /// A reported `mac` is the interface's hardware address.
    pub const IF_MAC: &str = "RES-IF-MAC";
    /// A reported `mtu` is the interface's MTU (1.1.0).
    pub const IF_MTU: &str = "RES-IF-MTU";
    /// Each reported address is configured on the interface it points to.
    pub const IP_CONFIGURED: &str = "RES-IP-CONFIGURED";
    /// Each reported route is installed in the container namespace.
    pub const ROUTE_PRESENT: &str = "RES-ROUTE-PRESENT";
}

/// Whether judging `result` needs the node's addresses (it puts one on a
/// host-side interface), or its links suffice: reading less is faster.
pub fn reads_node_addresses(result: &CniResult) -> bool {
    result
        .ips
        .iter()
        .any(|ip| result.interface_of(ip).is_some_and(|i| i.sandbox.is_none()))
}

/// Every way `result` and the two namespaces disagree; empty when they agree.
pub fn check(
    result: &CniResult,
    ifname: &str,
    container: &NsSnapshot,
    node: &NsSnapshot,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let place = |iface: &Interface| {
        if iface.sandbox.is_some() {
            (container, "container")
        } else {
            (node, "node")
        }
    };

    for iface in &result.interfaces {
        let (ns, where_) = place(iface);
        let Some(link) = find_link(ns, &iface.name) else {
            let id = if iface.sandbox.is_some() {
                ids::IF_SANDBOX
            } else {
                ids::IF_HOST
            };
            out.push(Finding::error(
                id,
                format!(
                    "result reports interface {} but the {where_} namespace has no such link",
                    iface.name
                ),
            ));
            continue;
        };
        if let Some(mac) = &iface.mac {
            if !link.mac.as_deref().is_some_and(|m| same_mac(m, mac)) {
                out.push(Finding::error(
                    ids::IF_MAC,
                    format!(
                        "interface {} reported with mac {mac}, kernel has {}",
                        iface.name,
                        link.mac.as_deref().unwrap_or("none")
                    ),
                ));
            }
        }
        if let Some(mtu) = iface.mtu {
            if link.mtu != mtu {
                out.push(Finding::error(
                    ids::IF_MTU,
                    format!(
                        "interface {} reported with mtu {mtu}, kernel has {}",
                        iface.name, link.mtu
                    ),
                ));
            }
        }
    }

    let sandboxed: Vec<&Interface> = result
        .interfaces
        .iter()
        .filter(|i| i.sandbox.is_some())
        .collect();
    if !sandboxed.is_empty() && !sandboxed.iter().any(|i| i.name == ifname) {
        let names: Vec<&str> = sandboxed.iter().map(|i| i.name.as_str()).collect();
        out.push(Finding::error(
            ids::IFNAME,
            format!(
                "container interfaces in the result are {names:?}, none is CNI_IFNAME {ifname}"
            ),
        ));
    }
    if find_link(container, ifname).is_none() {
        out.push(Finding::error(
            ids::IFNAME,
            format!("the container namespace has no interface named CNI_IFNAME {ifname}"),
        ));
    }

    for ip in &result.ips {
        check_ip(result, ip, ifname, container, node, &mut out);
    }
    for route in &result.routes {
        if !container.routes.iter().any(|r| route_matches(route, r)) {
            out.push(Finding::error(
                ids::ROUTE_PRESENT,
                format!(
                    "result reports route {} but the container namespace has no such route",
                    show_route(route)
                ),
            ));
        }
    }
    out
}

fn check_ip(
    result: &CniResult,
    ip: &IpConfig,
    ifname: &str,
    container: &NsSnapshot,
    node: &NsSnapshot,
    out: &mut Vec<Finding>,
) {
    let (ns, where_, link) = match result.interface_of(ip) {
        Some(iface) if iface.sandbox.is_some() => (container, "container", iface.name.as_str()),
        Some(iface) => (node, "node", iface.name.as_str()),
        None => (container, "container", ifname),
    };
    let on_link: Vec<_> = ns.addresses.iter().filter(|a| a.link == link).collect();
    if on_link.iter().any(|a| a.address == ip.address) {
        return;
    }
    let detail = if let Some(a) = on_link
        .iter()
        .find(|a| a.address.addr() == ip.address.addr())
    {
        format!("it has {} (different prefix)", a.address)
    } else if let Some(a) = ns
        .addresses
        .iter()
        .find(|a| a.address.addr() == ip.address.addr())
    {
        format!("the address is on {} instead", a.link)
    } else {
        "no interface there has it".to_string()
    };
    out.push(Finding::error(
        ids::IP_CONFIGURED,
        format!(
            "result reports {} on {link} ({where_} namespace) but {detail}",
            ip.address
        ),
    ));
}

fn route_matches(want: &Route, have: &crate::kernel::Route) -> bool {
    let table_ok = match want.table {
        Some(t) => have.table == t,
        None => have.table != 255, // any table but the kernel's `local` one
    };
    let gw_ok = match want.gw {
        None => true,
        Some(gw) => {
            have.gateway == Some(gw)
                || have
                    .nexthops
                    .iter()
                    .any(|h| h.starts_with(&format!("via {gw} ")))
        }
    };
    table_ok
        && gw_ok
        && have.dst.network() == want.dst.network()
        && want.priority.is_none_or(|p| have.priority == Some(p))
        && want.mtu.is_none_or(|m| have.mtu == Some(m))
        && want.advmss.is_none_or(|m| have.advmss == Some(m))
}

fn show_route(r: &Route) -> String {
    let mut s = r.dst.to_string();
    if let Some(gw) = r.gw {
        s += &format!(" via {gw}");
    }
    if let Some(t) = r.table {
        s += &format!(" table {t}");
    }
    // Every attribute route_matches compares, so a reader sees which one
    // the kernel's route lacks.
    if let Some(p) = r.priority {
        s += &format!(" metric {p}");
    }
    if let Some(m) = r.mtu {
        s += &format!(" mtu {m}");
    }
    if let Some(m) = r.advmss {
        s += &format!(" advmss {m}");
    }
    s
}

fn find_link<'a>(ns: &'a NsSnapshot, name: &str) -> Option<&'a Link> {
    ns.links.iter().find(|l| l.name == name)
}

/// MACs compare by value: `0A:58:...` equals `0a:58:...`.
fn same_mac(a: &str, b: &str) -> bool {
    let norm = |m: &str| -> Option<Vec<u8>> {
        m.split([':', '-'])
            .map(|p| u8::from_str_radix(p, 16).ok())
            .collect()
    };
    match (norm(a), norm(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a route reported with `mtu` (upstream bridge v1.9.1
    /// installs it without) was shown as just its destination, so the
    /// finding read as if the whole route were missing.
    #[test]
    fn a_missing_route_is_shown_with_the_attributes_compared() {
        let route = Route {
            dst: "0.0.0.0/0".parse().expect("cidr"),
            gw: None,
            mtu: Some(1400),
            advmss: Some(1360),
            priority: Some(10),
            table: None,
            scope: None,
        };
        assert_eq!(
            show_route(&route),
            "0.0.0.0/0 metric 10 mtu 1400 advmss 1360"
        );
    }
}
