//! The suite's part of the results document: requirement references from
//! the catalogue, and the run's record in case order.

use std::sync::{Arc, Mutex, MutexGuard};

use super::cases;
use super::options::SuiteOptions;
use super::plan::Plan;
use crate::record::{
    CaseResult, Coverage, Interruption, NotRun, RequirementRef, RunKind, RunResults, Target,
};
use crate::spec::SpecVersion;

/// What the trials of one run leave: graded results in completion order,
/// and the cases an interruption kept from a verdict.
#[derive(Debug, Default)]
pub struct Collected {
    pub results: Vec<CaseResult>,
    pub not_run: Vec<NotRun>,
}

pub type Collector = Arc<Mutex<Collected>>;

/// A poisoned lock only means a trial panicked while holding it; what was
/// collected is still there.
pub(super) fn lock_collector(c: &Collector) -> MutexGuard<'_, Collected> {
    c.lock().unwrap_or_else(|e| e.into_inner())
}

/// Requirement references for results, from the catalogue.
pub fn requirement_refs(ids: &[&str]) -> Vec<RequirementRef> {
    ids.iter()
        .map(|id| match crate::requirements::requirement(id) {
            // The spec's own level; a stricter grade is said in the text.
            Some(r) => RequirementRef {
                id: r.id.clone(),
                level: Some(r.level),
                section: r.section.clone(),
                text: match r.graded {
                    Some(g) => format!(
                        "{} (graded {g}, stricter than the spec's word: {})",
                        r.text,
                        r.why.as_deref().unwrap_or("")
                    ),
                    None => r.text.clone(),
                },
            },
            None => RequirementRef {
                id: id.to_string(),
                level: None,
                section: String::new(),
                text: "(not in the catalogue)".into(),
            },
        })
        .collect()
}

/// How much of the catalogue the cases cover.
pub fn coverage() -> Coverage {
    let all = cases::all();
    let cited = |id: &str| all.iter().any(|c| c.requirements.contains(&id));
    let cat = crate::requirements::catalogue();
    Coverage {
        catalogued: cat.len(),
        with_case: cat.iter().filter(|r| cited(&r.id)).count(),
        testable_without_case: cat
            .iter()
            .filter(|r| !cited(&r.id) && r.untestable.is_none())
            .map(|r| r.id.clone())
            .collect(),
        untestable: cat
            .iter()
            .filter(|r| !cited(&r.id) && r.untestable.is_some())
            .count(),
    }
}

/// Assemble the results document of a finished run.
pub fn results(
    opts: &SuiteOptions,
    plan: &Plan,
    collector: &Collector,
    started_at: String,
    elapsed_ms: u64,
) -> RunResults {
    let (mut cases, mut not_run) = {
        let c = lock_collector(collector);
        (c.results.clone(), c.not_run.clone())
    };
    let order: Vec<&str> = cases::all().iter().map(|c| c.id).collect();
    let rank = |case: &str, version: Option<SpecVersion>| {
        (
            order
                .iter()
                .position(|id| *id == case)
                .unwrap_or(usize::MAX),
            version,
        )
    };
    cases.sort_by_key(|c| rank(&c.case, c.spec_version));
    not_run.sort_by_key(|c| rank(&c.case, c.spec_version));
    let interrupted = crate::interrupt::signal().map(|s| Interruption {
        signal: crate::interrupt::signal_name(s).to_string(),
        after_ms: crate::interrupt::came_after_ms(std::time::Duration::from_millis(elapsed_ms)),
    });
    RunResults {
        format: crate::record::FORMAT_NAME.into(),
        format_version: crate::record::FORMAT_VERSION,
        harness_version: env!("CARGO_PKG_VERSION").into(),
        kind: RunKind::Test,
        target: Target {
            name: opts.profile.name.clone(),
            network: opts.profile.config.name.clone(),
            plugins: opts.profile.config.plugin_types(),
            claimed_versions: plan.claimed.clone(),
            config: opts.profile.config.raw.clone(),
        },
        started_at,
        duration_ms: elapsed_ms,
        strict: opts.strict,
        versions: plan.versions.clone(),
        cases,
        findings: Vec::new(),
        baseline: plan.own_baseline().cloned(),
        plan: Some(plan.run.clone()),
        coverage: Some(coverage()),
        interrupted,
        not_run,
    }
}
