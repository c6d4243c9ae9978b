//! Defect: CHECK answers success without looking at the firewall rules ADD
//! installed (every other verb goes to Debian's `firewall` unchanged). In
//! a list after `bridge` the interfaces are still checked by the bridge,
//! so only the firewall's own state goes unchecked. Caught by
//! `check/detects-untracked-removal` (CHECK-UNTRACKED, a warning: SHOULD);
//! the fixed twin is Debian's `firewall` (profile `debian/firewall.json`).

use cni_zoo::{delegate_to, succeed_silently, Call};

fn main() {
    let call = Call::read();
    if call.verb == "CHECK" {
        succeed_silently()
    }
    delegate_to("firewall", &call.forwarded_stdin(), &[]).finish()
}
