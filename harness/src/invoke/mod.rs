//! Playing the container runtime: the exact environment and stdin libcni
//! would give a plugin, executed in a sandbox with a timeout and capped
//! output, and the plugin's answer read back.

pub mod attachment;
pub mod env;
pub mod exec;
pub mod helpers;
pub mod persona;
pub mod prev_result;
pub mod reply;
pub mod run;
pub mod runtime;
pub mod setup;
pub mod tap;

use std::fmt;
use std::path::PathBuf;

pub use attachment::{Attachment, ContainerNetns};
pub use env::{CniArgs, EnvEdit, EnvStyle};
pub use exec::{Exit, Limits, Outcome};
pub use persona::{Persona, RuntimeKind};
pub use prev_result::PrevResultMode;
pub use reply::{Garbage, PluginError, Reply};
pub use run::{ChainRun, Disabled, RuntimeFailure, RuntimeNote, Step};
pub use runtime::{find_plugin, version_probe_stdin, AddRun, Runtime};
pub use tap::{DelegateCall, DelegateTap};

use crate::spec::Verb;

/// Exactly what a plugin was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub plugin: PathBuf,
    pub verb: Verb,
    /// The complete environment, in the order it was set.
    pub env: Vec<(String, String)>,
    pub stdin: Vec<u8>,
}

impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ {}", self.plugin.display())?;
        for (k, v) in &self.env {
            writeln!(f, "  {k}={v}")?;
        }
        let stdin = String::from_utf8_lossy(&self.stdin);
        let pretty = serde_json::from_str::<serde_json::Value>(&stdin)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| stdin.to_string());
        writeln!(f, "  stdin:")?;
        for line in pretty.lines() {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("plugin type {plugin_type:?} not found in CNI path {}", format_path(.cni_path))]
    PluginNotFound {
        plugin_type: String,
        cni_path: Vec<PathBuf>,
    },
    #[error("{} exists but is not an executable file", .0.display())]
    NotExecutable(PathBuf),
    #[error("cannot start plugin {}: {source}", .path.display())]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{verb} is not part of CNI spec {version} (the configuration's cniVersion)")]
    VerbNotInVersion { verb: Verb, version: String },
    #[error("no cached result for attachment {0}: run ADD first")]
    NoCachedResult(String),
    #[error("the cached result of attachment {0} cannot be sent as prevResult: {1}")]
    CachedResult(String, String),
    #[error("runtime cache: {0}")]
    Cache(std::io::Error),
}

fn format_path(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}
