//! A configuration without `cniVersion` (spec-upgrades.md, for plugin
//! authors): taken as 0.2.0, answered in the 0.2.0 result format, or
//! refused by a plugin that does not support 0.2.0.

use serde_json::Value;

use crate::config::Role;
use crate::invoke::Reply;
use crate::suite::case::{Applicability, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![Case {
        id: "version/missing-cniversion",
        title: "a configuration without cniVersion is answered as 0.2.0 (or refused without 0.2.0 support)",
        requirements: &["VER-6"],
        scope: Scope::Once,
        applies: unchained,
        run: missing_version,
    }]
}

/// A meta plugin's prevResult has a version; a configuration without one
/// cannot carry it.
fn unchained(a: &Applicability) -> Result<(), String> {
    match a.role() {
        Role::Meta => Err("a chained plugin's prevResult needs a version".into()),
        _ => Ok(()),
    }
}

/// Keys only results of 0.3.0 and later have.
const NEWER_KEYS: [&str; 2] = ["interfaces", "ips"];

fn missing_version(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_subject_add(&att, "the baseline"));
    let claims_020 = ctx
        .plan
        .is_some_and(|p| p.claimed.iter().any(|v| v == "0.2.0" || v == "0.1.0"));
    let step = crate::bail_verdict!(ctx.subject_add(&att, &[], |mut stdin| {
        if let Some(o) = stdin.as_object_mut() {
            o.remove("cniVersion");
        }
        to_bytes(&stdin)
    }));
    let _ = ctx.del(&att);
    match (&step.reply, claims_020) {
        (Reply::Success(Some(result)), _) => judge_020(result),
        (Reply::Success(None), _) => CaseVerdict::warn(
            "ADD without cniVersion succeeded with no result",
            "a 0.2.0-format result",
            "empty stdout",
        ),
        (_, true) => CaseVerdict::warn(
            "ADD without cniVersion failed although the plugin lists 0.2.0",
            "the configuration taken as 0.2.0 and a 0.2.0-format result",
            step.reply.summary(),
        ),
        (_, false) => CaseVerdict::pass(
            "ADD without cniVersion (taken as 0.2.0, which the plugin does not list) was refused",
        ),
    }
}

fn judge_020(result: &Value) -> CaseVerdict {
    let declared = result.get("cniVersion").and_then(Value::as_str);
    let newer: Vec<&str> = NEWER_KEYS
        .iter()
        .copied()
        .filter(|k| result.get(k).is_some())
        .collect();
    if !newer.is_empty() {
        return CaseVerdict::warn(
            format!(
                "the result has {} (0.3.0+ fields): it was not answered as 0.2.0",
                newer.join(", ")
            ),
            "a 0.2.0-format result (ip4/ip6, dns)",
            result.to_string(),
        );
    }
    match declared {
        None | Some("0.1.0") | Some("0.2.0") => CaseVerdict::pass(format!(
            "answered in the 0.2.0 format (cniVersion {})",
            declared.unwrap_or("absent")
        )),
        Some(other) => CaseVerdict::warn(
            format!("the result declares cniVersion {other}, not 0.2.0"),
            "cniVersion 0.2.0 (or 0.1.0, as libcni assumes)",
            result.to_string(),
        ),
    }
}
