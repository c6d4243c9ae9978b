//! Loading results: files and directories, and clear errors naming the file
//! for everything that is not a results file this version can read.

#[path = "report_fixtures.rs"]
mod fixtures;

use std::path::{Path, PathBuf};

use cni_harness::report::{load, ReportError};

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write fixture file");
}

fn results_json(run: &cni_harness::record::RunResults) -> String {
    serde_json::to_string_pretty(run).expect("serialise fixture")
}

#[test]
fn loads_files_and_directories_and_round_trips() {
    let runs = fixtures::runs();
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a");
    std::fs::create_dir(&a).expect("mkdir");
    write(&a.join("results.json"), &results_json(&runs[0]));
    write(&a.join("fuzz.json"), &results_json(&runs[1]));
    write(&a.join("junit.xml"), "<testsuites/>"); // other report files are ignored
    let single = dir.path().join("go-bridge.json");
    write(&single, &results_json(&runs[2]));

    let loaded = load(&[a, single]).expect("load");
    // Directory entries in name order, then the file.
    assert_eq!(
        loaded,
        vec![runs[1].clone(), runs[0].clone(), runs[2].clone()]
    );
}

#[test]
fn unknown_fields_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut value = serde_json::to_value(&fixtures::runs()[0]).expect("to_value");
    value["added_in_a_later_minor_release"] = serde_json::json!(true);
    let path = dir.path().join("results.json");
    write(&path, &value.to_string());
    assert_eq!(load(&[path]).expect("load").len(), 1);
}

fn load_err(text: &str) -> (PathBuf, ReportError, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("results.json");
    write(&path, text);
    let err = load(std::slice::from_ref(&path)).expect_err("must be rejected");
    (path, err, dir)
}

#[test]
fn rejects_other_documents_naming_the_file() {
    let (path, err, _dir) = load_err(r#"{"cniVersion": "1.0.0", "name": "net"}"#);
    let msg = err.to_string();
    assert!(matches!(err, ReportError::WrongFormat { .. }), "{msg}");
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("not a cni-harness results file"), "{msg}");
}

#[test]
fn rejects_unknown_format_versions() {
    let mut value = serde_json::to_value(&fixtures::runs()[0]).expect("to_value");
    value["format_version"] = serde_json::json!(2);
    let (path, err, _dir) = load_err(&value.to_string());
    let msg = err.to_string();
    assert!(
        matches!(err, ReportError::UnsupportedVersion { .. }),
        "{msg}"
    );
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("format_version 2"),
        "{msg}"
    );
}

#[test]
fn rejects_invalid_and_malformed_json() {
    let (_, err, _dir) = load_err("{ not json");
    assert!(matches!(err, ReportError::Json { .. }), "{err}");

    let mut value = serde_json::to_value(&fixtures::runs()[0]).expect("to_value");
    value["cases"][0]["verdict"] = serde_json::json!("maybe");
    let (_, err, _dir) = load_err(&value.to_string());
    assert!(matches!(err, ReportError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn rejects_empty_input_missing_paths_and_empty_directories() {
    assert!(matches!(load(&[]), Err(ReportError::NoInput)));
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.json");
    let err = load(std::slice::from_ref(&missing)).expect_err("missing");
    assert!(
        matches!(err, ReportError::Io { .. }) && err.to_string().contains("nope.json"),
        "{err}"
    );
    let err = load(&[dir.path().to_path_buf()]).expect_err("empty dir");
    assert!(matches!(err, ReportError::NoResults { .. }), "{err}");
}

/// The example in docs/results-format.md is a valid results file, so the
/// documentation cannot drift from the model unnoticed.
#[test]
fn documented_example_loads() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/results-format.md");
    let doc = std::fs::read_to_string(&doc_path).expect("read docs/results-format.md");
    let start = doc.find("```json\n").expect("a json example") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("end of the example");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("results.json");
    write(&path, &doc[start..end]);
    let runs = load(&[path]).expect("documented example must load");
    assert_eq!(runs[0].cases.len(), 1);
}
