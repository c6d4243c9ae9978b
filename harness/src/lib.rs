//! cni-harness: a conformance and fuzz test harness for CNI plugins.
//!
//! Data flows one way through the modules (the README's "Architecture"):
//!
//! ```text
//! configuration ─► invocation ─► observation ─► judgement ─► drivers ─► report
//!   config           sandbox,      kernel,        judge        suite,      report
//!                    invoke        result,                     fuzz
//!                                  schema
//! ```
//!
//! The conformance suite and the fuzzer are two drivers of the same
//! invocation, observation and judgement code: `judge` decides, the suite
//! grades its findings into case verdicts, the fuzzer into fuzz findings;
//! `record` is the results format they write and `report` renders.
//! [`testing`] is the facade a plugin's own `cargo test` uses; the command
//! line lives in the binary.

pub mod requirements;
pub mod spec;
pub mod timestamp;

mod netlink;

// Stopping a run on a signal: below every layer that starts or waits for work.
pub mod interrupt;

pub mod config;
pub mod invoke;
pub mod sandbox;

pub mod dataplane;
pub mod kernel;
pub mod result;
pub mod schema;

// Code coverage of instrumented plugins: observation, like the kernel snapshots.
pub mod coverage;

pub mod judge;

pub mod fuzz;
pub mod replay;
pub mod suite;

pub mod record;
pub mod report;

pub mod testing;

pub use spec::{ErrorCode, SpecVersion, Verb};
