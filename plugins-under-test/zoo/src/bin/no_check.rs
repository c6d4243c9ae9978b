//! Defect: no CHECK at all; CHECK is answered "unknown command", as a
//! plugin written before 0.4.0 does. Caught by `check/after-add` (CHECK-1);
//! the `check/detects-missing-*` cases must not pass it: their control (CHECK
//! of the intact attachment) fails, so they are blocked.

use cni_zoo::{fail, Call};

/// CNI error code for invalid environment variables (an unknown CNI_COMMAND).
const INVALID_ENV: u32 = 4;

fn main() {
    let call = Call::read();
    if call.verb == "CHECK" {
        fail(
            &call.version_or_default(),
            INVALID_ENV,
            "unknown CNI_COMMAND: CHECK",
        )
    }
    call.forward().finish()
}
