//! A minimal container runtime after libcni: runs a network configuration's
//! plugins in order (ADD, CHECK, STATUS, GC) or in reverse (DEL), chains
//! `prevResult`, and caches the final ADD result per attachment for CHECK and DEL.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::env::{self, CniArgs, EnvEdit, EnvInputs, EnvStyle};
use super::exec::{self, Limits, Outcome};
use super::reply::Reply;
use super::{Invocation, InvokeError};
use crate::config::{plugin_stdin, plugin_type, NetworkConfig, StdinFor};
use crate::sandbox::{plugin_command, Sandbox};
use crate::spec::{SpecVersion, Verb};

/// One container attachment to a network: what identifies it to a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub container_id: String,
    pub ifname: String,
    pub args: CniArgs,
    /// The container's namespace, when not the sandbox's first one.
    pub netns: Option<PathBuf>,
}

impl Attachment {
    pub fn new(container_id: &str, ifname: &str) -> Attachment {
        Attachment {
            container_id: container_id.to_string(),
            ifname: ifname.to_string(),
            args: CniArgs::default(),
            netns: None,
        }
    }
}

/// One plugin execution and what came of it.
#[derive(Debug, Clone)]
pub struct Step {
    pub plugin_type: String,
    pub invocation: Invocation,
    pub outcome: Outcome,
    pub reply: Reply,
}

/// All plugin executions of one runtime operation, in execution order.
#[derive(Debug, Clone)]
pub struct ChainRun {
    pub verb: Verb,
    pub steps: Vec<Step>,
}

impl ChainRun {
    /// Every plugin succeeded.
    pub fn succeeded(&self) -> bool {
        self.steps.iter().all(|s| s.reply.is_success())
    }

    /// The last step (the one whose answer the runtime reports).
    pub fn last(&self) -> Option<&Step> {
        self.steps.last()
    }

    /// The final result of a successful ADD.
    pub fn result(&self) -> Option<&Value> {
        if self.succeeded() {
            self.last().and_then(|s| s.reply.result())
        } else {
            None
        }
    }
}

/// The runtime: where plugins are found and how they are run.
pub struct Runtime<'a> {
    pub sandbox: &'a Sandbox,
    pub cni_path: Vec<PathBuf>,
    pub limits: Limits,
    pub env_style: EnvStyle,
    /// Capability arguments (`runtimeConfig` source), e.g. `{"portMappings": [...]}`.
    pub capability_args: Map<String, Value>,
    /// Applied to every environment this runtime builds.
    pub env_edits: Vec<EnvEdit>,
}

impl<'a> Runtime<'a> {
    pub fn new(sandbox: &'a Sandbox, cni_path: Vec<PathBuf>) -> Runtime<'a> {
        Runtime {
            sandbox,
            cni_path,
            limits: Limits::default(),
            env_style: EnvStyle::default(),
            capability_args: Map::new(),
            env_edits: Vec::new(),
        }
    }

    /// The environment for `verb` on `att` (or none for network-wide verbs).
    pub fn env(
        &self,
        verb: Verb,
        version: Option<SpecVersion>,
        att: Option<&Attachment>,
    ) -> Vec<(String, String)> {
        let none = CniArgs::default();
        let inputs = EnvInputs {
            verb,
            version,
            container_id: att.map(|a| a.container_id.as_str()).unwrap_or(""),
            netns: att.map(|a| a.netns.as_deref().unwrap_or(self.sandbox.container_path())),
            ifname: att.map(|a| a.ifname.as_str()).unwrap_or(""),
            args: att.map(|a| &a.args).unwrap_or(&none),
            cni_path: &self.cni_path,
        };
        env::build(self.env_style, &inputs, &self.env_edits)
    }

    /// Execute one plugin binary with exactly this environment and stdin.
    pub fn exec(
        &self,
        plugin: &Path,
        verb: Verb,
        env: Vec<(String, String)>,
        stdin: Vec<u8>,
    ) -> Result<Step, InvokeError> {
        let spawn_err = |source| InvokeError::Spawn {
            path: plugin.to_path_buf(),
            source,
        };
        let mut cmd = plugin_command(self.sandbox, plugin).map_err(spawn_err)?;
        cmd.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
        let outcome = exec::run(cmd, &stdin, self.limits).map_err(spawn_err)?;
        let reply = Reply::from_outcome(&outcome);
        Ok(Step {
            plugin_type: plugin
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            invocation: Invocation {
                plugin: plugin.to_path_buf(),
                verb,
                env,
                stdin,
            },
            outcome,
            reply,
        })
    }

    /// ADD every plugin of the list in order, chaining `prevResult`, and
    /// cache the final result when every plugin succeeded.
    pub fn add(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        let run = self.add_first(net, att, net.plugins.len())?;
        let last_result = run.steps.iter().rev().find_map(|s| s.reply.result());
        if let (true, Some(result)) = (run.succeeded(), last_result) {
            self.cache_store(net, att, result)?;
        }
        Ok(run)
    }

    /// ADD the first `n` plugins of the list in order, chaining
    /// `prevResult`, up to the first failure; nothing is cached (the
    /// fuzzer runs the plugins before the one it mutates this way).
    pub fn add_first(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
        n: usize,
    ) -> Result<ChainRun, InvokeError> {
        let mut steps = Vec::new();
        let mut prev: Option<Value> = None;
        for i in 0..n.min(net.plugins.len()) {
            let what = StdinFor::Add {
                prev_result: prev.as_ref(),
            };
            let step = self.plugin_step(net, i, what, Some(att))?;
            let ok = step.reply.is_success();
            if let Some(r) = step.reply.result() {
                prev = Some(r.clone());
            }
            steps.push(step);
            if !ok {
                break;
            }
        }
        Ok(ChainRun {
            verb: Verb::Add,
            steps,
        })
    }

    /// CHECK every plugin in order against the cached ADD result.
    pub fn check(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        self.require(net, Verb::Check)?;
        let cached = self
            .cached_result(net, att)?
            .ok_or_else(|| InvokeError::NoCachedResult(cache_key(net, att)))?;
        self.each(net, Some(att), in_order(net), |_| StdinFor::Check {
            prev_result: Some(&cached),
        })
    }

    /// DEL every plugin in reverse order, with the cached result as `prevResult`
    /// (0.4.0+); forgets the attachment when every plugin succeeded.
    pub fn del(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        let cached = self.cached_result(net, att)?;
        let run = self.del_first(net, att, net.plugins.len(), cached.as_ref())?;
        if run.succeeded() {
            let _ = std::fs::remove_file(self.cache_file(net, att));
        }
        Ok(run)
    }

    /// DEL the first `n` plugins of the list in reverse order with `prev`
    /// as `prevResult`, up to the first failure; the cache is left alone.
    pub fn del_first(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
        n: usize,
        prev: Option<&Value>,
    ) -> Result<ChainRun, InvokeError> {
        let order = (0..n.min(net.plugins.len())).rev().collect();
        self.each(net, Some(att), order, |_| StdinFor::Del {
            prev_result: prev,
        })
    }

    /// STATUS every plugin in order (1.1.0+).
    pub fn status(&self, net: &NetworkConfig) -> Result<ChainRun, InvokeError> {
        self.require(net, Verb::Status)?;
        self.each(net, None, in_order(net), |_| StdinFor::Status)
    }

    /// GC every plugin in order with the attachments still valid (1.1.0+).
    ///
    /// Unlike libcni this does not first DEL cached attachments missing from
    /// `valid`: the conformance suite must see what the plugin's GC alone does.
    pub fn gc(&self, net: &NetworkConfig, valid: &[Attachment]) -> Result<ChainRun, InvokeError> {
        self.require(net, Verb::Gc)?;
        let pairs: Vec<(String, String)> = valid
            .iter()
            .map(|a| (a.container_id.clone(), a.ifname.clone()))
            .collect();
        self.each(net, None, in_order(net), |_| StdinFor::Gc { valid: &pairs })
    }

    /// VERSION of plugin `index`, probed as libcni does (stdin names the
    /// newest version the runtime knows).
    pub fn version(&self, net: &NetworkConfig, index: usize) -> Result<Step, InvokeError> {
        self.probe_version(&self.plugin_path(net, index)?)
    }

    /// VERSION of the binary at `path`, probed as libcni does.
    pub fn probe_version(&self, path: &Path) -> Result<Step, InvokeError> {
        let env = self.env(Verb::Version, Some(SpecVersion::LATEST), None);
        self.exec(path, Verb::Version, env, super::version_probe_stdin())
    }

    /// The cached final ADD result for an attachment.
    pub fn cached_result(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
    ) -> Result<Option<Value>, InvokeError> {
        match std::fs::read(self.cache_file(net, att)) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(InvokeError::Cache(e)),
        }
    }

    pub fn plugin_path(&self, net: &NetworkConfig, index: usize) -> Result<PathBuf, InvokeError> {
        let t = net.plugins.get(index).map(plugin_type).unwrap_or_default();
        find_plugin(&t, &self.cni_path)
    }

    fn plugin_step(
        &self,
        net: &NetworkConfig,
        index: usize,
        what: StdinFor<'_>,
        att: Option<&Attachment>,
    ) -> Result<Step, InvokeError> {
        let path = self.plugin_path(net, index)?;
        let stdin = plugin_stdin(net, index, what, &self.capability_args);
        let bytes = serde_json::to_vec(&stdin).unwrap_or_default();
        let env = self.env(what.verb(), net.spec_version(), att);
        self.exec(&path, what.verb(), env, bytes)
    }

    /// Run the plugins at `order` up to the first failure.
    fn each<'s>(
        &self,
        net: &NetworkConfig,
        att: Option<&Attachment>,
        order: Vec<usize>,
        what: impl Fn(usize) -> StdinFor<'s>,
    ) -> Result<ChainRun, InvokeError> {
        let mut steps = Vec::new();
        let mut verb = Verb::Del;
        for i in order {
            let w = what(i);
            verb = w.verb();
            let step = self.plugin_step(net, i, w, att)?;
            let ok = step.reply.is_success();
            steps.push(step);
            if !ok {
                break;
            }
        }
        Ok(ChainRun { verb, steps })
    }

    fn require(&self, net: &NetworkConfig, verb: Verb) -> Result<(), InvokeError> {
        match net.spec_version() {
            Some(v) if !v.supports(verb) => Err(InvokeError::VerbNotInVersion {
                verb,
                version: net.cni_version.clone(),
            }),
            _ => Ok(()),
        }
    }

    fn cache_file(&self, net: &NetworkConfig, att: &Attachment) -> PathBuf {
        self.sandbox
            .cache_dir()
            .join("results")
            .join(cache_key(net, att))
    }

    fn cache_store(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
        result: &Value,
    ) -> Result<(), InvokeError> {
        let file = self.cache_file(net, att);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(InvokeError::Cache)?;
        }
        std::fs::write(&file, serde_json::to_vec(result).unwrap_or_default())
            .map_err(InvokeError::Cache)
    }
}

/// Every plugin of the list, first to last.
fn in_order(net: &NetworkConfig) -> Vec<usize> {
    (0..net.plugins.len()).collect()
}

/// libcni keys its cache by network, container and interface; names from
/// the fuzzer may hold anything, so only a safe alphabet reaches the file name.
fn cache_key(net: &NetworkConfig, att: &Attachment) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect()
    };
    format!(
        "{}-{}-{}",
        safe(&net.name),
        safe(&att.container_id),
        safe(&att.ifname)
    )
}

/// Look a plugin type up in the CNI path: the first directory holding it wins.
pub fn find_plugin(plugin_type: &str, cni_path: &[PathBuf]) -> Result<PathBuf, InvokeError> {
    for dir in cni_path {
        let candidate = dir.join(plugin_type);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Ok(candidate);
            }
            return Err(InvokeError::NotExecutable(candidate));
        }
    }
    Err(InvokeError::PluginNotFound {
        plugin_type: plugin_type.to_string(),
        cni_path: cni_path.to_vec(),
    })
}

impl Step {
    /// The step as the results format records it (each text capped at
    /// 64 KiB so that results and findings stay readable).
    pub fn record(&self) -> crate::record::InvocationRecord {
        let text = |b: &[u8]| String::from_utf8_lossy(b).chars().take(64 * 1024).collect();
        crate::record::InvocationRecord {
            plugin: self.invocation.plugin.display().to_string(),
            verb: self.invocation.verb,
            env: self.invocation.env.clone(),
            stdin: text(&self.invocation.stdin),
            stdout: text(&self.outcome.stdout),
            stderr: text(&self.outcome.stderr),
            status: self.outcome.exit,
            wall_ms: self.outcome.wall.as_secs_f64() * 1000.0,
        }
    }
}
