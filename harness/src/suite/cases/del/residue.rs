//! What DEL leaves behind, judged on the kernel and the state files: nothing
//! per attachment, nothing that grows cycle after cycle, also after a failed ADD.

use crate::invoke::Attachment;
use crate::judge::leak::{self, LeakIdentity};
use crate::judge::Finding;
use crate::kernel::{diff_sandbox, render, SandboxSnapshot};
use crate::sandbox::fixture;
use crate::suite::case::{always, own_interface, Case, Scope};
use crate::suite::ctx::Ctx;
use crate::suite::verdict::CaseVerdict;

/// ADD/DEL cycles for the growth check.
const CYCLES: usize = 3;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "del/no-residue",
            title:
                "after ADD then DEL no per-attachment state is left, and nothing grows per cycle",
            requirements: &["DEL-1", "DEL-RELEASE", "DEL-NO-GROWTH", "DEL-KEPT"],
            scope: Scope::PerVersion,
            applies: always,
            run: no_residue,
        },
        Case {
            id: "del/after-failed-add",
            title: "a failed ADD leaves nothing of the attempt, and the DEL after it succeeds and leaves nothing either",
            requirements: &[
                "DEL-3",
                "ADD-6",
                "DEL-RELEASE",
                "DEL-PREEXISTING",
                "ADD-FAIL-CLEAN",
            ],
            scope: Scope::PerVersion,
            applies: own_interface,
            run: after_failed_add,
        },
    ]
}

fn identity(att: &Attachment, raw: Option<&serde_json::Value>) -> LeakIdentity {
    LeakIdentity::for_attachment(&att.container_id, &att.ifname, raw)
}

fn no_residue(ctx: &mut Ctx) -> CaseVerdict {
    let att = ctx.attachment(0);
    let baseline = crate::bail_verdict!(ctx.snapshot());
    let mut after_dels = vec![baseline.clone()];
    let mut first: Option<(SandboxSnapshot, SandboxSnapshot, LeakIdentity)> = None;
    // ADD refused on a later cycle: most likely because of what the DEL
    // before it left. The residue is then what the case reports.
    let mut readd: Option<CaseVerdict> = None;
    for cycle in 0..CYCLES {
        let raw = match ctx.add_ok(&att) {
            Ok(raw) => raw,
            // Failed, or blocked as "the valid configuration's ADD failed":
            // after a cycle, what the DEL left is the likely cause.
            Err(v)
                if cycle > 0
                    && matches!(
                        v.verdict,
                        crate::record::Verdict::Fail | crate::record::Verdict::Blocked
                    ) =>
            {
                readd = Some(v);
                break;
            }
            Err(v) => return v,
        };
        let after_add = crate::bail_verdict!(ctx.snapshot());
        let del = crate::bail_verdict!(ctx.del(&att));
        if !del.succeeded() {
            // Nothing was released; whether anything grows was not measured.
            return CaseVerdict::fail(
                "DEL failed after a successful ADD",
                "DEL succeeds",
                del.last().map(|s| s.reply.summary()).unwrap_or_default(),
            )
            .cites("DEL-1");
        }
        let after_del = crate::bail_verdict!(ctx.snapshot());
        if first.is_none() {
            first = Some((after_add, after_del.clone(), identity(&att, Some(&raw))));
        }
        after_dels.push(after_del);
    }
    let Some((after_add, after_del, who)) = first else {
        return CaseVerdict::error("no cycle ran");
    };
    let mut findings: Vec<Finding> =
        leak::leaks(&baseline, &after_add, &after_del, &who).findings();
    findings.extend(leak::growth(&after_dels));
    if let Some(v) = readd {
        findings.push(
            Finding::error(
                "DEL-1",
                "ADD of the same attachment failed after an ADD/DEL cycle: DEL did not release what ADD acquired",
            )
            .expected("ADD succeeds again after DEL")
            .actual(v.actual),
        );
    }
    let diff = render(&diff_sandbox(&baseline, &after_del));
    CaseVerdict::from_findings(
        &findings,
        "the kernel matches",
        &format!("nothing per attachment left after {CYCLES} ADD/DEL cycles"),
    )
    .with_diff(Some(diff))
}

fn after_failed_add(ctx: &mut Ctx) -> CaseVerdict {
    let mut att = ctx.attachment(0);
    // A plugin whose ADD fails on its own is judged on that failure;
    // otherwise ADD is made to fail by an interface already in the way.
    let mut baseline = crate::bail_verdict!(ctx.snapshot());
    let first_baseline = baseline.clone();
    let mut run = crate::bail_verdict!(ctx.add(&att));
    // The harness's own links in the container, when it put them there.
    let mut fixture_links: Vec<String> = Vec::new();
    if run.succeeded() {
        let del = crate::bail_verdict!(ctx.del(&att));
        if !del.succeeded() {
            return CaseVerdict::skip("DEL fails even after a successful ADD (see del/no-residue)");
        }
        // A new container (ID and namespace) for the failed ADD: what this
        // DEL left (del/no-residue's business) would otherwise be in the
        // way of the interface this case puts there, or fail the ADD for
        // another reason.
        if let Err(e) = ctx.sandbox.renew_container() {
            return CaseVerdict::error(format!("sandbox: {e}"));
        }
        att = Attachment {
            container_id: "cnih-retry".into(),
            ..att
        };
        let Some(container) = ctx.sandbox.container() else {
            return CaseVerdict::error("container namespace missing");
        };
        if let Err(e) = fixture::add_parent_link(container, &att.ifname) {
            return CaseVerdict::error(format!("could not pre-create {}: {e}", att.ifname));
        }
        fixture_links = vec![att.ifname.clone(), fixture::peer_name(&att.ifname)];
        baseline = crate::bail_verdict!(settled(ctx));
        run = crate::bail_verdict!(ctx.add(&att));
        if run.succeeded() {
            let _ = ctx.del(&att);
            return CaseVerdict::skip(
                "ADD could not be made to fail (see add/existing-interface-fails)",
            );
        }
    }
    let after_add = crate::bail_verdict!(ctx.snapshot());
    // What the failed ADD left before any DEL came (ADD-FAIL-CLEAN): judged
    // when the plugin that failed is the first of the run (what an earlier
    // plugin of the chain made stays until the runtime's DEL, as libcni
    // does it).
    let mut left_by_add: Vec<Finding> = Vec::new();
    let first_failed = run.last().filter(|_| run.steps.len() == 1);
    // Graded for the plugin under test only when its own ADD failed;
    // another plugin's leftovers are reported about that plugin.
    let judged_left = first_failed.is_some_and(|f| f.plugin_type == ctx.opts.profile.plugin);
    if let Some(failed) = first_failed {
        // Control: the harness's own link in the container is seen, so the
        // snapshot reads where a failed ADD would leave its interface.
        if let Some(name) = fixture_links.first() {
            let seen = after_add
                .container
                .as_ref()
                .is_some_and(|c| c.links.iter().any(|l| &l.name == name));
            if !seen {
                return CaseVerdict::error(format!(
                    "the snapshot after the failed ADD does not show {name}, which the harness put in the container"
                ));
            }
        }
        let left = leak::after_del(&baseline, &after_add, &identity(&att, None));
        for c in &left.leaked {
            let f = Finding::warning(
                "ADD-FAIL-CLEAN",
                format!("left by the failed ADD before the runtime's DEL: {c}"),
            )
            .expected("a failed ADD removes what it made before returning its error")
            .actual(c.to_string());
            // A failing main plugin's leftovers are its own, not its IPAM's.
            left_by_add.push(if failed.plugin_type == ctx.opts.profile.plugin {
                f
            } else {
                f.by(failed.plugin_type.clone())
            });
        }
    }
    // Each plugin's DEL seen on its own: in a chain, what a chain-mate's
    // DEL removes is reported about it, not about the plugin under test.
    let plugin = ctx.opts.profile.plugin.clone();
    let own_left = left_by_add
        .iter()
        .any(|f| f.by.as_deref().is_none_or(|p| p == plugin));
    // ADD-FAIL-CLEAN graded on what was seen, whatever else the case finds.
    let grade_left = |v: CaseVerdict| match (judged_left, own_left) {
        (false, _) => v.not_judged("ADD-FAIL-CLEAN"),
        (true, false) => v.holds("ADD-FAIL-CLEAN"),
        (true, true) => v,
    };
    let (del, steps) = crate::bail_verdict!(ctx.del_attributed(&att));
    if !del.succeeded() {
        let failed = CaseVerdict::fail(
            "DEL failed after a failed ADD",
            "DEL succeeds",
            del.last().map(|s| s.reply.summary()).unwrap_or_default(),
        )
        // What a failed DEL says about the case's DEL requirements, as
        // before ADD-FAIL-CLEAN was graded on its own.
        .cites("DEL-3")
        .cites("ADD-6")
        .cites("DEL-RELEASE")
        .cites("DEL-PREEXISTING");
        let left = CaseVerdict::from_findings_of(
            &plugin,
            &left_by_add,
            "the kernel matches",
            "nothing of the failed ADD left before DEL",
        );
        return grade_left(failed.worst(left));
    }
    let after_del = crate::bail_verdict!(ctx.snapshot());
    let mut report = leak::leaks(&baseline, &after_add, &after_del, &identity(&att, None));
    report.forgive_fixture(&fixture_links);
    // What the first cycle's DEL left (del/no-residue's business) may go
    // while this one runs: the kernel removes a leftover veth once the
    // renewed container's old namespace is gone. Not state that predates it.
    let leftovers: Vec<String> = diff_sandbox(&first_baseline, &baseline)
        .into_iter()
        .filter(|c| c.kind == crate::kernel::ChangeKind::Added)
        .map(|c| c.key)
        .collect();
    report.lost.retain(|c| !leftovers.contains(&c.key));
    let mut findings = report.findings_attributed(&after_add, &steps);
    findings.extend(left_by_add);
    let diff = render(&diff_sandbox(&baseline, &after_del));
    grade_left(CaseVerdict::from_findings_of(
        &plugin,
        &findings,
        "the kernel matches",
        "nothing of the failed ADD is left after DEL",
    ))
    .with_diff(Some(diff))
}

/// A snapshot once the kernel has finished tearing down the namespace
/// `renew_container` let go: a veth whose peer was in it vanishes some
/// milliseconds later, and must not be counted as removed by the DEL
/// that follows (DEL-PREEXISTING). Two equal snapshots in a row, or the
/// last after half a second.
fn settled(ctx: &Ctx) -> crate::suite::ctx::OrVerdict<SandboxSnapshot> {
    let mut last = ctx.snapshot()?;
    for _ in 0..25 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let now = ctx.snapshot()?;
        if diff_sandbox(&last, &now).is_empty() {
            return Ok(now);
        }
        last = now;
    }
    Ok(last)
}
