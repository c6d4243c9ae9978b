//! Namespace-wide sysctls that CNI plugins are known to flip. Per-interface
//! ones come from netlink (see `read::devconf`): one dump instead of a file
//! read per interface and key.

use std::collections::BTreeMap;

/// Paths under /proc/sys/net; absent ones (e.g. `bridge/*` without the
/// br_netfilter module) are left out of the snapshot.
const GLOBAL: &[&str] = &[
    "ipv4/ip_forward",
    "ipv4/conf/all/forwarding",
    "ipv4/conf/all/rp_filter",
    "ipv4/conf/default/rp_filter",
    "ipv4/conf/all/proxy_arp",
    "ipv4/conf/all/route_localnet",
    "ipv4/conf/all/arp_notify",
    "ipv4/ip_local_port_range",
    "ipv6/conf/all/forwarding",
    "ipv6/conf/default/forwarding",
    "ipv6/conf/all/disable_ipv6",
    "ipv6/conf/default/disable_ipv6",
    "ipv6/conf/all/accept_dad",
    "ipv6/conf/default/accept_dad",
    "bridge/bridge-nf-call-iptables",
    "bridge/bridge-nf-call-ip6tables",
];

/// Read the sysctls of the calling thread's network namespace: /proc/sys/net
/// resolves against the namespace of the task that opens the file.
pub(crate) fn global() -> BTreeMap<String, String> {
    GLOBAL
        .iter()
        .filter_map(|rel| {
            let text = std::fs::read_to_string(format!("/proc/sys/net/{rel}")).ok()?;
            let value = text.split_whitespace().collect::<Vec<_>>().join(" ");
            Some((format!("net.{}", rel.replace('/', ".")), value))
        })
        .collect()
}
