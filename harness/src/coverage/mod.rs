//! Code coverage of instrumented plugin binaries (observation): the
//! counters a plugin built with `go build -cover` writes to `$GOCOVERDIR`
//! when it exits (and the raw LLVM profile one built with
//! `-C instrument-coverage` writes to `$LLVM_PROFILE_FILE`: counters only), read after each input or case ([`Collector`]), merged into
//! a map of (counter, hit-count bucket) pairs ([`CoverageMap`]) that guides
//! the fuzzer, and summed per function for the suite's coverage report
//! ([`summary`]). A binary without instrumentation writes nothing: the
//! collector then reads nothing, and everything works as without it.

pub mod bytes;
pub mod collector;
pub mod go;
pub mod llvm;
pub mod map;
pub mod suite;
pub mod summary;

pub use collector::{known_counters, Collector, Sample};
pub use map::{bucket, features, CounterId, Counts, CoverageMap};
