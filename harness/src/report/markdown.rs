//! A Markdown summary: tallies per plugin, a requirement × version matrix per
//! plugin, and what needs attention with its reason and requirement text.
//! Written for people and for CI job summaries (GitHub renders the
//! `<details>` blocks).

use std::fmt::Write;

use super::escape::{md, md_code};
use super::matrix::{self, Mark, RunView};
use super::{detail_text, matrix::column_label};
use crate::record::{CaseResult, RunResults, Verdict};

pub fn markdown(runs: &[RunResults]) -> String {
    let views = matrix::views(runs);
    let mut out = String::from("# cni-harness compliance report\n\n");
    if views.is_empty() {
        out.push_str("No results.\n");
        return out;
    }
    // The root cause first: cases it blocked say so below.
    for view in &views {
        for line in matrix::plan_headlines(view.run) {
            let _ = writeln!(out, "**{}**: {}\n", md(&view.label), md(&line));
        }
    }
    for (label, line) in matrix::coverage_lines(&views) {
        let who = label.map(|l| format!("{}: ", md(&l))).unwrap_or_default();
        let _ = writeln!(out, "{who}{}\n", md(&line));
    }
    summary(&mut out, &views);
    out.push_str(
        "\nLegend: ✅ pass · ❌ fail (a MUST is broken) · ⚠️ warn (a SHOULD, or ambiguous) · \
         ⏭️ skip (not applicable) · 💥 error (harness could not run the case) · \
         🚧 blocked (the baseline or the case's control failed first) · \
         ℹ️ info (a MAY not done: allowed) · blank: not checked. \
         A cell shows the worst verdict that requirement's own checks got, \
         at its level (a MAY is at most info).\n",
    );
    for view in &views {
        plugin_section(&mut out, view);
    }
    super::code_coverage::markdown(&mut out, runs);
    out
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Warn => "⚠️",
        Verdict::Skip => "⏭️",
        Verdict::Error => "💥",
        Verdict::Blocked => "🚧",
    }
}

/// A matrix cell: as [`mark`], plus the information a broken MAY gets.
fn cell_mark(m: Mark) -> &'static str {
    match m {
        Mark::Pass => mark(Verdict::Pass),
        Mark::Fail => mark(Verdict::Fail),
        Mark::Warn => mark(Verdict::Warn),
        Mark::Skip => mark(Verdict::Skip),
        Mark::Error => mark(Verdict::Error),
        Mark::Blocked => mark(Verdict::Blocked),
        Mark::Info => "ℹ️",
    }
}

fn summary(out: &mut String, views: &[RunView<'_>]) {
    out.push_str("## Summary\n\n");
    out.push_str("| Plugin | Kind | Network | Versions | Pass | Fail | Warn | Skip | Error | Blocked | Findings | Result |\n");
    out.push_str("|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for view in views {
        let run = view.run;
        let versions: Vec<&str> = run.versions.iter().map(|v| v.as_str()).collect();
        let _ = write!(
            out,
            "| {} | {} | {} | {} ",
            md(&view.label),
            if view.is_fuzz() { "fuzz" } else { "test" },
            md(&run.target.network),
            versions.join(", "),
        );
        for (_, n) in run.tally() {
            let _ = write!(out, "| {n} ");
        }
        let _ = writeln!(
            out,
            "| {} | **{}**{} |",
            run.findings.len(),
            matrix::outcome(run),
            if run.strict { " (strict)" } else { "" }
        );
    }
}

fn plugin_section(out: &mut String, view: &RunView<'_>) {
    let run = view.run;
    let t = &run.target;
    blank_line(out);
    let _ = writeln!(out, "## {}\n", md(&view.label));
    let _ = writeln!(
        out,
        "Network {} · plugin chain {} · runtime {} · claimed versions {} · started {} · {} ms · cni-harness {}\n",
        md_code(&t.network),
        md_code(&t.plugins.join(" → ")),
        md(&t.runtime.line()),
        if t.claimed_versions.is_empty() {
            "none".to_string()
        } else {
            md(&t.claimed_versions.join(", "))
        },
        md(&run.started_at),
        run.duration_ms,
        md(&run.harness_version),
    );
    if let Some(i) = &run.interrupted {
        let _ = writeln!(
            out,
            "**Interrupted** by {} after {} ms: {} cases not run{}\n",
            md(&i.signal),
            i.after_ms,
            run.not_run.len(),
            if run.not_run.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = run.not_run.iter().map(not_run_label).collect();
                format!(" ({})", md(&names.join(", ")))
            }
        );
    }
    if !view.cases.is_empty() {
        matrix_table(out, view);
        attention(out, view);
    }
    findings(out, run);
}

pub(super) fn not_run_label(nr: &crate::record::NotRun) -> String {
    match nr.spec_version {
        Some(v) => format!("{} [{v}]", nr.case),
        None => nr.case.clone(),
    }
}

fn matrix_table(out: &mut String, view: &RunView<'_>) {
    out.push_str("| Requirement | Level |");
    for &c in &view.columns {
        let _ = write!(out, " {} |", column_label(c));
    }
    out.push_str("\n|---|---|");
    out.push_str(&":-:|".repeat(view.columns.len()));
    out.push('\n');
    for req in matrix::requirements([view]) {
        let _ = write!(
            out,
            "| {} {} | {} |",
            md_code(&req.id),
            md(&req.text),
            md(req.level_text())
        );
        for &c in &view.columns {
            let shown = view.cell(&req, c).mark.map_or("", cell_mark);
            let _ = write!(out, " {shown} |");
        }
        out.push('\n');
    }
}

fn attention(out: &mut String, view: &RunView<'_>) {
    let groups = matrix::by_cause(&view.cases);
    if groups.is_empty() {
        out.push_str("\nNo failures, warnings or errors.\n");
    } else {
        out.push_str("\n### Failures, warnings and errors\n");
    }
    for group in groups {
        let case = group[0].1;
        // A blank line between items: the `<details>` blocks need it.
        blank_line(out);
        let label = |c: &CaseResult| md_code(&matrix::case_label(c));
        if group.len() == 1 {
            let _ = writeln!(
                out,
                "- {} **{}** {}: {}",
                mark(case.verdict),
                case.verdict.as_str().to_uppercase(),
                label(case),
                md(&case.reason)
            );
        } else {
            // One entry per cause, the cases it explains listed below it.
            let _ = writeln!(
                out,
                "- {} **{}** ({} cases, one cause): {}",
                mark(case.verdict),
                case.verdict.as_str().to_uppercase(),
                group.len(),
                md(&case.reason)
            );
            let names: Vec<String> = group.iter().map(|(_, c)| label(c)).collect();
            let _ = writeln!(out, "  - cases: {}", names.join(", "));
        }
        for r in &case.requirements {
            let _ = writeln!(
                out,
                "  - {} ({}, {}): {}",
                md_code(&r.id),
                md(r.level_text()),
                md(&r.section),
                md(&r.text)
            );
        }
        if case.detail.is_some() {
            let text = detail_text::case(case);
            let fence = code_fence(&text);
            let summary = if group.len() == 1 {
                "detail".to_string()
            } else {
                format!("detail of {}", matrix::case_label(case))
            };
            let _ = writeln!(
                out,
                "\n  <details><summary>{}</summary>\n\n  {fence}text",
                md(&summary)
            );
            for line in text.lines() {
                let _ = writeln!(out, "  {line}");
            }
            let _ = writeln!(out, "  {fence}\n\n  </details>");
        }
    }
    let others = matrix::about_others(&view.cases);
    if !others.is_empty() {
        blank_line(out);
        out.push_str(
            "### About other plugins of the chain (not counted in this plugin's verdicts)\n\n",
        );
        for (line, cases) in others {
            let names: Vec<String> = cases
                .iter()
                .map(|c| md_code(&matrix::case_label(c)))
                .collect();
            let _ = writeln!(out, "- {} (seen in {})", md(&line), names.join(", "));
        }
    }
}

/// A fence longer than any backtick run in `text`, so the block cannot end early.
fn code_fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn findings(out: &mut String, run: &RunResults) {
    if run.findings.is_empty() {
        return;
    }
    let mut list: Vec<_> = run.findings.iter().collect();
    list.sort_by(|a, b| (a.oracle.as_str(), &a.id).cmp(&(b.oracle.as_str(), &b.id)));
    blank_line(out);
    out.push_str("### Fuzz findings\n\n| Oracle | Id | Summary | Reproduce | Saved as |\n|---|---|---|---|---|\n");
    for f in list {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(f.oracle.as_str()),
            md_code(&f.id),
            md(&f.summary),
            md_code(&f.reproduce),
            md_code(&f.file)
        );
    }
}

/// Ends `out` with exactly one empty line, so blocks are separated once.
fn blank_line(out: &mut String) {
    while !out.ends_with("\n\n") {
        out.push('\n');
    }
}
