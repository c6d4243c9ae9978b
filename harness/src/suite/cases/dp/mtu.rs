//! `dp/mtu` (DP-MTU): a don't-fragment packet of the MTU passes, one byte
//! more does not.

use super::attached::{harness, on_one, settle, world, Judged};
use crate::dataplane::claims;
use crate::dataplane::{self as dp, Echo, Patience};
use crate::judge::dataplane as judge;
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    on_one(
        ctx,
        false,
        "a don't-fragment echo of the MTU is answered by the gateway, one byte more is not",
        |ctx, a| {
            let (mtu, source) = match a.claims.reported_mtu {
                Some(m) => (m, "the result's interface `mtu`".to_string()),
                None => claims::configured_mtu(&ctx.net.plugins)
                    .ok_or_else(|| CaseVerdict::skip("no MTU is configured or reported"))?,
            };
            let world = world(ctx)?;
            settle(&world, &[a])?;
            let mut j = Judged::default();
            let mut seen_family = Vec::new();
            for (own, gw) in a.claims.gateways() {
                if seen_family.contains(&gw.is_ipv4()) {
                    continue;
                }
                seen_family.push(gw.is_ipv4());
                if !gw.is_ipv4() && mtu < 1280 {
                    j.notes.push(format!(
                        "IPv6 needs an MTU of 1280 or more, {source} is {mtu}"
                    ));
                    continue;
                }
                let from = a.endpoint();
                let plain = dp::echo(&from, gw, &Echo::ANSWER.from(own.addr())).map_err(harness)?;
                if !plain.answered() {
                    j.notes.push(format!(
                        "the gateway {gw} does not answer at all (see dp/connectivity)"
                    ));
                    continue;
                }
                let sized = |packet: u32, patience| Echo {
                    packet: Some(packet as usize),
                    dont_fragment: true,
                    from: Some(own.addr()),
                    patience,
                };
                let at = dp::echo(&from, gw, &sized(mtu, Patience::ANSWER)).map_err(harness)?;
                let above =
                    dp::echo(&from, gw, &sized(mtu + 1, Patience::SILENCE)).map_err(harness)?;
                j.findings
                    .extend(judge::mtu("DP-MTU", mtu, &source, &at, &above));
                j.reports.extend([at, above]);
            }
            if a.claims.gateways().is_empty() {
                j.notes
                    .push("the result names no gateway to send to".into());
            }
            Ok(j)
        },
    )
}
