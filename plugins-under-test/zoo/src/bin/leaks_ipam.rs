//! Defect: DEL never reaches the real IPAM (its `ipam.type` is swapped for
//! `cni-zoo-noop-ipam`), so the address stays allocated.
//! Caught by `del/no-residue`.

use cni_zoo::{delegate, Call};
use serde_json::Value;

fn main() {
    let call = Call::read();
    if call.verb != "DEL" {
        call.forward().finish()
    }
    let mut stdin = call.forwarded_stdin();
    if let Ok(mut conf) = serde_json::from_slice::<Value>(&stdin) {
        if let Some(ipam) = conf.get_mut("ipam").and_then(Value::as_object_mut) {
            ipam.insert("type".into(), Value::String("cni-zoo-noop-ipam".into()));
        }
        stdin = conf.to_string().into_bytes();
    }
    delegate(&stdin, &[]).finish()
}
