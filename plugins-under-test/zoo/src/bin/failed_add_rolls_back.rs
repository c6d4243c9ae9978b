//! Not a defect: the fixed twin of `failed-add-keeps-veth`. ADD fails
//! (code 11) after the delegate succeeded, but first runs the delegate's
//! DEL, so the failed ADD leaves nothing (the veth and the reservation are
//! gone when the error is returned). Passes `del/after-failed-add`.

use cni_zoo::{delegate, fail, Call};

fn main() {
    let call = Call::read();
    match call.verb.as_str() {
        "ADD" => {
            let out = call.forward();
            if out.succeeded() {
                let undone = delegate(&call.forwarded_stdin(), &[("CNI_COMMAND", Some("DEL"))]);
                if !undone.succeeded() {
                    undone.finish()
                }
                fail(&call.version_or_default(), 11, "try again later");
            }
            out.finish()
        }
        _ => call.forward().finish(),
    }
}
