//! The `cni_harness::testing` facade as a plugin author uses it (root):
//! binaries given by path are found by their `type`, a broken plugin fails
//! the one assertion with the failing case and its requirement, and a fuzz
//! session's findings come back with the evidence kept (and nothing is kept
//! when there is none).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use cni_harness::testing::{Harness, Verdict};

#[test]
fn binaries_given_by_path_are_found_by_their_type() {
    require_root!();
    // No CNI directory at all: the reference plugins are only reachable
    // through the links the facade makes for them.
    let results = Harness::reference()
        .plugin(common::workspace_plugin("cni-ref-bridge"))
        .plugin(common::workspace_plugin("cni-ref-ipam"))
        .conformance()
        .filter("version/")
        .strict()
        .run()
        .expect("suite runs");
    assert!(!results.cases.is_empty());
    assert!(results.cases.iter().all(|c| c.case.starts_with("version/")));
    for c in &results.cases {
        assert!(
            matches!(c.verdict, Verdict::Pass | Verdict::Skip),
            "{}",
            cni_harness::testing::failure_text(c)
        );
    }
    assert!(results.cases.iter().any(|c| c.verdict == Verdict::Pass));
}

#[test]
fn a_broken_plugin_fails_the_assertion_naming_the_case_and_requirement() {
    require_root!();
    let profile =
        common::repo_root().join("plugins-under-test/profiles/zoo/wrong-result-version.json");
    let conformance = Harness::load(&profile)
        .expect("profile loads")
        .plugin(common::workspace_plugin("cni-zoo-wrong-result-version"))
        .cni_dir(common::debian_cni_dir())
        .conformance()
        .filter("add/result-version [")
        .versions([cni_harness::testing::SpecVersion::V1_0_0]);
    let panic = catch_unwind(AssertUnwindSafe(|| conformance.assert_passes()))
        .expect_err("the assertion must fail on a plugin that answers another cniVersion");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("1 of 1 conformance cases failed"),
        "{message}"
    );
    assert!(message.contains("1.0.0::add/result-version"), "{message}");
    assert!(message.contains("requirement ADD-"), "{message}");
}

#[test]
fn a_fuzz_session_returns_its_findings_and_keeps_them() {
    require_root!();
    common::workspace_plugin("cni-flaky-crash");
    let config = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": "flaky",
        "plugins": [{"type": "cni-flaky-crash", "bridge": "br0"}]
    });
    let report = Harness::from_json(&config.to_string(), "flaky.conflist")
        .expect("configuration parses")
        .plugin(common::workspace_plugin("cni-flaky-crash"))
        .timeout(Duration::from_secs(5))
        .fuzz()
        .seed(1)
        .max_inputs(150)
        .duration(Duration::from_secs(45))
        .run()
        .expect("session runs");
    let out = report
        .out_dir
        .clone()
        .expect("findings keep their directory");
    let cleanup = scopeguard(&out);
    assert!(
        !report.findings.is_empty(),
        "nothing found in {} inputs",
        report.inputs
    );
    for f in &report.findings {
        assert!(out.join(&f.file).is_file(), "{} not saved", f.file);
        assert!(f.reproduce.contains(&f.file), "{}", f.reproduce);
    }
    drop(cleanup);
}

#[test]
fn a_clean_fuzz_session_keeps_nothing() {
    require_root!();
    let report = Harness::reference()
        .plugin(common::workspace_plugin("cni-ref-bridge"))
        .plugin(common::workspace_plugin("cni-ref-ipam"))
        .fuzz()
        .seed(3)
        .max_inputs(40)
        .run()
        .expect("session runs");
    assert!(report.inputs > 0);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.out_dir, None);
}

/// Removes a kept fuzz directory when the test ends, passed or not.
fn scopeguard(dir: &std::path::Path) -> impl Drop + '_ {
    struct Remove<'a>(&'a std::path::Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(self.0);
        }
    }
    Remove(dir)
}
