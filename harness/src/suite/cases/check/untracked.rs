//! `check/detects-untracked-removal` (CHECK-UNTRACKED): CHECK vouches for
//! the whole attachment, not only the container's interface, addresses and
//! routes ([`super::tamper`]). From what one ADD changed on the node (its
//! kernel diff), one object of each class the plugin made is removed,
//! after a fresh ADD each: a firewall rule, chain or table, a node route,
//! a sysctl it changed, a queueing discipline, a state file naming the
//! attachment, a daemon it started (killed). CHECK should then fail; a
//! SHOULD, so a miss warns.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::judge::Finding;
use crate::kernel::{diff_sandbox, ChangeKind, Class, Object, SandboxSnapshot, Side};
use crate::result::Cidr;
use crate::sandbox::untracked;
use crate::suite::case::{both, has_interfaces, needs_check, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

const ID: &str = "CHECK-UNTRACKED";

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "check/detects-untracked-removal",
        title: "CHECK fails after one node object of each class ADD made (firewall, route, sysctl, qdisc, state file, daemon) is removed",
        requirements: &[ID],
        // What it judges does not vary with the spec version; once keeps the suite fast.
        scope: Scope::Once,
        applies: checked,
        run,
    }]
}

fn checked(a: &Applicability) -> Result<(), String> {
    both(a, needs_check, has_interfaces)
}

/// One object to remove.
#[derive(Debug, Clone)]
enum Target {
    Firewall(String),
    Route(Cidr),
    Sysctl {
        name: String,
        old: String,
    },
    Qdisc {
        link: String,
        parent: String,
    },
    File(PathBuf),
    /// A process ADD started (its pid in the sandbox's boundary).
    Daemon {
        pid: i32,
        cmdline: String,
    },
}

impl Target {
    fn class(&self) -> &'static str {
        match self {
            Target::Firewall(_) => "firewall",
            Target::Route(_) => "node route",
            Target::Sysctl { .. } => "sysctl",
            Target::Qdisc { .. } => "qdisc",
            Target::File(_) => "state file",
            Target::Daemon { .. } => "daemon",
        }
    }

    fn describe(&self) -> String {
        match self {
            Target::Firewall(k) => format!("firewall {k}"),
            Target::Route(d) => format!("the node route to {d}"),
            Target::Sysctl { name, old } => format!("sysctl {name} (to {old})"),
            Target::Qdisc { link, parent } => format!("the qdisc on {link} at {parent}"),
            Target::File(p) => format!("state file {}", p.display()),
            Target::Daemon { pid, cmdline } => format!("daemon {pid} ({cmdline})"),
        }
    }

    /// What was done to it.
    fn undone(&self) -> &'static str {
        match self {
            Target::Daemon { .. } => "killed",
            Target::Sysctl { .. } => "reverted",
            _ => "removed",
        }
    }
}

/// Every removable object of one class: the first of each class counts.
const CLASSES: [&str; 6] = [
    "firewall",
    "node route",
    "sysctl",
    "qdisc",
    "state file",
    "daemon",
];

/// What ADD made that names the attachment (its ID or addresses), by class.
fn targets(
    baseline: &SandboxSnapshot,
    after: &SandboxSnapshot,
    container_id: &str,
    addresses: &[IpAddr],
    runtime_cache: &std::path::Path,
) -> Vec<Target> {
    let names = |text: &str| {
        text.contains(container_id) || addresses.iter().any(|a| text.contains(&a.to_string()))
    };
    let mut out = Vec::new();
    let changes = diff_sandbox(baseline, after);
    // Firewall: a rule of the attachment first, else a table or chain it added.
    let fw: Vec<&crate::kernel::Change> = changes
        .iter()
        .filter(|c| c.side == Side::Node && c.class == Class::Firewall)
        .filter(|c| c.kind == ChangeKind::Added)
        .collect();
    let rule = fw
        .iter()
        .find(|c| c.key.contains(": -A ") && names(&c.key))
        .or_else(|| {
            fw.iter()
                .find(|c| c.key.starts_with("nft ") && !c.key.contains(": "))
        })
        .or_else(|| fw.iter().find(|c| c.key.contains(": -A ")));
    if let Some(c) = rule {
        out.push(Target::Firewall(c.key.clone()));
    }
    let node = &after.node;
    if let Some(r) = node.routes.iter().find(|r| {
        r.protocol != "kernel"
            && r.kind == "unicast"
            && !baseline.node.routes.contains(r)
            && addresses.iter().any(|a| r.dst.contains(*a))
    }) {
        out.push(Target::Route(r.dst));
    }
    if let Some((name, old)) =
        node.sysctls
            .iter()
            .find_map(|(k, v)| match baseline.node.sysctls.get(k) {
                Some(old) if old != v => Some((k.clone(), old.clone())),
                _ => None,
            })
    {
        out.push(Target::Sysctl { name, old });
    }
    if let Some(q) = node.qdiscs.iter().find(|q| {
        q.kind != "noqueue"
            && !baseline
                .node
                .qdiscs
                .iter()
                .any(|b| b.link == q.link && b.parent == q.parent)
    }) {
        out.push(Target::Qdisc {
            link: q.link.clone(),
            parent: q.parent.clone(),
        });
    }
    if let Some(p) = changes
        .iter()
        .filter(|c| c.side == Side::Files && c.class == Class::File && c.kind == ChangeKind::Added)
        .filter(|c| names(&c.key) || c.detail.contains(container_id))
        .find_map(|c| match &c.object {
            // The runtime's result cache is the harness's, not the plugin's.
            Object::File { path } if path.is_file() && !path.starts_with(runtime_cache) => {
                Some(path.clone())
            }
            _ => None,
        })
    {
        out.push(Target::File(p));
    }
    // A daemon: the newest process still running that was not there before
    // (pids only grow in the boundary, so not one an earlier ADD left).
    if let Some(p) = after
        .processes
        .iter()
        .filter(|p| !baseline.processes.iter().any(|b| b.pid == p.pid))
        .max_by_key(|p| p.pid)
    {
        out.push(Target::Daemon {
            pid: p.pid,
            cmdline: p.cmdline.join(" "),
        });
    }
    out
}

fn remove(ctx: &Ctx, t: &Target) -> std::io::Result<()> {
    let Some(node) = ctx.sandbox.node_netns() else {
        return Err(std::io::Error::other(
            "no node namespace of the sandbox's own",
        ));
    };
    match t {
        Target::Firewall(k) => untracked::remove_firewall(node, k),
        Target::Route(d) => untracked::remove_route(node, *d),
        Target::Sysctl { name, old } => untracked::set_sysctl(node, name, old),
        Target::Qdisc { link, parent } => untracked::remove_qdisc(node, link, parent),
        Target::File(p) => untracked::remove_file(p),
        Target::Daemon { pid, .. } => match crate::kernel::procs::Scope::of(&ctx.sandbox) {
            Some(scope) => scope.kill(*pid),
            None => Err(std::io::Error::other("the sandbox has no process boundary")),
        },
    }
}

fn addresses(v: &serde_json::Value) -> Vec<IpAddr> {
    crate::result::parse_value(v)
        .map(|r| r.addresses())
        .unwrap_or_default()
}

fn run(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let baseline = crate::bail_verdict!(ctx.snapshot());
    let mut findings: Vec<Finding> = Vec::new();
    let mut noticed: Vec<String> = Vec::new();
    let mut first = true;
    for class in CLASSES {
        let raw = crate::bail_verdict!(ctx.add_ok(&att));
        if first {
            // Control: CHECK passes on the intact attachment.
            if let Err(v) = ctx.control_check(&att, "check/after-add") {
                let _ = ctx.del(&att);
                return v;
            }
            first = false;
        }
        let after = match ctx.snapshot() {
            Ok(s) => s,
            Err(v) => {
                let _ = ctx.del(&att);
                return v;
            }
        };
        let cache = ctx.sandbox.cache_dir();
        let found = targets(
            &baseline,
            &after,
            &att.container_id,
            &addresses(&raw),
            &cache,
        );
        let Some(t) = found.into_iter().find(|t| t.class() == class) else {
            let _ = ctx.del(&att);
            continue;
        };
        if let Err(e) = remove(ctx, &t) {
            noticed.push(format!("could not undo {}: {e}", t.describe()));
            let _ = ctx.del(&att);
            continue;
        }
        let check = ctx.check(&att);
        let _ = ctx.del(&att);
        let check = crate::bail_verdict!(check);
        if check.succeeded() {
            findings.push(
                Finding::warning(
                    ID,
                    format!("CHECK passed after {} was {}", t.describe(), t.undone()),
                )
                .expected("CHECK fails")
                .actual("CHECK succeeded"),
            );
        } else {
            noticed.push(format!("CHECK noticed {} {}", t.describe(), t.undone()));
        }
    }
    if findings.is_empty() && !noticed.iter().any(|n| n.starts_with("CHECK noticed")) {
        return CaseVerdict::skip(if noticed.is_empty() {
            "ADD made no firewall rule, node route, sysctl change, qdisc, state file naming the attachment or daemon".to_string()
        } else {
            noticed.join("; ")
        });
    }
    CaseVerdict::from_findings(&findings, "CHECK notices", &noticed.join("; "))
}
