//! A correct plugin of the multus kind, no defect: its configuration holds
//! inline delegate configurations (`delegates: [...]`), each with its own
//! `cniVersion`; it runs the first (the default network) by its `type` on
//! `CNI_PATH`, with the runtime's additions (`prevResult`, `runtimeConfig`,
//! GC's attachment lists) copied in, and passes the answer back. Like
//! multus's installer, it refuses a delegate whose `cniVersion` differs
//! from its own (code 7): it could not hand the delegate's result back in
//! the version it was asked in. A harness that sweeps versions must move
//! the nested `cniVersion` with the top-level one, as a user would write
//! the configuration at that version.

use cni_zoo::{delegate_to, fail, Call};
use serde_json::{json, Value};

const CLAIMED: [&str; 5] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

const INCOMPATIBLE: u32 = 1;
const INVALID_CONFIG: u32 = 7;

fn main() {
    let call = Call::read();
    let version = call.version_or_default();
    if call.verb == "VERSION" {
        println!(
            "{}",
            json!({"cniVersion": version, "supportedVersions": CLAIMED})
        );
        return;
    }
    let Some(conf) = call.conf.as_ref().and_then(Value::as_object) else {
        fail(&version, 6, "cannot decode the network configuration");
    };
    if !CLAIMED.contains(&version.as_str()) {
        fail(
            &version,
            INCOMPATIBLE,
            &format!("incompatible CNI versions: config is {version:?}"),
        );
    }
    let Some(first) = conf
        .get("delegates")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .and_then(Value::as_object)
    else {
        fail(
            &version,
            INVALID_CONFIG,
            "`delegates` must hold a configuration",
        );
    };
    let theirs = first
        .get("cniVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if theirs != version {
        fail(
            &version,
            INVALID_CONFIG,
            &format!("delegate cniVersion {theirs:?} differs from the configuration's {version:?}"),
        );
    }
    let Some(kind) = first.get("type").and_then(Value::as_str) else {
        fail(&version, INVALID_CONFIG, "the delegate has no `type`");
    };
    let mut d = first.clone();
    for key in [
        "prevResult",
        "runtimeConfig",
        "args",
        "cni.dev/attachments",
        "cni.dev/valid-attachments",
    ] {
        if let Some(v) = conf.get(key) {
            d.insert(key.into(), v.clone());
        }
    }
    delegate_to(kind, Value::Object(d).to_string().as_bytes(), &[]).finish()
}
