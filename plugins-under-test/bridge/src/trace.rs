//! Phase timings on stderr when `CNI_REF_TRACE` is set (for benchmarking).

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Option<Instant>> = OnceLock::new();

pub fn init() {
    START.get_or_init(|| std::env::var_os("CNI_REF_TRACE").map(|_| Instant::now()));
}

pub fn mark(phase: &str) {
    if let Some(Some(t)) = START.get() {
        eprintln!(
            "cni-ref-bridge {:>8.3} ms {phase}",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
}
