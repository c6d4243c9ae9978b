//! Defect: STATUS answers "ready" without asking the IPAM plugin it
//! delegates to (SPEC.md 1.1.0 STATUS: a plugin relying on a delegate must
//! pass STATUS on). Caught by `ipam/delegation` (STATUS-3) at 1.1.0.
//!
//! Wraps the project's reference bridge (`cni-ref-bridge`), which speaks
//! 1.1.0 and does forward STATUS; Debian's bridge stops at 1.0.0.

use cni_zoo::{delegate_to, succeed_silently, Call};

fn main() {
    let call = Call::read();
    if call.verb == "STATUS" {
        succeed_silently()
    }
    delegate_to("cni-ref-bridge", &call.forwarded_stdin(), &[]).finish()
}
