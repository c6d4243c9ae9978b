//! The `cni-harness fuzz` command line, for the CLI to flatten into its
//! subcommand and turn into [`FuzzOptions`].

use std::path::PathBuf;
use std::time::Duration;

use cni_harness::fuzz::{FuzzOptions, Shard};

use super::shared::DEFAULT_TIMEOUT_SECS;

#[derive(clap::Args, Debug, Clone)]
pub struct FuzzArgs {
    /// Re-run a saved finding and say whether it still fires (exit 1 if it does);
    /// with --cni-path, against the plugins there instead of those it recorded.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["merge"])]
    pub reproduce: Option<PathBuf>,
    /// Merge these corpus directories into --corpus (deduplicated by content).
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub merge: Vec<PathBuf>,
    /// Seed corpus and where interesting inputs are written [default: OUT/corpus].
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Output directory (findings in OUT/findings, results.json).
    #[arg(long, value_name = "DIR", default_value = "fuzz-out")]
    pub out: PathBuf,
    /// Stop after this long: `90` or `90s`, `10m`, `2h`.
    #[arg(long, value_name = "TIME", default_value = "60", value_parser = parse_duration)]
    pub duration: Duration,
    /// Stop after this many inputs.
    #[arg(long, value_name = "N")]
    pub max_execs: Option<u64>,
    /// Random seed; the same seed gives the same inputs (with --jobs 1).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Parallel workers, each with its own sandbox.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Run shard I of N (e.g. 0/4) of the iteration space.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Executions spent minimising each new finding (0 keeps it as found).
    #[arg(long, default_value_t = 200)]
    pub minimize_attempts: u32,
    /// Re-run the seed configuration after every N-th input (0: never).
    #[arg(long, default_value_t = 16)]
    pub recheck_every: u64,
    /// Include the firewall ruleset (nft, iptables) in every snapshot, so
    /// rules left after DEL are leaks; costs a few tool processes per input.
    #[arg(long)]
    pub firewall: bool,
    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Do not collect the plugin's code coverage (blind fuzzing even when
    /// it is built with `go build -cover`).
    #[arg(long)]
    pub no_coverage: bool,
    /// Fuzz only the profile's subject (the plugin under test, or the main
    /// plugin that calls it as IPAM), not every binary of the chain.
    #[arg(long)]
    pub subject_only: bool,
}

impl FuzzArgs {
    /// Options for a session on `config` with the resolved CNI path and
    /// per-execution timeout (from the shared target arguments; `None`:
    /// calibrated from the seed, see [`cni_harness::fuzz::calibrate`]).
    pub fn options(
        &self,
        config: PathBuf,
        cni_path: Vec<PathBuf>,
        timeout: Option<Duration>,
    ) -> FuzzOptions {
        FuzzOptions {
            config,
            cni_path,
            duration: Some(self.duration),
            max_execs: self.max_execs,
            corpus: self.corpus.clone(),
            out: self.out.clone(),
            seed: self.seed,
            jobs: self.jobs,
            shard: self.shard.unwrap_or_default(),
            // The seed runs that calibrate are bounded by the usual default.
            timeout: timeout.unwrap_or(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
            calibrate_timeout: timeout.is_none(),
            minimize_attempts: self.minimize_attempts,
            recheck_every: self.recheck_every,
            firewall: self.firewall,
            progress: !self.quiet,
            runtime: Default::default(),
            coverage: !self.no_coverage,
            every_binary: !self.subject_only,
        }
    }
}

/// A session length: whole seconds, optionally suffixed `s`, `m` or `h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90, 90s, 10m or 2h"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use s, m or h, e.g. 10m)"
            ))
        }
    };
    secs.map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_writes_them() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        for bad in ["", "m", "10 minutes", "1.5h", "-3", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }
}
