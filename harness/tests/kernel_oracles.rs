//! The consistency and leak oracles on real namespaces with hand-made
//! attachments: a veth pair (and a bridge) standing in for what a plugin does.

use std::fs;
use std::path::{Path, PathBuf};

use cni_harness::judge::consistency::{self, ids as res};
use cni_harness::judge::leak::{self, ids as del, LeakIdentity};
use cni_harness::judge::Finding;
use cni_harness::kernel::scratch::{is_root, ScratchPair};
use cni_harness::kernel::{self, ops, SandboxSnapshot, SnapshotOptions};
use cni_harness::result::{self, Cidr};

fn cidr(s: &str) -> Cidr {
    s.parse().expect("test CIDR")
}

const CID: &str = "ctr-oracle-1";

/// What a bridge plugin's ADD does: bridge `cnik0` on the node, veth
/// `vethk0` in it, `eth0` in the container with an address and a default
/// route, and a host-local style reservation file.
fn add(pair: &ScratchPair, state: &Path) {
    if !ops::link_exists(&pair.node, "cnik0").unwrap() {
        ops::create_bridge(&pair.node, "cnik0").unwrap();
        ops::add_address(&pair.node, "cnik0", cidr("10.99.0.1/24")).unwrap();
    }
    ops::create_veth_pair(&pair.node, "vethk0", &pair.container, "eth0").unwrap();
    ops::set_master(&pair.node, "vethk0", "cnik0").unwrap();
    ops::add_address(&pair.container, "eth0", cidr("10.99.0.2/24")).unwrap();
    ops::add_route(
        &pair.container,
        cidr("0.0.0.0/0"),
        Some("10.99.0.1".parse().unwrap()),
        None,
    )
    .unwrap();
    let wait = std::time::Duration::from_secs(3);
    ops::wait_until_up(&pair.container, "eth0", wait).unwrap();
    let net = state.join("networks/net1");
    fs::create_dir_all(&net).unwrap();
    fs::write(net.join("10.99.0.2"), format!("{CID}\r\neth0")).unwrap();
    fs::write(net.join("last_reserved_ip.0"), "10.99.0.2").unwrap();
    fs::write(net.join("lock"), "").unwrap();
}

fn snap(pair: &ScratchPair, state: &Path) -> SandboxSnapshot {
    snap_with(pair, state, &SnapshotOptions::cheap())
}

fn snap_with(pair: &ScratchPair, state: &Path, opts: &SnapshotOptions) -> SandboxSnapshot {
    let node = kernel::snapshot(&pair.node, opts).unwrap();
    SandboxSnapshot::take_parts(node, Some(&pair.container), &[state.to_path_buf()], opts).unwrap()
}

fn state_dir(pair: &ScratchPair) -> PathBuf {
    let d = pair.dir().join("state");
    fs::create_dir_all(&d).unwrap();
    d
}

fn requirement_ids(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.requirement).collect()
}

/// A 1.0.0 result describing exactly what `add` made, with the real MACs.
fn honest_result(s: &SandboxSnapshot, pair: &ScratchPair) -> String {
    let ctr = s.container.as_ref().unwrap();
    let mac = |ns: &kernel::NsSnapshot, n: &str| {
        ns.links
            .iter()
            .find(|l| l.name == n)
            .and_then(|l| l.mac.clone())
            .unwrap()
    };
    format!(
        r#"{{"cniVersion":"1.0.0",
            "interfaces":[{{"name":"cnik0","mac":"{}"}},{{"name":"vethk0","mac":"{}"}},
                          {{"name":"eth0","mac":"{}","sandbox":"{}"}}],
            "ips":[{{"address":"10.99.0.2/24","gateway":"10.99.0.1","interface":2}}],
            "routes":[{{"dst":"0.0.0.0/0","gw":"10.99.0.1"}}]}}"#,
        mac(&s.node, "cnik0"),
        mac(&s.node, "vethk0").to_uppercase(),
        mac(ctr, "eth0"),
        pair.container.path().display()
    )
}

#[test]
fn consistency_silent_on_an_honest_result() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    let state = state_dir(&pair);
    add(&pair, &state);
    let s = snap(&pair, &state);
    let r = result::parse(&honest_result(&s, &pair)).unwrap();
    let findings = consistency::check(&r, "eth0", s.container.as_ref().unwrap(), &s.node);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn consistency_fires_on_claims_the_kernel_denies() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    let state = state_dir(&pair);
    add(&pair, &state);
    let s = snap(&pair, &state);
    let ctr = s.container.as_ref().unwrap();
    let honest = honest_result(&s, &pair);
    let check = |text: &str, ifname: &str| {
        consistency::check(&result::parse(text).unwrap(), ifname, ctr, &s.node)
    };

    let f = check(&honest.replace("10.99.0.2/24", "10.99.0.77/24"), "eth0");
    assert_eq!(requirement_ids(&f), [res::IP_CONFIGURED], "{f:#?}");
    assert!(f[0].message.contains("10.99.0.77/24 on eth0"), "{}", f[0]);

    let f = check(&honest.replace("10.99.0.2/24", "10.99.0.2/16"), "eth0");
    assert!(f[0].message.contains("different prefix"), "{f:#?}");

    let f = check(
        &honest.replace(r#""gw":"10.99.0.1""#, r#""gw":"10.99.0.9""#),
        "eth0",
    );
    assert_eq!(requirement_ids(&f), [res::ROUTE_PRESENT], "{f:#?}");

    let f = check(
        &honest.replace(r#""name":"vethk0""#, r#""name":"vethgone""#),
        "eth0",
    );
    assert_eq!(requirement_ids(&f), [res::IF_HOST], "{f:#?}");

    let f = check(&honest.replace(r#""mac":"#, r#""mtu":9000,"mac":"#), "eth0");
    assert_eq!(requirement_ids(&f), [res::IF_MTU; 3], "{f:#?}");

    let f = check(&honest, "net1");
    assert_eq!(requirement_ids(&f), [res::IFNAME, res::IFNAME], "{f:#?}");

    let other_mac = honest.replacen(r#""mac":""#, r#""mac":"02:00:00:00:00:01","x":""#, 1);
    let f = check(&other_mac, "eth0");
    assert_eq!(requirement_ids(&f), [res::IF_MAC], "{f:#?}");
}

#[test]
fn leak_oracle_silent_on_a_clean_del_that_keeps_the_bridge() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    let state = state_dir(&pair);
    let baseline = snap(&pair, &state);
    add(&pair, &state);
    let after_add = snap(&pair, &state);
    let r = result::parse(&honest_result(&after_add, &pair)).unwrap();
    // DEL: the container end goes (and with it the host end), so does the reservation.
    ops::del_link(&pair.container, "eth0").unwrap();
    fs::remove_file(state.join("networks/net1/10.99.0.2")).unwrap();
    let after_del = snap(&pair, &state);

    let att = LeakIdentity::from_result(CID, "eth0", &r);
    let report = leak::leaks(&baseline, &after_add, &after_del, &att);
    assert!(report.leaks.is_empty(), "{:#?}", report.leaks);
    assert!(report.lost.is_empty(), "{:#?}", report.lost);
    let kept = kernel::render(&report.kept);
    assert!(kept.contains("+ node link cnik0 (bridge)"), "{kept}");
    assert!(kept.contains("last_reserved_ip.0"), "{kept}");
    assert!(report.findings().iter().all(|f| f.requirement == del::KEPT));
}

#[test]
fn leak_oracle_fires_on_a_left_veth_and_reservation() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    let state = state_dir(&pair);
    let baseline = snap(&pair, &state);
    add(&pair, &state);
    let after_add = snap(&pair, &state);
    // A DEL that only removes the container's address: veth and file stay.
    ops::del_address(&pair.container, "eth0", cidr("10.99.0.2/24")).unwrap();
    let after_del = snap(&pair, &state);

    // An IPAM-style result: no interfaces, so the veth is found by kind.
    let r = result::parse(r#"{"cniVersion":"1.0.0","ips":[{"address":"10.99.0.2/24"}]}"#).unwrap();
    let report = leak::leaks(
        &baseline,
        &after_add,
        &after_del,
        &LeakIdentity::from_result(CID, "eth0", &r),
    );
    let leaks = kernel::render(&report.leaks);
    for want in [
        "+ node link vethk0 (veth) master cnik0",
        "+ container link eth0 (veth)",
        "networks/net1/10.99.0.2 \"ctr-oracle-1\\r\\neth0\"",
    ] {
        assert!(leaks.contains(want), "missing `{want}` in:\n{leaks}");
    }
    let kept = kernel::render(&report.kept);
    assert!(
        kept.contains("cnik0 (bridge)") && !kept.contains("vethk0"),
        "{kept}"
    );
    assert!(report
        .findings()
        .iter()
        .any(|f| f.requirement == del::RELEASED));
}

#[test]
fn growth_flags_a_veth_per_cycle() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    let state = state_dir(&pair);
    let mut after_dels = vec![snap(&pair, &state)];
    for i in 0..3 {
        // Each "cycle" leaves one veth pair behind.
        ops::create_veth_pair(
            &pair.node,
            &format!("vethg{i}"),
            &pair.container,
            &format!("eth{i}"),
        )
        .unwrap();
        after_dels.push(snap(&pair, &state));
    }
    let f = leak::growth(&after_dels);
    let text: Vec<String> = f.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("node links (veth) grows with every ADD/DEL cycle: [0, 1, 2, 3]")),
        "{text:#?}"
    );
    assert!(f.iter().all(|f| f.requirement == del::NO_GROWTH));
    // Stable state never grows.
    let same = vec![
        after_dels[3].clone(),
        after_dels[3].clone(),
        after_dels[3].clone(),
    ];
    assert!(leak::growth(&same).is_empty());
}

/// Run `nft` inside the node namespace (a child inherits the thread's netns).
fn nft(pair: &ScratchPair, script: &str) -> bool {
    let run = pair.node.run(|| {
        std::process::Command::new("nft")
            .args(["-f", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin
                    .take()
                    .map(|mut i| i.write_all(script.as_bytes()))
                    .transpose()?;
                c.wait()
            })
    });
    matches!(run, Ok(Ok(s)) if s.success())
}

#[test]
fn leak_oracle_fires_on_a_firewall_rule_naming_the_address() {
    if !is_root() {
        return;
    }
    let pair = ScratchPair::new().unwrap();
    if !nft(&pair, "") {
        eprintln!("skipped: nft is not installed");
        return;
    }
    let state = state_dir(&pair);
    let opts = SnapshotOptions::default();
    let take = || snap_with(&pair, &state, &opts);
    let baseline = take();
    add(&pair, &state);
    assert!(nft(&pair, "table inet cnik {\n chain fwdk {\n type filter hook forward priority 0; policy accept;\n ip saddr 10.99.0.2 counter accept\n ip saddr 10.99.0.0/24 accept\n }\n}\n"));
    let after_add = take();
    let added = kernel::render(&kernel::diff_sandbox(&baseline, &after_add));
    assert!(
        added.contains(
            "+ node firewall nft table inet cnik / chain fwdk: ip saddr 10.99.0.2 counter accept"
        ),
        "{added}"
    );
    // DEL removes everything but the rule naming the address (and its chain).
    ops::del_link(&pair.container, "eth0").unwrap();
    fs::remove_file(state.join("networks/net1/10.99.0.2")).unwrap();
    let after_del = take();

    let r = result::parse(r#"{"cniVersion":"1.0.0","ips":[{"address":"10.99.0.2/24"}]}"#).unwrap();
    let report = leak::leaks(
        &baseline,
        &after_add,
        &after_del,
        &LeakIdentity::from_result(CID, "eth0", &r),
    );
    let leaks = kernel::render(&report.leaks);
    assert_eq!(
        leaks,
        "+ node firewall nft table inet cnik / chain fwdk: ip saddr 10.99.0.2 counter accept\n"
    );
    let kept = kernel::render(&report.kept);
    assert!(
        kept.contains("ip saddr 10.99.0.0/24 accept"),
        "a subnet-wide rule is network state:\n{kept}"
    );
}
