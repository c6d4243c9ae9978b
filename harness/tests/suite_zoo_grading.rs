//! Zoo plugins of issue 19: correct plugins of shapes the harness once
//! misjudged. Each gets no failure it does not deserve, and the defect
//! plugin that does break the same requirement still fails.

mod common;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::CaseResult;
use cni_harness::suite::{self, SuiteOptions};
use cni_harness::testing::Verdict;

fn run(profile: &str, select: impl Fn(&str) -> bool) -> Vec<CaseResult> {
    let path = common::repo_root().join(format!("plugins-under-test/profiles/{profile}.json"));
    let opts = SuiteOptions {
        cni_path: vec![common::bin_dir(), common::debian_cni_dir()],
        profile: Profile::load(&path).expect("profile loads"),
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    suite::run_selected(&opts, &plan, |c| select(c.id), 2)
}

fn cell(results: &[CaseResult], case: &str, id: &str) -> Vec<Verdict> {
    results
        .iter()
        .filter(|r| r.case == case && r.verdict != Verdict::Skip)
        .map(|r| r.verdict_for(id))
        .collect()
}

/// A pass-through meta plugin that never reads CNI_IFNAME or
/// CNI_CONTAINERID: the runtime's obligation to set them is at most the
/// plugin's SHOULD (ENV-1 warns), it is not unable to use a name it never
/// uses (ENV-3 passes) and it made nothing (ENV-8 passes). The plugin that
/// makes an interface without them (missing-env-ok) still fails ENV-8.
#[test]
fn a_passthrough_meta_plugin_is_not_failed_on_runtime_obligations() {
    require_root!();
    let env = |c: &str| c.starts_with("env/");
    let meta = run("zoo/passthrough-meta", env);
    for r in &meta {
        assert_ne!(
            r.verdict,
            Verdict::Fail,
            "{}: {}",
            r.case,
            suite::failure_text(r)
        );
    }
    assert_eq!(
        cell(&meta, "env/missing-variables", "ENV-1"),
        [Verdict::Warn]
    );
    assert_eq!(
        cell(&meta, "env/missing-variables", "ENV-8"),
        [Verdict::Pass]
    );
    assert_eq!(cell(&meta, "env/invalid-ifname", "ENV-3"), [Verdict::Pass]);
    let acting = run("zoo/missing-env-ok", |c| c == "env/missing-variables");
    assert_eq!(
        cell(&acting, "env/missing-variables", "ENV-8"),
        [Verdict::Fail]
    );
}

/// A chained plugin whose result has no `cniVersion` (libcni fills it from
/// the configuration): ADD-3 fails once per version in add/result-version,
/// and nothing else fails or is blocked because of it (no consistency,
/// IPAM or `dp/` cascade).
#[test]
fn a_result_without_cni_version_is_one_deviation_per_version() {
    require_root!();
    let results = run("zoo/result-without-version", |c| {
        c.starts_with("add/") || c.starts_with("dp/") || c.starts_with("ipam/")
    });
    let failing: Vec<String> = results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Blocked | Verdict::Error))
        .map(|r| format!("{:?} {}: {}", r.spec_version, r.case, r.reason))
        .collect();
    let versions = results
        .iter()
        .filter(|r| r.case == "add/result-version")
        .count();
    assert!(versions >= 4, "{versions} versions");
    assert_eq!(
        failing.len(),
        versions,
        "only add/result-version fails: {failing:#?}"
    );
    assert!(
        failing.iter().all(|f| f.contains("add/result-version")),
        "{failing:#?}"
    );
    assert!(cell(&results, "add/result-version", "ADD-3")
        .iter()
        .all(|v| *v == Verdict::Fail));
    let probed = cell(&results, "dp/connectivity", "DP-GATEWAY");
    assert!(
        !probed.is_empty() && probed.iter().all(|v| *v == Verdict::Pass),
        "{probed:?}"
    );
}
