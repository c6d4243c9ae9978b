//! A finding file replays against other binaries than those it recorded
//! (root, real namespaces, the deliberately faulty `cni-flaky-crash`): it
//! names directories of the machine it was found on, and whoever it is sent
//! to has the plugins elsewhere (`cni-harness fuzz --reproduce FILE
//! --cni-path DIRS`).

mod common;

use std::time::Duration;

use cni_harness::fuzz::{self, Input};
use cni_harness::spec::Verb;

#[test]
fn reproduce_with_another_cni_path() {
    require_root!();
    common::workspace_plugin("cni-flaky-crash");
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("flaky.json");
    let config = serde_json::json!({
        "cniVersion": "1.0.0", "name": "flaky",
        "plugins": [{"type": "cni-flaky-crash", "bridge": "br0"}]
    });
    std::fs::write(&profile, config.to_string()).expect("write profile");

    // The real verdict of a crashing input gives the finding its signature.
    let target = fuzz::target::build(&profile, &[common::bin_dir()], Duration::from_secs(10))
        .expect("target");
    let input = Input::new(
        r#"{"cniVersion":"1.0.0","name":"flaky","type":"cni-flaky-crash","bridge":"a/b"}"#.into(),
        vec![Verb::Add],
    );
    let ex = fuzz::execute::Executor::new(target)
        .run(&input, false)
        .expect("run");
    let verdict = ex.detections.first().expect("the input crashes the plugin");

    let gone = tmp.path().join("binaries-elsewhere");
    let finding = serde_json::json!({
        "format": "cni-harness-fuzz-finding",
        "oracle": verdict.oracle.as_str(),
        "signature": verdict.signature(),
        "summary": verdict.summary,
        "reproduce": "",
        "target": {"config": profile, "cniPath": [gone], "timeoutMs": 10000},
        "input": input,
        "originalInput": input,
        "invocations": [],
        "kernelDiff": ""
    });
    let file = tmp.path().join("finding.json");
    std::fs::write(&file, finding.to_string()).expect("write finding");

    let recorded = fuzz::reproduce(&file);
    assert!(
        recorded.is_err(),
        "the recorded directory has no plugin: {recorded:?}"
    );
    assert!(
        fuzz::reproduce_with(&file, Some(vec![common::bin_dir()])).expect("reproduce runs"),
        "the crash reproduces with the plugins where they are"
    );
}
