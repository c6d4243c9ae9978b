//! Defect: CHECK always succeeds without looking at anything.
//! Caught by `check/detects-missing-interface`.

use cni_zoo::{succeed_silently, Call};

fn main() {
    let call = Call::read();
    if call.verb == "CHECK" {
        succeed_silently()
    }
    call.forward().finish()
}
