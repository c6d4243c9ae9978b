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
    let opts = Arc::new(opts);
    let collector: suite::Collector = Arc::new(Mutex::new(suite::Collected::default()));
    let trials = suite::trials(&opts, &plan, &collector);
    let conclusion = libtest_mimic::run(&args.libtest, trials);
    if args.libtest.list {
        return Ok(0);
    }
    let results = suite::results(
        &opts,
        &plan,
        &collector,
        started_at,
        clock.elapsed().as_millis() as u64,
    );
    print_summary(&results);
    if let Some(dir) = &args.report_dir {
        write_reports(&results, dir)?;
        eprintln!("cni-harness: reports written to {}", dir.display());
    }
    Ok(if conclusion.has_failed() || results.failed() {
        1
    } else if results.not_tested() {
        NOT_TESTED
    } else {
        0
    })
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
            let ids: Vec<&str> = c.requirements.iter().map(|r| r.id.as_str()).collect();
            let version = c.spec_version.map(|v| v.to_string()).unwrap_or_default();
            println!(
                "    {version}::{} [{}]: {}",
                c.case,
                ids.join(","),
                c.reason
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
    counts.sort_by(|a, b| b.1.cmp(&a.1));
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
