//! The address pool at its limits and how addresses are requested: an
//! exhausted pool fails ADD cleanly and STATUS says so; `args` wins over
//! CNI_ARGS for the same request. Both edit the `ipam` section as
//! host-local's schema has it (`ranges` of `subnet` with `rangeStart` and
//! `rangeEnd`, or the older top-level `subnet`); other IPAM plugins skip.

use std::net::IpAddr;

use serde_json::{json, Map, Value};

use crate::config::Role;
use crate::invoke::{Attachment, CniArgs, Reply};
use crate::result::Cidr;
use crate::spec::Verb;
use crate::suite::case::{several_containers, Applicability, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "ipam/exhausted",
            title: "with a one-address pool taken, ADD fails and leaves nothing after its DEL; STATUS reports code 50",
            requirements: &["IPAM-5", "STATUS-5", "STATUS-7"],
            scope: Scope::Once,
            applies: pooled,
            run: exhausted,
        },
        Case {
            id: "ipam/args-over-cni-args",
            title: "an address requested in args.cni.ips wins over CNI_ARGS IP",
            requirements: &["ARGS-2"],
            scope: Scope::Once,
            applies: addressed,
            run: args_over_cni_args,
        },
    ]
}

/// Plugins that allocate (IPAM plugins and main plugins delegating to one).
fn addressed(a: &Applicability) -> Result<(), String> {
    match a.role() {
        Role::Meta => Err("a meta plugin allocates no addresses".into()),
        _ => Ok(()),
    }
}

fn pooled(a: &Applicability) -> Result<(), String> {
    addressed(a)?;
    several_containers(a)
}

/// The `ipam` object of a plugin object: its own (main plugin) or, for an
/// IPAM plugin under test, the section of the plugin that delegates to it.
fn ipam_of(p: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    p.get_mut("ipam").and_then(Value::as_object_mut)
}

/// The first range host-local would allocate from.
fn first_range(ipam: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    if ipam.contains_key("ranges") {
        let set = ipam
            .get_mut("ranges")?
            .as_array_mut()?
            .first_mut()?
            .as_array_mut()?;
        set.truncate(1);
        set.first_mut()?.as_object_mut()
    } else if ipam.contains_key("subnet") {
        Some(ipam)
    } else {
        None
    }
}

fn nth_host(subnet: Cidr, n: u32) -> Option<IpAddr> {
    let net = subnet.network();
    let host_bits = u32::from(if subnet.is_ipv4() { 32 } else { 128 } - subnet.prefix());
    if host_bits < 6 {
        return None;
    }
    Some(match net.addr() {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a) + n).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a) + u128::from(n)).into()),
    })
}

/// Shrink the first range to the single address `.10` of its subnet.
fn one_address_pool(ctx: &Ctx) -> Result<(crate::config::NetworkConfig, IpAddr), CaseVerdict> {
    let mut picked = None;
    let net = ctx.edited_config(|p| {
        let Some(range) = ipam_of(p).and_then(first_range) else {
            return;
        };
        let subnet = range
            .get("subnet")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Cidr>().ok());
        if let Some(addr) = subnet.and_then(|s| nth_host(s, 10)) {
            range.insert("rangeStart".into(), json!(addr.to_string()));
            range.insert("rangeEnd".into(), json!(addr.to_string()));
            picked = Some(addr);
        }
    })?;
    match picked {
        Some(addr) => Ok((net, addr)),
        None => Err(CaseVerdict::skip(
            "the ipam section has no host-local range (ranges/subnet) to shrink",
        )),
    }
}

fn addresses(result: &Value, version: crate::spec::SpecVersion) -> Vec<IpAddr> {
    crate::judge::result::parse(result, version)
        .map(|r| r.addresses())
        .unwrap_or_default()
}

fn exhausted(ctx: &mut Ctx) -> CaseVerdict {
    let (net, only) = crate::bail_verdict!(one_address_pool(ctx));
    let holder = crate::bail_verdict!(ctx.container(1));
    let probe = ctx.attachment(0);
    ctx.with_config(net, |ctx| {
        // Control for STATUS-5: STATUS on the untouched pool says ready.
        let ready_before = if ctx.sends(Verb::Status) {
            crate::bail_verdict!(ctx.status()).succeeded()
        } else {
            true
        };
        // Control: the pool's one address can be had.
        let held = crate::bail_verdict!(ctx.add_ok(&holder));
        if !addresses(&held, ctx.version).contains(&only) {
            let _ = ctx.del(&holder);
            return CaseVerdict::skip(format!(
                "the plugin does not honour rangeStart/rangeEnd (asked for {only} only, got {:?})",
                addresses(&held, ctx.version)
            ));
        }
        let verdict = judge_exhausted(ctx, &holder, &probe, only, ready_before);
        let _ = ctx.del(&probe);
        let _ = ctx.del(&holder);
        verdict
    })
}

fn judge_exhausted(
    ctx: &mut Ctx,
    holder: &Attachment,
    probe: &Attachment,
    only: IpAddr,
    ready_before: bool,
) -> CaseVerdict {
    let add = crate::bail_verdict!(ctx.add_or_undo(probe));
    if let Some(r) = add.add.result() {
        let got = addresses(r, ctx.version);
        let v = CaseVerdict::fail(
            "ADD succeeded with the pool's only address already held",
            "ADD fails: no address left",
            format!("handed out {got:?} while {only} is held"),
        );
        // Two holders of one address is IPAM-2's failure; any other an
        // address from outside the configured range.
        return v.cites("IPAM-5");
    }
    let snap = crate::bail_verdict!(ctx.snapshot());
    let left: Vec<String> = snap
        .container
        .as_ref()
        .map(|c| {
            c.links
                .iter()
                .map(|l| l.name.clone())
                .filter(|n| n != "lo")
                .collect()
        })
        .unwrap_or_default();
    let pool = if left.is_empty() {
        CaseVerdict::pass("ADD on an exhausted pool failed and its DEL left nothing")
    } else {
        CaseVerdict::warn(
            "an interface of the ADD that failed for want of an address is left after its DEL",
            "no interface in the container",
            format!("container links: {}", left.join(", ")),
        )
    }
    .cites("IPAM-5");
    if !ctx.sends(Verb::Status) {
        return pool.not_judged("STATUS-5").not_judged("STATUS-7");
    }
    if !ready_before {
        let mut v = CaseVerdict::blocked(
            "blocked: the control failed (STATUS on the untouched pool was not ready); judged by status/ready",
            "",
        );
        v.graded.push(("STATUS-5", crate::record::Verdict::Blocked));
        return pool.worst(v).not_judged("STATUS-7");
    }
    let status = crate::bail_verdict!(ctx.status());
    let reply = status.last().map(|s| s.reply.clone());
    let reported = match &reply {
        Some(Reply::Error(e)) if e.code == Some(50) => {
            CaseVerdict::pass("STATUS reports the exhausted pool with code 50")
        }
        Some(Reply::Error(e)) => CaseVerdict::warn(
            "STATUS on an exhausted pool failed with a code other than 50",
            "error code 50 (the plugin cannot service ADD)",
            e.to_string(),
        ),
        other => CaseVerdict::warn(
            "STATUS reported ready although no address is left for an ADD",
            "error code 50 (the plugin cannot service ADD)",
            other.as_ref().map(|r| r.summary()).unwrap_or_default(),
        ),
    }
    .cites("STATUS-5");
    let failed = matches!(reply, Some(Reply::Error(_)));
    let after = if failed {
        // STATUS said "not available"; DEL and a new ADD are still served.
        match ctx.del(holder) {
            Ok(del) if del.succeeded() => match ctx.add(probe) {
                Ok(add) if add.succeeded() => {
                    CaseVerdict::pass("DEL and ADD were still served after STATUS failed")
                }
                Ok(add) => CaseVerdict::warn(
                    "ADD of a freed address failed after STATUS had failed",
                    "ADD succeeds once the address is released",
                    add.summary(),
                ),
                Err(v) => v,
            },
            Ok(del) => CaseVerdict::warn(
                "DEL failed after STATUS had failed",
                "DEL succeeds: STATUS blocks no request",
                del.summary(),
            ),
            Err(v) => v,
        }
        .cites("STATUS-7")
    } else {
        CaseVerdict::pass("STATUS did not fail: nothing to judge after it").not_judged("STATUS-7")
    };
    pool.worst(reported).worst(after)
}

fn args_over_cni_args(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    // Control: a plain ADD, which also tells the subnet to request from.
    let first = crate::bail_verdict!(ctx.add_ok(&att));
    let _ = ctx.del(&att);
    let Some(given) = crate::judge::result::parse(&first, ctx.version)
        .ok()
        .and_then(|r| r.ips.first().map(|ip| ip.address))
    else {
        return CaseVerdict::skip("the result lists no address to request from");
    };
    let (Some(wanted), Some(other)) = (nth_host(given, 20), nth_host(given, 21)) else {
        return CaseVerdict::skip(format!("subnet {given} too small to request addresses in"));
    };
    let with_args = crate::bail_verdict!(ctx.edited_config(|p| {
        p.insert("args".into(), json!({"cni": {"ips": [wanted.to_string()]}}));
    }));
    ctx.with_config(with_args, |ctx| {
        // Does the plugin understand args.cni.ips at all?
        let alone = crate::bail_verdict!(ctx.add(&att));
        let _ = ctx.del(&att);
        let honoured = alone.result().is_some_and(|r| addresses(r, ctx.version).contains(&wanted));
        if !honoured {
            return CaseVerdict::skip(format!(
                "the plugin does not assign an address requested in args.cni.ips ({wanted}): it does not understand args"
            ));
        }
        let mut both = att.clone();
        both.args = CniArgs(vec![
            ("IgnoreUnknown".into(), "1".into()),
            ("IP".into(), other.to_string()),
        ]);
        let run = crate::bail_verdict!(ctx.add_or_undo(&both));
        let _ = ctx.del(&both);
        match run.add.result().map(|r| addresses(r, ctx.version)) {
            Some(got) if got.contains(&wanted) && !got.contains(&other) => CaseVerdict::pass(format!(
                "args.cni.ips ({wanted}) won over CNI_ARGS IP={other}"
            )),
            Some(got) => CaseVerdict::warn(
                "CNI_ARGS IP was not ignored although args.cni.ips requested an address",
                format!("only {wanted} (from args)"),
                format!("{got:?}"),
            ),
            None => CaseVerdict::warn(
                "ADD failed when args.cni.ips and CNI_ARGS IP requested different addresses",
                format!("{wanted} (from args), CNI_ARGS ignored"),
                run.add.summary(),
            ),
        }
    })
}
