//! Addresses handed out across attachments: distinct, also under concurrency.

use std::net::IpAddr;

use crate::config::{Role, StdinFor};
use crate::invoke::{Attachment, ChainRun};
use crate::judge;
use crate::spec::Verb;
use crate::suite::case::{several_containers, Case, Scope};
use crate::suite::ctx::{to_bytes, Ctx};
use crate::suite::verdict::CaseVerdict;

/// Concurrent ADDs in `add/parallel`.
const PARALLEL: usize = 4;

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "add/distinct-addresses",
            title: "two attachments on one network get distinct addresses",
            requirements: &["IPAM-2"],
            scope: Scope::PerVersion,
            applies: several_containers,
            run: distinct,
        },
        Case {
            id: "add/parallel",
            title: "concurrent ADDs for different containers all succeed with no duplicate address",
            requirements: &["EXEC-4", "IPAM-2"],
            scope: Scope::Once,
            applies: several_containers,
            run: parallel,
        },
    ]
}

/// Addresses a network hands out (loopback ones are per container).
fn addresses(v: &serde_json::Value) -> Result<Vec<IpAddr>, CaseVerdict> {
    judge::result::parse(v)
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
    let a = crate::bail_verdict!(ctx.container(0));
    let b = crate::bail_verdict!(ctx.container(1));
    let first = crate::bail_verdict!(ctx.add_ok(&a));
    let second = crate::bail_verdict!(ctx.add_ok(&b));
    let mut all = crate::bail_verdict!(addresses(&first));
    let n_first = all.len();
    all.extend(crate::bail_verdict!(addresses(&second)));
    let _ = ctx.del(&b);
    let _ = ctx.del(&a);
    if n_first == 0 {
        return CaseVerdict::skip("the result carries no addresses");
    }
    let dup = duplicates(&all);
    if dup.is_empty() {
        CaseVerdict::pass(format!("{} distinct addresses", all.len()))
    } else {
        CaseVerdict::fail(
            format!(
                "the same address was handed to two attachments: {}",
                dup.join(", ")
            ),
            "distinct addresses",
            format!("{all:?}"),
        )
    }
}

fn parallel(ctx: &mut Ctx) -> CaseVerdict {
    let mut atts: Vec<Attachment> = Vec::new();
    for n in 0..PARALLEL {
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
        std::thread::scope(|s| {
            let handles: Vec<_> = atts
                .iter()
                .map(|att| {
                    let (rt, subject, stdin) = (&rt, &subject, stdin.clone());
                    s.spawn(move || match subject {
                        Some(path) => {
                            let env = rt.env(Verb::Add, net.spec_version(), Some(att));
                            rt.exec(path, Verb::Add, env, stdin)
                                .map(|step| ChainRun::of(Verb::Add, vec![step]))
                                .map_err(|e| e.to_string())
                        }
                        None => rt.add(net, att).map_err(|e| e.to_string()),
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
                .collect()
        })
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
                    Some(r) => all.extend(crate::bail_verdict!(addresses(r))),
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
        return CaseVerdict::fail(
            format!("{} of {PARALLEL} concurrent ADDs failed", failures.len()),
            "every concurrent ADD succeeds",
            failures.join("; "),
        );
    }
    let dup = duplicates(&all);
    if dup.is_empty() {
        CaseVerdict::pass(format!(
            "{PARALLEL} concurrent ADDs, {} distinct addresses",
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
