//! The shape of what a plugin prints: one JSON document, agreeing with its
//! exit status.

use crate::judge;
use crate::spec::Verb;
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "output/single-document",
        title: "stdout holds exactly one JSON document and agrees with the exit status",
        requirements: &["RES-1", "ERR-3"],
        scope: Scope::PerVersion,
        applies: always,
        run: single_document,
    }]
}

fn single_document(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let added = crate::bail_verdict!(ctx.add(&att)).succeeded();
    if added && ctx.sends(Verb::Check) {
        crate::bail_verdict!(ctx.check(&att));
    }
    crate::bail_verdict!(ctx.del(&att));
    ctx.subject_steps().filter_map(judge::output::form).fold(
        CaseVerdict::pass("every answer was one JSON document matching its exit status"),
        |worst, f| worst.worst(CaseVerdict::from_finding(&f)),
    )
}
