//! `cni-flaky-fwleak`: a no-op plugin that keeps one nftables chain per
//! attachment in the node namespace (a rule commented with the container
//! ID, as masquerading plugins do) and removes it on DEL, except when `mtu`
//! is above 9000: then its DEL succeeds and leaves the chain behind. Only a
//! fuzzer that snapshots the firewall (`--firewall`) can see that leak.
//! See `flaky_common`.

#[path = "flaky_common/mod.rs"]
mod flaky_common;

use std::process::Command;

const NFT: &str = "/usr/sbin/nft";
const TABLE: &str = "inet cnih_flaky";

fn main() {
    flaky_common::main_with(|conf| {
        let id = std::env::var("CNI_CONTAINERID").unwrap_or_default();
        // One chain per attachment; its name may hold only word characters.
        let chain: String = id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if chain.is_empty() {
            return;
        }
        let script = match std::env::var("CNI_COMMAND").as_deref() {
            Ok("ADD") => format!(
                "add table {TABLE}\nadd chain {TABLE} c_{chain}\n\
                 add rule {TABLE} c_{chain} counter comment \"{id}\"\n"
            ),
            Ok("DEL") => {
                let huge_mtu = conf
                    .get("mtu")
                    .and_then(serde_json::Value::as_f64)
                    .is_some_and(|m| m > 9000.0);
                if huge_mtu {
                    return; // the defect: this path forgets the rule
                }
                format!("add table {TABLE}\nflush chain {TABLE} c_{chain}\ndelete chain {TABLE} c_{chain}\n")
            }
            _ => return,
        };
        // DEL of a chain that was never made fails in nft: nothing to remove.
        let _ = nft(&script);
    })
}

/// Run an nft script as one transaction.
fn nft(script: &str) -> std::io::Result<std::process::ExitStatus> {
    use std::io::Write;
    let mut child = Command::new(NFT)
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(script.as_bytes())?;
    }
    child.wait()
}
