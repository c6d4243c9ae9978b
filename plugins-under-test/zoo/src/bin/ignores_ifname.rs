//! Defect: `CNI_IFNAME` is ignored, the interface is always `eth0`.
//! Caught by `add/ifname`.

use cni_zoo::{delegate, Call};

fn main() {
    let call = Call::read();
    delegate(&call.forwarded_stdin(), &[("CNI_IFNAME", Some("eth0"))]).finish()
}
