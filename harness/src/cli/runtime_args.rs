//! The runtime arguments `exec`, `test` and `fuzz` share: what the runtime
//! sends beyond the configuration (`CNI_ARGS`, capability arguments).

use anyhow::Context;
use serde_json::{Map, Value};

use cni_harness::config::{Profile, RuntimeOverrides};
use cni_harness::invoke::{CniArgs, RuntimeKind};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct RuntimeArgs {
    /// CNI_ARGS sent in every invocation, as K=V;K=V (over the profile's
    /// `needs.cniArgs`: these keys win).
    #[arg(long, value_name = "K=V;K=V")]
    pub cni_args: Option<String>,
    /// Capability arguments as a JSON object (become runtimeConfig; replace
    /// the profile's `needs.capabilityArgs`).
    #[arg(long, value_name = "JSON")]
    pub capability_args: Option<String>,
    /// The runtime whose behaviour is played: libcni (the profile's
    /// `needs.runtime`, else libcni), containerd, cri-o, podman or cnitool.
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<RuntimeKind>,
}

impl RuntimeArgs {
    /// The command line's changes, checked: a malformed value is an error
    /// naming the option.
    pub fn overrides(&self) -> anyhow::Result<RuntimeOverrides> {
        let cni_args = match &self.cni_args {
            Some(s) => CniArgs::parse(s)
                .map_err(anyhow::Error::msg)
                .context("--cni-args")?,
            None => CniArgs::default(),
        };
        let capability_args = match &self.capability_args {
            Some(s) => Some(
                serde_json::from_str::<Map<String, Value>>(s)
                    .context("--capability-args must be a JSON object")?,
            ),
            None => None,
        };
        Ok(RuntimeOverrides {
            cni_args,
            capability_args,
            runtime: self.runtime,
        })
    }

    /// Apply the command line's changes to `profile`.
    pub fn apply(&self, profile: &mut Profile) -> anyhow::Result<RuntimeOverrides> {
        let o = self.overrides()?;
        profile.apply(&o);
        Ok(o)
    }
}

/// One line saying which runtime is played and what it sends besides the
/// configuration, for the head of a run's output.
pub fn describe(profile: &Profile) -> String {
    let args = &profile.needs.cni_args;
    let caps: Vec<String> = profile.capability_args().keys().cloned().collect();
    format!(
        "runtime {}; user CNI_ARGS {:?}; capability arguments: {}",
        profile.needs.runtime.persona().describe(),
        args.render(),
        if caps.is_empty() {
            "none".to_string()
        } else {
            caps.join(", ")
        }
    )
}
