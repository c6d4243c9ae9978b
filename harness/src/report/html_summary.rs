//! One line per run: outcome, a bar of its verdicts in proportion, the
//! tallies, and which spec versions the plugin claims and which were
//! tested, as a strip with one mark per version so thirty runs can be
//! compared at a glance.

use std::fmt::Write;

use super::escape::html as esc;
use super::html_verdict::verdict_glyph;
use super::matrix::{self, RunView};
use crate::record::RunResults;
use crate::spec::SpecVersion;

pub(super) fn summary(out: &mut String, views: &[RunView<'_>]) {
    let others = views.iter().any(|v| !unknown_claims(v.run).is_empty());
    out.push_str(
        "<section id=\"summary\">\n<h2>Plugins</h2>\n<div class=\"scroll\">\n\
         <table class=\"summary\">\n<thead><tr><th>Plugin</th><th>Result</th><th>Cases</th>",
    );
    // Columns in the order `tally` counts in.
    let order = views.first().map(|v| v.run.tally().map(|(v, _)| v));
    for v in order.into_iter().flatten() {
        let _ = write!(
            out,
            "<th class=\"num\" title=\"{}\"><span class=\"glyph v-{}\">{}</span></th>",
            v.as_str(),
            v.as_str(),
            verdict_glyph(v)
        );
    }
    out.push_str("<th class=\"num\">Findings</th>");
    for v in SpecVersion::ALL {
        let _ = write!(out, "<th class=\"vs\">{v}</th>");
    }
    if others {
        out.push_str("<th>Other claims</th>");
    }
    out.push_str("<th>Plugin chain</th></tr></thead>\n<tbody>\n");
    for view in views {
        row(out, view, others);
    }
    out.push_str(
        "</tbody>\n</table>\n</div>\n<p class=\"muted key\">Versions: \
         <span class=\"vs vs-both\">●</span> claimed in VERSION and tested · \
         <span class=\"vs vs-claimed\">○</span> claimed, not tested · \
         <span class=\"vs vs-tested\">◆</span> tested, not claimed</p>\n</section>\n",
    );
}

fn row(out: &mut String, view: &RunView<'_>, others: bool) {
    let run = view.run;
    let outcome = matrix::outcome(run);
    let _ = write!(
        out,
        "<tr data-run=\"{}\"><td class=\"name\"><a href=\"#run-{}\">{}</a></td>\
         <td class=\"outcome-{}\">{outcome}{}</td><td>",
        view.index,
        view.index,
        esc(&view.label),
        outcome.replace(' ', "-"),
        if run.strict { " (strict)" } else { "" }
    );
    tally_bar(out, run);
    out.push_str("</td>");
    for (_, n) in run.tally() {
        let zero = if n == 0 { " zero" } else { "" };
        let _ = write!(out, "<td class=\"num{zero}\">{n}</td>");
    }
    let findings = run.findings.len();
    let _ = write!(
        out,
        "<td class=\"num{}\">{findings}</td>",
        if findings == 0 { " zero" } else { "" }
    );
    for v in SpecVersion::ALL {
        let claimed = run.target.claimed_versions.iter().any(|c| c == v.as_str());
        let tested = run.versions.contains(&v);
        let (class, sign, meaning) = match (claimed, tested) {
            (true, true) => ("vs-both", "●", "claimed and tested"),
            (true, false) => ("vs-claimed", "○", "claimed, not tested"),
            (false, true) => ("vs-tested", "◆", "tested, not claimed"),
            (false, false) => ("vs-none", "", "neither claimed nor tested"),
        };
        let _ = write!(
            out,
            "<td class=\"vs {class}\" title=\"{v}: {meaning}\">{sign}</td>"
        );
    }
    if others {
        let _ = write!(
            out,
            "<td class=\"clip\">{}</td>",
            esc(&unknown_claims(run).join(", "))
        );
    }
    let chain = run.target.plugins.join(" → ");
    let _ = writeln!(
        out,
        "<td class=\"clip\" title=\"network {}: {}\">{}</td></tr>",
        esc(&run.target.network),
        esc(&chain),
        esc(&chain)
    );
}

/// The case tallies as one bar, each verdict's share in its colour.
fn tally_bar(out: &mut String, run: &RunResults) {
    let tally = run.tally();
    let total: usize = tally.iter().map(|(_, n)| n).sum();
    let text: Vec<String> = tally
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect();
    let title = if total == 0 {
        "no cases".to_string()
    } else {
        format!("{total} cases: {}", text.join(", "))
    };
    let _ = write!(out, "<span class=\"tbar\" title=\"{title}\">");
    for (v, n) in tally {
        if n > 0 {
            let _ = write!(out, "<i class=\"v-{}\" style=\"flex:{n}\"></i>", v.as_str());
        }
    }
    out.push_str("</span>");
}

/// Versions a plugin claims that this harness does not know (a plugin
/// controls that list, so it may hold anything).
fn unknown_claims(run: &RunResults) -> Vec<&str> {
    run.target
        .claimed_versions
        .iter()
        .map(String::as_str)
        .filter(|c| !SpecVersion::ALL.iter().any(|v| v.as_str() == *c))
        .collect()
}
