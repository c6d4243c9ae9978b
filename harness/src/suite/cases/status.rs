//! STATUS (1.1.0): ready, or not available in a well-formed error.

use crate::invoke::Reply;
use crate::judge::{self, Severity};
use crate::suite::case::{needs_status_gc, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "status/ready",
            title: "STATUS succeeds, or fails with code 50 or 51 in a well-formed error",
            requirements: &["STATUS-1", "STATUS-2"],
            scope: Scope::PerVersion,
            applies: needs_status_gc,
            run: status,
        },
        Case {
            id: "status/not-required",
            title: "ADD works on a fresh node without a STATUS before it",
            requirements: &["STATUS-6"],
            scope: Scope::PerVersion,
            applies: needs_status_gc,
            run: not_required,
        },
    ]
}

/// ADD first thing on a fresh node; if it fails, the same ADD after a
/// STATUS is the control that tells "relies on STATUS" from "ADD broken".
fn not_required(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let first = crate::bail_verdict!(ctx.add_or_undo(&att));
    if first.add.succeeded() {
        let _ = ctx.del(&att);
        return CaseVerdict::pass("ADD succeeded without a STATUS before it");
    }
    let _ = crate::bail_verdict!(ctx.status());
    let again = crate::bail_verdict!(ctx.add(&att));
    let _ = ctx.del(&att);
    if again.succeeded() {
        CaseVerdict::fail(
            "ADD failed until STATUS had been called",
            "ADD succeeds without a STATUS before it",
            first.add.summary(),
        )
    } else {
        ctx.blocked_by_baseline_add().unwrap_or_else(|| {
            CaseVerdict::blocked(
                "blocked: ADD fails with and without a STATUS before it (judged by add/result-version)",
                again.summary(),
            )
        })
    }
}

fn status(ctx: &mut Ctx) -> CaseVerdict {
    let run = crate::bail_verdict!(ctx.status());
    let Some(last) = run.last() else {
        return CaseVerdict::error("no plugin ran");
    };
    match &last.reply {
        Reply::Success(_) => CaseVerdict::pass("STATUS succeeded"),
        Reply::Error(e) if matches!(e.code, Some(50) | Some(51)) => {
            let requested = judge::error::requested_version(last);
            let form = judge::error::well_formed(requested, e, &last.outcome.stdout);
            match form.iter().find(|f| f.severity == Severity::Error) {
                Some(f) => CaseVerdict::from_finding(f),
                None => CaseVerdict::pass(format!("STATUS reports unavailability: {e}")),
            }
        }
        Reply::Error(e) => CaseVerdict::fail(
            "STATUS failed with a code other than 50/51 on a fresh node",
            "success, or error code 50 (not available) / 51 (limited connectivity)",
            e.to_string(),
        ),
        other => CaseVerdict::fail(
            "STATUS gave no readable answer",
            "success, or a well-formed error",
            other.summary(),
        ),
    }
}
