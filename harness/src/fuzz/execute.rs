//! Running one input against the plugin under test in a sandbox, and judging
//! it, in steps: the chain before the plugin ([`Prefix`]), the input's own
//! verbs (each judged on its own), the cleanup DEL, the judgement of what
//! the DEL left (leak), and optionally the seed configuration again
//! (re-check).
//!
//! A sandbox costs two namespaces (~1.5 ms); it is kept for the next input
//! when the leak judgement says the last one left it pristine, and replaced
//! after leaks, crashes, hangs, or every [`MAX_REUSE`] inputs.

use serde_json::Value;

use super::chain::PrefixAdd;
use super::input::Input;
use super::observe::Observer;
use super::oracles::{self, Detection};
use super::target::FuzzTarget;
use crate::invoke::{setup, Attachment, Reply, Runtime, Step};
use crate::judge::leak::{self, LeakIdentity};
use crate::kernel::SandboxSnapshot;
use crate::record::Oracle;
use crate::sandbox::Sandbox;
use crate::spec::Verb;

/// Inputs run in one sandbox before it is replaced anyway (per-network state,
/// e.g. bridges named by mutated configs, accumulates otherwise).
pub const MAX_REUSE: u32 = 64;

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
    pub detections: Vec<Detection>,
    /// Coverage tuples of the input's own steps.
    pub coverage: Vec<String>,
    pub kernel_diff: String,
    /// When the re-check failed: every input run in that sandbox since it
    /// was last known good, oldest first.
    pub suspects: Vec<Input>,
    /// Code coverage of every process the input started (its own steps and
    /// the runtime's around them), when the executor collects it.
    pub code: crate::coverage::Sample,
}

impl Execution {
    /// Whether a detection with this signature fired this time.
    pub fn fired(&self, signature: &str) -> bool {
        self.detections.iter().any(|v| v.signature() == signature)
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
    target: FuzzTarget,
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
    /// Where instrumented plugins write their counters (`None`: not asked).
    collector: Option<crate::coverage::Collector>,
}

/// What the input's own verbs left for the cleanup to know.
struct Sequence {
    add_result: Option<Value>,
    ran_add: bool,
    /// A successful DEL came after the last ADD (the input's or the cleanup's).
    deleted: bool,
    /// A process hung or crashed: the sandbox is not trusted again.
    died: bool,
}

impl Executor {
    pub fn new(target: FuzzTarget) -> Executor {
        Executor {
            target,
            live: None,
            history: Vec::new(),
            sandboxes_created: 0,
            reuse: true,
            observe: true,
            attachment_counter: 0,
            collector: None,
        }
    }

    /// Collect instrumented plugins' code coverage with every input (see
    /// [`crate::coverage`]); off again with `false`.
    pub fn collect_coverage(&mut self, on: bool) -> std::io::Result<()> {
        self.collector = if on {
            Some(crate::coverage::Collector::new()?)
        } else {
            None
        };
        Ok(())
    }

    /// Run `input` (see [`Executor::run_uncollected`]) and read the code
    /// coverage its processes left.
    pub fn run(&mut self, input: &Input, with_recheck: bool) -> anyhow::Result<Execution> {
        let mut ex = self.run_uncollected(input, with_recheck)?;
        if let Some(c) = &self.collector {
            ex.code = c.take();
        }
        Ok(ex)
    }

    pub fn target(&self) -> &FuzzTarget {
        &self.target
    }

    /// Run `input`, then the re-check of the seed if `with_recheck`.
    fn run_uncollected(&mut self, input: &Input, with_recheck: bool) -> anyhow::Result<Execution> {
        let mut live = match self.live.take() {
            Some(l) => l,
            None => {
                self.history.clear();
                self.fresh()?
            }
        };
        self.history.push(input.clone());
        let att = self.next_attachment("fuzz");
        let mut ex = Execution::default();
        let t = &self.target;
        let mut rt = runtime(t, &live.sandbox);
        if let Some(c) = &self.collector {
            rt.process_env = c.env();
        }

        let chained = match t.prefix.add(&rt, &t.profile, &att, &mut ex.extra_steps)? {
            PrefixAdd::Done(result) => result,
            PrefixAdd::Failed(why) => {
                // The runtime's own plugins fail before the input even ran:
                // what earlier inputs left broke them. The sandbox goes.
                ex.detections.push(chain_broken(&why));
                ex.suspects = std::mem::take(&mut self.history);
                return Ok(ex);
            }
        };
        ex.chained = chained.clone();
        rt.env_edits = input.env_edits();
        let mut seq = self.sequence(
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
        self.cleanup(input, &rt, &att, &mut seq, &mut ex)?;
        rt.env_edits.clear();
        let chain_prev = seq.add_result.as_ref().or(chained.as_ref());
        let t = &self.target;
        t.prefix
            .del(&rt, &t.profile, &att, chain_prev, &mut ex.extra_steps)?;

        if !self.observe {
            drop(rt);
            self.keep(live, !seq.died, None);
            return Ok(ex);
        }
        let (mut state, mut pristine) = self.judge_leftovers(
            input,
            &att,
            &seq,
            &mut live.observer,
            &live.baseline,
            &mut ex,
        )?;
        if with_recheck && pristine {
            let att = self.next_attachment("fuzz-recheck");
            let suspects = std::mem::take(&mut self.history);
            match self.recheck(&rt, &att, &mut live.observer, &state, &mut ex)? {
                // The next input is judged against what the re-check left.
                Some((again, clean)) => (state, pristine) = (again, clean),
                None => {
                    pristine = false;
                    ex.suspects = suspects;
                }
            }
        }
        drop(rt);
        self.keep(live, pristine, Some(state));
        Ok(ex)
    }

    /// The input's own verbs (with its environment edits, which `rt`
    /// carries), each judged on its own. ADD gets the chain's result as
    /// `prevResult`, CHECK and DEL get the ADD's.
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
            // A verb the runtime played never sends is no input it makes.
            if rt.persona.sends(*verb).is_err() {
                continue;
            }
            let prev = match verb {
                Verb::Add => input.prev_result.clone().or_else(|| chained.clone()),
                _ => seq.add_result.as_ref().map(Value::to_string),
            };
            let env = rt.env(*verb, version, Some(att));
            let stdin = input.stdin_with(prev.as_deref());
            let step = rt.exec(&self.target.plugin, *verb, env, stdin)?;
            if self.observe {
                let detection = oracles::judge_step(&step, self.target.rules, observer)
                    .filter(|v| !(input.robustness_only() && v.oracle == Oracle::BadResult));
                ex.coverage
                    .push(oracles::coverage_key(&step, detection.as_ref()));
                ex.detections.extend(detection);
                if self.target.dataplane
                    && super::dataplane::applies(input, &self.target.seed_config, &step)
                {
                    if let Some(result) = step.reply.result() {
                        ex.detections
                            .extend(super::dataplane::judge_add(rt.sandbox, result)?);
                    }
                }
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

    /// What the input left after its DEL, against the sandbox's baseline:
    /// a leak when the input added and then deleted successfully (and is
    /// judged on more than robustness). The state after, and whether it is
    /// pristine (nothing left, nothing died).
    fn judge_leftovers(
        &self,
        input: &Input,
        att: &Attachment,
        seq: &Sequence,
        observer: &mut Observer,
        baseline: &SandboxSnapshot,
        ex: &mut Execution,
    ) -> anyhow::Result<(SandboxSnapshot, bool)> {
        let after = observer.snapshot()?;
        // The attachment as its ADD result (else the chain's) describes it.
        let add_result = seq.add_result.as_ref().or(ex.chained.as_ref());
        // The attachment the input's ADD addressed (its edits may rename it).
        let container_id = input
            .env_value("CNI_CONTAINERID")
            .unwrap_or(&att.container_id);
        let ifname = input.env_value("CNI_IFNAME").unwrap_or(&att.ifname);
        let who = LeakIdentity::for_attachment(container_id, ifname, add_result);
        let left = leak::after_del(baseline, &after, &who);
        ex.kernel_diff = left.diff.clone();
        if seq.ran_add && seq.deleted && !input.robustness_only() {
            ex.detections.extend(leaked(&left));
        }
        Ok((after, left.pristine && !seq.died))
    }

    /// The DEL a runtime sends when the input's own verbs added without a
    /// successful DEL after, spoken as libcni would (without the input's
    /// environment edits); `seq.deleted` then says whether it succeeded.
    fn cleanup(
        &self,
        input: &Input,
        rt: &Runtime<'_>,
        att: &Attachment,
        seq: &mut Sequence,
        ex: &mut Execution,
    ) -> anyhow::Result<()> {
        if !seq.ran_add || seq.deleted || seq.died {
            return Ok(());
        }
        let env = rt.env(Verb::Del, input.spec_version(), Some(att));
        let stdin = input.stdin_with(seq.add_result.as_ref().map(Value::to_string).as_deref());
        let step = rt.exec(&self.target.plugin, Verb::Del, env, stdin)?;
        seq.deleted = step.reply.is_success();
        ex.extra_steps.push(step);
        Ok(())
    }

    /// The seed configuration, ADD then DEL, inside the chain, must still
    /// succeed (a plugin must not be broken by an input it was given
    /// before). On success, the state it left and whether that is `before`
    /// unchanged; `None` when it failed.
    fn recheck(
        &self,
        rt: &Runtime<'_>,
        att: &Attachment,
        observer: &mut Observer,
        before: &SandboxSnapshot,
        ex: &mut Execution,
    ) -> anyhow::Result<Option<(SandboxSnapshot, bool)>> {
        let t = &self.target;
        let chained = match t.prefix.add(rt, &t.profile, att, &mut ex.extra_steps)? {
            PrefixAdd::Done(result) => result,
            PrefixAdd::Failed(why) => {
                ex.detections.push(chain_broken(&why));
                return Ok(None);
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
                let mut v = Detection::new(Oracle::Recheck, verb, &summary);
                v.summary = format!("the seed configuration now fails on {verb}: {summary}");
                ex.detections.push(v);
                break;
            }
        }
        let prev = add_result.as_ref().or(chained.as_ref());
        t.prefix
            .del(rt, &t.profile, att, prev, &mut ex.extra_steps)?;
        if !ok {
            return Ok(None);
        }
        let again = observer.snapshot()?;
        let who = LeakIdentity::for_attachment(&att.container_id, &att.ifname, None);
        let pristine = leak::after_del(before, &again, &who).pristine;
        Ok(Some((again, pristine)))
    }

    /// Keep the sandbox for the next input when it is `fit` (judged against
    /// `baseline` when one is given), else let it go.
    fn keep(&mut self, mut live: Live, fit: bool, baseline: Option<SandboxSnapshot>) {
        if self.reuse && fit && live.uses + 1 < MAX_REUSE {
            if let Some(b) = baseline {
                live.baseline = b;
            }
            live.uses += 1;
            self.live = Some(live);
        }
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
        let mut sandbox = setup::sandbox_for(&self.target.profile)?;
        let surroundings = &self.target.profile.node.surroundings;
        if self.target.dataplane && *surroundings != crate::config::Surroundings::BehindNode {
            // The gateway lives on the parent link's far end.
            let parent = self.target.profile.needs.parent_link.as_deref();
            sandbox.open_uplink(surroundings, parent)?;
        }
        let mut observer = Observer::open(&sandbox, self.target.firewall)?;
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

/// The runtime the fuzzer plays: the profile's CNI path, limits and
/// runtime arguments (capabilities, `CNI_ARGS`), libcni's environment.
fn runtime<'s>(t: &FuzzTarget, sandbox: &'s Sandbox) -> Runtime<'s> {
    let mut rt = Runtime::for_profile(sandbox, t.cni_path.clone(), &t.profile);
    rt.limits = t.limits;
    rt
}

/// The leak detection of what DEL left: one per input, keyed by the kinds
/// of object leaked (`node link`, `files file`), so the same leak of
/// differently named objects has one signature.
fn leaked(left: &leak::Leftovers) -> Option<Detection> {
    if left.leaked.is_empty() {
        return None;
    }
    let mut kinds: Vec<String> = left
        .leaked
        .iter()
        .map(|c| {
            let sign = match c.kind {
                crate::kernel::ChangeKind::Added => '+',
                crate::kernel::ChangeKind::Removed => '-',
                crate::kernel::ChangeKind::Changed => '~',
            };
            format!("{sign} {} {}", c.side, c.class)
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    let what: Vec<String> = left.leaked.iter().map(ToString::to_string).collect();
    let mut v = Detection::new(Oracle::Leak, Verb::Del, &kinds.join(", "));
    v.summary = format!("leak after DEL: {}", what.join("; "));
    Some(v)
}

/// The plugins before the fuzzed one no longer take their own configuration.
fn chain_broken(why: &str) -> Detection {
    let mut v = Detection::new(Oracle::Recheck, Verb::Add, why);
    v.summary = format!("the chain before the plugin now fails: {why}");
    v
}
