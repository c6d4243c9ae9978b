//! What several subcommands share: the plugin target options, the CNI path
//! they resolve to, the profile they load, and writing a run's results.

use std::path::{Path, PathBuf};

use cni_harness::config::{Profile, REFERENCE_PROFILE};
use cni_harness::record::RunResults;
use cni_harness::spec::SpecVersion;

/// Options shared by every command that runs plugins.
#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// Network configuration (a .conflist or a single plugin .conf) or a plugin profile.
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Directories searched for plugin binaries, colon-separated
    /// [default: $CNI_PATH, else the harness's own directory, /opt/cni/bin, /usr/lib/cni].
    #[arg(long, value_name = "DIRS")]
    pub cni_path: Option<String>,
    /// Spec version to declare in the configuration (overrides its cniVersion).
    #[arg(long, value_name = "V")]
    pub spec_version: Option<SpecVersion>,
    /// Seconds before a plugin execution is killed [default: 30; fuzz:
    /// calibrated from the seed's run time].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
}

/// Per-execution timeout when `--timeout` is not given (and not calibrated).
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

impl TargetArgs {
    /// `--timeout`, else the default.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS))
    }

    pub fn cni_path(&self) -> Vec<PathBuf> {
        resolve_cni_path(self.cni_path.as_deref())
    }

    /// The command line's CNI path, else the profile's (after the harness's
    /// own directory, where the workspace plugins are), else the defaults.
    pub fn cni_path_for(&self, profile: &Profile) -> Vec<PathBuf> {
        if self.cni_path.is_some() || profile.cni_path.is_empty() {
            return self.cni_path();
        }
        let mut dirs: Vec<PathBuf> = resolve_cni_path(None).into_iter().take(1).collect();
        dirs.extend(profile.cni_path.iter().cloned());
        dirs
    }

    /// The `--config` profile, else the embedded reference profile.
    pub fn profile(&self) -> anyhow::Result<Profile> {
        Ok(match &self.config {
            Some(path) => Profile::load(path)?,
            None => Profile::parse(REFERENCE_PROFILE.as_bytes(), "embedded reference profile")?,
        })
    }
}

/// The CNI path to search: explicit, else `$CNI_PATH`, else defaults.
pub fn resolve_cni_path(explicit: Option<&str>) -> Vec<PathBuf> {
    let from = |s: &str| -> Vec<PathBuf> {
        s.split(':')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect()
    };
    if let Some(s) = explicit {
        return from(s);
    }
    if let Ok(s) = std::env::var("CNI_PATH") {
        if !s.is_empty() {
            return from(&s);
        }
    }
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
    {
        dirs.push(dir);
    }
    dirs.push(PathBuf::from("/opt/cni/bin"));
    dirs.push(PathBuf::from("/usr/lib/cni"));
    dirs
}

/// Write results.json and the rendered reports (JUnit, Markdown, HTML) into `dir`.
pub fn write_reports(results: &RunResults, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(results)?;
    std::fs::write(dir.join("results.json"), json)?;
    cni_harness::report::write_all(std::slice::from_ref(results), dir)?;
    Ok(())
}
