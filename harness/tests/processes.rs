//! Nothing a plugin starts outlives its sandbox (issue 20), through the real
//! binary: `cni-harness test` on the zoo's two daemon plugins leaves no
//! daemon running, grades the one that never stops its per-ADD daemon
//! under DEL-RELEASE and DEL-NO-GROWTH and passes the one that stops its
//! per-network daemon at the last DEL; a fuzz session on the per-ADD one
//! reports the daemon as a leak and leaves nothing either.
//!
//! The count is of the zoo daemons alone (`--zoo-daemon` in their argv):
//! other processes of the machine come and go on their own.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Host pids of the zoo's daemons alive now.
fn zoo_daemons() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == b"--zoo-daemon"))
        })
        .collect()
}

fn profile(name: &str) -> PathBuf {
    common::repo_root().join(format!("plugins-under-test/profiles/zoo/{name}.json"))
}

fn cni_path() -> String {
    common::workspace_plugin("cni-zoo-daemon-per-add");
    common::workspace_plugin("cni-zoo-daemon-per-network");
    format!(
        "{}:{}",
        common::bin_dir().display(),
        common::debian_cni_dir().display()
    )
}

/// `cni-harness test` on the `del/` cases of a profile; its results.
fn test_del_cases(profile: &Path, out: &Path) -> serde_json::Value {
    let status = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(["test", "--config"])
        .arg(profile)
        .args(["--cni-path", &cni_path(), "--report-dir"])
        .arg(out)
        .arg("del/")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run cni-harness test");
    assert!(status.code().is_some(), "cni-harness test was killed");
    let text = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    serde_json::from_str(&text).expect("results.json is JSON")
}

/// (case id, verdict, reason) of every case run.
fn verdicts(results: &serde_json::Value) -> Vec<(String, String, String)> {
    results["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["case"].as_str().unwrap_or("").to_string(),
                c["verdict"].as_str().unwrap_or("").to_string(),
                format!("{} {}", c["reason"], c["detail"]["actual"]),
            )
        })
        .collect()
}

#[test]
fn a_daemon_per_add_never_stopped_fails_del_and_is_killed_with_the_sandbox() {
    require_root!();
    let _one = serial();
    let before = zoo_daemons();
    let tmp = tempfile::tempdir().expect("tempdir");
    let results = test_del_cases(&profile("daemon-per-add"), tmp.path());
    let after = zoo_daemons();
    assert_eq!(
        after, before,
        "zoo daemons before {before:?}, after {after:?}"
    );
    let v = verdicts(&results);
    let residue: Vec<&(String, String, String)> = v
        .iter()
        .filter(|(id, _, _)| id.contains("del/no-residue"))
        .collect();
    assert!(!residue.is_empty(), "del/no-residue did not run");
    for (id, verdict, text) in residue {
        assert_eq!(verdict, "fail", "{id}: {text}");
        assert!(
            text.contains("DEL-RELEASE") && text.contains("process"),
            "{id}: {text}"
        );
        assert!(text.contains("DEL-NO-GROWTH"), "{id}: {text}");
    }
}

#[test]
fn a_daemon_per_network_stopped_at_the_last_del_passes_and_leaves_nothing() {
    require_root!();
    let _one = serial();
    let before = zoo_daemons();
    let tmp = tempfile::tempdir().expect("tempdir");
    let results = test_del_cases(&profile("daemon-per-network"), tmp.path());
    let after = zoo_daemons();
    assert_eq!(
        after, before,
        "zoo daemons before {before:?}, after {after:?}"
    );
    let v = verdicts(&results);
    let residue: Vec<_> = v
        .iter()
        .filter(|(id, _, _)| id == "del/no-residue")
        .collect();
    assert!(!residue.is_empty(), "del/no-residue did not run");
    for (id, verdict, text) in residue {
        assert_eq!(verdict, "pass", "{id}: {text}");
    }
    let failed: Vec<_> = v
        .iter()
        .filter(|(_, verdict, _)| verdict == "fail")
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

/// A 60 s session: the daemon every ADD leaves is found as a leak, and the
/// session leaves no daemon running.
#[test]
fn fuzzing_the_per_add_daemon_reports_the_leak_and_leaves_nothing() {
    require_root!();
    let _one = serial();
    let before = zoo_daemons();
    let tmp = tempfile::tempdir().expect("tempdir");
    let status = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(["fuzz", "--config"])
        .arg(profile("daemon-per-add"))
        .args([
            "--cni-path",
            &cni_path(),
            "--duration",
            "60s",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run cni-harness fuzz");
    assert!(status.code().is_some(), "cni-harness fuzz was killed");
    let after = zoo_daemons();
    assert_eq!(
        after, before,
        "zoo daemons before {before:?}, after {after:?}"
    );
    let text = std::fs::read_to_string(tmp.path().join("results.json")).expect("results.json");
    let results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let leaks: Vec<&serde_json::Value> = results["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["oracle"] == "leak" && f["summary"].as_str().unwrap_or("").contains("process")
        })
        .collect();
    assert!(
        !leaks.is_empty(),
        "no process leak among {}",
        results["findings"]
    );
}
