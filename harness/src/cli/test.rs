//! `cni-harness test`: the conformance suite against one plugin profile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::TargetArgs;
use crate::config::Profile;
use crate::invoke::Limits;
use crate::results::{RunResults, Verdict};
use crate::suite::{self, SuiteOptions};

/// The embedded default target: the reference bridge plugin and its IPAM.
pub const DEFAULT_PROFILE: &str =
    include_str!("../../../plugins-under-test/profiles/reference/bridge.json");

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

pub fn run(args: &TestArgs) -> anyhow::Result<u8> {
    let profile = match &args.target.config {
        Some(path) => Profile::load(path)?,
        None => Profile::parse(DEFAULT_PROFILE.as_bytes(), "embedded reference profile")?,
    };
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
    } else {
        0
    })
}

fn print_summary(results: &RunResults) {
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
    println!(
        "\ncni-harness: {} passed, {} failed, {} warned, {} skipped, {} errors in {:.1}s",
        n(Verdict::Pass),
        n(Verdict::Fail),
        n(Verdict::Warn),
        n(Verdict::Skip),
        n(Verdict::Error),
        results.duration_ms as f64 / 1000.0
    );
    if let Some(i) = &results.interrupted {
        println!(
            "cni-harness: interrupted by {} after {:.1}s: {} cases not run",
            i.signal,
            i.after_ms as f64 / 1000.0,
            results.not_run.len()
        );
    }
}

/// Write results.json and the rendered reports (JUnit, Markdown, HTML) into `dir`.
pub fn write_reports(results: &RunResults, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(results)?;
    std::fs::write(dir.join("results.json"), json)?;
    crate::report::write_all(std::slice::from_ref(results), dir)?;
    Ok(())
}

/// UTC now, RFC 3339, without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
