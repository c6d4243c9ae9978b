//! What a delegating plugin does with its IPAM delegate's answer: its ADD
//! result carries the addresses, routes and `dns` the delegate returned
//! (`ipam/result-carries-delegate`: the configuration's own IPAM, watched
//! through the delegate tap; `ipam/result-carries-scripted`: the recording
//! plugin scripted with routes and `dns` of its own); when the plugin's ADD fails after the
//! delegate's ADD succeeded (the delegate returned no address), it runs the
//! delegate's DEL before returning and never its ADD again
//! (`ipam/rollback-after-delegate-add`). The IPAM slot is the recording
//! test plugin, scripted to answer.

use serde_json::{json, Value};

use super::{delegating, ipam_answer, recorded, RECORDER, RECORD_DIR};
use crate::judge::delegation::{self, ids};
use crate::spec::SpecVersion;
use crate::suite::case::{Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "ipam/result-carries-delegate",
            title: "the ADD result carries the addresses, routes and dns the configuration's own IPAM returned (seen through the delegate tap)",
            requirements: &[ids::CARRY, ids::CARRY_EXTRA],
            scope: Scope::PerVersion,
            applies: delegating,
            run: carries_own,
        },
        Case {
            id: "ipam/result-carries-scripted",
            title: "the ADD result carries the address, routes and dns a scripted IPAM delegate returned",
            requirements: &[ids::CARRY, ids::CARRY_EXTRA],
            scope: Scope::PerVersion,
            applies: delegating,
            run: carries,
        },
        Case {
            id: "ipam/rollback-after-delegate-add",
            title: "an ADD failing after its IPAM delegate's ADD succeeded runs the delegate's DEL, never its ADD again",
            requirements: &[ids::ROLLBACK, ids::NO_READD],
            scope: Scope::PerVersion,
            applies: delegating,
            run: rollback,
        },
    ]
}

/// The scripted answer with a route and dns of its own, in the delegate's
/// addressing (so a plugin can apply them).
fn rich_answer(v: SpecVersion) -> Value {
    let mut a = ipam_answer(v);
    a["routes"] = json!([{"dst": "0.0.0.0/0"}, {"dst": "192.0.2.0/24", "gw": "10.199.0.1"}]);
    a["dns"] = json!({"nameservers": ["192.0.2.53"], "domain": "cnih.example", "search": ["cnih.example"]});
    a
}

fn scripted(ctx: &mut Ctx, answers: Value) -> Result<crate::config::NetworkConfig, CaseVerdict> {
    let has_ipam = ctx
        .net
        .plugins
        .get(ctx.subject_index())
        .and_then(|p| p.get("ipam"))
        .is_some();
    if !has_ipam {
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

/// The configuration's own IPAM, watched through the delegate tap: what
/// it answered the plugin's ADD against the plugin's result. `None` when
/// the subject has no `ipam.type` or the IPAM's answer was not seen.
fn real_delegate(ctx: &mut Ctx) -> Result<Option<Vec<crate::judge::Finding>>, CaseVerdict> {
    let Some(ipam_type) = ctx
        .net
        .plugins
        .get(ctx.subject_index())
        .and_then(|p| p.get("ipam"))
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .map(String::from)
    else {
        return Ok(None);
    };
    ctx.tap_delegates()
        .map_err(|e| CaseVerdict::error(format!("delegate tap: {e}")))?;
    let att = ctx.attachment(0);
    let raw = ctx.add_ok(&att);
    let calls = ctx.delegate_calls();
    let _ = ctx.del(&att);
    let raw = raw?;
    let answer = calls
        .iter()
        .filter(|c| c.binary == ipam_type && c.verb == Some(crate::spec::Verb::Add))
        .filter(|c| c.exit.success())
        .find_map(|c| c.reply().result().cloned());
    let (Some(answer), Ok(plugin)) = (answer, crate::result::parse_value(&raw)) else {
        return Ok(None);
    };
    Ok(crate::result::parse_value(&answer)
        .ok()
        .map(|delegate| delegation::carried(&delegate, &plugin)))
}

/// A case of its own (a sandbox of its own): the bridge a first ADD set
/// up keeps its gateway address, which another subnet's answer conflicts with.
fn carries_own(ctx: &mut Ctx) -> CaseVerdict {
    match real_delegate(ctx) {
        Ok(Some(findings)) => CaseVerdict::from_findings(
            &findings,
            "what the IPAM returned, in the result",
            "the result carries the addresses, routes and dns the configuration's IPAM returned",
        ),
        Ok(None) => CaseVerdict::skip(
            "no successful ADD of the configuration's IPAM was seen (no ipam.type, or it is not on the CNI path)",
        ),
        Err(v) => v,
    }
}

fn carries(ctx: &mut Ctx) -> CaseVerdict {
    let mut findings = Vec::new();
    let answer = rich_answer(ctx.version);
    let net = crate::bail_verdict!(scripted(ctx, json!({"ADD": {"stdout": answer}})));
    let att = ctx.attachment(0);
    let raw = ctx.with_config(net.clone(), |ctx| {
        let raw = ctx.add_ok(&att);
        let _ = ctx.del(&att);
        raw
    });
    let raw = crate::bail_verdict!(raw);
    let (Ok(delegate), Ok(plugin)) = (
        crate::result::parse_value(&answer),
        crate::result::parse_value(&raw),
    ) else {
        return CaseVerdict::error("the scripted answer or the plugin's result does not parse");
    };
    findings.extend(delegation::carried(&delegate, &plugin));
    CaseVerdict::from_findings(
        &findings,
        "what the IPAM returned, in the result",
        "the result carries the delegate's addresses, routes and dns",
    )
}

fn rollback(ctx: &mut Ctx) -> CaseVerdict {
    let v = ctx.version;
    let ok = crate::bail_verdict!(scripted(ctx, json!({"ADD": {"stdout": ipam_answer(v)}})));
    // A successful delegate ADD the plugin cannot use: no address at all.
    let empty = json!({"cniVersion": v.as_str(), "ips": [], "dns": {}});
    let hollow = crate::bail_verdict!(scripted(ctx, json!({"ADD": {"stdout": empty}})));
    let att = ctx.attachment(0);
    // Control: with a usable answer the ADD succeeds.
    if let Err(verdict) = ctx.with_config(ok, |ctx| ctx.control_add(&att, "ipam/delegation")) {
        return verdict;
    }
    let mark = recorded(ctx).len();
    let (add, calls) = ctx.with_config(hollow, |ctx| {
        let add = ctx.add(&att);
        // What the plugin did before it returned, not the runtime's DEL after.
        let calls: Vec<(String, bool)> = recorded(ctx)
            .into_iter()
            .skip(mark)
            .map(|c| (c.verb, true))
            .collect();
        let _ = ctx.del(&att);
        (add, calls)
    });
    let add = crate::bail_verdict!(add);
    if add.succeeded() {
        return CaseVerdict::skip(
            "the plugin accepts an IPAM answer without addresses: its ADD did not fail",
        );
    }
    let findings = delegation::rolled_back(&calls);
    let seen: Vec<&str> = calls.iter().map(|(v, _)| v.as_str()).collect();
    CaseVerdict::from_findings(
        &findings,
        "the delegate's ADD undone by its DEL",
        &format!("delegate calls during the failed ADD: {}", seen.join(", ")),
    )
}
