//! Defect: when its ADD fails, the plugin "rolls back" by running its IPAM
//! delegate's ADD again instead of its DEL (a copy-paste slip in a cleanup
//! path), leaving a second reservation; the runtime's DEL afterwards
//! releases by container ID and hides it. Wraps Debian's bridge, which
//! fails when its IPAM answers without an address. Caught by
//! `ipam/rollback-after-delegate-add` (IPAM-NO-READD); the fixed twin is
//! the bridge it wraps.

use cni_zoo::{delegate_to, Call};

fn main() {
    let call = Call::read();
    let out = call.forward();
    if call.verb == "ADD" && !out.succeeded() {
        let ipam = call
            .conf
            .as_ref()
            .and_then(|c| c.pointer("/ipam/type"))
            .and_then(|t| t.as_str())
            .map(String::from);
        if let Some(ipam) = ipam {
            let _ = delegate_to(&ipam, &call.forwarded_stdin(), &[]);
        }
    }
    out.finish()
}
