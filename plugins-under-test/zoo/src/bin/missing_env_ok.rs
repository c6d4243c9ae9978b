//! Defect: ADD without CNI_CONTAINERID, CNI_IFNAME or CNI_NETNS succeeds
//! (defaults are made up) instead of failing with code 4.
//! Caught by `env/missing-variables`.

use cni_zoo::{delegate, succeed_silently, Call};
use serde_json::json;

fn missing(key: &str) -> bool {
    std::env::var(key).map(|v| v.is_empty()).unwrap_or(true)
}

fn main() {
    let call = Call::read();
    if call.verb != "ADD" {
        call.forward().finish()
    }
    if missing("CNI_NETNS") {
        // No namespace to work in: claim success with an empty result.
        let version = call.version_or_default();
        let result = if matches!(version.as_str(), "0.1.0" | "0.2.0") {
            json!({"cniVersion": version, "dns": {}})
        } else {
            json!({"cniVersion": version, "interfaces": [], "ips": [], "dns": {}})
        };
        println!("{result}");
        succeed_silently()
    }
    let mut env = Vec::new();
    if missing("CNI_CONTAINERID") {
        env.push(("CNI_CONTAINERID", Some("zoo")));
    }
    if missing("CNI_IFNAME") {
        env.push(("CNI_IFNAME", Some("eth0")));
    }
    delegate(&call.forwarded_stdin(), &env).finish()
}
