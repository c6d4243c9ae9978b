//! From a profile to the [`FuzzTarget`]s the executor runs: which plugin's
//! configuration is mutated, its binary, the seed stdin libcni would give
//! it, and how its answers are judged. A finding stores a [`TargetRecord`]
//! so it can be replayed.
//!
//! Every binary of the chain is a target of its own ([`slots`]): each plugin
//! of the list, run after the plugins before it, and each IPAM type, called
//! directly with the configuration its main plugin hands on
//! ([`crate::config::ipam_stdin`]). A defect of an IPAM plugin that the main
//! plugin's own parsing never lets through (an `ipam` key missing, an address
//! only in `CNI_ARGS`) is reached that way, and blamed on the IPAM binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use serde_json::Value;

use super::chain::Prefix;
use super::input::{EnvChange, Input};
use super::oracles::ResultRules;
use crate::config::{
    ipam_stdin, ipam_type, plugin_stdin, plugin_type, Profile, Role, RuntimeOverrides, StdinFor,
};
use crate::invoke::{find_plugin, CniArgs, Limits};
use crate::judge;
use crate::spec::Verb;

/// Which binary of the profile's chain a target fuzzes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Slot {
    /// The plugin at this position of the list, run after the plugins
    /// before it (see [`Prefix`]).
    Plugin(usize),
    /// The IPAM type of the plugin at this position, called directly with
    /// the configuration that plugin hands it.
    Ipam(usize),
}

/// Every binary of the profile's chain, the profile's subject first (the
/// plugin under test, or the main plugin that calls it as IPAM), then the
/// list's other plugins in order, then each plugin's IPAM type.
pub fn slots(profile: &Profile) -> Vec<Slot> {
    let subject = profile.subject_index();
    let plugins = &profile.config.plugins;
    let mut out = vec![Slot::Plugin(subject)];
    out.extend(
        (0..plugins.len())
            .filter(|i| *i != subject)
            .map(Slot::Plugin),
    );
    out.extend(
        plugins
            .iter()
            .enumerate()
            .filter(|(_, p)| ipam_type(p).is_some_and(|t| !t.is_empty()))
            .map(|(i, _)| Slot::Ipam(i)),
    );
    out
}

/// What is fuzzed and how it is run.
#[derive(Clone)]
pub struct FuzzTarget {
    /// Which binary of the chain this is.
    pub slot: Slot,
    /// Its type (the binary's name on the CNI path).
    pub plugin_type: String,
    /// How it is called, for humans: `host-local (IPAM of bridge, called directly)`.
    pub label: String,
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
    /// The binary of the chain fuzzed; absent: the profile's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<Slot>,
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
    build_slot(config, cni_path, timeout, overrides, None)
}

/// Build the target for one binary of the profile's chain (`None`: the
/// profile's subject, the plugin under test or the main plugin that calls
/// it as IPAM).
pub fn build_slot(
    config: &Path,
    cni_path: &[PathBuf],
    timeout: Duration,
    overrides: &RuntimeOverrides,
    slot: Option<Slot>,
) -> anyhow::Result<FuzzTarget> {
    let mut profile = Profile::load(config)?;
    profile.apply(overrides);
    let cni_path = if cni_path.is_empty() {
        profile.cni_path.clone()
    } else {
        cni_path.to_vec()
    };
    let slot = slot.unwrap_or(Slot::Plugin(profile.subject_index()));
    let net = &profile.config;
    let (Slot::Plugin(index) | Slot::Ipam(index)) = slot;
    anyhow::ensure!(
        index < net.plugins.len(),
        "the configuration has no plugin at position {index}"
    );
    let main_type = plugin_type(&net.plugins[index]);
    let main_stdin = plugin_stdin(
        net,
        index,
        StdinFor::Add { prev_result: None },
        &profile.capability_args(),
    );
    let (plugin_type, stdin, label) = match slot {
        Slot::Plugin(_) => {
            let label = if net.plugins.len() > 1 {
                format!("{main_type} (plugin {} of the list)", index + 1)
            } else {
                main_type.clone()
            };
            (main_type, main_stdin, label)
        }
        Slot::Ipam(_) => {
            let t = ipam_type(&net.plugins[index])
                .filter(|t| !t.is_empty())
                .with_context(|| format!("{main_type} has no ipam type"))?
                .to_string();
            let label = format!("{t} (IPAM of {main_type}, called directly)");
            (t.clone(), ipam_stdin(&main_stdin, &t), label)
        }
    };
    let plugin = find_plugin(&plugin_type, &cni_path)
        .with_context(|| format!("plugin under test {plugin_type:?}"))?;
    let seed_config = serde_json::to_string(&stdin)?;
    let rules = match slot {
        Slot::Plugin(_) => ResultRules {
            kind: judge::result::kind_for(&profile, &plugin_type),
            // Only a main plugin's result describes interfaces it configured itself.
            consistency: profile.role == Role::Main && plugin_type == profile.plugin,
        },
        Slot::Ipam(_) => ResultRules {
            kind: crate::schema::DocumentKind::IpamResult,
            consistency: false,
        },
    };
    // An IPAM plugin called directly runs outside the chain.
    let prefix = match slot {
        Slot::Plugin(index) => Prefix::resolve(&profile, index, &cni_path)?,
        Slot::Ipam(_) => Prefix::default(),
    };
    Ok(FuzzTarget {
        slot,
        plugin_type,
        label,
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
        // An IPAM result configures nothing to send packets through.
        dataplane: matches!(slot, Slot::Plugin(_)),
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
            slot: Some(self.slot).filter(|s| *s != Slot::Plugin(self.profile.subject_index())),
        }
    }

    /// The configurations the binary is called with besides the seed: an
    /// IPAM type is also what a user lists as a plugin of its own (Debian's
    /// `static` is run that way), its `ipam` keys then at the top level and
    /// no `ipam` object. Empty for a plugin of the list.
    pub fn other_configs(&self) -> Vec<String> {
        if !matches!(self.slot, Slot::Ipam(_)) {
            return Vec::new();
        }
        let Ok(Value::Object(mut seed)) = serde_json::from_str::<Value>(&self.seed_config) else {
            return Vec::new();
        };
        let Some(Value::Object(ipam)) = seed.shift_remove("ipam") else {
            return Vec::new();
        };
        for (k, v) in ipam {
            seed.entry(k).or_insert(v);
        }
        serde_json::to_string(&seed).into_iter().collect()
    }

    /// Seeds beyond the seed configuration: its [`FuzzTarget::other_configs`]
    /// and every one of these with the runtime's `CNI_ARGS` shapes (over
    /// the profile's own arguments): Kubernetes' pod identity (`K8S_POD_*`,
    /// with `IgnoreUnknown=1` as CRI runtimes send it), a requested address
    /// (`IP=`, as written in the IPAM configuration: a CIDR for `static`'s
    /// `addresses`, a bare address in a host-local range) and, for a plugin
    /// of the list, a requested `MAC=`. Parsers of these arguments are
    /// reached only through them.
    pub fn runtime_arg_seeds(&self) -> Vec<Input> {
        let base = &self.profile.needs.cni_args;
        let ipam = serde_json::from_str::<Value>(&self.seed_config)
            .ok()
            .and_then(|c| c.get("ipam").cloned());
        let mut shapes = vec![
            "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=fuzz-pod;\
             K8S_POD_INFRA_CONTAINER_ID=fuzz-infra"
                .to_string(),
        ];
        if let Some(ip) = ipam.as_ref().and_then(requested_address) {
            shapes.push(format!("IgnoreUnknown=1;IP={ip}"));
        }
        if matches!(self.slot, Slot::Plugin(_)) {
            shapes.push("IgnoreUnknown=1;MAC=0a:58:0a:58:00:fe".to_string());
        }
        let args: Vec<CniArgs> = shapes
            .iter()
            .filter_map(|shape| CniArgs::parse(shape).ok())
            .collect();
        let others = self.other_configs();
        let mut out: Vec<Input> = others
            .iter()
            .map(|c| Input::new(c.clone(), vec![Verb::Add, Verb::Del]))
            .collect();
        for config in std::iter::once(&self.seed_config).chain(&others) {
            for a in &args {
                let mut input = Input::new(config.clone(), vec![Verb::Add, Verb::Del]);
                input.env = vec![EnvChange::Set("CNI_ARGS".into(), base.overlay(a).render())];
                out.push(input);
            }
        }
        out
    }

    /// Whether this is the profile's subject (the target a session always has).
    pub fn is_subject(&self) -> bool {
        self.slot == Slot::Plugin(self.profile.subject_index())
    }

    /// A short name for directories: `plugin-1-tuning`, `ipam-0-host-local`.
    pub fn dir_name(&self) -> String {
        let clean: String = self
            .plugin_type
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match self.slot {
            Slot::Plugin(i) => format!("plugin-{i}-{clean}"),
            Slot::Ipam(i) => format!("ipam-{i}-{clean}"),
        }
    }
}

/// An address a runtime could ask the IPAM configuration for in `IP=`:
/// `static`'s first address (a CIDR), else a host of the first host-local
/// range (a bare address, ten past the network: host-local takes an `IP=`
/// inside a range).
fn requested_address(ipam: &Value) -> Option<String> {
    if let Some(a) = ipam.pointer("/addresses/0/address").and_then(Value::as_str) {
        return Some(a.to_string());
    }
    let subnet = ipam
        .pointer("/ranges/0/0/subnet")
        .or_else(|| ipam.get("subnet"))
        .and_then(Value::as_str)?;
    let (net, prefix) = subnet.split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    match net.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) if prefix <= 28 => {
            Some(std::net::Ipv4Addr::from(u32::from(v4).checked_add(10)?).to_string())
        }
        std::net::IpAddr::V6(v6) if prefix <= 124 => {
            Some(std::net::Ipv6Addr::from(u128::from(v6).checked_add(10)?).to_string())
        }
        _ => None,
    }
}

impl TargetRecord {
    pub fn rebuild(&self) -> anyhow::Result<FuzzTarget> {
        let mut t = build_slot(
            &self.config,
            &self.cni_path,
            Duration::from_millis(self.timeout_ms),
            &self.runtime,
            self.slot,
        )?;
        t.firewall = self.firewall;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_requested_address_is_written_as_the_ipam_plugin_reads_it() {
        let fixed = json!({"type": "static", "addresses": [{"address": "10.88.0.10/24"}]});
        assert_eq!(requested_address(&fixed).as_deref(), Some("10.88.0.10/24"));
        let ranges = json!({"type": "host-local", "ranges": [[{"subnet": "10.22.0.0/16"}]]});
        assert_eq!(requested_address(&ranges).as_deref(), Some("10.22.0.10"));
        let v6 = json!({"type": "host-local", "subnet": "fd00:1::/64"});
        assert_eq!(requested_address(&v6).as_deref(), Some("fd00:1::a"));
        assert_eq!(requested_address(&json!({"type": "dhcp"})), None);
        assert_eq!(requested_address(&json!({"subnet": "10.0.0.0/30"})), None);
    }

    #[test]
    fn an_ipam_type_is_also_seeded_as_a_plugin_of_its_own() {
        let profile = common_profile();
        let t = build_slot(
            &profile,
            &[PathBuf::from("/bin")],
            Duration::from_secs(1),
            &RuntimeOverrides::default(),
            Some(Slot::Ipam(0)),
        );
        // `true` stands in for both binaries: only the configurations matter.
        let t = t.expect("target");
        assert_eq!(t.label, "true (IPAM of true, called directly)");
        let own: Value = serde_json::from_str(&t.other_configs()[0]).expect("json");
        assert_eq!(
            own,
            json!({"type": "true", "cniVersion": "1.0.0", "name": "n",
                "addresses": [{"address": "10.88.0.10/24"}]})
        );
        let seeds = t.runtime_arg_seeds();
        assert!(seeds.iter().any(|s| s.config == t.other_configs()[0]
            && s.env_value("CNI_ARGS") == Some("IgnoreUnknown=1;IP=10.88.0.10/24")));
        assert!(seeds
            .iter()
            .all(|s| s.env_value("CNI_ARGS").is_none_or(|a| !a.contains("MAC="))));
        let _ = std::fs::remove_file(&profile);
    }

    fn common_profile() -> PathBuf {
        let path = std::env::temp_dir().join(format!("cnih-target-{}.json", std::process::id()));
        let profile = json!({"profile": "p", "plugin": "true", "role": "ipam",
            "config": {"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "true",
                "ipam": {"type": "true", "addresses": [{"address": "10.88.0.10/24"}]}}]}});
        std::fs::write(&path, profile.to_string()).expect("write profile");
        path
    }
}
