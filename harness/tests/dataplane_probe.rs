//! The data-plane prober against a hand-made link between two scratch
//! namespaces: echoes both families (the IPv6 one waiting out DAD, not
//! skipping it), the MTU edge, silence where nothing answers, and the UDP
//! and TCP exchanges with the source the listener saw.

use std::time::Duration;

use cni_harness::dataplane::{self, wait, Echo, Endpoint, Exchange, Patience};
use cni_harness::kernel::ops;
use cni_harness::kernel::scratch::{is_root, ScratchPair};

fn pair() -> ScratchPair {
    let p = ScratchPair::new().expect("scratch namespaces");
    ops::create_veth_pair(&p.node, "n0", &p.container, "c0").expect("veth");
    ops::set_up(&p.node, "n0").expect("up");
    for (ns, link, v4, v6) in [
        (&p.node, "n0", "10.123.0.1/24", "fd12:3::1/64"),
        (&p.container, "c0", "10.123.0.2/24", "fd12:3::2/64"),
    ] {
        ops::add_address(ns, link, v4.parse().expect("cidr")).expect("v4 address");
        // Ordinary addresses: duplicate address detection runs, as it
        // does for a plugin that does not set nodad.
        ops::add_address(ns, link, v6.parse().expect("cidr")).expect("v6 address");
    }
    p
}

#[test]
fn echo_udp_tcp_and_mtu_between_two_namespaces() {
    if !is_root() {
        return;
    }
    let p = pair();
    let node = Endpoint {
        name: "node",
        ns: &p.node,
    };
    let ctr = Endpoint {
        name: "container",
        ns: &p.container,
    };
    let v4 = "10.123.0.1".parse().expect("ip");
    let r = dataplane::echo(&ctr, v4, &Echo::ANSWER).expect("probe");
    assert!(r.answered(), "{r}");
    assert_eq!(r.source, Some("10.123.0.2".parse().expect("ip")));

    let (left, waited) = wait::addresses_settled(&[&p.node, &p.container]).expect("settle");
    assert!(
        left.is_empty(),
        "still tentative after {waited:?}: {left:?}"
    );
    let v6 = "fd12:3::1".parse().expect("ip");
    let r = dataplane::echo(&ctr, v6, &Echo::ANSWER).expect("probe");
    assert!(r.answered(), "{r}");

    // The veth's MTU is 1500: exactly that passes with don't-fragment, one
    // byte more is refused by the sender's kernel.
    for (to, fits) in [(v4, true), (v6, true), (v4, false), (v6, false)] {
        let e = Echo {
            packet: Some(if fits { 1500 } else { 1501 }),
            dont_fragment: true,
            from: None,
            patience: Patience::SILENCE,
        };
        let r = dataplane::echo(&ctr, to, &e).expect("probe");
        assert_eq!(r.answered(), fits, "{r}");
    }

    // Nobody owns .9: silence, reported with the wait.
    let nobody = "10.123.0.9".parse().expect("ip");
    let r = dataplane::echo(&node, nobody, &Echo::SILENCE).expect("probe");
    assert!(!r.answered());
    assert!(r.to_string().contains("no answer within"), "{r}");

    for tcp in [false, true] {
        let x = Exchange {
            client: &ctr,
            client_from: None,
            server: &node,
            to: "10.123.0.1:47000".parse().expect("socket address"),
            listen_port: 47000,
            listen_on: None,
            patience: Patience::ANSWER,
        };
        let r = if tcp {
            dataplane::tcp(&x)
        } else {
            dataplane::udp(&x)
        }
        .expect("exchange");
        assert!(r.answered(), "{r}");
        assert_eq!(
            r.seen_as.map(|s| s.ip()),
            Some("10.123.0.2".parse().expect("ip")),
            "{r}"
        );
        assert!(r.rtt().is_some_and(|t| t < Duration::from_secs(1)));
    }
}

#[test]
fn tcp_exchanges_to_one_port_in_a_row() {
    if !is_root() {
        return;
    }
    let p = pair();
    let node = Endpoint {
        name: "node",
        ns: &p.node,
    };
    let ctr = Endpoint {
        name: "container",
        ns: &p.container,
    };
    for i in 0..100 {
        let x = Exchange {
            client: &node,
            client_from: None,
            server: &ctr,
            to: "10.123.0.2:80".parse().expect("sa"),
            listen_port: 80,
            listen_on: None,
            patience: Patience::ANSWER,
        };
        let r = dataplane::tcp(&x).unwrap_or_else(|e| panic!("round {i}: {e}"));
        assert!(r.answered(), "{r}");
    }
}
