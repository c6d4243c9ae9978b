//! DEL: idempotent, tolerant of missing state, and leaves nothing behind.

use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
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
            id: "del/netns-gone",
            title: "DEL succeeds when the container's network namespace is already gone",
            requirements: &["DEL-3"],
            scope: Scope::PerVersion,
            applies: always,
            run: netns_gone,
        },
    ]
    .into_iter()
    .chain(super::del_residue::cases())
    .collect()
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
    if first.verdict != crate::results::Verdict::Pass {
        return first;
    }
    expect_del_ok(ctx, &att, "the second time")
}

fn never_added(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    expect_del_ok(ctx, &att, "for a container that never had an ADD")
}

fn netns_gone(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    ctx.sandbox.remove_container();
    expect_del_ok(ctx, &att, "after the container namespace was removed")
}
