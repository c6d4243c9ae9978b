//! Plain-text rendering of why a case got its verdict, for JUnit bodies and
//! the Markdown summary (the HTML page lays the same facts out itself).

use std::fmt::Write;

use crate::record::{CaseResult, Detail, InvocationRecord};

/// Requirements, expected/actual, every invocation and the kernel diff.
pub(super) fn case(case: &CaseResult) -> String {
    let mut out = String::new();
    for r in &case.requirements {
        let _ = writeln!(
            out,
            "{} ({}, {}): {}",
            r.id,
            r.level_text(),
            r.section,
            r.text
        );
    }
    if let Some(detail) = &case.detail {
        out.push_str(&detail_body(detail));
    }
    out
}

fn detail_body(detail: &Detail) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "expected:\n{}", indent(&detail.expected));
    let _ = writeln!(out, "actual:\n{}", indent(&detail.actual));
    for (n, inv) in detail.invocations.iter().enumerate() {
        out.push_str(&invocation(n + 1, inv));
    }
    if let Some(diff) = &detail.kernel_diff {
        let _ = writeln!(out, "kernel diff:\n{}", indent(diff));
    }
    out
}

/// One invocation as a reader would re-run it: env, stdin, then what came back.
pub(super) fn invocation(n: usize, inv: &InvocationRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "invocation {n}: {} {} -> {} ({:.1} ms)",
        inv.plugin, inv.verb, inv.status, inv.wall_ms
    );
    let env: Vec<String> = inv.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(out, "  env:\n{}", indent(&env.join("\n")));
    for (name, text) in [
        ("stdin", &inv.stdin),
        ("stdout", &inv.stdout),
        ("stderr", &inv.stderr),
    ] {
        let _ = writeln!(out, "  {name}:\n{}", indent(text));
    }
    out
}

/// Indents every line by four spaces; empty text shows as `(empty)` so a
/// reader can tell "nothing printed" from a rendering gap.
fn indent(text: &str) -> String {
    if text.trim().is_empty() {
        return "    (empty)".to_string();
    }
    text.trim_end()
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
