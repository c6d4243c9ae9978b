//! Which spec versions a run covers: those every plugin of the chain claims
//! in VERSION, intersected with `--spec-version`.

use std::collections::BTreeSet;

use super::options::SuiteOptions;
use crate::config::{ipam_type, plugin_type};
use crate::invoke::{find_plugin, Runtime};
use crate::sandbox::Sandbox;
use crate::spec::SpecVersion;

#[derive(Debug, Clone)]
pub struct Plan {
    /// Oldest first.
    pub versions: Vec<SpecVersion>,
    /// What the plugin under test listed in VERSION, verbatim.
    pub claimed: Vec<String>,
    /// Why some versions are not covered.
    pub notes: Vec<String>,
    /// The configuration's own ADD/CHECK/DEL, run before the cases.
    pub baseline: Option<crate::record::Baseline>,
}

pub fn plan(opts: &SuiteOptions) -> anyhow::Result<Plan> {
    let sandbox = Sandbox::new()?;
    let rt = Runtime::new(&sandbox, opts.cni_path.clone());
    let net = &opts.profile.config;
    let mut types: Vec<String> = Vec::new();
    for p in &net.plugins {
        types.push(plugin_type(p));
        types.extend(ipam_type(p).map(str::to_string));
    }
    types.dedup();

    let mut versions: BTreeSet<SpecVersion> = SpecVersion::ALL.into_iter().collect();
    let mut claimed = Vec::new();
    let mut notes = Vec::new();
    for t in &types {
        let step = rt.version_probe(&find_plugin(t, &opts.cni_path)?)?;
        let listed = crate::config::string_array(
            step.reply.result().and_then(|r| r.get("supportedVersions")),
        );
        let theirs: BTreeSet<SpecVersion> = if listed.is_empty() {
            // No VERSION verb (a 0.1.0 plugin): only the configuration's version.
            notes.push(format!(
                "{t} answered no VERSION; assuming it supports {}",
                net.cni_version
            ));
            net.spec_version().into_iter().collect()
        } else {
            listed.iter().filter_map(|v| v.parse().ok()).collect()
        };
        if *t == opts.profile.plugin {
            claimed = listed;
        }
        versions = versions.intersection(&theirs).copied().collect();
    }
    if net.plugins.len() > 1 {
        let before = versions.len();
        versions.retain(|v| v.has_chaining());
        if versions.len() < before {
            notes.push(
                "configuration lists exist from spec 0.3.0: older versions not tested".into(),
            );
        }
    }
    if let Some(only) = &opts.only_versions {
        versions.retain(|v| only.contains(v));
    }
    let versions: Vec<SpecVersion> = versions.into_iter().collect();
    let baseline = super::baseline::version(net.spec_version(), &versions)
        .and_then(|v| super::baseline::run(opts, v));
    Ok(Plan {
        versions,
        claimed,
        notes,
        baseline,
    })
}
