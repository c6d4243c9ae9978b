//! The shape of what a plugin prints: one JSON document, agreeing with its
//! exit status.

use serde_json::Value;

use crate::invoke::Reply;
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
    let mut worst =
        CaseVerdict::pass("every answer was one JSON document matching its exit status");
    for step in ctx.subject_steps() {
        let verb = step.invocation.verb;
        let v = match &step.reply {
            Reply::Garbage(why) => CaseVerdict::fail(
                format!("{verb}: stdout is not one JSON document: {why}"),
                "exactly one JSON document (or nothing, where the verb allows)",
                super::errors::text(&step.outcome.stdout),
            ),
            Reply::Success(Some(Value::Object(o)))
                if o.contains_key("code") && o.contains_key("msg") =>
            {
                CaseVerdict::fail(
                    format!("{verb}: exit 0 but stdout holds an error object"),
                    "an error comes with a non-zero exit",
                    super::errors::text(&step.outcome.stdout),
                )
            }
            Reply::Success(Some(other)) if !other.is_object() => CaseVerdict::fail(
                format!("{verb}: the result is not a JSON object"),
                "a JSON object",
                other.to_string(),
            ),
            _ => continue,
        };
        worst = worst.worst(v);
    }
    worst
}
