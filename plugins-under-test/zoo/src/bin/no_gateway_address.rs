//! Defect: with `isGateway`, the gateway address never stays on the bridge
//! (it is removed right after ADD), while the result still names it.
//! Caught by `dp/connectivity` (DP-GATEWAY).

use cni_zoo::{break_after_add, net};
use serde_json::Value;

fn main() {
    break_after_add(|call, result| {
        let bridge = call
            .conf
            .as_ref()
            .and_then(|c| c.get("bridge"))
            .and_then(Value::as_str)
            .unwrap_or("cni0")
            .to_string();
        for a in net::addresses(result) {
            if let Some(gw) = a.gateway {
                let cidr = format!("{gw}/{}", a.prefix);
                if let Err(e) = net::run("ip", &["addr", "del", &cidr, "dev", &bridge]) {
                    // A concurrent ADD's wrapper may have removed it first:
                    // gone is what this defect wants.
                    let left = net::run("ip", &["-o", "addr", "show", "dev", &bridge])?;
                    if left.contains(&format!(" {cidr} ")) {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    })
}
