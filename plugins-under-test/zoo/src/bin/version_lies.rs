//! Defect: VERSION lists a version the plugin refuses. VERSION is forwarded
//! unchanged (so it lists 0.1.0), but ADD at 0.1.0 fails with code 1,
//! "incompatible CNI version". Caught by `version/listed-versions-accepted`.
//!
//! (Claiming an unreleased 1.1.0 would be the more natural lie, but the
//! harness only tests versions every plugin of the configuration lists, and
//! host-local stops at 1.0.0, so that lie could not be put to the test.)

use cni_zoo::{fail, Call};

const REFUSED: &str = "0.1.0";

fn main() {
    let call = Call::read();
    if call.verb == "ADD" && call.version() == Some(REFUSED) {
        fail(
            REFUSED,
            1,
            &format!("incompatible CNI versions: config is {REFUSED:?}"),
        );
    }
    call.forward().finish()
}
