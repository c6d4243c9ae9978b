//! Defect: ADD is refused (code 50) until a STATUS has been seen, as a
//! plugin does that initialises its state in STATUS; SPEC.md 1.1.0 says a
//! plugin must not rely on STATUS being called. Caught by
//! `status/not-required` (STATUS-6): its ADD fails first, then succeeds
//! after a STATUS.
//!
//! Wraps the project's reference bridge (`cni-ref-bridge`), which speaks
//! 1.1.0; Debian's bridge stops at 1.0.0.

use cni_zoo::{delegate_to, fail, Call};

/// Left by STATUS; the harness gives every sandbox its own /var/lib/cni.
const MARKER: &str = "/var/lib/cni/zoo/status-seen";

/// CNI error code: the plugin is not available.
const NOT_AVAILABLE: u32 = 50;

fn main() {
    let call = Call::read();
    match call.verb.as_str() {
        "STATUS" => {
            let _ = std::fs::create_dir_all("/var/lib/cni/zoo");
            let _ = std::fs::write(MARKER, b"");
        }
        "ADD" if !std::path::Path::new(MARKER).exists() => fail(
            &call.version_or_default(),
            NOT_AVAILABLE,
            "not initialised: STATUS has not been called yet",
        ),
        _ => {}
    }
    delegate_to("cni-ref-bridge", &call.forwarded_stdin(), &[]).finish()
}
