//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Tests that create namespaces need root: skip with one line when not
/// root, but fail when `CI` is set (the facade's policy, which plugin
/// authors get too).
#[macro_export]
macro_rules! require_root {
    () => {
        if !cni_harness::testing::require_root("this test") {
            return;
        }
    };
}

/// Where cargo put this workspace's binaries (cni-harness and the plugins).
pub fn bin_dir() -> PathBuf {
    let harness = PathBuf::from(env!("CARGO_BIN_EXE_cni-harness"));
    harness
        .parent()
        .map(PathBuf::from)
        .expect("cni-harness binary has a parent directory")
}

/// A workspace plugin binary; the test suite is run after `cargo build --workspace --bins`.
pub fn workspace_plugin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the tests (ci/test.sh does)",
        p.display()
    );
    p
}

/// Debian's containernetworking-plugins, installed by ci/setup.sh.
pub fn debian_cni_dir() -> PathBuf {
    let dir = PathBuf::from("/usr/lib/cni");
    assert!(
        dir.join("bridge").exists(),
        "Debian's containernetworking-plugins are not installed: run ci/setup.sh"
    );
    dir
}

/// The repository root (for configs under plugins-under-test/).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .expect("harness crate lives in the workspace")
}
