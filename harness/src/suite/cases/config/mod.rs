//! Configuration robustness: fields and capabilities a plugin does not know
//! (here), and `args` and malformed values ([`input`]).

pub(super) mod input;

use serde_json::json;

use crate::invoke::Reply;

use crate::suite::case::{always, needs_chaining, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "config/unknown-fields",
            title: "configuration fields the plugin does not know are tolerated (a code-2 refusal names key and value)",
            requirements: &["CONF-2", "ERR-4"],
            scope: Scope::Once,
            applies: always,
            run: unknown_fields,
        },
        Case {
            id: "config/unknown-capability",
            title: "a runtimeConfig capability the plugin does not know is ignored",
            requirements: &["CONF-3"],
            scope: Scope::Once,
            applies: needs_chaining,
            run: unknown_capability,
        },
    ]
}

/// ADD (then DEL) with the edited configuration; grade a refusal with `refused`.
fn add_with(
    ctx: &mut Ctx,
    net: crate::config::NetworkConfig,
    refused: fn(String, String) -> CaseVerdict,
    ok: &str,
) -> CaseVerdict {
    let att = ctx.attachment(0);
    ctx.with_config(net, |ctx| {
        let run = crate::bail_verdict!(ctx.add(&att));
        let v = if run.succeeded() {
            CaseVerdict::pass(ok)
        } else if let Some(blocked) = ctx.blocked_by_baseline_add() {
            blocked
        } else {
            refused(
                "ADD succeeds".into(),
                run.last().map(|s| s.reply.summary()).unwrap_or_default(),
            )
        };
        let _ = ctx.del(&att);
        v
    })
}

const UNKNOWN_KEY: &str = "cniHarnessUnknownField";

fn unknown_fields(ctx: &mut Ctx) -> CaseVerdict {
    let net = crate::bail_verdict!(ctx.edited_config(|p| {
        p.insert(UNKNOWN_KEY.into(), json!({"nested": [1, "two", null]}));
    }));
    let att = ctx.attachment(0);
    ctx.with_config(net, |ctx| {
        let run = crate::bail_verdict!(ctx.add(&att));
        let _ = ctx.del(&att);
        if run.succeeded() {
            return CaseVerdict::pass("an unknown field was tolerated")
                .cites("CONF-2")
                .not_judged("ERR-4");
        }
        if let Some(blocked) = ctx.blocked_by_baseline_add() {
            return blocked;
        }
        let reply = run.last().map(|s| s.reply.clone());
        let refused = CaseVerdict::warn(
            "ADD refused a configuration with an unknown field",
            "ADD succeeds",
            reply.as_ref().map(|r| r.summary()).unwrap_or_default(),
        )
        .cites("CONF-2");
        match reply {
            Some(Reply::Error(e)) if e.code == Some(2) => refused.worst(names_field(&e)),
            _ => refused.not_judged("ERR-4"),
        }
    })
}

/// SPEC.md error code 2: the message contains the unsupported field's key
/// and value (read as msg and details together, as libcni prints them).
fn names_field(e: &crate::invoke::PluginError) -> CaseVerdict {
    let text = format!(
        "{} {}",
        e.msg.as_deref().unwrap_or(""),
        e.details.as_deref().unwrap_or("")
    );
    let (key, value) = (text.contains(UNKNOWN_KEY), text.contains("nested"));
    if key && value {
        CaseVerdict::pass("the code-2 error names the field and its value").cites("ERR-4")
    } else {
        CaseVerdict::fail(
            "the code-2 error does not name the unsupported field's key and value",
            format!("msg or details mention {UNKNOWN_KEY} and its value"),
            e.to_string(),
        )
        .cites("ERR-4")
    }
}

fn unknown_capability(ctx: &mut Ctx) -> CaseVerdict {
    let net = crate::bail_verdict!(ctx.edited_config(|p| {
        let caps = p.entry("capabilities").or_insert_with(|| json!({}));
        if let Some(c) = caps.as_object_mut() {
            c.insert("cniHarnessProbe".into(), json!(true));
        }
    }));
    ctx.capability_args
        .insert("cniHarnessProbe".into(), json!({"any": "value"}));
    add_with(
        ctx,
        net,
        |e, a| CaseVerdict::fail("ADD refused an unknown runtimeConfig capability", e, a),
        "an unknown capability was ignored",
    )
}
