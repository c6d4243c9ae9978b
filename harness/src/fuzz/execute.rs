//! Running one input against the plugin under test in a sandbox, and judging
//! it: per-step oracles, then the DEL that must leave no per-attachment state
//! (leak), then optionally the seed configuration again (re-check). For a
//! plugin that a profile chains after others, each run is wrapped in the
//! ADD and DEL of those others (see [`Prefix`]).
//!
//! A sandbox costs two namespaces (~1.5 ms); it is kept for the next input
//! when the state oracle says the last one left it pristine, and replaced
//! after leaks, crashes, hangs, or every [`MAX_REUSE`] inputs.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::chain::{Prefix, PrefixAdd};
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
    /// The plugins the profile lists before the fuzzed one.
    pub prefix: Prefix,
    /// Snapshots include the firewall ruleset (see [`Observer::open`]).
    pub firewall: bool,
}

/// Everything one input did.
#[derive(Debug, Clone, Default)]
pub struct Execution {
    pub steps: Vec<Step>,
    /// What the runtime ran around them: the chain before the plugin, the
    /// DEL sent to clean up when the input's own sequence did not end with a
    /// successful one, and the re-check's steps.
    pub extra_steps: Vec<Step>,
    /// The result of the plugins chained before the fuzzed one, if any.
    pub chained: Option<Value>,
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

/// What the input's own verbs left for the cleanup to know.
struct Sequence {
    add_result: Option<Value>,
    ran_add: bool,
    /// A successful DEL came after the last ADD.
    deleted: bool,
    /// A process hung or crashed: the sandbox is not trusted again.
    died: bool,
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

    /// Run `input`, then the re-check of the seed if `with_recheck`.
    pub fn run(&mut self, input: &Input, with_recheck: bool) -> anyhow::Result<Execution> {
        let mut live = match self.live.take() {
            Some(l) => l,
            None => {
                self.history.clear();
                self.fresh()?
            }
        };
        self.history.push(input.clone());
        let att = self.next_attachment("fuzz");
        let t = &self.target;
        let mut rt = Runtime::new(&live.sandbox, t.cni_path.clone());
        rt.limits = t.limits;
        let mut ex = Execution::default();

        let chained = match t.prefix.add(&rt, &t.profile, &att, &mut ex.extra_steps)? {
            PrefixAdd::Done(result) => result,
            PrefixAdd::Failed(why) => {
                // The runtime's own plugins fail before the input even ran:
                // what earlier inputs left broke them. The sandbox goes.
                ex.verdicts.push(chain_broken(&why));
                ex.suspects = std::mem::take(&mut self.history);
                return Ok(ex);
            }
        };
        ex.chained = chained.clone();
        rt.env_edits = input.env_edits();
        let seq = self.sequence(
            input,
            &rt,
            &att,
            chained.as_ref(),
            &mut live.observer,
            &mut ex,
        )?;
        // From here on the runtime speaks as libcni would, without the
        // input's edits, except those naming the attachment: its DEL is for
        // the attachment the input's ADD made.
        rt.env_edits = input.identity_edits();
        let t = &self.target;
        let mut del_ok = seq.deleted;
        if seq.ran_add && !seq.deleted && !seq.died {
            let env = rt.env(Verb::Del, input.spec_version(), Some(&att));
            let stdin = input.stdin_with(seq.add_result.as_ref().map(Value::to_string).as_deref());
            let step = rt.exec(&t.plugin, Verb::Del, env, stdin)?;
            del_ok = step.reply.is_success();
            ex.extra_steps.push(step);
        }
        rt.env_edits.clear();
        let chain_prev = seq.add_result.as_ref().or(chained.as_ref());
        t.prefix
            .del(&rt, &t.profile, &att, chain_prev, &mut ex.extra_steps)?;

        if !self.observe {
            drop(rt);
            if self.reuse && !seq.died && live.uses + 1 < MAX_REUSE {
                live.uses += 1;
                self.live = Some(live);
            }
            return Ok(ex);
        }
        let after = live.observer.snapshot()?;
        let facts = AttachmentFacts {
            container_id: input
                .env_value("CNI_CONTAINERID")
                .unwrap_or(&att.container_id),
            ifname: input.env_value("CNI_IFNAME").unwrap_or(&att.ifname),
            add_result: chain_prev,
        };
        let left = observe::leftovers(&live.baseline, &after, facts);
        ex.kernel_diff = left.diff.clone();
        if seq.ran_add && del_ok && !left.leaked.is_empty() && !input.robustness_only() {
            let what = left.leaked.join("; ");
            let mut v = Verdict::new(Oracle::Leak, Verb::Del, &leak_kinds(&left.leaked));
            v.summary = format!("leak after DEL: {what}");
            ex.verdicts.push(v);
        }
        let mut pristine = left.pristine && !seq.died;
        let mut state = after;

        if with_recheck && pristine {
            let att = self.next_attachment("fuzz-recheck");
            let t = &self.target;
            let ok = recheck(t, &rt, &att, &mut ex)?;
            let suspects = std::mem::take(&mut self.history);
            if ok {
                let again = live.observer.snapshot()?;
                let facts = AttachmentFacts {
                    container_id: &att.container_id,
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

    /// The input's own verbs, each judged on its own. ADD gets the chain's
    /// result as `prevResult`, CHECK and DEL get the ADD's.
    fn sequence(
        &self,
        input: &Input,
        rt: &Runtime<'_>,
        att: &Attachment,
        chained: Option<&Value>,
        observer: &mut Observer,
        ex: &mut Execution,
    ) -> anyhow::Result<Sequence> {
        let version = input.spec_version();
        let mut seq = Sequence {
            add_result: None,
            ran_add: false,
            deleted: false,
            died: false,
        };
        let chained = chained.map(Value::to_string);
        for verb in &input.verbs {
            let prev = match verb {
                Verb::Add => input.prev_result.clone().or_else(|| chained.clone()),
                _ => seq.add_result.as_ref().map(Value::to_string),
            };
            let env = rt.env(*verb, version, Some(att));
            let stdin = input.stdin_with(prev.as_deref());
            let step = rt.exec(&self.target.plugin, *verb, env, stdin)?;
            if self.observe {
                let verdict = oracles::judge_step(&step, version, observer)
                    .filter(|v| !(input.robustness_only() && v.oracle == Oracle::BadResult));
                ex.coverage
                    .push(oracles::coverage_key(&step, verdict.as_ref()));
                ex.verdicts.extend(verdict);
            }
            match verb {
                Verb::Add => {
                    seq.ran_add = true;
                    seq.deleted = false;
                    if let Some(r) = step.reply.result() {
                        seq.add_result = Some(r.clone());
                    }
                }
                Verb::Del => seq.deleted |= seq.ran_add && step.reply.is_success(),
                _ => {}
            }
            seq.died |= matches!(step.reply, Reply::Died(_));
            ex.steps.push(step);
            if seq.died {
                break;
            }
        }
        Ok(seq)
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

    fn next_attachment(&mut self, prefix: &str) -> Attachment {
        self.attachment_counter += 1;
        Attachment::new(
            &format!("{prefix}-{}", self.attachment_counter),
            &self.target.ifname,
        )
    }

    fn fresh(&mut self) -> anyhow::Result<Live> {
        let sandbox = setup::sandbox_for(&self.target.profile)?;
        let mut observer = Observer::open(&sandbox, self.target.consistency, self.target.firewall)?;
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

/// The seed configuration, ADD then DEL, inside the chain, must still
/// succeed (a plugin must not be broken by an input it was given before).
fn recheck(
    t: &Target,
    rt: &Runtime<'_>,
    att: &Attachment,
    ex: &mut Execution,
) -> anyhow::Result<bool> {
    let chained = match t.prefix.add(rt, &t.profile, att, &mut ex.extra_steps)? {
        PrefixAdd::Done(result) => result,
        PrefixAdd::Failed(why) => {
            ex.verdicts.push(chain_broken(&why));
            return Ok(false);
        }
    };
    let seed = Input::new(t.seed_config.clone(), vec![Verb::Add, Verb::Del]);
    let version = seed.spec_version();
    let mut add_result = None;
    let mut ok = true;
    for verb in [Verb::Add, Verb::Del] {
        let prev = if verb == Verb::Add {
            chained.as_ref()
        } else {
            add_result.as_ref()
        };
        let env = rt.env(verb, version, Some(att));
        let stdin = seed.stdin_with(prev.map(Value::to_string).as_deref());
        let step = rt.exec(&t.plugin, verb, env, stdin)?;
        ok = step.reply.is_success();
        add_result = step.reply.result().cloned();
        let summary = step.reply.summary();
        ex.extra_steps.push(step);
        if !ok {
            let mut v = Verdict::new(Oracle::Recheck, verb, &summary);
            v.summary = format!("the seed configuration now fails on {verb}: {summary}");
            ex.verdicts.push(v);
            break;
        }
    }
    let prev = add_result.as_ref().or(chained.as_ref());
    t.prefix
        .del(rt, &t.profile, att, prev, &mut ex.extra_steps)?;
    Ok(ok)
}

/// The plugins before the fuzzed one no longer take their own configuration.
fn chain_broken(why: &str) -> Verdict {
    let mut v = Verdict::new(Oracle::Recheck, Verb::Add, why);
    v.summary = format!("the chain before the plugin now fails: {why}");
    v
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
