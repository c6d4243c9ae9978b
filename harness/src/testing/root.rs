//! Root-only tests: skipped with one line on a developer's machine, failed
//! in CI, where a silent skip would pass a broken plugin.

/// Whether the caller may go on: `true` as root. Otherwise prints
/// `skipped: <what> needs root` on stderr and returns `false`, so a test can
/// `return` early; but when the `CI` environment variable is set (to
/// anything but empty, `0` or `false`), it panics instead, failing the test.
///
/// ```no_run
/// #[test]
/// fn my_test() {
///     if !cni_harness::testing::require_root("this test") {
///         return;
///     }
///     // ...
/// }
/// ```
pub fn require_root(what: &str) -> bool {
    match check(what) {
        Ok(()) => true,
        Err(Refusal::Skip(line)) => {
            eprintln!("{line}");
            false
        }
        Err(Refusal::Fail(line)) => panic!("{line}"),
    }
}

/// Why not to go on, and how to say it.
pub(super) enum Refusal {
    /// Not root on a developer's machine: the line to print.
    Skip(String),
    /// Not root in CI: the failure message.
    Fail(String),
}

pub(super) fn check(what: &str) -> Result<(), Refusal> {
    if nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    if in_ci() {
        return Err(Refusal::Fail(format!(
            "{what} needs root (it creates network namespaces), and CI is set: \
             failing rather than skipping"
        )));
    }
    Err(Refusal::Skip(format!(
        "skipped: {what} needs root (it creates network namespaces)"
    )))
}

/// CI systems (GitHub Actions, GitLab CI, ...) set `CI`, mostly to `true`.
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !matches!(v.to_str(), Some("" | "0" | "false")))
}
