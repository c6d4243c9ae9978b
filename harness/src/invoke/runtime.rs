//! A minimal container runtime after libcni: runs a network configuration's
//! plugins in order (ADD, CHECK, STATUS, GC) or in reverse (DEL), chains
//! `prevResult`, and caches the final ADD result per attachment for CHECK and DEL.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::attachment::Attachment;
use super::env::{self, EnvEdit, EnvInputs, EnvStyle};
use super::exec::{self, Limits};
use super::persona::{Persona, Probes, RuntimeKind};
use super::prev_result::{self, PrevResultMode};
use super::reply::Reply;
use super::run::{ChainRun, Disabled, RuntimeFailure, RuntimeNote, Step};
use super::{Invocation, InvokeError};
use crate::config::{plugin_stdin, plugin_type, NetworkConfig, Profile, StdinFor};
use crate::sandbox::{plugin_command, Sandbox};
use crate::spec::{SpecVersion, Verb};

/// The stdin of libcni's VERSION probe: the newest version the runtime knows.
pub fn version_probe_stdin() -> Vec<u8> {
    format!(r#"{{"cniVersion":"{}"}}"#, SpecVersion::LATEST).into_bytes()
}

/// An ADD and, when it failed, the DEL that the runtime owes it (SPEC.md:
/// "A delete must still be executed even if the add fails").
#[derive(Debug, Clone)]
pub struct AddRun {
    pub add: ChainRun,
    /// The DEL sent because the ADD failed; `None` when it succeeded.
    pub undo: Option<ChainRun>,
}

/// The runtime: where plugins are found and how they are run.
pub struct Runtime<'a> {
    pub sandbox: &'a Sandbox,
    pub cni_path: Vec<PathBuf>,
    pub limits: Limits,
    pub env_style: EnvStyle,
    /// Capability arguments (`runtimeConfig` source), e.g. `{"portMappings": [...]}`.
    pub capability_args: Map<String, Value>,
    /// `CNI_ARGS` of every per-container invocation, under an
    /// attachment's own (the profile's `needs.cniArgs` and `--cni-args`).
    pub cni_args: super::CniArgs,
    /// Applied to every environment this runtime builds.
    pub env_edits: Vec<EnvEdit>,
    /// How results become `prevResult` (libcni's re-encoding by default).
    pub prev_result_mode: PrevResultMode,
    /// The real runtime played: its `CNI_ARGS`, the verbs it sends, its
    /// VERSION probes (its capability arguments are in `capability_args`).
    pub persona: Persona,
    /// Directories put before `cni_path` in the `CNI_PATH` plugins are
    /// given, not searched for the plugins the runtime runs itself: a
    /// [`super::DelegateTap`]'s shims, so only delegate calls go through them.
    pub delegate_path: Vec<PathBuf>,
    /// Set on every plugin process on top of its environment but not part
    /// of what the invocation records: where an instrumented plugin writes
    /// its coverage counters (`coverage::Collector::env`).
    pub process_env: Vec<(String, String)>,
    /// Called after each plugin of a chain ran, before the next one: lets a
    /// caller see what each plugin's own invocation did (attribution of a
    /// chain's kernel changes to the plugin that made them).
    pub after_step: Option<&'a (dyn Fn(&Step) + Sync)>,
}

impl<'a> Runtime<'a> {
    pub fn new(sandbox: &'a Sandbox, cni_path: Vec<PathBuf>) -> Runtime<'a> {
        Runtime {
            sandbox,
            cni_path,
            limits: Limits::default(),
            env_style: EnvStyle::default(),
            capability_args: Map::new(),
            cni_args: super::CniArgs::default(),
            env_edits: Vec::new(),
            prev_result_mode: PrevResultMode::default(),
            persona: Persona::of(RuntimeKind::default()),
            delegate_path: Vec::new(),
            process_env: Vec::new(),
            after_step: None,
        }
    }

    /// Plugins run by this runtime find their delegates through `tap`.
    pub fn tapped(mut self, tap: &super::DelegateTap) -> Runtime<'a> {
        self.delegate_path = vec![tap.shim_dir().to_path_buf()];
        self
    }

    /// The runtime a profile asks for: its persona, its capability and
    /// `CNI_ARGS` arguments (the suite, the fuzzer and `exec` all start here).
    pub fn for_profile(
        sandbox: &'a Sandbox,
        cni_path: Vec<PathBuf>,
        profile: &Profile,
    ) -> Runtime<'a> {
        let mut rt = Runtime::new(sandbox, cni_path);
        rt.persona = profile.needs.runtime.persona();
        rt.capability_args = profile.capability_args();
        rt.cni_args = profile.needs.cni_args.clone();
        rt
    }

    /// The `CNI_ARGS` sent for `att`: the persona's for its container, the
    /// run's (user's) on top, the attachment's own (a case's) on top of that.
    pub fn cni_args_for(&self, att: &Attachment) -> super::CniArgs {
        self.persona
            .cni_args(&att.container_id)
            .overlay(&self.cni_args)
            .overlay(&att.args)
    }

    /// A verb the persona never sends: what the runtime reports instead.
    fn not_sent_by_persona(&self, verb: Verb) -> Option<ChainRun> {
        self.persona.sends(verb).err().map(|_| {
            ChainRun::not_sent(
                verb,
                Disabled::ByRuntime {
                    runtime: self.persona.kind,
                    verb,
                },
            )
        })
    }

    /// The VERSION probes a persona runs before each operation (podman
    /// validates the network list, libcni's `ValidateNetworkList`: every
    /// plugin's type must list the configuration's version). `Err`: the
    /// run to report, no plugin having been run.
    fn probe_first(&self, net: &NetworkConfig, verb: Verb) -> Result<Vec<Step>, ChainRun> {
        if self.persona.version_probes != Probes::BeforeEachOperation {
            return Ok(Vec::new());
        }
        let mut probes = Vec::new();
        for i in 0..net.plugins.len() {
            let refused = |plugin: String, why: String| RuntimeFailure::ProbeRefused {
                runtime: self.persona.kind,
                plugin,
                why,
            };
            let failure = match self.version(net, i) {
                Err(e) => Some(refused(
                    net.plugins.get(i).map(plugin_type).unwrap_or_default(),
                    e.to_string(),
                )),
                Ok(step) => {
                    let listed = crate::config::string_array(
                        step.reply.result().and_then(|r| r.get("supportedVersions")),
                    );
                    let failure = (!listed.contains(&net.cni_version)).then(|| {
                        refused(
                            step.plugin_type.clone(),
                            format!("it does not list {}", net.cni_version),
                        )
                    });
                    probes.push(step);
                    failure
                }
            };
            if let Some(f) = failure {
                let mut run = ChainRun::of(verb, Vec::new());
                run.runtime = Some(RuntimeNote::Failed(f));
                run.probes = probes;
                return Err(run);
            }
        }
        Ok(probes)
    }

    /// The environment for `verb` on `att` (or none for network-wide verbs).
    pub fn env(
        &self,
        verb: Verb,
        version: Option<SpecVersion>,
        att: Option<&Attachment>,
    ) -> Vec<(String, String)> {
        let args = att.map(|a| self.cni_args_for(a)).unwrap_or_default();
        let cni_path: Vec<PathBuf> = self
            .delegate_path
            .iter()
            .chain(&self.cni_path)
            .cloned()
            .collect();
        let inputs = EnvInputs {
            verb,
            version,
            container_id: att.map(|a| a.container_id.as_str()).unwrap_or(""),
            netns: att.and_then(|a| a.netns.path(self.sandbox.container_path())),
            ifname: att.map(|a| a.ifname.as_str()).unwrap_or(""),
            args: &args,
            cni_path: &cni_path,
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
        cmd.envs(self.process_env.iter().map(|(k, v)| (k, v)));
        let outcome =
            exec::run_in(cmd, &stdin, self.limits, self.sandbox.boundary()).map_err(spawn_err)?;
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

    /// ADD every plugin of the list in order, chaining `prevResult`. As in
    /// libcni, an ADD that exits 0 without a result, or (re-encoding) with one
    /// that does not decode, fails the operation and ends the chain.
    pub fn add(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        let probes = match self.probe_first(net, Verb::Add) {
            Ok(p) => p,
            Err(refused) => return Ok(refused),
        };
        let (mut run, passed) = self.add_first(net, att, net.plugins.len())?;
        run.probes = probes;
        if let (true, Some(result)) = (run.succeeded(), &passed) {
            self.cache_store(net, att, result)?;
        }
        Ok(run)
    }

    /// ADD the first `n` plugins of the list in order, chaining
    /// `prevResult`, up to the first failure; returns the run and what the
    /// last plugin hands on (as [`Runtime::prev_result_mode`] encodes it).
    /// Nothing is cached: the fuzzer runs the plugins before the one it
    /// mutates this way.
    pub fn add_first(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
        n: usize,
    ) -> Result<(ChainRun, Option<Value>), InvokeError> {
        let mut steps = Vec::new();
        let mut prev: Option<Value> = None;
        for i in 0..n.min(net.plugins.len()) {
            let what = StdinFor::Add {
                prev_result: prev.as_ref(),
            };
            let step = self.plugin_step(net, i, what, Some(att))?;
            let ok = step.reply.is_success();
            let passed = ok.then(|| self.pass_on(&step, net));
            steps.push(step);
            match passed {
                Some(Ok(result)) => prev = Some(result),
                Some(Err(failure)) => {
                    let run = ChainRun {
                        verb: Verb::Add,
                        steps,
                        runtime: Some(RuntimeNote::Failed(failure)),
                        probes: Vec::new(),
                    };
                    return Ok((run, None));
                }
                None => return Ok((ChainRun::of(Verb::Add, steps), None)),
            }
        }
        Ok((ChainRun::of(Verb::Add, steps), prev))
    }

    /// ADD, and DEL when the ADD failed, as a runtime must.
    pub fn add_or_undo(
        &self,
        net: &NetworkConfig,
        att: &Attachment,
    ) -> Result<AddRun, InvokeError> {
        let add = self.add(net, att)?;
        let undo = if add.succeeded() {
            None
        } else {
            Some(self.del(net, att)?)
        };
        Ok(AddRun { add, undo })
    }

    /// What a successful ADD step hands the next plugin.
    fn pass_on(&self, step: &Step, net: &NetworkConfig) -> Result<Value, RuntimeFailure> {
        let plugin = step.plugin_type.clone();
        let Some(printed) = step.reply.result() else {
            return Err(RuntimeFailure::NoAddResult { plugin });
        };
        match self.prev_result_mode {
            PrevResultMode::Verbatim => Ok(printed.clone()),
            PrevResultMode::Libcni => prev_result::for_next_plugin(printed, &net.cni_version)
                .map_err(|error| RuntimeFailure::UndecodableResult { plugin, error }),
        }
    }

    /// CHECK every plugin in order against the cached ADD result; nothing is
    /// sent for a list with `disableCheck` (libcni returns success).
    pub fn check(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        self.require(net, Verb::Check)?;
        if net.disable_check {
            return Ok(ChainRun::not_sent(Verb::Check, Disabled::Check));
        }
        if let Some(run) = self.not_sent_by_persona(Verb::Check) {
            return Ok(run);
        }
        let cached = self
            .cached_result(net, att)?
            .ok_or_else(|| InvokeError::NoCachedResult(cache_key(net, att)))?;
        let prev = match self.prev_result_mode {
            PrevResultMode::Verbatim => cached,
            PrevResultMode::Libcni => prev_result::for_config(&cached, &net.cni_version)
                .map_err(|e| InvokeError::CachedResult(cache_key(net, att), e))?,
        };
        self.each(net, Some(att), Order::Forward, |_| StdinFor::Check {
            prev_result: Some(&prev),
        })
    }

    /// DEL every plugin in reverse order, with the cached result as
    /// `prevResult` (0.4.0+; none when there is no usable one, as libcni
    /// 1.2+); forgets the attachment when every plugin succeeded.
    pub fn del(&self, net: &NetworkConfig, att: &Attachment) -> Result<ChainRun, InvokeError> {
        let probes = match self.probe_first(net, Verb::Del) {
            Ok(p) => p,
            Err(refused) => return Ok(refused),
        };
        let cached = self.cached_result(net, att)?;
        let prev = match self.prev_result_mode {
            PrevResultMode::Verbatim => cached,
            PrevResultMode::Libcni => {
                cached.and_then(|c| prev_result::for_config(&c, &net.cni_version).ok())
            }
        };
        let mut run = self.del_first(net, att, net.plugins.len(), prev.as_ref())?;
        run.probes = probes;
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
        self.each_of(n, net, Some(att), Order::Reverse, |_| StdinFor::Del {
            prev_result: prev,
        })
    }

    /// STATUS every plugin in order, stopping at the first error (1.1.0+).
    pub fn status(&self, net: &NetworkConfig) -> Result<ChainRun, InvokeError> {
        self.require(net, Verb::Status)?;
        if let Some(run) = self.not_sent_by_persona(Verb::Status) {
            return Ok(run);
        }
        self.each(net, None, Order::Forward, |_| StdinFor::Status)
    }

    /// GC every plugin in order with the attachments still valid (1.1.0+),
    /// going on after a plugin fails and keeping every error, as libcni
    /// does; nothing is sent for a list with `disableGC`.
    ///
    /// Unlike libcni this does not first DEL cached attachments missing from
    /// `valid`: the conformance suite must see what the plugin's GC alone does.
    pub fn gc(&self, net: &NetworkConfig, valid: &[Attachment]) -> Result<ChainRun, InvokeError> {
        // libcni looks at disableGC before the version.
        if net.disable_gc {
            return Ok(ChainRun::not_sent(Verb::Gc, Disabled::Gc));
        }
        self.require(net, Verb::Gc)?;
        if let Some(run) = self.not_sent_by_persona(Verb::Gc) {
            return Ok(run);
        }
        let pairs: Vec<(String, String)> = valid
            .iter()
            .map(|a| (a.container_id.clone(), a.ifname.clone()))
            .collect();
        self.each(net, None, Order::All, |_| StdinFor::Gc { valid: &pairs })
    }

    /// libcni's VERSION probe of one plugin binary.
    pub fn version_probe(&self, plugin: &Path) -> Result<Step, InvokeError> {
        let env = self.env(Verb::Version, Some(SpecVersion::LATEST), None);
        self.exec(plugin, Verb::Version, env, version_probe_stdin())
    }

    /// VERSION of plugin `index` of the list.
    pub fn version(&self, net: &NetworkConfig, index: usize) -> Result<Step, InvokeError> {
        self.version_probe(&self.plugin_path(net, index)?)
    }

    /// The cached final ADD result for an attachment, as stored.
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

    fn each<'s>(
        &self,
        net: &NetworkConfig,
        att: Option<&Attachment>,
        order: Order,
        what: impl Fn(usize) -> StdinFor<'s>,
    ) -> Result<ChainRun, InvokeError> {
        self.each_of(net.plugins.len(), net, att, order, what)
    }

    /// Run the first `n` plugins of the list in `order`.
    fn each_of<'s>(
        &self,
        n: usize,
        net: &NetworkConfig,
        att: Option<&Attachment>,
        order: Order,
        what: impl Fn(usize) -> StdinFor<'s>,
    ) -> Result<ChainRun, InvokeError> {
        let mut indices: Vec<usize> = (0..n.min(net.plugins.len())).collect();
        if order == Order::Reverse {
            indices.reverse();
        }
        let mut steps = Vec::new();
        let mut verb = Verb::Del;
        for i in indices {
            let w = what(i);
            verb = w.verb();
            let step = self.plugin_step(net, i, w, att)?;
            if let Some(observe) = self.after_step {
                observe(&step);
            }
            let ok = step.reply.is_success();
            steps.push(step);
            if !ok && order != Order::All {
                break;
            }
        }
        Ok(ChainRun::of(verb, steps))
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

/// The order plugins of a list run in, and whether a failure ends the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// In list order, up to the first failure.
    Forward,
    /// Last plugin first, up to the first failure (DEL).
    Reverse,
    /// In list order, every plugin whatever the others answered (GC).
    All,
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
