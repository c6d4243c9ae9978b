//! Defect: the ADD result reports an address of the right subnet that is not
//! the one configured on the interface. Caught by `add/consistent-with-kernel`.

use std::net::IpAddr;

use cni_zoo::Call;
use serde_json::Value;

/// `a.b.c.d/len` with the last octet (or IPv6 segment) moved by 100.
fn shifted(cidr: &str) -> Option<String> {
    let (addr, len) = cidr.split_once('/')?;
    let moved: IpAddr = match addr.parse().ok()? {
        IpAddr::V4(v4) => {
            let mut o = v4.octets();
            o[3] = if o[3] < 150 { o[3] + 100 } else { o[3] - 100 };
            IpAddr::from(o)
        }
        IpAddr::V6(v6) => {
            let mut s = v6.segments();
            s[7] = s[7].wrapping_add(100);
            IpAddr::from(s)
        }
    };
    Some(format!("{moved}/{len}"))
}

/// The first address the result reports, in any spec version's layout.
fn first_address(result: &mut Value) -> Option<&mut Value> {
    if result.get("ips").is_some() {
        result.get_mut("ips")?.get_mut(0)?.get_mut("address")
    } else {
        result.get_mut("ip4")?.get_mut("ip")
    }
}

fn main() {
    let call = Call::read();
    let mut out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        if let Some(mut result) = out.json() {
            if let Some(addr) = first_address(&mut result) {
                if let Some(lie) = addr.as_str().and_then(shifted) {
                    *addr = Value::String(lie);
                }
            }
            out.set_json(&result);
        }
    }
    out.finish()
}
