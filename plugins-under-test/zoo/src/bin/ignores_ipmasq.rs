//! Defect: `ipMasq` is forced off before the delegate sees it, so traffic
//! leaves with the container's own address whatever the configuration says.
//! Caught by `dp/ipmasq` (DP-MASQ).

use cni_zoo::{delegate, Call};
use serde_json::Value;

fn main() {
    let call = Call::read();
    match call.conf.clone() {
        Some(mut conf) if call.verb == "ADD" || call.verb == "DEL" => {
            if let Some(obj) = conf.as_object_mut() {
                obj.insert("ipMasq".into(), Value::Bool(false));
            }
            delegate(conf.to_string().as_bytes(), &[]).finish()
        }
        _ => call.forward().finish(),
    }
}
