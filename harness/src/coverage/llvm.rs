//! LLVM raw profiles (`.profraw`, Rust `-C instrument-coverage`): directed
//! to the collector's directory so an instrumented Rust plugin leaves no
//! `default_*.profraw` in its working directory, but not read yet (see
//! docs/coverage.md: only Go's counters guide the fuzzer and fill reports).

use std::path::Path;

use super::map::Counts;

pub fn read_into(_path: &Path, _counts: &mut Counts) -> Result<(), String> {
    Err("LLVM raw profiles are not read yet (only Go coverage is)".into())
}

pub fn known_counters() -> usize {
    0
}
