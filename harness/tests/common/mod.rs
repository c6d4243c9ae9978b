//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod host;
pub mod proc;

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

/// The project's Go test plugin built with `go build -cover` (once per test
/// binary) into `target/go-combo`. `None` (with a line saying why) when no
/// Go >= 1.20 is installed, which only a machine without ci/setup.sh lacks:
/// under `CI` that is a failure.
pub fn go_combo_plugin() -> Option<PathBuf> {
    use std::sync::OnceLock;
    static BUILT: OnceLock<Option<PathBuf>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let out = bin_dir().join("go-combo");
            let status =
                std::process::Command::new(root.join("plugins-under-test/go-combo/build.sh"))
                    .arg(&out)
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("running plugins-under-test/go-combo/build.sh");
            if !status.success() {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "go-combo did not build: ci/setup.sh installs Go >= 1.20"
                );
                eprintln!("skipped: no Go >= 1.20 to build go-combo (ci/setup.sh installs one)");
                return None;
            }
            Some(out.join("cni-go-combo"))
        })
        .clone()
}

/// The Go toolchain ci/find-go.sh finds.
pub fn go_tool() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(root.join("ci/find-go.sh"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Put `cni-harness shim` in front of the plugin binary `real`: a wrapper
/// at `at` (what the runtime runs) recording each invocation into `out`.
pub fn install_shim(real: &std::path::Path, at: &std::path::Path, out: &std::path::Path) {
    let done = std::process::Command::new(env!("CARGO_BIN_EXE_cni-harness"))
        .args(["shim", "--real"])
        .arg(real)
        .arg("--out")
        .arg(out)
        .arg("--install")
        .arg(at)
        .output()
        .expect("run cni-harness shim --install");
    assert!(done.status.success(), "shim --install: {done:?}");
}

/// Where a real runtime's captured invocations differ from what `runtime`'s
/// persona sends (`Persona::differences_with`), the runs having asked for
/// the capability arguments `requested` (as `--capability-args` would).
pub fn persona_differences(
    runtime: cni_harness::invoke::RuntimeKind,
    captures: &[cni_harness::replay::record::Captured],
    requested: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let stdins: Vec<Vec<u8>> = captures
        .iter()
        .map(|c| c.stdin.to_vec().expect("captured stdin decodes"))
        .collect();
    let observed: Vec<cni_harness::invoke::persona::Observed> = captures
        .iter()
        .zip(&stdins)
        .map(|(c, stdin)| cni_harness::invoke::persona::Observed { env: &c.env, stdin })
        .collect();
    runtime.persona().differences_with(&observed, requested)
}
