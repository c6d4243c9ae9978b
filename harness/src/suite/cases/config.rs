//! Configuration robustness: fields and capabilities a plugin does not know.

use serde_json::json;

use crate::suite::case::{always, needs_chaining, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "config/unknown-fields",
            title: "configuration fields the plugin does not know are tolerated",
            requirements: &["CONF-2"],
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

fn unknown_fields(ctx: &mut Ctx) -> CaseVerdict {
    let net = crate::bail_verdict!(ctx.edited_config(|p| {
        p.insert(
            "cniHarnessUnknownField".into(),
            json!({"nested": [1, "two", null]}),
        );
    }));
    add_with(
        ctx,
        net,
        |e, a| CaseVerdict::warn("ADD refused a configuration with an unknown field", e, a),
        "an unknown field was tolerated",
    )
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
