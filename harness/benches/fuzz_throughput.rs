//! Fuzzer throughput and the harness's overhead per execution (root;
//! prints numbers, asserts nothing).
//!
//! Each input is run three times, in turn, in separate sandboxes: by the
//! fuzzer's executor with every oracle on, the same without the periodic
//! re-check of the seed, and the same executor with observation off, which
//! runs the input's verbs and the cleanup DEL as a bare runtime would (the
//! peer). The overheads are what observation (judging, kernel snapshots,
//! leak checks) and the re-check (an ADD and DEL of the seed every
//! `--recheck-every` inputs) add, as ratios to the peer's time; input
//! generation is counted on the fuzzer's side. A row with a fresh sandbox
//! per input shows what sandbox reuse saves.
//!
//! `cargo build --workspace --bins --release && cargo bench -p cni-harness --bench fuzz_throughput`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cni_harness::fuzz::execute::Executor;
use cni_harness::fuzz::{self, target, FuzzOptions, Input};
use cni_harness::spec::Verb;

const INPUTS: u64 = 200;
/// As in a session (`--recheck-every` default).
const RECHECK_EVERY: usize = 16;

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: fuzz_throughput creates network namespaces and needs root");
        return;
    }
    let bins = bin_dirs();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().expect("tempdir");
    let flaky = tmp.path().join("flaky.json");
    std::fs::write(
        &flaky,
        r#"{"cniVersion":"1.0.0","name":"flaky","plugins":[{"type":"cni-flaky-crash","bridge":"br0","mtu":1500}]}"#,
    )
    .expect("write config");
    let reference = repo.join("plugins-under-test/profiles/reference/bridge.json");
    let debian = repo.join("plugins-under-test/profiles/debian/bridge.json");
    let go = [PathBuf::from("/usr/lib/cni")];
    println!("fuzz_throughput: {INPUTS} inputs per row (seed 7), each also run by the bare peer");
    println!(
        "{:<36} {:>9} {:>10} {:>10} {:>12} {:>12} {:>10}",
        "target", "inputs/s", "fuzz ms", "peer ms", "observation", "+ re-check", "sandboxes"
    );
    bench(
        "reference bridge, sandbox reuse",
        &reference,
        &bins,
        Mode::Reuse,
    );
    bench(
        "reference bridge, sandbox per input",
        &reference,
        &bins,
        Mode::Fresh,
    );
    bench(
        "reference bridge, reuse, --firewall",
        &reference,
        &bins,
        Mode::Firewall,
    );
    if Path::new("/usr/lib/cni/bridge").exists() {
        bench("debian bridge, sandbox reuse", &debian, &go, Mode::Reuse);
    }
    bench(
        "cni-flaky-crash (trivial), reuse",
        &flaky,
        &bins,
        Mode::Reuse,
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Sandboxes kept while pristine (a session's default).
    Reuse,
    /// A fresh sandbox per input.
    Fresh,
    /// Reuse, and snapshots that include the firewall ruleset.
    Firewall,
}

fn bench(name: &str, config: &Path, cni_path: &[PathBuf], mode: Mode) {
    let reuse = mode != Mode::Fresh;
    let mut t = match target::build(config, cni_path, Duration::from_secs(5)) {
        Ok(t) => t,
        Err(e) => {
            println!("{name:<36} skipped: {e:#}");
            return;
        }
    };
    t.firewall = mode == Mode::Firewall;
    let mut opts = FuzzOptions::new(config.to_path_buf(), "unused".into());
    opts.seed = 7;
    let seeds = vec![Input::new(
        t.seed_config.clone(),
        vec![Verb::Add, Verb::Del],
    )];
    let generating = Instant::now();
    let inputs = fuzz::generate_inputs(&seeds, &opts, INPUTS);
    let generation = generating.elapsed();
    // [full fuzzer, fuzzer without re-check, bare peer]
    let mut runners: Vec<Executor> = (0..3).map(|_| Executor::new(t.clone())).collect();
    let mut clocks = [generation, generation, Duration::ZERO];
    for r in &mut runners {
        r.reuse = reuse;
    }
    runners[2].observe = false;
    for (i, input) in inputs.iter().enumerate() {
        let recheck = i % RECHECK_EVERY == RECHECK_EVERY - 1;
        // Rotate who goes first, so none always finds caches warm or cold.
        for k in 0..3 {
            let which = (i + k) % 3;
            let started = Instant::now();
            if let Err(e) = runners[which].run(input, recheck && which == 0) {
                println!("{name:<36} harness error: {e:#}");
                return;
            }
            clocks[which] += started.elapsed();
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / INPUTS as f64;
    let ratio = |d: Duration| (d.as_secs_f64() / clocks[2].as_secs_f64() - 1.0) * 100.0;
    println!(
        "{name:<36} {:>9.1} {:>10.2} {:>10.2} {:>11.1}% {:>11.1}% {:>10}",
        INPUTS as f64 / clocks[0].as_secs_f64(),
        ms(clocks[0]),
        ms(clocks[2]),
        ratio(clocks[1]),
        ratio(clocks[0]),
        runners[0].sandboxes_created
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
