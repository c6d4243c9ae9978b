//! What to test: a profile or configuration, the plugin binaries by `type`,
//! and the directories searched for the rest.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Error;
use crate::config::{Profile, REFERENCE_PROFILE};

/// A plugin configuration to test and where its plugins are; its
/// `conformance()` and `fuzz()` (defined next to [`super::Conformance`] and
/// [`super::Fuzz`]) start a run.
///
/// Binaries given with [`Harness::plugin`] are found by `type` through a
/// directory of links made for the run (first on the CNI path, so they win
/// over installed plugins of the same name); [`Harness::cni_dir`] adds
/// directories for the rest, such as delegates in `/usr/lib/cni`. The
/// suite's recording test plugin, `cni-recorder` (the chaining and IPAM
/// delegation cases run it), is linked too when it sits next to the test
/// executable, as in a workspace that builds cni-harness's test plugins;
/// otherwise those cases skip with that reason.
#[derive(Debug, Clone)]
pub struct Harness {
    pub(super) profile: Profile,
    /// The file as read: the fuzzer loads its target from a file.
    pub(super) source: Vec<u8>,
    binaries: Vec<(String, PathBuf)>,
    dirs: Vec<PathBuf>,
    /// Per plugin execution; `None`: the driver's default.
    pub(super) timeout: Option<Duration>,
}

impl Harness {
    /// The project's reference plugin (`cni-ref-bridge` with `cni-ref-ipam`)
    /// in its embedded profile, the default target of `cni-harness test`.
    /// Give its binaries with [`Harness::plugin`].
    pub fn reference() -> Harness {
        // A test of the crate checks that the embedded profile parses.
        Harness::from_json(REFERENCE_PROFILE, "embedded reference profile")
            .unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// A plugin profile (see `plugins-under-test/profiles/`), a `.conflist`
    /// or a `.conf` (whose last plugin is then the one under test).
    pub fn load(path: impl AsRef<Path>) -> Result<Harness, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| crate::config::ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Harness::from_bytes(bytes, &path.display().to_string())
    }

    /// The same from JSON text; `origin` names it in error messages.
    pub fn from_json(json: &str, origin: &str) -> Result<Harness, Error> {
        Harness::from_bytes(json.as_bytes().to_vec(), origin)
    }

    fn from_bytes(source: Vec<u8>, origin: &str) -> Result<Harness, Error> {
        Ok(Harness {
            profile: Profile::parse(&source, origin)?,
            source,
            binaries: Vec::new(),
            dirs: Vec::new(),
            timeout: None,
        })
    }

    /// A plugin binary, found as the `type` its file name says, e.g.
    /// `env!("CARGO_BIN_EXE_my-plugin")` for `"type": "my-plugin"`.
    pub fn plugin(self, binary: impl Into<PathBuf>) -> Harness {
        let binary = binary.into();
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.plugin_as(&name, binary)
    }

    /// A plugin binary found as `plugin_type`, whatever its file is called.
    pub fn plugin_as(mut self, plugin_type: &str, binary: impl Into<PathBuf>) -> Harness {
        self.binaries.push((plugin_type.to_string(), binary.into()));
        self
    }

    /// A directory searched for plugins after the binaries given with
    /// [`Harness::plugin`], in the order added. Without binaries and
    /// directories, the profile's `cniPath` is searched, else
    /// `/opt/cni/bin` and `/usr/lib/cni`.
    pub fn cni_dir(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.dirs.push(dir.into());
        self
    }

    /// How long one plugin execution may take before it is killed
    /// (default 30 s in the suite; when fuzzing, where a hang is a finding,
    /// ten times the seed's median run time, within 1 to 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Harness {
        self.timeout = Some(timeout);
        self
    }

    /// The CNI path for a run, with the binaries linked into `links` (a
    /// fresh directory that must outlive the run).
    pub(super) fn cni_path(&self, links: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut path = Vec::new();
        let mut binaries = self.binaries.clone();
        if !binaries.iter().any(|(t, _)| t == HELPER) {
            if let Ok(helper) = sibling_binary(HELPER) {
                binaries.push((HELPER.to_string(), helper));
            }
        }
        if !binaries.is_empty() {
            for (plugin_type, binary) in &binaries {
                link(links, plugin_type, binary)?;
            }
            path.push(links.to_path_buf());
        }
        path.extend(self.dirs.iter().cloned());
        if path.is_empty() {
            path = if self.profile.cni_path.is_empty() {
                vec!["/opt/cni/bin".into(), "/usr/lib/cni".into()]
            } else {
                self.profile.cni_path.clone()
            };
        } else {
            path.extend(self.profile.cni_path.iter().cloned());
        }
        Ok(path)
    }
}

/// The suite's own test plugin, which the chaining and IPAM delegation
/// cases put next to the plugin under test; without it they skip, saying so.
const HELPER: &str = "cni-recorder";

/// `links/<plugin_type>` -> the binary, after checking it can be run.
fn link(links: &Path, plugin_type: &str, binary: &Path) -> Result<(), Error> {
    let bad = |problem: String| Error::Binary {
        path: binary.to_path_buf(),
        problem,
    };
    if plugin_type.is_empty() || plugin_type.contains('/') || plugin_type.starts_with('.') {
        return Err(bad(format!("{plugin_type:?} cannot be a plugin type")));
    }
    let target = binary
        .canonicalize()
        .map_err(|e| bad(format!("cannot be found ({e})")))?;
    let meta = target.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(bad("is not an executable file".into()));
    }
    let at = links.join(plugin_type);
    std::os::unix::fs::symlink(&target, &at).map_err(Error::io(format!(
        "linking {} as {plugin_type}",
        target.display()
    )))
}

/// A binary cargo built into the same target directory as the running test
/// (`target/<profile>/<name>`): for a plugin that is another package of the
/// workspace, where `env!("CARGO_BIN_EXE_...")` does not reach. Build it
/// first (`cargo build --workspace --bins`).
pub fn sibling_binary(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(Error::io("locating the running test"))?;
    // Tests run from target/<profile>/deps; binaries sit one level up.
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    let binary = dir.join(name);
    if !binary.is_file() {
        return Err(Error::Binary {
            path: binary,
            problem: "is missing: build it first (cargo build --workspace --bins)".into(),
        });
    }
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_reference_profile_parses() {
        let h = Harness::reference();
        assert_eq!(h.profile.plugin, "cni-ref-bridge");
    }

    #[test]
    fn binaries_come_first_on_the_cni_path_and_are_found_by_type() {
        let links = tempfile::tempdir().expect("tempdir");
        let sh = PathBuf::from("/bin/sh");
        let h = Harness::reference()
            .plugin_as("cni-ref-bridge", &sh)
            .cni_dir("/usr/lib/cni");
        let path = h.cni_path(links.path()).expect("cni path");
        assert_eq!(path, [links.path().to_path_buf(), "/usr/lib/cni".into()]);
        let found = crate::invoke::find_plugin("cni-ref-bridge", &path).expect("found");
        assert_eq!(found.canonicalize().ok(), sh.canonicalize().ok());
    }

    #[test]
    fn a_missing_or_unnamed_binary_is_refused_with_its_path() {
        let links = tempfile::tempdir().expect("tempdir");
        let missing = Harness::reference().plugin("/nonexistent/my-plugin");
        let e = missing.cni_path(links.path()).expect_err("missing binary");
        assert!(e.to_string().contains("/nonexistent/my-plugin"), "{e}");
        let unnamed = Harness::reference().plugin("/");
        assert!(unnamed.cni_path(links.path()).is_err());
        let plain = tempfile::NamedTempFile::new().expect("temp file");
        let not_executable = Harness::reference().plugin_as("plain", plain.path());
        let e = not_executable
            .cni_path(links.path())
            .expect_err("not executable");
        assert!(e.to_string().contains("not an executable"), "{e}");
    }

    #[test]
    fn a_bad_profile_names_the_problem() {
        let e = Harness::from_json("{", "my.conflist").expect_err("bad JSON");
        assert!(e.to_string().contains("my.conflist"), "{e}");
        let e = Harness::load("/nonexistent.conflist").expect_err("no file");
        assert!(format!("{e:?}").contains("/nonexistent.conflist"), "{e:?}");
    }
}
