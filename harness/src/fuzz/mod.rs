//! `cni-harness fuzz`: structure-aware fuzzing of a plugin's configuration,
//! environment and verb order, with oracles for crashes, panics, hangs,
//! unreadable answers, invalid results, leaks, and plugins broken by earlier
//! inputs (see [`crate::record::Oracle`]).
//!
//! Library entry points: [`run_session`], [`reproduce`] (and
//! [`reproduce_with`], with another CNI path, and [`reproduce_traced`], with
//! the trace), [`merge_corpora`] (the command line that fills
//! [`FuzzOptions`] lives in the binary).

pub mod calibrate;
pub mod chain;
pub mod corpus;
pub mod dataplane;
pub mod execute;
pub mod finding;
pub mod guidance;
pub mod input;
pub mod minimize;
pub mod mutate;
pub mod observe;
mod options;
pub mod oracles;
mod progress;
mod report;
pub mod rng;
pub mod session;
pub mod target;
pub mod values;

pub use corpus::merge_corpora;
pub use finding::FoundDefect;
pub use input::{EnvChange, Input};
pub use options::{FuzzOptions, Shard};
pub use report::{SessionReport, TargetSummary};
pub use session::{generate_inputs, reproduce, reproduce_traced, reproduce_with, Reproduction};

/// Run a fuzz session.
pub fn run_session(opts: &FuzzOptions) -> anyhow::Result<SessionReport> {
    session::run(opts)
}
