//! Removing what an ADD made outside the container's interfaces, addresses
//! and routes (CHECK-4's "untracked resources"): a firewall rule, chain or
//! table, a node route, a sysctl it changed, a queueing discipline, a file.
//! Tools run as children of a thread inside the node namespace; their
//! arguments come from the snapshot's own dump lines, split without a
//! shell (a rule's comment is the plugin's text, never run).

use std::io;
use std::path::Path;
use std::process::Command;

use super::Netns;
use crate::result::Cidr;

fn tool(ns: &Netns, program: &str, args: &[String]) -> io::Result<()> {
    let out = ns.run(|| Command::new(program).args(args).output())??;
    if out.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Split an `iptables-save` rule the way a POSIX shell would split its
/// double-quoted words (what iptables-save prints for comments).
pub fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Delete one firewall object from a snapshot line: `TOOL LINE` as the
/// kernel snapshot keys it (`iptables-save nat: -A CHAIN ...`, `nft table
/// inet t`, `nft table inet t / chain c`). Other nft lines (single rules
/// need handles) are declined.
pub fn remove_firewall(ns: &Netns, key: &str) -> io::Result<()> {
    let declined = || io::Error::new(io::ErrorKind::Unsupported, format!("cannot remove {key}"));
    let (dump, line) = key.split_once(' ').ok_or_else(declined)?;
    match dump {
        "iptables-save" | "ip6tables-save" => {
            let program = dump.trim_end_matches("-save");
            let (table, rule) = line.split_once(": ").ok_or_else(declined)?;
            let mut words = split_words(rule);
            if words.first().map(String::as_str) != Some("-A") {
                return Err(declined());
            }
            words[0] = "-D".into();
            let mut args = vec!["-w".to_string(), "-t".into(), table.into()];
            args.extend(words);
            tool(ns, program, &args)
        }
        "nft" => {
            let parts: Vec<&str> = line.split(" / ").collect();
            let table: Vec<String> = parts[0]
                .strip_prefix("table ")
                .ok_or_else(declined)?
                .split_whitespace()
                .map(String::from)
                .collect();
            match parts.as_slice() {
                [_] => {
                    let mut args = vec!["delete".to_string(), "table".into()];
                    args.extend(table);
                    tool(ns, "nft", &args)
                }
                [_, chain] if !chain.contains(':') => {
                    let name = chain.strip_prefix("chain ").ok_or_else(declined)?;
                    let mut args = vec!["flush".to_string(), "chain".into()];
                    args.extend(table);
                    args.push(name.trim().into());
                    tool(ns, "nft", &args)
                }
                _ => Err(declined()),
            }
        }
        _ => Err(declined()),
    }
}

/// Delete every route to exactly `dst`, in any table.
pub fn remove_route(ns: &Netns, dst: Cidr) -> io::Result<()> {
    super::ops::del_routes_to(ns, dst).map(drop)
}

/// Set a sysctl (`net.ipv4.ip_forward`) in `ns` back to `value`.
pub fn set_sysctl(ns: &Netns, name: &str, value: &str) -> io::Result<()> {
    if name.contains("..") || name.contains('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("bad sysctl {name}"),
        ));
    }
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    let value = value.to_string();
    ns.run(move || std::fs::write(path, value))?
}

/// Delete the queueing discipline on `link` at `parent` (`root`, `ingress`).
pub fn remove_qdisc(ns: &Netns, link: &str, parent: &str) -> io::Result<()> {
    let at = match parent {
        "root" => "root".to_string(),
        p if p.starts_with("ffff:") || p == "ingress" => "ingress".to_string(),
        p => format!("parent {p}"),
    };
    let mut args = vec!["qdisc".to_string(), "del".into(), "dev".into(), link.into()];
    args.extend(at.split(' ').map(String::from));
    tool(ns, "tc", &args)
}

/// Delete a file (or directory) the plugin wrote, at its real path.
pub fn remove_file(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn saved_rules_split_like_a_shell_without_running_one() {
        assert_eq!(
            split_words(
                r#"-A CNI-x -d 10.0.0.0/24 -m comment --comment "name: \"n\" id: \"$(reboot)\"" -j ACCEPT"#
            ),
            [
                "-A",
                "CNI-x",
                "-d",
                "10.0.0.0/24",
                "-m",
                "comment",
                "--comment",
                r#"name: "n" id: "$(reboot)""#,
                "-j",
                "ACCEPT"
            ]
        );
    }
}
