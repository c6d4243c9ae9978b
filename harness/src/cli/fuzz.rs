//! `cni-harness fuzz`: a fuzzing session, a reproduction, or a corpus merge.

use anyhow::Context;

use cni_harness::config::{Profile, REFERENCE_PROFILE};
use cni_harness::fuzz;
use cni_harness::replay::trace;
use cni_harness::timestamp::now_rfc3339;

use super::fuzz_args::FuzzArgs;
use super::runtime_args::RuntimeArgs;
use super::shared::{write_reports, TargetArgs};

#[derive(clap::Args, Debug)]
pub struct FuzzCmd {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    #[command(flatten)]
    pub fuzz: FuzzArgs,
}

pub fn run(args: &FuzzCmd) -> anyhow::Result<u8> {
    if let Some(file) = &args.fuzz.reproduce {
        // Exit 1 while the defect reproduces, 0 once it does not (2 for a
        // harness error): what `git bisect run` and regression tests need.
        // --cni-path replaces the directories the finding recorded.
        let cni_path = args
            .target
            .cni_path
            .as_ref()
            .map(|_| args.target.cni_path());
        let r = fuzz::reproduce_traced(file, cni_path)?;
        print!("{}", reproduction_trace(&r));
        println!(
            "{}: {} ({} {}, {} run{})",
            file.display(),
            if r.fired {
                "reproduced"
            } else {
                "does not reproduce"
            },
            r.finding.oracle,
            r.finding.summary,
            r.tries,
            if r.tries == 1 { "" } else { "s" }
        );
        return Ok(u8::from(r.fired));
    }
    if !args.fuzz.merge.is_empty() {
        let into = args
            .fuzz
            .corpus
            .as_ref()
            .context("--merge needs --corpus DIR to merge into")?;
        let n = fuzz::merge_corpora(&args.fuzz.merge, into)?;
        println!("{n} distinct inputs in {}", into.display());
        return Ok(0);
    }
    // Without --config the embedded reference profile is fuzzed; the session
    // reads its target from a file, so it is written into the output directory.
    let config = match &args.target.config {
        Some(path) => path.clone(),
        None => {
            std::fs::create_dir_all(&args.fuzz.out)?;
            let path = args.fuzz.out.join("target-profile.json");
            std::fs::write(&path, REFERENCE_PROFILE)?;
            path
        }
    };
    let mut profile = Profile::load(&config)?;
    let overrides = args.runtime.apply(&mut profile)?;
    let mut opts = args.fuzz.options(
        config,
        args.target.cni_path_for(&profile),
        args.target.timeout.map(std::time::Duration::from_secs),
    );
    opts.runtime = overrides;
    let started_at = now_rfc3339();
    let report = fuzz::run_session(&opts)?;
    let results = report.to_results(started_at);
    write_reports(&results, &args.fuzz.out)?;
    println!(
        "cni-harness fuzz: {} inputs in {:.1}s ({:.1}/s), corpus {} (+{}), {} findings, \
         timeout {:.1}s{}; results in {}",
        report.execs,
        report.elapsed.as_secs_f64(),
        report.execs_per_sec(),
        report.corpus_size,
        report.new_corpus_entries,
        report.findings.len(),
        report.timeout.as_secs_f64(),
        if report.timeout_calibrated {
            " (calibrated)"
        } else {
            ""
        },
        args.fuzz.out.display()
    );
    if report.targets.len() > 1 {
        for t in &report.targets {
            println!(
                "  target {}: {} inputs, {} findings",
                t.label, t.execs, t.findings
            );
        }
    }
    if let Some((hit, total)) = report.code_coverage {
        println!("  code coverage: {hit} of {total} counters hit");
    }
    for f in &report.findings {
        println!("  {} ({})", f.file.display(), f.finding.plugin);
    }
    for line in &report.unfinished {
        println!("  unfinished: {line}");
    }
    if let Some(signal) = report.interrupted {
        println!(
            "cni-harness fuzz: interrupted by {}; findings and corpus as of then are written",
            cni_harness::interrupt::signal_name(signal)
        );
    }
    Ok(report.exit_code())
}

/// What the last run of a finding did, as `exec` prints it: every
/// invocation (the input's own, then what the runtime ran around them),
/// what fired, and the kernel diff left by the input.
fn reproduction_trace(r: &fuzz::Reproduction) -> String {
    let ex = &r.execution;
    let version = r.finding.input.spec_version();
    let kind = r.finding.target.rebuild().ok().map(|t| t.rules.kind);
    let kind = kind.unwrap_or(cni_harness::schema::DocumentKind::Result);
    let mut out = format!(
        "# finding {} ({})\n\n",
        r.finding.signature, r.finding.oracle
    );
    for (label, steps) in [("input", &ex.steps), ("around the input", &ex.extra_steps)] {
        for s in steps {
            out.push_str(&format!("# {label}: {}\n", s.invocation.verb));
            out.push_str(&trace::step(s, kind, version));
        }
    }
    for d in &ex.detections {
        out.push_str(&format!("# fired: {}\n", d.summary));
    }
    out.push_str(&trace::kernel_diff("the input", &ex.kernel_diff));
    out
}
