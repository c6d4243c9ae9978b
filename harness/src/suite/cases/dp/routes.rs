//! `dp/routes` (DP-ROUTES): each route whose next hop is in the sandbox
//! leads through the node to the uplink.

use std::net::IpAddr;

use super::attached::{harness, on_one, settle, world, Judged};
use crate::dataplane::claims;
use crate::dataplane::{self as dp, Echo};
use crate::judge::dataplane as judge;
use crate::sandbox::Uplink;
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        true,
        "an ICMP echo to a destination of each route is answered from beyond the node",
        |ctx, a| {
            let world = world(ctx)?;
            let Some(uplink) = world.uplink else {
                return Err(CaseVerdict::error("no uplink"));
            };
            settle(&world, &[a])?;
            let subnets = a.claims.subnets();
            let mut avoid = subnets.clone();
            avoid.extend(Uplink::reserved());
            avoid.extend(claims::special_ranges());
            let mut placed: Vec<IpAddr> = Vec::new();
            let mut j = Judged::default();
            for route in &a.claims.routes {
                if subnets
                    .iter()
                    .any(|s| s.prefix() <= route.dst.prefix() && s.contains(route.dst.addr()))
                {
                    j.notes
                        .push(format!("{} is on the container's own subnet", route.dst));
                    continue;
                }
                let Some(via) = route.via else {
                    j.notes.push(format!("{} has no next hop", route.dst));
                    continue;
                };
                if world.owner_of(via).is_none() {
                    j.notes.push(format!(
                        "nothing in the sandbox holds {via}, the next hop to {} (see dp/connectivity)",
                        route.dst
                    ));
                    continue;
                }
                let Some(own) = a.claims.address(route.dst.is_ipv4()) else {
                    j.notes.push(format!(
                        "the container has no address to send to {} from",
                        route.dst
                    ));
                    continue;
                };
                let beyond = Uplink::beyond(route.dst.is_ipv4());
                let Some(target) = claims::route_target(route.dst, &[beyond], &avoid) else {
                    j.notes
                        .push(format!("no address to stand for {}", route.dst));
                    continue;
                };
                if target != beyond && !placed.contains(&target) {
                    uplink.add_target(world.node, target).map_err(harness)?;
                    placed.push(target);
                }
                let r = dp::echo(&a.endpoint(), target, &Echo::ANSWER.from(own.addr()))
                    .map_err(harness)?;
                let why = format!(
                    "the result's route to {} via {via} does not lead beyond the node",
                    route.dst
                );
                j.add(judge::answers("DP-ROUTES", &r, &why), r);
            }
            Ok(j)
        },
    )
}
