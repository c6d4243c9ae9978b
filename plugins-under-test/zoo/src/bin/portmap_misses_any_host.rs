//! Defect: a port mapping with `hostIP` "0.0.0.0" (or "::"), meaning every
//! node address of its family, is installed with a destination match that
//! no packet ever has, as a portmap that copies the unspecified address
//! into its DNAT rule (`-d 0.0.0.0/32`) does. Here the wrapped Debian
//! `portmap` is handed an address from a documentation range, which no
//! node owns, in its place: the rules exist, nothing reaches the
//! container. Caught by `dp/portmap` (DP-PORTMAP), which probes such a
//! mapping at a real node address; the fixed twin is Debian's `portmap`
//! with the same configuration (profile `portmap-any-host`).

use cni_zoo::{delegate_to, Call};
use serde_json::Value;

/// Addresses no node of the sandbox owns (RFC 5737, RFC 3849).
const NOWHERE_V4: &str = "192.0.2.254";
const NOWHERE_V6: &str = "2001:db8:ffff::fe";

fn main() {
    let call = Call::read();
    let stdin = match call.conf.clone() {
        Some(mut conf) => {
            misdirect(&mut conf);
            conf.to_string().into_bytes()
        }
        None => call.forwarded_stdin(),
    };
    delegate_to("portmap", &stdin, &[]).finish()
}

fn misdirect(conf: &mut Value) {
    let Some(list) = conf
        .pointer_mut("/runtimeConfig/portMappings")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for m in list {
        let to = match m.get("hostIP").and_then(Value::as_str) {
            Some("0.0.0.0") => NOWHERE_V4,
            Some("::") => NOWHERE_V6,
            _ => continue,
        };
        m["hostIP"] = Value::String(to.into());
    }
}
