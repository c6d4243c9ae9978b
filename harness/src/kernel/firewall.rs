//! Firewall rulesets, dumped by the distribution's tools and normalised into
//! comparable lines: counters removed, every rule prefixed with its table and
//! chain so that a line means the same thing wherever it appears.
//!
//! The tools run as children of the calling thread, so they see that
//! thread's network namespace.

use std::collections::BTreeMap;
use std::io;
use std::process::{Command, Stdio};

use super::model::FirewallDump;

/// A dump tool: its key in the snapshot, its command line, its normaliser.
type Tool = (
    &'static str,
    &'static [&'static str],
    fn(&str) -> Vec<String>,
);

/// Dump with every tool that exists here: `nft`, `iptables-save`, `ip6tables-save`.
/// The three run at once: each is a process start and a netlink dump,
/// mostly waiting, and a snapshot is on every case's path.
pub(crate) fn dump() -> BTreeMap<String, FirewallDump> {
    let tools: [Tool; 3] = [
        ("nft", &["nft", "list", "ruleset"], normalise_nft),
        ("iptables-save", &["iptables-save"], normalise_iptables),
        ("ip6tables-save", &["ip6tables-save"], normalise_iptables),
    ];
    let started: Vec<_> = tools
        .iter()
        .map(|(name, argv, normalise)| (*name, *argv, *normalise, start(argv)))
        .collect();
    started
        .into_iter()
        .map(|(name, argv, normalise, child)| (name.to_string(), finish(argv, child, normalise)))
        .collect()
}

fn start(argv: &[&str]) -> io::Result<std::process::Child> {
    Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn finish(
    argv: &[&str],
    child: io::Result<std::process::Child>,
    normalise: fn(&str) -> Vec<String>,
) -> FirewallDump {
    match child.and_then(|c| c.wait_with_output()) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => FirewallDump::Missing,
        Err(e) => FirewallDump::Failed(format!("{}: {e}", argv[0])),
        Ok(o) if !o.status.success() => FirewallDump::Failed(format!(
            "{} exited with {}: {}",
            argv.join(" "),
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(o) => FirewallDump::Rules(normalise(&String::from_utf8_lossy(&o.stdout))),
    }
}

/// `nft list ruleset` text: blocks opened by `... {`, closed by `}`.
pub(crate) fn normalise_nft(text: &str) -> Vec<String> {
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line == "}" {
            path.pop();
        } else if let Some(head) = line.strip_suffix('{') {
            path.push(head.trim().to_string());
            out.push(path.join(" / "));
        } else {
            out.push(format!("{}: {}", path.join(" / "), strip_counters(line)));
        }
    }
    out
}

/// `packets N bytes M` changes with traffic; the rule stays the same rule.
fn strip_counters(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let is_num = |j: usize| {
            words
                .get(j)
                .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
        };
        if words[i] == "packets"
            && is_num(i + 1)
            && words.get(i + 2) == Some(&"bytes")
            && is_num(i + 3)
        {
            i += 4;
        } else {
            out.push(words[i]);
            i += 1;
        }
    }
    out.join(" ")
}

/// `iptables-save` text: `*table`, `:CHAIN POLICY [p:b]`, `-A ...`, `COMMIT`.
pub(crate) fn normalise_iptables(text: &str) -> Vec<String> {
    let mut table = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line == "COMMIT" {
            continue;
        }
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
        } else if let Some(chain) = line.strip_prefix(':') {
            let chain = match chain.rsplit_once(' ') {
                Some((head, counters)) if counters.starts_with('[') => head,
                _ => chain,
            };
            out.push(format!("{table}: chain {chain}"));
        } else {
            out.push(format!("{table}: {line}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nft_lines_carry_their_chain_and_lose_counters() {
        let text = "table inet filter {\n\tchain fwd {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\tip saddr 10.0.0.5 counter packets 3 bytes 180 accept\n\t}\n}\n";
        assert_eq!(
            normalise_nft(text),
            [
                "table inet filter",
                "table inet filter / chain fwd",
                "table inet filter / chain fwd: type filter hook forward priority filter; policy accept;",
                "table inet filter / chain fwd: ip saddr 10.0.0.5 counter accept",
            ]
        );
    }

    #[test]
    fn iptables_lines_carry_their_table() {
        let text = "# Generated by iptables-save v1.8.9 on Sun\n*nat\n:POSTROUTING ACCEPT [0:0]\n:CNI-abc - [0:0]\n-A POSTROUTING -s 10.0.0.5/32 -j CNI-abc\nCOMMIT\n";
        assert_eq!(
            normalise_iptables(text),
            [
                "nat: chain POSTROUTING ACCEPT",
                "nat: chain CNI-abc -",
                "nat: -A POSTROUTING -s 10.0.0.5/32 -j CNI-abc"
            ]
        );
    }
}
