//! Defect: DEL is run without `CNI_NETNS`, so the delegate releases the
//! address but never removes the container's interface, which keeps
//! answering for it. Caught by `dp/connectivity` (DP-DEL).

use cni_zoo::{delegate, Call};

fn main() {
    let call = Call::read();
    if call.verb == "DEL" {
        delegate(&call.forwarded_stdin(), &[("CNI_NETNS", None)]).finish()
    }
    call.forward().finish()
}
