//! Not a defect: a correct chained (meta) plugin that passes `prevResult`
//! on unchanged and makes nothing, so it never reads `CNI_IFNAME` or
//! `CNI_CONTAINERID` and does not refuse them missing or malformed. SPEC.md
//! puts setting them on the runtime and binds a plugin *unable to use* the
//! name to fail: such a plugin gets no ENV-1/ENV-3 failure (only ENV-1's
//! SHOULD warns) and no ENV-8 failure, as it acts on nothing.

use cni_zoo::{fail, succeed_silently, validate, Call};
use serde_json::{json, Value};

/// Chaining (and so prevResult) exists from 0.3.0 on.
const CHAINABLE: [&str; 4] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];
const UNUSED: [&str; 2] = ["CNI_IFNAME", "CNI_CONTAINERID"];

fn main() {
    let call = Call::read();
    let version = call.version_or_default();
    if let Err(refusal) = validate::request_using(&call, &CHAINABLE, &UNUSED) {
        fail(&version, refusal.code, &refusal.msg)
    }
    match call.verb.as_str() {
        "ADD" => {
            let mut result = call
                .conf
                .as_ref()
                .and_then(|c| c.get("prevResult"))
                .cloned()
                .unwrap_or_else(|| json!({}));
            if let Value::Object(map) = &mut result {
                map.insert("cniVersion".into(), Value::String(version.clone()));
            }
            println!("{result}");
            succeed_silently()
        }
        "VERSION" => {
            println!(
                "{}",
                json!({"cniVersion": version, "supportedVersions": CHAINABLE})
            );
            succeed_silently()
        }
        // DEL and CHECK: nothing of its own to undo or verify.
        _ => succeed_silently(),
    }
}
