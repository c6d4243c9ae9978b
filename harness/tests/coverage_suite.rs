//! `cni-harness test --coverage` on the project's Go plugin built with
//! `go build -cover`: results.json records per-function coverage and per
//! case what only it reached; the Markdown and HTML reports show the table,
//! least covered first.

mod common;

use std::process::Command;

#[test]
fn suite_reports_what_it_reached_of_the_plugin() {
    require_root!();
    let Some(plugin) = common::go_combo_plugin() else {
        return;
    };
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .arg("test")
        .arg("--config")
        .arg(root.join("plugins-under-test/profiles/go/go-combo.json"))
        .arg("--cni-path")
        .arg(plugin.parent().unwrap())
        .arg("--coverage")
        .arg("--report-dir")
        .arg(out.path())
        .arg("--test-threads=1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "go-combo passes the suite");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("results.json")).unwrap()).unwrap();
    let cov = &results["code_coverage"];
    let bin = &cov["binaries"][0];
    assert!(bin["binary"].as_str().unwrap().ends_with("cni-go-combo"));
    let (hit, all) = (
        bin["statements_hit"].as_u64().unwrap(),
        bin["statements"].as_u64().unwrap(),
    );
    // The suite never sends the defect's combination: not everything is hit.
    assert!(hit > all / 2 && hit < all, "{hit}/{all}");
    let funcs = bin["packages"][0]["functions"].as_array().unwrap();
    let port = funcs.iter().find(|f| f["name"] == "port").unwrap();
    assert!(port["counters_hit"].as_u64() < port["counters"].as_u64());
    let cases = cov["cases"].as_array().unwrap();
    assert!(cases.iter().any(|c| c["counters_hit"].as_u64() > Some(0)));
    // Some case alone reaches a block (e.g. a malformed-input error path).
    assert!(cases.iter().any(|c| c["blocks_only_here"]
        .as_array()
        .is_some_and(|b| !b.is_empty())));

    let md = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(md.contains("## Code coverage: go-combo"), "{md}");
    let first = md
        .lines()
        .skip_while(|l| !l.starts_with("| function |"))
        .nth(2)
        .unwrap();
    assert!(first.contains(".port`"), "least covered first: {first}");
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<table class=\"code-coverage\">"));
}
