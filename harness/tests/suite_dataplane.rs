//! The data-plane cases (`dp/`) against real plugins: the correct ones pass
//! every case that applies at every version they claim, each faulty zoo
//! plugin fails the case meant for it at every version, and nothing of the
//! sandboxes (namespaces, the uplink's links, firewall tables) is left on
//! the host afterwards, timed-out probes included.

mod common;

use std::path::Path;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::{CaseResult, Verdict};
use cni_harness::spec::SpecVersion;
use cni_harness::suite::{self, SuiteOptions};

fn dp_cases(profile: &Path, versions: Option<Vec<SpecVersion>>) -> Vec<CaseResult> {
    let profile = Profile::load(profile).expect("profile loads");
    let opts = SuiteOptions {
        cni_path: vec![common::bin_dir(), common::debian_cni_dir()],
        profile,
        only_versions: versions,
        strict: true,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    // Probes mostly wait on the network, not the CPU.
    suite::run_selected(&opts, &plan, |c| c.id.starts_with("dp/"), 4)
}

/// The tests share this process's sandbox prefix: one at a time, so each
/// can check that nothing of its own is left.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn profiles() -> std::path::PathBuf {
    common::repo_root().join("plugins-under-test/profiles")
}

/// Nothing of this process's sandboxes is left on the host.
fn assert_host_clean() {
    let mine = format!("cnih-{}-", std::process::id());
    for dir in ["/run/netns", "/run/cni-harness"] {
        let left: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.starts_with(&mine))
                    .collect()
            })
            .unwrap_or_default();
        assert!(left.is_empty(), "left in {dir}: {left:?}");
    }
    let links = std::process::Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .expect("ip link");
    let links = String::from_utf8_lossy(&links.stdout);
    for name in ["cnih-up", " up0:", "cni-h0", "cni-ref0", "cni-ref2"] {
        assert!(!links.contains(name), "host has a link {name}: {links}");
    }
    let rules = std::process::Command::new("nft")
        .args(["list", "tables"])
        .output()
        .expect("nft");
    let rules = String::from_utf8_lossy(&rules.stdout);
    assert!(!rules.contains("zoo_drop_"), "host firewall: {rules}");
}

#[test]
fn correct_plugins_pass_every_data_plane_case_that_applies() {
    require_root!();
    let _one_at_a_time = serial();
    let dual = [SpecVersion::V0_2_0, SpecVersion::V1_1_0];
    let runs: [(&str, Option<Vec<SpecVersion>>); 8] = [
        ("reference/bridge", None),
        // IPv6, masquerading and an MTU (DAD makes each case ~2 s: two versions).
        ("reference/bridge-dual-stack", Some(dual.to_vec())),
        ("debian/bridge", None),
        ("debian/ptp", None),
        ("debian/macvlan", None),
        ("debian/portmap", None),
        ("debian/tuning", None),
        ("debian/sbr", None),
    ];
    let mut passed = std::collections::BTreeSet::new();
    for (name, versions) in runs {
        let results = dp_cases(&profiles().join(format!("{name}.json")), versions);
        assert!(!results.is_empty(), "{name}: no dp/ case ran");
        for r in &results {
            assert!(
                matches!(r.verdict, Verdict::Pass | Verdict::Skip),
                "{name}: {}",
                suite::failure_text(r)
            );
            if r.verdict == Verdict::Pass {
                passed.insert(r.case.clone());
            }
        }
    }
    // Every case was exercised by at least one correct plugin.
    for case in suite::cases::all()
        .iter()
        .filter(|c| c.id.starts_with("dp/"))
    {
        assert!(passed.contains(case.id), "{} never passed", case.id);
    }
    assert_host_clean();
}

/// (zoo plugin, the case meant to catch it, the requirement it breaks): the
/// issue's five defects, then three more that prove the other cases can fail.
const DEFECTS: [(&str, &str, &str); 8] = [
    ("veth-not-bridged", "dp/connectivity", "DP-GATEWAY"),
    ("veth-down", "dp/connectivity", "DP-GATEWAY"),
    ("no-gateway-address", "dp/connectivity", "DP-GATEWAY"),
    ("arp-off", "dp/connectivity", "DP-GATEWAY"),
    ("drops-traffic", "dp/connectivity", "DP-GATEWAY"),
    ("del-ignores-netns", "dp/connectivity", "DP-DEL"),
    ("ignores-mtu", "dp/mtu", "DP-MTU"),
    ("ignores-ipmasq", "dp/ipmasq", "DP-MASQ"),
];

#[test]
fn each_data_plane_defect_fails_its_case_at_every_version() {
    require_root!();
    let _one_at_a_time = serial();
    for (defect, case, requirement) in DEFECTS {
        let results = dp_cases(&profiles().join(format!("zoo/{defect}.json")), None);
        let meant: Vec<&CaseResult> = results.iter().filter(|r| r.case == case).collect();
        assert!(!meant.is_empty(), "{defect}: {case} did not run");
        for r in meant {
            assert_eq!(
                r.verdict,
                Verdict::Fail,
                "{defect}: {}",
                suite::failure_text(r)
            );
            // The failure names the requirement and says what went where
            // and what came back.
            assert!(
                r.reason.starts_with(&format!("[{requirement}]"))
                    && r.reason.contains(" from ")
                    && r.reason.contains(" to "),
                "{defect}: {}",
                r.reason
            );
        }
    }
    assert_host_clean();
}
