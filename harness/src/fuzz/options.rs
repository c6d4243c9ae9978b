//! What a fuzz session is given: its command line's options as a value.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

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
    /// (see [`super::calibrate`]); the CLI does unless `--timeout` is given.
    pub calibrate_timeout: bool,
    /// Executions spent minimising each new finding (0: keep it as found).
    pub minimize_attempts: u32,
    /// Re-run the seed configuration after every N-th input (0: never).
    pub recheck_every: u64,
    /// Include the firewall ruleset in every snapshot.
    pub firewall: bool,
    /// Live progress line on stderr.
    pub progress: bool,
    /// Runtime arguments from the command line, over the profile's.
    pub runtime: crate::config::RuntimeOverrides,
    /// Collect the plugins' code coverage and let it guide the session
    /// when they are instrumented (see [`super::guidance`]); off: blind.
    pub coverage: bool,
    /// Fuzz every binary of the chain (each plugin of the list, each IPAM
    /// type called directly), not only the profile's subject.
    pub every_binary: bool,
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
            runtime: Default::default(),
            coverage: true,
            every_binary: true,
        }
    }
}
