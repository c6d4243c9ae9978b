//! Addresses handed out across attachments: distinct, also under concurrency.
//!
//! How many: an allocator that picks a random host among 200 of a /24
//! hands `n` live attachments distinct addresses with probability
//! prod_{k<n} (1 - k/200) (the birthday problem). For n = 48 that is 0.0021,
//! so each case alone catches such an allocator with probability 99.8% per
//! run (42 attachments, 0.0097, is the least that reaches 99%). A /24 has 253
//! addresses to give after the gateway, so a correct allocator has room.

use std::net::IpAddr;

use crate::config::{Role, StdinFor};
use crate::invoke::{Attachment, ChainRun};
use crate::judge;
use crate::spec::Verb;
use crate::suite::case::{several_containers, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

/// Live attachments in each case (see the module comment for why 48).
pub const ATTACHMENTS: usize = 48;

/// ADDs in flight at once in `add/parallel` (the plugin's locking is what
/// is tested; more threads only queue on a 2-core machine).
const IN_FLIGHT: usize = 8;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "add/distinct-addresses",
            title: "48 live attachments on one network get distinct addresses",
            requirements: &["IPAM-2"],
            // Allocation does not depend on the spec version.
            scope: Scope::Once,
            applies: several_containers,
            run: distinct,
        },
        Case {
            id: "add/parallel",
            title: "48 concurrent ADDs (8 at a time) for different containers all succeed with no duplicate address",
            requirements: &["EXEC-4", "IPAM-2"],
            scope: Scope::Once,
            applies: several_containers,
            run: parallel,
        },
    ]
}

/// Addresses a network hands out (loopback ones are per container).
fn addresses(
    v: &serde_json::Value,
    version: crate::spec::SpecVersion,
) -> Result<Vec<IpAddr>, CaseVerdict> {
    judge::result::parse(v, version)
        .map(|r| {
            r.addresses()
                .into_iter()
                .filter(|a| !a.is_loopback())
                .collect()
        })
        .map_err(|f| CaseVerdict::from_finding(&f))
}

/// Addresses that occur more than once.
fn duplicates(all: &[IpAddr]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut dup = std::collections::BTreeSet::new();
    for a in all {
        if !seen.insert(a) {
            dup.insert(a.to_string());
        }
    }
    dup.into_iter().collect()
}

fn distinct(ctx: &mut Ctx) -> CaseVerdict {
    let mut atts: Vec<Attachment> = Vec::new();
    for n in 0..ATTACHMENTS {
        atts.push(crate::bail_verdict!(ctx.container(n)));
    }
    let mut all = Vec::new();
    let mut added = 0;
    let mut outcome = None;
    for att in &atts {
        match ctx.add_ok(att) {
            Ok(result) => match addresses(&result, ctx.version) {
                Ok(a) => all.extend(a),
                Err(v) => outcome = Some(v),
            },
            Err(v) => outcome = Some(v),
        }
        added += 1;
        if outcome.is_some() {
            break;
        }
    }
    // DEL every attachment tried, the failed one included.
    for att in atts.iter().take(added).rev() {
        let _ = ctx.del(att);
    }
    if let Some(v) = outcome {
        return v;
    }
    if all.is_empty() {
        return CaseVerdict::skip("the result carries no addresses");
    }
    let dup = duplicates(&all);
    if dup.is_empty() {
        CaseVerdict::pass(format!(
            "{ATTACHMENTS} live attachments, {} distinct addresses",
            all.len()
        ))
    } else {
        CaseVerdict::fail(
            format!(
                "the same address was handed to two live attachments: {}",
                dup.join(", ")
            ),
            "distinct addresses",
            format!("{all:?}"),
        )
    }
}

fn parallel(ctx: &mut Ctx) -> CaseVerdict {
    let mut atts: Vec<Attachment> = Vec::new();
    for n in 0..ATTACHMENTS {
        atts.push(crate::bail_verdict!(ctx.container(n)));
    }
    let ipam_direct = ctx.role() == Role::Ipam;
    let subject = if ipam_direct {
        Some(crate::bail_verdict!(ctx.subject_path()))
    } else {
        None
    };
    let stdin = to_bytes(&ctx.subject_stdin(StdinFor::Add { prev_result: None }));
    let runs: Vec<Result<ChainRun, String>> = {
        let rt = ctx.runtime();
        let net = &ctx.net;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let add_one = |att: &Attachment| -> Result<ChainRun, String> {
            match &subject {
                Some(path) => {
                    let env = rt.env(Verb::Add, net.spec_version(), Some(att));
                    rt.exec(path, Verb::Add, env, stdin.clone())
                        .map(|step| ChainRun::of(Verb::Add, vec![step]))
                        .map_err(|e| e.to_string())
                }
                None => rt.add(net, att).map_err(|e| e.to_string()),
            }
        };
        let slots: Vec<std::sync::Mutex<Option<Result<ChainRun, String>>>> =
            atts.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..IN_FLIGHT {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(att) = atts.get(i) else { break };
                    let run = add_one(att);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(run);
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| Err("worker thread panicked".into()))
            })
            .collect()
    };
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for (att, run) in atts.iter().zip(runs) {
        match run {
            Err(e) => {
                return CaseVerdict::error(format!("harness could not invoke the plugin: {e}"))
            }
            Ok(run) => {
                match run.result() {
                    Some(r) => all.extend(crate::bail_verdict!(addresses(r, ctx.version))),
                    None => failures.push(format!(
                        "{}: {}",
                        att.container_id,
                        run.last().map(|s| s.reply.summary()).unwrap_or_default()
                    )),
                }
                ctx.record(run.steps);
            }
        }
    }
    for att in &atts {
        let _ = ctx.del(att);
    }
    if !failures.is_empty() {
        if let Some(blocked) = ctx.blocked_by_baseline_add() {
            return blocked;
        }
        return CaseVerdict::fail(
            format!("{} of {ATTACHMENTS} concurrent ADDs failed", failures.len()),
            "every concurrent ADD succeeds",
            failures.join("; "),
        );
    }
    let dup = duplicates(&all);
    if dup.is_empty() {
        CaseVerdict::pass(format!(
            "{ATTACHMENTS} concurrent ADDs, {} distinct addresses",
            all.len()
        ))
    } else {
        CaseVerdict::fail(
            format!(
                "concurrent ADDs handed out the same address: {}",
                dup.join(", ")
            ),
            "distinct addresses",
            format!("{all:?}"),
        )
    }
}
