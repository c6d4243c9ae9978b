//! What the data-plane defects need to break an attachment after the
//! delegate made it: the `ip`, `nsenter` and `nft` tools (the plugin runs in
//! the node's namespace, the container's is `CNI_NETNS`), and reading the
//! addresses a result of any spec version reports.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// An address of the result, with its prefix length and gateway.
pub struct Addr {
    pub ip: String,
    pub prefix: String,
    pub gateway: Option<String>,
}

/// Every address a result reports (`ips` from 0.3.0, `ip4`/`ip6` before).
pub fn addresses(result: &Value) -> Vec<Addr> {
    let one = |ip: &Value, key: &str| -> Option<Addr> {
        let (addr, prefix) = ip.get(key)?.as_str()?.split_once('/')?;
        Some(Addr {
            ip: addr.to_string(),
            prefix: prefix.to_string(),
            gateway: ip.get("gateway").and_then(Value::as_str).map(String::from),
        })
    };
    match result.get("ips").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(|ip| one(ip, "address")).collect(),
        None => ["ip4", "ip6"]
            .iter()
            .filter_map(|k| result.get(*k))
            .filter_map(|ip| one(ip, "ip"))
            .collect(),
    }
}

/// Run a tool; its stderr is the error.
pub fn run(program: &str, args: &[&str]) -> Result<String, String> {
    run_with_input(program, args, None)
}

/// Run a tool with `input` on stdin.
pub fn run_with_input(program: &str, args: &[&str], input: Option<&str>) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = input {
            let _ = pipe.write_all(text.as_bytes());
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot wait for {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `ip` inside the container's namespace.
pub fn ip_in_container(netns: &str, args: &[&str]) -> Result<String, String> {
    let net = format!("--net={netns}");
    let mut full = vec![net.as_str(), "ip"];
    full.extend_from_slice(args);
    run("nsenter", &full)
}

/// The node-side end of the container interface's veth: the node link
/// whose index is the container interface's `link_index`.
pub fn host_veth(netns: &str, ifname: &str) -> Result<String, String> {
    let inside = ip_in_container(netns, &["-j", "link", "show", "dev", ifname])?;
    let peer = serde_json::from_str::<Value>(&inside)
        .ok()
        .and_then(|v| v.get(0)?.get("link_index")?.as_u64())
        .ok_or_else(|| format!("{ifname} in {netns} is not a veth with a peer elsewhere"))?;
    let node = run("ip", &["-j", "link", "show"])?;
    serde_json::from_str::<Value>(&node)
        .ok()
        .and_then(|v| {
            v.as_array()?
                .iter()
                .find(|l| l.get("ifindex").and_then(Value::as_u64) == Some(peer))?
                .get("ifname")?
                .as_str()
                .map(String::from)
        })
        .ok_or_else(|| format!("no node link has index {peer}"))
}
