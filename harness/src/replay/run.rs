//! `cni-harness replay DIR`: a recorded invocation sequence re-run in a
//! fresh sandbox, in recorded order, with the recorded stdin byte for byte
//! and the recorded environment mapped onto the sandbox:
//!
//! - `CNI_NETNS`: each distinct recorded namespace becomes one container
//!   namespace of the sandbox (empty stays empty: the namespace was gone;
//!   `dummy`, the VERSION probe's, stays);
//! - `CNI_PATH`: the `--cni-path` given, else the recorded one;
//! - the runtime's own environment (everything but `CNI_*`) is dropped and
//!   `PATH` is the harness's fixed one, as for every plugin the harness
//!   runs, unless `runtime_env` keeps the recorded variables.
//!
//! Invocations a plugin made itself (a shimmed IPAM plugin its main plugin
//! delegated to) are not replayed: the replayed main plugin makes them again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use super::judge::{self as replay_judge, Kernel};
use super::record::{self, Captured};
use crate::invoke::{env::PLUGIN_PATH_ENV, env::VERSION_PROBE_DUMMY, find_plugin, Limits};
use crate::invoke::{Runtime, Step};
use crate::judge::leak::{self, LeakIdentity};
use crate::judge::{Finding, Severity};
use crate::kernel::{self, SandboxSnapshot, SnapshotOptions};
use crate::sandbox::{Netns, Sandbox};
use crate::spec::Verb;

/// How to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// `CNI_PATH` for the replay, and where plugins are looked up by name
    /// (`None`: the recorded `CNI_PATH` and the recorded binaries).
    pub cni_path: Option<Vec<PathBuf>>,
    /// Run this binary for every invocation instead of the recorded one
    /// (to replay a capture against another plugin).
    pub plugin: Option<PathBuf>,
    /// Keep the runtime's recorded environment instead of the harness's fixed one.
    pub runtime_env: bool,
    pub timeout: Duration,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            cni_path: None,
            plugin: None,
            runtime_env: false,
            timeout: Limits::default().timeout,
        }
    }
}

/// One replayed invocation.
#[derive(Debug, Clone)]
pub struct Replayed {
    pub captured: Captured,
    pub step: Step,
    /// What the suite's judgements say of it, worst first.
    pub findings: Vec<Finding>,
    /// How its answer differs from the recorded one (exit, stdout), for
    /// humans: a replay is judged by the spec, not against the recording.
    pub differences: Vec<String>,
    /// Kernel and state changes it made, rendered.
    pub kernel_diff: String,
}

/// A whole replay.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    pub sandbox_id: String,
    /// Recorded `CNI_NETNS` -> the sandbox namespace it was mapped onto.
    pub netns_map: Vec<(String, PathBuf)>,
    pub steps: Vec<Replayed>,
    /// Captures not replayed, and why.
    pub skipped: Vec<String>,
    /// What the attachments' DELs left (DEL-RELEASE), judged at the end.
    pub leak_findings: Vec<Finding>,
    /// Why some judgement could not be made.
    pub notes: Vec<String>,
}

impl ReplayReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.steps
            .iter()
            .flat_map(|s| &s.findings)
            .chain(&self.leak_findings)
    }

    /// Whether the defect shows: a MUST broken (with `strict`, a SHOULD too).
    pub fn reproduces(&self, strict: bool) -> bool {
        self.findings()
            .any(|f| f.severity == Severity::Error || (strict && f.severity == Severity::Warning))
    }
}

/// Load the captures of `dir` and replay them.
pub fn replay_dir(dir: &Path, opts: &ReplayOptions) -> anyhow::Result<ReplayReport> {
    let (captures, passed) = record::load_dir(dir)?;
    let mut report = replay(&captures, opts)?;
    report.skipped.splice(0..0, passed);
    Ok(report)
}

/// An attachment as the runtime knows it (CNI_CONTAINERID, CNI_IFNAME and
/// the network name of stdin).
type AttachmentKey = (String, String, String);

struct Attached {
    netns: Option<PathBuf>,
    add_result: Option<Value>,
    after_add: SandboxSnapshot,
    deleted: bool,
}

/// Replay `captures` (in their order) in a fresh sandbox.
pub fn replay(captures: &[Captured], opts: &ReplayOptions) -> anyhow::Result<ReplayReport> {
    let (runtime_calls, skipped) = runtime_calls(captures);
    anyhow::ensure!(
        !runtime_calls.is_empty(),
        "no invocation to replay: {}",
        skipped.join("; ")
    );
    let mut sandbox = Sandbox::new().context("cannot make the sandbox to replay in")?;
    let netns_map = map_namespaces(&runtime_calls, &mut sandbox)?;
    let mut rt = Runtime::new(&sandbox, opts.cni_path.clone().unwrap_or_default());
    rt.limits.timeout = opts.timeout;
    let mut report = ReplayReport {
        sandbox_id: sandbox.id().to_string(),
        netns_map: netns_map.clone(),
        steps: Vec::new(),
        skipped,
        leak_findings: Vec::new(),
        notes: Vec::new(),
    };
    let baseline = snapshot(&sandbox, None)?;
    let mut attached: BTreeMap<AttachmentKey, Attached> = BTreeMap::new();
    for c in runtime_calls {
        let verb = c
            .verb()
            .map_err(|e| anyhow::anyhow!("capture {}: {e}", c.seq))?;
        let stdin = c
            .stdin
            .to_vec()
            .map_err(|e| anyhow::anyhow!("capture {}: stdin: {e}", c.seq))?;
        let env = replay_env(&c.env, &netns_map, opts);
        let netns = mapped(&netns_map, c.env_var("CNI_NETNS"));
        let plugin = plugin_for(c, opts)?;
        let before = snapshot(&sandbox, netns.as_deref())?;
        let step = rt
            .exec(&plugin, verb, env, stdin)
            .with_context(|| format!("capture {}", c.seq))?;
        let after = snapshot(&sandbox, netns.as_deref())?;
        let kernel = Kernel {
            container: after.container.as_ref(),
            node: &after.node,
        };
        let (findings, _) = replay_judge::step(&step, &kernel);
        let key = attachment_key(c);
        match verb {
            Verb::Add if step.reply.is_success() => {
                attached.insert(
                    key,
                    Attached {
                        netns: netns.clone(),
                        add_result: step.reply.result().cloned(),
                        after_add: after.clone(),
                        deleted: false,
                    },
                );
            }
            Verb::Del if step.reply.is_success() => {
                if let Some(a) = attached.get_mut(&key) {
                    a.deleted = true;
                }
            }
            _ => {}
        }
        report.steps.push(Replayed {
            differences: differences(c, &step),
            captured: c.clone(),
            findings,
            kernel_diff: kernel::render(&kernel::diff_sandbox(&before, &after)),
            step,
        });
    }
    drop(rt);
    judge_leaks(&sandbox, &baseline, &attached, &mut report)?;
    Ok(report)
}

/// The captures the runtime made, and why the others are not replayed.
pub(super) fn runtime_calls(captures: &[Captured]) -> (Vec<&Captured>, Vec<String>) {
    let mut calls = Vec::new();
    let mut skipped = Vec::new();
    for c in captures {
        match captures.iter().find(|o| c.delegated_by(o)) {
            Some(parent) => skipped.push(format!(
                "capture {} ({} {}): made by the plugin of capture {} ({}), which the replay runs again",
                c.seq,
                c.plugin_type(),
                c.env_var("CNI_COMMAND").unwrap_or("?"),
                parent.seq,
                parent.plugin_type()
            )),
            None => calls.push(c),
        }
    }
    (calls, skipped)
}

/// One sandbox container namespace per distinct recorded `CNI_NETNS`.
fn map_namespaces(
    calls: &[&Captured],
    sandbox: &mut Sandbox,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut map: Vec<(String, PathBuf)> = Vec::new();
    for c in calls {
        let Some(ns) = c.env_var("CNI_NETNS") else {
            continue;
        };
        if ns.is_empty() || ns == VERSION_PROBE_DUMMY || map.iter().any(|(r, _)| r == ns) {
            continue;
        }
        let path = if map.is_empty() {
            sandbox.container_path().to_path_buf()
        } else {
            sandbox.add_container()?
        };
        map.push((ns.to_string(), path));
    }
    Ok(map)
}

fn mapped(map: &[(String, PathBuf)], recorded: Option<&str>) -> Option<PathBuf> {
    let r = recorded?;
    map.iter().find(|(k, _)| k == r).map(|(_, p)| p.clone())
}

/// The recorded environment, mapped onto the sandbox (see the module docs).
pub fn replay_env(
    recorded: &[(String, String)],
    netns_map: &[(String, PathBuf)],
    opts: &ReplayOptions,
) -> Vec<(String, String)> {
    let cni_path = opts.cni_path.as_ref().map(|dirs| {
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    });
    let mut env = Vec::new();
    for (k, v) in recorded {
        let value = match k.as_str() {
            "CNI_NETNS" => mapped(netns_map, Some(v))
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| v.clone()),
            "CNI_PATH" if v != VERSION_PROBE_DUMMY => cni_path.clone().unwrap_or_else(|| v.clone()),
            "PATH" if !opts.runtime_env => PLUGIN_PATH_ENV.to_string(),
            key if key.starts_with("CNI_") || opts.runtime_env => v.clone(),
            _ => continue,
        };
        env.push((k.clone(), value));
    }
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.insert(0, ("PATH".into(), PLUGIN_PATH_ENV.into()));
    }
    env
}

/// The binary to run for `c`: the one given, else found by name on the
/// given CNI path, else the one recorded.
fn plugin_for(c: &Captured, opts: &ReplayOptions) -> anyhow::Result<PathBuf> {
    if let Some(p) = &opts.plugin {
        return Ok(p.clone());
    }
    match &opts.cni_path {
        Some(dirs) => Ok(find_plugin(&c.plugin_type(), dirs)?),
        None => Ok(c.plugin.clone()),
    }
}

fn attachment_key(c: &Captured) -> AttachmentKey {
    let network = c
        .stdin
        .to_vec()
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let var = |k| c.env_var(k).unwrap_or_default().to_string();
    (var("CNI_CONTAINERID"), var("CNI_IFNAME"), network)
}

/// The sandbox with `container` (a namespace of it) as the container side.
fn snapshot(sandbox: &Sandbox, container: Option<&Path>) -> anyhow::Result<SandboxSnapshot> {
    let opts = SnapshotOptions::default();
    let mut snap = SandboxSnapshot::take(sandbox, &opts).context("kernel snapshot")?;
    if let Some(path) = container.filter(|p| *p != sandbox.container_path()) {
        // Opened for this snapshot only: an open handle keeps a namespace alive.
        snap.container = match Netns::open(path) {
            Ok(ns) => Some(kernel::snapshot(&ns, &opts).context("kernel snapshot")?),
            Err(_) => None,
        };
    }
    Ok(snap)
}

/// How the replayed answer differs from the recorded one.
fn differences(c: &Captured, step: &Step) -> Vec<String> {
    let mut out = Vec::new();
    if c.exit != step.outcome.exit {
        out.push(format!(
            "recorded {}, replayed {}",
            c.exit, step.outcome.exit
        ));
    }
    let recorded = c.stdout.to_vec().unwrap_or_default();
    if recorded != step.outcome.stdout {
        let same_json = serde_json::from_slice::<Value>(&recorded).ok().is_some()
            && serde_json::from_slice::<Value>(&recorded).ok()
                == serde_json::from_slice::<Value>(&step.outcome.stdout).ok();
        out.push(if same_json {
            "stdout: the same JSON, spelt differently".into()
        } else {
            "stdout differs from the recording".into()
        });
    }
    out
}

/// DEL-RELEASE over the whole sequence: once every attachment the replay
/// added was deleted again, what is left of each (against the state before
/// the first invocation) is a leak. With an attachment still added at the
/// end, its state is legitimately there and would be blamed on the others.
fn judge_leaks(
    sandbox: &Sandbox,
    baseline: &SandboxSnapshot,
    attached: &BTreeMap<AttachmentKey, Attached>,
    report: &mut ReplayReport,
) -> anyhow::Result<()> {
    if attached.is_empty() {
        return Ok(());
    }
    let live: Vec<&AttachmentKey> = attached
        .iter()
        .filter(|(_, a)| !a.deleted)
        .map(|(k, _)| k)
        .collect();
    if !live.is_empty() {
        report.notes.push(format!(
            "no leak judgement: {} attachment(s) still added at the end of the capture ({})",
            live.len(),
            live.iter()
                .map(|(c, i, n)| format!("{n}/{c}/{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok(());
    }
    let mut seen = Vec::new();
    for ((container_id, ifname, _), a) in attached {
        let end = snapshot(sandbox, a.netns.as_deref())?;
        let who = LeakIdentity::for_attachment(container_id, ifname, a.add_result.as_ref());
        for f in leak::leaks(baseline, &a.after_add, &end, &who).findings() {
            if !seen.contains(&f) {
                seen.push(f);
            }
        }
    }
    report.leak_findings = crate::judge::worst_first(seen);
    Ok(())
}
