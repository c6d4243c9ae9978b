//! The oracles for bug classes the suite used to miss, each proved on a
//! pair of builds: the zoo plugin with the defect fails the case meant for
//! it, its fixed twin passes the same case. Plus the harness mistakes that
//! made correct plugins fail or skip: a `hostIP` "0.0.0.0" mapping probed
//! at 0.0.0.0, the recording plugin missing from a user's `--cni-path`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use cni_harness::testing::{Harness, Verdict};
use serde_json::Value;

fn profile(rel: &str) -> PathBuf {
    common::repo_root()
        .join("plugins-under-test/profiles")
        .join(rel)
}

/// Per run of `case`: the requirement's own verdict, and the failure text.
fn verdicts(rel: &str, case: &str, requirement: &str) -> Vec<(Verdict, String)> {
    let results = Harness::load(profile(rel))
        .expect("profile loads")
        .cni_dir(common::bin_dir())
        .cni_dir(common::debian_cni_dir())
        .conformance()
        .filter(format!("{case} ["))
        .run()
        .expect("suite runs");
    let out: Vec<(Verdict, String)> = results
        .cases
        .into_iter()
        .filter(|r| r.case == case)
        .map(|r| {
            (
                r.verdict_for(requirement),
                cni_harness::suite::failure_text(&r),
            )
        })
        .collect();
    assert!(!out.is_empty(), "{rel}: {case} did not run");
    out
}

/// The buggy twin fails `case` at some version on `requirement`; the
/// fixed twin fails it at none.
fn told_apart(buggy: &str, fixed: &str, case: &str, requirement: &str) {
    told_apart_as(buggy, fixed, case, requirement, Verdict::Fail);
}

/// [`told_apart`] for a SHOULD: the buggy twin draws `verdict` on
/// `requirement`, the fixed twin passes it (or skips where it does not apply).
fn told_apart_as(buggy: &str, fixed: &str, case: &str, requirement: &str, verdict: Verdict) {
    let caught = verdicts(buggy, case, requirement);
    assert!(
        caught.iter().any(|(v, _)| *v == verdict),
        "{buggy}: {case} did not draw {verdict:?} on {requirement}: {caught:?}"
    );
    for (v, text) in verdicts(fixed, case, requirement) {
        assert!(
            matches!(v, Verdict::Pass | Verdict::Skip),
            "{fixed} (the fixed twin): {case} gave {v:?} on {requirement}: {text}"
        );
    }
}

#[test]
fn a_zero_transmit_queue_is_caught_and_the_default_one_passes() {
    require_root!();
    told_apart(
        "zoo/zero-txqueue.json",
        "reference/bridge.json",
        "add/interface-sanity",
        "IF-TXQLEN",
    );
}

#[test]
fn a_host_ip_0_0_0_0_mapping_is_probed_at_a_node_address() {
    require_root!();
    // Before, the prober connected to 0.0.0.0 (its own loopback): the
    // correct portmap failed and the one whose rule never matches too.
    told_apart(
        "zoo/portmap-misses-any-host.json",
        "zoo/portmap-any-host.json",
        "dp/portmap",
        "DP-PORTMAP",
    );
}

/// The README's way: `--cni-path` naming only the plugins' directory. The
/// cases needing the recording plugin find it next to the harness binary
/// and run instead of skipping.
#[test]
fn the_recording_plugin_is_found_next_to_the_harness() {
    require_root!();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(["test", "--config"])
        .arg(profile("debian/bridge.json"))
        .arg("--cni-path")
        .arg(common::debian_cni_dir())
        .arg("--report-dir")
        .arg(dir.path())
        .args(["--spec-version", "1.0.0", "ipam/delegation"])
        .output()
        .expect("cni-harness runs");
    let results: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("results.json")).unwrap_or_else(|e| {
            panic!(
                "no results.json ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        }),
    )
    .expect("results.json parses");
    let cases: Vec<(&str, &str)> = results["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["case"] == "ipam/delegation")
        .map(|c| {
            (
                c["verdict"].as_str().unwrap_or(""),
                c["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(!cases.is_empty(), "ipam/delegation did not run");
    for (verdict, reason) in cases {
        assert_eq!(verdict, "pass", "ipam/delegation: {reason}");
    }
}

#[test]
fn a_second_address_for_a_repeated_add_is_caught() {
    require_root!();
    told_apart(
        "zoo/ipam-allocates-twice.json",
        "debian/host-local.json",
        "add/repeated",
        "IPAM-REPEAT",
    );
}

#[test]
fn a_del_that_needs_the_removed_bridge_is_caught() {
    require_root!();
    told_apart(
        "zoo/del-needs-bridge.json",
        "debian/bridge.json",
        "del/bridge-gone",
        "DEL-3",
    );
}

#[test]
fn a_check_blind_to_its_firewall_rules_is_caught() {
    require_root!();
    told_apart_as(
        "zoo/firewall-check-blind.json",
        "debian/firewall.json",
        "check/detects-untracked-removal",
        "CHECK-UNTRACKED",
        Verdict::Warn,
    );
}

#[test]
fn a_second_delegate_add_while_rolling_back_is_caught() {
    require_root!();
    told_apart(
        "zoo/rollback-readds.json",
        "debian/bridge.json",
        "ipam/rollback-after-delegate-add",
        "IPAM-NO-READD",
    );
}

#[test]
fn a_result_without_the_ipam_addresses_is_caught() {
    require_root!();
    told_apart(
        "zoo/drops-ipam-address.json",
        "debian/bridge.json",
        "ipam/result-carries-delegate",
        "IPAM-CARRY",
    );
}

#[test]
fn a_failed_add_that_keeps_its_veth_until_del_is_caught_and_a_rollback_passes() {
    require_root!();
    // Both twins fail every ADD after the bridge succeeded; only the
    // buggy one returns without undoing it, and both DELs clean up, so
    // only the state right after the failed ADD tells them apart.
    told_apart_as(
        "zoo/failed-add-keeps-veth.json",
        "zoo/failed-add-rolls-back.json",
        "del/after-failed-add",
        "ADD-FAIL-CLEAN",
        Verdict::Warn,
    );
    for (v, text) in verdicts(
        "zoo/failed-add-keeps-veth.json",
        "del/after-failed-add",
        "DEL-RELEASE",
    ) {
        assert_eq!(v, Verdict::Pass, "its DEL cleans up: {text}");
    }
}

#[test]
fn a_check_blind_to_its_killed_daemon_is_caught_and_a_checking_twin_passes() {
    require_root!();
    told_apart_as(
        "zoo/daemon-per-add.json",
        "zoo/daemon-per-network.json",
        "check/detects-untracked-removal",
        "CHECK-UNTRACKED",
        Verdict::Warn,
    );
    // The twin passes because its CHECK noticed the daemon killed, not
    // because no daemon was found to kill.
    let results = Harness::load(profile("zoo/daemon-per-network.json"))
        .expect("profile loads")
        .cni_dir(common::bin_dir())
        .cni_dir(common::debian_cni_dir())
        .conformance()
        .filter("check/detects-untracked-removal [")
        .run()
        .expect("suite runs");
    let case = results
        .cases
        .iter()
        .find(|r| r.case == "check/detects-untracked-removal")
        .expect("the case ran");
    assert!(
        case.reason.contains("CHECK noticed daemon") && case.reason.contains("killed"),
        "{}",
        case.reason
    );
}

/// `profile` made dual-stack (an IPv6 range and route beside the IPv4
/// ones) with one mapping whose `hostIP` is `host_ip`, written into `dir`.
fn dual_stack(rel: &str, host_ip: &str, dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(profile(rel)).expect("profile reads");
    let mut p: Value = serde_json::from_str(&text).expect("profile parses");
    let ipam = &mut p["config"]["plugins"][0]["ipam"];
    ipam["ranges"]
        .as_array_mut()
        .expect("ranges")
        .push(serde_json::json!([{"subnet": "fd00:88::/64"}]));
    ipam["routes"]
        .as_array_mut()
        .expect("routes")
        .push(serde_json::json!({"dst": "::/0"}));
    p["needs"]["capabilityArgs"]["portMappings"] = serde_json::json!([
        {"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": host_ip}
    ]);
    let path = dir.join(rel.replace('/', "-"));
    std::fs::write(&path, p.to_string()).expect("write profile");
    path.display().to_string()
}

#[test]
fn a_host_ip_colon_colon_mapping_is_probed_at_a_node_ipv6_address() {
    require_root!();
    // On a dual-stack network "::" maps every node IPv6 address: probed
    // at one, from the uplink and from the node.
    let dir = tempfile::tempdir().expect("tempdir");
    let buggy = dual_stack("zoo/portmap-misses-any-host.json", "::", dir.path());
    let fixed = dual_stack("zoo/portmap-any-host.json", "::", dir.path());
    told_apart(&buggy, &fixed, "dp/portmap", "DP-PORTMAP");
    let results = Harness::load(&fixed)
        .expect("profile loads")
        .cni_dir(common::bin_dir())
        .cni_dir(common::debian_cni_dir())
        .conformance()
        .filter("dp/portmap [")
        .run()
        .expect("suite runs");
    for r in results.cases.iter().filter(|r| r.case == "dp/portmap") {
        assert!(
            r.reason.contains("uplink → 2001:db8:100::1")
                && r.reason.contains("node → 2001:db8:100::1"),
            "no IPv6 probe: {}",
            r.reason
        );
    }
}
