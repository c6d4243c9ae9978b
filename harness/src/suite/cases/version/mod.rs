//! VERSION and version negotiation; a configuration without a version is
//! [`missing`]'s.

pub(super) mod missing;

use serde_json::Value;

use crate::invoke::{version_probe_stdin, Reply};
use crate::judge::{self, error::Expect};
use crate::schema::DocumentKind;
use crate::spec::{SpecVersion, Verb};
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "version/shape",
            title: "VERSION reports the versions the plugin supports, naming the version it was asked in",
            requirements: &["VER-1", "VER-2", "VER-5"],
            scope: Scope::Once,
            applies: always,
            run: shape,
        },
        Case {
            id: "version/unsupported-version",
            title: "an unsupported cniVersion is refused with error code 1",
            requirements: &["VER-4", "ERR-2"],
            scope: Scope::Once,
            applies: always,
            run: unsupported,
        },
        Case {
            id: "version/listed-versions-accepted",
            title: "ADD works at every version VERSION lists",
            requirements: &["VER-3"],
            scope: Scope::PerVersion,
            applies: always,
            run: listed_accepted,
        },
    ]
}

fn shape(ctx: &mut Ctx) -> CaseVerdict {
    let step = crate::bail_verdict!(ctx.raw(Verb::Version, None, &[], version_probe_stdin()));
    let Some(result) = step.reply.result() else {
        return CaseVerdict::fail(
            "VERSION did not succeed with a JSON answer",
            r#"{"cniVersion": ..., "supportedVersions": [...]}"#,
            step.reply.summary(),
        );
    };
    let listed = result.get("supportedVersions").and_then(Value::as_array);
    let Some(listed) = listed.filter(|l| !l.is_empty()) else {
        return CaseVerdict::fail(
            "VERSION answer has no non-empty supportedVersions list",
            "supportedVersions: a non-empty array of version strings",
            result.to_string(),
        );
    };
    if result.get("cniVersion").and_then(Value::as_str).is_none() {
        return CaseVerdict::fail(
            "VERSION answer has no cniVersion",
            "cniVersion string",
            result.to_string(),
        );
    }
    let declared = judge::schema::declared_version(result).unwrap_or(SpecVersion::LATEST);
    if let Ok(Some(f)) = judge::schema::check(declared, DocumentKind::Version, result, "VER-1") {
        return CaseVerdict::from_finding(&f);
    }
    let unknown: Vec<String> = listed
        .iter()
        .filter(|v| {
            v.as_str()
                .and_then(|s| s.parse::<SpecVersion>().ok())
                .is_none()
        })
        .map(Value::to_string)
        .collect();
    if !unknown.is_empty() {
        return CaseVerdict::warn(
            format!(
                "supportedVersions lists versions that are not CNI spec releases: {}",
                unknown.join(", ")
            ),
            "only released spec versions",
            result.to_string(),
        );
    }
    let answered = result
        .get("cniVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let shape = CaseVerdict::pass(format!("supports {}", listed.len())).worst(gap(listed));
    // VER-5: asked again in the oldest listed version (another than the
    // probe's), the answer names that one.
    let oldest = listed
        .iter()
        .filter_map(Value::as_str)
        .find(|v| Some(*v) != answered.as_deref());
    let mut echoes = vec![(SpecVersion::LATEST.as_str().to_string(), answered)];
    if let Some(asked) = oldest.map(str::to_string) {
        let stdin = format!(r#"{{"cniVersion":"{asked}"}}"#).into_bytes();
        let again = crate::bail_verdict!(ctx.raw(Verb::Version, None, &[], stdin));
        let got = again
            .reply
            .result()
            .and_then(|r| r.get("cniVersion"))
            .and_then(Value::as_str)
            .map(str::to_string);
        echoes.push((asked, got));
    }
    let wrong: Vec<String> = echoes
        .iter()
        .filter(|(asked, got)| got.as_deref() != Some(asked.as_str()))
        .map(|(asked, got)| {
            format!(
                "asked {asked}, answered {}",
                got.as_deref().unwrap_or("nothing")
            )
        })
        .collect();
    if wrong.is_empty() {
        return shape.cites("VER-5");
    }
    shape.worst(
        CaseVerdict::warn(
            "VERSION's cniVersion is not the version it was asked in",
            "cniVersion: the value given on input",
            wrong.join("; "),
        )
        .cites("VER-5"),
    )
}

/// A list that skips a spec version between its oldest and newest (VER-2
/// asks for the versions the plugin supports; one that handles 0.3.1 and
/// 1.0.0 but not 0.4.0 most likely forgot it, and its users' 0.4.0
/// configurations fail): a warning, since the spec does not forbid it.
fn gap(listed: &[Value]) -> CaseVerdict {
    let known: Vec<SpecVersion> = listed
        .iter()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect();
    let (Some(lo), Some(hi)) = (known.iter().min(), known.iter().max()) else {
        return CaseVerdict::pass("");
    };
    let missing: Vec<String> = SpecVersion::ALL
        .into_iter()
        .filter(|v| v > lo && v < hi && !known.contains(v))
        .map(|v| v.to_string())
        .collect();
    if missing.is_empty() {
        return CaseVerdict::pass("");
    }
    CaseVerdict::warn(
        format!(
            "supportedVersions skips {} between its oldest ({lo}) and newest ({hi})",
            missing.join(", ")
        ),
        "every spec version between the oldest and the newest listed",
        Value::Array(listed.to_vec()).to_string(),
    )
    .cites("VER-2")
}

fn unsupported(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    // Control: the same ADD at a supported version succeeds.
    crate::bail_verdict!(ctx.control_subject_add(&att, "version/listed-versions-accepted"));
    let step = crate::bail_verdict!(ctx.subject_add(&att, &[], |mut stdin| {
        stdin["cniVersion"] = Value::String("9.9.9".into());
        to_bytes(&stdin)
    }));
    let _ = ctx.del(&att);
    CaseVerdict::expected_error(
        &step,
        &Expect {
            refusal: "VER-4",
            code: Some((1, "ERR-2")),
            mentions: &[],
            provoked_by: "the configuration declares cniVersion 9.9.9",
        },
    )
}

fn listed_accepted(ctx: &mut Ctx) -> CaseVerdict {
    // Nothing listed, nothing to hold the plugin to (version/shape judges
    // the missing list): not a pass.
    if ctx.plan.is_some_and(|p| p.claimed.is_empty()) {
        return CaseVerdict::skip(
            "the plugin lists no supportedVersions (judged by version/shape)",
        );
    }
    let att = ctx.attachment(0);
    let run = crate::bail_verdict!(ctx.add(&att));
    // A refusal of the version itself (code 1) is this case's cause, and
    // the one failure of its version (the baseline at that version failed
    // the same way, and blocks the rest); any other failure of the
    // baseline's ADD is not about versions: blocked by it.
    let refused =
        matches!(run.last().map(|s| &s.reply), Some(Reply::Error(e)) if e.code == Some(1));
    if let Some(blocked) = ctx
        .blocked_by_baseline_add()
        .filter(|_| !run.succeeded() && !refused)
    {
        let _ = ctx.del(&att);
        return blocked;
    }
    let Some(last) = run.last() else {
        return CaseVerdict::error("no plugin ran");
    };
    let version = ctx.version;
    match &last.reply {
        Reply::Success(_) => {
            let _ = ctx.del(&att);
            CaseVerdict::pass(format!("ADD at {version} succeeded"))
        }
        Reply::Error(e) if e.code == Some(1) => CaseVerdict::fail(
            format!("VERSION lists {version} but ADD at {version} is refused as incompatible"),
            format!("ADD at {version} succeeds"),
            e.to_string(),
        ),
        other => CaseVerdict::fail(
            format!("ADD at listed version {version} failed"),
            format!("ADD at {version} succeeds"),
            other.summary(),
        ),
    }
}
