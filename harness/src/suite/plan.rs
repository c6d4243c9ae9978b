//! Which spec versions a run covers, and the baselines run before the cases.
//!
//! The versions are those every binary taking part in an attachment lists
//! in VERSION: the list's plugins, their `ipam` types, and the delegates a
//! plugin runs itself, seen through a [`DelegateTap`] during the baseline
//! ADD at the configuration's own version (as flannel hands the attachment
//! to `bridge`), each asked VERSION too. That baseline always runs, covered
//! or not (a refusal there is a failure of its own); each covered version
//! then gets a baseline of its own, which blocks that version's cases when
//! it fails.

use std::collections::BTreeSet;
use std::path::Path;

use super::options::SuiteOptions;
use crate::config::{ipam_type, plugin_type};
use crate::invoke::{find_plugin, DelegateCall, Runtime};
use crate::record::{Baseline, Part, Refusal, RunPlan, VersionProbe};
use crate::sandbox::Sandbox;
use crate::spec::SpecVersion;

#[derive(Debug, Clone)]
pub struct Plan {
    /// The versions the cases run at, oldest first.
    pub versions: Vec<SpecVersion>,
    /// What the plugin under test listed in VERSION, verbatim.
    pub claimed: Vec<String>,
    /// How the versions were chosen and the baselines, as results record them.
    pub run: RunPlan,
}

impl Plan {
    /// The baseline that ran at `version`.
    pub fn baseline_at(&self, version: SpecVersion) -> Option<&Baseline> {
        self.run.baseline_at(version)
    }

    /// The baseline at the configuration's own version (or, for a
    /// configuration whose version the harness does not know, the newest
    /// covered one).
    pub fn own_baseline(&self) -> Option<&Baseline> {
        self.run
            .baselines
            .iter()
            .find(|b| b.configured)
            .or_else(|| self.run.baselines.last())
    }

    /// What the output and the reports say first: which binary refused
    /// which version, then each failed baseline.
    pub fn headlines(&self) -> Vec<String> {
        self.run.headlines()
    }
}

pub fn plan(opts: &SuiteOptions) -> anyhow::Result<Plan> {
    let net = &opts.profile.config;
    let declared = net.spec_version();
    let mut probes = Vec::new();
    let mut notes = Vec::new();
    {
        let sandbox = Sandbox::new()?;
        let rt = Runtime::new(&sandbox, opts.cni_path.clone());
        let mut asked = BTreeSet::new();
        for p in &net.plugins {
            let t = plugin_type(p);
            let mut parts = vec![(t.clone(), Part::Plugin)];
            parts.extend(ipam_type(p).map(|i| (i.to_string(), Part::Ipam(t.clone()))));
            for (binary, part) in parts {
                if asked.insert(binary.clone()) {
                    let path = find_plugin(&binary, &opts.cni_path)?;
                    probes.push(probe(&rt, &binary, part, &path)?);
                }
            }
        }
    }
    let claimed = probes
        .iter()
        .find(|p| p.binary == opts.profile.plugin)
        .map(|p| p.supported.clone())
        .unwrap_or_default();
    // The configuration's own version first: it is required to work, and
    // its ADD shows which delegates take part.
    let own = declared.or_else(|| {
        versions_of(opts, &probes, &mut Vec::new(), &mut Vec::new())
            .last()
            .copied()
    });
    let mut baselines = Vec::new();
    if let Some(v) = own {
        let (baseline, calls) = super::baseline::run_tapped(opts, v);
        if let Some(mut b) = baseline {
            b.configured = declared == Some(v);
            baselines.push(b);
        }
        let unseen: Vec<(String, String, String)> = delegates(&calls)
            .into_iter()
            .filter(|(binary, _, _)| !probes.iter().any(|p| p.binary == *binary))
            .collect();
        if !unseen.is_empty() {
            let sandbox = Sandbox::new()?;
            let rt = Runtime::new(&sandbox, opts.cni_path.clone());
            for (binary, caller, path) in unseen {
                probes.push(probe(
                    &rt,
                    &binary,
                    Part::Delegate(caller),
                    Path::new(&path),
                )?);
            }
        }
    }
    let mut refusals = Vec::new();
    let versions = versions_of(opts, &probes, &mut refusals, &mut notes);
    // The other covered versions, two at a time (each in its own sandbox).
    let rest: Vec<SpecVersion> = versions
        .iter()
        .copied()
        .filter(|v| !baselines.iter().any(|b| b.spec_version == *v))
        .collect();
    let more: Vec<Baseline> = std::thread::scope(|s| {
        let chunks: Vec<Vec<SpecVersion>> = [0, 1]
            .iter()
            .map(|k| rest.iter().copied().skip(*k).step_by(2).collect())
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .into_iter()
                        .filter_map(|v| super::baseline::run(opts, v))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    baselines.extend(more);
    baselines.sort_by_key(|b| b.spec_version);
    Ok(Plan {
        versions,
        claimed,
        run: RunPlan {
            probes,
            refusals,
            baselines,
            notes,
        },
    })
}

/// libcni's VERSION probe of one binary.
fn probe(rt: &Runtime, binary: &str, part: Part, path: &Path) -> anyhow::Result<VersionProbe> {
    let step = rt.version_probe(path)?;
    Ok(VersionProbe {
        binary: binary.to_string(),
        part,
        supported: crate::config::string_array(
            step.reply.result().and_then(|r| r.get("supportedVersions")),
        ),
    })
}

/// Each delegate binary the calls show once, with the binary that ran it
/// (a delegate of a delegate names that delegate) and its real path.
fn delegates(calls: &[DelegateCall]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for c in calls {
        if !out.iter().any(|(b, _, _)| *b == c.binary) {
            let caller = c
                .caller
                .clone()
                .unwrap_or_else(|| "the plugins of the list".into());
            out.push((c.binary.clone(), caller, c.path.display().to_string()));
        }
    }
    out
}

/// The versions every probed binary supports, after the profile's pins,
/// the list's needs and `--spec-version`; `refusals` gets each version the
/// plugin under test lists that another binary does not, `notes` the rest.
fn versions_of(
    opts: &SuiteOptions,
    probes: &[VersionProbe],
    refusals: &mut Vec<Refusal>,
    notes: &mut Vec<String>,
) -> Vec<SpecVersion> {
    let net = &opts.profile.config;
    let listed = |p: &VersionProbe| -> BTreeSet<SpecVersion> {
        if p.supported.is_empty() {
            // No VERSION verb (a 0.1.0 plugin): only the configuration's version.
            net.spec_version().into_iter().collect()
        } else {
            p.supported.iter().filter_map(|v| v.parse().ok()).collect()
        }
    };
    let subject = probes.iter().find(|p| p.binary == opts.profile.plugin);
    let mut versions: BTreeSet<SpecVersion> = match subject {
        Some(s) => listed(s),
        None => SpecVersion::ALL.into_iter().collect(),
    };
    for p in probes {
        if p.supported.is_empty() {
            notes.push(format!(
                "{} answered no VERSION; assuming it supports {}",
                p.binary, net.cni_version
            ));
        }
        if Some(p) == subject {
            continue;
        }
        let theirs = listed(p);
        for v in versions.iter().filter(|v| !theirs.contains(v)) {
            refusals.push(Refusal {
                version: *v,
                binary: p.binary.clone(),
                part: p.part.clone(),
            });
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
    if !opts.profile.versions.is_empty() {
        versions.retain(|v| opts.profile.versions.contains(v));
        notes.push(format!(
            "the profile pins the versions to {}",
            opts.profile
                .versions
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(only) = &opts.only_versions {
        versions.retain(|v| only.contains(v));
    }
    versions.into_iter().collect()
}
