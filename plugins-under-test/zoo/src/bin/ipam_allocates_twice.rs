//! Defect: an IPAM plugin that answers a repeated ADD of the same
//! container and interface with a second address: when Debian's
//! `host-local` refuses the duplicate, the ADD is retried under another
//! interface key (`<ifname>.2`) and that second reservation is returned.
//! DEL releases both keys, so nothing leaks past the runtime's DEL: only
//! the repeated ADD shows it. Caught by `add/repeated` (IPAM-REPEAT); the
//! fixed twin is `host-local` itself (profile `debian/host-local.json`).

use cni_zoo::{delegate_to, env, Call};

const DELEGATE: &str = "host-local";

fn main() {
    let call = Call::read();
    let stdin = call.forwarded_stdin();
    let second = format!("{}.2", env("CNI_IFNAME"));
    match call.verb.as_str() {
        "ADD" => {
            let out = delegate_to(DELEGATE, &stdin, &[]);
            if out.succeeded() {
                out.finish()
            }
            delegate_to(DELEGATE, &stdin, &[("CNI_IFNAME", Some(&second))]).finish()
        }
        "DEL" => {
            let _ = delegate_to(DELEGATE, &stdin, &[("CNI_IFNAME", Some(&second))]);
            delegate_to(DELEGATE, &stdin, &[]).finish()
        }
        _ => delegate_to(DELEGATE, &stdin, &[]).finish(),
    }
}
