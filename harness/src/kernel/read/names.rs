//! Small decoders both the link reader and the other readers use: ifindex
//! to name, MAC bytes to text, netlink flag names to snake case.

use std::collections::HashMap;

/// Names by ifindex, for this namespace only.
pub(super) type Names = HashMap<u32, String>;

/// An index that names no link here (it may have just vanished) is shown as
/// `if<N>`, like `ip` does.
pub(super) fn name_of(names: &Names, index: u32) -> String {
    names
        .get(&index)
        .cloned()
        .unwrap_or_else(|| format!("if{index}"))
}

pub(super) fn mac_string(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `LowerUp` → `lower_up`.
pub(super) fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
