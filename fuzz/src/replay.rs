//! Every seed in `corpus/<target>/` and every kept crash in
//! `regressions/<target>/` run through its target body, so the properties
//! are checked on each commit without cargo-fuzz or nightly.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use crate::TARGETS;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn replay(kind: &str, require_seeds: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for (name, body) in TARGETS {
        let inputs = files(&root.join(kind).join(name));
        assert!(
            !require_seeds || !inputs.is_empty(),
            "{kind}/{name}/ has no inputs"
        );
        for path in inputs {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if catch_unwind(AssertUnwindSafe(|| body(&bytes))).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failing inputs:\n{}",
        failures.join("\n")
    );
}

#[test]
fn seed_corpus_holds_the_properties() {
    replay("corpus", true);
}

#[test]
fn kept_crashes_stay_fixed() {
    replay("regressions", false);
}
