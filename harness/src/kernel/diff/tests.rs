//! Diff rules on hand-made snapshots (no root needed).

use std::collections::BTreeMap;

use super::*;
use crate::kernel::model::{Address, FirewallDump, Link, Route};

fn link(name: &str, kind: &str, mtu: u32) -> Link {
    Link {
        name: name.into(),
        kind: kind.into(),
        ifindex: 7,
        mac: Some("02:00:00:00:00:01".into()),
        mtu,
        flags: vec!["up".into(), "broadcast".into(), "lower_up".into()],
        oper_state: "up".into(),
        master: None,
        peer: None,
        peer_netnsid: None,
        attrs: BTreeMap::new(),
        sysctls: BTreeMap::from([("ipv4.forwarding".into(), 0)]),
        health: Default::default(),
    }
}

fn addr(link: &str, cidr: &str, flags: &[&str]) -> Address {
    Address {
        link: link.into(),
        address: cidr.parse().unwrap(),
        scope: "universe".into(),
        flags: flags.iter().map(|f| f.to_string()).collect(),
        label: None,
    }
}

fn route(table: u32, dst: &str, oif: &str, protocol: &str) -> Route {
    Route {
        table,
        dst: dst.parse().unwrap(),
        src: None,
        kind: "unicast".into(),
        protocol: protocol.into(),
        scope: "link".into(),
        priority: None,
        tos: 0,
        gateway: None,
        oif: Some(oif.into()),
        prefsrc: None,
        mtu: None,
        advmss: None,
        nexthops: Vec::new(),
    }
}

fn base() -> NsSnapshot {
    NsSnapshot {
        links: vec![link("lo", "device", 65536), link("veth0", "veth", 1500)],
        addresses: vec![
            addr("veth0", "10.0.0.1/24", &["permanent"]),
            addr("veth0", "fe80::1/64", &["permanent", "tentative"]),
        ],
        routes: vec![
            route(254, "10.0.0.0/24", "veth0", "kernel"),
            route(255, "10.0.0.1/32", "veth0", "kernel"),
        ],
        sysctls: BTreeMap::from([("net.ipv4.ip_forward".into(), "0".into())]),
        firewall: Some(BTreeMap::from([(
            "nft".into(),
            FirewallDump::Rules(vec!["t / c: accept".into()]),
        )])),
        ..NsSnapshot::default()
    }
}

#[test]
fn noise_is_ignored() {
    let before = base();
    let mut after = base();
    after.links[0].mtu = 1500; // lo
    after.links[1].ifindex = 99; // renumbered
    after.links[1].flags.retain(|f| f != "lower_up"); // derived flag
    after.addresses[1].flags = vec!["permanent".into()]; // DAD finished
    after.addresses[0].flags.push("noprefixroute".into());
    after.addresses.push(addr("veth0", "fe80::2/64", &[])); // link-local
    after
        .routes
        .push(route(255, "10.0.0.255/32", "veth0", "kernel")); // local table
    after
        .routes
        .push(route(254, "fe80::/64", "veth0", "kernel"));
    assert_eq!(render(&diff(Side::Node, &before, &after)), "");
}

#[test]
fn real_changes_read_one_line_each() {
    let before = base();
    let mut after = base();
    after.links[1].mtu = 9000;
    after.links[1].sysctls.insert("ipv4.forwarding".into(), 1);
    after.links.push(Link {
        master: Some("cni0".into()),
        ..link("veth1", "veth", 1500)
    });
    after.addresses.remove(0);
    after
        .sysctls
        .insert("net.ipv4.ip_forward".into(), "1".into());
    after.routes.push(Route {
        gateway: Some("10.0.0.254".parse().unwrap()),
        protocol: "static".into(),
        scope: "universe".into(),
        ..route(254, "0.0.0.0/0", "veth0", "static")
    });
    assert_eq!(
        render(&diff(Side::Node, &before, &after)),
        "~ node link veth0 (veth) mtu 1500 -> 9000\n\
         + node link veth1 (veth) master cni0 mtu 1500 mac 02:00:00:00:00:01 state up flags up\n\
         - node addr veth0 10.0.0.1/24 scope universe\n\
         + node route main 0.0.0.0/0 dev veth0 via 10.0.0.254 proto static scope universe\n\
         ~ node sysctl net.ipv4.conf.veth0.forwarding 0 -> 1\n\
         ~ node sysctl net.ipv4.ip_forward 0 -> 1\n"
    );
}

#[test]
fn firewall_rules_compare_as_a_multiset_and_only_when_both_dumped() {
    let before = base();
    let mut after = base();
    after.firewall = Some(BTreeMap::from([(
        "nft".into(),
        FirewallDump::Rules(vec!["t / c: accept".into(), "t / c: accept".into()]),
    )]));
    assert_eq!(
        render(&diff(Side::Node, &before, &after)),
        "+ node firewall nft t / c: accept #2\n"
    );
    after.firewall = None;
    assert_eq!(render(&diff(Side::Node, &before, &after)), "");
    after.firewall = Some(BTreeMap::from([("nft".into(), FirewallDump::Missing)]));
    assert_eq!(
        render(&diff(Side::Node, &before, &after)),
        "~ node firewall nft status ok -> not installed\n- node firewall nft t / c: accept\n"
    );
}

#[test]
fn a_vanished_container_namespace_is_one_change() {
    let before = SandboxSnapshot {
        container: Some(base()),
        ..SandboxSnapshot::default()
    };
    let after = SandboxSnapshot::default();
    assert_eq!(
        render(&diff_sandbox(&before, &after)),
        "- container netns namespace\n"
    );
}
