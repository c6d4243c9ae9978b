//! The conformance suite through the facade: as libtest trials, as one
//! assertion, or as a results document.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Arguments, Trial};
use tempfile::TempDir;

use super::root::{self, Refusal};
use super::{Error, Harness};
use crate::invoke::Limits;
use crate::record::{CaseResult, RunResults, Verdict};
use crate::spec::SpecVersion;
use crate::suite::{self, Case, Plan, SuiteOptions};
use crate::timestamp::now_rfc3339;

/// A conformance run being set up; see [`Harness::conformance`].
#[derive(Debug, Clone)]
pub struct Conformance {
    harness: Harness,
    filter: Option<String>,
    versions: Option<Vec<SpecVersion>>,
    strict: bool,
    threads: usize,
    coverage: bool,
}

/// A planned run: the options cases read and the directory of plugin links
/// their CNI path points into, which must outlive every case.
struct Prepared {
    opts: SuiteOptions,
    plan: Plan,
    _links: TempDir,
}

impl Harness {
    /// The conformance suite on this plugin.
    pub fn conformance(&self) -> Conformance {
        Conformance {
            harness: self.clone(),
            filter: None,
            versions: None,
            strict: false,
            threads: 2,
            coverage: false,
        }
    }
}

impl Conformance {
    /// Only the cases whose `<case> [<requirement ids>]` contains `text`,
    /// e.g. `del/` or `DEL-2` (as a filter after `cargo test --` does, which
    /// [`Conformance::main`] applies on top).
    pub fn filter(mut self, text: impl Into<String>) -> Conformance {
        self.filter = Some(text.into());
        self
    }

    /// Only these spec versions (default: every version all plugins of the
    /// configuration claim in VERSION).
    pub fn versions(mut self, versions: impl IntoIterator<Item = SpecVersion>) -> Conformance {
        self.versions = Some(versions.into_iter().collect());
        self
    }

    /// Warnings (a SHOULD broken, the road libcni does not take where the
    /// spec is ambiguous) fail too.
    pub fn strict(mut self) -> Conformance {
        self.strict = true;
        self
    }

    /// Collect the code coverage of instrumented plugins (built with `go
    /// build -cover` or `-C instrument-coverage`), as `test --coverage`
    /// does: [`Conformance::run`] returns it in
    /// [`RunResults::code_coverage`], [`Conformance::main`] prints one line
    /// per binary after the trials. Collection stays on for the rest of the
    /// process (the counters are gathered process-wide).
    pub fn coverage(mut self) -> Conformance {
        self.coverage = true;
        self
    }

    /// Cases run at once by [`Conformance::run`] and
    /// [`Conformance::assert_passes`] (default 2; each has its own sandbox).
    pub fn threads(mut self, threads: usize) -> Conformance {
        self.threads = threads.max(1);
        self
    }

    /// Run the selected cases and return their graded results. Fails
    /// without root ([`Error::NeedsRoot`]), on a plugin that cannot be found
    /// or run, or when no spec version is left to test.
    pub fn run(&self) -> Result<RunResults, Error> {
        let started_at = now_rfc3339();
        let clock = Instant::now();
        let p = self.prepare()?;
        let cases = suite::run_selected(&p.opts, &p.plan, |c| self.selects(c), self.threads);
        let collected: suite::Collector = Arc::new(Mutex::new(suite::Collected {
            results: cases,
            not_run: Vec::new(),
        }));
        let elapsed_ms = clock.elapsed().as_millis() as u64;
        let mut results = suite::results(&p.opts, &p.plan, &collected, started_at, elapsed_ms);
        if self.coverage {
            results.code_coverage = crate::coverage::suite::report();
        }
        Ok(results)
    }

    /// One libtest-mimic trial per case and version, named
    /// `<version>::<case> [<requirement ids>]`, for `libtest_mimic::run`
    /// (planning asks the plugins VERSION first, so it fails as
    /// [`Conformance::run`] does).
    pub fn trials(&self) -> Result<Vec<Trial>, Error> {
        let p = Arc::new(self.prepare()?);
        let work = suite::schedule(&p.plan, |c| self.selects(c));
        Ok(work
            .into_iter()
            .map(|(case, version)| {
                let p = Arc::clone(&p);
                Trial::ignorable_test(suite::trial_name(&case, version), move || {
                    let result = suite::run_case(&case, version, &p.opts, &p.plan);
                    suite::libtest_outcome(&result, p.opts.strict)
                })
            })
            .collect())
    }

    /// The body of a `harness = false` test: the trials under libtest's
    /// command line (`cargo test -- FILTER`, `--list`, `--test-threads N`),
    /// and its exit status. Not root: one `skipped` line and success, but a
    /// failure when `CI` is set.
    pub fn main(&self) -> ExitCode {
        let args = Arguments::from_args();
        match root::check("the CNI conformance suite") {
            Ok(()) => {}
            Err(Refusal::Skip(line)) => {
                println!("{line}");
                return ExitCode::SUCCESS;
            }
            Err(Refusal::Fail(line)) => {
                eprintln!("error: {line}");
                return ExitCode::FAILURE;
            }
        }
        match self.trials() {
            Ok(trials) => {
                // Sandboxes are torn down in the background while the next
                // trials run; the scope waits for every one before returning.
                let teardowns = crate::sandbox::retire::DeferScope::begin();
                let code = libtest_mimic::run(&args, trials).exit_code();
                drop(teardowns);
                for line in crate::coverage::suite::report()
                    .iter()
                    .flat_map(|c| c.lines())
                {
                    println!("{line}");
                }
                code
            }
            Err(e) => {
                eprintln!("error: cni-harness could not run the conformance suite: {e:?}");
                ExitCode::FAILURE
            }
        }
    }

    /// Run the selected cases and panic, listing every failing one with its
    /// requirement, expected and actual behaviour, invocations and kernel
    /// diff, unless all pass. Not root: see [`super::require_root`].
    pub fn assert_passes(&self) {
        if !super::require_root("the CNI conformance suite") {
            return;
        }
        let results = match self.run() {
            Ok(results) => results,
            Err(e) => panic!("cni-harness could not run the conformance suite: {e:?}"),
        };
        eprintln!("{}", tally(&results));
        let failing: Vec<&CaseResult> = results
            .cases
            .iter()
            .filter(|c| c.verdict.fails_run(self.strict))
            .collect();
        if failing.is_empty() {
            return;
        }
        let mut message = format!(
            "{} of {} conformance cases failed{}:\n",
            failing.len(),
            results.cases.len(),
            if self.strict { " (strict)" } else { "" }
        );
        for c in &failing {
            message += &format!("    {}\n", name(c));
        }
        for c in &failing {
            message += &format!("\n{}\n{}", name(c), suite::failure_text(c));
        }
        panic!("{message}");
    }

    fn selects(&self, case: &Case) -> bool {
        let Some(filter) = &self.filter else {
            return true;
        };
        format!("{} [{}]", case.id, case.requirements.join(",")).contains(filter.as_str())
    }

    fn prepare(&self) -> Result<Prepared, Error> {
        if !nix::unistd::geteuid().is_root() {
            return Err(Error::NeedsRoot);
        }
        if self.coverage {
            crate::coverage::suite::enable();
        }
        let links = tempfile::Builder::new()
            .prefix("cni-harness-plugins-")
            .tempdir()
            .map_err(Error::io("creating the directory of plugin links"))?;
        let opts = SuiteOptions {
            cni_path: self.harness.cni_path(links.path())?,
            profile: self.harness.profile.clone(),
            only_versions: self.versions.clone(),
            strict: self.strict,
            limits: Limits {
                timeout: self.harness.timeout.unwrap_or(Limits::default().timeout),
                ..Limits::default()
            },
        };
        let plan = suite::plan(&opts).map_err(Error::Run)?;
        if plan.versions.is_empty() {
            return Err(Error::NoVersion {
                claimed: plan.claimed,
                restricted: self.versions.is_some(),
            });
        }
        Ok(Prepared {
            opts,
            plan,
            _links: links,
        })
    }
}

/// `1.0.0::del/repeat`
fn name(c: &CaseResult) -> String {
    let version = c.spec_version.map(|v| v.to_string()).unwrap_or_default();
    format!("{version}::{}", c.case)
}

/// `cni-harness: 120 passed, 0 failed, 0 warned, 12 skipped, 0 errors`
fn tally(results: &RunResults) -> String {
    let t = results.tally();
    let n = |v: Verdict| t.iter().find(|(k, _)| *k == v).map_or(0, |(_, n)| *n);
    format!(
        "cni-harness: {} passed, {} failed, {} warned, {} skipped, {} errors",
        n(Verdict::Pass),
        n(Verdict::Fail),
        n(Verdict::Warn),
        n(Verdict::Skip),
        n(Verdict::Error)
    )
}
