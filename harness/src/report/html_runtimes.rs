//! The runtime axis: when runs of one plugin were made under several runtime
//! personas (`test --runtime all`), one row per plugin and one column per
//! runtime, so "fails under cnitool, passes under containerd" is one look.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::escape::html as esc;
use super::matrix::{self, RunView};
use crate::invoke::persona::RuntimeKind;
use crate::record::{RunKind, Verdict};

/// Nothing when every run played the same runtime.
pub(super) fn runtimes_table(out: &mut String, views: &[RunView<'_>]) {
    let tests: Vec<&RunView<'_>> = views
        .iter()
        .filter(|v| v.run.kind == RunKind::Test)
        .collect();
    let kinds: Vec<RuntimeKind> = RuntimeKind::ALL
        .into_iter()
        .filter(|k| tests.iter().any(|v| v.run.target.runtime.persona == *k))
        .collect();
    if kinds.len() < 2 {
        return;
    }
    // Plugin name → runtime → the runs (the latest last).
    let mut rows: BTreeMap<&str, BTreeMap<RuntimeKind, Vec<&RunView<'_>>>> = BTreeMap::new();
    for v in &tests {
        rows.entry(v.run.target.name.as_str())
            .or_default()
            .entry(v.run.target.runtime.persona)
            .or_default()
            .push(v);
    }
    out.push_str(
        "<section id=\"runtimes\">\n<h2>Plugins × runtimes</h2>\n<div class=\"scroll\">\n\
         <table class=\"summary\">\n<thead><tr><th>Plugin</th>",
    );
    for k in &kinds {
        let _ = write!(out, "<th>{k}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (name, by_kind) in &rows {
        let _ = write!(out, "<tr><td class=\"name\">{}</td>", esc(name));
        for k in &kinds {
            match by_kind.get(k).and_then(|runs| runs.last()) {
                Some(v) => {
                    let outcome = matrix::outcome(v.run);
                    let t = v.run.tally();
                    let n = |x: Verdict| {
                        t.iter()
                            .find(|(k, _)| *k == x)
                            .map(|(_, n)| *n)
                            .unwrap_or(0)
                    };
                    let _ = write!(
                        out,
                        "<td class=\"outcome-{outcome}\" title=\"{}\"><a href=\"#run-{}\">{outcome}</a> \
                         <span class=\"muted\">{} fail · {} warn · {} skip</span></td>",
                        esc(&v.run.target.runtime.line()),
                        v.index,
                        n(Verdict::Fail),
                        n(Verdict::Warn),
                        n(Verdict::Skip)
                    );
                }
                None => out.push_str("<td class=\"muted\">not run</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        "</tbody>\n</table>\n</div>\n<p class=\"muted key\">Each runtime column is one run \
         under that runtime's persona (docs/runtime-personas.md): its CNI_ARGS, capability \
         arguments and verbs; cases on a verb the runtime never sends are skipped.</p>\n</section>\n",
    );
}
