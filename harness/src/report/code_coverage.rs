//! The code coverage section (`test --coverage`): per instrumented binary,
//! its packages (Go packages, or the crates of an LLVM binary) least
//! covered first, and under each package its functions, least covered
//! first, so that a plugin author opens the package of their own code and
//! reads the unexercised functions at the top.

use std::fmt::Write;

use super::escape::{html as esc, md, md_code};
use crate::coverage::summary::{percent, BinaryCoverage, FuncCoverage, PackageCoverage};
use crate::record::RunResults;

/// Function rows shown per package (the rest are in results.json): an LLVM
/// binary links every dependency crate instrumented, thousands of functions.
const ROWS: usize = 300;
/// The same in the Markdown summary, which is read as text.
const MD_ROWS: usize = 100;

/// Packages least covered first (by share of statements, then path).
fn packages(b: &BinaryCoverage) -> Vec<&PackageCoverage> {
    let mut v: Vec<&PackageCoverage> = b.packages.iter().collect();
    v.sort_by(|x, y| {
        x.percent()
            .total_cmp(&y.percent())
            .then_with(|| x.path.cmp(&y.path))
    });
    v
}

/// A package's functions least covered first (by share of statements,
/// then name).
fn least_covered(p: &PackageCoverage) -> Vec<&FuncCoverage> {
    let mut rows: Vec<&FuncCoverage> = p.functions.iter().collect();
    rows.sort_by(|a, b| {
        percent(a.statements_hit, a.statements)
            .total_cmp(&percent(b.statements_hit, b.statements))
            .then_with(|| a.name.cmp(&b.name))
    });
    rows
}

fn location(f: &FuncCoverage) -> String {
    if f.file.is_empty() {
        "-".into()
    } else {
        format!("{}:{}", f.file, f.line)
    }
}

fn never_reached(p: &PackageCoverage) -> usize {
    p.functions.iter().filter(|f| f.counters_hit == 0).count()
}

fn title(run: &RunResults, b: &BinaryCoverage) -> String {
    format!(
        "{}: {}",
        run.target.name,
        b.binary.as_deref().unwrap_or(&b.hash)
    )
}

fn headline(b: &BinaryCoverage) -> String {
    let funcs: usize = b.packages.iter().map(|p| p.functions.len()).sum();
    let unit = match b.instrumentation {
        crate::coverage::summary::Instrumentation::Go => "statements",
        crate::coverage::summary::Instrumentation::Llvm => "counters",
    };
    format!(
        "{:.1}% of {unit}, {} of {} counters hit, {} of {funcs} functions never reached.",
        b.percent(),
        b.counters_hit,
        b.counters,
        b.uncovered().len()
    )
}

pub fn markdown(out: &mut String, runs: &[RunResults]) {
    for run in runs {
        let Some(cov) = &run.code_coverage else {
            continue;
        };
        for b in &cov.binaries {
            let _ = writeln!(out, "\n## Code coverage: {}\n", md(&title(run, b)));
            let _ = writeln!(out, "{}\n", headline(b));
            out.push_str("| package | statements | functions never reached |\n|---|---|---|\n");
            for p in packages(b) {
                let _ = writeln!(
                    out,
                    "| {} | {:.1}% ({}/{}) | {} of {} |",
                    md_code(&p.path),
                    p.percent(),
                    p.statements_hit,
                    p.statements,
                    never_reached(p),
                    p.functions.len()
                );
            }
            for p in packages(b) {
                let _ = writeln!(
                    out,
                    "\n<details><summary>Functions of {}, least covered first</summary>\n\n\
                     | function | file:line | statements | counters |\n|---|---|---|---|",
                    md(&p.path)
                );
                let rows = least_covered(p);
                for f in rows.iter().take(MD_ROWS) {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.1}% | {}/{} |",
                        md_code(&b.qualified(&p.path, f)),
                        md(&location(f)),
                        percent(f.statements_hit, f.statements),
                        f.counters_hit,
                        f.counters
                    );
                }
                if rows.len() > MD_ROWS {
                    let _ = writeln!(
                        out,
                        "\n{} more functions in results.json.",
                        rows.len() - MD_ROWS
                    );
                }
                out.push_str("\n</details>\n");
            }
        }
    }
}

pub fn html(out: &mut String, runs: &[RunResults]) {
    for run in runs {
        let Some(cov) = &run.code_coverage else {
            continue;
        };
        for b in &cov.binaries {
            let _ = writeln!(
                out,
                "<section class=\"code-coverage\">\n<h2>Code coverage: {}</h2>\n<p>{}</p>",
                esc(&title(run, b)),
                esc(&headline(b))
            );
            for p in packages(b) {
                let _ = writeln!(
                    out,
                    "<details{}><summary><code>{}</code>: {:.1}% ({}/{}), {} of {} functions never \
                     reached</summary>",
                    if b.packages.len() == 1 { " open" } else { "" },
                    esc(&p.path),
                    p.percent(),
                    p.statements_hit,
                    p.statements,
                    never_reached(p),
                    p.functions.len()
                );
                out.push_str(
                    "<table class=\"code-coverage\">\n<thead><tr><th>function</th><th>file:line</th>\
                     <th>statements</th><th>counters</th></tr></thead>\n<tbody>\n",
                );
                let rows = least_covered(p);
                for f in rows.iter().take(ROWS) {
                    let _ = writeln!(
                        out,
                        "<tr{}><td><code>{}</code></td><td>{}</td><td>{:.1}%</td><td>{}/{}</td></tr>",
                        if f.counters_hit == 0 {
                            " class=\"uncovered\""
                        } else {
                            ""
                        },
                        esc(&b.qualified(&p.path, f)),
                        esc(&location(f)),
                        percent(f.statements_hit, f.statements),
                        f.counters_hit,
                        f.counters
                    );
                }
                out.push_str("</tbody>\n</table>\n");
                if rows.len() > ROWS {
                    let _ = writeln!(
                        out,
                        "<p>{} more functions in results.json.</p>",
                        rows.len() - ROWS
                    );
                }
                out.push_str("</details>\n");
            }
            out.push_str("</section>\n");
        }
    }
}
