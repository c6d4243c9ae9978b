//! Defect: the host end of the container's veth is left down after ADD.
//! Caught by `dp/connectivity` (DP-GATEWAY).

use cni_zoo::{break_after_add, env, net};

fn main() {
    break_after_add(|_, _| {
        let veth = net::host_veth(&env("CNI_NETNS"), &env("CNI_IFNAME"))?;
        net::run("ip", &["link", "set", "dev", &veth, "down"]).map(drop)
    })
}
