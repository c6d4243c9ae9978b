//! One self-contained HTML page (inline CSS, a few lines of inline JS, no
//! external resources) comparing runs side by side, after Autobahn|Testsuite:
//! rows are requirements, columns plugin × version, cells coloured by the
//! worst verdict of the cases checking that requirement there.

use std::fmt::Write;

use super::escape::html as esc;
use super::html_case;
use super::html_matrix::{badge, matrix_table};
use super::matrix::{self, RunView};
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
    ] {
        let _ = write!(
            out,
            "<span class=\"item\">{} {}</span>",
            badge(v),
            esc(meaning)
        );
    }
    out.push_str("<span class=\"item\">· empty cell: not checked</span></p>\n</header>\n");
}

fn summary(out: &mut String, views: &[RunView<'_>]) {
    out.push_str(
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr>\
         <th>Plugin</th><th>Network</th><th>Plugin chain</th><th>Versions</th>\
         <th>Pass</th><th>Fail</th><th>Warn</th><th>Skip</th><th>Error</th><th>Findings</th>\
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
