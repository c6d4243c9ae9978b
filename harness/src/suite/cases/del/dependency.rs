//! DEL after what the attachment depended on is gone: the node-side parent
//! link (a macvlan/ipvlan master), the bridge its host end is a port of,
//! or the plugin's own state directory. Administrators and node reboots
//! remove them before the runtime gets to DEL; the DEL must still succeed
//! (DEL-3: "plugins should generally complete a DEL action without error
//! even if some resources are missing") and still release the IPAM
//! reservation (DEL-RELEASE), or the address leaks for good.

use std::path::PathBuf;

use crate::invoke::Attachment;
use crate::judge::leak::{self, LeakIdentity};
use crate::judge::Finding;
use crate::kernel::{diff_sandbox, ChangeKind, Class, Object, SandboxSnapshot, Side};
use crate::sandbox::ops;
use crate::suite::case::{always, own_interface, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "del/parent-link-gone",
            title: "DEL succeeds and releases the address after the parent link (the master) was removed",
            requirements: &["DEL-3", "DEL-RELEASE"],
            // What it judges does not vary with the spec version; once keeps the suite fast.
            scope: Scope::Once,
            applies: parented,
            run: parent_link_gone,
        },
        Case {
            id: "del/bridge-gone",
            title: "DEL succeeds and releases the address after the bridge the attachment is a port of was removed",
            requirements: &["DEL-3", "DEL-RELEASE"],
            // What it judges does not vary with the spec version; once keeps the suite fast.
            scope: Scope::Once,
            applies: own_interface,
            run: bridge_gone,
        },
        Case {
            id: "del/state-dir-gone",
            title: "DEL succeeds after the plugin's own state directory was removed",
            requirements: &["DEL-3"],
            // What it judges does not vary with the spec version; once keeps the suite fast.
            scope: Scope::Once,
            applies: always,
            run: state_dir_gone,
        },
    ]
}

fn parented(a: &Applicability) -> Result<(), String> {
    own_interface(a)?;
    match a.profile.needs.parent_link {
        Some(_) => Ok(()),
        None => Err("the profile names no parent link the attachment hangs from".into()),
    }
}

/// What the case removes between ADD and DEL.
enum Dependency {
    NodeLink { name: String, what: &'static str },
    StateDir(PathBuf),
}

impl Dependency {
    fn describe(&self) -> String {
        match self {
            Dependency::NodeLink { name, what } => format!("the {what} {name}"),
            Dependency::StateDir(p) => format!("the state directory {}", p.display()),
        }
    }
}

type Pick = fn(&Ctx, &SandboxSnapshot, &SandboxSnapshot) -> Option<Dependency>;

fn parent_link_gone(ctx: &mut Ctx) -> CaseVerdict {
    gone(ctx, "parent link", |ctx, _, after_add| {
        let name = ctx.opts.profile.needs.parent_link.clone()?;
        // A device the plugin moved into the container (host-device) is
        // the attachment itself, not a parent left on the node.
        if !after_add.node.links.iter().any(|l| l.name == name) {
            return None;
        }
        Some(Dependency::NodeLink {
            name,
            what: "parent link",
        })
    })
}

fn bridge_gone(ctx: &mut Ctx) -> CaseVerdict {
    gone(ctx, "bridge", |_, _, after_add| {
        // The bridge a veth on the node is a port of: the attachment's host end.
        let node = &after_add.node;
        node.links
            .iter()
            .filter(|l| l.kind == "veth")
            .filter_map(|l| l.master.as_deref())
            .find(|m| {
                node.links
                    .iter()
                    .any(|b| b.name == *m && b.kind == "bridge")
            })
            .map(|m| Dependency::NodeLink {
                name: m.to_string(),
                what: "bridge",
            })
    })
}

fn state_dir_gone(ctx: &mut Ctx) -> CaseVerdict {
    gone(ctx, "state directory", |ctx, baseline, after_add| {
        // The shallowest directory ADD created under the state directories
        // (host-local's /var/lib/cni/networks/<network>), in the sandbox's view.
        let mut dirs: Vec<PathBuf> = diff_sandbox(baseline, after_add)
            .into_iter()
            .filter(|c| c.side == Side::Files && c.class == Class::File)
            .filter(|c| c.kind == ChangeKind::Added)
            .filter_map(|c| match c.object {
                Object::File { path } => Some(path),
                _ => None,
            })
            .filter_map(|p| p.parent().map(PathBuf::from))
            .collect();
        dirs.sort_by_key(|p| p.components().count());
        let state_dirs = ctx.sandbox.state_dirs();
        dirs.into_iter()
            .find(|d| state_dirs.iter().any(|s| d.starts_with(s) && d != s))
            .map(Dependency::StateDir)
    })
}

fn remove(ctx: &Ctx, dep: &Dependency) -> std::io::Result<()> {
    match dep {
        Dependency::NodeLink { name, .. } => match ctx.sandbox.node_netns() {
            Some(node) => ops::del_link(node, name),
            None => Err(std::io::Error::other(
                "no node namespace of the sandbox's own",
            )),
        },
        Dependency::StateDir(p) => std::fs::remove_dir_all(p),
    }
}

fn gone(ctx: &mut Ctx, kind: &str, pick: Pick) -> CaseVerdict {
    let att = ctx.attachment(0);
    let baseline = crate::bail_verdict!(ctx.snapshot());
    let raw = crate::bail_verdict!(ctx.add_ok(&att));
    let after_add = match ctx.snapshot() {
        Ok(s) => s,
        Err(v) => {
            let _ = ctx.del(&att);
            return v;
        }
    };
    let Some(dep) = pick(ctx, &baseline, &after_add) else {
        let _ = ctx.del(&att);
        return CaseVerdict::skip(format!("the attachment depends on no {kind} the ADD used"));
    };
    if let Err(e) = remove(ctx, &dep) {
        let _ = ctx.del(&att);
        return CaseVerdict::error(format!("could not remove {}: {e}", dep.describe()));
    }
    judge_del(ctx, &att, &dep, &baseline, &after_add, &raw)
}

fn judge_del(
    ctx: &mut Ctx,
    att: &Attachment,
    dep: &Dependency,
    baseline: &SandboxSnapshot,
    after_add: &SandboxSnapshot,
    raw: &serde_json::Value,
) -> CaseVerdict {
    let del = crate::bail_verdict!(ctx.del(att));
    if !del.succeeded() {
        return CaseVerdict::fail(
            format!("DEL failed after {} was removed", dep.describe()),
            "DEL succeeds when what the attachment used is already gone",
            del.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
        .cites("DEL-3");
    }
    let after_del = crate::bail_verdict!(ctx.snapshot());
    let who = LeakIdentity::for_attachment(&att.container_id, &att.ifname, Some(raw));
    // The reservation: state files of the attachment still there. The rest
    // of the residue is del/no-residue's to judge.
    let findings: Vec<Finding> = leak::leaks(baseline, after_add, &after_del, &who)
        .leaks
        .iter()
        .filter(|c| c.class == Class::File)
        .map(|c| {
            Finding::error(
                "DEL-RELEASE",
                format!("left after DEL once {} was gone: {c}", dep.describe()),
            )
            .expected("the attachment's reservation released")
            .actual(c.to_string())
        })
        .collect();
    CaseVerdict::from_findings(
        &findings,
        "the reservation released",
        &format!(
            "DEL succeeded and released the attachment after {} was removed",
            dep.describe()
        ),
    )
}
