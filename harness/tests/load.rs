//! Under load the harness does not accumulate anything (issue 14): the
//! suite with `--test-threads 8` on the reference plugin and on Debian's
//! bridge, and a one-minute fuzz session with `--jobs 2`, while the
//! harness's open file descriptors and threads are sampled. Hundreds of
//! sandboxes come and go; descriptors and threads may follow the number of
//! sandboxes alive at a time, never the number made, and nothing named
//! after the run may be left: namespace pins, sandbox directories, mounts.
//! `ci/soak.sh` does the same for ten minutes.
//!
//! Only this run's names are checked: other runs may share the machine.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One sample of the harness process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    fds: usize,
    threads: usize,
    /// Highest sandbox number seen so far (`cnih-<pid>-<n>-...`).
    sandboxes: usize,
    /// Sandbox directories alive at this moment.
    live: usize,
}

fn sample(pid: u32, sandboxes: usize) -> Option<Sample> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())?;
    let prefix = format!("cnih-{pid}-");
    let newest = std::fs::read_dir("/run/netns")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_prefix(&prefix)?
                .split('-')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let live = std::fs::read_dir("/run/cni-harness")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .count();
    Some(Sample {
        fds,
        threads,
        sandboxes: sandboxes.max(newest),
        live,
    })
}

fn leftovers(pid: u32) -> Vec<String> {
    let prefix = format!("cnih-{pid}-");
    let mut out: Vec<String> = ["/run/netns", "/run/cni-harness"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with(&prefix)))
        .collect();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    out.extend(
        mounts
            .lines()
            .filter(|l| l.contains(&prefix))
            .map(String::from),
    );
    out
}

/// Run the harness with `args`, sampling it; the samples and its exit status.
fn run_sampled(args: &[&str], limit: Duration) -> (Vec<Sample>, Option<i32>, u32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the harness");
    let pid = child.id();
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut seen = 0;
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} did not finish within {limit:?}");
        }
        if let Some(s) = sample(pid, seen) {
            seen = s.sandboxes;
            samples.push(s);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (samples, status, pid)
}

/// Mount points of the host's mount namespace.
fn host_mounts() -> usize {
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Descriptors and threads must not grow with the number of sandboxes
/// made, only with those alive at the moment: at every sample, at most a
/// base plus a few per live sandbox (its namespace pins, its mount
/// namespace and layers, the pipes and threads of a plugin running in it).
/// One descriptor or thread kept per finished sandbox breaks the bound
/// long before the run ends.
fn assert_bounded(what: &str, samples: &[Sample], min_sandboxes: usize) {
    let made = samples.last().map(|s| s.sandboxes).unwrap_or(0);
    assert!(made >= min_sandboxes, "{what}: only {made} sandboxes made");
    assert!(
        samples.len() > 10,
        "{what}: too few samples ({})",
        samples.len()
    );
    let (mut fds, mut threads) = (0, 0);
    // Building a sandbox's host view holds, for a moment, a descriptor per
    // mount point of the host (one build at a time): on a host with many
    // mounts (other runs' pins, leftover bind mounts) that is the peak.
    let mounts = host_mounts();
    for s in samples {
        // Per live sandbox, at peaks: its pins, mount namespace and layers
        // (~6), a snapshot or probe of each namespace (a netlink socket and
        // 18 sysctl files each: ~38), the pipes of plugins and firewall
        // tools running in it. Measured peaks: 117 fds with 2 alive (fuzz),
        // 287 with 8 (suite).
        let (fd_bound, thread_bound) = (64 + mounts + 48 * s.live, 24 + 8 * s.live);
        assert!(
            s.fds <= fd_bound && s.threads <= thread_bound,
            "{what}: {} fds, {} threads with {} sandboxes alive (bounds {fd_bound}, {thread_bound}; \
             {mounts} host mounts) after {} made",
            s.fds,
            s.threads,
            s.live,
            s.sandboxes
        );
        fds = fds.max(s.fds);
        threads = threads.max(s.threads);
    }
    // Once every sandbox is gone (the run writing its reports), what is
    // left open is what any run keeps: no more than before the first.
    let idle_before = samples
        .iter()
        .take_while(|s| s.sandboxes == 0)
        .map(|s| s.fds)
        .max();
    let idle_after = samples
        .iter()
        .rev()
        .take_while(|s| s.live == 0)
        .map(|s| s.fds)
        .max();
    if let (Some(before), Some(after)) = (idle_before, idle_after) {
        assert!(
            after <= before + 16,
            "{what}: {after} fds open with no sandbox left, {before} before the first"
        );
    }
    let live = samples.iter().map(|s| s.live).max().unwrap_or(0);
    eprintln!("{what}: at most {fds} fds and {threads} threads, {live} sandboxes alive at once, {made} made");
}

/// In-process, exactly: a sandbox made, used (a plugin run, a probe held,
/// snapshots taken) and dropped 150 times leaves the process with the
/// descriptors and threads it had after the first few.
#[test]
fn sandboxes_made_and_dropped_leave_nothing_open() {
    require_root!();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let me = std::process::id();
    let count = || {
        let s = sample(me, 0).expect("sample self");
        (s.fds, s.threads)
    };
    let churn = |n: usize| {
        for _ in 0..n {
            let sandbox = cni_harness::sandbox::Sandbox::new().expect("sandbox");
            let opts = cni_harness::kernel::SnapshotOptions::cheap();
            let mut probe =
                cni_harness::kernel::SandboxProbe::open(&sandbox, &opts).expect("probe");
            let mut cmd = cni_harness::sandbox::plugin_command(&sandbox, Path::new("/bin/true"))
                .expect("command");
            assert!(cmd.status().expect("runs").success());
            probe.snapshot().expect("probe snapshot");
            cni_harness::kernel::SandboxSnapshot::take(&sandbox, &opts).expect("snapshot");
            drop(probe);
        }
    };
    churn(5); // lazily made statics (probe caches, thread-locals)
    let before = count();
    churn(150);
    let after = count();
    assert_eq!(
        before, after,
        "(fds, threads) before and after 150 sandboxes"
    );
    let prefix = format!("cnih-{me}-");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    assert!(!mounts.contains(&prefix), "mounts left");
}

fn results_without_errors(dir: &Path, what: &str) {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    let r: serde_json::Value = serde_json::from_str(&text).expect("json");
    let errors: Vec<String> = r["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["verdict"] == "error")
        .map(|c| format!("{}: {}", c["case"], c["reason"]))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the harness failed cases: {errors:#?}"
    );
}

#[test]
fn suite_with_eight_threads_on_the_reference_plugin() {
    require_root!();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().display().to_string();
    let (samples, status, pid) = run_sampled(
        &["test", "--test-threads", "8", "-q", "--report-dir", &out],
        Duration::from_secs(900),
    );
    assert!(matches!(status, Some(0 | 1)), "exit {status:?}");
    assert!(leftovers(pid).is_empty(), "left: {:?}", leftovers(pid));
    assert_bounded("reference suite", &samples, 100);
    results_without_errors(tmp.path(), "reference suite");
}

#[test]
fn suite_with_eight_threads_on_debian_bridge() {
    require_root!();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let debian = common::debian_cni_dir();
    let profile = common::repo_root().join("plugins-under-test/profiles/debian/bridge.json");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().display().to_string();
    let (samples, status, pid) = run_sampled(
        &[
            "test",
            "--config",
            &profile.display().to_string(),
            "--cni-path",
            &debian.display().to_string(),
            "--test-threads",
            "8",
            "-q",
            "--report-dir",
            &out,
        ],
        Duration::from_secs(900),
    );
    assert!(matches!(status, Some(0 | 1)), "exit {status:?}");
    assert!(leftovers(pid).is_empty(), "left: {:?}", leftovers(pid));
    assert_bounded("Debian bridge suite", &samples, 100);
    results_without_errors(tmp.path(), "Debian bridge suite");
}

#[test]
fn fuzz_session_with_two_jobs_for_a_minute() {
    require_root!();
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().display().to_string();
    let (samples, status, pid) = run_sampled(
        &[
            "fuzz",
            "--jobs",
            "2",
            "--duration",
            "60s",
            "--quiet",
            "--out",
            &out,
        ],
        Duration::from_secs(120),
    );
    assert!(matches!(status, Some(0 | 1)), "exit {status:?}");
    assert!(leftovers(pid).is_empty(), "left: {:?}", leftovers(pid));
    // Sandboxes are reused while inputs leave them pristine: fewer of them.
    assert_bounded("fuzz --jobs 2", &samples, 4);
}
