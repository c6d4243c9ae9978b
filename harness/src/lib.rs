//! cni-harness: a conformance and fuzz test harness for CNI plugins.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! config ─► invoke (sandbox + exec, as libcni would) ─► observe ─► verdict ─► report
//!   config      sandbox, invoke                        schema,     suite,     report
//!                                                      result,     fuzz,
//!                                                      kernel      oracle
//! ```
//!
//! The conformance suite and the fuzzer are two drivers of the same
//! invocation and observation code.

pub mod requirements;
pub mod spec;

pub mod config;
pub mod invoke;
pub mod sandbox;

pub mod kernel;
pub mod result;
pub mod schema;

pub mod fuzz;
pub mod oracle;
pub mod suite;

pub mod report;

pub mod cli;
pub mod interrupt;
pub mod results;

pub use spec::{ErrorCode, SpecVersion, Verb};
