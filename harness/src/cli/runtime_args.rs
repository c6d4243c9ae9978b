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
    /// The runtime whose behaviour is played [default: the profile's
    /// `needs.runtime`, else libcni]: libcni, containerd, cri-o, podman,
    /// cnitool; `test` also takes `all` (one run per runtime).
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<RuntimeChoice>,
}

/// `--runtime`: one runtime, or (for `test`) every one in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeChoice {
    One(RuntimeKind),
    All,
}

impl std::str::FromStr for RuntimeChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "all" {
            return Ok(RuntimeChoice::All);
        }
        s.parse()
            .map(RuntimeChoice::One)
            .map_err(|e: String| format!("{e}, or all"))
    }
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
        let runtime = match self.runtime {
            None => None,
            Some(RuntimeChoice::One(kind)) => Some(kind),
            Some(RuntimeChoice::All) => {
                anyhow::bail!("--runtime all runs the suite once per runtime: only `test` takes it")
            }
        };
        Ok(RuntimeOverrides {
            cni_args,
            capability_args,
            runtime,
        })
    }

    /// These arguments once per runtime `--runtime` names (`all`: every
    /// runtime, libcni first).
    pub fn each_runtime(&self) -> Vec<RuntimeArgs> {
        match self.runtime {
            Some(RuntimeChoice::All) => RuntimeKind::ALL
                .into_iter()
                .map(|k| RuntimeArgs {
                    runtime: Some(RuntimeChoice::One(k)),
                    ..self.clone()
                })
                .collect(),
            _ => vec![self.clone()],
        }
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
