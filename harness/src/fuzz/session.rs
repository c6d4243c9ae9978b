//! A fuzz session: workers (one sandbox each) draw iteration numbers from a
//! shared counter, turn each into an input (the seeds first, then mutations
//! of corpus entries chosen by `Rng::for_iteration(seed, number)`), run it,
//! keep inputs with new coverage, and save, minimise and deduplicate findings.
//! With one job a seed gives the same inputs in the same order every time.
//!
//! Every binary of the profile's chain is a target ([`target::slots`]), each
//! a *lane* with its own seeds, corpus and coverage; iteration `k` runs in
//! lane `k mod lanes`. A lane whose seed does not work on its own is left
//! out (and said so); the subject's lane must work or the session stops.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arbitrary::Unstructured;

use super::calibrate;
use super::corpus;
use super::execute::{Execution, Executor};
use super::finding::{self, FindingFile, FoundDefect};
use super::guidance::{self, Guidance};
use super::input::Input;
use super::minimize::{self, Budget};
use super::mutate::{self, BYTES_PER_INPUT};
use super::options::FuzzOptions;
use super::oracles::Detection;
use super::progress::Progress;
use super::report::{SessionReport, TargetSummary};
use super::rng::Rng;
use super::target::{self, FuzzTarget};
use crate::record::Oracle;

/// Deeply nested inputs are serialised, compared and dropped recursively.
const WORKER_STACK: usize = 256 << 20;

/// One binary of the chain being fuzzed, with what is learnt about it.
struct Lane {
    target: FuzzTarget,
    seeds: Vec<Input>,
    corpus_dir: PathBuf,
    corpus: Mutex<Vec<Input>>,
    coverage: Mutex<HashSet<String>>,
    /// The plugin is instrumented and guidance is on: inputs reaching new
    /// code join the corpus, and rare coverage is drawn more often.
    guided: bool,
    guidance: Mutex<Guidance>,
    /// Salt of the lane's random choices (0 for the subject, so a session
    /// of one lane draws what it always drew).
    salt: u64,
    execs: AtomicU64,
}

struct Shared<'a> {
    opts: &'a FuzzOptions,
    lanes: Vec<Lane>,
    findings: Mutex<BTreeMap<String, FoundDefect>>,
    next: AtomicU64,
    execs: AtomicU64,
    new_entries: AtomicU64,
    sandboxes: AtomicU64,
    unattributed: AtomicU64,
    stop: AtomicBool,
    deadline: Option<Instant>,
    /// What was left undone (minimisations cut short...), one line each.
    unfinished: Mutex<Vec<String>>,
}

impl Shared<'_> {
    /// Whether no new work may start: the deadline passed, a signal came,
    /// or a worker failed.
    fn must_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || crate::interrupt::requested() || self.past_deadline()
    }

    fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn note_unfinished(&self, line: String) {
        if let Ok(mut u) = self.unfinished.lock() {
            u.push(line);
        }
    }
}

/// The input of iteration `k` of this shard: the shard's seeds in order,
/// then mutations of the corpus.
/// Also returns the corpus position of the entry mutated, if one was.
fn input_for(
    k: u64,
    seeds: &[Input],
    corpus: &[Input],
    weights: Option<&[f64]>,
    opts: &FuzzOptions,
    salt: u64,
) -> (Input, Option<usize>) {
    let own_seeds: Vec<&Input> = seeds
        .iter()
        .enumerate()
        .filter(|(j, _)| *j as u64 % opts.shard.count == opts.shard.index)
        .map(|(_, s)| s)
        .collect();
    if let Some(seed) = own_seeds.get(k as usize) {
        return ((*seed).clone(), None);
    }
    let global = opts.shard.index + k * opts.shard.count;
    let bytes = Rng::for_iteration(opts.seed ^ salt, global).bytes(BYTES_PER_INPUT);
    let mut u = Unstructured::new(&bytes);
    let index = match weights {
        Some(w) => u
            .arbitrary::<u32>()
            .ok()
            .and_then(|r| guidance::weighted_index(w, f64::from(r) / (f64::from(u32::MAX) + 1.0))),
        None => u.choose_index(corpus.len()).ok(),
    };
    let index = index
        .filter(|i| *i < corpus.len())
        .or((!corpus.is_empty()).then_some(0));
    let base = index.and_then(|i| corpus.get(i));
    // A second entry to splice from, drawn the same way.
    let other = match weights {
        Some(w) => u
            .arbitrary::<u32>()
            .ok()
            .and_then(|r| guidance::weighted_index(w, f64::from(r) / (f64::from(u32::MAX) + 1.0))),
        None => u.choose_index(corpus.len()).ok(),
    }
    .and_then(|i| corpus.get(i));
    let input = match base {
        Some(b) => mutate::mutate_with(b, other, &mut u).unwrap_or_else(|_| b.clone()),
        None => Input::new(String::new(), vec![crate::spec::Verb::Add]),
    };
    (input, index)
}

/// The first `n` inputs a session with these seeds would run if nothing it
/// ran was interesting (the corpus stays the seeds): what makes sessions
/// reproducible, and what the determinism test compares.
pub fn generate_inputs(seeds: &[Input], opts: &FuzzOptions, n: u64) -> Vec<Input> {
    (0..n)
        .map(|k| input_for(k, seeds, seeds, None, opts, 0).0)
        .collect()
}

pub fn run(opts: &FuzzOptions) -> anyhow::Result<SessionReport> {
    anyhow::ensure!(opts.jobs >= 1, "--jobs must be at least 1");
    anyhow::ensure!(
        opts.shard.count >= 1 && opts.shard.index < opts.shard.count,
        "--shard I/N needs 0 <= I < N (got {}/{})",
        opts.shard.index,
        opts.shard.count
    );
    // `--duration` counts from here: set-up and calibration are part of it.
    let started = Instant::now();
    let subject = target::build_with(&opts.config, &opts.cni_path, opts.timeout, &opts.runtime)?;
    let corpus_dir = opts
        .corpus
        .clone()
        .unwrap_or_else(|| opts.out.join("corpus"));
    let mut lanes = Vec::new();
    let mut left_out = Vec::new();
    let mut slots = vec![subject.slot];
    if opts.every_binary {
        slots.extend(
            target::slots(&subject.profile)
                .into_iter()
                .filter(|s| *s != subject.slot),
        );
    }
    for (i, slot) in slots.into_iter().enumerate() {
        let built = if i == 0 {
            Ok(subject.clone())
        } else {
            target::build_slot(
                &opts.config,
                &opts.cni_path,
                opts.timeout,
                &opts.runtime,
                Some(slot),
            )
        };
        match built.and_then(|t| lane(t, opts, &corpus_dir, i as u64)) {
            Ok(l) => lanes.push(l),
            // The subject's seed must work; another binary's that does not
            // (a delegate that needs what only its caller sets up) is left out.
            Err(e) if i > 0 => left_out.push(format!("{slot:?}: {e:#}")),
            Err(e) => return Err(e),
        }
    }
    if opts.progress {
        let names: Vec<&str> = lanes.iter().map(|l| l.target.label.as_str()).collect();
        eprintln!("fuzz: targets: {}", names.join("; "));
        for why in &left_out {
            eprintln!("fuzz: not a target: {why}");
        }
        if opts.coverage {
            for l in &lanes {
                eprintln!(
                    "fuzz: {}: {}",
                    l.target.label,
                    if l.guided {
                        "the plugin writes coverage counters: guided by its code coverage"
                    } else {
                        "no coverage counters from the plugin (not built with `go build -cover`): \
                         guided by output shapes only"
                    }
                );
            }
        }
    }
    let shared = Shared {
        opts,
        lanes,
        findings: Mutex::new(BTreeMap::new()),
        next: AtomicU64::new(0),
        execs: AtomicU64::new(0),
        new_entries: AtomicU64::new(0),
        sandboxes: AtomicU64::new(0),
        unattributed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        deadline: opts.duration.map(|d| started + d),
        unfinished: Mutex::new(
            left_out
                .iter()
                .map(|w| format!("not fuzzed: {w}"))
                .collect(),
        ),
    };
    let progress = opts.progress.then(Progress::start);
    let outcome: anyhow::Result<()> = std::thread::scope(|s| {
        let mut workers = Vec::new();
        for _ in 0..opts.jobs {
            workers.push(
                std::thread::Builder::new()
                    .name("fuzz-worker".into())
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(s, || worker(&shared))?,
            );
        }
        if let Some(p) = &progress {
            while workers.iter().any(|w| !w.is_finished()) {
                p.tick(&status(&shared, started));
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        let mut first_err = Ok(());
        for w in workers {
            let r = w
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a fuzz worker panicked")));
            if first_err.is_ok() {
                first_err = r;
            }
        }
        first_err
    });
    if let Some(p) = progress {
        p.finish(&status(&shared, started));
    }
    // An error caused by the interruption (a plugin killed under a worker)
    // ends the session like the deadline: with what it found so far.
    let interrupted = crate::interrupt::signal();
    match outcome {
        Err(e) if !crate::interrupt::is_interruption(&e) => return Err(e),
        _ => {}
    }
    let mut code_coverage = None;
    for (i, l) in shared.lanes.iter().enumerate() {
        if l.guided {
            let g = l.guidance.lock().map_err(|_| poisoned())?;
            g.save(&l.corpus_dir)?;
            if i == 0 {
                code_coverage = Some((g.map.hit(), crate::coverage::known_counters()));
            }
        }
    }
    let findings: Vec<FoundDefect> = shared
        .findings
        .into_inner()
        .unwrap_or_default()
        .into_values()
        .collect();
    let targets = shared
        .lanes
        .iter()
        .map(|l| TargetSummary {
            label: l.target.label.clone(),
            plugin: l.target.plugin_type.clone(),
            execs: l.execs.load(Ordering::Relaxed),
            findings: findings
                .iter()
                .filter(|f| {
                    f.finding.target.slot.unwrap_or(shared.lanes[0].target.slot) == l.target.slot
                })
                .count(),
        })
        .collect();
    let subject = &shared.lanes[0];
    Ok(SessionReport {
        profile: subject.target.profile.as_ref().clone(),
        execs: shared.execs.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        corpus_size: shared
            .lanes
            .iter()
            .map(|l| l.corpus.lock().map(|c| c.len()).unwrap_or(0))
            .sum(),
        new_corpus_entries: shared.new_entries.load(Ordering::Relaxed),
        sandboxes_created: shared.sandboxes.load(Ordering::Relaxed),
        unattributed_rechecks: shared.unattributed.load(Ordering::Relaxed),
        findings,
        out: opts.out.clone(),
        seed: opts.seed,
        interrupted,
        unfinished: shared.unfinished.into_inner().unwrap_or_default(),
        timeout: subject.target.limits.timeout,
        timeout_calibrated: opts.calibrate_timeout,
        code_coverage,
        targets,
    })
}

/// A lane for `target`: its seeds (the seed configuration, the corpus
/// directory's inputs, for a chained plugin its real prevResult), checked
/// to work on their own, and its timeout calibrated when asked. The
/// subject's corpus is `corpus_dir` itself, another binary's a directory
/// below it named after it.
fn lane(
    mut target: FuzzTarget,
    opts: &FuzzOptions,
    corpus_dir: &Path,
    position: u64,
) -> anyhow::Result<Lane> {
    let index = match target.slot {
        target::Slot::Plugin(i) | target::Slot::Ipam(i) => i,
    };
    let corpus_dir = if position == 0 {
        corpus_dir.to_path_buf()
    } else {
        corpus_dir.join(target.dir_name())
    };
    target.firewall = opts.firewall;
    let mut seeds = vec![Input::new(
        target.seed_config.clone(),
        vec![crate::spec::Verb::Add, crate::spec::Verb::Del],
    )];
    if opts.corpus.is_some() && corpus_dir.exists() {
        // Hand-written configurations in the subject's directory are the
        // list's; an IPAM lane reads only its own directory's inputs.
        let from = if matches!(target.slot, target::Slot::Ipam(_)) {
            usize::MAX
        } else {
            index
        };
        for s in corpus::load(&corpus_dir, from)? {
            if !seeds.contains(&s) {
                seeds.push(s);
            }
        }
    }
    // A chained plugin also gets its real prevResult as a seed to mutate.
    let (chained, instrumented) = sanity_check(&target, opts.coverage)?;
    let mut at = 1;
    if let Some(chained) = chained {
        let mut with_prev = seeds[0].clone();
        with_prev.prev_result = Some(chained.to_string());
        seeds.insert(1, with_prev);
        at = 2;
    }
    // The runtime's CNI_ARGS shapes (pod identity, IP=, MAC=) as seeds too.
    for s in target.runtime_arg_seeds().into_iter().rev() {
        if !seeds.contains(&s) {
            seeds.insert(at, s);
        }
    }
    if opts.calibrate_timeout {
        let c = calibrate::calibrate(&target)?;
        if opts.progress {
            eprintln!(
                "fuzz: {}: per-execution timeout {:.1}s ({}x the seed's median {:.0} ms over {} \
                 runs, within {}-{} s; --timeout sets it)",
                target.label,
                c.timeout.as_secs_f64(),
                calibrate::FACTOR,
                c.median.as_secs_f64() * 1000.0,
                calibrate::RUNS,
                calibrate::MIN.as_secs(),
                calibrate::MAX.as_secs(),
            );
        }
        target.limits.timeout = c.timeout;
    }
    let guidance = match &opts.corpus {
        Some(_) if instrumented => Guidance::load(&corpus_dir)?,
        _ => Guidance::default(),
    };
    Ok(Lane {
        target,
        corpus: Mutex::new(seeds.clone()),
        seeds,
        corpus_dir,
        coverage: Mutex::new(HashSet::new()),
        guided: instrumented,
        guidance: Mutex::new(guidance),
        salt: position.wrapping_mul(0xa076_1d64_78bd_642f),
        execs: AtomicU64::new(0),
    })
}

/// The seed must work on its own, or every verdict after it is noise.
/// Returns the result of the plugins chained before the fuzzed one, and
/// (with `coverage`) whether the plugins wrote coverage counters.
fn sanity_check(
    target: &FuzzTarget,
    coverage: bool,
) -> anyhow::Result<(Option<serde_json::Value>, bool)> {
    let mut exec = Executor::new(target.clone());
    exec.collect_coverage(coverage)?;
    let seed = Input::new(
        target.seed_config.clone(),
        vec![crate::spec::Verb::Add, crate::spec::Verb::Del],
    );
    let ex = exec.run(&seed, false)?;
    let Some(add) = ex.steps.first() else {
        let why = ex
            .detections
            .first()
            .map(|v| v.summary.clone())
            .unwrap_or_default();
        anyhow::bail!("{why}; fix the configuration or the CNI path before fuzzing");
    };
    anyhow::ensure!(
        add.reply.is_success(),
        "the seed configuration fails on its own (ADD: {}); fix the configuration or \
         the CNI path before fuzzing",
        add.reply.summary()
    );
    Ok((ex.chained, ex.code.files > 0))
}

fn status(shared: &Shared<'_>, started: Instant) -> String {
    let execs = shared.execs.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let subject = &shared.lanes[0];
    let code = if subject.guided {
        let hit = subject.guidance.lock().map(|g| g.map.hit()).unwrap_or(0);
        format!(
            ", coverage {hit}/{} counters",
            crate::coverage::known_counters()
        )
    } else {
        String::new()
    };
    let corpus: usize = shared
        .lanes
        .iter()
        .map(|l| l.corpus.lock().map(|c| c.len()).unwrap_or(0))
        .sum();
    let per_target = if shared.lanes.len() > 1 {
        let each: Vec<String> = shared
            .lanes
            .iter()
            .map(|l| {
                format!(
                    "{} {}",
                    l.target.plugin_type,
                    l.execs.load(Ordering::Relaxed)
                )
            })
            .collect();
        format!(" ({})", each.join(", "))
    } else {
        String::new()
    };
    format!(
        "fuzz: {execs} execs ({:.1}/s){per_target}, {} findings, corpus {corpus}{code}",
        execs as f64 / secs,
        shared.findings.lock().map(|f| f.len()).unwrap_or(0),
    )
}

fn worker(shared: &Shared<'_>) -> anyhow::Result<()> {
    let opts = shared.opts;
    let mut execs = Vec::with_capacity(shared.lanes.len());
    for lane in &shared.lanes {
        let mut exec = Executor::new(lane.target.clone());
        exec.collect_coverage(lane.guided)?;
        execs.push(exec);
    }
    let lanes = shared.lanes.len() as u64;
    let result = (|| loop {
        if shared.must_stop() {
            return Ok(());
        }
        let k = shared.next.fetch_add(1, Ordering::Relaxed);
        if opts.max_execs.is_some_and(|m| k >= m) {
            return Ok(());
        }
        // Iteration k runs in lane k mod lanes, as its (k / lanes)-th input.
        let (which, k) = ((k % lanes) as usize, k / lanes);
        let (lane, exec) = (&shared.lanes[which], &mut execs[which]);
        let input = {
            let corpus = lane.corpus.lock().map_err(|_| poisoned())?;
            let weights = if lane.guided {
                let mut g = lane.guidance.lock().map_err(|_| poisoned())?;
                Some(g.weights(corpus.len()))
            } else {
                None
            };
            let (input, parent) =
                input_for(k, &lane.seeds, &corpus, weights.as_deref(), opts, lane.salt);
            if let (true, Some(i)) = (lane.guided, parent) {
                lane.guidance.lock().map_err(|_| poisoned())?.picked(i);
            }
            input
        };
        let recheck = opts.recheck_every > 0 && k % opts.recheck_every == opts.recheck_every - 1;
        let ex = exec.run(&input, recheck)?;
        // Plugins killed by the signal thread are not the plugin's defects.
        if crate::interrupt::requested() {
            return Ok(());
        }
        shared.execs.fetch_add(1, Ordering::Relaxed);
        lane.execs.fetch_add(1, Ordering::Relaxed);
        let key = ex.coverage.join(" ; ");
        let mut new = lane.coverage.lock().map_err(|_| poisoned())?.insert(key);
        if lane.guided {
            new |= lane
                .guidance
                .lock()
                .map_err(|_| poisoned())?
                .observe(&ex.code.counts);
        }
        // A hanging input costs a whole timeout each time it or a mutation
        // of it runs: like AFL, keep hangs out of the corpus.
        let hangs = ex.detections.iter().any(|v| v.oracle == Oracle::Hang);
        let seed_run = (k as usize) < lane.seeds.len();
        if lane.guided && seed_run {
            // The seeds are in the corpus from the start: their coverage
            // is known once they ran.
            let corpus = lane.corpus.lock().map_err(|_| poisoned())?;
            if let Some(i) = corpus.iter().position(|c| *c == input) {
                lane.guidance
                    .lock()
                    .map_err(|_| poisoned())?
                    .set_entry(i, &ex.code.counts);
            }
        }
        if new && !hangs && !seed_run {
            let mut corpus = lane.corpus.lock().map_err(|_| poisoned())?;
            corpus.push(input.clone());
            if lane.guided {
                lane.guidance
                    .lock()
                    .map_err(|_| poisoned())?
                    .set_entry(corpus.len() - 1, &ex.code.counts);
            }
            drop(corpus);
            corpus::save(&lane.corpus_dir, &input)?;
            shared.new_entries.fetch_add(1, Ordering::Relaxed);
        }
        let mut seen = HashSet::new();
        for v in &ex.detections {
            if seen.insert(v.signature()) {
                record(shared, lane, exec, v, &input, &ex)?;
            }
        }
    })();
    for exec in &execs {
        shared
            .sandboxes
            .fetch_add(exec.sandboxes_created, Ordering::Relaxed);
    }
    match result {
        Err(e) if crate::interrupt::is_interruption(&e) => Ok(()),
        Err(e) => {
            shared.stop.store(true, Ordering::Relaxed);
            Err(e)
        }
        ok => ok,
    }
}

fn stop_reason(shared: &Shared<'_>) -> &'static str {
    if crate::interrupt::requested() {
        "interrupted"
    } else if shared.past_deadline() {
        "deadline"
    } else {
        "the session stopped"
    }
}

fn poisoned() -> anyhow::Error {
    anyhow::anyhow!("a fuzz worker panicked while holding shared state")
}

/// Count a detection; the first of its signature is minimised and saved.
fn record(
    shared: &Shared<'_>,
    lane: &Lane,
    exec: &mut Executor,
    v: &Detection,
    input: &Input,
    ex: &Execution,
) -> anyhow::Result<()> {
    let sig = v.signature();
    // The same signature from two binaries is two defects.
    let key = if lane.target.is_subject() {
        sig.clone()
    } else {
        format!("{}|{sig}", lane.target.dir_name())
    };
    {
        let mut found = shared.findings.lock().map_err(|_| poisoned())?;
        if let Some(f) = found.get_mut(&key) {
            f.hits += 1;
            return Ok(());
        }
    }
    let recheck = v.oracle == Oracle::Recheck;
    let input = &if recheck {
        if shared.must_stop() {
            // Finding the input to blame re-runs every suspect from scratch.
            shared.note_unfinished(format!(
                "recheck failure not attributed to an input: {}",
                stop_reason(shared)
            ));
            return Ok(());
        }
        match exec.culprit(&ex.suspects, &sig)? {
            Some(c) => c,
            // No single input breaks the seed from a fresh start: not
            // reproducible as one finding, so not reported as one.
            None => {
                shared.unattributed.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        }
    } else {
        input.clone()
    };
    if v.oracle == Oracle::Hang && !shared.must_stop() {
        // Confirmed once (a loaded machine can make one run slow), and
        // never timed again after that but by minimisation.
        let again = exec.run(input, false)?;
        if crate::interrupt::requested() {
            return Ok(());
        }
        if !again.fired(&sig) {
            shared.note_unfinished(format!(
                "a hang did not recur on a second run, not reported: {}",
                v.summary
            ));
            return Ok(());
        }
    }
    if shared.opts.progress {
        eprintln!(
            "fuzz: minimising {} finding of {}: {}",
            v.oracle, lane.target.label, v.summary
        );
    }
    let budget = Budget {
        attempts: shared.opts.minimize_attempts,
        deadline: shared.deadline,
    };
    let small = minimize::minimize(exec, input, &sig, recheck, budget);
    if let Some(cut) = small.cut.filter(|c| *c != minimize::Cut::Attempts) {
        shared.note_unfinished(if small.input == *input {
            format!("{} finding kept unminimised: {}", v.oracle, cut.as_str())
        } else {
            format!(
                "{} finding minimised partly ({} attempts): {}",
                v.oracle,
                small.attempts,
                cut.as_str()
            )
        });
    }
    // What the minimised input did (recorded while minimising), else the original's.
    let (small, small_ex) = match small.execution {
        Some(e) => (small.input, e),
        None => (input.clone(), ex.clone()),
    };
    let file_name = if lane.target.is_subject() {
        finding::file_name(v)
    } else {
        finding::file_name_in(v, &lane.target.dir_name())
    };
    let file = shared.opts.out.join("findings").join(file_name);
    let mut doc = FindingFile::new(
        v,
        lane.target.record(),
        small,
        input.clone(),
        &small_ex,
        &file,
    );
    doc.plugin = lane.target.plugin_type.clone();
    if !lane.target.is_subject() {
        doc.summary = format!("{}: {}", lane.target.label, doc.summary);
    }
    doc.save(&file)?;
    let mut found = shared.findings.lock().map_err(|_| poisoned())?;
    found
        .entry(key)
        .and_modify(|f| f.hits += 1)
        .or_insert(FoundDefect {
            file,
            finding: doc,
            hits: 1,
        });
    Ok(())
}

/// A saved finding run again.
#[derive(Debug, Clone)]
pub struct Reproduction {
    pub finding: FindingFile,
    /// Whether the same oracle and signature fired again.
    pub fired: bool,
    /// Runs made (up to three, for defects that depend on timing).
    pub tries: u32,
    /// The last run: the one that fired, else the third that did not.
    pub execution: Execution,
}

/// Re-run a saved finding; whether the same oracle and signature fire again
/// (three tries, for defects that depend on timing).
pub fn reproduce(file: &Path) -> anyhow::Result<bool> {
    reproduce_with(file, None)
}

/// [`reproduce`], with the plugins looked up in `cni_path` instead of the
/// directories the finding recorded: a finding sent to someone else names
/// directories of the machine it was found on.
pub fn reproduce_with(file: &Path, cni_path: Option<Vec<PathBuf>>) -> anyhow::Result<bool> {
    Ok(reproduce_traced(file, cni_path)?.fired)
}

/// [`reproduce_with`], with what the last run did.
pub fn reproduce_traced(
    file: &Path,
    cni_path: Option<Vec<PathBuf>>,
) -> anyhow::Result<Reproduction> {
    let file = file.to_path_buf();
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || reproduce_here(&file, cni_path))?
        .join()
        .map_err(|_| anyhow::anyhow!("reproducing panicked"))?
}

fn reproduce_here(file: &Path, cni_path: Option<Vec<PathBuf>>) -> anyhow::Result<Reproduction> {
    let mut finding = FindingFile::load(file)?;
    if let Some(dirs) = cni_path {
        finding.target.cni_path = dirs;
    }
    let target = finding.target.rebuild()?;
    let recheck = finding.oracle == Oracle::Recheck;
    let mut exec = Executor::new(target);
    let mut tries = 0;
    loop {
        tries += 1;
        let execution = exec.run(&finding.input, recheck)?;
        let fired = execution.fired(&finding.signature);
        if fired || tries == 3 {
            return Ok(Reproduction {
                finding,
                fired,
                tries,
                execution,
            });
        }
    }
}
