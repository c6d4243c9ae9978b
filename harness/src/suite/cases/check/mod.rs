//! CHECK (0.4.0+): passes on a healthy attachment, fails once the kernel
//! state it vouches for is gone ([`tamper`]).

pub(super) mod lease;
pub(super) mod state;
pub(super) mod tamper;
pub(super) mod untracked;

use crate::suite::case::{needs_check, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    let mut cases = vec![Case {
        id: "check/after-add",
        title: "CHECK succeeds right after a successful ADD",
        requirements: &["CHECK-1", "CHECK-4", "CHECK-7"],
        scope: Scope::PerVersion,
        applies: needs_check,
        run: after_add,
    }];
    // Node state beyond the container's interfaces (a group of its own).
    cases.extend(untracked::cases());
    cases
}

fn after_add(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.add_ok(&att));
    let run = crate::bail_verdict!(ctx.check(&att));
    let verdict = if run.succeeded() {
        CaseVerdict::pass("CHECK passed")
    } else {
        CaseVerdict::fail(
            "CHECK failed on an attachment that ADD just made",
            "CHECK succeeds",
            run.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
    };
    let _ = ctx.del(&att);
    verdict
}
