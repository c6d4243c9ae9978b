//! Defect: the host end of the container's veth is taken out of the bridge
//! after ADD (the result still describes a bridged attachment). Caught by
//! `dp/connectivity` (DP-GATEWAY).

use cni_zoo::{break_after_add, env, net};

fn main() {
    break_after_add(|_, _| {
        let veth = net::host_veth(&env("CNI_NETNS"), &env("CNI_IFNAME"))?;
        net::run("ip", &["link", "set", "dev", &veth, "nomaster"]).map(drop)
    })
}
