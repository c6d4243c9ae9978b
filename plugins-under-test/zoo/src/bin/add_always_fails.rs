//! Defect: every ADD fails, the way a plugin fails that hands the
//! `CNI_NETNS` path to `ip -n` (which takes a namespace name). Caught by the
//! baseline: its failure is reported once and the cases needing a working
//! ADD are blocked by it, not failed one by one.

use cni_zoo::Call;

/// CNI error code for an I/O failure of the plugin itself.
const IO_FAILURE: u32 = 5;

fn main() {
    let call = Call::read();
    if call.verb != "ADD" {
        call.forward().finish()
    }
    let netns = std::env::var("CNI_NETNS").unwrap_or_default();
    eprintln!("Cannot open network namespace \"{netns}\": No such file or directory");
    println!(
        "{}",
        serde_json::json!({
            "cniVersion": call.version_or_default(),
            "code": IO_FAILURE,
            "msg": format!("ip -n {netns} link add: exit status 1"),
        })
    );
    std::process::exit(1)
}
