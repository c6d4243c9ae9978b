//! The pieces of the HTML page that both the comparison and each run's
//! section use: verdict badges, case anchors and the requirement × version
//! matrix whose cells link to the cases.

use std::fmt::Write;

use super::escape::html as esc;
use super::matrix::{self, column_label, RunView};
use crate::record::{CaseResult, Verdict};

/// Anchor of case `i` (its index in `run.cases`) of a run: stable across
/// renders of the same input.
pub(super) fn anchor(view: &RunView<'_>, i: usize) -> String {
    format!("c-{}-{i}", view.index)
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
    }
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
                cell(out, view, &view.cell(&req.id, c), &extra);
                position += 1;
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn cell(out: &mut String, view: &RunView<'_>, cases: &[(usize, &CaseResult)], extra: &str) {
    let Some(worst) = matrix::worst(cases.iter().map(|(_, c)| *c)) else {
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
            anchor(view, *i),
            esc(&matrix::case_label(case)),
            esc(&case.reason)
        );
    }
    out.push_str("</ul></div></details></td>");
}
