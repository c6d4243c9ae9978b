//! `cni-harness test`: the conformance suite against one plugin profile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cni_harness::invoke::Limits;
use cni_harness::record::{CaseResult, RunResults, Verdict};
use cni_harness::suite::{self, SuiteOptions};
use cni_harness::timestamp::now_rfc3339;

use super::runtime_args::{self, RuntimeArgs};
use super::shared::{write_reports, TargetArgs};

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Warnings (SHOULD, ambiguities) fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// Write results.json (and the rendered reports) here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Report what the run reached of each instrumented plugin's code
    /// (Go built with `go build -cover`): per package and function.
    #[arg(long)]
    pub coverage: bool,
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

/// Exit status of a run in which no case was judged (README "Exit status").
pub const NOT_TESTED: u8 = 3;

pub fn run(args: &TestArgs) -> anyhow::Result<u8> {
    let each = args.runtime.each_runtime();
    if each.len() == 1 {
        return Ok(match run_one(args, &each[0], args.report_dir.as_deref())? {
            Some((_, status)) => status,
            None => 0,
        });
    }
    // `--runtime all`: the suite once per runtime, each run's reports in
    // DIR/<runtime>/, and the runs side by side in DIR.
    let mut all = Vec::new();
    // A failed run decides the status, then one in which nothing was judged.
    let mut worst = 0u8;
    for runtime in &each {
        let dir = args.report_dir.as_ref().map(|d| {
            let kind = runtime.overrides().ok().and_then(|o| o.runtime);
            d.join(kind.unwrap_or_default().as_str())
        });
        match run_one(args, runtime, dir.as_deref())? {
            Some((results, status)) => {
                worst = match (worst, status) {
                    (1, _) | (_, 1) => 1,
                    (a, b) => a.max(b),
                };
                all.push(results);
            }
            None => return Ok(0),
        }
        if cni_harness::interrupt::signal().is_some() {
            break;
        }
    }
    println!("\ncni-harness: by runtime:");
    for r in &all {
        let t = r.tally();
        let n = |v: Verdict| {
            t.iter()
                .find(|(k, _)| *k == v)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        println!(
            "    {:<11} {} ({} failed, {} warned, {} skipped)",
            r.target.runtime.persona.as_str(),
            if r.failed() { "FAILED" } else { "passed" },
            n(Verdict::Fail),
            n(Verdict::Warn),
            n(Verdict::Skip)
        );
    }
    if let Some(dir) = &args.report_dir {
        cni_harness::report::write_all(&all, dir)?;
        eprintln!("cni-harness: runs side by side in {}", dir.display());
    }
    Ok(worst)
}

/// One suite run under `runtime`; `None` when only listing the cases.
fn run_one(
    args: &TestArgs,
    runtime: &RuntimeArgs,
    report_dir: Option<&std::path::Path>,
) -> anyhow::Result<Option<(RunResults, u8)>> {
    let mut profile = args.target.profile()?;
    runtime.apply(&mut profile)?;
    let opts = SuiteOptions {
        cni_path: args.target.cni_path_for(&profile),
        profile,
        only_versions: args.target.spec_version.map(|v| vec![v]),
        strict: args.strict,
        limits: Limits {
            timeout: args.target.timeout(),
            ..Limits::default()
        },
    };
    if args.coverage {
        cni_harness::coverage::suite::enable();
    }
    let plan = suite::plan(&opts)?;
    let versions: Vec<String> = plan.versions.iter().map(|v| v.to_string()).collect();
    eprintln!(
        "cni-harness: testing {} ({}) at spec {}",
        opts.profile.name,
        opts.profile.config.plugin_types().join(" -> "),
        if versions.is_empty() {
            "(none)".to_string()
        } else {
            versions.join(", ")
        }
    );
    eprintln!("cni-harness: {}", runtime_args::describe(&opts.profile));
    // Which binary refused which version, and each failed baseline (a
    // version-wide root cause): the first lines after the plan.
    for line in plan.headlines() {
        eprintln!("cni-harness: {line}");
    }
    for note in &plan.run.notes {
        eprintln!("cni-harness: note: {note}");
    }
    if plan.versions.is_empty() {
        anyhow::bail!(
            "no spec version to test: the plugins claim {:?}{}",
            plan.claimed,
            if opts.only_versions.is_some() {
                " and --spec-version excludes them"
            } else {
                ""
            }
        );
    }
    let started_at = now_rfc3339();
    let clock = Instant::now();
    let collector: suite::Collector = Arc::new(Mutex::new(suite::Collected::default()));
    let selected = |name: &str| selects(&args.libtest, name);
    if args.libtest.list {
        for (case, version) in suite::schedule(&plan, |_| true) {
            let name = suite::trial_name(&case, version);
            if selected(&name) {
                println!("{name}: test");
            }
        }
        return Ok(None);
    }
    let width = suite::schedule(&plan, |_| true)
        .iter()
        .map(|(c, v)| suite::trial_name(c, *v).chars().count())
        .max()
        .unwrap_or(0);
    let threads = args.libtest.test_threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let stdout = Mutex::new(());
    suite::run_streaming(&opts, &plan, selected, threads, &collector, |r| {
        let _guard = stdout.lock();
        println!("{}", suite::lines::line(r, width));
    });
    let mut results = suite::results(
        &opts,
        &plan,
        &collector,
        started_at,
        clock.elapsed().as_millis() as u64,
    );
    results.code_coverage = cni_harness::coverage::suite::report();
    if args.coverage && results.code_coverage.is_none() {
        eprintln!(
            "cni-harness: --coverage: no plugin wrote coverage counters (build Go plugins \
             with `go build -cover`, Rust ones with `-C instrument-coverage`)"
        );
    }
    print_failures(&results);
    print_summary(&results);
    if let Some(dir) = report_dir {
        write_reports(&results, dir)?;
        eprintln!("cni-harness: reports written to {}", dir.display());
    }
    let status = if results.failed() {
        1
    } else if results.not_tested() {
        NOT_TESTED
    } else {
        0
    };
    Ok(Some((results, status)))
}

/// Whether libtest's filter and `--skip` arguments select trial `name`.
fn selects(args: &libtest_mimic::Arguments, name: &str) -> bool {
    let matches = |pattern: &str| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    };
    args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
}

/// What each failing case says (requirement, expected, actual, the
/// invocations), after the per-case lines: once per cause, the other cases
/// the same cause explains named below it (as the reports group them).
fn print_failures(results: &RunResults) {
    let failing: Vec<&CaseResult> = results
        .cases
        .iter()
        .filter(|c| c.verdict.fails_run(results.strict) && c.verdict != Verdict::Blocked)
        .collect();
    if failing.is_empty() {
        return;
    }
    let groups = cni_harness::report::by_cause(&failing);
    if groups.len() < failing.len() {
        println!(
            "\nfailures ({} cases, {} causes):",
            failing.len(),
            groups.len()
        );
    } else {
        println!("\nfailures:");
    }
    for group in groups {
        let Some((first, rest)) = group.split_first() else {
            continue;
        };
        println!("\n---- {} ----", suite::lines::head(first));
        print!("{}", suite::failure_text(first));
        if !rest.is_empty() {
            println!("  same cause in {} more: {}", rest.len(), list_names(rest));
        }
    }
}

fn print_summary(results: &RunResults) {
    let lines = match &results.plan {
        Some(plan) => plan.headlines(),
        None => results
            .baseline
            .iter()
            .filter_map(|b| b.headline())
            .collect(),
    };
    if !lines.is_empty() {
        println!();
    }
    for line in lines {
        println!("cni-harness: {line}");
    }
    let warnings: Vec<_> = results
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Warn)
        .collect();
    if !warnings.is_empty() {
        println!(
            "\nwarnings{}:",
            if results.strict {
                " (failing: --strict)"
            } else {
                ""
            }
        );
        for group in cni_harness::report::by_cause(&warnings) {
            let Some((c, rest)) = group.split_first() else {
                continue;
            };
            let more = match rest.len() {
                0 => String::new(),
                n => format!(" (same cause in {n} more: {})", list_names(rest)),
            };
            println!(
                "    {}: {}{more}",
                suite::lines::name(c, suite::lines::COLUMNS / 2),
                c.reason
            );
        }
    }
    let others: Vec<_> = results
        .cases
        .iter()
        .flat_map(|c| c.about_others.iter().map(move |o| (c, o)))
        .collect();
    if !others.is_empty() {
        println!("\nabout other plugins of the chain (not counted in this plugin's verdicts):");
        for (c, o) in others {
            println!(
                "    {}: {}",
                suite::lines::name(c, suite::lines::COLUMNS / 2),
                o.line()
            );
        }
    }
    let t = results.tally();
    let n = |v: Verdict| {
        t.iter()
            .find(|(k, _)| *k == v)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    if let Some(c) = &results.coverage {
        println!("\ncni-harness: {}", c.line());
    }
    for line in results.code_coverage.iter().flat_map(|c| c.lines()) {
        println!("cni-harness: {line}");
    }
    println!(
        "\ncni-harness: {} passed, {} failed, {} warned, {} skipped, {} errors, {} blocked in {:.1}s",
        n(Verdict::Pass),
        n(Verdict::Fail),
        n(Verdict::Warn),
        n(Verdict::Skip),
        n(Verdict::Error),
        n(Verdict::Blocked),
        results.duration_ms as f64 / 1000.0
    );
    if results.not_tested() {
        println!(
            "cni-harness: NOT TESTED: no case was judged (every case skipped: {}); exit status {NOT_TESTED}",
            skip_reasons(results)
        );
    }
    if let Some(i) = &results.interrupted {
        println!(
            "cni-harness: interrupted by {} after {:.1}s: {} cases not run",
            i.signal,
            i.after_ms as f64 / 1000.0,
            results.not_run.len()
        );
    }
}

/// Case names for a "same cause" note, the first few in full.
fn list_names(cases: &[&CaseResult]) -> String {
    const SHOWN: usize = 4;
    let mut names: Vec<String> = cases
        .iter()
        .take(SHOWN)
        .map(|c| suite::lines::head(c))
        .collect();
    if cases.len() > SHOWN {
        names.push(format!("+{}", cases.len() - SHOWN));
    }
    names.join(", ")
}

/// The distinct reasons cases were skipped for, most frequent first.
fn skip_reasons(results: &RunResults) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in results.cases.iter().filter(|c| c.verdict == Verdict::Skip) {
        match counts.iter_mut().find(|(r, _)| *r == c.reason) {
            Some((_, n)) => *n += 1,
            None => counts.push((&c.reason, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    if counts.is_empty() {
        return "no case selected".into();
    }
    counts
        .iter()
        .take(3)
        .map(|(r, n)| format!("{n}× {r}"))
        .collect::<Vec<_>>()
        .join("; ")
}
