//! Plugin profiles: what a plugin needs beyond its network configuration, so
//! one suite serves main, IPAM and meta (chained) plugins alike.
//!
//! A profile file is JSON:
//! ```json
//! {"profile": "debian-macvlan", "plugin": "macvlan", "role": "main",
//!  "cniPath": ["/usr/lib/cni"],
//!  "needs": {"parentLink": "eth0", "linkKinds": ["macvlan"], "ifname": "eth0",
//!            "capabilityArgs": {}, "cniArgs": "K8S_POD_NAME=p1"},
//!  "config": { ...a configuration list... }}
//! ```
//! `node` prepares the node (see [`super::node`]); its `surroundings` say
//! where the network beyond the node is, for the data-plane cases (see
//! [`super::Surroundings`]).
//!
//! A bare `.conf`/`.conflist` is a profile whose plugin under test is the
//! last one of the list.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ConfigError, NetworkConfig};
use crate::invoke::env::CniArgs;
use crate::invoke::persona::RuntimeKind;

/// How the plugin under test takes part in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates the container interface (bridge, ptp, macvlan...).
    #[default]
    Main,
    /// Called by a main plugin through `ipam.type` (host-local, static...).
    Ipam,
    /// Chained after a main plugin, works on `prevResult` (tuning, portmap...).
    Meta,
}

/// Preconditions of the node namespace and the runtime.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Needs {
    /// A node interface of this name must exist (macvlan/ipvlan/vlan `master`).
    #[serde(default)]
    pub parent_link: Option<String>,
    /// Link kinds the kernel must support; cases skip (with this reason) otherwise.
    #[serde(default)]
    pub link_kinds: Vec<String>,
    /// The `CNI_IFNAME` to use (loopback needs `lo`).
    #[serde(default)]
    pub ifname: Option<String>,
    /// Capability arguments the runtime passes (e.g. `portMappings`).
    #[serde(default)]
    pub capability_args: Map<String, Value>,
    /// `CNI_ARGS` the runtime sends in every invocation of the run, as
    /// `"K=V;K=V"` (e.g. the `K8S_POD_NAME` a plugin keys its state on).
    #[serde(default)]
    pub cni_args: CniArgs,
    /// The real runtime whose behaviour the harness plays (`libcni`,
    /// `containerd`, `cri-o`, `podman`, `cnitool`; see `invoke::persona`):
    /// its `CNI_ARGS` and capability arguments come under the two above.
    #[serde(default)]
    pub runtime: RuntimeKind,
    /// The configuration assigns fixed addresses (static IPAM): only one
    /// container can hold them at a time, so cases with several are skipped.
    #[serde(default)]
    pub fixed_addresses: bool,
}

/// What the command line (`--cni-args`, `--capability-args`) changes in a
/// profile's runtime arguments; kept with a fuzz finding so it replays as run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeOverrides {
    /// Composed over the profile's `needs.cniArgs` (these keys win).
    #[serde(default, skip_serializing_if = "CniArgs::is_empty")]
    pub cni_args: CniArgs,
    /// Replaces the profile's `needs.capabilityArgs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_args: Option<Map<String, Value>>,
    /// Replaces the profile's `needs.runtime` (`--runtime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeKind>,
}

/// The embedded default target of `cni-harness test` and of
/// `testing::Harness::reference`: the reference bridge plugin
/// (`cni-ref-bridge`) with its IPAM (`cni-ref-ipam`). `harness/profiles` links
/// to `plugins-under-test/profiles`, so the file is inside the crate.
pub const REFERENCE_PROFILE: &str = include_str!("../../profiles/reference/bridge.json");

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// `type` of the plugin under test.
    pub plugin: String,
    pub role: Role,
    /// Directories to find the plugins in, when the command line gives none.
    pub cni_path: Vec<PathBuf>,
    pub needs: Needs,
    /// How each sandbox's node is prepared before a case (see [`super::node`]).
    pub node: super::node::NodeFixtures,
    pub config: NetworkConfig,
    /// Versions the run is pinned to (`versions`); empty: every version
    /// the binaries of the attachment support.
    pub versions: Vec<crate::spec::SpecVersion>,
    /// Whether nested `cniVersion`s equal to the configuration's own follow
    /// it when the suite sets a version (`rewriteNestedVersions`, default true).
    pub rewrite_nested_versions: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileFile {
    profile: String,
    plugin: String,
    #[serde(default)]
    role: Role,
    #[serde(default)]
    cni_path: Vec<PathBuf>,
    #[serde(default)]
    needs: Needs,
    #[serde(default)]
    node: Option<super::node::NodeFile>,
    config: Value,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default = "yes")]
    rewrite_nested_versions: bool,
}

fn yes() -> bool {
    true
}

impl Profile {
    /// Load a profile file, or a bare configuration as a default profile.
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // Absolute, since plugins and daemons start in the sandbox's own directory.
        let dir = path.parent().unwrap_or(Path::new("."));
        let base = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Self::parse_in(&bytes, &path.display().to_string(), &base)
    }

    /// Parse a profile whose relative paths (`cniPath`, daemon programs)
    /// are relative to the working directory.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Profile, ConfigError> {
        Self::parse_in(bytes, origin, Path::new("."))
    }

    /// Parse a profile whose relative paths are relative to `base` (the
    /// directory of the profile file).
    pub fn parse_in(bytes: &[u8], origin: &str, base: &Path) -> Result<Profile, ConfigError> {
        let raw: Value = serde_json::from_slice(bytes).map_err(|source| ConfigError::Json {
            origin: origin.to_string(),
            source,
        })?;
        if raw.get("profile").is_none() {
            let config = NetworkConfig::from_value(raw, origin)?;
            let profile = Profile::for_config(config);
            profile.validate(origin)?;
            return Ok(profile);
        }
        let file: ProfileFile = serde_json::from_value(raw).map_err(|e| ConfigError::Invalid {
            origin: origin.to_string(),
            problem: format!("not a valid profile: {e}"),
        })?;
        let config = NetworkConfig::from_value(file.config, &format!("{origin} (config)"))?;
        if subject_index_in(&config, &file.plugin).is_none() {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                problem: format!(
                    "plugin {:?} does not appear in the configuration",
                    file.plugin
                ),
            });
        }
        let node = file
            .node
            .map(|n| n.resolve(base))
            .transpose()
            .map_err(|problem| ConfigError::Invalid {
                origin: origin.to_string(),
                problem,
            })?
            .unwrap_or_default();
        let cni_path = file
            .cni_path
            .into_iter()
            .map(|d| if d.is_relative() { base.join(d) } else { d })
            .collect();
        let versions = file
            .versions
            .iter()
            .map(|v| {
                v.parse().map_err(|_| ConfigError::Invalid {
                    origin: origin.to_string(),
                    problem: format!("versions: {v:?} is not a CNI spec version"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let profile = Profile {
            name: file.profile,
            plugin: file.plugin,
            role: file.role,
            cni_path,
            needs: file.needs,
            node,
            config,
            versions,
            rewrite_nested_versions: file.rewrite_nested_versions,
        };
        profile.validate(origin)?;
        Ok(profile)
    }

    /// Values the harness itself acts on, checked before anything runs
    /// (see [`super::validate`]); the error names the field.
    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        use super::validate::{dir_problem, ifname_problem, link_kind_problem};
        let invalid = |field: String, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            problem: format!("{field} {problem}"),
        };
        if let Some(p) = super::validate::network_name_problem(&self.config.name) {
            return Err(invalid("config `name`".into(), p));
        }
        for (field, value) in [
            ("needs.parentLink", &self.needs.parent_link),
            ("needs.ifname", &self.needs.ifname),
        ] {
            if let Some(name) = value {
                if let Some(p) = ifname_problem(name) {
                    return Err(invalid(format!("{field} {name:?}"), p));
                }
            }
        }
        if let Some(problem) = self
            .node
            .surroundings
            .problem(self.needs.parent_link.as_deref())
        {
            return Err(invalid("node.surroundings".into(), problem));
        }
        for (i, kind) in self.needs.link_kinds.iter().enumerate() {
            if let Some(p) = link_kind_problem(kind) {
                return Err(invalid(format!("needs.linkKinds[{i}]"), p));
            }
        }
        for (i, dir) in self.cni_path.iter().enumerate() {
            if let Some(p) = dir_problem(dir) {
                return Err(invalid(format!("cniPath[{i}]"), p));
            }
        }
        Ok(())
    }

    /// A bare configuration: the last plugin is the one under test.
    pub fn for_config(config: NetworkConfig) -> Profile {
        let types = config.plugin_types();
        let plugin = types.last().cloned().unwrap_or_default();
        let role = if types.len() > 1 {
            Role::Meta
        } else {
            Role::Main
        };
        Profile {
            name: config.name.clone(),
            plugin,
            role,
            cni_path: Vec::new(),
            needs: Needs::default(),
            node: Default::default(),
            config,
            versions: Vec::new(),
            rewrite_nested_versions: true,
        }
    }

    /// The configuration as the suite runs it at `version`.
    pub fn config_at(&self, version: crate::spec::SpecVersion) -> NetworkConfig {
        self.config
            .at_version_with(version, self.rewrite_nested_versions)
    }

    /// Index in the list of the plugin whose configuration the subject
    /// reads: its own, or that of the main plugin delegating to it as IPAM.
    pub fn subject_index(&self) -> usize {
        subject_index_in(&self.config, &self.plugin).unwrap_or(0)
    }

    /// The profile with the command line's runtime arguments applied.
    pub fn apply(&mut self, o: &RuntimeOverrides) {
        self.needs.cni_args = self.needs.cni_args.overlay(&o.cni_args);
        if let Some(caps) = &o.capability_args {
            self.needs.capability_args = caps.clone();
        }
        if let Some(kind) = o.runtime {
            self.needs.runtime = kind;
        }
    }

    /// The runtime this profile plays, as results record it.
    pub fn runtime_record(&self) -> crate::record::RuntimeRecord {
        let persona = self.needs.runtime.persona();
        crate::record::RuntimeRecord {
            persona: self.needs.runtime,
            persona_cni_args: persona.args.iter().map(|(k, _)| k.to_string()).collect(),
            persona_capabilities: persona.capability_args().keys().cloned().collect(),
            never_sends: [
                crate::spec::Verb::Check,
                crate::spec::Verb::Status,
                crate::spec::Verb::Gc,
            ]
            .into_iter()
            .filter(|v| persona.sends(*v).is_err())
            .collect(),
            cni_args: self.needs.cni_args.render(),
            capability_args: self.needs.capability_args.clone(),
        }
    }

    /// The capability arguments the runtime passes: its persona's, with the
    /// profile's (and the command line's) on top, each as the persona's
    /// runtime renders it (`Persona::render_requested`).
    pub fn capability_args(&self) -> Map<String, Value> {
        let persona = self.needs.runtime.persona();
        let mut caps = persona.capability_args();
        for (k, v) in &self.needs.capability_args {
            caps.insert(k.clone(), persona.render_requested(k, v));
        }
        caps
    }

    /// The interface name to attach as.
    pub fn ifname(&self) -> &str {
        self.needs.ifname.as_deref().unwrap_or("eth0")
    }
}

/// Where `net` configures the plugin of type `plugin`: its own entry, else
/// the first entry delegating to it as IPAM.
pub fn subject_index_in(net: &NetworkConfig, plugin: &str) -> Option<usize> {
    let own = net
        .plugins
        .iter()
        .position(|p| super::plugin_type(p) == plugin);
    own.or_else(|| {
        net.plugins
            .iter()
            .position(|p| super::ipam_type(p) == Some(plugin))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_needs(needs: &str) -> Result<Profile, ConfigError> {
        let text = format!(
            r#"{{"profile": "p", "plugin": "bridge", "needs": {needs},
               "config": {{"cniVersion": "1.0.0", "name": "n", "plugins": [{{"type": "bridge"}}]}}}}"#
        );
        Profile::parse(text.as_bytes(), "test")
    }

    #[test]
    fn cni_args_come_from_the_profile_and_the_command_line_wins() {
        let mut p = with_needs(r#"{"cniArgs": "K8S_POD_NAME=a;IgnoreUnknown=1"}"#).expect("valid");
        assert_eq!(p.needs.cni_args.get("K8S_POD_NAME"), Some("a"));
        p.apply(&RuntimeOverrides {
            cni_args: CniArgs::parse("K8S_POD_NAME=b").expect("valid"),
            capability_args: None,
            runtime: None,
        });
        assert_eq!(p.needs.cni_args.render(), "K8S_POD_NAME=b;IgnoreUnknown=1");
    }

    #[test]
    fn malformed_cni_args_are_refused_with_the_key_named() {
        let e = with_needs(r#"{"cniArgs": "novalue"}"#).expect_err("refused");
        assert!(e.to_string().contains("novalue"), "{e}");
    }
}
