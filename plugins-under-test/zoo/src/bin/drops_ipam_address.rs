//! Defect: the ADD result leaves out the addresses the IPAM delegate
//! returned (the kernel has them; the runtime never learns them), as a
//! plugin that builds its result before merging the IPAM's does. Caught
//! by `ipam/result-carries-delegate` (IPAM-CARRY); the fixed twin is the
//! bridge it wraps.

use cni_zoo::Call;
use serde_json::Value;

fn main() {
    let call = Call::read();
    let mut out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        if let Some(mut result) = out.json() {
            if let Some(ips) = result.get_mut("ips").and_then(Value::as_array_mut) {
                ips.clear();
            }
            out.set_json(&result);
        }
    }
    out.finish()
}
