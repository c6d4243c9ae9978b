//! The suite's part of the results document: requirement references from
//! the catalogue, and the run's record in case order.

use std::sync::{Arc, Mutex};

use super::cases;
use super::options::SuiteOptions;
use super::plan::Plan;
use crate::record::{CaseResult, RequirementRef, RunKind, RunResults, Target};

/// Collected graded results, in completion order.
pub type Collector = Arc<Mutex<Vec<CaseResult>>>;

/// Requirement references for results, from the catalogue.
pub fn requirement_refs(ids: &[&str]) -> Vec<RequirementRef> {
    ids.iter()
        .map(|id| match crate::requirements::requirement(id) {
            Some(r) => RequirementRef {
                id: r.id.clone(),
                level: Some(r.level),
                section: r.section.clone(),
                text: r.text.clone(),
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

/// Assemble the results document of a finished run.
pub fn results(
    opts: &SuiteOptions,
    plan: &Plan,
    collector: &Collector,
    started_at: String,
    elapsed_ms: u64,
) -> RunResults {
    let mut cases = collector.lock().map(|c| c.clone()).unwrap_or_default();
    let order: Vec<&str> = cases::all().iter().map(|c| c.id).collect();
    cases.sort_by_key(|c| {
        (
            order
                .iter()
                .position(|id| *id == c.case)
                .unwrap_or(usize::MAX),
            c.spec_version,
        )
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
    }
}
