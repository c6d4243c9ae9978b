//! `cni-harness test`: the conformance suite against one plugin profile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cni_harness::invoke::Limits;
use cni_harness::record::{RunResults, Verdict};
use cni_harness::suite::{self, SuiteOptions};
use cni_harness::timestamp::now_rfc3339;

use super::shared::{write_reports, TargetArgs};

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Warnings (SHOULD, ambiguities) fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// Write results.json (and the rendered reports) here.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

/// Exit status of a run in which no case was judged (README "Exit status").
pub const NOT_TESTED: u8 = 3;

pub fn run(args: &TestArgs) -> anyhow::Result<u8> {
    let profile = args.target.profile()?;
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
    // The baseline's failure is the root cause: the first line after the plan.
    if let Some(line) = plan.baseline.as_ref().and_then(|b| b.headline()) {
        eprintln!("cni-harness: {line}");
    }
    for note in &plan.notes {
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
        return Ok(0);
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
    let results = suite::results(
        &opts,
        &plan,
        &collector,
        started_at,
        clock.elapsed().as_millis() as u64,
    );
    print_failures(&results);
    print_summary(&results);
    if let Some(dir) = &args.report_dir {
        write_reports(&results, dir)?;
        eprintln!("cni-harness: reports written to {}", dir.display());
    }
    Ok(if results.failed() {
        1
    } else if results.not_tested() {
        NOT_TESTED
    } else {
        0
    })
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
/// invocations), after the per-case lines.
fn print_failures(results: &RunResults) {
    let failing: Vec<_> = results
        .cases
        .iter()
        .filter(|c| c.verdict.fails_run(results.strict) && c.verdict != Verdict::Blocked)
        .collect();
    if failing.is_empty() {
        return;
    }
    println!("\nfailures:");
    for c in failing {
        let version = c.spec_version.map(|v| v.to_string()).unwrap_or_default();
        println!("\n---- {version}::{} ----", c.case);
        print!("{}", suite::failure_text(c));
    }
}

fn print_summary(results: &RunResults) {
    if let Some(line) = results.baseline.as_ref().and_then(|b| b.headline()) {
        println!("\ncni-harness: {line}");
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
        for c in warnings {
            println!(
                "    {}: {}",
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
