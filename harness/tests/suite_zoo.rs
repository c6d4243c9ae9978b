//! Every faulty plugin of the zoo (plugins-under-test/testplugins, one defect
//! each) is caught by the conformance case meant for it, while the same
//! case passes on the correct plugin it wraps (Debian's bridge).

mod common;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::suite::{self, SuiteOptions};
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

/// The plan (with its baseline) and the results of `cases` on a zoo profile.
fn run_zoo(defect: &str, cases: &[&str]) -> (suite::Plan, Vec<cni_harness::record::CaseResult>) {
    let path = common::repo_root().join(format!("plugins-under-test/profiles/zoo/{defect}.json"));
    let opts = SuiteOptions {
        cni_path: vec![common::bin_dir(), common::debian_cni_dir()],
        profile: Profile::load(&path).expect("profile loads"),
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    let results = suite::run_selected(&opts, &plan, |c| cases.contains(&c.id), 2);
    (plan, results)
}

fn verdicts_of(results: &[cni_harness::record::CaseResult], case: &str) -> Vec<Verdict> {
    results
        .iter()
        .filter(|r| r.case == case && r.verdict != Verdict::Skip)
        .map(|r| r.verdict)
        .collect()
}

/// No CHECK at all ("unknown command"): CHECK-1 fails, and the tamper
/// cases are blocked by their control instead of passing vacuously.
#[test]
fn a_plugin_without_check_does_not_pass_the_tamper_cases() {
    require_root!();
    let tamper = [
        "check/detects-missing-interface",
        "check/detects-missing-address",
    ];
    let (_, results) = run_zoo("no-check", &["check/after-add", tamper[0], tamper[1]]);
    let after = verdicts_of(&results, "check/after-add");
    assert!(
        !after.is_empty() && after.iter().all(|v| *v == Verdict::Fail),
        "{after:?}"
    );
    for case in tamper {
        let got = verdicts_of(&results, case);
        assert!(
            !got.is_empty() && got.iter().all(|v| *v == Verdict::Blocked),
            "{case}: {got:?}"
        );
    }
}

/// ADD always fails: the baseline names it once and the cases needing ADD
/// are blocked by it, none failed with the same error again.
#[test]
fn a_plugin_whose_add_fails_is_reported_once_by_the_baseline() {
    require_root!();
    let cases = [
        "add/result-version",
        "add/existing-interface-fails",
        "env/missing-variables",
        "version/listed-versions-accepted",
        "check/detects-missing-interface",
    ];
    let (plan, results) = run_zoo("add-always-fails", &cases);
    let failure = plan
        .own_baseline()
        .and_then(|b| b.failure.as_ref())
        .expect("the baseline fails");
    assert_eq!(failure.verb, cni_harness::spec::Verb::Add);
    assert!(failure.error.contains("ip -n"), "{}", failure.error);
    assert!(failure.stderr.contains("Cannot open"), "{}", failure.stderr);
    for case in cases {
        let got = verdicts_of(&results, case);
        assert!(
            !got.is_empty() && got.iter().all(|v| *v == Verdict::Blocked),
            "{case}: {got:?}"
        );
    }
}

/// A random allocator (one host of 200) is caught: 48 live attachments
/// collide with probability 99.8% per case (see add/addressing.rs).
#[test]
fn a_random_allocator_is_caught() {
    require_root!();
    let (_, results) = run_zoo(
        "random-allocator",
        &["add/distinct-addresses", "add/parallel"],
    );
    let all: Vec<Verdict> = results.iter().map(|r| r.verdict).collect();
    assert!(
        all.contains(&Verdict::Fail),
        "{:?}",
        results.iter().map(suite::failure_text).collect::<Vec<_>>()
    );
}

/// A correct meta plugin that checks its prevResult before its environment
/// passes the environment cases, which run it in its chain.
#[test]
fn a_meta_plugin_checking_its_chain_first_passes_the_env_cases() {
    require_root!();
    let cases = ["env/missing-variables", "env/invalid-container-id"];
    let (_, results) = run_zoo("chain-first", &cases);
    for case in cases {
        let got: Vec<_> = results.iter().filter(|r| r.case == case).collect();
        assert!(
            !got.is_empty() && got.iter().all(|r| r.verdict == Verdict::Pass),
            "{case}: {:?}",
            got.iter()
                .map(|r| suite::failure_text(r))
                .collect::<Vec<_>>()
        );
    }
}

/// A 1.1.0 plugin that answers STATUS without asking its IPAM delegate
/// breaks STATUS-3, and only that: the requirement's own cell fails while
/// the delegation requirements it keeps pass.
#[test]
fn status_not_forwarded_to_the_delegate_fails_status_3_only() {
    require_root!();
    let (_, results) = run_zoo("status-not-delegated", &["ipam/delegation"]);
    let at_1_1: Vec<_> = results
        .iter()
        .filter(|r| r.spec_version == Some(cni_harness::spec::SpecVersion::V1_1_0))
        .collect();
    assert!(!at_1_1.is_empty(), "ipam/delegation did not run at 1.1.0");
    for r in at_1_1 {
        assert_eq!(r.verdict, Verdict::Fail, "{}", suite::failure_text(r));
        assert_eq!(r.verdict_for("STATUS-3"), Verdict::Fail);
        assert_eq!(r.verdict_for("IPAM-3"), Verdict::Pass);
    }
}
