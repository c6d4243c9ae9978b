//! Namespace-wide sysctls that CNI plugins are known to flip. Per-interface
//! ones come from netlink (see `read::devconf`): one dump instead of a file
//! read per interface and key.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;

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

/// Open the sysctls of the calling thread's network namespace: /proc/sys/net
/// resolves against the namespace of the task that opens the file, and the
/// open file keeps reading that namespace's value from any thread. A key
/// absent at open time (a module loaded later) stays out for the probe's life.
pub(crate) fn open_global() -> Vec<(String, File)> {
    GLOBAL
        .iter()
        .filter_map(|rel| {
            let file = File::open(format!("/proc/sys/net/{rel}")).ok()?;
            Some((format!("net.{}", rel.replace('/', ".")), file))
        })
        .collect()
}

/// Current values of opened sysctls, whitespace-normalised.
pub(crate) fn read(opened: &[(String, File)]) -> BTreeMap<String, String> {
    let mut buf = [0u8; 256];
    opened
        .iter()
        .filter_map(|(key, file)| {
            // Offset 0 each time: a sysctl file is regenerated on every read.
            let n = file.read_at(&mut buf, 0).ok()?;
            let text = String::from_utf8_lossy(&buf[..n]);
            let value = text.split_whitespace().collect::<Vec<_>>().join(" ");
            Some((key.clone(), value))
        })
        .collect()
}
