//! Defect: from 0.4.0 (where DEL gets the cached result), DEL refuses a
//! configuration without `prevResult` (code 7), as a plugin does that reads
//! what to release only from it. Caught by `del/without-prev-result`
//! (DEL-5, a SHOULD: a warning). libcni sends DEL without `prevResult`
//! whenever it has no cached result, so the DEL-2/DEL-3 cases that DEL
//! twice or without an ADD fail too: consequences of the same defect.

use cni_zoo::{fail, Call};

/// CNI error code for an invalid network configuration.
const INVALID_CONFIG: u32 = 7;

fn main() {
    let call = Call::read();
    let has_prev = call
        .conf
        .as_ref()
        .is_some_and(|c| c.get("prevResult").is_some());
    let before_0_4 = matches!(call.version(), Some("0.1.0" | "0.2.0" | "0.3.0" | "0.3.1"));
    if call.verb == "DEL" && !has_prev && !before_0_4 {
        fail(
            &call.version_or_default(),
            INVALID_CONFIG,
            "DEL needs prevResult to know what to release",
        )
    }
    call.forward().finish()
}
