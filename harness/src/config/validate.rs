//! Checks on values a profile hands to the harness itself (not to the
//! plugin): interface names the harness creates or passes as `CNI_IFNAME`,
//! link kinds it probes the kernel for, directories it searches. Each error
//! names the field, so a bad profile stops before any case runs instead of
//! making every case fail in the same obscure way.

use std::path::Path;

/// Longest interface name the kernel takes (IFNAMSIZ is 16 with the NUL).
pub const IFNAME_MAX_BYTES: usize = 15;

/// Link kinds `ip link add ... type KIND` knows, as the kernel names them.
/// Anything else in `needs.linkKinds` is a typo, not a kernel to probe.
pub const KNOWN_LINK_KINDS: [&str; 30] = [
    "bareudp",
    "bond",
    "bridge",
    "dummy",
    "erspan",
    "geneve",
    "gre",
    "gretap",
    "hsr",
    "ifb",
    "ip6erspan",
    "ip6gre",
    "ip6gretap",
    "ip6tnl",
    "ipip",
    "ipvlan",
    "ipvtap",
    "macsec",
    "macvlan",
    "macvtap",
    "netkit",
    "nlmon",
    "sit",
    "team",
    "vcan",
    "veth",
    "vlan",
    "vrf",
    "vxlan",
    "wireguard",
];

/// Why an interface name is one the kernel refuses (its `dev_valid_name`:
/// 1 to 15 bytes, not `.` or `..`, no `/`, `:`, whitespace or NUL), or `None`.
pub fn ifname_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.len() > IFNAME_MAX_BYTES {
        return Some(format!(
            "is {} bytes long ({} characters); the kernel takes at most {IFNAME_MAX_BYTES} bytes",
            name.len(),
            name.chars().count()
        ));
    }
    if name == "." || name == ".." {
        return Some("is `.` or `..`".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| *c == '/' || *c == ':' || *c == '\0' || c.is_whitespace())
    {
        return Some(format!(
            "contains {c:?}, which the kernel refuses in interface names"
        ));
    }
    None
}

/// Why `kind` is not a link kind the harness can probe, or `None`.
pub fn link_kind_problem(kind: &str) -> Option<String> {
    if KNOWN_LINK_KINDS.contains(&kind) {
        None
    } else {
        Some(format!(
            "{kind:?} is not a known link kind (one of {})",
            KNOWN_LINK_KINDS.join(", ")
        ))
    }
}

/// Why a plugin directory is unusable as written, or `None`. Relative
/// directories would depend on where the harness happens to be started.
pub fn dir_problem(dir: &Path) -> Option<String> {
    let text = dir.as_os_str();
    if text.is_empty() {
        return Some("is empty".into());
    }
    if text.as_encoded_bytes().contains(&0) {
        return Some("contains a NUL byte".into());
    }
    if !dir.is_absolute() {
        return Some(format!("{} is not an absolute path", dir.display()));
    }
    None
}

/// libcni refuses networks whose name is not `[A-Za-z0-9][A-Za-z0-9_.-]*`
/// (the name becomes part of file names in its cache and IPAM stores).
pub fn network_name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok {
        None
    } else {
        Some(format!(
            "{name:?} is not a valid network name (libcni takes [A-Za-z0-9][A-Za-z0-9_.-]*)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_as_the_kernel_takes_them() {
        for ok in ["eth0", "lo", "net1", "abcdefghijklmno", "abcdefghijklmé"] {
            assert_eq!(ifname_problem(ok), None, "{ok}");
        }
        // 16 bytes, with a two-byte character across byte 14.
        let long = ifname_problem("abcdefghijklmö1").expect("too long");
        assert!(long.contains("16 bytes"), "{long}");
        for bad in ["", ".", "..", "a/b", "a:b", "a b", "a\tb", "a\0b"] {
            assert!(ifname_problem(bad).is_some(), "{bad:?} accepted");
        }
    }

    #[test]
    fn link_kinds_and_dirs() {
        assert_eq!(link_kind_problem("macvlan"), None);
        assert!(link_kind_problem("macvlna").is_some());
        assert!(link_kind_problem("veth; rm -rf /").is_some());
        assert_eq!(dir_problem(Path::new("/usr/lib/cni")), None);
        assert!(dir_problem(Path::new("bin")).is_some());
        assert!(dir_problem(Path::new("")).is_some());
        assert_eq!(network_name_problem("cni-h0.x_1"), None);
        for bad in ["", "-x", "a/b", "a b", "é"] {
            assert!(network_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
