//! What ADD left behind after DEL.
//!
//! SPEC.md ("DEL"): a plugin must release every resource it allocated for
//! the attachment; network-wide state shared by attachments (a bridge, IPAM
//! bookkeeping, forwarding sysctls) may stay. The residue of an ADD/DEL
//! cycle (baseline → after DEL) is split accordingly:
//! - *leak*: anything naming the attachment (container ID, its addresses, its
//!   host-side interfaces), any veth left on the node, anything in the
//!   container namespace, and anything referring to those leaked links;
//! - *kept*: the rest, reported as information;
//! - *lost*: baseline state that DEL removed.
//!
//! Across many cycles, [`growth`] flags any kind of object whose count rises
//! after every DEL, which catches leaks that name nothing recognisable.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::kernel::{diff_sandbox, inventory, Change, ChangeKind, Class, SandboxSnapshot, Side};
use crate::result::CniResult;

use super::Finding;

/// Requirement ids this oracle cites.
pub mod ids {
    /// DEL releases every per-attachment resource ADD created.
    pub const RELEASED: &str = "DEL-RELEASE";
    /// Repeated ADD/DEL cycles do not accumulate state.
    pub const NO_GROWTH: &str = "DEL-NO-GROWTH";
    /// DEL leaves state that predates the ADD alone.
    pub const PREEXISTING: &str = "DEL-PREEXISTING";
    /// Network-scoped state kept after DEL (informational).
    pub const KEPT: &str = "DEL-KEPT";
}

/// What identifies one attachment in leftovers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub container_id: String,
    pub ifname: String,
    /// Addresses from the ADD result (without prefix).
    pub addresses: Vec<IpAddr>,
    /// Host-side interface names from the ADD result (no `sandbox`).
    pub host_interfaces: Vec<String>,
}

impl Attachment {
    pub fn from_result(container_id: &str, ifname: &str, result: &CniResult) -> Attachment {
        Attachment {
            container_id: container_id.to_string(),
            ifname: ifname.to_string(),
            addresses: result.addresses(),
            host_interfaces: result
                .interfaces
                .iter()
                .filter(|i| i.sandbox.is_none())
                .map(|i| i.name.clone())
                .collect(),
        }
    }

    fn needles(&self) -> Vec<String> {
        let mut n = vec![self.container_id.clone()];
        n.extend(self.addresses.iter().map(IpAddr::to_string));
        n.extend(self.host_interfaces.iter().cloned());
        n.retain(|s| !s.is_empty());
        n
    }
}

/// Link kinds that serve a whole network rather than one attachment.
const SHARED_KINDS: [&str; 2] = ["bridge", "vxlan"];

/// The residue of one ADD/DEL cycle, classified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeakReport {
    pub leaks: Vec<Change>,
    pub kept: Vec<Change>,
    pub lost: Vec<Change>,
    /// Network-scoped state that ADD did not make but DEL did: odd, not a leak.
    pub made_by_del: Vec<Change>,
}

impl LeakReport {
    pub fn findings(&self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .leaks
            .iter()
            .map(|c| Finding::error(ids::RELEASED, format!("left after DEL: {c}")))
            .collect();
        out.extend(self.lost.iter().map(|c| {
            Finding::warning(
                ids::PREEXISTING,
                format!("gone after DEL though present before ADD: {c}"),
            )
        }));
        out.extend(
            self.made_by_del
                .iter()
                .map(|c| Finding::warning(ids::PREEXISTING, format!("made by DEL itself: {c}"))),
        );
        out.extend(
            self.kept
                .iter()
                .map(|c| Finding::info(ids::KEPT, format!("network state kept: {c}"))),
        );
        out
    }
}

/// Classify what `after_del` has that `baseline` had not. `after_add` tells
/// which leftovers ADD made (the rest appeared during DEL itself: still
/// residue, classified the same way).
pub fn leaks(
    baseline: &SandboxSnapshot,
    after_add: &SandboxSnapshot,
    after_del: &SandboxSnapshot,
    att: &Attachment,
) -> LeakReport {
    let made_by_add = diff_sandbox(baseline, after_add);
    classify(
        diff_sandbox(baseline, after_del),
        &made_by_add,
        after_add,
        att,
    )
}

/// [`leaks`] from the diffs already taken: `residue` from the baseline to
/// after DEL, `made_by_add` from the baseline to after ADD (the fuzzer,
/// which takes no snapshot after ADD, passes the residue for both).
pub fn classify(
    residue: Vec<Change>,
    made_by_add: &[Change],
    after_add: &SandboxSnapshot,
    att: &Attachment,
) -> LeakReport {
    // A bridge is reported among the result's interfaces yet shared by every
    // attachment of the network: it does not identify this one.
    let shared = |name: &String| {
        after_add
            .node
            .links
            .iter()
            .any(|l| &l.name == name && SHARED_KINDS.contains(&l.kind.as_str()))
    };
    let mut needles: Vec<String> = att.needles().into_iter().filter(|n| !shared(n)).collect();
    let made_by_add: Vec<&str> = made_by_add
        .iter()
        .filter(|c| c.kind != ChangeKind::Removed)
        .map(|c| c.key.as_str())
        .collect();
    let mut report = LeakReport::default();
    let mut undecided = Vec::new();
    for c in residue {
        if c.class == Class::Netns {
            continue; // the container namespace's lifetime is the runtime's business
        }
        if c.kind == ChangeKind::Removed {
            report.lost.push(c);
        } else if c.side == Side::Container || names_attachment(&c, &needles, &att.container_id) {
            report.leaks.push(c);
        } else if c.class == Class::Link && c.key.ends_with("(veth)") && c.kind == ChangeKind::Added
        {
            // One end of a veth pair per attachment: never shared state.
            if let Some(name) = c.key.split(' ').next() {
                needles.push(name.to_string());
            }
            report.leaks.push(c);
        } else {
            undecided.push(c);
        }
    }
    // Routes, addresses, qdiscs on a leaked link are part of the leak.
    for c in undecided {
        if names_attachment(&c, &needles, &att.container_id) {
            report.leaks.push(c);
        } else {
            if made_by_add.contains(&c.key.as_str()) {
                report.kept.push(c);
            } else {
                report.made_by_del.push(c);
            }
        }
    }
    report.leaks.sort();
    report
}

/// Whether `needle` occurs in `text` as a whole word (so `10.0.0.5` does not
/// match `10.0.0.50`, nor `veth1` match `veth12`).
fn mentions(text: &str, needle: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-');
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Whether a change names the attachment. A state file counts when its path
/// names any of it (the container ID also inside a longer name, as in
/// libcni's `NETWORK-CONTAINERID-IFNAME` cache files), or its content names
/// the container: bookkeeping such as host-local's `last_reserved_ip.0`
/// legitimately keeps remembering an address after it is released.
fn names_attachment(c: &Change, needles: &[String], container_id: &str) -> bool {
    if c.class != Class::File {
        return mentions_any(&c.text(), needles);
    }
    let id_in_path = !container_id.is_empty() && c.key.contains(container_id);
    id_in_path
        || mentions_any(&c.key, needles)
        || (!container_id.is_empty() && mentions(&c.detail, container_id))
}

fn mentions_any(text: &str, needles: &[String]) -> bool {
    needles.iter().any(|n| mentions(text, n))
}

/// Counts that rise after every DEL. Pass the baseline and then the snapshot
/// after each cycle's DEL; at least three snapshots are needed to speak of a
/// trend (fewer give no findings).
pub fn growth(snapshots: &[SandboxSnapshot]) -> Vec<Finding> {
    if snapshots.len() < 3 {
        return Vec::new();
    }
    let counts: Vec<BTreeMap<String, usize>> = snapshots.iter().map(counts).collect();
    let mut groups: Vec<&String> = counts.iter().flat_map(|c| c.keys()).collect();
    groups.sort();
    groups.dedup();
    let mut out = Vec::new();
    for g in groups {
        let series: Vec<usize> = counts
            .iter()
            .map(|c| c.get(g).copied().unwrap_or(0))
            .collect();
        if series.windows(2).all(|w| w[1] > w[0]) {
            out.push(Finding::error(
                ids::NO_GROWTH,
                format!("{g} grows with every ADD/DEL cycle: {series:?}"),
            ));
        }
    }
    out
}

/// Objects per kind: links by kind, routes by table, firewall rules by chain,
/// files by directory; and each file's size.
fn counts(snap: &SandboxSnapshot) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (side, class, key) in inventory(snap) {
        let group = match class {
            Class::Link => key.rsplit(' ').next().unwrap_or_default().to_string(),
            // The table: `main ...` or `table 100 ...`.
            Class::Route => {
                let words = if key.starts_with("table ") { 2 } else { 1 };
                key.split(' ').take(words).collect::<Vec<_>>().join(" ")
            }
            Class::Firewall => key.split(": ").next().unwrap_or_default().to_string(),
            Class::File => std::path::Path::new(&key)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        *out.entry(format!("{side} {class}s {group}").trim_end().to_string())
            .or_insert(0) += 1;
    }
    // A file appended to on every ADD (a log of attachments) grows too.
    for e in &snap.files.entries {
        if e.kind == crate::kernel::FileKind::File {
            out.insert(
                format!("size of file {}", e.path.display()),
                e.size as usize,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("eth0 10.0.0.5/24", "10.0.0.5"));
        assert!(!mentions("eth0 10.0.0.50/24", "10.0.0.5"));
        assert!(!mentions("veth12 (veth)", "veth1"));
        assert!(mentions("\"abc123\\r\\neth0\"", "abc123"));
        assert!(mentions(
            "/var/lib/cni/networks/n/10.0.0.5 file",
            "10.0.0.5"
        ));
    }
}
