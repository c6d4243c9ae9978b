//! Running cases: as libtest-mimic trials (the command line), or directly
//! on threads (library users and the harness's own tests); each run grades
//! one (case, version) into a [`CaseResult`].

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};

use super::case::{self, Case, Scope};
use super::cases;
use super::ctx::Ctx;
use super::grading;
use super::options::SuiteOptions;
use super::plan::Plan;
use super::prefetch::Ready;
use super::record::{lock_collector, requirement_refs, Collector};
use super::verdict::CaseVerdict;
use crate::invoke::setup::SetupError;
use crate::record::{CaseResult, InvocationRecord, NotRun, Verdict};
use crate::spec::SpecVersion;

/// Every (case, version) a run of `plan` covers, for the cases `select`
/// keeps: per-version cases at each planned version, the others once, at
/// the newest.
pub fn schedule(plan: &Plan, select: impl Fn(&Case) -> bool) -> Vec<(Case, SpecVersion)> {
    let mut work = Vec::new();
    for case in cases::all().into_iter().filter(|c| select(c)) {
        match case.scope {
            Scope::PerVersion => work.extend(plan.versions.iter().map(|v| (case, *v))),
            Scope::Once => work.extend(plan.versions.last().map(|v| (case, *v))),
        }
    }
    work
}

/// What a trial reports for a case the interruption kept from running (or
/// whose run it cut short).
const NOT_RUN: &str = "not run: the run was interrupted";

/// One trial per (case, version) for the planned versions.
pub fn trials(opts: &Arc<SuiteOptions>, plan: &Plan, collector: &Collector) -> Vec<Trial> {
    let mut out = Vec::new();
    let shared = Arc::new(plan.clone());
    for (case, version) in schedule(plan, |_| true) {
        let name = trial_name(&case, version);
        let opts = Arc::clone(opts);
        let plan = Arc::clone(&shared);
        let collector = Arc::clone(collector);
        out.push(Trial::ignorable_test(name, move || {
            let not_run = || {
                lock_collector(&collector).not_run.push(NotRun {
                    case: case.id.to_string(),
                    spec_version: Some(version),
                });
                Ok(Completion::ignored_with(NOT_RUN))
            };
            if crate::interrupt::requested() {
                return not_run();
            }
            let result = run_case(&case, version, &opts, &plan);
            // A case the signal overtook was judged on killed plugins.
            if crate::interrupt::requested() {
                return not_run();
            }
            let outcome = libtest_outcome(&result, opts.strict);
            lock_collector(&collector).results.push(result);
            outcome
        }));
    }
    out
}

/// `1.0.0::add/result-version [ADD-5,RES-1]`: version first so a run reads
/// in version order; requirement ids in the name so filters can select them.
pub fn trial_name(case: &Case, version: SpecVersion) -> String {
    format!("{version}::{} [{}]", case.id, case.requirements.join(","))
}

/// Run one case at one version and grade it (the plan carries the
/// baseline the case may be blocked by). Never panics: a panic anywhere
/// (applicability, sandbox set-up, the case body) is an `error` verdict
/// carrying the panic message, so no case is lost from the results.
pub fn run_case(case: &Case, version: SpecVersion, opts: &SuiteOptions, plan: &Plan) -> CaseResult {
    run_case_in(case, version, opts, plan, None)
}

/// [`run_case`], in a sandbox of `ready`'s when one is.
fn run_case_in(
    case: &Case,
    version: SpecVersion,
    opts: &SuiteOptions,
    plan: &Plan,
    ready: Option<&Ready>,
) -> CaseResult {
    let started = Instant::now();
    let _code = crate::coverage::suite::CaseScope::begin(&trial_name(case, version));
    let (verdict, invocations) =
        std::panic::catch_unwind(AssertUnwindSafe(|| grade(case, version, opts, plan, ready)))
            .unwrap_or_else(|p| {
                let msg = panic_message(p.as_ref());
                (
                    CaseVerdict::error(format!("harness bug: case panicked: {msg}")),
                    Vec::new(),
                )
            });
    let requirement_verdicts = grading::per_requirement(case.requirements, &verdict);
    let case_verdict = grading::case_verdict(verdict.verdict, &requirement_verdicts, &verdict);
    let about_others = grading::others(&verdict);
    CaseResult {
        case: case.id.to_string(),
        title: case.title.to_string(),
        requirements: requirement_refs(case.requirements),
        spec_version: Some(version),
        verdict: case_verdict,
        reason: verdict.reason.clone(),
        detail: CaseVerdict {
            verdict: case_verdict,
            ..verdict
        }
        .detail(invocations),
        duration_ms: started.elapsed().as_millis() as u64,
        requirement_verdicts,
        plugin: opts.profile.plugin.clone(),
        about_others,
    }
}

fn grade(
    case: &Case,
    version: SpecVersion,
    opts: &SuiteOptions,
    plan: &Plan,
    ready: Option<&Ready>,
) -> (CaseVerdict, Vec<InvocationRecord>) {
    let facts = case::Applicability {
        version,
        profile: &opts.profile,
    };
    match (case.applies)(&facts) {
        Err(reason) => (CaseVerdict::skip(reason), Vec::new()),
        Ok(()) => match Ctx::in_sandbox(opts, version, ready.and_then(Ready::take)) {
            Err(SetupError::Unsupported(kinds)) => (
                CaseVerdict::skip(format!("this kernel cannot create {kinds} links")),
                Vec::new(),
            ),
            Err(SetupError::Io(e)) => (CaseVerdict::error(format!("sandbox: {e}")), Vec::new()),
            Ok(mut ctx) => {
                ctx.plan = Some(super::ctx::PlanFacts {
                    baseline: plan.baseline_at(version),
                    claimed: &plan.claimed,
                });
                // Caught here too, so the invocations made before the panic are kept.
                let verdict = std::panic::catch_unwind(AssertUnwindSafe(|| (case.run)(&mut ctx)))
                    .unwrap_or_else(|p| {
                        let msg = panic_message(p.as_ref());
                        CaseVerdict::error(format!("harness bug: case panicked: {msg}"))
                    });
                (
                    under_failed_baseline(case, &ctx, verdict),
                    ctx.invocations(),
                )
            }
        },
    }
}

/// Cases that tell why a baseline ADD failed, each for one cause, and are
/// then that version's one failure: a refusal of the version itself (code
/// 1), an ADD that needs a STATUS first.
const JUDGES_THE_BASELINE: [&str; 2] = ["version/listed-versions-accepted", "status/not-required"];

/// Cases whose subject is what follows a failed ADD (DEL must still
/// succeed and release what the ADD made): an ADD that always fails is
/// their situation, not a blocker, and what they find is their own, unless
/// DEL answers with the baseline's refusal itself (the same root cause).
const ABOUT_A_FAILED_ADD: [&str; 1] = ["del/after-failed-add"];

/// At a version whose baseline ADD failed, a case's failure or warning
/// that shows the baseline's own answer again (the configuration does not
/// work at that version, e.g. a delegate refuses it) is that root cause:
/// blocked by the baseline, what the case saw kept as evidence. Findings of
/// their own (what a failed ADD left behind) stand, as do passes and the
/// harness's errors.
fn under_failed_baseline(case: &Case, ctx: &Ctx, verdict: CaseVerdict) -> CaseVerdict {
    let answer = ctx
        .plan
        .and_then(|p| p.baseline)
        .and_then(|b| b.failure.as_ref())
        .filter(|f| f.verb == crate::spec::Verb::Add && !f.answer.is_empty())
        .map(|f| f.answer.as_str());
    let Some(answer) = answer else {
        return verdict;
    };
    let same_cause = verdict.reason.contains(answer) || verdict.actual.contains(answer);
    if !same_cause
        || JUDGES_THE_BASELINE.contains(&case.id)
        || (ABOUT_A_FAILED_ADD.contains(&case.id) && !verdict.actual.contains(answer))
        || !matches!(verdict.verdict, Verdict::Fail | Verdict::Warn)
    {
        return verdict;
    }
    let blocked = ctx
        .blocked_by_baseline_add()
        .unwrap_or_else(|| CaseVerdict::blocked("blocked by the baseline", ""));
    CaseVerdict {
        actual: format!(
            "{} (what this case saw: {})",
            blocked.actual, verdict.reason
        ),
        ..blocked
    }
}

/// The text a panic was raised with (`panic!` gives a `String` or a `&str`).
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// A graded case as libtest sees it: skips are ignored with their reason,
/// warnings fail only under `strict`.
pub fn libtest_outcome(r: &CaseResult, strict: bool) -> Result<Completion, Failed> {
    match r.verdict {
        Verdict::Pass => Ok(Completion::Completed),
        Verdict::Skip => Ok(Completion::ignored_with(&r.reason)),
        // Blocked cases fail the run (the tally and exit status say so) but
        // their cause is the baseline's or a control's failure, printed once:
        // libtest lists them as ignored with the reason, not 25 failure texts.
        Verdict::Blocked => Ok(Completion::ignored_with(format!("BLOCKED: {}", r.reason))),
        Verdict::Warn if !strict => Ok(Completion::Completed),
        _ => Err(Failed::from(failure_text(r))),
    }
}

/// What a failing trial prints: requirement text, expected, actual, the
/// invocations and the kernel diff.
pub fn failure_text(r: &CaseResult) -> String {
    let mut s = format!("{}: {}\n", r.verdict.as_str().to_uppercase(), r.reason);
    for req in &r.requirements {
        s += &format!(
            "  requirement {} ({} {}): {}: {}\n",
            req.id,
            req.level_text(),
            req.section,
            r.verdict_for(&req.id).as_str(),
            req.text
        );
    }
    if let Some(d) = &r.detail {
        if !d.expected.is_empty() {
            s += &format!("  expected: {}\n", d.expected);
        }
        if !d.actual.is_empty() {
            s += &format!("  actual:   {}\n", d.actual);
        }
        for inv in &d.invocations {
            let env: Vec<String> = inv
                .env
                .iter()
                .filter(|(k, _)| k.starts_with("CNI_"))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s += &format!(
                "  $ {} {} <<< {}\n    -> {} stdout: {}{}\n",
                env.join(" "),
                inv.plugin,
                inv.stdin,
                inv.status,
                inv.stdout.trim(),
                if inv.stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!(" stderr: {}", inv.stderr.trim())
                }
            );
        }
        if let Some(diff) = &d.kernel_diff {
            s += "  kernel diff:\n";
            for line in diff.lines() {
                s += &format!("    {line}\n");
            }
        }
    }
    s
}

/// Run the selected cases without the libtest front end (for library users
/// and the harness's own tests), `threads` at a time.
pub fn run_selected(
    opts: &SuiteOptions,
    plan: &Plan,
    select: impl Fn(&Case) -> bool,
    threads: usize,
) -> Vec<CaseResult> {
    let done = Mutex::new(Vec::new());
    run_pool(
        opts,
        schedule(plan, select),
        threads,
        |case, version, ready| {
            let r = run_case_in(case, version, opts, plan, Some(ready));
            if let Ok(mut d) = done.lock() {
                d.push(r);
            }
        },
    );
    done.into_inner().unwrap_or_default()
}

/// Run the (case, version)s `select` keeps (by trial name), `threads` at a
/// time, handing each graded result to `done` as it finishes (the terminal
/// prints its line) and collecting it; a signal stops the run, the cases it
/// kept from a verdict go to `not_run`.
pub fn run_streaming(
    opts: &SuiteOptions,
    plan: &Plan,
    select: impl Fn(&str) -> bool,
    threads: usize,
    collector: &Collector,
    done: impl Fn(&CaseResult) + Sync,
) {
    let work: Vec<_> = schedule(plan, |_| true)
        .into_iter()
        .filter(|(c, v)| select(&trial_name(c, *v)))
        .collect();
    run_pool(opts, work, threads, |case, version, ready| {
        let not_run = NotRun {
            case: case.id.to_string(),
            spec_version: Some(version),
        };
        if crate::interrupt::requested() {
            lock_collector(collector).not_run.push(not_run);
            return;
        }
        let r = run_case_in(case, version, opts, plan, Some(ready));
        // A case the signal overtook was judged on killed plugins.
        if crate::interrupt::requested() {
            lock_collector(collector).not_run.push(not_run);
            return;
        }
        done(&r);
        lock_collector(collector).results.push(r);
    });
}

/// The runners' one loop: `threads` case threads take `work` in order and
/// hand each item to `each`, with a pool of sandboxes made ahead of them
/// (see [`super::prefetch`]); used sandboxes are torn down in the
/// background, and every teardown is finished when this returns.
fn run_pool(
    opts: &SuiteOptions,
    work: Vec<(Case, SpecVersion)>,
    threads: usize,
    each: impl Fn(&Case, SpecVersion, &Ready) + Sync,
) {
    let queue = Mutex::new(work.into_iter());
    let _teardowns = crate::sandbox::retire::DeferScope::begin();
    let ready = Ready::new(threads);
    std::thread::scope(|s| {
        let producer = s.spawn(|| ready.produce(&opts.profile));
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((case, version)) = next else { break };
                    each(&case, version, &ready);
                })
            })
            .collect();
        // The cases are done: then the pool closes (what its producer
        // sends while closing goes too).
        for w in workers {
            let _ = w.join();
        }
        ready.close();
        let _ = producer.join();
        ready.close();
    });
}
