//! Every binary of the chain is fuzzed: an IPAM plugin is also called
//! directly, with its own slice of the configuration and the runtime's
//! `CNI_ARGS` shapes, and what it does wrong is blamed on it. Proved on a
//! twin pair: zoo `ipam-args-panics` (a Go-style nil-pointer panic when
//! called without an `ipam` object and with `IP=` in `CNI_ARGS`, as
//! Debian's `static` does) is caught, `host-local` (its fixed twin) is not;
//! fuzzing only the main plugin never reaches the panic.

mod common;

use std::path::Path;
use std::time::Duration;

use cni_harness::fuzz::{self, target::Slot, FuzzOptions, SessionReport};
use cni_harness::record::Oracle;

/// Sessions one at a time: each holds sandboxes of its own.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Bounded by inputs and a fixed seed, so the session is the same every
/// run; the duration is only a safety net, never what the test measures.
fn session(profile: &str, every_binary: bool, out: &Path) -> SessionReport {
    let mut o = FuzzOptions::new(
        common::repo_root()
            .join("plugins-under-test/profiles")
            .join(profile),
        out.to_path_buf(),
    );
    o.cni_path = vec![common::bin_dir(), common::debian_cni_dir()];
    o.seed = 7;
    o.max_execs = Some(240);
    o.duration = Some(Duration::from_secs(240));
    o.timeout = Duration::from_secs(10);
    o.minimize_attempts = 40;
    o.every_binary = every_binary;
    fuzz::run_session(&o).expect("session runs")
}

fn ipam_findings(report: &SessionReport, plugin: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.finding.plugin == plugin)
        .map(|f| format!("{}: {}", f.finding.signature, f.finding.summary))
        .collect()
}

#[test]
fn an_ipam_plugin_that_panics_when_called_directly_is_found_and_its_twin_is_not() {
    require_root!();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    common::workspace_plugin("cni-zoo-ipam-args-panics");
    let tmp = tempfile::tempdir().expect("tempdir");

    let buggy = session("zoo/ipam-args-panics.json", true, &tmp.path().join("buggy"));
    let labels: Vec<&str> = buggy.targets.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "ptp",
            "cni-zoo-ipam-args-panics (IPAM of ptp, called directly)"
        ],
        "the plan names every binary"
    );
    assert!(
        buggy.targets.iter().all(|t| t.execs > 0),
        "every target ran: {:?}",
        buggy.targets
    );
    let panic = buggy
        .findings
        .iter()
        .find(|f| f.finding.oracle == Oracle::Panic)
        .unwrap_or_else(|| {
            panic!(
                "no panic found; findings: {:?}",
                ipam_findings(&buggy, "cni-zoo-ipam-args-panics")
            )
        });
    assert_eq!(panic.finding.plugin, "cni-zoo-ipam-args-panics");
    assert_eq!(panic.finding.target.slot, Some(Slot::Ipam(0)));
    let input = &panic.finding.input;
    assert!(
        input
            .env_value("CNI_ARGS")
            .is_some_and(|a| a.contains("IP=")),
        "the runtime's IP= is part of the input: {input:?}"
    );
    assert!(
        input
            .config_value()
            .is_some_and(|c| c.get("ipam").is_none()),
        "the minimised input has no ipam object: {}",
        input.config
    );
    let results = buggy.to_results("2026-01-01T00:00:00Z".into());
    assert!(results
        .findings
        .iter()
        .any(|f| f.plugin.as_deref() == Some("cni-zoo-ipam-args-panics")));
    assert!(
        fuzz::reproduce(&panic.file).expect("reproduce runs"),
        "the finding replays against the IPAM binary"
    );

    let fixed = session("debian/host-local.json", true, &tmp.path().join("fixed"));
    assert!(fixed
        .targets
        .iter()
        .any(|t| t.plugin == "host-local" && t.execs > 0));
    let blamed = ipam_findings(&fixed, "host-local");
    assert!(blamed.is_empty(), "host-local (the fixed twin): {blamed:?}");

    // The main plugin alone always hands its IPAM an `ipam` object.
    let subject_only = session(
        "zoo/ipam-args-panics.json",
        false,
        &tmp.path().join("subject"),
    );
    assert_eq!(subject_only.targets.len(), 1);
    assert!(
        !subject_only
            .findings
            .iter()
            .any(|f| f.finding.oracle == Oracle::Panic),
        "fuzzing only ptp reached the panic: the test proves nothing"
    );
}
