//! Every faulty plugin of the zoo (plugins-under-test/testplugins, one defect
//! each) is caught by the conformance case meant for it, while the same
//! case passes on the correct plugin it wraps (Debian's bridge).

mod common;

use cni_harness::suite;
use cni_harness::testing::{Harness, Verdict};

/// (zoo plugin, the case meant to catch it).
const ZOO: [(&str, &str); 14] = [
    ("wrong-result-version", "add/result-version"),
    ("ignores-ifname", "add/ifname"),
    ("del-not-idempotent", "del/repeat"),
    ("leaks-ipam", "del/no-residue"),
    ("check-never-fails", "check/detects-missing-interface"),
    ("error-on-stderr", "error/on-stdout"),
    ("accepts-any-version", "version/unsupported-version"),
    ("version-lies", "version/listed-versions-accepted"),
    ("drops-prevresult", "chain/prevresult-passthrough"),
    ("garbage-stdout", "output/single-document"),
    ("result-lies", "add/consistent-with-kernel"),
    ("missing-env-ok", "env/missing-variables"),
    ("leaks-veth-on-failed-add", "del/after-failed-add"),
    ("leaks-host-files", "del/no-residue"),
];

fn verdicts(profile: &std::path::Path, case: &str) -> Vec<(String, Verdict, String)> {
    let results = Harness::load(profile)
        .expect("profile loads")
        .cni_dir(common::bin_dir())
        .cni_dir(common::debian_cni_dir())
        .conformance()
        .filter(format!("{case} ["))
        .run()
        .expect("suite runs");
    results
        .cases
        .into_iter()
        .inspect(|r| assert_eq!(r.case, case, "the filter selected another case"))
        .map(|r| {
            let v = r.spec_version.map(|v| v.to_string()).unwrap_or_default();
            (v, r.verdict, suite::failure_text(&r))
        })
        .collect()
}

#[test]
fn every_zoo_plugin_is_caught_by_its_case() {
    require_root!();
    let profiles = common::repo_root().join("plugins-under-test/profiles");
    let mut missed = Vec::new();
    for (defect, case) in ZOO {
        assert!(
            suite::cases::all().iter().any(|c| c.id == case),
            "no case {case} in the suite"
        );
        let caught = verdicts(&profiles.join(format!("zoo/{defect}.json")), case);
        assert!(!caught.is_empty(), "{defect}: {case} did not run");
        // A warning counts only when it is about the defect: the correct
        // bridge also draws warnings (errors without cniVersion).
        let about_defect = |text: &str| defect != "error-on-stderr" || text.contains("on stderr");
        if !caught
            .iter()
            .any(|(_, v, text)| *v == Verdict::Fail || (*v == Verdict::Warn && about_defect(text)))
        {
            missed.push(format!("{defect} not caught by {case}: {caught:?}"));
        }
        // The same case on the correct plugin the zoo wraps does not fire.
        let reference = if case.starts_with("chain/") {
            "tuning"
        } else {
            "bridge"
        };
        let clean = verdicts(&profiles.join(format!("debian/{reference}.json")), case);
        for (version, verdict, text) in clean {
            assert!(
                matches!(verdict, Verdict::Pass | Verdict::Skip | Verdict::Warn),
                "{case} at {version} fires on the correct plugin: {text}"
            );
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
