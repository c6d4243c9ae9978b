//! Where errors go: one JSON object on stdout with code and msg, and a
//! non-zero exit. The grading itself is `judge::error`'s.

use crate::judge::error::Expect;
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "error/on-stdout",
        title: "errors are one JSON object on stdout with code and msg, and a non-zero exit",
        requirements: &["ERR-1", "ERR-3", "ERR-10", "ERR-11", "EXEC-2"],
        scope: Scope::Once,
        applies: always,
        run: error_on_stdout,
    }]
}

fn error_on_stdout(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    // In its chain (a meta plugin gets its prevResult), so the error is the
    // one the version provokes, not a complaint about a missing chain.
    let step = crate::bail_verdict!(ctx.subject_add(&att, &[], |mut stdin| {
        stdin["cniVersion"] = serde_json::Value::String("9.9.9".into());
        to_bytes(&stdin)
    }));
    let _ = ctx.del(&att);
    if step.reply.is_success() {
        return CaseVerdict::skip("the plugin accepted cniVersion 9.9.9, so no error was provoked (see version/unsupported-version)");
    }
    CaseVerdict::expected_error(
        &step,
        &Expect {
            refusal: "EXEC-2",
            code: None,
            mentions: &[],
            provoked_by: "an error was provoked",
        },
    )
}
