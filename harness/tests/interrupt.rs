//! Signals stop `cni-harness test` and `cni-harness fuzz` cleanly (issue 14):
//! SIGINT, SIGTERM and SIGHUP are sent to the real binary at chosen points
//! (while a plugin runs, while a snapshot is taken, while a finding is
//! minimised), and afterwards nothing of that run is left under /run/netns or
//! /run/cni-harness, no plugin process of it is alive, results are written
//! and marked interrupted, and the exit status is 128 + the signal.
//!
//! Other runs may share the machine, so "nothing left" is checked by this
//! run's own names (`cnih-<pid>-...`); the global before/after check is
//! `host_untouched.rs` and `ci/test.sh`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Runs one at a time: each loads the machine, and timings matter.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cni-harness"))
}

/// Everything named after `pid` under the harness's directories.
fn leftovers(pid: u32) -> Vec<String> {
    let prefix = format!("cnih-{pid}-");
    ["/run/netns", "/run/cni-harness"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with(&prefix)))
        .collect()
}

/// Children of `pid` (plugin processes), by name.
fn children(pid: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or("");
        let ppid = tail.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if ppid == Some(pid) {
            out.push((child, comm.to_string()));
        }
    }
    out
}

/// Names of `pid`'s threads.
fn threads(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|c| c.trim().to_string())
        .collect()
}

/// Poll `what` every millisecond until it holds or `limit` passes.
fn wait_until(limit: Duration, mut what: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if what() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// Children of `pid` called `name` that are still there 300 ms after they
/// were first seen (a plugin sleeping or hanging, not a quick call).
fn stuck_plugins(pid: u32, name: &str) -> Vec<u32> {
    let mut last: Vec<u32> = Vec::new();
    let mut stuck = Vec::new();
    wait_until(Duration::from_secs(110), || {
        let now: Vec<u32> = children(pid)
            .into_iter()
            .filter(|(_, c)| c == name)
            .map(|(p, _)| p)
            .collect();
        stuck = now.iter().copied().filter(|p| last.contains(p)).collect();
        if stuck.is_empty() {
            last = now;
            std::thread::sleep(Duration::from_millis(300));
        }
        !stuck.is_empty()
    });
    stuck
}

fn signal(child: &Child, sig: Signal) {
    kill(Pid::from_raw(child.id() as i32), sig).expect("signal the harness");
}

/// Wait for the child to exit; its exit status and how long it took.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return (status.code(), started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the harness did not exit within {limit:?} of the signal");
}

fn results(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json written");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {text}"))
}

/// What must hold after any interrupted run.
fn assert_clean(pid: u32, seen_plugins: &[u32]) {
    // Sandboxes are removed before exit; the kernel may take a moment to
    // drop a namespace, never its pin.
    assert!(
        leftovers(pid).is_empty(),
        "left behind: {:?}",
        leftovers(pid)
    );
    for p in seen_plugins {
        assert!(
            !Path::new(&format!("/proc/{p}")).exists()
                || std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .is_ok_and(|s| s.contains(") Z ")),
            "plugin process {p} outlived the run"
        );
    }
}

/// A profile whose plugin (the recorder) takes `sleep_ms` on every ADD.
fn slow_profile(dir: &Path, sleep_ms: u64) -> PathBuf {
    let path = dir.join("slow.conflist");
    let conf = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": "slow",
        "plugins": [{"type": "cni-recorder", "answers": {"ADD": {"sleepMs": sleep_ms}}}]
    });
    std::fs::write(&path, conf.to_string()).expect("write profile");
    path
}

fn interrupt_test_while_plugin_runs(sig: Signal, code: i32) {
    require_root!();
    let _one = serial();
    common::workspace_plugin("cni-recorder");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let child = harness()
        .args(["test", "--config"])
        .arg(slow_profile(tmp.path(), 20_000))
        .arg("--cni-path")
        .arg(common::bin_dir())
        .arg("--report-dir")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the harness");
    let pid = child.id();
    // The sleeping ADD, not the quick VERSION probe of the plan: a plugin
    // process still there a moment later.
    let plugins = stuck_plugins(pid, "cni-recorder");
    let running = !plugins.is_empty();
    assert!(running, "no plugin process seen");
    signal(&child, sig);
    let (status, took) = finish(child, Duration::from_secs(30));
    assert_eq!(status, Some(code), "exit status after {sig}");
    // The plugin sleeps 20 s: exiting sooner means it was killed, not awaited.
    assert!(took < Duration::from_secs(15), "took {took:?} to stop");
    assert_clean(pid, &plugins);
    let r = results(&out);
    assert_eq!(
        r["interrupted"]["signal"],
        sig.as_str(),
        "{}",
        r["interrupted"]
    );
    let not_run = r["not_run"].as_array().map(Vec::len).unwrap_or(0);
    assert!(not_run > 0, "the cases not run are listed");
    // No case is graded on a killed plugin.
    let cases = r["cases"].as_array().cloned().unwrap_or_default();
    assert!(
        cases
            .iter()
            .all(|c| !c["reason"].as_str().unwrap_or("").contains("interrupted")),
        "a case was graded on the interruption: {cases:?}"
    );
    for report in ["junit.xml", "summary.md", "report.html"] {
        let text = std::fs::read_to_string(out.join(report)).expect("report written");
        assert!(
            text.to_lowercase().contains("interrupted"),
            "{report} does not say the run was interrupted"
        );
    }
}

#[test]
fn sigterm_to_test_while_a_plugin_runs() {
    interrupt_test_while_plugin_runs(Signal::SIGTERM, 143);
}

#[test]
fn sighup_to_test_while_a_plugin_runs() {
    interrupt_test_while_plugin_runs(Signal::SIGHUP, 129);
}

/// The suite's snapshots run on threads named `cnih-snapshot`: the signal
/// is sent while one is alive (so mid-snapshot, give or take the time the
/// signal takes to arrive), at several points of the run.
#[test]
fn sigint_to_test_while_a_snapshot_is_taken() {
    require_root!();
    let _one = serial();
    let tmp = tempfile::tempdir().expect("tempdir");
    for (attempt, skip) in [0usize, 6, 25].into_iter().enumerate() {
        let out = tmp.path().join(format!("out{attempt}"));
        let child = harness()
            .args(["test", "--report-dir"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the harness");
        let pid = child.id();
        // Let `skip` snapshots go by, then signal during the next one.
        let mut seen = 0;
        let mut inside = false;
        let caught = wait_until(Duration::from_secs(120), || {
            let now = threads(pid).iter().any(|t| t == "cnih-snapshot");
            if now && !inside {
                seen += 1;
            }
            inside = now;
            now && seen > skip
        });
        assert!(caught, "no snapshot seen (attempt {attempt})");
        signal(&child, Signal::SIGINT);
        let (status, _) = finish(child, Duration::from_secs(30));
        assert_eq!(status, Some(130), "attempt {attempt}");
        assert_clean(pid, &[]);
        let r = results(&out);
        assert_eq!(r["interrupted"]["signal"], "SIGINT");
        assert!(!r["not_run"].as_array().map(Vec::is_empty).unwrap_or(true));
    }
}

/// A second signal does not wait for the run to wind down.
#[test]
fn second_signal_exits_at_once() {
    require_root!();
    let _one = serial();
    common::workspace_plugin("cni-recorder");
    let tmp = tempfile::tempdir().expect("tempdir");
    let child = harness()
        .args(["test", "--config"])
        .arg(slow_profile(tmp.path(), 20_000))
        .arg("--cni-path")
        .arg(common::bin_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the harness");
    let pid = child.id();
    assert!(!stuck_plugins(pid, "cni-recorder").is_empty());
    signal(&child, Signal::SIGINT);
    signal(&child, Signal::SIGINT);
    let (status, took) = finish(child, Duration::from_secs(20));
    assert_eq!(status, Some(130));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_clean(pid, &[]);
}

fn hang_profile(dir: &Path) -> PathBuf {
    let path = dir.join("hang.conflist");
    let conf = serde_json::json!({
        "cniVersion": "1.0.0",
        "name": "flaky",
        "plugins": [{"type": "cni-flaky-hang", "bridge": "br0", "mtu": 1500, "isGateway": true}]
    });
    std::fs::write(&path, conf.to_string()).expect("write profile");
    path
}

/// Start a fuzz session on the hanging plugin; its stderr lines come
/// through the returned channel.
fn fuzz_hang(dir: &Path, out: &Path) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = harness()
        .args(["fuzz", "--config"])
        .arg(hang_profile(dir))
        .arg("--cni-path")
        .arg(common::bin_dir())
        .args(["--duration", "120s", "--seed", "1", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fuzzer");
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

/// Interrupted while minimising a hang: the finding is saved unminimised,
/// the corpus is on disk, and the closing line says what was left undone.
#[test]
fn sigint_to_fuzz_during_minimisation() {
    require_root!();
    let _one = serial();
    common::workspace_plugin("cni-flaky-hang");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let (child, lines) = fuzz_hang(tmp.path(), &out);
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(110);
    let mut minimising = false;
    while Instant::now() < deadline && !minimising {
        if let Ok(l) = lines.recv_timeout(Duration::from_secs(1)) {
            minimising = l.starts_with("fuzz: minimising hang");
        }
    }
    assert!(minimising, "the hang was not found in time");
    signal(&child, Signal::SIGINT);
    let (status, _) = finish(child, Duration::from_secs(30));
    assert_eq!(status, Some(130));
    assert_clean(pid, &[]);
    let r = results(&out);
    assert_eq!(r["interrupted"]["signal"], "SIGINT");
    let findings = r["findings"].as_array().cloned().unwrap_or_default();
    let hang = findings
        .iter()
        .find(|f| f["oracle"] == "hang")
        .unwrap_or_else(|| panic!("hang finding not saved: {findings:?}"));
    let file = out.join(hang["file"].as_str().unwrap_or_default());
    assert!(file.exists(), "{} missing", file.display());
    let corpus = std::fs::read_dir(out.join("corpus"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(corpus > 0, "corpus not written");
}

/// SIGTERM while the hanging plugin is running: it is killed at once,
/// not after its timeout.
#[test]
fn sigterm_to_fuzz_while_a_plugin_hangs() {
    require_root!();
    let _one = serial();
    common::workspace_plugin("cni-flaky-hang");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let (child, _lines) = fuzz_hang(tmp.path(), &out);
    let pid = child.id();
    let plugins = stuck_plugins(pid, "cni-flaky-hang");
    let hanging = !plugins.is_empty();
    assert!(hanging, "no hanging plugin seen");
    signal(&child, Signal::SIGTERM);
    let (status, took) = finish(child, Duration::from_secs(30));
    assert_eq!(status, Some(143));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_clean(pid, &plugins);
    assert_eq!(results(&out)["interrupted"]["signal"], "SIGTERM");
}

/// The daemons (double-forked, `setsid`) that `pid`'s sandboxes hold: the
/// processes whose parent is one of its boundary inits (`cnih-init`).
fn boundary_daemons(pid: u32) -> Vec<u32> {
    let inits: Vec<u32> = children(pid)
        .into_iter()
        .filter(|(_, comm)| comm == "cnih-init")
        .map(|(p, _)| p)
        .collect();
    inits
        .iter()
        .flat_map(|i| children(*i))
        .filter(|(_, comm)| comm.starts_with("cni-zoo-daemon"))
        .map(|(p, _)| p)
        .collect()
}

/// SIGINT or SIGTERM while plugins' daemons are alive in the sandboxes'
/// process boundaries (`cni-zoo-daemon-per-add` starts one per ADD and
/// never stops it): the run stops, and no daemon, no init is left.
fn interrupt_with_daemons_alive(sig: Signal, code: i32) {
    require_root!();
    let _one = serial();
    common::workspace_plugin("cni-zoo-daemon-per-add");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let profile = common::repo_root().join("plugins-under-test/profiles/zoo/daemon-per-add.json");
    let path = format!(
        "{}:{}",
        common::bin_dir().display(),
        common::debian_cni_dir().display()
    );
    let child = harness()
        .args(["test", "--config"])
        .arg(profile)
        .args(["--cni-path", &path, "--report-dir"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the harness");
    let pid = child.id();
    let mut seen = Vec::new();
    let found = wait_until(Duration::from_secs(30), || {
        seen = boundary_daemons(pid);
        !seen.is_empty()
    });
    assert!(found, "no daemon seen in the sandboxes' boundaries");
    signal(&child, sig);
    let (status, _) = finish(child, Duration::from_secs(30));
    assert_eq!(status, Some(code), "exit status after {sig}");
    assert_clean(pid, &seen);
    let inits_left = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path().join("stat"))
                .is_ok_and(|s| s.contains("(cnih-init)") && s.contains(&format!(" {pid} ")))
        })
        .count();
    assert_eq!(inits_left, 0, "an init of the run outlived it");
}

#[test]
fn sigint_to_test_with_daemons_alive() {
    interrupt_with_daemons_alive(Signal::SIGINT, 130);
}

#[test]
fn sigterm_to_test_with_daemons_alive() {
    interrupt_with_daemons_alive(Signal::SIGTERM, 143);
}
