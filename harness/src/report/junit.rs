//! JUnit XML for CI systems: one `<testsuite>` per run, one `<testcase>` per
//! case (named `case [version]`, classname the plugin) and per fuzz finding.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::detail_text;
use super::matrix::{self, RunView};
use crate::record::{CaseResult, FindingRecord, Verdict};

/// Renders all runs as one JUnit report. A warning is a passing test with a
/// `WARN` line on system-out, or a failure when its run was `--strict`.
pub fn junit(runs: &[crate::record::RunResults]) -> String {
    let mut report = Report::new("cni-harness");
    for view in matrix::views(runs) {
        report.add_test_suite(suite(&view));
    }
    // Serialising owned strings into a Vec cannot fail; keep a readable
    // fallback rather than a panic just in case.
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cni-harness: JUnit serialisation failed: {e} -->\n"))
}

fn suite(view: &RunView<'_>) -> TestSuite {
    let run = view.run;
    let mut suite = TestSuite::new(view.label.as_str());
    suite.set_time(Duration::from_millis(run.duration_ms));
    let t = &run.target;
    let claimed = t.claimed_versions.join(" ");
    let versions: Vec<&str> = run.versions.iter().map(|v| v.as_str()).collect();
    for (name, value) in [
        ("network", t.network.as_str()),
        ("plugins", &t.plugins.join(" ")),
        ("claimed_versions", &claimed),
        ("versions", &versions.join(" ")),
        ("started_at", &run.started_at),
        ("harness_version", &run.harness_version),
        ("strict", if run.strict { "true" } else { "false" }),
    ] {
        suite.add_property((name, value));
    }
    if let Some(c) = &run.coverage {
        suite.add_property(("coverage", c.line().as_str()));
    }
    if let Some(i) = &run.interrupted {
        suite.add_property(("interrupted", i.signal.as_str()));
    }
    let classname = t.name.as_str();
    // The root cause first, so a CI page's first failure names it.
    let baselines: Vec<&crate::record::Baseline> = match &run.plan {
        Some(plan) => plan.baselines.iter().collect(),
        None => run.baseline.iter().collect(),
    };
    for b in baselines {
        if let Some(line) = b.headline() {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(line.as_str())
                .set_type("baseline")
                .set_description(line.clone());
            let mut tc = TestCase::new(format!("baseline [{}]", b.spec_version), s);
            tc.set_classname(classname);
            suite.add_test_case(tc);
        }
    }
    if let Some(plan) = &run.plan {
        // Versions a delegate or chain-mate refused: said, not failed.
        let narrowed: Vec<String> = plan
            .headlines()
            .into_iter()
            .filter(|l| l.starts_with("not tested"))
            .collect();
        if !narrowed.is_empty() {
            suite.add_property(("versions_not_tested", narrowed.join("; ").as_str()));
        }
    }
    for (_, case) in &view.cases {
        suite.add_test_case(test_case(case, classname, run.strict));
    }
    let mut findings: Vec<&FindingRecord> = run.findings.iter().collect();
    findings.sort_by(|a, b| (a.oracle.as_str(), &a.id).cmp(&(b.oracle.as_str(), &b.id)));
    for finding in findings {
        suite.add_test_case(finding_case(finding, classname));
    }
    // Cases an interruption kept from running are listed, not lost.
    for nr in &run.not_run {
        let mut status = TestCaseStatus::skipped();
        status.set_message("not run: the run was interrupted");
        let name = match nr.spec_version {
            Some(v) => format!("{} [{v}]", nr.case),
            None => nr.case.clone(),
        };
        let mut tc = TestCase::new(name, status);
        tc.set_classname(classname);
        suite.add_test_case(tc);
    }
    suite
}

fn test_case(case: &CaseResult, classname: &str, strict: bool) -> TestCase {
    let detail = detail_text::case(case);
    let mut warn_out = None;
    let status = match case.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(case.reason.as_str());
            s
        }
        Verdict::Warn if !strict => {
            warn_out = Some(format!("WARN: {}\n{detail}", case.reason));
            TestCaseStatus::success()
        }
        Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Blocked => {
            let kind = match case.verdict {
                Verdict::Error => NonSuccessKind::Error,
                _ => NonSuccessKind::Failure,
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(case.reason.as_str())
                .set_type(case.verdict.as_str())
                .set_description(detail);
            s
        }
    };
    let mut tc = TestCase::new(matrix::case_label(case), status);
    tc.set_classname(classname)
        .set_time(Duration::from_millis(case.duration_ms));
    if let Some(out) = warn_out {
        tc.set_system_out(out);
    }
    tc
}

fn finding_case(f: &FindingRecord, classname: &str) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(f.summary.as_str())
        .set_type(format!("fuzz/{}", f.oracle))
        .set_description(format!(
            "signature: {}\nreproduce: {}\nsaved as: {}\n",
            f.signature, f.reproduce, f.file
        ));
    let mut tc = TestCase::new(format!("fuzz/{} {}", f.oracle, f.id), status);
    tc.set_classname(classname);
    tc
}
