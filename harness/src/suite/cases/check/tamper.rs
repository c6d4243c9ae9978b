//! CHECK must notice when the attachment it vouches for is broken: tamper
//! with the container's interface, address or route, then CHECK must fail.

use crate::judge;
use crate::result::CniResult;
use crate::sandbox::tamper;
use crate::sandbox::Netns;
use crate::suite::case::{both, has_interfaces, needs_check, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "check/detects-missing-interface",
            title: "CHECK fails after the container interface is deleted",
            requirements: &["CHECK-2"],
            scope: Scope::PerVersion,
            applies: tamperable,
            run: missing_interface,
        },
        Case {
            id: "check/detects-missing-address",
            title: "CHECK fails after the container interface's address is removed",
            requirements: &["CHECK-2"],
            scope: Scope::PerVersion,
            applies: tamperable,
            run: missing_address,
        },
        Case {
            id: "check/detects-missing-route",
            title: "CHECK fails after a route from the result is flushed",
            requirements: &["CHECK-2"],
            scope: Scope::PerVersion,
            applies: tamperable,
            run: missing_route,
        },
    ]
}

fn tamperable(a: &Applicability) -> Result<(), String> {
    both(a, needs_check, has_interfaces)
}

/// ADD, break something with `tamper` (which may decline with a skip
/// reason), then CHECK must fail.
fn tampered(
    ctx: &mut Ctx,
    what: &str,
    tamper: impl FnOnce(&Netns, &CniResult, &str) -> Result<(), String>,
) -> CaseVerdict {
    let att = ctx.attachment(0);
    let raw = crate::bail_verdict!(ctx.add_ok(&att));
    // Control: CHECK passes on the intact attachment, so a failing CHECK
    // after tampering is evidence (a plugin without CHECK fails both).
    if let Err(v) = ctx.control_check(&att, "check/after-add") {
        let _ = ctx.del(&att);
        return v;
    }
    let broken = match (
        judge::result::parse(&raw, ctx.version),
        ctx.sandbox.container(),
    ) {
        (Ok(parsed), Some(ns)) => tamper(ns, &parsed, &att.ifname),
        (Err(f), _) => Err(format!("result unreadable: {}", f.actual)),
        (_, None) => Err("container namespace missing".into()),
    };
    if let Err(why) = broken {
        let _ = ctx.del(&att);
        return CaseVerdict::skip(why);
    }
    let check = crate::bail_verdict!(ctx.check(&att));
    let _ = ctx.del(&att);
    if check.succeeded() {
        CaseVerdict::fail(
            format!("CHECK passed although {what}"),
            "CHECK fails with an error",
            "CHECK succeeded",
        )
    } else {
        CaseVerdict::pass(format!("CHECK noticed: {what}"))
    }
}

fn missing_interface(ctx: &mut Ctx) -> CaseVerdict {
    tampered(
        ctx,
        "the container interface was deleted",
        |ns, _, ifname| {
            tamper::delete_interface(ns, ifname)
                .map_err(|e| format!("could not delete {ifname}: {e}"))
        },
    )
}

fn missing_address(ctx: &mut Ctx) -> CaseVerdict {
    tampered(
        ctx,
        "the container's address was removed",
        |ns, r, ifname| {
            let ip = r
                .ips
                .iter()
                .find(|ip| r.interface_of(ip).is_some_and(|i| i.name == ifname))
                .or_else(|| r.ips.first())
                .ok_or("the result lists no address")?;
            tamper::remove_address(ns, ifname, ip.address)
                .map_err(|e| format!("could not remove {}: {e}", ip.address))
        },
    )
}

fn missing_route(ctx: &mut Ctx) -> CaseVerdict {
    tampered(ctx, "a route from the result was flushed", |ns, r, _| {
        let route = r.routes.first().ok_or("the result lists no route")?;
        match tamper::flush_route(ns, route.dst) {
            Ok(0) => Err(format!(
                "route {} is not in the kernel (see add/consistent-with-kernel)",
                route.dst
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("could not flush {}: {e}", route.dst)),
        }
    })
}
