//! What a suite run is given.

use std::path::PathBuf;

use crate::config::Profile;
use crate::invoke::Limits;
use crate::spec::SpecVersion;

/// Everything a suite run needs.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub profile: Profile,
    pub cni_path: Vec<PathBuf>,
    /// Restrict to these versions (`--spec-version`); `None`: all claimed.
    pub only_versions: Option<Vec<SpecVersion>>,
    pub strict: bool,
    pub limits: Limits,
}
