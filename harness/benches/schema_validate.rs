//! Cost of schema validation per document, against a peer in the same run.
//!
//! Ours: `schema::validate` (schemas compiled once per process, errors
//! collected only after the boolean check fails). Peer: the naive use of the
//! same library, compiling the schema for every document
//! (`jsonschema::validator_for` + `iter_errors`). The fuzzer validates every
//! execution's output, so the ratio is what compiling once saves per run.
//!
//! Run: `cargo bench -p cni-harness --bench schema_validate`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cni_harness::schema::{schema_text, validate, DocumentKind};
use cni_harness::spec::SpecVersion;
use serde_json::{json, Value};

const ROUNDS: usize = 21;
const PER_ROUND: usize = 200;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time(mut f: impl FnMut()) -> Duration {
    let rounds = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                f();
            }
            start.elapsed() / PER_ROUND as u32
        })
        .collect();
    median(rounds)
}

fn main() {
    let v = SpecVersion::V1_0_0;
    let kind = DocumentKind::Result;
    let valid = json!({
        "cniVersion": "1.0.0",
        "interfaces": [
            {"name": "cni0", "mac": "8e:2b:1c:4a:90:01"},
            {"name": "veth3a9c1f20", "mac": "de:ad:be:ef:00:02"},
            {"name": "eth0", "mac": "0a:58:0a:16:00:05", "sandbox": "/var/run/netns/c1"}
        ],
        "ips": [{"address": "10.22.0.5/16", "gateway": "10.22.0.1", "interface": 2}],
        "routes": [{"dst": "0.0.0.0/0", "gw": "10.22.0.1"}],
        "dns": {}
    });
    let mut invalid = valid.clone();
    invalid["ips"][0]["address"] = json!("10.22.0.5/40");

    let text = schema_text(v, kind).unwrap_or_default();
    let schema: Value = serde_json::from_str(text).unwrap_or_default();
    let peer = |doc: &Value| {
        if let Ok(validator) = jsonschema::validator_for(&schema) {
            black_box(validator.iter_errors(doc).count());
        }
    };
    // Warm the compiled cache so it is not charged to the first round.
    let _ = validate(v, kind, &valid);

    for (label, doc) in [("valid result", &valid), ("invalid result", &invalid)] {
        let ours = time(|| {
            let _ = black_box(validate(v, kind, black_box(doc)));
        });
        let theirs = time(|| peer(black_box(doc)));
        println!(
            "{label} (1.0.0): ours {ours:?}/doc, peer (compile per doc) {theirs:?}/doc, peer/ours = {:.1}x",
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
}
