//! Defect: addresses are not allocated but drawn at random, one host among
//! 200 of the /24 (10.88.0.20 to 10.88.0.219), with no record of what is
//! in use: two live attachments get the same address sooner or later.
//! Caught by `add/distinct-addresses` and `add/parallel` (IPAM-2), which hold
//! enough attachments for that to happen with probability above 99%.
//!
//! Wraps the bridge with Debian's `static` IPAM plugin in place of the
//! configured one, so the rest of the attachment is correct.

use std::io::Read;

use cni_zoo::{delegate, Call};
use serde_json::{json, Value};

/// A random host octet in 20..220, from the kernel's generator.
fn random_host() -> u8 {
    let mut b = [0u8; 1];
    let drawn = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    let n = match drawn {
        Ok(()) => b[0],
        // No urandom: the clock's nanoseconds still differ between calls.
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u8)
            .unwrap_or(0),
    };
    20 + n % 200
}

/// The address this attachment already has (CHECK and DEL get it back in
/// `prevResult`), else a fresh random one.
fn address(conf: &Value) -> String {
    conf.pointer("/prevResult/ips/0/address")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("10.88.0.{}/24", random_host()))
}

fn main() {
    let call = Call::read();
    let Some(mut conf) = call.conf.clone() else {
        call.forward().finish()
    };
    if conf.get("ipam").is_some() {
        let routes = conf
            .pointer("/ipam/routes")
            .cloned()
            .unwrap_or_else(|| json!([]));
        conf["ipam"] = json!({
            "type": "static",
            "addresses": [{"address": address(&conf), "gateway": "10.88.0.1"}],
            "routes": routes,
        });
    }
    delegate(conf.to_string().as_bytes(), &[]).finish()
}
