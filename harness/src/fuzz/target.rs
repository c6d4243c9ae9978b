//! From a profile to the [`Target`] the executor runs: which plugin's
//! configuration is mutated, its binary, and the seed stdin libcni would
//! give it. A finding stores a [`TargetRecord`] so it can be replayed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::chain::Prefix;
use super::execute::Target;
use crate::config::{plugin_stdin, plugin_type, Profile, Role, StdinFor};
use crate::invoke::{find_plugin, Limits};

/// Enough to rebuild a [`Target`] later.
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
}

/// Index of the plugin whose configuration is fuzzed: the plugin under
/// test, or the main plugin that calls it as IPAM.
pub fn target_index(profile: &Profile) -> usize {
    let net = &profile.config;
    net.plugins
        .iter()
        .position(|p| plugin_type(p) == profile.plugin)
        .or_else(|| {
            net.plugins.iter().position(|p| {
                p.get("ipam")
                    .and_then(|i| i.get("type"))
                    .and_then(Value::as_str)
                    == Some(profile.plugin.as_str())
            })
        })
        .unwrap_or(0)
}

/// Build the target for a profile file.
pub fn build(config: &Path, cni_path: &[PathBuf], timeout: Duration) -> anyhow::Result<Target> {
    let profile = Profile::load(config)?;
    let cni_path = if cni_path.is_empty() {
        profile.cni_path.clone()
    } else {
        cni_path.to_vec()
    };
    let index = target_index(&profile);
    let net = &profile.config;
    let plugin_type = net.plugins.get(index).map(plugin_type).unwrap_or_default();
    let plugin = find_plugin(&plugin_type, &cni_path)
        .with_context(|| format!("plugin under test {plugin_type:?}"))?;
    let stdin = plugin_stdin(
        net,
        index,
        StdinFor::Add { prev_result: None },
        &profile.needs.capability_args,
    );
    let seed_config = serde_json::to_string(&stdin)?;
    // Only a main plugin's result describes interfaces it configured itself.
    let consistency = profile.role == Role::Main && plugin_type == profile.plugin;
    let prefix = Prefix::resolve(&profile, index, &cni_path)?;
    Ok(Target {
        ifname: profile.ifname().to_string(),
        profile: Arc::new(profile),
        plugin,
        cni_path,
        limits: Limits {
            timeout,
            ..Limits::default()
        },
        seed_config,
        consistency,
        prefix,
        firewall: false,
        dataplane: true,
        config: config.to_path_buf(),
    })
}

impl Target {
    pub fn record(&self) -> TargetRecord {
        TargetRecord {
            config: std::fs::canonicalize(&self.config).unwrap_or_else(|_| self.config.clone()),
            cni_path: self.cni_path.clone(),
            timeout_ms: self.limits.timeout.as_millis() as u64,
            firewall: self.firewall,
        }
    }
}

impl TargetRecord {
    pub fn rebuild(&self) -> anyhow::Result<Target> {
        let mut t = build(
            &self.config,
            &self.cni_path,
            Duration::from_millis(self.timeout_ms),
        )?;
        t.firewall = self.firewall;
        Ok(t)
    }
}
