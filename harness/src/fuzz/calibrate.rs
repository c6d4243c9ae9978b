//! The per-execution timeout, calibrated from the seed's own run time as
//! libFuzzer and AFL do: a plugin that answers the seed in 30 ms and then
//! takes 30 s on a mutated input is hanging, and waiting the same 30 s on
//! every hanging input (and every minimisation step of one) is what made
//! sessions overrun their `--duration` by minutes.

use std::time::Duration;

use super::execute::Executor;
use super::input::Input;
use super::target::FuzzTarget;
use crate::spec::Verb;

/// Runs of the seed measured.
pub const RUNS: usize = 5;
/// Timeout = this many times the median of the slowest execution per run.
pub const FACTOR: u32 = 10;
/// Bounds: scheduling noise on a loaded machine stays far below the floor;
/// the ceiling keeps one hanging input from eating a short session.
pub const MIN: Duration = Duration::from_secs(1);
pub const MAX: Duration = Duration::from_secs(10);

/// What calibration measured and chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub timeout: Duration,
    /// Median over the runs of each run's slowest plugin execution.
    pub median: Duration,
    /// Each run's slowest plugin execution.
    pub samples: Vec<Duration>,
}

/// Run the seed [`RUNS`] times (ADD then DEL, in the profile's chain) and
/// derive the timeout. The target's own timeout bounds these runs.
pub fn calibrate(target: &FuzzTarget) -> anyhow::Result<Calibration> {
    let mut exec = Executor::new(target.clone());
    let seed = Input::new(target.seed_config.clone(), vec![Verb::Add, Verb::Del]);
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let ex = exec.run(&seed, false)?;
        let slowest = ex
            .steps
            .iter()
            .chain(&ex.extra_steps)
            .map(|s| s.outcome.wall)
            .max()
            .unwrap_or_default();
        samples.push(slowest);
    }
    Ok(choose(samples))
}

/// The timeout for these samples: [`FACTOR`] × their median, within [`MIN`, `MAX`].
pub fn choose(samples: Vec<Duration>) -> Calibration {
    let mut sorted = samples.clone();
    sorted.sort();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    Calibration {
        timeout: (median * FACTOR).clamp(MIN, MAX),
        median,
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_times_factor_within_bounds() {
        let ms = Duration::from_millis;
        assert_eq!(choose(vec![ms(30), ms(500), ms(20)]).timeout, MIN);
        let slow = choose(vec![ms(300), ms(200), ms(250), ms(9000), ms(260)]);
        assert_eq!(slow.median, ms(260));
        assert_eq!(slow.timeout, ms(2600));
        assert_eq!(choose(vec![Duration::from_secs(5)]).timeout, MAX);
        assert_eq!(choose(Vec::new()).timeout, MIN);
    }
}
