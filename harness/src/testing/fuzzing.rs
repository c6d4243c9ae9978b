//! A bounded fuzz session through the facade.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Error, FuzzFinding, Harness};
use crate::fuzz::{self, FuzzOptions};
use crate::timestamp::now_rfc3339;

/// A fuzz session being set up; see [`Harness::fuzz`].
#[derive(Debug, Clone)]
pub struct Fuzz {
    harness: Harness,
    duration: Duration,
    max_inputs: Option<u64>,
    seed: u64,
    out_dir: Option<PathBuf>,
    firewall: bool,
}

/// What a session did and found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FuzzReport {
    /// Inputs run (each a verb sequence: several plugin executions).
    pub inputs: u64,
    /// How long the session ran.
    pub elapsed: Duration,
    /// Deduplicated, minimised findings; each `file` is relative to `out_dir`.
    pub findings: Vec<FuzzFinding>,
    /// Where the findings (`findings/`) and the corpus were written: the
    /// directory given to [`Fuzz::out_dir`], else a temporary one, kept only
    /// when something was found (`None` otherwise).
    pub out_dir: Option<PathBuf>,
}

impl Harness {
    /// A fuzz session on this plugin (30 s, seed 0, unless set).
    pub fn fuzz(&self) -> Fuzz {
        Fuzz {
            harness: self.clone(),
            duration: Duration::from_secs(30),
            max_inputs: None,
            seed: 0,
            out_dir: None,
            firewall: false,
        }
    }
}

impl Fuzz {
    /// Stop after this long (default 30 s).
    pub fn duration(mut self, duration: Duration) -> Fuzz {
        self.duration = duration;
        self
    }

    /// Stop after this many inputs, if that comes first.
    pub fn max_inputs(mut self, inputs: u64) -> Fuzz {
        self.max_inputs = Some(inputs);
        self
    }

    /// The random seed: the same seed gives the same inputs (default 0).
    pub fn seed(mut self, seed: u64) -> Fuzz {
        self.seed = seed;
        self
    }

    /// Keep the findings and corpus here (created if missing; its corpus
    /// is resumed by the next session).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Fuzz {
        self.out_dir = Some(dir.into());
        self
    }

    /// Snapshot the firewall ruleset around every input too, so rules left
    /// after DEL are leaks (a few tool processes per input).
    pub fn firewall(mut self) -> Fuzz {
        self.firewall = true;
        self
    }

    /// Run the session. Fails without root ([`Error::NeedsRoot`]), on a
    /// plugin that cannot be found, or when the seed configuration does not
    /// work on its own (nothing could be learnt from mutating it).
    pub fn run(&self) -> Result<FuzzReport, Error> {
        if !nix::unistd::geteuid().is_root() {
            return Err(Error::NeedsRoot);
        }
        let (out, temporary) = match &self.out_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("cni-harness-fuzz-")
                    .tempdir()
                    .map_err(Error::io("creating the fuzz output directory"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let report = self.session(&out)?;
        // A finding names files of this directory (its replay, the plugin
        // links): keep them when there is one.
        let kept = match temporary {
            Some(t) if !report.findings.is_empty() => Some(t.keep()),
            Some(_) => None,
            None => Some(out),
        };
        Ok(FuzzReport {
            out_dir: kept,
            ..report
        })
    }

    /// Run the session and panic, listing every finding and where it is
    /// saved, unless there is none. Not root: see [`super::require_root`].
    pub fn assert_no_findings(&self) {
        if !super::require_root("the CNI fuzz session") {
            return;
        }
        let report = match self.run() {
            Ok(report) => report,
            Err(e) => panic!("cni-harness could not run the fuzz session: {e:?}"),
        };
        eprintln!(
            "cni-harness fuzz: {} inputs in {:.1}s, {} findings",
            report.inputs,
            report.elapsed.as_secs_f64(),
            report.findings.len()
        );
        if report.findings.is_empty() {
            return;
        }
        let out = report.out_dir.as_deref().unwrap_or(Path::new("."));
        let mut message = format!(
            "fuzzing found {} defect(s) in {} inputs (seed {}), saved in {}:\n",
            report.findings.len(),
            report.inputs,
            self.seed,
            out.display()
        );
        for f in &report.findings {
            message += &format!(
                "  [{}] {}\n    {}\n    replay: {}\n",
                f.oracle,
                f.summary,
                out.join(&f.file).display(),
                f.reproduce
            );
        }
        panic!("{message}");
    }

    fn session(&self, out: &Path) -> Result<FuzzReport, Error> {
        std::fs::create_dir_all(out).map_err(Error::io(format!("creating {}", out.display())))?;
        // The session reads its target from a file, and a finding names it.
        let config = out.join("target-profile.json");
        std::fs::write(&config, &self.harness.source)
            .map_err(Error::io(format!("writing {}", config.display())))?;
        let links = out.join("plugins");
        if links.exists() {
            std::fs::remove_dir_all(&links)
                .map_err(Error::io(format!("emptying {}", links.display())))?;
        }
        std::fs::create_dir(&links).map_err(Error::io(format!("creating {}", links.display())))?;
        let mut opts = FuzzOptions::new(config, out.to_path_buf());
        opts.cni_path = self.harness.cni_path(&links)?;
        opts.duration = Some(self.duration);
        opts.max_execs = self.max_inputs;
        opts.seed = self.seed;
        opts.firewall = self.firewall;
        // As the command line: without an explicit timeout, calibrated
        // from the seed's own run time (see `fuzz::calibrate`).
        match self.harness.timeout {
            Some(timeout) => opts.timeout = timeout,
            None => opts.calibrate_timeout = true,
        }
        let session = fuzz::run_session(&opts).map_err(Error::Run)?;
        let results = session.to_results(now_rfc3339());
        Ok(FuzzReport {
            inputs: session.execs,
            elapsed: session.elapsed,
            findings: results.findings,
            out_dir: None,
        })
    }
}
