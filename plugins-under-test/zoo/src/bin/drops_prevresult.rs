//! Defect: a chained (meta) plugin that answers ADD with an empty result
//! instead of passing `prevResult` on. No delegate, so it makes a correct
//! plugin's checks itself (`validate`) to keep its defect the only one.
//! Caught by `chain/prevresult-passthrough`.

use cni_zoo::{fail, succeed_silently, validate, Call, CHAINABLE};
use serde_json::json;

fn main() {
    let call = Call::read();
    let version = call.version_or_default();
    if let Err(refusal) = validate::request(&call, &CHAINABLE) {
        fail(&version, refusal.code, &refusal.msg)
    }
    match call.verb.as_str() {
        "ADD" => {
            println!("{}", json!({"cniVersion": version, "dns": {}}));
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
