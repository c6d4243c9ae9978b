//! Snapshots and diffs of real namespaces: a veth pair across a node and a
//! container namespace, then tampering, then the diff must show exactly it.

use cni_harness::kernel::scratch::{is_root, ScratchPair};
use cni_harness::kernel::{self, ops, render, Side, SnapshotOptions};
use cni_harness::result::Cidr;
use cni_harness::sandbox::tamper;

fn cidr(s: &str) -> Cidr {
    s.parse().expect("test CIDR")
}

/// node: `vethk0` 10.99.0.1/24; container: `eth0` 10.99.0.2/24 + 10.98.0.2/24,
/// default route via 10.99.0.1.
fn wired() -> ScratchPair {
    let pair = ScratchPair::new().expect("namespaces");
    ops::create_veth_pair(&pair.node, "vethk0", &pair.container, "eth0").expect("veth");
    ops::add_address(&pair.node, "vethk0", cidr("10.99.0.1/24")).expect("node addr");
    ops::add_address(&pair.container, "eth0", cidr("10.99.0.2/24")).expect("addr");
    ops::add_address(&pair.container, "eth0", cidr("10.98.0.2/24")).expect("addr 2");
    ops::add_route(
        &pair.container,
        cidr("0.0.0.0/0"),
        Some("10.99.0.1".parse().unwrap()),
        None,
    )
    .expect("route");
    settle(&pair);
    pair
}

/// Both ends operationally up, so carrier changes cannot land mid-test.
fn settle(pair: &ScratchPair) {
    let wait = std::time::Duration::from_secs(3);
    ops::wait_until_up(&pair.node, "vethk0", wait).expect("vethk0 up");
    ops::wait_until_up(&pair.container, "eth0", wait).expect("eth0 up");
}

fn container_diff(pair: &ScratchPair, f: impl FnOnce(&ScratchPair)) -> String {
    let opts = SnapshotOptions::cheap();
    let before = kernel::snapshot(&pair.container, &opts).expect("snapshot");
    f(pair);
    let after = kernel::snapshot(&pair.container, &opts).expect("snapshot");
    render(&kernel::diff(Side::Container, &before, &after))
}

#[test]
fn snapshot_sees_links_addresses_routes_and_sysctls() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let node = kernel::snapshot(&pair.node, &SnapshotOptions::default()).unwrap();
    let ctr = kernel::snapshot(&pair.container, &SnapshotOptions::cheap()).unwrap();

    let veth = node
        .links
        .iter()
        .find(|l| l.name == "vethk0")
        .expect("host veth");
    assert_eq!(veth.kind, "veth");
    assert!(
        veth.peer_netnsid.is_some(),
        "peer lives in another namespace: {veth:?}"
    );
    assert_eq!(veth.mtu, 1500);
    assert!(veth.sysctls.contains_key("ipv4.forwarding"));
    assert!(node.sysctls.contains_key("net.ipv4.ip_forward"));
    assert!(node.firewall.is_some(), "firewall dump requested");
    assert!(ctr.firewall.is_none(), "firewall dump not requested");

    let eth0 = ctr.links.iter().find(|l| l.name == "eth0").expect("eth0");
    assert!(eth0.is_up());
    assert!(ctr
        .addresses
        .iter()
        .any(|a| a.link == "eth0" && a.address == cidr("10.99.0.2/24")));
    let default = ctr
        .routes
        .iter()
        .find(|r| r.dst == cidr("0.0.0.0/0"))
        .expect("default route");
    assert_eq!((default.table, default.oif.as_deref()), (254, Some("eth0")));
    assert_eq!(default.gateway, Some("10.99.0.1".parse().unwrap()));
    assert!(
        ctr.rules.iter().any(|r| r.spec == "from all lookup 254"),
        "{:?}",
        ctr.rules
    );

    // Serialisable both ways.
    let json = serde_json::to_string(&ctr).unwrap();
    assert_eq!(
        serde_json::from_str::<kernel::NsSnapshot>(&json).unwrap(),
        ctr
    );
}

#[test]
fn unchanged_namespace_diffs_empty() {
    if !is_root() {
        return;
    }
    let pair = wired();
    assert_eq!(container_diff(&pair, |_| {}), "");
    let opts = SnapshotOptions::default();
    let a = kernel::snapshot(&pair.node, &opts).unwrap();
    let b = kernel::snapshot(&pair.node, &opts).unwrap();
    assert_eq!(render(&kernel::diff(Side::Node, &a, &b)), "");
}

#[test]
fn diff_shows_a_removed_address_and_its_prefix_route() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let d = container_diff(&pair, |p| {
        tamper::remove_address(&p.container, "eth0", cidr("10.98.0.2/24")).unwrap()
    });
    assert_eq!(
        d,
        "- container addr eth0 10.98.0.2/24 scope universe\n\
         - container route main 10.98.0.0/24 dev eth0 proto kernel scope link src 10.98.0.2\n"
    );
}

#[test]
fn diff_shows_a_flushed_route() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let d = container_diff(&pair, |p| {
        assert_eq!(
            tamper::flush_route(&p.container, cidr("0.0.0.0/0")).unwrap(),
            1
        );
    });
    assert_eq!(
        d,
        "- container route main 0.0.0.0/0 dev eth0 via 10.99.0.1 proto static scope universe\n"
    );
}

#[test]
fn diff_shows_a_renamed_interface() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let d = container_diff(&pair, |p| {
        tamper::rename_interface(&p.container, "eth0", "eth9").unwrap()
    });
    for line in [
        "- container link eth0 (veth)",
        "+ container link eth9 (veth)",
        "- container addr eth0 10.99.0.2/24",
        "+ container addr eth9 10.99.0.2/24",
    ] {
        assert!(d.contains(line), "missing `{line}` in:\n{d}");
    }
    assert!(
        !d.contains("~ "),
        "a rename is not a change of the same object:\n{d}"
    );
}

#[test]
fn diff_shows_a_deleted_interface_on_both_sides() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let opts = SnapshotOptions::cheap();
    let node_before = kernel::snapshot(&pair.node, &opts).unwrap();
    let d = container_diff(&pair, |p| {
        tamper::delete_interface(&p.container, "eth0").unwrap()
    });
    assert!(d.lines().all(|l| l.starts_with("- container ")), "{d}");
    assert!(d.contains("- container link eth0 (veth)"), "{d}");
    let node_after = kernel::snapshot(&pair.node, &opts).unwrap();
    let nd = render(&kernel::diff(Side::Node, &node_before, &node_after));
    assert!(
        nd.contains("- node link vethk0 (veth)"),
        "the peer goes too:\n{nd}"
    );
    assert!(nd.contains("- node addr vethk0 10.99.0.1/24"), "{nd}");
}

#[test]
fn diff_shows_a_sysctl_flip() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let opts = SnapshotOptions::cheap();
    let before = kernel::snapshot(&pair.node, &opts).unwrap();
    // New namespaces inherit IPv4 forwarding from the host's: flip whatever it is.
    let was = before
        .sysctls
        .get("net.ipv4.ip_forward")
        .cloned()
        .expect("ip_forward is read");
    let now = if was == "1" { "0" } else { "1" };
    pair.node
        .run(|| std::fs::write("/proc/sys/net/ipv4/ip_forward", now))
        .unwrap()
        .unwrap();
    let after = kernel::snapshot(&pair.node, &opts).unwrap();
    let d = render(&kernel::diff(Side::Node, &before, &after));
    assert!(
        d.contains(&format!("~ node sysctl net.ipv4.ip_forward {was} -> {now}")),
        "{d}"
    );
}

/// A probe opened once reads its own namespace from any thread, later
/// changes included, and agrees with a one-off snapshot: the fuzzer's
/// repeated snapshots rest on both.
#[test]
fn probe_stays_bound_to_its_namespace() {
    if !is_root() {
        return;
    }
    let pair = wired();
    let mut node = kernel::Probe::open(&pair.node).expect("node probe");
    let mut ctr = kernel::Probe::open(&pair.container).expect("container probe");
    let everything = kernel::Coverage::Everything;

    // Sysctls: the node namespace's forwarding is flipped, the container
    // keeps what it started with (new namespaces inherit the host's).
    let key = "net.ipv4.ip_forward";
    let start = ctr.read(everything).expect("read container");
    let was = start.sysctls.get(key).cloned().expect("ip_forward is read");
    let now = if was == "1" { "0" } else { "1" };
    pair.node
        .run(|| std::fs::write("/proc/sys/net/ipv4/ip_forward", now))
        .expect("enter node")
        .expect("set ip_forward");
    let node_snap = node.read(everything).expect("read node");
    let ctr_snap = ctr.read(everything).expect("read container");
    assert_eq!(node_snap.sysctls.get(key).map(String::as_str), Some(now));
    assert_eq!(ctr_snap.sysctls.get(key), Some(&was));

    // A one-off snapshot and the held probe see the same namespace.
    let one_off = kernel::snapshot(&pair.container, &SnapshotOptions::cheap()).expect("snapshot");
    assert_eq!(ctr_snap, one_off);

    // Later changes show up; the addressing read leaves out the rest.
    ops::add_address(&pair.container, "eth0", cidr("10.97.0.2/24")).expect("addr");
    let later = ctr.read(kernel::Coverage::Addressing).expect("read again");
    assert!(
        later
            .addresses
            .iter()
            .any(|a| a.address == cidr("10.97.0.2/24")),
        "{:?}",
        later.addresses
    );
    assert!(later.sysctls.is_empty() && later.rules.is_empty());
    assert!(!node_snap.rules.is_empty(), "full reads include rules");
}
