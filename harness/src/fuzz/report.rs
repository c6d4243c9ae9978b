//! What a fuzz session did, and its results document (`kind: fuzz`).

use std::path::PathBuf;
use std::time::Duration;

use super::finding::FoundDefect;
use crate::config::Profile;
use crate::record::{self, RunKind, RunResults};

/// What one binary of the chain got in a session.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSummary {
    /// How it was called: `host-local (IPAM of bridge, called directly)`.
    pub label: String,
    /// Its type.
    pub plugin: String,
    pub execs: u64,
    pub findings: usize,
}

/// What a session did.
#[derive(Debug, Clone)]
pub struct SessionReport {
    pub profile: Profile,
    /// Inputs run (each one a verb sequence, so several plugin executions).
    pub execs: u64,
    pub elapsed: Duration,
    pub corpus_size: usize,
    pub new_corpus_entries: u64,
    pub sandboxes_created: u64,
    /// Re-checks that failed after a series of inputs none of which breaks
    /// the seed alone (state built up by several; not reported as findings).
    pub unattributed_rechecks: u64,
    pub findings: Vec<FoundDefect>,
    pub out: PathBuf,
    pub seed: u64,
    /// The signal that stopped the session early, if one did.
    pub interrupted: Option<i32>,
    /// What the session left undone, one line each (e.g. "hang finding kept
    /// unminimised: deadline").
    pub unfinished: Vec<String>,
    /// The per-execution timeout used, and whether it was calibrated from
    /// the seed's run time.
    pub timeout: Duration,
    pub timeout_calibrated: bool,
    /// Counters hit and counters known, when the plugin was instrumented.
    pub code_coverage: Option<(usize, usize)>,
    /// Every binary fuzzed, the subject first.
    pub targets: Vec<TargetSummary>,
}

impl SessionReport {
    pub fn found_something(&self) -> bool {
        !self.findings.is_empty()
    }

    pub fn execs_per_sec(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Process exit status: 1 when something was found.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.found_something())
    }

    /// The results document (`kind: fuzz`); `started_at` is RFC 3339.
    pub fn to_results(&self, started_at: String) -> RunResults {
        let net = &self.profile.config;
        RunResults {
            format: record::FORMAT_NAME.into(),
            format_version: record::FORMAT_VERSION,
            harness_version: env!("CARGO_PKG_VERSION").into(),
            kind: RunKind::Fuzz,
            target: record::Target {
                name: self.profile.name.clone(),
                network: net.name.clone(),
                plugins: net.plugin_types(),
                claimed_versions: Vec::new(),
                config: net.raw.clone(),
                runtime: self.profile.runtime_record(),
            },
            started_at,
            duration_ms: self.elapsed.as_millis() as u64,
            strict: false,
            versions: net.spec_version().into_iter().collect(),
            cases: Vec::new(),
            findings: self
                .findings
                .iter()
                .map(|f| f.finding.to_result(&f.file, &self.out))
                .collect(),
            baseline: None,
            plan: None,
            coverage: None,
            code_coverage: None,
            interrupted: self.interrupted.map(|s| record::Interruption {
                signal: crate::interrupt::signal_name(s).to_string(),
                after_ms: crate::interrupt::came_after_ms(self.elapsed),
            }),
            not_run: Vec::new(),
        }
    }
}
