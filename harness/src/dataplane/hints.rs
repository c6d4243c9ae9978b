//! When a probe fails, what in the kernel likely explains it: links down,
//! host ends of veths left out of the bridge, ARP switched off, forwarding
//! off on the node, firewall rules dropping the container's address. Read
//! only on failure, so it costs passing cases nothing.

use std::io;
use std::net::IpAddr;

use crate::kernel::model::{FirewallDump, NsSnapshot};
use crate::kernel::{snapshot, SnapshotOptions};
use crate::sandbox::{uplink, Netns};

/// One line per suspicious thing, empty when nothing stands out, for the
/// attachment `ifname` with `addresses` (their families say which
/// forwarding matters; firewall rules naming them and dropping are shown).
pub fn hints(
    node: &Netns,
    container: &Netns,
    ifname: &str,
    addresses: &[IpAddr],
) -> io::Result<Vec<String>> {
    let node = snapshot(node, &SnapshotOptions::default())?;
    let container = snapshot(container, &SnapshotOptions::cheap())?;
    Ok(judge(&node, &container, ifname, addresses))
}

/// The pure part of [`hints`].
pub fn judge(
    node: &NsSnapshot,
    container: &NsSnapshot,
    ifname: &str,
    addresses: &[IpAddr],
) -> Vec<String> {
    let v4 = addresses.iter().any(IpAddr::is_ipv4);
    let v6 = addresses.iter().any(IpAddr::is_ipv6);
    let mut out = Vec::new();
    match container.links.iter().find(|l| l.name == ifname) {
        None => out.push(format!("the container has no interface {ifname}")),
        Some(l) => {
            if !l.is_up() {
                out.push(format!("the container's {ifname} is down"));
            }
            if l.flags.iter().any(|f| f == "noarp") {
                out.push(format!(
                    "the container's {ifname} has ARP switched off (NOARP)"
                ));
            }
        }
    }
    let bridges: Vec<&str> = node
        .links
        .iter()
        .filter(|l| l.kind == "bridge")
        .map(|l| l.name.as_str())
        .collect();
    for l in &node.links {
        // A veth whose peer lives in another namespace: a container's host end.
        let host_end = l.kind == "veth" && l.peer_netnsid.is_some() && l.name != uplink::NODE_LINK;
        if !host_end {
            continue;
        }
        if !l.is_up() {
            out.push(format!(
                "the node's {} (a container's host end) is down",
                l.name
            ));
        }
        if l.master.is_none() && !bridges.is_empty() {
            out.push(format!(
                "the node's {} is attached to no bridge (the node has {})",
                l.name,
                bridges.join(", ")
            ));
        }
    }
    for (key, family, used) in [
        ("net.ipv4.ip_forward", "IPv4", v4),
        ("net.ipv6.conf.all.forwarding", "IPv6", v6),
    ] {
        if used && node.sysctls.get(key).map(String::as_str) == Some("0") {
            out.push(format!(
                "{family} forwarding is off on the node ({key} = 0)"
            ));
        }
    }
    for dump in node.firewall.iter().flat_map(|f| f.values()) {
        let FirewallDump::Rules(rules) = dump else {
            continue;
        };
        for rule in rules {
            let words: Vec<&str> = rule
                .split(|c: char| c.is_whitespace() || c == '/')
                .collect();
            let names = addresses
                .iter()
                .any(|a| words.contains(&a.to_string().as_str()));
            let blocks = ["drop", "reject", "DROP", "REJECT"]
                .iter()
                .any(|w| words.contains(w));
            if names && blocks {
                out.push(format!(
                    "the node's firewall blocks the container's address: {rule}"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::model::Link;
    use std::collections::BTreeMap;

    fn link(name: &str, kind: &str, flags: &[&str], master: Option<&str>, away: bool) -> Link {
        Link {
            name: name.into(),
            kind: kind.into(),
            ifindex: 2,
            mac: None,
            mtu: 1500,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            oper_state: "up".into(),
            master: master.map(String::from),
            peer: None,
            peer_netnsid: away.then_some(0),
            attrs: BTreeMap::new(),
            sysctls: BTreeMap::new(),
            health: Default::default(),
        }
    }

    #[test]
    fn the_usual_suspects_are_named() {
        let mut node = NsSnapshot {
            links: vec![
                link("cni0", "bridge", &["up"], None, false),
                link("veth1", "veth", &[], None, true),
                link(uplink::NODE_LINK, "veth", &["up"], None, true),
            ],
            ..NsSnapshot::default()
        };
        node.sysctls
            .insert("net.ipv4.ip_forward".into(), "0".into());
        node.sysctls
            .insert("net.ipv6.conf.all.forwarding".into(), "0".into());
        node.firewall = Some(BTreeMap::from([(
            "nft".to_string(),
            FirewallDump::Rules(vec![
                "table inet t / chain input: ip saddr 10.88.0.2 drop".into(),
                "table inet t / chain input: ip saddr 10.88.0.20 drop".into(),
            ]),
        )]));
        let container = NsSnapshot {
            links: vec![link("eth0", "veth", &["up", "noarp"], None, true)],
            ..NsSnapshot::default()
        };
        let ip: IpAddr = "10.88.0.2".parse().expect("ip");
        let found = judge(&node, &container, "eth0", &[ip]);
        let has = |s: &str| found.iter().filter(|h| h.contains(s)).count();
        assert_eq!(has("NOARP"), 1, "{found:?}");
        assert_eq!(
            has("veth1 (a container's host end) is down"),
            1,
            "{found:?}"
        );
        assert_eq!(has("veth1 is attached to no bridge"), 1, "{found:?}");
        assert_eq!(
            has(uplink::NODE_LINK),
            0,
            "the harness's own link: {found:?}"
        );
        assert_eq!(has("IPv4 forwarding is off"), 1, "{found:?}");
        assert_eq!(has("IPv6"), 0, "no IPv6 address: {found:?}");
        assert_eq!(
            has("firewall"),
            1,
            "10.88.0.20 is another address: {found:?}"
        );
    }
}
