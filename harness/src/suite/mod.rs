//! The conformance suite: every case keyed by the spec requirements it
//! checks, run at each spec version the plugin claims, each in a fresh
//! sandbox, graded pass / fail / warn / skip / error.
//!
//! The command line runs cases with [`run_streaming`], taking libtest's
//! arguments (filtering by case name or requirement id, both in the trial
//! name; `--skip`, `--exact`, `--list`, `--test-threads`) and printing one
//! line per case with the suite's own verdict ([`lines`]); library users get
//! libtest-mimic trials ([`trials`]). Graded results are collected on the
//! side for the results JSON; the reporter renders that.
//!
//! Cases judge through `crate::judge`; [`verdict`] turns its findings into
//! case verdicts.

mod baseline;
pub mod case;
pub mod cases;
pub mod ctx;
mod grading;
pub mod lines;
mod options;
mod plan;
mod prefetch;
mod record;
mod run;
pub mod verdict;

pub use case::{Case, Scope};
pub use options::SuiteOptions;
pub use plan::{plan, Plan};
pub use record::{coverage, requirement_refs, results, Collected, Collector};
pub use run::{
    failure_text, libtest_outcome, panic_message, run_case, run_selected, run_streaming, schedule,
    trial_name, trials,
};
