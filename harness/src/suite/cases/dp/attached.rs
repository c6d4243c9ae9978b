//! What the `dp/` cases share: an attachment with its claims and namespace,
//! the uplink put in place on demand, and grading findings into a verdict.

use std::net::IpAddr;

use crate::config::Surroundings;
use crate::dataplane::claims::Claims;
use crate::dataplane::{hints, Endpoint, ProbeReport, World};
use crate::invoke::Attachment;
use crate::judge::dataplane as judge;
use crate::judge::{Finding, Severity};
use crate::record::Verdict;
use crate::result::{self, CniResult};
use crate::sandbox::Netns;
use crate::suite::ctx::{Ctx, OrVerdict};
use crate::suite::verdict::CaseVerdict;

/// An attachment made for a case, with its claims and its namespace.
pub(super) struct Attached {
    pub(super) att: Attachment,
    pub(super) ns: Netns,
    pub(super) name: String,
    pub(super) result: CniResult,
    pub(super) claims: Claims,
}

impl Attached {
    pub(super) fn endpoint(&self) -> Endpoint<'_> {
        Endpoint {
            name: &self.name,
            ns: &self.ns,
        }
    }

    pub(super) fn has_v6(&self) -> bool {
        self.claims.addresses.iter().any(|a| !a.address.is_ipv4())
    }
}

/// ADD the n-th container; a result that cannot be read fails the case
/// (after its DEL).
pub(super) fn attach(ctx: &mut Ctx, n: usize) -> OrVerdict<Attached> {
    let att = ctx.container(n)?;
    // A data-plane case fails only on a probe it sent; without a working
    // ADD or a result to aim probes by, it is blocked, the ADD judged
    // elsewhere.
    let value = ctx.add_ok(&att).map_err(|v| match v.verdict {
        Verdict::Fail => CaseVerdict::blocked(
            format!(
                "no probe sent: ADD of the configuration failed ({}); judged by the add/ cases",
                v.reason
            ),
            v.actual,
        ),
        _ => v,
    })?;
    let parsed = match result::parse_as_libcni(&value, ctx.version.as_str()) {
        Ok(r) => r,
        Err(e) => {
            let _ = ctx.del(&att);
            return Err(CaseVerdict::blocked(
                "no probe sent: the ADD result cannot be read, even as libcni reads it (judged by add/result-schema)",
                e.to_string(),
            ));
        }
    };
    let Some(path) = att.netns.path(ctx.sandbox.container_path()) else {
        return Err(CaseVerdict::error(
            "the attachment has no container namespace",
        ));
    };
    let ns =
        Netns::open(path).map_err(|e| CaseVerdict::error(format!("container namespace: {e}")))?;
    Ok(Attached {
        name: format!("container {}", att.container_id),
        claims: Claims::of(&parsed),
        result: parsed,
        ns,
        att,
    })
}

/// Put the uplink in place: always when the profile puts it on the parent
/// link (the gateway lives there), behind the node only when `beyond`.
pub(super) fn surroundings(ctx: &mut Ctx, beyond: bool) -> OrVerdict<()> {
    let profile = &ctx.opts.profile;
    if profile.node.surroundings == Surroundings::BehindNode && !beyond {
        return Ok(());
    }
    ctx.sandbox
        .open_uplink(
            &profile.node.surroundings,
            profile.needs.parent_link.as_deref(),
        )
        .map(|_| ())
        .map_err(|e| CaseVerdict::error(format!("uplink: {e}")))
}

pub(super) fn world<'c>(ctx: &'c Ctx) -> OrVerdict<World<'c>> {
    let node = ctx
        .sandbox
        .node_netns()
        .ok_or_else(|| CaseVerdict::error("data-plane cases need a scratch node namespace"))?;
    World::read(node, ctx.sandbox.uplink())
        .map_err(|e| CaseVerdict::error(format!("reading the node: {e}")))
}

pub(super) fn harness(e: std::io::Error) -> CaseVerdict {
    CaseVerdict::error(format!("the prober failed: {e}"))
}

/// What a case found: the findings, the probes behind them, and notes on
/// what it could not check.
#[derive(Default)]
pub(super) struct Judged {
    pub(super) findings: Vec<Finding>,
    pub(super) reports: Vec<ProbeReport>,
    pub(super) notes: Vec<String>,
}

impl Judged {
    pub(super) fn add(&mut self, f: Finding, r: ProbeReport) {
        self.findings.push(f);
        self.reports.push(r);
    }
}

/// The case's verdict: the first error fails it (the reason says what was
/// sent where and what came back), else a pass with every round trip; no
/// probe at all is a skip with the notes.
pub(super) fn graded(ctx: &Ctx, a: &Attached, j: Judged, expected: &str) -> CaseVerdict {
    let errors: Vec<&Finding> = j
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        let mut actual: Vec<String> = errors.iter().map(|f| f.message.clone()).collect();
        if let Some(node) = ctx.sandbox.node_netns() {
            let addresses: Vec<IpAddr> = a
                .claims
                .addresses
                .iter()
                .map(|c| c.address.addr())
                .collect();
            if let Ok(found) = hints::hints(node, &a.ns, &a.att.ifname, &addresses) {
                actual.extend(found.into_iter().map(|h| format!("hint: {h}")));
            }
        }
        let v = CaseVerdict::fail(reason_of(first), expected, actual.join("\n"));
        return per_requirement(v, &j.findings);
    }
    if j.reports.is_empty() {
        return CaseVerdict::skip(j.notes.join("; "));
    }
    let mut reason = judge::summary(&j.reports);
    if !j.notes.is_empty() {
        reason += &format!(" (not checked: {})", j.notes.join("; "));
    }
    per_requirement(CaseVerdict::pass(reason), &j.findings)
}

/// What each requirement the findings cite got, so a case checking several
/// (dp/connectivity: DP-GATEWAY, DP-NODE, DP-DEL) fails only the one broken
/// in the report's matrix.
pub(super) fn per_requirement(mut v: CaseVerdict, findings: &[Finding]) -> CaseVerdict {
    for f in findings {
        let got = match f.severity {
            Severity::Error => Verdict::Fail,
            Severity::Warning => Verdict::Warn,
            Severity::Info => Verdict::Pass,
        };
        v.graded.push((f.requirement, got));
    }
    v
}

/// Wait out IPv6 DAD when the attachments have IPv6 addresses.
pub(super) fn settle(world: &World<'_>, atts: &[&Attached]) -> OrVerdict<()> {
    if atts.iter().any(|a| a.has_v6()) {
        let nss: Vec<&Netns> = atts.iter().map(|a| &a.ns).collect();
        world.settle(&nss).map_err(harness)?;
    }
    Ok(())
}

/// Run `body` on one attachment, then DEL it whatever happened.
pub(super) fn on_one(
    ctx: &mut Ctx,
    beyond: bool,
    expected: &str,
    body: fn(&Ctx, &Attached) -> OrVerdict<Judged>,
) -> CaseVerdict {
    crate::bail_verdict!(surroundings(ctx, beyond));
    let a = crate::bail_verdict!(attach(ctx, 0));
    let verdict = match body(ctx, &a) {
        Ok(j) => graded(ctx, &a, j, expected),
        Err(v) => v,
    };
    let _ = ctx.del(&a.att);
    verdict
}

/// A failure's reason names the requirement: several cases check more than one.
pub(super) fn reason_of(f: &Finding) -> String {
    format!("[{}] {}", f.requirement, f.message)
}

pub(super) fn failed(j: &Judged) -> bool {
    j.findings.iter().any(|f| f.severity == Severity::Error)
}
