//! The zoo plugins for the requirements catalogued last (issue 13, item 7):
//! each gets the verdict meant for it on its requirement's own cell, and
//! the correct plugin (Debian's bridge, or the reference bridge for 1.1.0
//! verbs) does not.

mod common;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::CaseResult;
use cni_harness::spec::SpecVersion;
use cni_harness::suite::{self, SuiteOptions};
use cni_harness::testing::Verdict;

fn run(profile: &str, cases: &[&str]) -> Vec<CaseResult> {
    let path = common::repo_root().join(format!("plugins-under-test/profiles/{profile}.json"));
    let opts = SuiteOptions {
        cni_path: vec![common::bin_dir(), common::debian_cni_dir()],
        profile: Profile::load(&path).expect("profile loads"),
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    suite::run_selected(&opts, &plan, |c| cases.contains(&c.id), 2)
}

/// What requirement `id` got in every non-skipped run of `case`.
fn cells(results: &[CaseResult], case: &str, id: &str) -> Vec<(Option<SpecVersion>, Verdict)> {
    results
        .iter()
        .filter(|r| r.case == case && r.verdict != Verdict::Skip)
        .map(|r| (r.spec_version, r.verdict_for(id)))
        .collect()
}

fn all_are(got: &[(Option<SpecVersion>, Verdict)], want: Verdict) -> bool {
    !got.is_empty() && got.iter().all(|(_, v)| *v == want)
}

#[test]
fn del_needing_prev_result_warns_del_5() {
    require_root!();
    let case = "del/without-prev-result";
    let zoo = run("zoo/del-needs-prevresult", &[case]);
    let got = cells(&zoo, case, "DEL-5");
    assert!(all_are(&got, Verdict::Warn), "{got:?}");
    let clean = run("debian/bridge", &[case]);
    let got = cells(&clean, case, "DEL-5");
    assert!(all_are(&got, Verdict::Pass), "{got:?}");
}

#[test]
fn strict_fields_fail_err_4_and_warn_args_1() {
    require_root!();
    let cases = ["config/unknown-fields", "config/args-ignored"];
    let zoo = run("zoo/strict-fields", &cases);
    let err4 = cells(&zoo, cases[0], "ERR-4");
    assert!(all_are(&err4, Verdict::Fail), "{err4:?}");
    let conf2 = cells(&zoo, cases[0], "CONF-2");
    assert!(
        all_are(&conf2, Verdict::Warn),
        "a MAY never fails: {conf2:?}"
    );
    let args = cells(&zoo, cases[1], "ARGS-1");
    assert!(all_are(&args, Verdict::Warn), "{args:?}");
    let clean = run("debian/bridge", &cases);
    assert!(all_are(&cells(&clean, cases[0], "CONF-2"), Verdict::Pass));
    // The bridge tolerates the field: no code 2 to judge, so not a pass.
    assert!(all_are(&cells(&clean, cases[0], "ERR-4"), Verdict::Skip));
    assert!(all_are(&cells(&clean, cases[1], "ARGS-1"), Verdict::Pass));
}

#[test]
fn relying_on_status_fails_status_6() {
    require_root!();
    let case = "status/not-required";
    let zoo = run("zoo/needs-status", &[case]);
    let got = cells(&zoo, case, "STATUS-6");
    assert!(all_are(&got, Verdict::Fail), "{got:?}");
    let clean = run("reference/bridge", &[case]);
    assert!(all_are(&cells(&clean, case, "STATUS-6"), Verdict::Pass));
}

#[test]
fn hidden_delegate_errors_warn_check_5_and_ipam_6() {
    require_root!();
    let case = "ipam/delegate-errors";
    let zoo = run("zoo/hides-ipam-errors", &[case]);
    let check = cells(&zoo, case, "CHECK-5");
    let check: Vec<_> = check
        .into_iter()
        .filter(|(v, _)| v.is_some_and(|v| v >= SpecVersion::V0_4_0))
        .collect();
    assert!(all_are(&check, Verdict::Warn), "{check:?}");
    assert!(all_are(&cells(&zoo, case, "IPAM-6"), Verdict::Warn));
    let clean = run("debian/bridge", &[case]);
    assert!(all_are(&cells(&clean, case, "IPAM-6"), Verdict::Pass));
}

/// Debian's bridge returns an IPAM ADD failure without the delegate's DEL
/// (left to the runtime's DEL); the reference bridge runs it first.
#[test]
fn a_failed_delegate_add_is_followed_by_its_del_or_warns_ipam_8() {
    require_root!();
    let case = "ipam/delegate-add-fails";
    let debian = run("debian/bridge", &[case]);
    assert!(all_are(&cells(&debian, case, "IPAM-8"), Verdict::Warn));
    let reference = run("reference/bridge", &[case]);
    assert!(all_are(&cells(&reference, case, "IPAM-8"), Verdict::Pass));
}

/// Chatter on stdout fails the case (stdout is not one JSON document) and
/// warns EXEC-3 (logs belong on stderr).
#[test]
fn logs_on_stdout_warn_exec_3() {
    require_root!();
    let case = "output/single-document";
    let zoo = run("zoo/garbage-stdout", &[case]);
    assert!(all_are(&cells(&zoo, case, "EXEC-3"), Verdict::Warn));
    let failed = zoo
        .iter()
        .filter(|r| r.case == case && r.verdict != Verdict::Skip);
    assert!(failed.clone().count() > 0 && failed.clone().all(|r| r.verdict == Verdict::Fail));
    let clean = run("debian/bridge", &[case]);
    assert!(all_are(&cells(&clean, case, "EXEC-3"), Verdict::Pass));
}

/// A STATUS that never asks its delegate reports "ready" on an exhausted
/// pool (STATUS-5 warns); the reference bridge and IPAM report code 50.
#[test]
fn status_on_an_exhausted_pool_is_code_50() {
    require_root!();
    let case = "ipam/exhausted";
    let zoo = run("zoo/status-not-delegated", &[case]);
    assert!(all_are(&cells(&zoo, case, "STATUS-5"), Verdict::Warn));
    assert!(all_are(&cells(&zoo, case, "STATUS-7"), Verdict::Skip));
    let reference = run("reference/bridge", &[case]);
    for id in ["IPAM-5", "STATUS-5", "STATUS-7"] {
        assert!(all_are(&cells(&reference, case, id), Verdict::Pass), "{id}");
    }
}

/// A CHECK that counts the container's routes refuses a route a later
/// plugin added (CHECK-6 fails); Debian's bridge allows for it.
#[test]
fn a_check_counting_routes_fails_check_6() {
    require_root!();
    let case = "check/tolerates-later-changes";
    let zoo = run("zoo/check-exact-routes", &[case]);
    assert!(all_are(&cells(&zoo, case, "CHECK-6"), Verdict::Fail));
    let clean = run("debian/bridge", &[case]);
    assert!(all_are(&cells(&clean, case, "CHECK-6"), Verdict::Pass));
}
