//! cni-harness: a conformance and fuzz test harness for CNI plugins.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! config ─► invoke (sandbox + exec, as libcni would) ─► observe ─► judge ─► suite, fuzz ─► report
//!   config      sandbox, invoke                        schema,     judge     (verdicts,     record,
//!                                                      result,               findings)      report
//!                                                      kernel
//! ```
//!
//! The conformance suite and the fuzzer are two drivers of the same
//! invocation, observation and judgement code: `judge` decides, the suite
//! grades its findings into case verdicts, the fuzzer into fuzz findings.

pub mod requirements;
pub mod spec;

pub mod config;
pub mod invoke;
pub mod sandbox;

pub mod kernel;
pub mod result;
pub mod schema;

pub mod judge;

pub mod fuzz;
pub mod replay;
pub mod suite;

pub mod record;
pub mod report;

pub mod cli;

pub use spec::{ErrorCode, SpecVersion, Verb};
