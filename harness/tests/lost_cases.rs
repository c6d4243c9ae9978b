//! No case is ever lost (issue 14): a case that panics, in its body, its
//! applicability check or its sandbox set-up, is an `error` verdict with the
//! panic message, counted in the tally and shown by every renderer; a
//! profile the harness cannot honour is refused before any case runs, with
//! an error naming the field.

mod common;

use std::process::Command;

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::record::{RunResults, Verdict};
use cni_harness::suite::{self, Case, Scope, SuiteOptions};

fn opts() -> SuiteOptions {
    let profile = Profile::parse(
        br#"{"cniVersion":"1.0.0","name":"tidy","plugins":[{"type":"cni-tidy-state"}]}"#,
        "test",
    )
    .expect("profile");
    SuiteOptions {
        cni_path: vec![common::bin_dir()],
        profile,
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    }
}

fn panics_in_body(_: &mut suite::ctx::Ctx) -> suite::verdict::CaseVerdict {
    panic!("deliberate panic in the case body")
}

fn panics_deciding(_: &suite::case::Applicability) -> Result<(), String> {
    panic!("deliberate panic in applicability")
}

#[test]
fn a_panicking_case_is_an_error_everywhere() {
    require_root!();
    common::workspace_plugin("cni-tidy-state");
    let opts = opts();
    let version = cni_harness::SpecVersion::V1_0_0;
    let body = Case {
        id: "harness/panics-in-body",
        title: "a case that panics",
        requirements: &["DEL-1"],
        scope: Scope::PerVersion,
        applies: suite::case::always,
        run: panics_in_body,
    };
    let deciding = Case {
        id: "harness/panics-deciding",
        applies: panics_deciding,
        ..body
    };
    let plan = suite::Plan {
        versions: vec![version],
        claimed: Vec::new(),
        run: Default::default(),
    };
    let cases = vec![
        suite::run_case(&body, version, &opts, &plan),
        suite::run_case(&deciding, version, &opts, &plan),
    ];
    for (c, msg) in cases.iter().zip(["in the case body", "in applicability"]) {
        assert_eq!(c.verdict, Verdict::Error, "{}", c.reason);
        assert!(
            c.reason.contains(&format!("deliberate panic {msg}")),
            "{}",
            c.reason
        );
    }
    let collector: suite::Collector = Default::default();
    collector.lock().expect("lock").results = cases;
    let run: RunResults =
        suite::results(&opts, &plan, &collector, "2026-01-01T00:00:00Z".into(), 1);
    let tally = run.tally();
    assert!(tally.contains(&(Verdict::Error, 2)), "{tally:?}");
    assert!(run.failed());
    let json = serde_json::to_string(&run).expect("json");
    assert_eq!(json.matches("\"verdict\":\"error\"").count(), 2, "{json}");
    let dir = tempfile::tempdir().expect("tempdir");
    cni_harness::report::write_all(std::slice::from_ref(&run), dir.path()).expect("reports");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).expect("report");
    let junit = read("junit.xml");
    assert_eq!(junit.matches("<error").count(), 2, "{junit}");
    assert!(
        junit.contains("deliberate panic in the case body"),
        "{junit}"
    );
    let md = read("summary.md");
    assert!(
        md.contains("| 2 | 0 | 0 | **FAILED**"),
        "error column: {md}"
    );
    assert!(md.contains("deliberate panic in applicability"), "{md}");
    let html = read("report.html");
    assert!(html.contains("deliberate panic in the case body"), "{html}");
    assert!(html.matches("badge v-error").count() >= 2, "{html}");
}

/// A parent link of 16 bytes, with a two-byte character across byte 14
/// (it used to panic every case in the fixture).
#[test]
fn a_multibyte_parent_link_is_refused_before_any_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.json");
    let profile = serde_json::json!({
        "profile": "bad-parent",
        "plugin": "macvlan",
        "needs": {"parentLink": "abcdefghijklmö1", "linkKinds": ["macvlan"]},
        "config": {"cniVersion": "1.0.0", "name": "m", "plugins": [{"type": "macvlan", "master": "abcdefghijklmö1"}]}
    });
    std::fs::write(&path, profile.to_string()).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(["test", "--config"])
        .arg(&path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("needs.parentLink \"abcdefghijklmö1\" is 16 bytes long"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("test ") && !stderr.contains("panicked"),
        "{stdout}{stderr}"
    );
}

#[test]
fn other_profile_values_are_checked_by_name() {
    for (needs, field) in [
        (r#"{"ifname": "eth0:1"}"#, "needs.ifname"),
        (r#"{"linkKinds": ["macvlna"]}"#, "needs.linkKinds[0]"),
    ] {
        let doc = format!(
            r#"{{"profile":"p","plugin":"bridge","needs":{needs},"config":{{"cniVersion":"1.0.0","name":"n","plugins":[{{"type":"bridge"}}]}}}}"#
        );
        let err = Profile::parse(doc.as_bytes(), "p")
            .expect_err("refused")
            .to_string();
        assert!(err.contains(field), "{err}");
    }
    let err = Profile::parse(
        br#"{"profile":"p","plugin":"bridge","cniPath":["bin"],"config":{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"}]}}"#,
        "p",
    )
    .expect_err("relative cniPath")
    .to_string();
    assert!(err.contains("cniPath[0]"), "{err}");
    let err = Profile::parse(
        br#"{"cniVersion":"1.0.0","name":"a/b","type":"bridge"}"#,
        "p",
    )
    .expect_err("network name")
    .to_string();
    assert!(err.contains("not a valid network name"), "{err}");
}
