//! Snapshot cost on a busy namespace, against a peer measured in the same run.
//!
//! Setup: one scratch namespace with 150 veth pairs (300 links), an address
//! on each link and a /24 route through each pair's first end.
//! Ours: `kernel::snapshot` without the firewall dump (the fuzzer's setting),
//! and with it. Peer: what a shell script would run for the same picture,
//! `ip -d -j link show; ip -j addr; ip -j route show table all`, spawned from
//! a thread inside the namespace. Prints medians and the peer/ours ratio.
//!
//! Run: `cargo bench -p cni-harness --bench kernel_snapshot` (needs root).

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use cni_harness::kernel::scratch::{is_root, ScratchPair};
use cni_harness::kernel::{self, ops, SnapshotOptions};
use cni_harness::sandbox::Netns;
use rtnetlink::{LinkVeth, RouteMessageBuilder};

const PAIRS: u32 = 150;
const RUNS: usize = 41;

fn main() -> io::Result<()> {
    if !is_root() {
        return Ok(());
    }
    let pair = ScratchPair::new()?;
    let ns = &pair.node;
    // A typical container namespace first: lo plus one veth end with an
    // address and a default route (what the fuzzer snapshots every iteration).
    ops::create_veth_pair(ns, "vsmall", &pair.container, "eth0")?;
    ops::add_address(
        &pair.container,
        "eth0",
        "10.201.0.2/24".parse().map_err(io::Error::other)?,
    )?;
    ops::add_route(
        &pair.container,
        "0.0.0.0/0".parse().map_err(io::Error::other)?,
        Some(IpAddr::V4(Ipv4Addr::new(10, 201, 0, 1))),
        None,
    )?;
    let small = median(RUNS, || {
        kernel::snapshot(&pair.container, &SnapshotOptions::cheap()).map(drop)
    })?;
    let small_peer = median(RUNS, || ip_peer(&pair.container))?;
    println!(
        "small namespace (lo + eth0): snapshot {:.3} ms, peer {:.3} ms, ratio {:.1}x",
        ms(small),
        ms(small_peer),
        small_peer.as_secs_f64() / small.as_secs_f64()
    );

    populate(ns)?;
    let snap = kernel::snapshot(ns, &SnapshotOptions::cheap())?;
    println!(
        "namespace: {} links, {} addresses, {} routes",
        snap.links.len(),
        snap.addresses.len(),
        snap.routes.len()
    );

    let cheap = SnapshotOptions::cheap();
    let full = SnapshotOptions::default();
    let ours = median(RUNS, || kernel::snapshot(ns, &cheap).map(drop))?;
    let ours_fw = median(RUNS, || kernel::snapshot(ns, &full).map(drop))?;
    let peer = median(RUNS, || ip_peer(ns))?;

    println!(
        "kernel::snapshot (no firewall)   median {:>8.3} ms",
        ms(ours)
    );
    println!(
        "kernel::snapshot (with firewall) median {:>8.3} ms",
        ms(ours_fw)
    );
    println!(
        "peer: ip link/addr/route -j      median {:>8.3} ms",
        ms(peer)
    );
    println!(
        "ratio peer / ours (no firewall): {:.1}x",
        peer.as_secs_f64() / ours.as_secs_f64()
    );
    Ok(())
}

/// 150 veth pairs, an address on every link, a route through each pair.
fn populate(ns: &Netns) -> io::Result<()> {
    ops::with_handle(ns, |h| async move {
        for i in 0..PAIRS {
            let (a, b) = (format!("vb{i}a"), format!("vb{i}b"));
            h.link()
                .add(LinkVeth::new(&a, &b).up().build())
                .execute()
                .await
                .map_err(ops::nl_err(format!("creating {a}")))?;
            let ia = ops::link_index(&h, &a).await?;
            let ib = ops::link_index(&h, &b).await?;
            let (hi, lo) = ((i / 64) as u8, ((i % 64) * 4) as u8);
            for (idx, host) in [(ia, 1u8), (ib, 2u8)] {
                let ip = IpAddr::V4(Ipv4Addr::new(10, 200 + hi, lo, host));
                h.address()
                    .add(idx, ip, 30)
                    .execute()
                    .await
                    .map_err(ops::nl_err("address"))?;
            }
            let dst = Ipv4Addr::new(172, 16 + hi, (i % 256) as u8, 0);
            let route = RouteMessageBuilder::<Ipv4Addr>::new()
                .destination_prefix(dst, 24)
                .output_interface(ia)
                .build();
            h.route()
                .add(route)
                .execute()
                .await
                .map_err(ops::nl_err("route"))?;
        }
        Ok(())
    })
}

fn ip_peer(ns: &Netns) -> io::Result<()> {
    ns.run(|| -> io::Result<()> {
        for args in [
            &["-d", "-j", "link", "show"][..],
            &["-j", "addr"][..],
            &["-j", "route", "show", "table", "all"][..],
        ] {
            let out = Command::new("ip").args(args).output()?;
            if !out.status.success() {
                return Err(io::Error::other(format!("ip {args:?} failed")));
            }
        }
        Ok(())
    })?
}

fn median(runs: usize, mut f: impl FnMut() -> io::Result<()>) -> io::Result<Duration> {
    f()?; // warm-up
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[runs / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
