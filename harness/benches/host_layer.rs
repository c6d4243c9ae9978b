//! What the copy-on-write layer over the host's files costs (issue 14), as
//! ratios against the same harness with the layer off, in one run:
//!
//! - per sandbox: `Sandbox::new` and drop (the mount namespace and overlays
//!   are made once per sandbox);
//! - per plugin execution: `/bin/true` started in the sandbox (the same
//!   `setns` either way: the layer should cost nothing here);
//! - per snapshot: `SandboxSnapshot::take` (reading the upper directories);
//! - per case: the suite's `del/no-residue` and `add/result-version` on the
//!   reference plugin at 1.0.0 (3 ADD/DEL cycles and 7 snapshots, and one ADD).
//!
//! Samples alternate on and off, so machine noise hits both alike.
//! `cargo bench -p cni-harness --bench host_layer` (root, after
//! `cargo build --release --workspace --bins`); ROUNDS=N for the sample count.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cni_harness::config::Profile;
use cni_harness::invoke::Limits;
use cni_harness::kernel::{SandboxSnapshot, SnapshotOptions};
use cni_harness::sandbox::{overlay, plugin_command, Sandbox};
use cni_harness::suite::{self, SuiteOptions};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn report(what: &str, on: Vec<Duration>, off: Vec<Duration>) {
    let (on, off) = (median(on), median(off));
    println!(
        "{what:<34} layer on {:>8.2} ms   off {:>8.2} ms   ratio {:.2}   (+{:.2} ms)",
        on.as_secs_f64() * 1e3,
        off.as_secs_f64() * 1e3,
        on.as_secs_f64() / off.as_secs_f64().max(1e-9),
        (on.as_secs_f64() - off.as_secs_f64()) * 1e3
    );
}

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: this benchmark creates namespaces and needs root");
        return;
    }
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release");
    if !release.join("cni-ref-bridge").exists() {
        eprintln!("build the plugins first: cargo build --release --workspace --bins");
        return;
    }
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let profile = Profile::parse(
        include_bytes!("../../plugins-under-test/profiles/reference/bridge.json"),
        "reference",
    )
    .expect("profile");
    let opts = SuiteOptions {
        cni_path: vec![release.clone()],
        profile,
        only_versions: Some(vec![cni_harness::SpecVersion::V1_0_0]),
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    if let Some(why) = overlay::unavailable() {
        eprintln!("no overlayfs here ({why}): nothing to compare");
        return;
    }
    let (mut sb, mut exec, mut snap, mut case) = (
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
    );
    for _ in 0..rounds {
        for (i, on) in [true, false].into_iter().enumerate() {
            overlay::set_enabled(on);
            let (sandbox, made) = timed(|| Sandbox::new().expect("sandbox"));
            let (status, t) = timed(|| {
                plugin_command(&sandbox, Path::new("/bin/true"))
                    .expect("command")
                    .status()
                    .expect("runs")
            });
            assert!(status.success());
            exec[i].push(t);
            let (_, t) = timed(|| {
                SandboxSnapshot::take(&sandbox, &SnapshotOptions::default()).expect("snapshot")
            });
            snap[i].push(t);
            let ((), gone) = timed(|| drop(sandbox));
            sb[i].push(made + gone);
            let (results, t) = timed(|| {
                suite::run_selected(
                    &opts,
                    &plan,
                    |c| c.id == "del/no-residue" || c.id == "add/result-version",
                    1,
                )
            });
            assert!(results
                .iter()
                .all(|r| r.verdict == cni_harness::record::Verdict::Pass));
            case[i].push(t / results.len().max(1) as u32);
        }
    }
    overlay::set_enabled(true);
    println!("host-file layer, {rounds} rounds, medians:");
    let [on, off] = sb;
    report("sandbox create + drop", on, off);
    let [on, off] = exec;
    report("plugin execution (/bin/true)", on, off);
    let [on, off] = snap;
    report("snapshot (with firewall)", on, off);
    let [on, off] = case;
    report("suite case (mean of 2 cases)", on, off);
}
