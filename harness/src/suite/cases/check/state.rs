//! CHECK against what is not a tampering: a later chained plugin's
//! additions must be tolerated; a missing resource outside the result (the
//! attachment's IP reservation) should be noticed.

use std::path::{Path, PathBuf};

use crate::config::Role;
use crate::result::Cidr;
use crate::sandbox::tamper;
use crate::suite::case::{both, has_interfaces, needs_check, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

/// TEST-NET-2: no plugin's configuration routes it, so the route is the
/// harness's own addition.
const LATER_ROUTE: &str = "198.51.100.0/24";

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "check/tolerates-later-changes",
            title: "CHECK passes after a route is added to the container, as a later chained plugin may do",
            requirements: &["CHECK-6"],
            scope: Scope::PerVersion,
            applies: in_container,
            run: tolerates_later_changes,
        },
        Case {
            id: "check/detects-missing-reservation",
            title: "CHECK fails after the attachment's state files (IP reservation) are removed",
            requirements: &["CHECK-8"],
            scope: Scope::PerVersion,
            applies: own_state,
            run: missing_reservation,
        },
    ]
}

fn in_container(a: &Applicability) -> Result<(), String> {
    both(a, needs_check, has_interfaces)
}

/// The state files found belong to the subject (or its delegate) only when
/// it comes first: in a meta plugin's chain they are the main plugin's.
fn own_state(a: &Applicability) -> Result<(), String> {
    needs_check(a)?;
    match a.role() {
        Role::Meta => Err("in a chain the reservation belongs to the main plugin".into()),
        _ => Ok(()),
    }
}

fn tolerates_later_changes(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    if let Err(v) = ctx.control_check(&att, "check/after-add") {
        let _ = ctx.del(&att);
        return v;
    }
    let dst: Cidr = match LATER_ROUTE.parse() {
        Ok(c) => c,
        Err(e) => return CaseVerdict::error(format!("route {LATER_ROUTE}: {e:?}")),
    };
    let added = match ctx.sandbox.container() {
        Some(ns) => tamper::add_route_via(ns, &att.ifname, dst).map_err(|e| e.to_string()),
        None => Err("container namespace missing".into()),
    };
    if let Err(why) = added {
        let _ = ctx.del(&att);
        return CaseVerdict::skip(format!(
            "could not add a route to {dst} via {}: {why}",
            att.ifname
        ));
    }
    let check = crate::bail_verdict!(ctx.check(&att));
    let _ = ctx.del(&att);
    let subject = &ctx.opts.profile.plugin;
    if check.succeeded() {
        CaseVerdict::pass(format!(
            "CHECK allowed for a route to {dst} added after ADD"
        ))
    } else if let Some(other) = check.last().filter(|s| &s.plugin_type != subject) {
        // Another plugin of the chain refused the route: not the subject's doing.
        CaseVerdict::blocked(
            format!(
                "blocked: {} (not the plugin under test) failed CHECK after the route was added",
                other.plugin_type
            ),
            other.reply.summary(),
        )
    } else {
        CaseVerdict::fail(
            format!("CHECK failed because a route to {dst} was added after ADD"),
            "CHECK allows for later plugins' changes and succeeds",
            check.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
    }
}

/// Files under the sandbox's state directories naming the container:
/// the attachment's own bookkeeping (host-local's reservation holds the
/// container ID). The runtime's result cache is not among them.
fn attachment_files(dirs: &[PathBuf], container_id: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && !is_result_cache(&path) {
                todo.push(path);
            } else if kind.is_file() && names(&path, container_id) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn is_result_cache(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == "results" || n == "cache")
}

fn names(path: &Path, container_id: &str) -> bool {
    // Reservation files are a few bytes; a large file is not bookkeeping.
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= 64 * 1024);
    small
        && std::fs::read(path).is_ok_and(|bytes| {
            bytes
                .windows(container_id.len())
                .any(|w| w == container_id.as_bytes())
        })
}

fn missing_reservation(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    if let Err(v) = ctx.control_check(&att, "check/after-add") {
        let _ = ctx.del(&att);
        return v;
    }
    // Only ever delete inside the sandbox's own state, never the host's.
    if !ctx.sandbox.has_private_state() {
        let _ = ctx.del(&att);
        return CaseVerdict::skip("the sandbox shares the host's state directories");
    }
    let files = attachment_files(&ctx.sandbox.state_dirs(), &att.container_id);
    if files.is_empty() {
        let _ = ctx.del(&att);
        return CaseVerdict::skip(
            "the plugin keeps no state file naming the container, so there is no reservation to remove",
        );
    }
    let removed: Vec<String> = files
        .iter()
        .filter(|f| std::fs::remove_file(f).is_ok())
        .map(|f| f.display().to_string())
        .collect();
    let check = crate::bail_verdict!(ctx.check(&att));
    let _ = ctx.del(&att);
    if check.succeeded() {
        CaseVerdict::warn(
            "CHECK passed although the attachment's state files were removed",
            "CHECK fails when a resource outside the result (the IP reservation) is missing",
            format!("removed {}; CHECK succeeded", removed.join(", ")),
        )
    } else {
        CaseVerdict::pass(format!(
            "CHECK noticed the missing state ({})",
            removed.join(", ")
        ))
    }
}
