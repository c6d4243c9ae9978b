//! The reference plugin built with `-C instrument-coverage` (stable rustc):
//! its raw LLVM profiles are read (counters only) and guide a fuzz session.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use cni_harness::coverage::Collector;
use cni_harness::fuzz::{self, FuzzOptions};

/// `cni-ref-bridge` and `cni-ref-ipam` built instrumented, in a target
/// directory of their own so the ordinary build stays as it is.
fn instrumented_reference() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/instrumented");
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "-q", "-p", "cni-ref-bridge", "-p", "cni-ref-ipam"])
        .env("RUSTFLAGS", "-C instrument-coverage")
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "instrumented build of the reference plugin"
    );
    target.join("debug")
}

#[test]
fn reference_plugin_profiles_are_read_and_guide_fuzzing() {
    require_root!();
    let bin = instrumented_reference();
    let collector = Collector::new().unwrap();
    let out = Command::new(bin.join("cni-ref-bridge"))
        .env_clear()
        .envs(collector.env())
        .env("CNI_COMMAND", "VERSION")
        .output()
        .unwrap();
    assert!(out.status.success());
    let sample = collector.take();
    assert!(sample.errors.is_empty(), "{:?}", sample.errors);
    assert_eq!(sample.files, 1, "one raw profile per process");
    assert!(!sample.counts.is_empty());
    assert!(cni_harness::coverage::known_counters() > sample.counts.len());

    let tmp = tempfile::tempdir().unwrap();
    let profile = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins-under-test/profiles/reference/bridge.json");
    let mut o = FuzzOptions::new(profile, tmp.path().to_path_buf());
    o.cni_path = vec![bin];
    o.seed = 5;
    o.duration = Some(Duration::from_secs(60));
    o.max_execs = Some(40);
    o.minimize_attempts = 10;
    let report = fuzz::run_session(&o).expect("session runs");
    let (hit, total) = report.code_coverage.expect("instrumentation detected");
    eprintln!(
        "reference plugin: {hit} of {total} counters hit in {} inputs",
        report.execs
    );
    assert!(hit > 100 && hit < total, "{hit}/{total}");
}
