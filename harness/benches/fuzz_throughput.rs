//! Fuzzer throughput and harness overhead (root; prints numbers, asserts nothing).
//!
//! For each plugin: inputs per second, and the harness's share of each
//! input's time: the plugin processes' wall time (measured around each
//! process, spawn to exit) against the whole time per input (mutation,
//! sandbox, snapshots, oracles). Run with sandbox reuse (the default) and
//! with a fresh sandbox per input, as ratios within the same run.
//!
//! `cargo build --workspace --bins --release && cargo bench -p cni-harness --bench fuzz_throughput`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cni_harness::fuzz::execute::Executor;
use cni_harness::fuzz::{self, target, FuzzOptions, Input};
use cni_harness::spec::Verb;

const INPUTS: u64 = 150;

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: fuzz_throughput creates network namespaces and needs root");
        return;
    }
    let bins = bin_dirs();
    let tmp = tempfile::tempdir().expect("tempdir");
    let flaky = tmp.path().join("flaky.json");
    std::fs::write(
        &flaky,
        r#"{"cniVersion":"1.0.0","name":"flaky","plugins":[{"type":"cni-flaky-crash","bridge":"br0","mtu":1500}]}"#,
    )
    .expect("write config");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let debian = repo.join("plugins-under-test/profiles/debian/bridge.json");
    println!("fuzz_throughput: {INPUTS} inputs per row (seed 7)");
    println!(
        "{:<34} {:>9} {:>11} {:>11} {:>10} {:>10}",
        "target", "inputs/s", "ms/input", "plugin ms", "overhead", "sandboxes"
    );
    bench("cni-flaky-crash, sandbox reuse", &flaky, &bins, true);
    bench("cni-flaky-crash, sandbox per input", &flaky, &bins, false);
    if Path::new("/usr/lib/cni/bridge").exists() {
        bench(
            "debian bridge, sandbox reuse",
            &debian,
            &[PathBuf::from("/usr/lib/cni")],
            true,
        );
        bench(
            "debian bridge, sandbox per input",
            &debian,
            &[PathBuf::from("/usr/lib/cni")],
            false,
        );
    }
}

fn bench(name: &str, config: &Path, cni_path: &[PathBuf], reuse: bool) {
    let t = match target::build(config, cni_path, Duration::from_secs(5)) {
        Ok(t) => t,
        Err(e) => {
            println!("{name:<34} skipped: {e:#}");
            return;
        }
    };
    let mut opts = FuzzOptions::new(config.to_path_buf(), "unused".into());
    opts.seed = 7;
    let seeds = vec![Input::new(
        t.seed_config.clone(),
        vec![Verb::Add, Verb::Del],
    )];
    let inputs = fuzz::generate_inputs(&seeds, &opts, INPUTS);
    let mut exec = Executor::new(t);
    exec.reuse = reuse;
    let mut plugin = Duration::ZERO;
    let started = Instant::now();
    for (i, input) in inputs.iter().enumerate() {
        let ex = match exec.run(input, i % 16 == 15) {
            Ok(ex) => ex,
            Err(e) => {
                println!("{name:<34} harness error: {e:#}");
                return;
            }
        };
        plugin += ex
            .steps
            .iter()
            .chain(&ex.extra_steps)
            .map(|s| s.outcome.wall)
            .sum::<Duration>();
    }
    let total = started.elapsed();
    let per = total.as_secs_f64() * 1000.0 / INPUTS as f64;
    let plugin_per = plugin.as_secs_f64() * 1000.0 / INPUTS as f64;
    println!(
        "{name:<34} {:>9.1} {:>11.2} {:>11.2} {:>9.1}% {:>10}",
        INPUTS as f64 / total.as_secs_f64(),
        per,
        plugin_per,
        (per - plugin_per) / plugin_per * 100.0,
        exec.sandboxes_created
    );
}

/// Where this build's plugins are: next to the bench binary's profile dir, else debug.
fn bin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(profile) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().and_then(Path::parent).map(PathBuf::from))
    {
        dirs.push(profile);
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    dirs.push(target.join("release"));
    dirs.push(target.join("debug"));
    dirs
}
