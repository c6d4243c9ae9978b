//! Compliance reports rendered from results JSON (see `docs/results-format.md`).
//!
//! [`load`] reads one or more `results.json` files; the renderers turn the runs
//! into a JUnit XML file for CI systems ([`junit`]), a Markdown summary for
//! people and CI job summaries ([`markdown`]) and one self-contained HTML page
//! that compares plugins side by side ([`html`]). Renderers are pure functions
//! of their input and deterministic (sorted, no clock), so their output can be
//! snapshot-tested and diffed between runs.

use std::io;
use std::path::{Path, PathBuf};

use crate::record::RunResults;

mod code_coverage;
mod detail_text;
mod escape;
mod html;
mod html_case;
mod html_matrix;
mod html_runtimes;
mod html_summary;
mod html_verdict;
mod junit;
mod load;
mod markdown;
mod matrix;

pub use html::html;
pub use junit::junit;
pub use load::{load, ReportError};
pub use markdown::markdown;

/// The cases of one run that need attention (fail, warn, error, blocked),
/// grouped by cause as every report groups them: the terminal lists them
/// the same way.
pub fn by_cause<'c>(
    cases: &[&'c crate::record::CaseResult],
) -> Vec<Vec<&'c crate::record::CaseResult>> {
    let indexed: Vec<(usize, &crate::record::CaseResult)> =
        cases.iter().copied().enumerate().collect();
    matrix::by_cause(&indexed)
        .into_iter()
        .map(|g| g.into_iter().map(|(_, c)| c).collect())
        .collect()
}

/// File names [`write_all`] writes into the output directory.
pub const JUNIT_FILE: &str = "junit.xml";
pub const MARKDOWN_FILE: &str = "summary.md";
pub const HTML_FILE: &str = "report.html";

/// Renders every report for `runs` into `out_dir` (created if missing) and
/// returns the paths written, in the order junit, markdown, html.
pub fn write_all(runs: &[RunResults], out_dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir)?;
    let outputs = [
        (JUNIT_FILE, junit(runs)),
        (MARKDOWN_FILE, markdown(runs)),
        (HTML_FILE, html(runs)),
    ];
    let mut written = Vec::with_capacity(outputs.len());
    for (name, text) in outputs {
        let path = out_dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}
