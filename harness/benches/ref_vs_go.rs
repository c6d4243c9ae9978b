//! ADD and DEL latency of the reference bridge (`cni-ref-bridge`) against
//! Debian's Go `bridge` on the same configuration, in one run, reported as
//! ratios. Each sample is one ADD (or DEL) in its own fresh sandbox, timed
//! around the plugin process (the harness's own work is outside the timing);
//! the plugins alternate so machine noise hits both alike.
//!
//! `cargo bench -p cni-harness --bench ref_vs_go` (root; builds release bins
//! first: `cargo build --release --workspace --bins`). ROUNDS=N to change
//! the sample count.

use std::path::PathBuf;
use std::time::Duration;

use cni_harness::config::NetworkConfig;
use cni_harness::invoke::{Attachment, Runtime};
use cni_harness::sandbox::Sandbox;

fn config(bridge_type: &str, ipam_type: &str) -> NetworkConfig {
    let doc = format!(
        r#"{{"cniVersion":"1.0.0","name":"benchnet","plugins":[{{"type":"{bridge_type}",
        "bridge":"cni-bench0","isGateway":true,"ipMasq":false,
        "ipam":{{"type":"{ipam_type}","ranges":[[{{"subnet":"10.66.0.0/24"}}]],"routes":[{{"dst":"0.0.0.0/0"}}]}}}}]}}"#
    );
    NetworkConfig::parse(doc.as_bytes(), "bench").expect("bench config parses")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// One ADD then DEL in a fresh sandbox: (add, del) wall time of the plugin process.
fn sample(net: &NetworkConfig, cni_path: &[PathBuf]) -> (Duration, Duration) {
    let sandbox = Sandbox::new().expect("sandbox (needs root)");
    let rt = Runtime::new(&sandbox, cni_path.to_vec());
    let att = Attachment::new("bench", "eth0");
    let add = rt.add(net, &att).expect("ADD runs");
    assert!(add.succeeded(), "ADD failed: {:?}", add.last().map(|s| s.reply.summary()));
    let del = rt.del(net, &att).expect("DEL runs");
    assert!(del.succeeded(), "DEL failed: {:?}", del.last().map(|s| s.reply.summary()));
    let wall = |run: &cni_harness::invoke::ChainRun| run.steps.iter().map(|s| s.outcome.wall).sum();
    (wall(&add), wall(&del))
}

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: this benchmark creates network namespaces and needs root");
        return;
    }
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release");
    if !release.join("cni-ref-bridge").exists() {
        eprintln!("build the plugins first: cargo build --release --workspace --bins");
        std::process::exit(2);
    }
    let cni_path = vec![release, PathBuf::from("/usr/lib/cni")];
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let targets = [
        ("go bridge + host-local", config("bridge", "host-local")),
        ("cni-ref-bridge + host-local", config("cni-ref-bridge", "host-local")),
        ("cni-ref-bridge + cni-ref-ipam", config("cni-ref-bridge", "cni-ref-ipam")),
    ];
    let mut adds = vec![Vec::new(); targets.len()];
    let mut dels = vec![Vec::new(); targets.len()];
    for _ in 0..rounds {
        for (i, (_, net)) in targets.iter().enumerate() {
            let (a, d) = sample(net, &cni_path);
            adds[i].push(a);
            dels[i].push(d);
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let go_add = median(adds[0].clone());
    let go_del = median(dels[0].clone());
    println!("ADD and DEL latency, median of {rounds} samples each (plugin process wall time, IPAM included)");
    println!("{:<32} {:>10} {:>10} {:>12} {:>12}", "plugin", "ADD ms", "DEL ms", "ADD vs Go", "DEL vs Go");
    for (i, (name, _)) in targets.iter().enumerate() {
        let (a, d) = (median(adds[i].clone()), median(dels[i].clone()));
        println!(
            "{:<32} {:>10.2} {:>10.2} {:>11.3}x {:>11.3}x",
            name,
            ms(a),
            ms(d),
            a.as_secs_f64() / go_add.as_secs_f64(),
            d.as_secs_f64() / go_del.as_secs_f64()
        );
    }
}
