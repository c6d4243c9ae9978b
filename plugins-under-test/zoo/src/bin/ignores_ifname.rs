//! Defect: a valid `CNI_IFNAME` is ignored, the interface is always `eth0`.
//! Caught by `add/ifname`.
//!
//! A missing or invalid name still goes to the delegate as it came, so it is
//! refused as it should be: the defect is the naming, not the validation.

use cni_zoo::{delegate, validate, Call};

fn main() {
    let call = Call::read();
    let asked = std::env::var("CNI_IFNAME").unwrap_or_default();
    if !validate::ifname_ok(&asked) {
        call.forward().finish()
    }
    delegate(&call.forwarded_stdin(), &[("CNI_IFNAME", Some("eth0"))]).finish()
}
