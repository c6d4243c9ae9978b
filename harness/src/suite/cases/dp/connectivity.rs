//! `dp/connectivity` (DP-GATEWAY, DP-NODE, DP-DEL): the container reaches
//! its gateways, whoever holds an address in its subnet reaches it, and
//! after DEL nothing does.

use super::attached::{
    attach, failed, graded, harness, per_requirement, reason_of, surroundings, world, Judged,
};
use crate::dataplane::{self as dp, Echo};
use crate::judge::dataplane as judge;
use crate::judge::dataplane::gateways::gateways;
use crate::judge::{Finding, Severity};
use crate::record::Verdict;
use crate::sandbox::Uplink;
use crate::suite::ctx::{Ctx, OrVerdict};
use crate::suite::verdict::CaseVerdict;

/// DP-GATEWAY and DP-NODE on one attachment, then DP-DEL: the container
/// reaches its gateways, whoever holds an address in its subnet reaches it,
/// and after DEL the same senders get no answer. (One case, one ADD: the
/// data-plane cases must stay cheap next to the rest of the suite.)
pub(super) fn run(ctx: &mut Ctx) -> CaseVerdict {
    let expected = "the container reaches its gateways, whoever holds an address in its subnet \
                    reaches the container, and nothing does once DEL succeeded";
    crate::bail_verdict!(surroundings(ctx, false));
    let a = crate::bail_verdict!(attach(ctx, 0));
    let before = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        let mut around = vec![&a.ns, world.node];
        around.extend(world.uplink.map(Uplink::ns));
        let (findings, reports) = gateways(&a.endpoint(), &around, &a.result).map_err(harness)?;
        let mut j = Judged {
            findings,
            reports,
            notes: Vec::new(),
        };
        if j.reports.is_empty() {
            j.notes.push("the result names no gateway".into());
        }
        for c in &a.claims.addresses {
            let Some(from) = world.on_subnet(c.address) else {
                j.notes.push(format!(
                    "nothing on the network side holds an address in {}",
                    c.address.network()
                ));
                continue;
            };
            let r = dp::echo(&from, c.address.addr(), &Echo::ANSWER).map_err(harness)?;
            let why = format!(
                "the {} cannot reach the container's {}",
                from.name, c.address
            );
            j.add(judge::answers("DP-NODE", &r, &why), r);
        }
        Ok(j)
    })();
    let before = match before {
        Ok(j) if j.reports.is_empty() || failed(&j) => {
            let mut v = graded(ctx, &a, j, expected);
            // Silence after DEL means nothing unless the same path answered
            // before: DP-DEL is not judged, not passed.
            v.graded.push(("DP-DEL", Verdict::Skip));
            let _ = ctx.del(&a.att);
            return v;
        }
        Ok(j) => j,
        Err(v) => {
            let _ = ctx.del(&a.att);
            return v;
        }
    };
    let del = ctx.del(&a.att);
    if !matches!(&del, Ok(run) if run.succeeded()) {
        let mut v = graded(ctx, &a, before, expected);
        v.reason += "; after DEL not checked: DEL failed (see the del/ cases)";
        v.graded.push(("DP-DEL", Verdict::Skip));
        return v;
    }
    // Whoever reached the container before DEL, now expecting silence.
    let after = (|| -> OrVerdict<Judged> {
        let world = world(ctx)?;
        let mut j = Judged::default();
        for r in before
            .reports
            .iter()
            .filter(|r| !r.from.starts_with("container"))
        {
            let from = if r.from == "node" {
                Some(world.node())
            } else {
                world.uplink_endpoint()
            };
            let Some(from) = from else { continue };
            let gone = dp::echo(&from, r.to, &Echo::SILENCE).map_err(harness)?;
            let why = format!(
                "after DEL the {} still reaches the container's old address {}",
                from.name, r.to
            );
            j.add(judge::silent("DP-DEL", &gone, &why), gone);
        }
        Ok(j)
    })();
    match after {
        Ok(j) if failed(&j) => {
            // No hints: the container's interface is gone by design.
            let reasons: Vec<String> = j
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(reason_of)
                .collect();
            let first = reasons.first().cloned().unwrap_or_default();
            let v = CaseVerdict::fail(first, expected, reasons.join("\n"));
            // What held before DEL still counts for its own requirements.
            let all: Vec<Finding> = before.findings.into_iter().chain(j.findings).collect();
            per_requirement(v, &all)
        }
        Ok(mut j) => {
            j.findings.splice(0..0, before.findings);
            j.reports.splice(0..0, before.reports);
            j.notes.extend(before.notes);
            graded(ctx, &a, j, expected)
        }
        Err(v) => v,
    }
}
