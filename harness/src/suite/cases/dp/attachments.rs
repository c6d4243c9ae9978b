//! `dp/attachments` (DP-PEERS): two attachments on one network reach each
//! other, both ways, in each family they share.

use super::attached::{attach, graded, harness, settle, surroundings, world, Judged};
use crate::dataplane::{self as dp, Echo};
use crate::judge::dataplane as judge;
use crate::suite::ctx::{Ctx, OrVerdict};
use crate::suite::verdict::CaseVerdict;

pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    let a = crate::bail_verdict!(surroundings(ctx, false).and_then(|()| attach(ctx, 0)));
    let b = match attach(ctx, 1) {
        Ok(b) => b,
        Err(v) => {
            let _ = ctx.del(&a.att);
            return v;
        }
    };
    let judged = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        settle(&world, &[&a, &b])?;
        let mut j = Judged::default();
        for v4 in [true, false] {
            let (Some(x), Some(y)) = (a.claims.address(v4), b.claims.address(v4)) else {
                continue;
            };
            for (from, own, to) in [(&a, x, y), (&b, y, x)] {
                let r = dp::echo(&from.endpoint(), to.addr(), &Echo::ANSWER.from(own.addr()))
                    .map_err(harness)?;
                let why = format!(
                    "two attachments on one network do not reach each other ({} to {to})",
                    from.name
                );
                j.add(judge::answers("DP-PEERS", &r, &why), r);
            }
        }
        if j.reports.is_empty() {
            j.notes
                .push("the two results share no address family".into());
        }
        Ok(j)
    })();
    let verdict = match judged {
        Ok(j) => graded(
            ctx,
            &a,
            j,
            "each attachment answers an ICMP echo from the other",
        ),
        Err(v) => v,
    };
    let _ = ctx.del(&b.att);
    let _ = ctx.del(&a.att);
    verdict
}
