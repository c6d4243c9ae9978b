//! A delegate that fails: its error on CHECK, DEL, GC and STATUS is passed
//! on by the delegating plugin, and a failed delegate ADD is followed by
//! the delegate's DEL before the plugin returns. The IPAM slot is the
//! recording test plugin, scripted to refuse.

use serde_json::{json, Value};

use super::{delegating, ipam_answer, recorded, RECORDER, RECORD_DIR};
use crate::spec::{SpecVersion, Verb};
use crate::suite::case::{Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "ipam/delegate-errors",
            title: "an error of the IPAM delegate on CHECK, DEL, GC or STATUS is returned by the plugin",
            requirements: &["CHECK-5", "IPAM-6", "STATUS-4"],
            scope: Scope::PerVersion,
            applies: delegating,
            run: delegate_errors,
        },
        Case {
            id: "ipam/delegate-add-fails",
            title: "when the IPAM delegate's ADD fails, the plugin runs its DEL before failing",
            requirements: &["IPAM-8"],
            scope: Scope::PerVersion,
            applies: delegating,
            run: delegate_add_fails,
        },
    ]
}

/// An error answer of the scripted delegate (code 100+: plugin-specific).
fn refusal(v: SpecVersion, verb: &str) -> Value {
    let code = if verb == "STATUS" { 50 } else { 100 };
    json!({"exit": 1, "stdout": {"cniVersion": v.as_str(), "code": code,
        "msg": format!("cnih: the scripted IPAM delegate refuses {verb}")}})
}

/// The configuration with the recorder as IPAM, answering `answers`.
fn with_recorder(
    ctx: &mut Ctx,
    answers: Value,
) -> Result<crate::config::NetworkConfig, CaseVerdict> {
    if ctx
        .net
        .plugins
        .get(ctx.subject_index())
        .and_then(|p| p.get("ipam"))
        .is_none()
    {
        return Err(CaseVerdict::skip("the configuration has no ipam section"));
    }
    ctx.helper_on_path(RECORDER)?;
    ctx.edited_config(|p| {
        p.insert(
            "ipam".into(),
            json!({"type": RECORDER, "recordDir": RECORD_DIR, "answers": answers}),
        );
    })
}

/// The verdict on one verb whose delegate refused: the plugin's own answer
/// must be an error too. `id` is the requirement; `called` whether the
/// delegate was run at all (if not, ipam/delegation judges that, and this
/// verb is not judged here).
fn passed_on(
    verb: Verb,
    id: &'static str,
    run: &crate::invoke::ChainRun,
    called: bool,
) -> CaseVerdict {
    if !called {
        // Not a second report of that failure: ipam/delegation judges it.
        return CaseVerdict::skip(format!(
            "{verb}: the delegate was never called, so there was no error to pass on (judged by ipam/delegation)"
        ))
        .not_judged(id);
    }
    if run.succeeded() {
        CaseVerdict::warn(
            format!("{verb} succeeded although the IPAM delegate's {verb} failed"),
            format!("{verb} returns an error when its delegate does"),
            format!("{verb} succeeded"),
        )
        .cites(id)
    } else {
        CaseVerdict::pass(format!("{verb} passed the delegate's error on")).cites(id)
    }
}

fn run_verb(
    ctx: &mut Ctx,
    verb: Verb,
    att: &crate::invoke::Attachment,
) -> Result<crate::invoke::ChainRun, CaseVerdict> {
    match verb {
        Verb::Check => ctx.check(att),
        Verb::Status => ctx.status(),
        Verb::Gc => ctx.gc(std::slice::from_ref(att)),
        _ => ctx.del(att),
    }
}

/// The plugin's own `verb` fails with a cooperative delegate as well: a
/// failure with the refusing one proves nothing.
fn control_failed(verb: Verb, id: &'static str) -> CaseVerdict {
    let judged_by = match verb {
        Verb::Status => "status/ready",
        Verb::Gc => "gc/releases-stale",
        Verb::Del => "del/repeat",
        _ => "check/after-add",
    };
    let mut v = CaseVerdict::blocked(
        format!("blocked: the control failed ({verb} with a cooperative delegate); judged by {judged_by}"),
        "",
    );
    v.graded.push((id, crate::record::Verdict::Blocked));
    v
}

/// CHECK, STATUS and GC (those the runtime sends), each with the
/// cooperative delegate first (the control: the plugin's own verb works),
/// then with the refusing one, judged on the delegate calls that run made.
fn judge_verbs(
    ctx: &mut Ctx,
    (ok, failing): (&crate::config::NetworkConfig, &crate::config::NetworkConfig),
    att: &crate::invoke::Attachment,
    verdicts: &mut Vec<CaseVerdict>,
) -> Result<(), CaseVerdict> {
    for (verb, id) in [
        (Verb::Check, "CHECK-5"),
        (Verb::Status, "STATUS-4"),
        (Verb::Gc, "IPAM-6"),
    ] {
        if !ctx.sends(verb) {
            continue;
        }
        let control = if verb == Verb::Check {
            Ok(true) // the control above
        } else {
            ctx.with_config(ok.clone(), |ctx| {
                run_verb(ctx, verb, att).map(|r| r.succeeded())
            })
        };
        match control {
            Ok(true) => {}
            Ok(false) => {
                verdicts.push(control_failed(verb, id));
                continue;
            }
            Err(v) => return Err(v),
        }
        let mark = recorded(ctx).len();
        let run = ctx.with_config(failing.clone(), |ctx| run_verb(ctx, verb, att));
        let run = run?;
        let called = recorded(ctx)
            .iter()
            .skip(mark)
            .any(|c| c.verb == verb.as_str());
        verdicts.push(passed_on(verb, id, &run, called));
    }
    Ok(())
}

fn delegate_errors(ctx: &mut Ctx) -> CaseVerdict {
    let v = ctx.version;
    let answer = ipam_answer(v);
    let ok = crate::bail_verdict!(with_recorder(ctx, json!({"ADD": {"stdout": answer}})));
    let failing = crate::bail_verdict!(with_recorder(
        ctx,
        json!({"ADD": {"stdout": answer}, "CHECK": refusal(v, "CHECK"), "DEL": refusal(v, "DEL"),
               "GC": refusal(v, "GC"), "STATUS": refusal(v, "STATUS")}),
    ));
    let att = ctx.attachment(0);
    // Control: with a cooperative delegate, ADD (and CHECK) succeed.
    let control = ctx.with_config(ok.clone(), |ctx| -> Result<(), CaseVerdict> {
        ctx.add_ok(&att)?;
        if ctx.sends(Verb::Check) {
            ctx.control_check(&att, "ipam/delegation")?;
        }
        Ok(())
    });
    if let Err(v) = control {
        ctx.with_config(ok, |ctx| ctx.del(&att).ok());
        return v;
    }
    let mut verdicts = Vec::new();
    let judged = judge_verbs(ctx, (&ok, &failing), &att, &mut verdicts);
    // DEL last: the refusing delegate's DEL, then the cooperative one's,
    // which is the control and releases what the first kept.
    let mark = recorded(ctx).len();
    let refused = ctx.with_config(failing, |ctx| ctx.del(&att));
    let called = recorded(ctx).iter().skip(mark).any(|c| c.verb == "DEL");
    let control = ctx.with_config(ok, |ctx| ctx.del(&att));
    let refused = crate::bail_verdict!(refused);
    let control_ok = control.as_ref().is_ok_and(|r| r.succeeded());
    verdicts.push(if refused.succeeded() || control_ok {
        passed_on(Verb::Del, "IPAM-6", &refused, called)
    } else {
        control_failed(Verb::Del, "IPAM-6")
    });
    if let Err(v) = judged {
        return v;
    }
    let mut unjudged: Vec<&'static str> = vec!["CHECK-5", "STATUS-4"];
    unjudged.retain(|id| {
        !verdicts
            .iter()
            .any(|v| v.graded.iter().any(|(g, _)| g == id))
    });
    let out = verdicts
        .into_iter()
        .reduce(CaseVerdict::worst)
        .unwrap_or_else(|| CaseVerdict::error("no verb was judged"));
    // Verbs the runtime does not send at this version say nothing.
    unjudged.into_iter().fold(out, CaseVerdict::not_judged)
}

fn delegate_add_fails(ctx: &mut Ctx) -> CaseVerdict {
    let v = ctx.version;
    let answer = ipam_answer(v);
    let ok = crate::bail_verdict!(with_recorder(ctx, json!({"ADD": {"stdout": answer}})));
    let failing = crate::bail_verdict!(with_recorder(ctx, json!({"ADD": refusal(v, "ADD")})));
    let att = ctx.attachment(0);
    // Control: with a cooperative delegate the ADD succeeds.
    if let Err(v) = ctx.with_config(ok, |ctx| ctx.control_add(&att, "ipam/delegation")) {
        return v;
    }
    let seen_before = recorded(ctx).len();
    let (add, calls) = ctx.with_config(failing, |ctx| {
        let add = ctx.add(&att);
        // What the plugin did before it returned, not the runtime's DEL after.
        let calls: Vec<String> = recorded(ctx)
            .into_iter()
            .skip(seen_before)
            .map(|c| c.verb)
            .collect();
        let _ = ctx.del(&att);
        (add, calls)
    });
    let add = crate::bail_verdict!(add);
    if add.succeeded() {
        return CaseVerdict::warn(
            "ADD succeeded although its IPAM delegate's ADD failed",
            "ADD fails, after the delegate's DEL",
            add.summary(),
        );
    }
    let added = calls.iter().position(|c| c == "ADD");
    let deleted = calls.iter().rposition(|c| c == "DEL");
    match (added, deleted) {
        (Some(a), Some(d)) if d > a => {
            CaseVerdict::pass("the plugin ran the delegate's DEL after its ADD failed")
        }
        (None, _) => CaseVerdict::error("the scripted delegate was never called on ADD"),
        _ => CaseVerdict::warn(
            "the plugin returned the delegate's ADD failure without running the delegate's DEL",
            "delegate calls ADD, then DEL, before the plugin fails",
            format!("delegate calls: {}", calls.join(", ")),
        ),
    }
}
