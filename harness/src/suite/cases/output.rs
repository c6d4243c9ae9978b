//! The shape of what a plugin prints: one JSON document, agreeing with its
//! exit status.

use crate::invoke::{Garbage, Reply};
use crate::judge;
use crate::spec::Verb;
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "output/single-document",
        title: "stdout holds exactly one JSON document and agrees with the exit status",
        requirements: &["RES-1", "ERR-3", "EXEC-3"],
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
    let mut findings: Vec<judge::Finding> = Vec::new();
    for step in ctx.subject_steps() {
        if let Some(f) = judge::output::form(step) {
            findings.push(f);
        }
        // Text beside (or instead of) the JSON: logs belong on stderr.
        if matches!(
            step.reply,
            Reply::Garbage(Garbage::SuccessNotJson { .. } | Garbage::ErrorNotJson { .. })
        ) {
            findings.push(judge::Finding::warning(
                "EXEC-3",
                format!(
                    "{}: stdout carries text besides the JSON (logs belong on stderr)",
                    step.invocation.verb
                ),
            ));
        }
    }
    findings.iter().fold(
        CaseVerdict::pass(
            "every answer was one JSON document matching its exit status, nothing else on stdout",
        ),
        |worst, f| worst.worst(CaseVerdict::from_finding(f)),
    )
}
