//! The conformance suite: every case keyed by the spec requirements it
//! checks, run at each spec version the plugin claims, each in a fresh
//! sandbox, graded pass / fail / warn / skip / error.
//!
//! Cases are libtest-mimic trials, so filtering (by case name or requirement
//! id, both are in the trial name), `--list`, `--ignored` and
//! `--test-threads` behave as in `cargo test`. The runner collects graded
//! results on the side for the results JSON; the reporter renders that.
//!
//! Cases judge through `crate::judge`; [`verdict`] turns its findings into
//! case verdicts.

mod baseline;
pub mod case;
pub mod cases;
pub mod ctx;
mod grading;
mod options;
mod plan;
mod record;
mod run;
pub mod verdict;

pub use case::{Case, Scope};
pub use options::SuiteOptions;
pub use plan::{plan, Plan};
pub use record::{coverage, requirement_refs, results, Collected, Collector};
pub use run::{
    failure_text, libtest_outcome, panic_message, run_case, run_selected, schedule, trial_name,
    trials,
};
