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
//! Processes left running in the sandbox's process boundary are judged the
//! same way: after the DEL of the network's last attachment (every caller
//! but one judging with [`LeakIdentity::with_others_live`]) any process
//! still running is a leak, whatever it names; while other attachments of
//! the network live, one that does not name this attachment is
//! network-scoped (a dnsmasq per network) and only reported as kept.
//!
//! Across many cycles, [`growth`] flags any kind of object whose count rises
//! after every DEL, which catches leaks that name nothing recognisable.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;

use crate::kernel::{
    diff_sandbox, inventory, render, Change, ChangeKind, Class, Object, SandboxSnapshot, Side,
};
use crate::result::CniResult;

use super::Finding;

/// Requirement ids this judgement cites.
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
pub struct LeakIdentity {
    pub container_id: String,
    pub ifname: String,
    /// Addresses from the ADD result (without prefix).
    pub addresses: Vec<IpAddr>,
    /// Host-side interface names from the ADD result (no `sandbox`).
    pub host_interfaces: Vec<String>,
    /// Whether other attachments of the network are still added: processes
    /// that do not name this one are then the network's, not leaks.
    pub others_live: bool,
}

impl LeakIdentity {
    /// The attachment as its ADD result describes it.
    pub fn from_result(container_id: &str, ifname: &str, result: &CniResult) -> LeakIdentity {
        LeakIdentity {
            container_id: container_id.to_string(),
            ifname: ifname.to_string(),
            addresses: result.addresses(),
            host_interfaces: result
                .interfaces
                .iter()
                .filter(|i| i.sandbox.is_none())
                .map(|i| i.name.clone())
                .collect(),
            others_live: false,
        }
    }

    /// The same attachment, judged while other attachments of its network
    /// are still added.
    pub fn with_others_live(mut self) -> LeakIdentity {
        self.others_live = true;
        self
    }

    /// The attachment from what the runtime knows of it: its ADD result
    /// when there is a readable one, else the container ID and interface
    /// name alone (a failed ADD, or a result that does not normalise).
    pub fn for_attachment(
        container_id: &str,
        ifname: &str,
        add_result: Option<&Value>,
    ) -> LeakIdentity {
        match add_result.and_then(|r| crate::result::parse_value(r).ok()) {
            Some(parsed) => LeakIdentity::from_result(container_id, ifname, &parsed),
            None => LeakIdentity {
                container_id: container_id.to_string(),
                ifname: ifname.to_string(),
                addresses: Vec::new(),
                host_interfaces: Vec::new(),
                others_live: false,
            },
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
    /// Forget the removal of links the harness itself put in the container
    /// (and of anything on them): a case that pre-creates `CNI_IFNAME` to
    /// make ADD fail sees DEL remove that name, and the kernel its veth
    /// peer with it. No runtime puts an interface there first, so that
    /// removal says nothing about the plugin (DEL-PREEXISTING is about
    /// state the plugin found and had no business touching).
    pub fn forgive_fixture(&mut self, container_links: &[String]) {
        self.lost
            .retain(|c| !(c.side == Side::Container && mentions_any(&c.text(), container_links)));
    }

    pub fn findings(&self) -> Vec<Finding> {
        let mut out: Vec<Finding> = self.leaks.iter().map(leaked).collect();
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

/// The plugin whose DEL made `change` (a change between `before_del` and
/// after the whole DEL): the first of `steps` (each plugin's `type` with a
/// snapshot taken right after its DEL, in the order they ran) after which
/// the same object is changed the same way. `None` when no step shows it.
pub fn made_by(
    change: &Change,
    before_del: &SandboxSnapshot,
    steps: &[(String, SandboxSnapshot)],
) -> Option<String> {
    let mut prev = before_del;
    for (plugin, snap) in steps {
        let same = |c: &Change| {
            c.side == change.side
                && c.class == change.class
                && c.key == change.key
                && c.kind == change.kind
        };
        if diff_sandbox(prev, snap).iter().any(same) {
            return Some(plugin.clone());
        }
        prev = snap;
    }
    None
}

impl LeakReport {
    /// [`LeakReport::findings`], each naming the plugin whose DEL removed
    /// or made what it is about, when `steps` tells (see [`made_by`]).
    pub fn findings_attributed(
        &self,
        before_del: &SandboxSnapshot,
        steps: &[(String, SandboxSnapshot)],
    ) -> Vec<Finding> {
        if steps.is_empty() {
            return self.findings();
        }
        let mut out: Vec<Finding> = self.leaks.iter().map(leaked).collect();
        for c in &self.lost {
            let f = Finding::warning(
                ids::PREEXISTING,
                format!("gone after DEL though present before ADD: {c}"),
            );
            out.push(match made_by(c, before_del, steps) {
                Some(p) => f.by(p),
                None => f,
            });
        }
        for c in &self.made_by_del {
            let f = Finding::warning(ids::PREEXISTING, format!("made by DEL itself: {c}"));
            out.push(match made_by(c, before_del, steps) {
                Some(p) => f.by(p),
                None => f,
            });
        }
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
    att: &LeakIdentity,
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
    att: &LeakIdentity,
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
        if follows_ports(&c) {
            continue;
        }
        if c.kind == ChangeKind::Removed {
            report.lost.push(c);
        } else if c.class == Class::Process && c.kind == ChangeKind::Added {
            // A daemon still running once the network's last attachment is
            // gone serves nothing; one naming this attachment never did.
            if att.others_live && !names_attachment(&c, &needles, &att.container_id) {
                report.kept.push(c);
            } else {
                report.leaks.push(c);
            }
        } else if c.side == Side::Container || names_attachment(&c, &needles, &att.container_id) {
            report.leaks.push(c);
        } else if let (Some(name), ChangeKind::Added) = (added_veth(&c), c.kind) {
            // One end of a veth pair per attachment: never shared state.
            needles.push(name.to_string());
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

/// A shared link whose operational state alone changed: a bridge's follows
/// the carrier of its ports, which come and go with attachments, and the
/// kernel applies it up to a second late (linkwatch), so a snapshot taken
/// right after the last port went may still show it up. Whether the link
/// is administratively up is in its flags, judged as usual.
fn follows_ports(c: &Change) -> bool {
    c.kind == ChangeKind::Changed
        && matches!(&c.object, Object::Link { kind, .. } if SHARED_KINDS.contains(&kind.as_str()))
        && c.detail
            .split(", ")
            .all(|field| field.starts_with("state "))
}

/// The name of the veth a change is about, if it is about one.
fn added_veth(c: &Change) -> Option<&str> {
    match &c.object {
        Object::Link { name, kind } if kind == "veth" => Some(name),
        _ => None,
    }
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
    for (side, class, object) in inventory(snap) {
        let group = object.group();
        let plural = match class {
            Class::Process => "processes".to_string(),
            c => format!("{c}s"),
        };
        *out.entry(format!("{side} {plural} {group}").trim_end().to_string())
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

/// What a DEL left for the attachment, compared with the state before its
/// ADD: the fuzzer's view, which takes no snapshot after ADD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// Per-attachment objects still present.
    pub leaked: Vec<Change>,
    /// Whether the sandbox is as good as new (anything else left, even
    /// legitimate per-network state, makes the fuzzer start a fresh one).
    pub pristine: bool,
    /// The full readable diff, for findings.
    pub diff: String,
}

impl Leftovers {
    /// The leaks as one finding each (DEL-RELEASE).
    pub fn findings(&self) -> Vec<Finding> {
        self.leaked.iter().map(leaked).collect()
    }
}

fn leaked(c: &Change) -> Finding {
    Finding::error(ids::RELEASED, format!("left after DEL: {c}"))
        .expected("nothing of the attachment left after DEL")
        .actual(c.to_string())
}

/// What `after` has of the attachment that `before` had not. With no
/// snapshot after ADD, everything that is not a leak counts as kept.
pub fn after_del(
    before: &SandboxSnapshot,
    after: &SandboxSnapshot,
    att: &LeakIdentity,
) -> Leftovers {
    // The common case, a DEL that put everything back, costs one comparison.
    if before == after {
        return Leftovers {
            leaked: Vec::new(),
            pristine: true,
            diff: String::new(),
        };
    }
    let residue = diff_sandbox(before, after);
    let diff = render(&residue);
    let report = classify(residue.clone(), &residue, after, att);
    Leftovers {
        pristine: report.leaks.is_empty() && report.lost.is_empty(),
        leaked: report.leaks,
        diff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link_change(name: &str, kind: &str, detail: &str) -> Change {
        Change {
            side: Side::Node,
            class: Class::Link,
            key: format!("{name} ({kind})"),
            kind: ChangeKind::Changed,
            detail: detail.into(),
            object: Object::Link {
                name: name.into(),
                kind: kind.into(),
            },
        }
    }

    /// ws-daemon's node bridge went from up to down between the snapshots
    /// around a DEL only because the kernel applied the loss of its last
    /// port late: not something DEL made.
    #[test]
    fn a_bridge_operstate_change_is_not_blamed_on_del() {
        let att = LeakIdentity::for_attachment("cnih-ctr-0", "eth0", None);
        let after_add = SandboxSnapshot::default();
        let residue = vec![
            link_change("wsd0", "bridge", "state up -> down"),
            // Administrative state and other fields still count...
            link_change("br1", "bridge", "state up -> down, flags up -> -"),
            // ... and so does a veth's operational state.
            link_change("eth1", "veth", "state up -> down"),
        ];
        let report = classify(residue, &[], &after_add, &att);
        let judged: Vec<&str> = report.made_by_del.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(judged, ["br1 (bridge)", "eth1 (veth)"], "{report:?}");
    }

    fn daemon(pid: i32, args: &str) -> crate::kernel::procs::Process {
        crate::kernel::procs::Process {
            pid,
            parent: 1,
            name: "dnsmasq".into(),
            cmdline: args.split(' ').map(String::from).collect(),
            netns: "node".into(),
            mntns: "sandbox".into(),
        }
    }

    /// A daemon per network is kept (information) while another attachment
    /// lives, residue after the last DEL; one naming the attachment is
    /// residue either way; and one more per cycle is growth.
    #[test]
    fn daemons_left_after_del_are_judged_by_what_still_lives() {
        let baseline = SandboxSnapshot::default();
        let after = SandboxSnapshot {
            processes: vec![daemon(2, "dnsmasq -C net1.conf"), daemon(5, "agent ctr-7")],
            ..SandboxSnapshot::default()
        };
        let att = LeakIdentity::for_attachment("ctr-7", "eth0", None);
        let residue = diff_sandbox(&baseline, &after);
        let last = classify(residue.clone(), &residue, &after, &att);
        assert_eq!(last.leaks.len(), 2, "{last:?}");
        let shared = classify(residue.clone(), &residue, &after, &att.with_others_live());
        assert_eq!(shared.leaks.len(), 1, "{shared:?}");
        assert!(shared.leaks[0].key.contains("pid 5"), "{shared:?}");
        assert_eq!(shared.kept.len(), 1, "{shared:?}");
        let findings = shared.findings();
        assert!(
            findings.iter().any(|f| f.requirement == ids::KEPT),
            "{findings:?}"
        );
        // Positive control of the growth check: the same count every cycle is not growth.
        let one = SandboxSnapshot {
            processes: vec![daemon(2, "dnsmasq")],
            ..SandboxSnapshot::default()
        };
        assert!(growth(&[baseline.clone(), one.clone(), one.clone()]).is_empty());
        let two = SandboxSnapshot {
            processes: vec![daemon(2, "dnsmasq"), daemon(3, "dnsmasq")],
            ..SandboxSnapshot::default()
        };
        let grew = growth(&[baseline, one, two]);
        assert_eq!(grew.len(), 1, "{grew:?}");
        assert!(grew[0].message.contains("processes dnsmasq"), "{grew:?}");
    }

    /// del/after-failed-add pre-creates eth0 (veth, peer eth0p) in the
    /// container; DEL removing it (and the kernel its peer) is not the
    /// plugin touching pre-existing state. Anything else removed still is.
    #[test]
    fn the_harness_own_container_links_are_not_lost_state() {
        let removed = |side: Side, name: &str| Change {
            side,
            kind: ChangeKind::Removed,
            ..link_change(name, "veth", "peer x mtu 1500 state up")
        };
        let mut report = LeakReport {
            lost: vec![
                removed(Side::Container, "eth0"),
                removed(Side::Container, "eth0p"),
                removed(Side::Node, "eth0"),
                removed(Side::Container, "eth1"),
            ],
            ..LeakReport::default()
        };
        report.forgive_fixture(&["eth0".into(), "eth0p".into()]);
        let left: Vec<String> = report
            .lost
            .iter()
            .map(|c| format!("{} {}", c.side, c.key))
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(report
            .lost
            .iter()
            .all(|c| c.side == Side::Node || c.key.starts_with("eth1")));
    }

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
