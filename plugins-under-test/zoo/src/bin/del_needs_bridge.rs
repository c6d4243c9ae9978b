//! Defect: DEL first looks the configured bridge up and fails when it is
//! gone, before asking the IPAM plugin to release anything, as Debian's
//! macvlan 1.1.1 does with its master (its cmdDel runs the ADD-time
//! configuration check, which needs the master link; upstream's cmdDel
//! only decodes the configuration). The address leaks for good. Caught by
//! `del/bridge-gone` (DEL-3); the fixed twin is the bridge it wraps.

use cni_zoo::{env, fail, net, Call};

/// CNI code 11 ("try again later"): what a plugin that needs the link says.
const TRY_AGAIN: u32 = 11;

fn main() {
    let call = Call::read();
    if call.verb == "DEL" {
        let bridge = call
            .conf
            .as_ref()
            .and_then(|c| c.get("bridge"))
            .and_then(|b| b.as_str())
            .unwrap_or("cni0")
            .to_string();
        if net::run("ip", &["link", "show", "dev", &bridge]).is_err() {
            fail(
                &call.version_or_default(),
                TRY_AGAIN,
                &format!(
                    "zoo: bridge {bridge} not found (container {})",
                    env("CNI_CONTAINERID")
                ),
            );
        }
    }
    call.forward().finish()
}
