//! The execution protocol: required environment variables, their values,
//! and malformed stdin.

use crate::invoke::EnvEdit;
use crate::judge::{self, error::Expect, Severity};
use crate::record::Verdict;
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "env/missing-variables",
            title: "ADD without a required CNI_* variable makes nothing, and fails with code 4 naming it",
            requirements: &["ENV-1", "ENV-8", "ERR-1", "ERR-5"],
            scope: Scope::Once,
            applies: always,
            run: missing_variables,
        },
        Case {
            id: "env/invalid-ifname",
            title: "ADD with an invalid CNI_IFNAME fails, or uses no interface name at all",
            requirements: &["ENV-3"],
            scope: Scope::Once,
            applies: always,
            run: invalid_ifname,
        },
        Case {
            id: "env/cni-args",
            title: "CNI_ARGS with keys the plugin does not know (and IgnoreUnknown=1) is accepted",
            requirements: &["ENV-4"],
            scope: Scope::Once,
            applies: always,
            run: cni_args,
        },
        Case {
            id: "env/invalid-container-id",
            title: "a CNI_CONTAINERID outside the spec's alphabet is refused with code 4",
            requirements: &["ENV-7", "ERR-5"],
            scope: Scope::Once,
            applies: since_1_0,
            run: invalid_container_id,
        },
        Case {
            id: "env/malformed-stdin",
            title: "malformed JSON on stdin gives an error structure",
            requirements: &["ERR-1", "ERR-7"],
            scope: Scope::Once,
            applies: always,
            run: malformed_stdin,
        },
    ]
}

/// The case that judges a failing full-environment ADD.
const JUDGED_BY: &str = "version/listed-versions-accepted";

fn missing_variables(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_subject_add(&att, JUDGED_BY));
    let mut worst = CaseVerdict::pass("each missing variable was refused with code 4");
    for var in ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
        let edits = [EnvEdit::Remove(var.to_string())];
        let (step, made) = crate::bail_verdict!(ctx.subject_add_acting(&att, &edits));
        let provoked = format!("{var} is missing");
        let v = acted_on(&step, &made, &provoked).unwrap_or_else(|| {
            CaseVerdict::expected_error(
                &step,
                &Expect {
                    refusal: "ENV-1",
                    code: Some((4, "ERR-5")),
                    mentions: &[var],
                    provoked_by: &provoked,
                },
            )
            .holds("ENV-8")
        });
        // No error object at all: its code (ERR-5) was not judged; the
        // missing object is ERR-1's failure.
        let v = match step.reply {
            crate::invoke::Reply::Error(_) | crate::invoke::Reply::Success(_) => v,
            _ => v.not_judged("ERR-5"),
        };
        if v.verdict != Verdict::Pass {
            worst = worst.worst(v.about(var));
        }
        // DEL follows every ADD, failed or not, as a runtime sends it.
        let _ = ctx.del(&att);
    }
    worst
}

fn invalid_ifname(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_subject_add(&att, JUDGED_BY));
    let mut worst = CaseVerdict::pass("invalid interface names were refused");
    for bad in ["this-name-is-too-long0", "bad/name", "bad name"] {
        let edits = [EnvEdit::Set("CNI_IFNAME".into(), bad.into())];
        let (step, made) = crate::bail_verdict!(ctx.subject_add_acting(&att, &edits));
        let provoked = format!("CNI_IFNAME is {bad:?}");
        // SPEC.md binds a plugin *unable to use* the name to fail; one that
        // succeeds without making anything did not use it (a pass-through
        // meta plugin), and that conforms.
        let v = if step.reply.is_success() && made.is_empty() {
            CaseVerdict::pass(format!(
                "{provoked}: ADD succeeded and made nothing (the plugin does not use the name)"
            ))
            .cites("ENV-3")
        } else if step.reply.is_success() {
            CaseVerdict::fail(
                format!("ADD acted on an invalid interface name ({provoked})"),
                "an error, or nothing made with the name",
                made_text(&made),
            )
            .cites("ENV-3")
        } else {
            CaseVerdict::expected_error(
                &step,
                &Expect {
                    refusal: "ENV-3",
                    code: None,
                    mentions: &[],
                    provoked_by: &provoked,
                },
            )
        };
        let _ = ctx.del(&att);
        worst = worst.worst(v);
    }
    worst
}

/// A successful ADD given a missing or invalid runtime value that made
/// something (an interface, an address, a state file) acted on it: ENV-8,
/// the one part of these requirements graded as the plugin's MUST. `None`:
/// it made nothing, and the refusal is judged at the spec's level.
fn acted_on(
    step: &crate::invoke::Step,
    made: &[crate::kernel::Change],
    provoked: &str,
) -> Option<CaseVerdict> {
    if !step.reply.is_success() || made.is_empty() {
        return None;
    }
    let mut v = CaseVerdict::fail(
        format!("ADD acted although {provoked}: it made {}", made.len()),
        "an error (code 4), and nothing made",
        made_text(made),
    )
    .cites("ENV-8");
    // It did not refuse either: ENV-1's SHOULD.
    v.graded.push(("ENV-1", Verdict::Warn));
    Some(v)
}

fn made_text(made: &[crate::kernel::Change]) -> String {
    made.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn since_1_0(a: &crate::suite::case::Applicability) -> Result<(), String> {
    crate::suite::case::at_least(
        a,
        crate::spec::SpecVersion::V1_0_0,
        "the container ID alphabet is specified from 1.0.0",
    )
}

fn cni_args(ctx: &mut Ctx) -> CaseVerdict {
    let mut att = ctx.attachment(0);
    att.args = crate::invoke::CniArgs(vec![
        ("IgnoreUnknown".into(), "1".into()),
        ("CNI_HARNESS_PROBE".into(), "x".into()),
    ]);
    let run = crate::bail_verdict!(ctx.add(&att));
    let v = if run.succeeded() {
        CaseVerdict::pass("unknown CNI_ARGS keys were tolerated")
    } else if let Some(blocked) = ctx.blocked_by_baseline_add() {
        blocked
    } else {
        CaseVerdict::warn(
            "ADD refused CNI_ARGS with an unknown key although IgnoreUnknown=1",
            "ADD succeeds",
            run.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
    };
    let _ = ctx.del(&att);
    v
}

fn invalid_container_id(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_subject_add(&att, JUDGED_BY));
    // Only the subject sees the bad ID: the plugins before it in its chain
    // run with a valid one, as a runtime would never send this one at all.
    let edits = [EnvEdit::Set(
        "CNI_CONTAINERID".into(),
        "-bad/container id".into(),
    )];
    // An ID outside the alphabet is still an ID a plugin can key its state
    // on: using it is not acting on a missing value (ENV-8), so at most the
    // SHOULD of ENV-7.
    let step = crate::bail_verdict!(ctx.subject_add(&att, &edits, |v| to_bytes(&v)));
    let _ = ctx.del(&att);
    if step.reply.is_success() {
        return CaseVerdict::warn(
            "ADD accepted a container ID outside the spec's alphabet",
            "error code 4",
            "success",
        );
    }
    CaseVerdict::expected_error(
        &step,
        &Expect {
            refusal: "ENV-7",
            code: Some((4, "ERR-5")),
            mentions: &[],
            provoked_by: "CNI_CONTAINERID is \"-bad/container id\"",
        },
    )
}

fn malformed_stdin(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_subject_add(&att, JUDGED_BY));
    let step = crate::bail_verdict!(ctx.subject_add(&att, &[], |_| {
        br#"{"cniVersion": "1.0.0", "name": "#.to_vec()
    }));
    let _ = ctx.del(&att);
    let findings = judge::error::expected(
        &step,
        &Expect {
            refusal: "ERR-1",
            code: Some((6, "ERR-7")),
            mentions: &[],
            provoked_by: "stdin is truncated JSON",
        },
    );
    match findings.first() {
        // Code 6 is the decoding error (a SHOULD); another code is still an
        // error structure.
        Some(f) if f.requirement == "ERR-7" && f.severity == Severity::Error => CaseVerdict::warn(
            "malformed stdin refused, but not with code 6 (failure to decode content)",
            &f.expected,
            &f.actual,
        ),
        Some(f) => CaseVerdict::from_finding(f),
        None => CaseVerdict::pass(step.reply.summary()),
    }
}
