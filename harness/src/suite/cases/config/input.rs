//! What a plugin does with configuration it cannot use: `args` it does not
//! understand is ignored (CONVENTIONS.md); a malformed value of a field it
//! expects is refused, with code 7 (invalid network configuration).

use serde_json::{json, Map, Value};

use crate::invoke::Reply;
use crate::suite::case::{always, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "config/args-ignored",
            title: "`args` the plugin does not understand is ignored",
            requirements: &["ARGS-1"],
            scope: Scope::Once,
            applies: always,
            run: args_ignored,
        },
        Case {
            id: "config/malformed-field",
            title: "a malformed `ipam` (a string, not an object) is refused, with code 7",
            requirements: &["CONF-6", "ERR-8"],
            scope: Scope::Once,
            applies: always,
            run: malformed_field,
        },
    ]
}

fn args_ignored(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_add(&att, "the baseline"));
    // A documented convention few plugins implement, and a namespace of
    // the harness's own.
    let net = crate::bail_verdict!(ctx.edited_config(|p| {
        p.insert(
            "args".into(),
            json!({"cni": {"labels": [{"key": "app", "value": "cnih"}]},
                   "cni-harness.example": {"probe": [1, "two", null]}}),
        );
    }));
    ctx.with_config(net, |ctx| {
        let run = crate::bail_verdict!(ctx.add_or_undo(&att));
        let _ = ctx.del(&att);
        if run.add.succeeded() {
            CaseVerdict::pass("args the plugin does not understand were ignored")
        } else {
            CaseVerdict::warn(
                "ADD refused a configuration because of its args",
                "ADD succeeds, ignoring args it does not understand",
                run.add.summary(),
            )
        }
    })
}

/// The field to break: `ipam`, the one well-known key whose meaning every
/// plugin configured with it relies on (a delegating plugin and its IPAM
/// both read it). Other fields may be ones the plugin ignores: an older
/// portmap, say, never reads the `backend` a newer one takes, so breaking
/// them proves nothing. Its object value becomes a string.
fn break_field(p: &mut Map<String, Value>) -> Option<String> {
    if !p.get("ipam").is_some_and(Value::is_object) {
        return None;
    }
    p.insert(
        "ipam".into(),
        json!("cni-harness: a string where the ipam object belongs"),
    );
    Some("ipam".into())
}

fn malformed_field(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    crate::bail_verdict!(ctx.control_add(&att, "the baseline"));
    let mut broken = None;
    let net = crate::bail_verdict!(ctx.edited_config(|p| broken = break_field(p)));
    let Some(field) = broken else {
        return CaseVerdict::skip(
            "the configuration has no ipam object, the one field the harness knows the plugin must read",
        );
    };
    ctx.with_config(net, |ctx| {
        let run = crate::bail_verdict!(ctx.add_or_undo(&att));
        let _ = ctx.del(&att);
        if run.add.succeeded() {
            return CaseVerdict::warn(
                format!("ADD succeeded although `{field}` had a value of the wrong type"),
                format!("an error about `{field}`"),
                "ADD succeeded",
            )
            .cites("CONF-6")
            .not_judged("ERR-8");
        }
        let refused =
            CaseVerdict::pass(format!("ADD refused the malformed `{field}`")).cites("CONF-6");
        let code = match run.add.last().map(|s| &s.reply) {
            Some(Reply::Error(e)) if e.code == Some(7) => {
                CaseVerdict::pass("refused with code 7 (invalid network configuration)")
            }
            Some(Reply::Error(e)) => CaseVerdict::warn(
                format!(
                    "the malformed `{field}` was refused with code {}, not 7",
                    e.code.map_or("none".into(), |c| c.to_string())
                ),
                "error code 7 (invalid network configuration)",
                e.to_string(),
            ),
            // No error object: error/on-stdout judges that.
            _ => return refused.not_judged("ERR-8"),
        };
        refused.worst(code.cites("ERR-8"))
    })
}
