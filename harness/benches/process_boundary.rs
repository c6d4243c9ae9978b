//! What the process boundary (a PID namespace per sandbox, issue 20) costs,
//! as ratios against the same harness with it switched off, in one run:
//!
//! - per sandbox: `Sandbox::new` and drop (the init is cloned, `/proc`
//!   mounted, and the init killed and reaped);
//! - per plugin execution: `/bin/true` through the executor (`setns` of
//!   the spawning thread into the namespace and back, around the fork);
//! - per snapshot: `SandboxSnapshot::take` without the firewall (the
//!   processes are read from `/proc`);
//! - per case: the suite's `del/no-residue` and `add/result-version` on the
//!   reference plugin at 1.0.0.
//!
//! Samples alternate on and off, so machine noise hits both alike.
//! `cargo bench -p cni-harness --bench process_boundary` (root, after
//! `cargo build --release --workspace --bins`); ROUNDS=N for the sample count.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cni_harness::config::Profile;
use cni_harness::invoke::{exec, Limits};
use cni_harness::kernel::{SandboxSnapshot, SnapshotOptions};
use cni_harness::sandbox::{boundary, plugin_command, Sandbox};
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
        "{what:<34} boundary on {:>8.3} ms   off {:>8.3} ms   ratio {:.2}   (+{:.3} ms)",
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
    let (mut sb, mut execs, mut snap, mut case) = (
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
        [Vec::new(), Vec::new()],
    );
    let run = |sandbox: &Sandbox| -> Duration {
        let cmd: Command =
            plugin_command(sandbox, std::path::Path::new("/bin/true")).expect("command");
        let (out, t) =
            timed(|| exec::run_in(cmd, b"", Limits::default(), sandbox.boundary()).expect("runs"));
        assert!(out.exit.success());
        t
    };
    for _ in 0..rounds {
        for (i, on) in [true, false].into_iter().enumerate() {
            boundary::set_enabled(on);
            let (sandbox, made) = timed(|| Sandbox::new().expect("sandbox"));
            assert_eq!(sandbox.boundary().is_some(), on);
            // The first fork into a fresh namespace is not typical: warm up.
            run(&sandbox);
            for _ in 0..5 {
                execs[i].push(run(&sandbox));
            }
            let (_, t) = timed(|| {
                SandboxSnapshot::take(&sandbox, &SnapshotOptions::cheap()).expect("snapshot")
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
    boundary::set_enabled(true);
    println!("process boundary (PID namespace per sandbox), {rounds} rounds, medians:");
    let [on, off] = sb;
    report("sandbox create + drop", on, off);
    let [on, off] = execs;
    report("plugin execution (/bin/true)", on, off);
    let [on, off] = snap;
    report("snapshot (no firewall)", on, off);
    let [on, off] = case;
    report("suite case (mean of 2 cases)", on, off);
}
