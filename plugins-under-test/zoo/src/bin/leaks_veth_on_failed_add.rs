//! Defect: ADD fails after the delegate set everything up (and leaves it
//! there); DEL then does nothing. Caught by `del/after-failed-add`.

use cni_zoo::{fail, succeed_silently, Call};

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
        "DEL" => succeed_silently(),
        _ => call.forward().finish(),
    }
}
