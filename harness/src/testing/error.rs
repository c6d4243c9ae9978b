//! Why a facade call could not test the plugin (as opposed to the plugin
//! failing the tests, which is a result).

use std::fmt;
use std::path::PathBuf;

use crate::config::ConfigError;

/// What stopped a run before the plugin could be judged.
///
/// `Debug` prints the same sentence as `Display`, causes included, so that
/// `fn main() -> Result<_, Error>` ends with a readable line.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not root: the harness creates network namespaces.
    #[error("the harness creates network namespaces and needs root")]
    NeedsRoot,
    /// The profile or configuration could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A plugin binary given to [`super::Harness::plugin`] cannot be run.
    #[error("plugin binary {}: {problem}", path.display())]
    Binary {
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A file or directory the harness needed could not be made.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The plugins share no spec version with the requested ones.
    #[error("no spec version to test: the plugin claims {claimed:?}{}", if *.restricted { " and the requested versions exclude them" } else { "" })]
    NoVersion {
        /// What the plugin under test listed in VERSION.
        claimed: Vec<String>,
        /// Whether [`super::Conformance::versions`] narrowed the choice.
        restricted: bool,
    },
    /// Planning the run (finding the plugins, asking them VERSION) or the
    /// fuzz session failed.
    #[error("{0:#}")]
    Run(anyhow::Error),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            // Transparent and `{:#}` variants already carry their causes.
            let text = cause.to_string();
            if !self.to_string().contains(&text) {
                write!(f, ": {text}")?;
            }
            source = cause.source();
        }
        Ok(())
    }
}

impl Error {
    pub(super) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}
