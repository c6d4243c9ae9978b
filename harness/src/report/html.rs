//! One self-contained HTML page (inline CSS, a few lines of inline JS, no
//! external resources) comparing runs side by side, after Autobahn|Testsuite:
//! a line per run, then rows of requirements against columns of plugin ×
//! version, each cell the worst verdict the cases checking that
//! requirement there got for it (at its level: a MAY is at most info),
//! then each run's cases in full.
//!
//! Everything is readable without JavaScript (popups and requirement text
//! are `<details>` and tooltips); the script only adds the filters and
//! opens the `<details>` an anchor points into.

use std::fmt::Write;

use super::escape::html as esc;
use super::html_case;
use super::html_matrix::matrix_table;
use super::html_summary::summary;
use super::html_verdict::legend;
use super::matrix::{self, column_label, RunView};
use crate::record::RunResults;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

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
        // Runs without cases (fuzz sessions) would only add empty columns.
        let with_cases: Vec<&RunView<'_>> = views.iter().filter(|v| !v.cases.is_empty()).collect();
        filters(&mut out, &views, &with_cases);
        summary(&mut out, &views);
        if !with_cases.is_empty() {
            out.push_str("<section id=\"comparison\">\n<h2>Requirements × versions</h2>\n");
            matrix_table(&mut out, &with_cases);
            out.push_str("</section>\n");
        }
        for view in &views {
            html_case::run_section(&mut out, view);
        }
    }
    let _ = write!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>\n");
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
    // The root cause first: cases it blocked say so below.
    for view in views {
        for line in matrix::plan_headlines(view.run) {
            let _ = writeln!(
                out,
                "<p class=\"baseline-failure\">{}: {}</p>",
                esc(&view.label),
                esc(&line)
            );
        }
    }
    for (label, line) in matrix::coverage_lines(views) {
        let who = label.map(|l| format!("{}: ", esc(&l))).unwrap_or_default();
        let _ = writeln!(out, "<p class=\"coverage\">{who}{}</p>", esc(&line));
    }
    legend(out);
    out.push_str("</header>\n");
}

/// The filter bar. Hidden until the script runs, as without it the
/// controls would do nothing; the page then simply shows everything.
fn filters(out: &mut String, views: &[RunView<'_>], with_cases: &[&RunView<'_>]) {
    out.push_str(
        "<form id=\"filters\" class=\"filters\" hidden>\
         <label>Rows <select name=\"rows\">\
         <option value=\"all\">every requirement</option>\
         <option value=\"fail\">with a fail, error or block</option>\
         <option value=\"warn\">with a fail, error, block or warning</option>\
         </select></label>\
         <label>Plugin <select name=\"run\"><option value=\"\">all</option>",
    );
    for view in views {
        let _ = write!(
            out,
            "<option value=\"{}\">{}</option>",
            view.index,
            esc(&view.label)
        );
    }
    out.push_str(
        "</select></label><label>Version <select name=\"ver\"><option value=\"\">all</option>",
    );
    for c in matrix::all_columns(with_cases.iter().copied()) {
        let label = column_label(c);
        let text = if c.is_none() {
            "any (version-independent cases)"
        } else {
            label
        };
        let _ = write!(out, "<option value=\"{label}\">{text}</option>");
    }
    out.push_str("</select></label><output name=\"shown\"></output></form>\n");
}
