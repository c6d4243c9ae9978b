//! DEL: idempotent, tolerant of missing state, and leaves nothing behind
//! ([`residue`]).

pub(super) mod dependency;
pub(super) mod residue;

use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            id: "del/repeat",
            title: "a second DEL of the same attachment succeeds",
            requirements: &["DEL-2"],
            scope: Scope::PerVersion,
            applies: always,
            run: repeat,
        },
        Case {
            id: "del/never-added",
            title: "DEL of an attachment that never had an ADD succeeds",
            requirements: &["DEL-2", "DEL-3"],
            scope: Scope::PerVersion,
            applies: always,
            run: never_added,
        },
        Case {
            id: "del/without-netns",
            title: "DEL without CNI_NETNS succeeds (it is optional for DEL from 1.0.0)",
            requirements: &["ENV-2", "DEL-3"],
            scope: Scope::PerVersion,
            applies: since_1_0,
            run: without_netns,
        },
        Case {
            id: "del/netns-gone",
            title: "DEL succeeds when the container's network namespace is already gone",
            requirements: &["DEL-3"],
            scope: Scope::PerVersion,
            applies: always,
            run: netns_gone,
        },
        Case {
            id: "del/netns-empty",
            title: "DEL with CNI_NETNS set but empty succeeds (what runtimes send once the namespace is gone)",
            requirements: &["ENV-2", "DEL-3"],
            scope: Scope::PerVersion,
            applies: since_1_0,
            run: netns_empty,
        },
        Case {
            id: "del/without-prev-result",
            title: "DEL without prevResult succeeds (libcni sends none when it has no cached result)",
            requirements: &["DEL-5"],
            scope: Scope::PerVersion,
            applies: since_0_4,
            run: without_prev_result,
        },
    ];
    // DEL after what the attachment used is gone (a group of its own).
    cases.extend(dependency::cases());
    cases
}

/// A DEL that must succeed.
pub fn expect_del_ok(ctx: &mut Ctx, att: &crate::invoke::Attachment, when: &str) -> CaseVerdict {
    let run = crate::bail_verdict!(ctx.del(att));
    if run.succeeded() {
        CaseVerdict::pass(format!("DEL succeeded {when}"))
    } else {
        CaseVerdict::fail(
            format!("DEL failed {when}"),
            "DEL succeeds",
            run.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
    }
}

fn repeat(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    let first = expect_del_ok(ctx, &att, "after ADD");
    if first.verdict != crate::record::Verdict::Pass {
        return first;
    }
    expect_del_ok(ctx, &att, "the second time")
}

fn never_added(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    expect_del_ok(ctx, &att, "for a container that never had an ADD")
}

fn since_1_0(a: &crate::suite::case::Applicability) -> Result<(), String> {
    crate::suite::case::at_least(
        a,
        crate::spec::SpecVersion::V1_0_0,
        "CNI_NETNS is required for DEL before 1.0.0",
    )
}

fn without_netns(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    let mut rt = ctx.runtime();
    rt.env_edits = vec![crate::invoke::EnvEdit::Remove("CNI_NETNS".into())];
    let run = rt.del(&ctx.net, &att);
    drop(rt);
    let run = match run {
        Ok(r) => r,
        Err(e) => return CaseVerdict::error(format!("harness could not invoke the plugin: {e}")),
    };
    ctx.record(run.steps.iter().cloned());
    let v = if run.succeeded() {
        CaseVerdict::pass("DEL without CNI_NETNS succeeded")
    } else {
        CaseVerdict::fail(
            "DEL failed without CNI_NETNS",
            "DEL succeeds",
            run.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
    };
    // Clean up whatever the namespace still holds.
    let _ = ctx.del(&att);
    v
}

fn netns_gone(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    ctx.sandbox.remove_container();
    let v = expect_del_ok(ctx, &att, "after the container namespace was removed");
    let path = ctx.sandbox.container_path();
    if v.verdict == crate::record::Verdict::Pass && path.exists() {
        return CaseVerdict::warn(
            "DEL created a file at the vanished CNI_NETNS path on the node",
            "DEL leaves the node's filesystem alone",
            format!("{} exists after DEL", path.display()),
        );
    }
    v
}

/// containerd and CRI-O pass `CNI_NETNS=""` when the sandbox's namespace
/// has already been torn down.
fn netns_empty(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    ctx.sandbox.remove_container();
    expect_del_ok(
        ctx,
        &att.with_netns_gone(),
        "with CNI_NETNS empty after the container namespace was removed",
    )
}

fn since_0_4(a: &crate::suite::case::Applicability) -> Result<(), String> {
    crate::suite::case::at_least(
        a,
        crate::spec::SpecVersion::V0_4_0,
        "DEL gets no prevResult before 0.4.0",
    )
}

/// The subject's own DEL with the plugin's configuration but no
/// `prevResult`, after a successful ADD; the chain's full DEL then cleans up.
fn without_prev_result(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    let stdin = ctx.subject_stdin(crate::config::StdinFor::Del { prev_result: None });
    let step = ctx.raw(
        crate::spec::Verb::Del,
        Some(&att),
        &[],
        crate::suite::ctx::to_bytes(&stdin),
    );
    // The runtime's own DEL, with prevResult, is the control: a DEL that
    // fails either way says nothing about prevResult.
    let full = ctx.del(&att);
    let step = crate::bail_verdict!(step);
    if step.reply.is_success() {
        CaseVerdict::pass("DEL without prevResult succeeded")
    } else if !full.as_ref().is_ok_and(|r| r.succeeded()) {
        CaseVerdict::blocked(
            "blocked: the control failed (DEL with prevResult fails too); judged by del/repeat",
            step.reply.summary(),
        )
    } else {
        CaseVerdict::warn(
            "DEL failed because the configuration carried no prevResult",
            "DEL succeeds without prevResult",
            step.reply.summary(),
        )
    }
}
