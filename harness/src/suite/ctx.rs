//! The context a case runs in: a fresh sandbox prepared for the profile, the
//! configuration at the case's version, and every plugin execution recorded
//! as evidence.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use super::options::SuiteOptions;
use super::verdict::CaseVerdict;
use crate::config::{plugin_stdin, NetworkConfig, Role, StdinFor};
use crate::invoke::setup::{self, SetupError};
use crate::invoke::{
    AddRun, Attachment, ChainRun, ContainerNetns, Disabled, EnvEdit, InvokeError, Runtime, Step,
};
use crate::record::InvocationRecord;
use crate::sandbox::Sandbox;
use crate::spec::{SpecVersion, Verb};

pub struct Ctx<'o> {
    pub opts: &'o SuiteOptions,
    pub version: SpecVersion,
    pub net: NetworkConfig,
    pub sandbox: Sandbox,
    steps: Vec<Step>,
    /// ADD results of an IPAM plugin run on its own (the runtime caches only chains).
    ipam_results: HashMap<(String, String), Value>,
    /// Capability arguments the runtime passes (the profile's, plus what a case adds).
    pub capability_args: serde_json::Map<String, Value>,
    /// What the run's plan says that cases use; `None` while the baseline
    /// itself runs. (Not the plan itself: planning runs the baseline, which
    /// makes a `Ctx`, so holding a `Plan` here would be an import cycle.)
    pub plan: Option<PlanFacts<'o>>,
    /// Directories appended to the CNI path for this case: where the
    /// harness's own test plugins are when the user's path lacks them.
    extra_path: Vec<std::path::PathBuf>,
    /// Watching the delegates the plugins run, once asked for.
    tap: Option<crate::invoke::DelegateTap>,
    /// Where instrumented plugins write coverage counters (`test --coverage`).
    code: Option<crate::coverage::Collector>,
}

/// A step of a case: its value, or the verdict that ends the case.
pub type OrVerdict<T> = Result<T, CaseVerdict>;

fn invoke_error(e: InvokeError) -> CaseVerdict {
    CaseVerdict::error(format!("harness could not invoke the plugin: {e}"))
}

impl<'o> Ctx<'o> {
    pub fn new(opts: &'o SuiteOptions, version: SpecVersion) -> Result<Ctx<'o>, SetupError> {
        Self::in_sandbox(opts, version, None)
    }

    /// [`Ctx::new`] in `ready`, a sandbox already made for the profile
    /// (one is made when `None`).
    pub fn in_sandbox(
        opts: &'o SuiteOptions,
        version: SpecVersion,
        ready: Option<Sandbox>,
    ) -> Result<Ctx<'o>, SetupError> {
        let sandbox = match ready {
            Some(s) => s,
            None => setup::sandbox_for(&opts.profile)?,
        };
        Ok(Ctx {
            opts,
            version,
            net: opts.profile.config_at(version),
            sandbox,
            steps: Vec::new(),
            ipam_results: HashMap::new(),
            capability_args: opts.profile.capability_args(),
            plan: None,
            extra_path: Vec::new(),
            tap: None,
            code: crate::coverage::suite::enabled()
                .then(crate::coverage::Collector::new)
                .transpose()
                .map_err(SetupError::Io)?,
        })
    }

    pub fn role(&self) -> Role {
        self.opts.profile.role
    }

    pub fn runtime(&self) -> Runtime<'_> {
        let mut path = self.opts.cni_path.clone();
        path.extend(self.extra_path.iter().cloned());
        let mut rt = Runtime::for_profile(&self.sandbox, path, &self.opts.profile);
        rt.limits = self.opts.limits;
        rt.capability_args = self.capability_args.clone();
        if let Some(c) = &self.code {
            rt.process_env = c.env();
        }
        match &self.tap {
            Some(tap) => rt.tapped(tap),
            None => rt,
        }
    }

    /// From now on, record every delegate the plugins run (see
    /// [`crate::invoke::DelegateTap`]); [`Ctx::delegate_calls`] reads them.
    pub fn tap_delegates(&mut self) -> std::io::Result<&crate::invoke::DelegateTap> {
        if self.tap.is_none() {
            self.tap = Some(crate::invoke::DelegateTap::new(
                &self.sandbox,
                &self.opts.cni_path,
            )?);
        }
        self.tap
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no tap"))
    }

    /// The delegate calls recorded so far (none before [`Ctx::tap_delegates`]).
    pub fn delegate_calls(&self) -> Vec<crate::invoke::DelegateCall> {
        self.tap.as_ref().map(|t| t.calls()).unwrap_or_default()
    }

    /// Make the harness's own test plugin `name` reachable for this case:
    /// on the CNI path already, else its directory next to the harness
    /// appended (last, so it shadows nothing of the user's). Its absence
    /// is the harness's installation problem, never a skip.
    pub fn helper_on_path(&mut self, name: &str) -> OrVerdict<()> {
        match crate::invoke::helpers::locate(name, &self.opts.cni_path) {
            Ok(None) => Ok(()),
            Ok(Some(dir)) => {
                if !self.extra_path.contains(&dir) {
                    self.extra_path.push(dir);
                }
                Ok(())
            }
            Err(e) => Err(CaseVerdict::error(e)),
        }
    }

    /// The first container's attachment.
    pub fn attachment(&self, n: usize) -> Attachment {
        debug_assert_eq!(n, 0, "use container(n) for more containers");
        Attachment::new("cnih-ctr-0", self.opts.profile.ifname())
    }

    /// The attachment of the n-th container (each in its own namespace).
    pub fn container(&mut self, n: usize) -> OrVerdict<Attachment> {
        let mut att = Attachment::new(&format!("cnih-ctr-{n}"), self.opts.profile.ifname());
        if n > 0 {
            let path = self
                .sandbox
                .add_container()
                .map_err(|e| CaseVerdict::error(format!("sandbox: {e}")))?;
            att.netns = ContainerNetns::At(path);
        }
        Ok(att)
    }

    /// Index in the list of the plugin whose configuration the subject
    /// reads (cases that edit or extend the configuration keep positions).
    pub fn subject_index(&self) -> usize {
        self.opts.profile.subject_index()
    }

    /// The binary under test.
    pub fn subject_path(&self) -> Result<PathBuf, CaseVerdict> {
        crate::invoke::find_plugin(&self.opts.profile.plugin, &self.opts.cni_path)
            .map_err(invoke_error)
    }

    /// Stdin the subject would get for `what` (for IPAM plugins: the
    /// delegating plugin's configuration, as delegation passes it on).
    pub fn subject_stdin(&self, what: StdinFor<'_>) -> Value {
        plugin_stdin(&self.net, self.subject_index(), what, &self.capability_args)
    }

    /// Run the subject binary alone with this stdin and environment edits.
    pub fn raw(
        &mut self,
        verb: Verb,
        att: Option<&Attachment>,
        edits: &[EnvEdit],
        stdin: Vec<u8>,
    ) -> OrVerdict<Step> {
        let path = self.subject_path()?;
        let mut rt = self.runtime();
        rt.env_edits = edits.to_vec();
        let env = rt.env(verb, self.net.spec_version(), att);
        let step = rt.exec(&path, verb, env, stdin).map_err(invoke_error)?;
        self.steps.push(step.clone());
        Ok(step)
    }

    pub fn add(&mut self, att: &Attachment) -> OrVerdict<ChainRun> {
        if self.role() == Role::Ipam {
            let stdin = self.subject_stdin(StdinFor::Add { prev_result: None });
            let step = self.raw(Verb::Add, Some(att), &[], to_bytes(&stdin))?;
            if let Some(r) = step.reply.result() {
                self.ipam_results
                    .insert((att.container_id.clone(), att.ifname.clone()), r.clone());
            }
            return Ok(ChainRun::of(Verb::Add, vec![step]));
        }
        let run = self.runtime().add(&self.net, att).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        Ok(run)
    }

    /// Whether the runtime sends `verb` for this configuration at this
    /// version (`disableCheck` and `disableGC` switch verbs off).
    pub fn sends(&self, verb: Verb) -> bool {
        self.version.supports(verb)
            && !(verb == Verb::Check && self.net.disable_check)
            && !(verb == Verb::Gc && self.net.disable_gc)
            && self
                .opts
                .profile
                .needs
                .runtime
                .persona()
                .sends(verb)
                .is_ok()
    }

    /// ADD and, when it fails, the DEL a runtime owes it (SPEC.md: "A
    /// delete must still be executed even if the add fails"), both recorded.
    pub fn add_or_undo(&mut self, att: &Attachment) -> OrVerdict<AddRun> {
        let add = self.add(att)?;
        let undo = if add.succeeded() {
            None
        } else {
            Some(self.del(att)?)
        };
        Ok(AddRun { add, undo })
    }

    pub fn check(&mut self, att: &Attachment) -> OrVerdict<ChainRun> {
        if self.role() == Role::Ipam && self.net.disable_check {
            return Ok(ChainRun::not_sent(Verb::Check, Disabled::Check));
        }
        let runtime = self.opts.profile.needs.runtime;
        if self.role() == Role::Ipam && runtime.persona().sends(Verb::Check).is_err() {
            let why = Disabled::ByRuntime {
                runtime,
                verb: Verb::Check,
            };
            return Ok(ChainRun::not_sent(Verb::Check, why));
        }
        if self.role() == Role::Ipam {
            let prev = self.ipam_result(att);
            let stdin = self.subject_stdin(StdinFor::Check {
                prev_result: prev.as_ref(),
            });
            let step = self.raw(Verb::Check, Some(att), &[], to_bytes(&stdin))?;
            return Ok(ChainRun::of(Verb::Check, vec![step]));
        }
        let run = self.runtime().check(&self.net, att).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        Ok(run)
    }

    pub fn del(&mut self, att: &Attachment) -> OrVerdict<ChainRun> {
        if self.role() == Role::Ipam {
            let prev = self.ipam_result(att);
            let stdin = self.subject_stdin(StdinFor::Del {
                prev_result: prev.as_ref(),
            });
            let step = self.raw(Verb::Del, Some(att), &[], to_bytes(&stdin))?;
            return Ok(ChainRun::of(Verb::Del, vec![step]));
        }
        let run = self.runtime().del(&self.net, att).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        Ok(run)
    }

    /// [`Ctx::del`], with a snapshot of the sandbox after each plugin's
    /// DEL (in the order they ran, named by `type`): what each plugin of the
    /// chain removed or made, for attributing DEL's effects to the plugin
    /// whose invocation had them.
    pub fn del_attributed(
        &mut self,
        att: &Attachment,
    ) -> OrVerdict<(ChainRun, Vec<(String, crate::kernel::SandboxSnapshot)>)> {
        if self.role() == Role::Ipam || self.net.plugins.len() < 2 {
            return self.del(att).map(|run| (run, Vec::new()));
        }
        let taken = std::sync::Mutex::new(Vec::new());
        let sandbox = &self.sandbox;
        let observe = |step: &Step| {
            let opts = crate::kernel::SnapshotOptions::default();
            if let Ok(s) = crate::kernel::SandboxSnapshot::take(sandbox, &opts) {
                if let Ok(mut t) = taken.lock() {
                    t.push((step.plugin_type.clone(), s));
                }
            }
        };
        let run = {
            let mut rt = self.runtime();
            rt.after_step = Some(&observe);
            rt.del(&self.net, att).map_err(invoke_error)?
        };
        self.steps.extend(run.steps.iter().cloned());
        Ok((run, taken.into_inner().unwrap_or_default()))
    }

    pub fn status(&mut self) -> OrVerdict<ChainRun> {
        let run = self.runtime().status(&self.net).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        Ok(run)
    }

    pub fn gc(&mut self, valid: &[Attachment]) -> OrVerdict<ChainRun> {
        let run = self.runtime().gc(&self.net, valid).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        Ok(run)
    }

    fn ipam_result(&self, att: &Attachment) -> Option<Value> {
        self.ipam_results
            .get(&(att.container_id.clone(), att.ifname.clone()))
            .cloned()
    }

    /// ADD that must succeed for the case to go on: anything else ends the
    /// case as a failure of the plugin (ADD of a valid configuration is the
    /// plugin's most basic duty), or as blocked when the baseline ADD
    /// already failed (the failure is reported once, by the baseline).
    ///
    /// The failed ADD is followed by the DEL a runtime owes it.
    pub fn add_ok(&mut self, att: &Attachment) -> OrVerdict<Value> {
        let run = self.add(att)?;
        match run.result() {
            Some(r) => Ok(r.clone()),
            None => {
                // Recorded as evidence; the case is judged on the ADD.
                let _ = self.del(att);
                Err(self.add_failed(&run))
            }
        }
    }

    /// The verdict on an ADD of a valid configuration that gave no result:
    /// blocked, by the baseline when that failed too. A case judges what it
    /// provokes, not the ADD it starts from: when that fails the case says
    /// nothing about its requirement (and the baseline, or the case whose
    /// business it is, judges the ADD).
    ///
    /// After an ADD and DEL of its own in this case, though, a failing ADD
    /// may be what that DEL left (a reservation never released): then it
    /// is the plugin's failure.
    pub fn add_failed(&self, run: &ChainRun) -> CaseVerdict {
        if let Some(blocked) = self.blocked_by_baseline_add() {
            return blocked;
        }
        let cycled = self
            .steps
            .iter()
            .any(|s| s.invocation.verb == Verb::Del && s.reply.is_success());
        if cycled {
            CaseVerdict::fail(
                "ADD of a valid configuration failed after this case's earlier ADD and DEL",
                "ADD succeeds with a result",
                run.summary(),
            )
        } else {
            add_failed(run)
        }
    }

    /// Blocked, when the baseline's ADD failed: a failing ADD in a case is
    /// then that same failure, already reported once.
    pub fn blocked_by_baseline_add(&self) -> Option<CaseVerdict> {
        self.blocked_by_baseline(Verb::Add)
    }

    /// Blocked, when the baseline failed at `verb` (or at ADD before it).
    pub fn blocked_by_baseline(&self, verb: Verb) -> Option<CaseVerdict> {
        self.baseline_failure(verb).map(|_| {
            self.blocked(
                verb,
                &format!("{verb} of the configuration"),
                "the baseline",
            )
        })
    }

    /// The baseline's failure, when it failed at `verb` or at ADD (which
    /// everything after it needs).
    fn baseline_failure(&self, verb: Verb) -> Option<&crate::record::BaselineFailure> {
        let f = self.plan?.baseline?.failure.as_ref()?;
        (f.verb == verb || f.verb == Verb::Add).then_some(f)
    }

    /// A case that cannot be judged because `control` (a `verb` that must
    /// work first) failed; `judged_by` is the case that grades that failure.
    /// When the baseline failed there, it is named instead.
    pub fn blocked(&self, verb: Verb, control: &str, judged_by: &str) -> CaseVerdict {
        match (
            self.baseline_failure(verb),
            self.plan.and_then(|p| p.baseline),
        ) {
            (Some(f), Some(b)) => CaseVerdict::blocked(
                format!(
                    "blocked by the baseline: {} of the configuration at {} fails",
                    f.verb, b.spec_version
                ),
                f.error.clone(),
            ),
            _ => CaseVerdict::blocked(
                format!("blocked: the control failed ({control}); judged by {judged_by}"),
                String::new(),
            ),
        }
    }

    /// The attachment a positive control runs as: `att` in a container of
    /// its own (its own ID and namespace), so that what the control's DEL
    /// leaves behind (del/no-residue's business) is not in the way of the
    /// provocation that follows on `att`, where it would make the plugin
    /// fail for another reason than the one the case provokes.
    fn control_attachment(&mut self, att: &Attachment) -> OrVerdict<Attachment> {
        let path = self
            .sandbox
            .add_container()
            .map_err(|e| CaseVerdict::error(format!("sandbox: {e}")))?;
        Ok(Attachment {
            // Not containing the ID of any other container, so the leak
            // oracle never takes the control's leftovers for theirs.
            container_id: "cnih-control".into(),
            netns: ContainerNetns::At(path),
            ..att.clone()
        })
    }

    /// Positive control: ADD (then DEL) of the configuration as it is must
    /// succeed before a case that expects a refusal can judge one.
    pub fn control_add(&mut self, att: &Attachment, judged_by: &str) -> OrVerdict<()> {
        let att = &self.control_attachment(att)?;
        let run = self.add(att)?;
        let _ = self.del(att);
        match run.result() {
            Some(_) => Ok(()),
            None => Err(self.blocked_by(Verb::Add, "ADD without the provocation", judged_by, &run)),
        }
    }

    /// Positive control for an environment or input case: the subject's ADD
    /// with the full environment and its usual stdin (inside its chain)
    /// succeeds, then DEL.
    pub fn control_subject_add(&mut self, att: &Attachment, judged_by: &str) -> OrVerdict<()> {
        let att = &self.control_attachment(att)?;
        let step = self.subject_add(att, &[], |v| to_bytes(&v))?;
        let _ = self.del(att);
        if step.reply.is_success() {
            Ok(())
        } else {
            let run = ChainRun::of(Verb::Add, vec![step]);
            Err(self.blocked_by(Verb::Add, "ADD with the full environment", judged_by, &run))
        }
    }

    /// Positive control: CHECK of the intact attachment passes.
    pub fn control_check(&mut self, att: &Attachment, judged_by: &str) -> OrVerdict<()> {
        let run = self.check(att)?;
        if run.succeeded() {
            Ok(())
        } else {
            Err(self.blocked_by(
                Verb::Check,
                "CHECK of the intact attachment",
                judged_by,
                &run,
            ))
        }
    }

    fn blocked_by(
        &self,
        verb: Verb,
        control: &str,
        judged_by: &str,
        run: &ChainRun,
    ) -> CaseVerdict {
        let mut v = self.blocked(verb, control, judged_by);
        if v.actual.is_empty() {
            v.actual = run.last().map(|s| s.reply.summary()).unwrap_or_default();
        }
        v
    }

    /// The subject's own ADD with environment `edits` and the stdin `make`
    /// builds from its usual one. A subject inside a chain (a meta plugin)
    /// runs in its chain: the plugins before it are ADDed first with the full
    /// environment and their result is its `prevResult`. The caller DELs.
    pub fn subject_add(
        &mut self,
        att: &Attachment,
        edits: &[EnvEdit],
        make: impl FnOnce(Value) -> Vec<u8>,
    ) -> OrVerdict<Step> {
        let prev = self.prefix_add(att)?;
        let stdin = self.subject_stdin(StdinFor::Add {
            prev_result: prev.as_ref(),
        });
        self.raw(Verb::Add, Some(att), edits, make(stdin))
    }

    /// [`Ctx::subject_add`], also returning what the subject's own
    /// invocation made (objects and state files added; the chain before it
    /// ran first, with the valid values): a plugin given a bad runtime value
    /// that made something acted on it.
    pub fn subject_add_acting(
        &mut self,
        att: &Attachment,
        edits: &[EnvEdit],
    ) -> OrVerdict<(Step, Vec<crate::kernel::Change>)> {
        let prev = self.prefix_add(att)?;
        let before = self.snapshot()?;
        let stdin = self.subject_stdin(StdinFor::Add {
            prev_result: prev.as_ref(),
        });
        let step = self.raw(Verb::Add, Some(att), edits, to_bytes(&stdin))?;
        let after = self.snapshot()?;
        let made = crate::kernel::diff_sandbox(&before, &after)
            .into_iter()
            .filter(|c| {
                // What the kernel itself does on its own time after the
                // chain's ADD (neighbours, state changes of existing links)
                // is not the subject's doing.
                c.kind == crate::kernel::ChangeKind::Added
                    && !matches!(
                        c.class,
                        crate::kernel::Class::Neigh | crate::kernel::Class::Sysctl
                    )
            })
            .collect();
        Ok((step, made))
    }

    /// ADD of the plugins before the subject in its list, whose result the
    /// subject gets as `prevResult`; `None` when the subject comes first.
    fn prefix_add(&mut self, att: &Attachment) -> OrVerdict<Option<Value>> {
        let index = self.subject_index();
        if index == 0 || self.role() == Role::Ipam || !self.version.has_chaining() {
            return Ok(None);
        }
        let mut raw = self.net.raw.clone();
        match raw.get_mut("plugins").and_then(Value::as_array_mut) {
            Some(list) => list.truncate(index),
            None => return Ok(None),
        }
        let prefix = NetworkConfig::from_value(raw, "the chain before the plugin under test")
            .map_err(|e| CaseVerdict::error(format!("chain prefix: {e}")))?;
        let run = self.runtime().add(&prefix, att).map_err(invoke_error)?;
        self.steps.extend(run.steps.iter().cloned());
        match run.result() {
            Some(r) => Ok(Some(r.clone())),
            None => Err(self.blocked_by(
                Verb::Add,
                "ADD of the plugins before the plugin under test",
                "the baseline",
                &run,
            )),
        }
    }

    /// Kernel and state-file snapshot of the sandbox.
    pub fn snapshot(&self) -> OrVerdict<crate::kernel::SandboxSnapshot> {
        crate::kernel::SandboxSnapshot::take(
            &self.sandbox,
            &crate::kernel::SnapshotOptions::default(),
        )
        .map_err(|e| CaseVerdict::error(format!("kernel snapshot: {e}")))
    }

    /// Run `f` with the configuration replaced by `net` (cases that extend
    /// the profile's configuration), restoring it afterwards.
    pub fn with_config<T>(&mut self, net: NetworkConfig, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.net, net);
        let out = f(self);
        self.net = saved;
        out
    }

    /// The configuration with the subject plugin's object edited by `edit`.
    pub fn edited_config(
        &self,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> OrVerdict<NetworkConfig> {
        let mut raw = self.net.raw.clone();
        let index = self.subject_index();
        let target = match raw.get_mut("plugins").and_then(Value::as_array_mut) {
            Some(list) => list.get_mut(index).and_then(Value::as_object_mut),
            None => raw.as_object_mut(),
        };
        match target {
            Some(obj) => edit(obj),
            None => {
                return Err(CaseVerdict::error(
                    "configuration has no plugin object to edit",
                ))
            }
        }
        NetworkConfig::from_value(raw, "edited configuration")
            .map_err(|e| CaseVerdict::error(format!("edited configuration: {e}")))
    }

    /// Keep steps run outside the context (e.g. from parallel threads) as evidence.
    pub fn record(&mut self, steps: impl IntoIterator<Item = Step>) {
        self.steps.extend(steps);
    }

    /// Every plugin execution so far, as evidence.
    pub fn invocations(&self) -> Vec<InvocationRecord> {
        self.steps.iter().map(Step::record).collect()
    }

    /// The subject's own steps (its binary, not the rest of the chain).
    pub fn subject_steps(&self) -> impl Iterator<Item = &Step> {
        let wanted = self.opts.profile.plugin.clone();
        self.steps.iter().filter(move |s| s.plugin_type == wanted)
    }
}

/// The verdict on an ADD of a valid configuration that gave no result
/// while the baseline's held: blocked, naming the failure.
pub fn add_failed(run: &ChainRun) -> CaseVerdict {
    CaseVerdict::blocked(
        "blocked: ADD of the valid configuration failed in this case (the baseline's ADD held)",
        run.summary(),
    )
}

pub fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// The parts of the run's plan a case consults.
#[derive(Debug, Clone, Copy)]
pub struct PlanFacts<'p> {
    /// The baseline run before the cases, when there was one.
    pub baseline: Option<&'p crate::record::Baseline>,
    /// The versions the plugin's VERSION lists.
    pub claimed: &'p [String],
}

impl Drop for Ctx<'_> {
    /// The counters of every plugin process the context ran go to the case
    /// (see `coverage::suite`).
    fn drop(&mut self) {
        if let Some(c) = &self.code {
            crate::coverage::suite::absorb(c.take().counts);
        }
        // What watched the plugins goes before the sandbox it watched in.
        self.tap = None;
        self.code = None;
        crate::sandbox::retire::retire(self.sandbox.take());
    }
}
