//! Defect: ADD adds a firewall table of its own, per attachment, that drops
//! the container's traffic on the node; DEL removes it, so nothing leaks.
//! Caught by `dp/connectivity` (DP-GATEWAY).

use cni_zoo::{break_after_add, env, net, Call};

/// The attachment's table: `zoo_drop_` and the container ID and interface
/// name with anything but letters and digits as `_`.
fn table() -> String {
    let id: String = format!("{}_{}", env("CNI_CONTAINERID"), env("CNI_IFNAME"))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(200)
        .collect();
    format!("zoo_drop_{id}")
}

fn main() {
    if env("CNI_COMMAND") == "DEL" {
        // Gone already (or never made) is fine: DEL must be idempotent.
        let _ = net::run("nft", &["delete", "table", "inet", &table()]);
        Call::read().forward().finish()
    }
    break_after_add(|_, result| {
        let mut rules = String::new();
        for a in net::addresses(result) {
            let fam = if a.ip.contains(':') { "ip6" } else { "ip" };
            rules += &format!("{fam} saddr {} drop; ", a.ip);
        }
        let script = format!(
            "table inet {t} {{\n\
             chain input {{ type filter hook input priority 0; policy accept; {rules}}}\n\
             chain forward {{ type filter hook forward priority 0; policy accept; {rules}}}\n}}\n",
            t = table()
        );
        net::run_with_input("nft", &["-f", "-"], Some(&script)).map(drop)
    })
}
