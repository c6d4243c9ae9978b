//! From a profile to the [`FuzzTarget`] the executor runs: which plugin's
//! configuration is mutated, its binary, the seed stdin libcni would give
//! it, and how its answers are judged. A finding stores a [`TargetRecord`]
//! so it can be replayed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::chain::Prefix;
use super::oracles::ResultRules;
use crate::config::{plugin_stdin, plugin_type, Profile, Role, RuntimeOverrides, StdinFor};
use crate::invoke::{find_plugin, Limits};
use crate::judge;

/// What is fuzzed and how it is run.
#[derive(Clone)]
pub struct FuzzTarget {
    /// The profile or configuration file it came from.
    pub config: PathBuf,
    pub profile: Arc<Profile>,
    /// Binary of the plugin whose configuration is mutated.
    pub plugin: PathBuf,
    pub cni_path: Vec<PathBuf>,
    pub ifname: String,
    pub limits: Limits,
    /// The well-formed configuration (stdin) the plugin accepted at the start.
    pub seed_config: String,
    /// How its success results are judged.
    pub rules: ResultRules,
    /// The plugins the profile lists before the fuzzed one.
    pub prefix: Prefix,
    /// Snapshots include the firewall ruleset (see `Observer::open`).
    pub firewall: bool,
    /// After a successful ADD of the seed configuration, its gateways must
    /// answer (see [`super::dataplane`]).
    pub dataplane: bool,
    /// The command line's runtime arguments, already applied to `profile`.
    pub overrides: RuntimeOverrides,
}

/// Enough to rebuild a [`FuzzTarget`] later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRecord {
    /// The profile or configuration file the session started from.
    pub config: PathBuf,
    pub cni_path: Vec<PathBuf>,
    pub timeout_ms: u64,
    /// Snapshots included the firewall ruleset.
    #[serde(default)]
    pub firewall: bool,
    /// Runtime arguments the command line set (`--cni-args`...).
    #[serde(default, skip_serializing_if = "is_default")]
    pub runtime: RuntimeOverrides,
}

fn is_default(o: &RuntimeOverrides) -> bool {
    *o == RuntimeOverrides::default()
}

/// Build the target for a profile file.
pub fn build(config: &Path, cni_path: &[PathBuf], timeout: Duration) -> anyhow::Result<FuzzTarget> {
    build_with(config, cni_path, timeout, &RuntimeOverrides::default())
}

/// Build the target for a profile file with the command line's runtime
/// arguments applied.
pub fn build_with(
    config: &Path,
    cni_path: &[PathBuf],
    timeout: Duration,
    overrides: &RuntimeOverrides,
) -> anyhow::Result<FuzzTarget> {
    let mut profile = Profile::load(config)?;
    profile.apply(overrides);
    let cni_path = if cni_path.is_empty() {
        profile.cni_path.clone()
    } else {
        cni_path.to_vec()
    };
    // The plugin under test, or the main plugin that calls it as IPAM.
    let index = profile.subject_index();
    let net = &profile.config;
    let plugin_type = net.plugins.get(index).map(plugin_type).unwrap_or_default();
    let plugin = find_plugin(&plugin_type, &cni_path)
        .with_context(|| format!("plugin under test {plugin_type:?}"))?;
    let stdin = plugin_stdin(
        net,
        index,
        StdinFor::Add { prev_result: None },
        &profile.capability_args(),
    );
    let seed_config = serde_json::to_string(&stdin)?;
    let rules = ResultRules {
        kind: judge::result::kind_for(&profile, &plugin_type),
        // Only a main plugin's result describes interfaces it configured itself.
        consistency: profile.role == Role::Main && plugin_type == profile.plugin,
    };
    let prefix = Prefix::resolve(&profile, index, &cni_path)?;
    Ok(FuzzTarget {
        ifname: profile.ifname().to_string(),
        profile: Arc::new(profile),
        plugin,
        cni_path,
        limits: Limits {
            timeout,
            ..Limits::default()
        },
        seed_config,
        rules,
        prefix,
        firewall: false,
        dataplane: true,
        overrides: overrides.clone(),
        config: config.to_path_buf(),
    })
}

impl FuzzTarget {
    pub fn record(&self) -> TargetRecord {
        TargetRecord {
            config: std::fs::canonicalize(&self.config).unwrap_or_else(|_| self.config.clone()),
            cni_path: self.cni_path.clone(),
            timeout_ms: self.limits.timeout.as_millis() as u64,
            firewall: self.firewall,
            runtime: self.overrides.clone(),
        }
    }
}

impl TargetRecord {
    pub fn rebuild(&self) -> anyhow::Result<FuzzTarget> {
        let mut t = build_with(
            &self.config,
            &self.cni_path,
            Duration::from_millis(self.timeout_ms),
            &self.runtime,
        )?;
        t.firewall = self.firewall;
        Ok(t)
    }
}
