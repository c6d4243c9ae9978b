//! `cni-harness fuzz`: structure-aware fuzzing of a plugin's configuration,
//! environment and verb order, with oracles for crashes, hangs, unreadable
//! answers, invalid results, leaks and plugins broken by earlier inputs.

pub mod input;
pub mod mutate;
pub mod rng;
pub mod values;

pub use input::{EnvChange, Input};
pub mod oracles;
pub mod observe;
pub mod execute;
