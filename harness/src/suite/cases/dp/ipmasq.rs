//! `dp/ipmasq` (DP-MASQ): the source address the uplink sees, with `ipMasq`
//! off then on.

use std::net::{IpAddr, SocketAddr};

use serde_json::Value;

use super::attached::{harness, on_one, settle, world, Attached, Judged};
use crate::dataplane::{self as dp, Exchange, Patience};
use crate::judge::dataplane::{self as judge, Source};
use crate::result::Cidr;
use crate::sandbox::Uplink;
use crate::suite::ctx::{Ctx, OrVerdict};
use crate::suite::verdict::CaseVerdict;

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    use crate::record::Verdict;
    // Off first: a masquerade rule the "on" run leaked would otherwise be
    // blamed on "off".
    let mut passed = Vec::new();
    let mut skipped = Vec::new();
    for masq in [false, true] {
        let net = crate::bail_verdict!(ctx.edited_config(|p| {
            p.insert("ipMasq".into(), Value::Bool(masq));
        }));
        let v = ctx.with_config(net, |ctx| if masq { masq_on(ctx) } else { masq_off(ctx) });
        match v.verdict {
            Verdict::Pass => passed.push(format!("ipMasq {masq}: {}", v.reason)),
            Verdict::Skip => skipped.push(format!("ipMasq {masq}: {}", v.reason)),
            _ => return v,
        }
    }
    if passed.is_empty() {
        return CaseVerdict::skip(skipped.join("; "));
    }
    passed.extend(skipped.into_iter().map(|s| format!("not checked: {s}")));
    CaseVerdict::pass(passed.join("; "))
}

fn masq_off(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "with ipMasq off, the uplink sees the container's own address",
        |ctx, a| masquerade(ctx, a, false),
    )
}

fn masq_on(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "with ipMasq on, the uplink sees one of the node's addresses",
        |ctx, a| masquerade(ctx, a, true),
    )
}

/// A UDP exchange from the container to the uplink's off-subnet address,
/// per family, judged by the source the uplink saw.
fn masquerade(ctx: &Ctx, a: &Attached, masq: bool) -> OrVerdict<Judged> {
    let world = world(ctx)?;
    let (Some(uplink), Some(server)) = (world.uplink, world.uplink_endpoint()) else {
        return Err(CaseVerdict::error("no uplink"));
    };
    settle(&world, &[a])?;
    let mut node: Vec<IpAddr> = world.node_addresses.iter().map(Cidr::addr).collect();
    node.extend(uplink.node_side().iter().map(Cidr::addr));
    let mut j = Judged::default();
    for v4 in [true, false] {
        let Some(own) = a.claims.address(v4) else {
            continue;
        };
        let beyond = Uplink::beyond(v4);
        if !a.claims.routes.iter().any(|r| r.dst.contains(beyond)) {
            j.notes.push(format!("the result has no route to {beyond}"));
            continue;
        }
        let x = Exchange {
            client: &a.endpoint(),
            client_from: Some(own.addr()),
            server: &server,
            to: SocketAddr::new(beyond, dp::PROBE_PORT),
            listen_port: dp::PROBE_PORT,
            listen_on: Some(beyond),
            patience: Patience::ANSWER,
        };
        let r = dp::udp(&x).map_err(harness)?;
        let want = if masq {
            Source::Node {
                container: own.addr(),
                node: node.clone(),
            }
        } else {
            Source::Container(own.addr())
        };
        j.add(judge::source("DP-MASQ", &r, &want), r);
    }
    Ok(j)
}
