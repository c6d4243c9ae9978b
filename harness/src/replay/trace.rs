//! The trace `exec`, `replay` and `fuzz --reproduce` print: each
//! invocation's environment and stdin, its output and exit, the schema
//! verdict of its answer, and the kernel diff.

use std::fmt::Write;

use serde_json::Value;

use crate::invoke::{ChainRun, RuntimeNote, Step};
use crate::judge;
use crate::schema::DocumentKind;
use crate::spec::SpecVersion;

/// One runtime operation: its steps, then the runtime's own word.
pub fn run(run: &ChainRun, kind: impl Fn(&str) -> DocumentKind, v: Option<SpecVersion>) -> String {
    let mut out = String::new();
    for s in &run.probes {
        let _ = writeln!(out, "# the runtime's VERSION probe before {}", run.verb);
        out.push_str(&step(s, DocumentKind::Version, v));
    }
    for s in &run.steps {
        out.push_str(&step(s, kind(&s.plugin_type), v));
    }
    match &run.runtime {
        Some(RuntimeNote::NotSent(why @ crate::invoke::Disabled::ByRuntime { .. })) => {
            let _ = writeln!(out, "# {} not sent: {why}\n", run.verb);
        }
        Some(RuntimeNote::NotSent(why)) => {
            let _ = writeln!(
                out,
                "# {} not sent: {why} (libcni reports success)\n",
                run.verb
            );
        }
        Some(RuntimeNote::Failed(why)) => {
            let _ = writeln!(out, "# the runtime fails {}: {why}\n", run.verb);
        }
        None => {}
    }
    out
}

/// One plugin execution: invocation, exit and wall time, stdout and stderr
/// (JSON pretty-printed), and the schema verdict of the answer.
pub fn step(step: &Step, kind: DocumentKind, version: Option<SpecVersion>) -> String {
    let mut out = format!("{}", step.invocation);
    let o = &step.outcome;
    let _ = writeln!(
        out,
        "  -> {} in {:.1} ms: {}",
        o.exit,
        o.wall.as_secs_f64() * 1000.0,
        step.reply.summary()
    );
    out.push_str(&output("stdout", &o.stdout, o.stdout_truncated));
    out.push_str(&output("stderr", &o.stderr, o.stderr_truncated));
    let _ = writeln!(
        out,
        "  schema: {}",
        judge::schema::answer(step, version, kind)
    );
    out.push('\n');
    out
}

/// Printed output, indented; nothing for nothing.
pub fn output(label: &str, bytes: &[u8], truncated: bool) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let text = String::from_utf8_lossy(bytes);
    let pretty = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string());
    let mut out = format!(
        "  {label}:{}\n",
        if truncated { " (truncated)" } else { "" }
    );
    for line in pretty.lines() {
        let _ = writeln!(out, "    {line}");
    }
    out
}

/// The kernel and state changes `what` made, as rendered by
/// `kernel::render`, indented; `(none)` when there were none.
pub fn kernel_diff(what: &str, rendered: &str) -> String {
    let mut out = format!("# kernel and state changes made by {what}:\n");
    if rendered.trim().is_empty() {
        out.push_str("  (none)\n");
    }
    for line in rendered.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}
