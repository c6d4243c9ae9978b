//! The harness's own test plugins (the recording plugin `cni-recorder`):
//! cases that put one next to the plugin under test find it on the CNI
//! path, else next to the running harness binary, where `cargo build`
//! (and `cargo install` of the workspace) put it. A user's `--cni-path`
//! naming only their plugins' directory must not make those cases skip.

use std::path::{Path, PathBuf};

use super::find_plugin;

/// The recording test plugin (chaining and IPAM delegation cases).
pub const RECORDER: &str = "cni-recorder";

/// Directories the harness's own binaries live in: the running
/// executable's, and for a test binary in `target/<profile>/deps` the
/// profile directory above it.
pub fn harness_dirs() -> Vec<PathBuf> {
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return Vec::new();
    };
    let mut out = vec![dir.clone()];
    if dir.file_name().is_some_and(|n| n == "deps") {
        if let Some(up) = dir.parent() {
            out.push(up.to_path_buf());
        }
    }
    out
}

/// Where `name` is when `cni_path` lacks it: the harness directory that
/// holds it (to append to the CNI path). `Ok(None)`: already on the path.
pub fn locate(name: &str, cni_path: &[PathBuf]) -> Result<Option<PathBuf>, String> {
    if find_plugin(name, cni_path).is_ok() {
        return Ok(None);
    }
    let dirs = harness_dirs();
    match dirs
        .iter()
        .find(|d| find_plugin(name, &[(*d).clone()]).is_ok())
    {
        Some(d) => Ok(Some(d.clone())),
        None => Err(format!(
            "the harness's own test plugin {name} is neither on the CNI path nor next to the \
             harness binary ({}): build the workspace (`cargo build --workspace --bins`) or \
             install it with the harness",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_on_the_path_needs_no_extra_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("cnih-helper-probe");
        std::fs::write(&bin, "#!/bin/sh\n").expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_eq!(
            locate("cnih-helper-probe", &[dir.path().to_path_buf()]),
            Ok(None)
        );
    }

    #[test]
    fn a_missing_helper_is_named_with_where_it_was_looked_for() {
        let e = locate("cnih-no-such-helper", &[]).expect_err("missing");
        assert!(e.contains("cnih-no-such-helper"), "{e}");
        assert!(e.contains("next to the harness binary"), "{e}");
    }
}
