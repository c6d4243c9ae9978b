//! A correct plugin of the flannel kind, no defect: it hands the whole
//! attachment to `bridge` (found on `CNI_PATH`) with a configuration it
//! builds from its own (`bridge`, `subnet`), host-local IPAM included, and
//! passes the answer back. Its VERSION claims every spec version, 1.1.0
//! included, as flannel's does; Debian's bridge 1.1.1 stops at 1.0.0, so
//! at 1.1.0 the delegate refuses. That is a fact of the installation, not
//! a defect of this plugin: the harness must see the delegate (through its
//! tap) and leave 1.1.0 out of the plan, saying which binary refused it,
//! instead of failing every case at 1.1.0.

use cni_zoo::{delegate, fail, Call};
use serde_json::{json, Map, Value};

/// What this plugin claims, like flannel's `version.All`.
const CLAIMED: [&str; 7] = [
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
];

/// CNI error code for an invalid configuration.
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
    let text = |key: &str, default: &str| -> String {
        conf.get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let subnet = text("subnet", "");
    if subnet.is_empty() && matches!(call.verb.as_str(), "ADD" | "CHECK") {
        fail(&version, INVALID_CONFIG, "`subnet` is required");
    }
    let mut d: Map<String, Value> = Map::new();
    d.insert("cniVersion".into(), json!(version));
    d.insert("name".into(), json!(text("name", "")));
    d.insert("type".into(), json!("bridge"));
    d.insert("bridge".into(), json!(text("bridge", "cni0")));
    d.insert("isGateway".into(), json!(true));
    d.insert("ipMasq".into(), json!(false));
    d.insert(
        "ipam".into(),
        json!({"type": "host-local", "ranges": [[{"subnet": subnet}]], "routes": [{"dst": "0.0.0.0/0"}]}),
    );
    // What the runtime adds on top of the configuration goes on with it.
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
    delegate(Value::Object(d).to_string().as_bytes(), &[]).finish()
}
