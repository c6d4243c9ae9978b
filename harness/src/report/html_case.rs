//! The per-run part of the HTML page: run facts, every non-pass case
//! expandable to expected/actual, invocations and kernel diff, all cases,
//! and fuzz findings. (The run's column of the matrix is the page's matrix
//! filtered to this plugin.)

use std::fmt::Write;

use super::escape::html as esc;
use super::html_verdict::badge;
use super::matrix::{self, RunView};
use crate::record::{CaseResult, Detail, FindingRecord, InvocationRecord};

pub(super) fn run_section(out: &mut String, view: &RunView<'_>) {
    let run = view.run;
    let t = &run.target;
    let _ = writeln!(
        out,
        "<section class=\"run\" id=\"run-{}\" data-run=\"{}\">\n<h2>{}</h2>",
        view.index,
        view.index,
        esc(&view.label)
    );
    let versions: Vec<&str> = run.versions.iter().map(|v| v.as_str()).collect();
    let claimed = if t.claimed_versions.is_empty() {
        "none (no VERSION verb)".to_string()
    } else {
        t.claimed_versions.join(", ")
    };
    out.push_str("<dl class=\"meta\">");
    for (k, v) in [
        ("Network", t.network.clone()),
        ("Plugin chain", t.plugins.join(" → ")),
        ("Runtime", t.runtime.line()),
        ("Claimed versions", claimed),
        ("Versions tested", versions.join(", ")),
        ("Started", run.started_at.clone()),
        ("Duration", format!("{} ms", run.duration_ms)),
        ("cni-harness", run.harness_version.clone()),
        ("Strict", if run.strict { "yes" } else { "no" }.to_string()),
    ] {
        let _ = write!(out, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    out.push_str("</dl>\n");
    if let Some(i) = &run.interrupted {
        let names: Vec<String> = run
            .not_run
            .iter()
            .map(super::markdown::not_run_label)
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"interrupted\"><strong>Interrupted</strong> by {} after {} ms: {} cases not run{}</p>",
            esc(&i.signal),
            i.after_ms,
            run.not_run.len(),
            if names.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(&names.join(", ")))
            }
        );
    }
    let config = serde_json::to_string_pretty(&t.config).unwrap_or_else(|e| e.to_string());
    let _ = writeln!(
        out,
        "<details><summary>Configuration</summary><pre>{}</pre></details>",
        esc(&config)
    );
    let groups = matrix::by_cause(&view.cases);
    if !groups.is_empty() {
        let cases: usize = groups.iter().map(Vec::len).sum();
        let _ = writeln!(
            out,
            "<h3>Failures, warnings and errors ({cases} cases, {} causes)</h3>",
            groups.len()
        );
        for group in groups {
            let (i, case) = group[0];
            case_details(out, &view.anchor(i), case, &group[1..], view);
        }
    }
    let others = matrix::about_others(&view.cases);
    if !others.is_empty() {
        out.push_str(
            "<h3>About other plugins of the chain (not counted in this plugin's verdicts)</h3>\n<ul class=\"others\">",
        );
        for (line, cases) in others {
            let names: Vec<String> = cases
                .iter()
                .map(|c| format!("<code>{}</code>", esc(&matrix::case_label(c))))
                .collect();
            let _ = write!(
                out,
                "<li>{} <span class=\"muted\">(seen in {})</span></li>",
                esc(&line),
                names.join(", ")
            );
        }
        out.push_str("</ul>\n");
    }
    if !view.cases.is_empty() {
        all_cases(out, view);
    }
    findings(out, view.index, &run.findings);
    out.push_str("</section>\n");
}

/// One cause: the first case's block, the other cases it explains listed
/// in it (each keeps its anchor, so matrix links still land).
fn case_details(
    out: &mut String,
    id: &str,
    case: &CaseResult,
    same_cause: &[(usize, &CaseResult)],
    view: &RunView<'_>,
) {
    let more = if same_cause.is_empty() {
        String::new()
    } else {
        format!(" (+{} cases, same cause)", same_cause.len())
    };
    let _ = writeln!(
        out,
        "<details class=\"case k-{}\" id=\"{id}\"><summary>{} <code>{}</code>{more} \
         <span class=\"title\">{}</span> — <span class=\"reason\">{}</span></summary>\
         <div class=\"body\">",
        case.verdict.as_str(),
        badge(case.verdict),
        esc(&matrix::case_label(case)),
        esc(&case.title),
        esc(&case.reason)
    );
    if !same_cause.is_empty() {
        out.push_str("<p>Also explains: ");
        let names: Vec<String> = same_cause
            .iter()
            .map(|(i, c)| {
                format!(
                    "<code id=\"{}\">{}</code>",
                    view.anchor(*i),
                    esc(&matrix::case_label(c))
                )
            })
            .collect();
        out.push_str(&names.join(", "));
        out.push_str("</p>\n");
    }
    out.push_str("<ul class=\"reqs\">");
    for r in &case.requirements {
        let _ = write!(
            out,
            "<li><code>{}</code> <span class=\"level level-{}\">{}</span> \
             <span class=\"muted\">{}</span>: {}</li>",
            esc(&r.id),
            esc(r.level_text()),
            esc(r.level_text()),
            esc(&r.section),
            esc(&r.text)
        );
    }
    out.push_str("</ul>\n");
    match &case.detail {
        Some(detail) => detail_body(out, detail),
        None => out.push_str("<p class=\"muted\">No further detail recorded.</p>\n"),
    }
    out.push_str("</div></details>\n");
}

fn detail_body(out: &mut String, d: &Detail) {
    let _ = writeln!(
        out,
        "<div class=\"pair\"><div><strong>Expected</strong><pre>{}</pre></div>\
         <div><strong>Actual</strong><pre>{}</pre></div></div>",
        esc(&d.expected),
        esc(&d.actual)
    );
    for (n, inv) in d.invocations.iter().enumerate() {
        invocation(out, n + 1, inv);
    }
    if let Some(diff) = &d.kernel_diff {
        // One block per line (no newline characters) so coloured lines
        // span the width without doubling the line spacing.
        out.push_str("<strong>Kernel diff</strong><pre class=\"diff\">");
        for line in diff.lines() {
            let class = match line.chars().next() {
                Some('+') => "add",
                Some('-') => "del",
                _ => "ctx",
            };
            let _ = write!(out, "<span class=\"{class}\">{}</span>", esc(line));
        }
        out.push_str("</pre>\n");
    }
}

fn invocation(out: &mut String, n: usize, inv: &InvocationRecord) {
    let _ = write!(
        out,
        "<details class=\"inv\"><summary>Invocation {n}: <code>{} {}</code> → {} \
         <span class=\"muted\">({:.1} ms)</span></summary>\n<table class=\"env\">",
        esc(&inv.plugin),
        inv.verb,
        esc(&inv.status.to_string()),
        inv.wall_ms
    );
    for (k, v) in &inv.env {
        let _ = write!(out, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(v));
    }
    out.push_str("</table>\n");
    for (name, text) in [
        ("stdin", &inv.stdin),
        ("stdout", &inv.stdout),
        ("stderr", &inv.stderr),
    ] {
        let shown = if text.is_empty() { "(empty)" } else { text };
        let _ = writeln!(out, "<strong>{name}</strong><pre>{}</pre>", esc(shown));
    }
    out.push_str("</details>\n");
}

fn all_cases(out: &mut String, view: &RunView<'_>) {
    let _ = write!(
        out,
        "<details><summary>All cases ({})</summary>\n<table class=\"cases\"><thead><tr>\
         <th>Verdict</th><th>Case</th><th>Title</th><th>Reason</th><th>ms</th></tr></thead><tbody>\n",
        view.cases.len()
    );
    for &(i, case) in &view.cases {
        let id = view.anchor(i);
        // Notable cases already have their expandable block; link to it.
        let (row_id, name) = if matrix::is_notable(case.verdict) {
            (
                String::new(),
                format!(
                    "<a href=\"#{id}\"><code>{}</code></a>",
                    esc(&matrix::case_label(case))
                ),
            )
        } else {
            (
                format!(" id=\"{id}\""),
                format!("<code>{}</code>", esc(&matrix::case_label(case))),
            )
        };
        let _ = writeln!(
            out,
            "<tr{row_id}><td>{}</td><td>{name}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            badge(case.verdict),
            esc(&case.title),
            esc(&case.reason),
            case.duration_ms
        );
    }
    out.push_str("</tbody></table>\n</details>\n");
}

fn findings(out: &mut String, run_index: usize, findings: &[FindingRecord]) {
    if findings.is_empty() {
        return;
    }
    let mut list: Vec<&FindingRecord> = findings.iter().collect();
    list.sort_by(|a, b| (a.oracle.as_str(), &a.id).cmp(&(b.oracle.as_str(), &b.id)));
    let _ = write!(
        out,
        "<h3 id=\"findings-{run_index}\">Fuzz findings ({})</h3>\n<table class=\"findings\"><thead><tr>\
         <th>Oracle</th><th>Id</th><th>Summary</th><th>Signature</th><th>Reproduce</th>\
         <th>Saved as</th></tr></thead><tbody>\n",
        list.len()
    );
    for f in list {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge v-fail\">{}</span></td><td class=\"id\"><code>{}</code></td>\
             <td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            esc(f.oracle.as_str()),
            esc(&f.id),
            esc(&f.summary),
            esc(&f.signature),
            esc(&f.reproduce),
            esc(&f.file)
        );
    }
    out.push_str("</tbody></table>\n");
}
