//! One end-to-end run: two containers on the network, connectivity between
//! them and to the gateway, removal, and the host judged before and after
//! with the harness's snapshots and its leak oracle.

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use cni_harness::judge::leak;
use cni_harness::kernel::{self, SandboxSnapshot};

use super::network::Flavour;
use super::testbed::Testbed;
use crate::common::host;

/// One running container as the host sees it.
struct Container {
    name: String,
    id: String,
    ip: IpAddr,
    gateway: IpAddr,
    /// Host end of its veth pair.
    host_veth: String,
}

impl Container {
    fn inspect(bed: &Testbed, name: &str, during: &SandboxSnapshot) -> Container {
        let fail = |e: String| -> ! { panic!("{name}: {e}") };
        let doc = bed.podman.inspect(name).unwrap_or_else(|e| fail(e));
        let id = doc["Id"].as_str().unwrap_or_default().to_string();
        let net = &doc["NetworkSettings"]["Networks"][&bed.net.name];
        let addr = |key: &str| -> IpAddr {
            net[key]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| {
                    fail(format!(
                        "podman reports no {key} on {}: {net}",
                        bed.net.name
                    ))
                })
        };
        let iflink = bed
            .podman
            .exec(name, &["cat", "/sys/class/net/eth0/iflink"])
            .unwrap_or_else(|e| fail(e));
        let peer: u32 = iflink
            .stdout
            .trim()
            .parse()
            .unwrap_or_else(|_| fail(format!("eth0's iflink: {:?}", iflink.stdout)));
        let host_veth = during
            .node
            .links
            .iter()
            .find(|l| l.ifindex == peer)
            .map(|l| l.name.clone())
            .unwrap_or_else(|| fail(format!("no host link with ifindex {peer} (eth0's peer)")));
        assert!(!id.is_empty(), "{name}: podman inspect gave no Id");
        Container {
            name: name.to_string(),
            id,
            ip: addr("IPAddress"),
            gateway: addr("Gateway"),
            host_veth,
        }
    }

    /// What identifies this attachment in leftovers, for the leak oracle.
    fn attachment(&self) -> leak::LeakIdentity {
        leak::LeakIdentity {
            container_id: self.id.clone(),
            ifname: "eth0".into(),
            addresses: vec![self.ip],
            host_interfaces: vec![self.host_veth.clone()],
            others_live: false,
        }
    }
}

/// Wall times of one run, for the test's log.
pub struct Timings {
    pub start: Vec<Duration>,
    pub remove: Duration,
    pub total: Duration,
}

pub fn run(flavour: Flavour) -> Timings {
    let began = Instant::now();
    let bed = Testbed::prepare(flavour);
    let net = bed.net.clone();
    let before = host::snapshot();
    let pins_before = host::netns_pins();

    let names: Vec<String> = ["a", "b"]
        .iter()
        .map(|s| format!("cnihpm-{}-{s}", flavour.tag()))
        .collect();
    let mut start = Vec::new();
    for n in &names {
        let out = bed
            .podman
            .start(n, &net.name, &bed.rootfs)
            .unwrap_or_else(|e| panic!("[ADD-1] {e}"));
        start.push(out.wall);
    }
    let during = host::snapshot();
    let pins_during = host::netns_pins();
    let ctrs: Vec<Container> = names
        .iter()
        .map(|n| Container::inspect(&bed, n, &during))
        .collect();

    // ADD-1: each container attached as the configuration says.
    for c in &ctrs {
        assert!(
            net.subnet.contains(c.ip) && c.gateway == net.gateway,
            "[ADD-1] {}: address {} / gateway {} outside {} / {}",
            c.name,
            c.ip,
            c.gateway,
            net.subnet,
            net.gateway
        );
        let veth = during.node.links.iter().find(|l| l.name == c.host_veth);
        assert_eq!(
            veth.and_then(|l| l.master.as_deref()),
            Some(net.bridge.as_str()),
            "[ADD-1] {}: host veth {} is not on bridge {}",
            c.name,
            c.host_veth,
            net.bridge
        );
    }
    assert!(
        during
            .node
            .addresses
            .iter()
            .any(|a| a.link == net.bridge && a.address.addr() == net.gateway),
        "[ADD-1] bridge {} does not carry the gateway {}",
        net.bridge,
        net.gateway
    );
    let (a, b) = (&ctrs[0], &ctrs[1]);
    for (from, to) in [(a, b.ip), (b, a.ip), (a, net.gateway), (b, net.gateway)] {
        ping(&bed, &from.name, to);
    }

    // The state DEL must release exists now, so its absence later means something.
    let reservation = |c: &Container| {
        Path::new("/var/lib/cni/networks")
            .join(&net.name)
            .join(c.ip.to_string())
    };
    let cache = |c: &Container| {
        Path::new("/var/lib/cni/results").join(format!("{}-{}-eth0", net.name, c.id))
    };
    for c in &ctrs {
        assert!(
            reservation(c).exists(),
            "{} missing while {} runs",
            reservation(c).display(),
            c.name
        );
        assert!(
            cache(c).exists(),
            "{} missing while {} runs",
            cache(c).display(),
            c.name
        );
    }
    // Podman's own pins: the harness's sandboxes (`cnih-`), which the other
    // tests of this binary make meanwhile on other threads, are not podman's.
    let podman_pins: Vec<&String> = pins_during
        .iter()
        .filter(|p| !pins_before.contains(p) && !p.starts_with("cnih-"))
        .collect();

    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let remove = bed
        .podman
        .remove(&refs)
        .unwrap_or_else(|e| panic!("[DEL-1] {e}"))
        .wall;
    let after = host::snapshot();
    let pins_after = host::netns_pins();

    // DEL-RELEASE, judged by the harness's leak oracle on the host snapshots.
    for c in &ctrs {
        let report = leak::leaks(&before, &during, &after, &c.attachment());
        for k in &report.kept {
            eprintln!("{}: network state kept (DEL-KEPT): {k}", c.name);
        }
        assert!(
            report.leaks.is_empty(),
            "[DEL-RELEASE] podman rm left per-attachment state of {} on the host:\n{}",
            c.name,
            kernel::render(&report.leaks)
        );
        assert!(
            !reservation(c).exists(),
            "[DEL-RELEASE] {} left",
            reservation(c).display()
        );
        assert!(
            !cache(c).exists(),
            "[DEL-RELEASE] libcni cache {} left",
            cache(c).display()
        );
    }
    let left: Vec<&&String> = podman_pins
        .iter()
        .filter(|p| pins_after.contains(p))
        .collect();
    assert!(
        left.is_empty(),
        "[DEL-RELEASE] namespace pins left in /run/netns: {left:?}"
    );

    drop(bed);
    // The test's own clean-up: nothing naming the network is left.
    let last = host::snapshot();
    let ours: Vec<String> = kernel::diff_sandbox(&before, &last)
        .iter()
        .map(ToString::to_string)
        .filter(|t| {
            t.contains(&net.bridge)
                || t.contains(&net.name)
                || t.contains(&prefix(&net.subnet.to_string()))
        })
        .collect();
    assert!(
        ours.is_empty(),
        "clean-up left state of {} on the host:\n{}",
        net.name,
        ours.join("\n")
    );

    Timings {
        start,
        remove,
        total: began.elapsed(),
    }
}

/// `10.213.47.0/24` -> `10.213.47.`: what every address of the subnet starts with.
fn prefix(subnet: &str) -> String {
    let net = subnet.split('/').next().unwrap_or_default();
    match net.rfind('.') {
        Some(i) => net[..=i].to_string(),
        None => net.to_string(),
    }
}

/// Three echo requests from a container must all come back (busybox ping).
fn ping(bed: &Testbed, from: &str, to: IpAddr) {
    let target = to.to_string();
    let out = bed
        .podman
        .exec(from, &["ping", "-c", "3", "-i", "0.2", "-w", "5", &target])
        .unwrap_or_else(|e| panic!("[ADD-1] {from} cannot reach {target}: {e}"));
    assert!(
        out.stdout.contains(" 0% packet loss"),
        "[ADD-1] {from} -> {target}: packets lost:\n{}",
        out.stdout
    );
}
