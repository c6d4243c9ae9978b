//! Defect: DEL refuses a configuration without `prevResult` (code 7), as a
//! plugin does that reads what to release only from the cached result.
//! Caught by `del/without-prev-result` (DEL-5, a SHOULD: a warning).

use cni_zoo::{fail, Call};

/// CNI error code for an invalid network configuration.
const INVALID_CONFIG: u32 = 7;

fn main() {
    let call = Call::read();
    let has_prev = call
        .conf
        .as_ref()
        .is_some_and(|c| c.get("prevResult").is_some());
    if call.verb == "DEL" && !has_prev {
        fail(
            &call.version_or_default(),
            INVALID_CONFIG,
            "DEL needs prevResult to know what to release",
        )
    }
    call.forward().finish()
}
