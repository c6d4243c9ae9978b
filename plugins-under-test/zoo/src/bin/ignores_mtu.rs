//! Defect: the configured `mtu` is dropped before the delegate sees it, so
//! the interfaces keep the default MTU. Caught by `dp/mtu` (DP-MTU).

use cni_zoo::{delegate, Call};

fn main() {
    let call = Call::read();
    match call.conf.clone() {
        Some(mut conf) if call.verb == "ADD" => {
            if let Some(obj) = conf.as_object_mut() {
                obj.remove("mtu");
            }
            delegate(conf.to_string().as_bytes(), &[]).finish()
        }
        _ => call.forward().finish(),
    }
}
