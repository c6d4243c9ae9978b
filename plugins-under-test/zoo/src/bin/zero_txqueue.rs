//! Defect: both ends of the container's veth get a transmit queue length
//! of 0 after ADD, as upstream plugins made them until
//! containernetworking/plugins#1100 (a `netlink.LinkAttrs` literal leaves
//! `TxQLen` 0): any queueing discipline later put on the link drops what
//! it cannot send at once. Caught by `add/interface-sanity` (IF-TXQLEN).
//!
//! Wraps the project's reference bridge (`cni-ref-bridge`), whose veths
//! keep the kernel's default (1000): it is the fixed twin. Debian's bridge
//! (1.1.1) predates the upstream fix and has the defect itself.

use cni_zoo::{delegate_to, env, fail, net, Call};

/// CNI code 5 (I/O failure): the defect could not be applied.
const IO_FAILURE: u32 = 5;

fn main() {
    let call = Call::read();
    let out = delegate_to("cni-ref-bridge", &call.forwarded_stdin(), &[]);
    if call.verb == "ADD" && out.succeeded() {
        let (netns, ifname) = (env("CNI_NETNS"), env("CNI_IFNAME"));
        let zeroed = net::host_veth(&netns, &ifname).and_then(|veth| {
            net::run("ip", &["link", "set", "dev", &veth, "txqueuelen", "0"])?;
            net::ip_in_container(&netns, &["link", "set", "dev", &ifname, "txqueuelen", "0"])
        });
        if let Err(e) = zeroed {
            fail(
                &call.version_or_default(),
                IO_FAILURE,
                &format!("zoo: could not apply the defect: {e}"),
            );
        }
    }
    out.finish()
}
