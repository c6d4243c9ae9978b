//! Differences between two snapshots, object by object.
//!
//! Objects are matched by stable identities: links by name and kind,
//! addresses by link name and CIDR, routes by table, type, destination,
//! source, device and metric, and so on; never by ifindex. Counters and
//! kernel noise are left out (see `items`). The result is a sorted list that
//! reads one line per object:
//!
//! ```text
//! + node link veth1a2b3c (veth) master cni0 mtu 1500
//! ~ node sysctl net.ipv4.ip_forward 0 -> 1
//! - container addr eth0 10.22.0.5/16
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::class::Class;
use super::files::FilesSnapshot;
use super::items::{self, Item};
use super::model::NsSnapshot;
use super::object::Object;
use super::SandboxSnapshot;

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Node,
    Container,
    Files,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One object that differs between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Change {
    pub side: Side,
    pub class: Class,
    /// The object's identity, e.g. `veth1a2b3c (veth)` or `eth0 10.22.0.5/16`.
    pub key: String,
    pub kind: ChangeKind,
    /// Added/removed: the object's attributes. Changed: `field old -> new`.
    pub detail: String,
    /// What the object is, for judgements.
    #[serde(default)]
    pub object: Object,
}

impl Change {
    /// The line's whole text, for matching names and addresses in it.
    pub fn text(&self) -> String {
        format!("{} {}", self.key, self.detail)
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Node => "node",
            Side::Container => "container",
            Side::Files => "files",
        })
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        write!(f, "{sign} {} {} {}", self.side, self.class, self.key)?;
        if !self.detail.is_empty() {
            write!(f, " {}", self.detail)?;
        }
        Ok(())
    }
}

/// One line per change.
pub fn render(changes: &[Change]) -> String {
    changes.iter().map(|c| format!("{c}\n")).collect()
}

/// Differences between two snapshots of one namespace.
pub fn diff(side: Side, before: &NsSnapshot, after: &NsSnapshot) -> Vec<Change> {
    let mut out = Vec::new();
    compare(side, &items::links(before), &items::links(after), &mut out);
    compare(
        side,
        &items::addresses(before),
        &items::addresses(after),
        &mut out,
    );
    compare(
        side,
        &items::routes(before),
        &items::routes(after),
        &mut out,
    );
    compare(side, &items::rules(before), &items::rules(after), &mut out);
    compare(
        side,
        &items::neighbours(before),
        &items::neighbours(after),
        &mut out,
    );
    let (sys_before, sys_after) = items::sysctls(before, after);
    compare(side, &sys_before, &sys_after, &mut out);
    compare(
        side,
        &items::qdiscs(before),
        &items::qdiscs(after),
        &mut out,
    );
    // Without a dump on both sides there is nothing to say about the firewall.
    if before.firewall.is_some() && after.firewall.is_some() {
        compare(
            side,
            &items::firewall(before),
            &items::firewall(after),
            &mut out,
        );
    }
    out.sort();
    out
}

/// Differences between two snapshots of the state directories.
pub fn diff_files(before: &FilesSnapshot, after: &FilesSnapshot) -> Vec<Change> {
    let mut out = Vec::new();
    compare(
        Side::Files,
        &items::files(before),
        &items::files(after),
        &mut out,
    );
    out.sort();
    out
}

/// Node, container and files together; a container namespace that appeared
/// or vanished is one change, not a list of everything in it.
pub fn diff_sandbox(before: &SandboxSnapshot, after: &SandboxSnapshot) -> Vec<Change> {
    let mut out = diff(Side::Node, &before.node, &after.node);
    match (&before.container, &after.container) {
        (Some(b), Some(a)) => out.extend(diff(Side::Container, b, a)),
        (Some(_), None) | (None, Some(_)) => out.push(Change {
            side: Side::Container,
            class: Class::Netns,
            key: "namespace".into(),
            kind: if after.container.is_some() {
                ChangeKind::Added
            } else {
                ChangeKind::Removed
            },
            detail: String::new(),
            object: Object::Other,
        }),
        (None, None) => {}
    }
    out.extend(diff_files(&before.files, &after.files));
    // Plugins run in the node namespace: what they leave running is the node's.
    compare(
        Side::Node,
        &items::processes(&before.processes),
        &items::processes(&after.processes),
        &mut out,
    );
    out.sort();
    out
}

/// Match two lists of one class by key and record what differs.
fn compare(side: Side, before: &[Item], after: &[Item], out: &mut Vec<Change>) {
    let before = keyed(before);
    let after = keyed(after);
    for (key, b) in &before {
        match after.get(key) {
            None => out.push(change(side, b, key, ChangeKind::Removed, b.describe())),
            Some(a) => {
                let delta = b.delta(a);
                if !delta.is_empty() {
                    out.push(change(side, a, key, ChangeKind::Changed, delta));
                }
            }
        }
    }
    for (key, a) in &after {
        if !before.contains_key(key) {
            out.push(change(side, a, key, ChangeKind::Added, a.describe()));
        }
    }
}

fn change(side: Side, item: &Item, key: &str, kind: ChangeKind, detail: String) -> Change {
    Change {
        side,
        class: item.class,
        key: key.to_string(),
        kind,
        detail,
        object: item.object.clone(),
    }
}

/// Index by key; a key seen again (two identical firewall rules) gets `#2`,
/// so multisets compare by count.
fn keyed(items: &[Item]) -> BTreeMap<String, &Item> {
    let mut map = BTreeMap::new();
    for item in items {
        let mut key = item.key.clone();
        let mut n = 1;
        while map.contains_key(&key) {
            n += 1;
            key = format!("{} #{n}", item.key);
        }
        map.insert(key, item);
    }
    map
}

/// Every object the diff would compare, for counting.
pub fn inventory(snap: &SandboxSnapshot) -> Vec<(Side, Class, Object)> {
    let mut out = Vec::new();
    let mut ns = |side: Side, s: &NsSnapshot| {
        let (sysctls, _) = items::sysctls(s, s);
        let lists = [
            items::links(s),
            items::addresses(s),
            items::routes(s),
            items::rules(s),
            items::neighbours(s),
            sysctls,
            items::qdiscs(s),
            items::firewall(s),
        ];
        out.extend(
            lists
                .into_iter()
                .flatten()
                .map(|i| (side, i.class, i.object)),
        );
    };
    ns(Side::Node, &snap.node);
    if let Some(c) = &snap.container {
        ns(Side::Container, c);
    }
    out.extend(
        items::files(&snap.files)
            .into_iter()
            .map(|i| (Side::Files, i.class, i.object)),
    );
    out.extend(
        items::processes(&snap.processes)
            .into_iter()
            .map(|i| (Side::Node, i.class, i.object)),
    );
    out
}

#[cfg(test)]
mod tests;
