//! One self-contained HTML page (inline CSS, a few lines of inline JS, no
//! external resources) comparing runs side by side, after Autobahn|Testsuite:
//! rows are requirements, columns plugin × version, cells coloured by the
//! worst verdict of the cases checking that requirement there.

use std::fmt::Write;

use super::escape::html as esc;
use super::html_case;
use super::matrix::{self, column_label, RunView};
use crate::record::{RunResults, Verdict};

const STYLE: &str = include_str!("style.css");

/// Opens the `<details>` an anchor points into, so matrix links land on an
/// expanded case. The page works without it (everything is `<details>`).
const SCRIPT: &str = "function openHash(){var e=document.getElementById(\
decodeURIComponent(location.hash.slice(1)));for(;e;e=e.parentElement){\
if(e.tagName==='DETAILS'){e.open=true;}}}\
window.addEventListener('hashchange',openHash);openHash();";

pub fn html(runs: &[RunResults]) -> String {
    let views = matrix::views(runs);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>cni-harness compliance report</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
    );
    header(&mut out, &views);
    if !views.is_empty() {
        summary(&mut out, &views);
        out.push_str("<section id=\"comparison\">\n<h2>Requirements × versions</h2>\n");
        // Runs without cases (fuzz sessions) would only add empty columns.
        let with_cases: Vec<&RunView<'_>> = views.iter().filter(|v| !v.cases.is_empty()).collect();
        matrix_table(&mut out, "matrix", &with_cases);
        out.push_str("</section>\n");
        for view in &views {
            html_case::run_section(&mut out, view, views.len() > 1);
        }
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

pub(super) fn badge(v: Verdict) -> String {
    format!("<span class=\"badge v-{}\">{}</span>", v.as_str(), short(v))
}

fn short(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Warn => "WARN",
        Verdict::Skip => "SKIP",
        Verdict::Error => "ERROR",
        Verdict::Blocked => "BLOCKED",
    }
}

fn header(out: &mut String, views: &[RunView<'_>]) {
    out.push_str("<header>\n<h1>cni-harness compliance report</h1>\n");
    let mut harness: Vec<&str> = views
        .iter()
        .map(|v| v.run.harness_version.as_str())
        .collect();
    harness.sort();
    harness.dedup();
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} run(s) · cni-harness {}</p>",
        views.len(),
        esc(&harness.join(", "))
    );
    out.push_str("<p class=\"legend\">");
    for (v, meaning) in [
        (Verdict::Pass, "every requirement holds"),
        (Verdict::Fail, "a MUST is broken"),
        (
            Verdict::Warn,
            "a SHOULD is broken, or the spec is ambiguous",
        ),
        (Verdict::Skip, "not applicable"),
        (Verdict::Error, "the harness could not run the case"),
        (
            Verdict::Blocked,
            "not judged: the baseline or the case's control failed first",
        ),
    ] {
        let _ = write!(
            out,
            "<span class=\"item\">{} {}</span>",
            badge(v),
            esc(meaning)
        );
    }
    out.push_str("<span class=\"item\">· empty cell: not checked</span></p>\n");
    for view in views {
        if let Some(line) = matrix::baseline_headline(view.run) {
            let _ = writeln!(
                out,
                "<p class=\"baseline-failure\">{}: {}</p>",
                esc(&view.label),
                esc(&line)
            );
        }
    }
    for view in views {
        if let Some(c) = &view.run.coverage {
            let _ = writeln!(
                out,
                "<p class=\"coverage\">{}: {}</p>",
                esc(&view.label),
                esc(&c.line())
            );
        }
    }
    out.push_str("</header>\n");
}

fn summary(out: &mut String, views: &[RunView<'_>]) {
    out.push_str(
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr>\
         <th>Plugin</th><th>Network</th><th>Plugin chain</th><th>Versions</th>\
         <th>Pass</th><th>Fail</th><th>Warn</th><th>Skip</th><th>Error</th><th>Blocked</th><th>Findings</th>\
         <th>Result</th></tr></thead>\n<tbody>\n",
    );
    for view in views {
        let run = view.run;
        let versions: Vec<&str> = run.versions.iter().map(|v| v.as_str()).collect();
        let _ = write!(
            out,
            "<tr><td><a href=\"#run-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>",
            view.index,
            esc(&view.label),
            esc(&run.target.network),
            esc(&run.target.plugins.join(" → ")),
            esc(&versions.join(", "))
        );
        for (_, n) in run.tally() {
            let _ = write!(out, "<td class=\"num\">{n}</td>");
        }
        let outcome = matrix::outcome(run);
        let _ = writeln!(
            out,
            "<td class=\"num\">{}</td><td class=\"outcome-{outcome}\">{outcome}{}</td></tr>",
            run.findings.len(),
            if run.strict { " (strict)" } else { "" }
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The requirement × (run × version) table; `id` distinguishes the
/// comparison table from each run's own.
pub(super) fn matrix_table(out: &mut String, id: &str, views: &[&RunView<'_>]) {
    let _ = write!(
        out,
        "<table id=\"{}\" class=\"matrix\">\n<thead>\n<tr><th rowspan=\"2\">Requirement</th>\
         <th rowspan=\"2\">Level</th>",
        esc(id)
    );
    for view in views {
        let _ = write!(
            out,
            "<th class=\"plugin\" colspan=\"{}\">{}</th>",
            view.columns.len().max(1),
            esc(&view.label)
        );
    }
    out.push_str("</tr>\n<tr>");
    for view in views {
        if view.columns.is_empty() {
            out.push_str("<th class=\"ver\">—</th>");
        }
        for &c in &view.columns {
            let _ = write!(out, "<th class=\"ver\">{}</th>", column_label(c));
        }
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    let total_columns: usize = views.iter().map(|v| v.columns.len().max(1)).sum();
    for req in matrix::requirements(views.iter().copied()) {
        let _ = write!(
            out,
            "<tr><th class=\"req\"><code>{}</code><span class=\"sect\">{}</span>\
             <div class=\"text\">{}</div></th><td class=\"level level-{}\">{}</td>",
            esc(&req.id),
            esc(&req.section),
            esc(&req.text),
            esc(req.level_text()),
            esc(req.level_text())
        );
        let mut position = 0;
        for view in views {
            if view.columns.is_empty() {
                out.push_str("<td class=\"cell none first\"></td>");
                position += 1;
            }
            for (i, &c) in view.columns.iter().enumerate() {
                // Popups of cells in the right half open leftwards, to stay on the page.
                let mut extra = String::new();
                if i == 0 {
                    extra.push_str(" first");
                }
                if 2 * position >= total_columns {
                    extra.push_str(" right");
                }
                cell(out, view, &req.id, &view.cell(&req.id, c), &extra);
                position += 1;
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn cell(
    out: &mut String,
    view: &RunView<'_>,
    id: &str,
    cases: &[(usize, &crate::record::CaseResult)],
    extra: &str,
) {
    let Some(worst) = matrix::worst(cases.iter().map(|(_, c)| *c), id) else {
        let _ = write!(out, "<td class=\"cell none{extra}\">·</td>");
        return;
    };
    let count = if cases.len() > 1 {
        format!(" ×{}", cases.len())
    } else {
        String::new()
    };
    let label = format!("{}{count}", short(worst));
    if worst == Verdict::Pass {
        let names: Vec<String> = cases.iter().map(|(_, c)| matrix::case_label(c)).collect();
        let _ = write!(
            out,
            "<td class=\"cell v-pass{extra}\" title=\"{}\">{label}</td>",
            esc(&names.join("\n"))
        );
        return;
    }
    let _ = write!(
        out,
        "<td class=\"cell v-{}{extra}\"><details><summary>{label}</summary><div class=\"pop\"><ul>",
        worst.as_str()
    );
    for (i, case) in cases {
        let _ = write!(
            out,
            "<li>{} <a href=\"#{}\">{}</a> — {}</li>",
            badge(case.verdict),
            html_case::anchor(view, *i),
            esc(&matrix::case_label(case)),
            esc(&case.reason)
        );
    }
    out.push_str("</ul></div></details></td>");
}
