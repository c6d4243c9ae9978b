//! An IPAM plugin that does nothing: DEL, CHECK and GC succeed silently, ADD
//! fails. Helper of `cni-zoo-leaks-ipam`, not itself a zoo defect.

use cni_zoo::{fail, succeed_silently, Call, SUPPORTED};
use serde_json::json;

fn main() {
    let call = Call::read();
    match call.verb.as_str() {
        "DEL" | "CHECK" | "GC" => succeed_silently(),
        "VERSION" => {
            println!(
                "{}",
                json!({"cniVersion": call.version_or_default(), "supportedVersions": SUPPORTED})
            );
            succeed_silently()
        }
        other => fail(
            &call.version_or_default(),
            4,
            &format!("cni-zoo-noop-ipam does not implement CNI_COMMAND {other:?}"),
        ),
    }
}
