//! Firewall rules for `ipMasq` and `macspoofchk`, through the `nft` command
//! (only run when one of those options is on). Every rule carries a comment
//! naming its attachment so DEL and GC remove exactly that attachment's rules.

use std::io::Write;
use std::process::{Command, Stdio};

use cni_plugin_kit::{CniError, ErrorCode, IpNet};
use serde_json::Value;

/// One table per family we use, created on demand, never shared with others.
const TABLE: &str = "cni_ref_bridge";
const TAG_PREFIX: &str = "cni-ref ";

/// The rule comment for an attachment. The container id is already limited
/// to `[A-Za-z0-9_.-]`; an ifname with other characters is hex-encoded so the
/// comment never needs quoting.
pub fn tag(container_id: &str, ifname: &str) -> String {
    let plain = ifname
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c));
    let ifname = if plain {
        ifname.to_string()
    } else {
        ifname.bytes().map(|b| format!("{b:02x}")).collect()
    };
    format!("{TAG_PREFIX}{container_id} {ifname}")
}

/// Masquerade traffic from each container address leaving its own subnet.
pub fn add_masquerade(tag: &str, ips: &[IpNet]) -> Result<(), CniError> {
    let mut script = format!(
        "table inet {TABLE} {{ chain postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}; }}\n"
    );
    for ip in ips {
        let (fam, mcast) = if ip.is_ipv4() {
            ("ip", "224.0.0.0/4")
        } else {
            ("ip6", "ff00::/8")
        };
        script.push_str(&format!(
            "add rule inet {TABLE} postrouting {fam} saddr {} {fam} daddr != {} {fam} daddr != {mcast} masquerade comment \"{tag}\"\n",
            ip.addr(),
            ip.network()
        ));
    }
    run(&script)
}

/// Drop frames entering from the container's port with another source MAC.
pub fn add_mac_spoof_check(tag: &str, host_veth: &str, mac: &str) -> Result<(), CniError> {
    run(&format!(
        "table bridge {TABLE} {{ chain prerouting {{ type filter hook prerouting priority -300; policy accept; }}; }}\n\
         add rule bridge {TABLE} prerouting iifname \"{host_veth}\" ether saddr != {mac} drop comment \"{tag}\"\n"
    ))
}

/// Delete every rule of ours whose comment `keep` rejects. Missing tables
/// mean there is nothing to remove.
pub fn remove_where(remove: impl Fn(&str) -> bool) -> Result<(), CniError> {
    let out = Command::new("nft")
        .args(["-j", "list", "ruleset"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| CniError::new(ErrorCode::Firewall, format!("running nft: {e}")))?;
    if !out.status.success() {
        return Err(CniError::new(
            ErrorCode::Firewall,
            "nft list ruleset failed",
        ));
    }
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        CniError::new(
            ErrorCode::Firewall,
            format!("nft printed unreadable JSON: {e}"),
        )
    })?;
    let mut script = String::new();
    for item in json
        .get("nftables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(rule) = item.get("rule") else {
            continue;
        };
        let field = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        let comment = field("comment");
        if field("table") != TABLE || !comment.starts_with(TAG_PREFIX) || !remove(comment) {
            continue;
        }
        if let Some(handle) = rule.get("handle").and_then(Value::as_u64) {
            script.push_str(&format!(
                "delete rule {} {TABLE} {} handle {handle}\n",
                field("family"),
                field("chain")
            ));
        }
    }
    if script.is_empty() {
        return Ok(());
    }
    run(&script)
}

fn run(script: &str) -> Result<(), CniError> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CniError::new(ErrorCode::Firewall, format!("running nft: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(script.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| CniError::new(ErrorCode::Firewall, format!("running nft: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(CniError::new(
            ErrorCode::Firewall,
            format!(
                "nft refused the rules: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_never_need_quoting() {
        assert_eq!(tag("abc", "eth0"), "cni-ref abc eth0");
        assert_eq!(tag("abc", "a\"b"), "cni-ref abc 612262");
    }
}
