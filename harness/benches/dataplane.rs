//! What the data plane costs (root; prints numbers, asserts nothing).
//!
//! 1. The conformance suite on the reference plugin, all of it and all of
//!    it but the `dp/` cases, alternated in the same process: the ratio is
//!    what the data-plane cases add to a run's wall time (target: 20% at most).
//! 2. Each `dp/` case's time (median over versions and rounds).
//! 3. Each probe's round trip and the whole call (socket opened on a thread
//!    inside the namespace, request, answer), in a sandbox with the
//!    reference plugin attached.
//! 4. The fuzzer's data-plane oracle: inputs/s with it and without, the
//!    same inputs alternated.
//!
//! `cargo build --workspace --bins --release && cargo bench -p cni-harness --bench dataplane`

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cni_harness::config::{Profile, Surroundings};
use cni_harness::dataplane::{self, claims::Claims, Echo, Endpoint, Exchange, Patience};
use cni_harness::fuzz::execute::Executor;
use cni_harness::fuzz::{self, target, FuzzOptions, Input};
use cni_harness::invoke::{Attachment, Limits, Runtime};
use cni_harness::sandbox::{Netns, Sandbox, Uplink};
use cni_harness::spec::Verb;
use cni_harness::suite::{self, SuiteOptions};

const ROUNDS: usize = 4;
const PROBES: usize = 50;
const FUZZ_INPUTS: u64 = 100;

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the dataplane bench creates network namespaces and needs root");
        return;
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let reference = repo.join("plugins-under-test/profiles/reference/bridge.json");
    let mut cni_path = bin_dirs();
    cni_path.push(PathBuf::from("/usr/lib/cni"));
    suite_ratio(&reference, &cni_path);
    probes(&reference, &cni_path);
    fuzz_oracle(&reference, &cni_path);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn suite_ratio(profile: &Path, cni_path: &[PathBuf]) {
    let opts = SuiteOptions {
        profile: Profile::load(profile).expect("reference profile"),
        cni_path: cni_path.to_vec(),
        only_versions: None,
        strict: false,
        limits: Limits::default(),
    };
    let plan = suite::plan(&opts).expect("plan");
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    let mut per_case: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    // Summed case times inside the runs with dp/: [dp/ cases, the rest].
    let mut summed = [0u64, 0u64];
    let mut trials = (0, 0);
    for round in 0..ROUNDS {
        // Alternate which goes first, so neither always meets a warm cache.
        for k in 0..2 {
            let all = (round + k) % 2 == 0;
            let started = Instant::now();
            let results =
                suite::run_selected(&opts, &plan, |c| all || !c.id.starts_with("dp/"), threads);
            let took = started.elapsed();
            if all {
                with.push(took);
                trials.0 = results.len();
                for r in &results {
                    let dp = r.case.starts_with("dp/");
                    summed[usize::from(!dp)] += r.duration_ms;
                    if dp {
                        per_case
                            .entry(r.case.clone())
                            .or_default()
                            .push(Duration::from_millis(r.duration_ms));
                    }
                }
            } else {
                without.push(took);
                trials.1 = results.len();
            }
        }
    }
    let secs = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.1}", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "suite on the reference plugin ({threads} threads, {ROUNDS} rounds alternated): \
         without dp/ [{}] s ({} trials), with dp/ [{}] s ({} trials)",
        secs(&without),
        trials.1,
        secs(&with),
        trials.0,
    );
    let (w, wo) = (median(with.clone()), median(without.clone()));
    println!(
        "  wall time added by dp/ (medians): {:+.1}%; summed case time of dp/ over the rest, same runs: {:+.1}%",
        (w.as_secs_f64() / wo.as_secs_f64() - 1.0) * 100.0,
        summed[0] as f64 / summed[1].max(1) as f64 * 100.0
    );
    for (case, times) in per_case {
        let n = times.len();
        println!(
            "  {case:<22} median {:>10} over {n} runs (skips included)",
            ms(median(times))
        );
    }
}

/// Time `f` `PROBES` times: median round trip and median whole call.
fn time_probe(name: &str, mut f: impl FnMut() -> dataplane::ProbeReport) {
    let mut rtts = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..PROBES {
        let started = Instant::now();
        let r = f();
        calls.push(started.elapsed());
        match r.rtt() {
            Some(rtt) => rtts.push(rtt),
            None => {
                println!("  {name:<44} failed: {r}");
                return;
            }
        }
    }
    println!(
        "  {name:<44} round trip {:>10}   whole call {:>10}",
        ms(median(rtts)),
        ms(median(calls))
    );
}

fn probes(profile: &Path, cni_path: &[PathBuf]) {
    let profile = Profile::load(profile).expect("reference profile");
    let mut sandbox = Sandbox::new().expect("sandbox");
    sandbox
        .open_uplink(&Surroundings::BehindNode, None)
        .expect("uplink");
    let att = Attachment::new("bench-dp", profile.ifname());
    let net = profile.config.clone();
    let result = {
        let rt = Runtime::new(&sandbox, cni_path.to_vec());
        let run = rt.add(&net, &att).expect("ADD runs");
        run.result().cloned().expect("ADD succeeds")
    };
    let parsed = cni_harness::result::parse_value(&result).expect("result");
    let claims = Claims::of(&parsed);
    let (Some(own), Some((_, gw))) = (claims.address(true), claims.gateways().first().copied())
    else {
        println!("probes: the reference result has no IPv4 address and gateway");
        return;
    };
    let (Some(node_ns), Some(uplink)) = (sandbox.node_netns(), sandbox.uplink()) else {
        return;
    };
    let container_ns = Netns::open(sandbox.container_path()).expect("container");
    let ctr = Endpoint {
        name: "container",
        ns: &container_ns,
    };
    let node = Endpoint {
        name: "node",
        ns: node_ns,
    };
    let up = Endpoint {
        name: "uplink",
        ns: uplink.ns(),
    };
    let beyond = Uplink::beyond(true);
    let from_ctr = Echo::ANSWER.from(own.addr());
    println!("probes ({PROBES} each, medians; the call includes opening the socket inside the namespace):");
    time_probe("ICMP echo container -> gateway", || {
        dataplane::echo(&ctr, gw, &from_ctr).expect("probe")
    });
    time_probe("ICMP echo node -> container", || {
        dataplane::echo(&node, own.addr(), &Echo::ANSWER).expect("probe")
    });
    time_probe("ICMP echo container -> uplink (routed)", || {
        dataplane::echo(&ctr, beyond, &from_ctr).expect("probe")
    });
    let df = Echo {
        packet: Some(1500),
        dont_fragment: true,
        ..from_ctr
    };
    time_probe("ICMP echo 1500 bytes DF container -> gateway", || {
        dataplane::echo(&ctr, gw, &df).expect("probe")
    });
    let x = |client, client_from, server, to: IpAddr, listen_on| Exchange {
        client,
        client_from,
        server,
        to: SocketAddr::new(to, dataplane::PROBE_PORT),
        listen_port: dataplane::PROBE_PORT,
        listen_on,
        patience: Patience::ANSWER,
    };
    time_probe("UDP exchange container -> uplink", || {
        dataplane::udp(&x(&ctr, Some(own.addr()), &up, beyond, Some(beyond))).expect("probe")
    });
    time_probe("TCP exchange uplink -> container", || {
        dataplane::tcp(&x(&up, None, &ctr, own.addr(), None)).expect("probe")
    });
    let settle: Vec<&Netns> = vec![&container_ns, node_ns];
    let mut calls = Vec::new();
    for _ in 0..PROBES {
        let started = Instant::now();
        let _ = cni_harness::judge::dataplane::gateways::gateways(&ctr, &settle, &parsed)
            .expect("oracle");
        calls.push(started.elapsed());
    }
    println!(
        "  {:<44} whole call {:>10}",
        "fuzz oracle (every gateway of the result)",
        ms(median(calls))
    );
    drop(container_ns);
    let rt = Runtime::new(&sandbox, cni_path.to_vec());
    let _ = rt.del(&net, &att);
}

fn fuzz_oracle(profile: &Path, cni_path: &[PathBuf]) {
    let mut t = match target::build(profile, cni_path, Duration::from_secs(5)) {
        Ok(t) => t,
        Err(e) => {
            println!("fuzz oracle: skipped: {e:#}");
            return;
        }
    };
    let mut opts = FuzzOptions::new(profile.to_path_buf(), "unused".into());
    opts.seed = 7;
    let seeds = vec![Input::new(
        t.seed_config.clone(),
        vec![Verb::Add, Verb::Del],
    )];
    let inputs = fuzz::generate_inputs(&seeds, &opts, FUZZ_INPUTS);
    let judged = inputs
        .iter()
        .filter(|i| i.config == t.seed_config && !i.robustness_only())
        .count();
    t.dataplane = true;
    let mut on = Executor::new(t.clone());
    t.dataplane = false;
    let mut off = Executor::new(t);
    let mut clocks = [Duration::ZERO, Duration::ZERO];
    for (i, input) in inputs.iter().enumerate() {
        for k in 0..2 {
            let which = (i + k) % 2;
            let runner = if which == 0 { &mut on } else { &mut off };
            let started = Instant::now();
            if let Err(e) = runner.run(input, false) {
                println!("fuzz oracle: harness error: {e:#}");
                return;
            }
            clocks[which] += started.elapsed();
        }
    }
    println!(
        "fuzzer on the reference plugin, {FUZZ_INPUTS} inputs ({judged} with the seed configuration, so probed): \
         {:.1} inputs/s with the data-plane oracle, {:.1} without: +{:.1}% time",
        FUZZ_INPUTS as f64 / clocks[0].as_secs_f64(),
        FUZZ_INPUTS as f64 / clocks[1].as_secs_f64(),
        (clocks[0].as_secs_f64() / clocks[1].as_secs_f64() - 1.0) * 100.0
    );
}

/// Where this build's plugins are: next to the bench binary's profile dir, else release, else debug.
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
