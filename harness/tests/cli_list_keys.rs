//! The list keys that steer the runtime, end to end through the command
//! line: `cniVersions` picks the version `exec` runs at, and the suite never
//! sends CHECK to a list with `disableCheck`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

/// A scratch directory on the host (the recorder writes here from inside
/// every sandbox), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("cnih-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
    fn write(&self, name: &str, doc: &Value) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, doc.to_string()).expect("write config");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn harness(args: &[&str], config: &Path) -> std::process::Output {
    common::workspace_plugin("cni-recorder");
    Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        // The recorder writes to a host directory the test reads back.
        .env("CNIH_NO_HOST_LAYER", "1")
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--cni-path")
        .arg(common::bin_dir())
        .output()
        .expect("cni-harness runs")
}

#[test]
fn exec_status_runs_at_the_highest_of_cni_versions() {
    require_root!();
    let scratch = Scratch::new("cniversions");
    let list = scratch.write(
        "list.conflist",
        &json!({"cniVersion": "1.0.0", "cniVersions": ["1.0.0", "1.1.0"], "name": "vnet",
                "plugins": [{"type": "cni-recorder"}]}),
    );
    let out = harness(&["exec", "status"], &list);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("CNI_COMMAND=STATUS"), "{stdout}");
    assert!(stdout.contains(r#""cniVersion": "1.1.0""#), "{stdout}");
}

#[test]
fn the_suite_never_sends_check_to_a_list_with_disable_check() {
    require_root!();
    let scratch = Scratch::new("disablecheck");
    let record = scratch.0.join("calls");
    let list = scratch.write(
        "list.conflist",
        &json!({"cniVersion": "1.0.0", "name": "dnet", "disableCheck": true,
                "plugins": [{"type": "cni-recorder", "recordDir": record}]}),
    );
    let report = scratch.0.join("report");
    let report_arg = report.to_string_lossy().to_string();
    let out = harness(
        &[
            "test",
            "--spec-version",
            "1.0.0",
            "--report-dir",
            &report_arg,
        ],
        &list,
    );
    let results: Value = serde_json::from_slice(
        &std::fs::read(report.join("results.json")).unwrap_or_else(|e| {
            panic!(
                "no results.json ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        }),
    )
    .expect("results.json is JSON");
    let cases = results["cases"].as_array().expect("cases");
    let check_cases: Vec<&Value> = cases
        .iter()
        .filter(|c| {
            c["case"]
                .as_str()
                .is_some_and(|id| id.starts_with("check/"))
        })
        .collect();
    assert!(!check_cases.is_empty(), "the suite has CHECK cases");
    for c in &check_cases {
        assert_eq!(c["verdict"], "skip", "{}", c["case"]);
        assert_eq!(
            c["reason"], "the configuration sets disableCheck",
            "{}",
            c["case"]
        );
    }
    let calls = std::fs::read_to_string(record.join("calls.jsonl")).expect("the plugin ran");
    let verbs: Vec<String> = calls
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| v["env"]["CNI_COMMAND"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(verbs.iter().any(|v| v == "ADD"), "{verbs:?}");
    assert!(!verbs.iter().any(|v| v == "CHECK"), "{verbs:?}");
}
