//! GC (1.1.0): resources of attachments missing from the valid list are
//! released; those of valid attachments are kept and still CHECK.

use crate::judge::leak::LeakIdentity;
use crate::kernel::{FilesSnapshot, SandboxSnapshot};
use crate::spec::Verb;
use crate::suite::case::{both, needs_gc, several_containers, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "gc/releases-stale",
        title: "GC releases what stale attachments hold and keeps valid ones (which still CHECK)",
        requirements: &["GC-1", "GC-2", "GC-4"],
        scope: Scope::PerVersion,
        applies: gc_applies,
        run: releases_stale,
    }]
}

fn gc_applies(a: &Applicability) -> Result<(), String> {
    both(a, needs_gc, several_containers)
}

/// An attachment's state files (not the runtime's own cache): those naming
/// its container ID, or named after one of its addresses (host-local's
/// reservations). A file merely holding an address, like host-local's
/// `last_reserved_ip`, is the network's bookkeeping.
fn files_naming(files: &FilesSnapshot, cache: &std::path::Path, who: &LeakIdentity) -> Vec<String> {
    files
        .entries
        .iter()
        .filter(|e| !e.path.starts_with(cache))
        .filter(|e| {
            let name = e
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let text = e.text.as_deref().unwrap_or("");
            name == who.container_id
                || text.lines().any(|l| l.trim() == who.container_id)
                || who.addresses.iter().any(|a| a.to_string() == name)
        })
        .map(|e| e.path.display().to_string())
        .collect()
}

fn needles(att: &crate::invoke::Attachment, raw: &serde_json::Value) -> LeakIdentity {
    LeakIdentity::for_attachment(&att.container_id, &att.ifname, Some(raw))
}

fn releases_stale(ctx: &mut Ctx) -> CaseVerdict {
    let keep = crate::bail_verdict!(ctx.container(0));
    let stale = crate::bail_verdict!(ctx.container(1));
    let keep_result = crate::bail_verdict!(ctx.add_ok(&keep));
    let stale_result = crate::bail_verdict!(ctx.add_ok(&stale));
    let cache = ctx.sandbox.cache_dir();
    let before: SandboxSnapshot = crate::bail_verdict!(ctx.snapshot());
    let stale_files = files_naming(&before.files, &cache, &needles(&stale, &stale_result));
    if stale_files.is_empty() {
        let _ = ctx.del(&stale);
        let _ = ctx.del(&keep);
        return CaseVerdict::skip(
            "the plugin keeps no state files per attachment, so GC has nothing to release",
        );
    }
    // Control: the valid attachment CHECKs before GC, so a failing CHECK
    // after it is GC's doing. One failing already is check/after-add's
    // finding: GC is then judged on its files alone (GC-1, and GC-2 by what
    // it kept), not blocked, since neither needs CHECK. The list may
    // disable CHECK: then none is sent.
    let check_it = ctx.sends(Verb::Check) && ctx.control_check(&keep, "check/after-add").is_ok();
    let gc = crate::bail_verdict!(ctx.gc(std::slice::from_ref(&keep)));
    let after = crate::bail_verdict!(ctx.snapshot());
    let check = if check_it {
        Some(crate::bail_verdict!(ctx.check(&keep)))
    } else {
        None
    };
    let _ = ctx.del(&stale);
    let _ = ctx.del(&keep);
    // SPEC.md "GC": plugins should generally complete GC without error
    // (GC-4, a SHOULD); what it kept and released is judged all the same.
    let failed = (!gc.succeeded())
        .then(|| CaseVerdict::warn("GC failed", "GC succeeds", gc.summary()).cites("GC-4"));
    let judged = judge_gc(
        &before,
        &after,
        check,
        &cache,
        (&keep, &keep_result),
        (&stale, &stale_result),
        &stale_files,
    );
    match failed {
        Some(f) => f.worst(judged),
        None => judged,
    }
}

type Held<'a> = (&'a crate::invoke::Attachment, &'a serde_json::Value);

fn judge_gc(
    before: &SandboxSnapshot,
    after: &SandboxSnapshot,
    check: Option<crate::invoke::ChainRun>,
    cache: &std::path::Path,
    (keep, keep_result): Held<'_>,
    (stale, stale_result): Held<'_>,
    stale_files: &[String],
) -> CaseVerdict {
    // GC-2 (keep the valid ones) is judged first: it is the MUST here.
    let kept_before = files_naming(&before.files, cache, &needles(keep, keep_result));
    let kept_after = files_naming(&after.files, cache, &needles(keep, keep_result));
    if kept_after.len() < kept_before.len() {
        return CaseVerdict::fail(
            "GC released state of a valid attachment",
            format!("kept: {}", kept_before.join(", ")),
            format!("left: {}", kept_after.join(", ")),
        )
        .cites("GC-2");
    }
    if let Some(check) = check.filter(|c| !c.succeeded()) {
        return CaseVerdict::fail(
            "CHECK of a valid attachment failed after GC",
            "CHECK succeeds",
            check.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
        .cites("GC-2");
    }
    // SPEC.md "GC": a plugin SHOULD remove as many stale resources as it
    // can, e.g. IPAM reservations (GC-1 is a SHOULD: a warning).
    let still = files_naming(&after.files, cache, &needles(stale, stale_result));
    if !still.is_empty() {
        return CaseVerdict::warn(
            "GC kept the state of an attachment missing from the valid list",
            format!("{} released", stale_files.join(", ")),
            format!("still there: {}", still.join(", ")),
        )
        .cites("GC-1");
    }
    CaseVerdict::pass(format!(
        "GC released {} and kept the valid attachment",
        stale_files.join(", ")
    ))
}
