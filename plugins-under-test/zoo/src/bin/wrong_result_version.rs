//! Defect: the ADD result claims a `cniVersion` other than the one asked for
//! (0.4.0, or 1.0.0 when 0.4.0 was asked). Caught by `add/result-version`.

use cni_zoo::Call;
use serde_json::Value;

fn main() {
    let call = Call::read();
    let mut out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        if let Some(mut result) = out.json() {
            let lie = if call.version() == Some("0.4.0") {
                "1.0.0"
            } else {
                "0.4.0"
            };
            if let Some(obj) = result.as_object_mut() {
                obj.insert("cniVersion".into(), Value::String(lie.into()));
            }
            out.set_json(&result);
        }
    }
    out.finish()
}
