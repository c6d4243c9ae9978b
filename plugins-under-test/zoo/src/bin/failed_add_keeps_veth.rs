//! Defect: ADD fails (code 11) after the delegate made the veth and
//! reserved the address, and returns without undoing any of it, as
//! upstream bridge did when its IPAM failed after the veth was made
//! (containernetworking/plugins#29). DEL is forwarded, so the runtime's
//! DEL after the failed ADD removes everything: only the state right
//! after the failed ADD shows the defect. Caught by `del/after-failed-add`
//! (ADD-FAIL-CLEAN, a warning); the fixed twin is `failed-add-rolls-back`.

use cni_zoo::{fail, Call};

fn main() {
    let call = Call::read();
    match call.verb.as_str() {
        "ADD" => {
            let out = call.forward();
            if out.succeeded() {
                fail(&call.version_or_default(), 11, "try again later");
            }
            out.finish()
        }
        _ => call.forward().finish(),
    }
}
