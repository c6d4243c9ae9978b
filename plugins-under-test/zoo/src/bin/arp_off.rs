//! Defect: ARP is switched off on the container's interface after ADD, so
//! it neither resolves its gateway nor answers for its own address.
//! Caught by `dp/connectivity` (DP-GATEWAY).

use cni_zoo::{break_after_add, env, net};

fn main() {
    break_after_add(|_, _| {
        let ifname = env("CNI_IFNAME");
        net::ip_in_container(
            &env("CNI_NETNS"),
            &["link", "set", "dev", &ifname, "arp", "off"],
        )
        .map(drop)
    })
}
