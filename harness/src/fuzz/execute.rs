//! Running one input against the plugin under test in a sandbox, and judging
//! it: per-step oracles, then the DEL that must leave no per-attachment state
//! (leak), then optionally the seed configuration again (re-check).
//!
//! A sandbox costs two namespaces (~1.5 ms); it is kept for the next input
//! when the state oracle says the last one left it pristine, and replaced
//! after leaks, crashes, hangs, or every [`MAX_REUSE`] inputs.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::input::Input;
use super::observe::{self, Observer};
use super::oracles::{self, AttachmentFacts, Oracle, Verdict};
use crate::config::Profile;
use crate::invoke::{setup, Attachment, Limits, Reply, Runtime, Step};
use crate::kernel::SandboxSnapshot;
use crate::sandbox::Sandbox;
use crate::spec::Verb;

/// Inputs run in one sandbox before it is replaced anyway (per-network state,
/// e.g. bridges named by mutated configs, accumulates otherwise).
pub const MAX_REUSE: u32 = 64;

/// What is fuzzed and how it is run.
#[derive(Clone)]
pub struct Target {
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
    /// Compare success results with the kernel (see [`Observer::check_result`]).
    pub consistency: bool,
}

/// Everything one input did.
#[derive(Debug, Clone)]
pub struct Execution {
    pub steps: Vec<Step>,
    /// The DEL the harness sent to clean up when the input's own sequence
    /// did not end with a successful one, and the re-check's steps.
    pub extra_steps: Vec<Step>,
    /// Every oracle that fired, in order.
    pub verdicts: Vec<Verdict>,
    /// Coverage tuples of the input's own steps.
    pub coverage: Vec<String>,
    pub kernel_diff: String,
    /// When the re-check failed: every input run in that sandbox since it
    /// was last known good, oldest first.
    pub suspects: Vec<Input>,
}

impl Execution {
    /// The verdict that matches a signature, if it fired this time.
    pub fn fired(&self, signature: &str) -> bool {
        self.verdicts.iter().any(|v| v.signature() == signature)
    }
}

/// A sandbox kept between inputs. Field order is drop order: the observer
/// holds the namespaces open and must go before the sandbox removes them.
struct Live {
    observer: Observer,
    sandbox: Sandbox,
    /// The state the next input is judged against.
    baseline: SandboxSnapshot,
    /// Inputs run in it so far.
    uses: u32,
}

/// Runs inputs for one worker, owning its sandbox.
pub struct Executor {
    target: Target,
    live: Option<Live>,
    /// Inputs run in the current sandbox since it was made or last re-checked:
    /// the suspects when a re-check fails.
    history: Vec<Input>,
    pub sandboxes_created: u64,
    /// Keep a pristine sandbox for the next input (off: one per input, for measuring).
    pub reuse: bool,
    /// Judge executions and snapshot the kernel (off: run inputs as a bare
    /// runtime would, the peer that measures what observation costs).
    pub observe: bool,
    attachment_counter: u64,
}

impl Executor {
    pub fn new(target: Target) -> Executor {
        Executor {
            target,
            live: None,
            history: Vec::new(),
            sandboxes_created: 0,
            reuse: true,
            observe: true,
            attachment_counter: 0,
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Run `input`, then the re-check of the seed if `recheck`.
    pub fn run(&mut self, input: &Input, with_recheck: bool) -> anyhow::Result<Execution> {
        let mut live = match self.live.take() {
            Some(l) => l,
            None => {
                self.history.clear();
                self.fresh()?
            }
        };
        self.history.push(input.clone());
        self.attachment_counter += 1;
        let att = Attachment::new(
            &format!("fuzz-{}", self.attachment_counter),
            &self.target.ifname,
        );
        let t = &self.target;
        let mut rt = Runtime::new(&live.sandbox, t.cni_path.clone());
        rt.limits = t.limits;
        rt.env_edits = input.env_edits();
        let version = input.spec_version();

        let mut ex = Execution {
            steps: Vec::new(),
            extra_steps: Vec::new(),
            verdicts: Vec::new(),
            coverage: Vec::new(),
            kernel_diff: String::new(),
            suspects: Vec::new(),
        };
        let mut add_result: Option<Value> = None;
        let mut died = false;
        for verb in &input.verbs {
            let env = rt.env(*verb, version, Some(&att));
            let stdin = input.stdin_for(*verb, add_result.as_ref());
            let step = rt.exec(&t.plugin, *verb, env, stdin)?;
            if self.observe {
                let verdict = oracles::judge_step(&step, version, &mut live.observer);
                ex.coverage
                    .push(oracles::coverage_key(&step, verdict.as_ref()));
                ex.verdicts.extend(verdict);
            }
            if *verb == Verb::Add {
                if let Some(r) = step.reply.result() {
                    add_result = Some(r.clone());
                }
            }
            died |= matches!(step.reply, Reply::Died(_));
            ex.steps.push(step);
            if died {
                break;
            }
        }

        // The DEL that follows: the input's own when its sequence ends with a
        // successful one after its last ADD, else one sent here with the
        // same configuration and a clean environment.
        let ran_add = ex.steps.iter().any(|s| s.invocation.verb == Verb::Add);
        let own_del_ok = ex
            .steps
            .iter()
            .rev()
            .take_while(|s| s.invocation.verb != Verb::Add)
            .any(|s| s.invocation.verb == Verb::Del && s.reply.is_success());
        let mut del_ok = own_del_ok;
        // From here on the runtime speaks as libcni would, without the input's edits.
        rt.env_edits.clear();
        if ran_add && !own_del_ok && !died {
            let env = rt.env(Verb::Del, version, Some(&att));
            let stdin = input.stdin_for(Verb::Del, add_result.as_ref());
            let step = rt.exec(&t.plugin, Verb::Del, env, stdin)?;
            del_ok = step.reply.is_success();
            ex.extra_steps.push(step);
        }
        if !self.observe {
            drop(rt);
            if self.reuse && !died && live.uses + 1 < MAX_REUSE {
                live.uses += 1;
                self.live = Some(live);
            }
            return Ok(ex);
        }
        let after = live.observer.snapshot()?;
        let facts = AttachmentFacts {
            container_id: &att.container_id,
            ifname: &att.ifname,
            add_result: add_result.as_ref(),
        };
        let left = observe::leftovers(&live.baseline, &after, facts);
        ex.kernel_diff = left.diff.clone();
        if ran_add && del_ok && !left.leaked.is_empty() {
            let what = left.leaked.join("; ");
            let mut v = Verdict::new(Oracle::Leak, Verb::Del, &leak_kinds(&left.leaked));
            v.summary = format!("leak after DEL: {what}");
            ex.verdicts.push(v);
        }
        let mut pristine = left.pristine && !died;
        let mut state = after;

        if with_recheck && pristine {
            self.attachment_counter += 1;
            let ok = recheck(t, &rt, self.attachment_counter, &mut ex)?;
            let suspects = std::mem::take(&mut self.history);
            if ok {
                let again = live.observer.snapshot()?;
                let facts = AttachmentFacts {
                    container_id: "fuzz-recheck",
                    ifname: &att.ifname,
                    add_result: None,
                };
                pristine = observe::leftovers(&state, &again, facts).pristine;
                // The next input is judged against what the re-check left.
                state = again;
            } else {
                pristine = false;
                ex.suspects = suspects;
            }
        }
        drop(rt);
        if self.reuse && pristine && live.uses + 1 < MAX_REUSE {
            live.baseline = state;
            live.uses += 1;
            self.live = Some(live);
        }
        Ok(ex)
    }

    /// Which of `suspects` breaks the seed on its own in a fresh sandbox
    /// (state left by one input can break the next; a finding must name the
    /// input that does it, or it would not reproduce).
    pub fn culprit(
        &mut self,
        suspects: &[Input],
        signature: &str,
    ) -> anyhow::Result<Option<Input>> {
        for s in suspects {
            self.live = None;
            if self.run(s, true)?.fired(signature) {
                self.live = None;
                return Ok(Some(s.clone()));
            }
        }
        self.live = None;
        Ok(None)
    }

    fn fresh(&mut self) -> anyhow::Result<Live> {
        let sandbox = setup::sandbox_for(&self.target.profile)?;
        let mut observer = Observer::open(&sandbox, self.target.consistency)?;
        let baseline = observer.snapshot()?;
        self.sandboxes_created += 1;
        Ok(Live {
            observer,
            sandbox,
            baseline,
            uses: 0,
        })
    }
}

/// The seed configuration, ADD then DEL, must still succeed
/// (a plugin must not be broken by an input it was given before).
fn recheck(t: &Target, rt: &Runtime<'_>, n: u64, ex: &mut Execution) -> anyhow::Result<bool> {
    let att = Attachment::new(&format!("fuzz-recheck-{n}"), &t.ifname);
    let seed = Input::new(t.seed_config.clone(), vec![Verb::Add, Verb::Del]);
    let version = seed.spec_version();
    let mut add_result = None;
    for verb in [Verb::Add, Verb::Del] {
        let env = rt.env(verb, version, Some(&att));
        let stdin = seed.stdin_for(verb, add_result.as_ref());
        let step = rt.exec(&t.plugin, verb, env, stdin)?;
        let ok = step.reply.is_success();
        add_result = step.reply.result().cloned();
        let summary = step.reply.summary();
        ex.extra_steps.push(step);
        if !ok {
            let mut v = Verdict::new(Oracle::Recheck, verb, &summary);
            v.summary = format!("the seed configuration now fails on {verb}: {summary}");
            ex.verdicts.push(v);
            return Ok(false);
        }
    }
    Ok(true)
}

/// Leaked objects named by kind only (`node link`, `files file`), so the
/// same leak of differently named objects has one signature.
fn leak_kinds(leaked: &[String]) -> String {
    let mut kinds: Vec<String> = leaked
        .iter()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds.join(", ")
}
