//! Test a CNI plugin from its own `cargo test`: the conformance suite and a
//! bounded fuzz session, in real network namespaces, against real binaries.
//!
//! A plugin crate adds `cni-harness` as a dev-dependency and a test target
//! with `harness = false` (the suite brings its own libtest front end):
//!
//! ```toml
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! and in `tests/conformance.rs`, a profile (or a bare `.conflist`) naming
//! the plugin by its `type`, the binary cargo built, and where its
//! delegates live:
//!
//! ```no_run
//! # // Cargo sets CARGO_BIN_EXE_* only for a package's own binaries.
//! # macro_rules! env { ($name:literal) => { "/usr/lib/cni/bridge" } }
//! use cni_harness::testing::{Error, Harness};
//!
//! fn main() -> Result<std::process::ExitCode, Error> {
//!     let harness = Harness::load("tests/my-net.conflist")?
//!         .plugin(env!("CARGO_BIN_EXE_my-plugin"))
//!         .cni_dir("/usr/lib/cni"); // host-local, say, as its IPAM
//!     Ok(harness.conformance().strict().main())
//! }
//! ```
//!
//! `cargo test` then prints one line per case and version
//! (`1.0.0::del/repeat [DEL-2]`), and `cargo test -- del/` or
//! `cargo test -- DEL-2` runs a part of it. Inside an ordinary `#[test]`,
//! [`Conformance::assert_passes`] runs the cases and fails once, listing
//! every failing case with its requirement, invocations and kernel diff;
//! [`Fuzz::assert_no_findings`] does the same for a fuzz session:
//!
//! ```no_run
//! # use cni_harness::testing::Harness;
//! # let harness = Harness::reference();
//! harness
//!     .fuzz()
//!     .duration(std::time::Duration::from_secs(30))
//!     .seed(7)
//!     .assert_no_findings();
//! ```
//!
//! Everything here creates network namespaces and so needs root. Without
//! it, [`Conformance::main`], [`Conformance::assert_passes`] and
//! [`Fuzz::assert_no_findings`] print one `skipped: ... needs root` line
//! and pass, except when the `CI` environment variable is set: there a
//! skipped conformance run would hide a broken plugin, so they fail.
#![warn(missing_docs)]

mod conformance;
mod error;
mod fuzzing;
mod harness;
mod root;

pub use conformance::Conformance;
pub use error::Error;
pub use fuzzing::{Fuzz, FuzzReport};
pub use harness::{sibling_binary, Harness};
pub use root::require_root;

/// One graded case of a conformance run.
pub use crate::record::CaseResult;
/// One fuzzing finding: oracle, summary and the saved file that replays it.
pub use crate::record::FindingRecord as FuzzFinding;
/// The results document of a run, as `results.json` holds it.
pub use crate::record::RunResults;
/// A case's verdict: pass, fail, warn, skip or error.
pub use crate::record::Verdict;
/// A CNI spec version, for [`Conformance::versions`].
pub use crate::spec::SpecVersion;
/// What a failing case prints: requirement, expected, actual, invocations
/// and kernel diff.
pub use crate::suite::failure_text;
