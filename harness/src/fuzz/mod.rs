//! `cni-harness fuzz`: structure-aware fuzzing of a plugin's configuration,
//! environment and verb order, with oracles for crashes, panics, hangs,
//! unreadable answers, invalid results, leaks, and plugins broken by earlier
//! inputs (see [`oracles::Oracle`]).
//!
//! Library entry points: [`run_session`], [`reproduce`], [`merge_corpora`];
//! [`args::FuzzArgs`] is the command line.

pub mod args;
pub mod calibrate;
pub mod chain;
pub mod corpus;
pub mod execute;
pub mod finding;
pub mod input;
pub mod minimize;
pub mod mutate;
pub mod observe;
pub mod oracles;
mod progress;
pub mod rng;
pub mod session;
pub mod target;
pub mod values;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub use corpus::merge_corpora;
pub use input::{EnvChange, Input};
pub use session::{generate_inputs, reproduce, FoundDefect};

use crate::config::Profile;
use crate::results::{self, RunKind, RunResults};

/// `--shard I/N`: this session runs iterations `I, I+N, I+2N...` and the
/// seeds whose position is `I` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("shard {s:?} is not I/N with 0 <= I < N (e.g. 0/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// Profile or network configuration file.
    pub config: PathBuf,
    /// Where plugins are looked up; empty: the profile's `cniPath`.
    pub cni_path: Vec<PathBuf>,
    /// Stop after this long (`None`: only `max_execs` stops the session).
    pub duration: Option<Duration>,
    /// Stop after this many inputs.
    pub max_execs: Option<u64>,
    /// Seeds and resumable corpus; interesting inputs are written here
    /// (default `<out>/corpus`).
    pub corpus: Option<PathBuf>,
    /// Findings go to `<out>/findings/`.
    pub out: PathBuf,
    pub seed: u64,
    /// Worker threads, each with its own sandbox.
    pub jobs: usize,
    pub shard: Shard,
    /// Per plugin execution; with `calibrate_timeout`, only the bound on
    /// the seed runs that calibrate it.
    pub timeout: Duration,
    /// Derive the per-execution timeout from the seed's own run time
    /// (see [`calibrate`]); the CLI does unless `--timeout` is given.
    pub calibrate_timeout: bool,
    /// Executions spent minimising each new finding (0: keep it as found).
    pub minimize_attempts: u32,
    /// Re-run the seed configuration after every N-th input (0: never).
    pub recheck_every: u64,
    /// Include the firewall ruleset in every snapshot.
    pub firewall: bool,
    /// Live progress line on stderr.
    pub progress: bool,
}

impl FuzzOptions {
    /// Defaults for everything but the configuration and output directory.
    pub fn new(config: PathBuf, out: PathBuf) -> FuzzOptions {
        FuzzOptions {
            config,
            cni_path: Vec::new(),
            duration: Some(Duration::from_secs(60)),
            max_execs: None,
            corpus: None,
            out,
            seed: 0,
            jobs: 1,
            shard: Shard::default(),
            timeout: Duration::from_secs(5),
            calibrate_timeout: false,
            minimize_attempts: 200,
            recheck_every: 16,
            firewall: false,
            progress: false,
        }
    }
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
            format: results::FORMAT_NAME.into(),
            format_version: results::FORMAT_VERSION,
            harness_version: env!("CARGO_PKG_VERSION").into(),
            kind: RunKind::Fuzz,
            target: results::Target {
                name: self.profile.name.clone(),
                network: net.name.clone(),
                plugins: net.plugin_types(),
                claimed_versions: Vec::new(),
                config: net.raw.clone(),
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
            interrupted: self.interrupted.map(|s| results::Interruption {
                signal: crate::interrupt::signal_name(s).to_string(),
                after_ms: crate::interrupt::came_after_ms(self.elapsed),
            }),
            not_run: Vec::new(),
        }
    }
}

/// Run a fuzz session.
pub fn run_session(opts: &FuzzOptions) -> anyhow::Result<SessionReport> {
    session::run(opts)
}
