//! Defect: a failing CHECK or DEL is answered with success (exit 0, nothing
//! printed), so an error of the IPAM delegate never reaches the runtime.
//! Caught by `ipam/delegate-errors` (CHECK-5, IPAM-6: SHOULDs, warnings).

use cni_zoo::{succeed_silently, Call};

fn main() {
    let call = Call::read();
    let out = call.forward();
    if matches!(call.verb.as_str(), "CHECK" | "DEL") && !out.succeeded() {
        succeed_silently()
    }
    out.finish()
}
