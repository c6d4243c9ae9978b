//! The requirement × (run × version) table. Built to stay one line per
//! requirement with dozens of runs: one glyph per cell, the requirement's
//! text cut to one line (whole in the cell's tooltip and its `<details>`),
//! and the requirement column and both header rows sticky inside their
//! own scrolling box, so only the table scrolls sideways, never the page.
//!
//! Body rows have exactly one cell per column, in header order: the
//! filter script relies on that to hide a column by index.

use std::fmt::Write;

use super::escape::html as esc;
use super::html_verdict::{badge, glyph};
use super::matrix::{self, column_label, Cell, Column, Mark, RunView};
use crate::record::RequirementRef;

pub(super) fn matrix_table(out: &mut String, views: &[&RunView<'_>]) {
    out.push_str(
        "<div class=\"mwrap\" id=\"matrix-wrap\">\n<table id=\"matrix\" class=\"matrix\">\n<thead>\n\
         <tr><th class=\"corner\" rowspan=\"2\">Requirement \
         <span class=\"muted\">· level · text (hover, or click to open)</span></th>",
    );
    for view in views {
        let _ = write!(
            out,
            "<th class=\"plugin\" colspan=\"{}\" data-r=\"{}\" title=\"{}\">\
             <a href=\"#run-{}\">{}</a></th>",
            view.columns.len().max(1),
            view.index,
            esc(&view.label),
            view.index,
            esc(&view.label)
        );
    }
    out.push_str("</tr>\n<tr>");
    for view in views {
        if view.columns.is_empty() {
            let _ = write!(
                out,
                "<th class=\"ver first\" data-r=\"{}\" data-v=\"\">—</th>",
                view.index
            );
        }
        for (i, &c) in view.columns.iter().enumerate() {
            let _ = write!(
                out,
                "<th class=\"ver{}\" data-r=\"{}\" data-v=\"{}\">{}</th>",
                if i == 0 { " first" } else { "" },
                view.index,
                column_label(c),
                column_label(c)
            );
        }
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    let total_columns: usize = views.iter().map(|v| v.columns.len().max(1)).sum();
    for req in matrix::requirements(views.iter().copied()) {
        requirement_row(out, views, &req, total_columns);
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

fn requirement_row(
    out: &mut String,
    views: &[&RunView<'_>],
    req: &RequirementRef,
    total_columns: usize,
) {
    let level = match req.level_text() {
        "" => "—",
        text => text,
    };
    let _ = write!(
        out,
        "<tr><th class=\"req\"><details><summary title=\"{id} ({level}, {section}): {text}\">\
         <code>{id}</code><span class=\"lv lv-{level}\">{level}</span>\
         <span class=\"text\">{text}</span></summary>\
         <div class=\"full\">{text}<br><span class=\"muted\">{level} · {section}</span></div>\
         </details></th>",
        id = esc(&req.id),
        level = esc(level),
        section = esc(&req.section),
        text = esc(&req.text),
    );
    let mut position = 0;
    for view in views {
        if view.columns.is_empty() {
            out.push_str("<td class=\"c none first\"></td>");
            position += 1;
        }
        for (i, &c) in view.columns.iter().enumerate() {
            let mut classes = String::new();
            if i == 0 {
                classes.push_str(" first");
            }
            // Popups of cells in the right half open leftwards, to stay in the table.
            if 2 * position >= total_columns {
                classes.push_str(" right");
            }
            cell(out, view, c, &view.cell(req, c), &classes);
            position += 1;
        }
    }
    out.push_str("</tr>\n");
}

/// One cell: its glyph; a tooltip naming the plugin, version and cases;
/// for anything but a pass, a popup listing the cases with their reasons
/// and links to their details.
fn cell(out: &mut String, view: &RunView<'_>, column: Column, cell: &Cell<'_>, classes: &str) {
    let Some(mark) = cell.mark else {
        let _ = write!(out, "<td class=\"c none{classes}\"></td>");
        return;
    };
    let names: Vec<String> = cell
        .cases
        .iter()
        .map(|(_, c)| format!("{} ({})", matrix::case_label(c), c.verdict.as_str()))
        .collect();
    let title = format!(
        "{} {}: {}\n{}",
        view.label,
        column_label(column),
        mark.as_str(),
        names.join("\n")
    );
    let _ = write!(
        out,
        "<td class=\"c v-{}{classes}\" title=\"{}\">",
        mark.as_str(),
        esc(&title)
    );
    if mark == Mark::Pass {
        let _ = write!(out, "{}</td>", glyph(mark));
        return;
    }
    let _ = write!(
        out,
        "<details><summary>{}</summary><div class=\"pop\"><ul>",
        glyph(mark)
    );
    for (i, case) in &cell.cases {
        let _ = write!(
            out,
            "<li>{} <a href=\"#{}\">{}</a> — {}</li>",
            badge(case.verdict),
            view.anchor(*i),
            esc(&matrix::case_label(case)),
            esc(&case.reason)
        );
    }
    out.push_str("</ul></div></details></td>");
}
