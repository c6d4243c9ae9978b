//! The code coverage section (`test --coverage`): per instrumented binary,
//! its packages, then its functions sorted by what is least covered first,
//! so that a plugin author reads the unexercised code at the top.

use std::fmt::Write;

use super::escape::{html as esc, md, md_code};
use crate::coverage::summary::{percent, BinaryCoverage, FuncCoverage};
use crate::record::RunResults;

/// Functions least covered first (by share of statements, then name).
fn least_covered(b: &BinaryCoverage) -> Vec<(&str, &FuncCoverage)> {
    let mut rows: Vec<(&str, &FuncCoverage)> = b
        .packages
        .iter()
        .flat_map(|p| p.functions.iter().map(move |f| (p.path.as_str(), f)))
        .collect();
    rows.sort_by(|(pa, a), (pb, b)| {
        percent(a.statements_hit, a.statements)
            .total_cmp(&percent(b.statements_hit, b.statements))
            .then_with(|| (pa, &a.name).cmp(&(pb, &b.name)))
    });
    rows
}

fn title(run: &RunResults, b: &BinaryCoverage) -> String {
    format!(
        "{}: {}",
        run.target.name,
        b.binary.as_deref().unwrap_or(&b.hash)
    )
}

pub fn markdown(out: &mut String, runs: &[RunResults]) {
    for run in runs {
        let Some(cov) = &run.code_coverage else {
            continue;
        };
        for b in &cov.binaries {
            let _ = writeln!(out, "\n## Code coverage: {}\n", md(&title(run, b)));
            let _ = writeln!(
                out,
                "{:.1}% of statements, {} of {} counters hit, {} functions never reached.\n",
                b.percent(),
                b.counters_hit,
                b.counters,
                b.uncovered().len()
            );
            out.push_str("| package | statements |\n|---|---|\n");
            for p in &b.packages {
                let _ = writeln!(
                    out,
                    "| {} | {:.1}% ({}/{}) |",
                    md_code(&p.path),
                    p.percent(),
                    p.statements_hit,
                    p.statements
                );
            }
            out.push_str(
                "\n<details><summary>Functions, least covered first</summary>\n\n\
                 | function | file:line | statements | counters |\n|---|---|---|---|\n",
            );
            for (pkg, f) in least_covered(b) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1}% | {}/{} |",
                    md_code(&format!("{pkg}.{}", f.name)),
                    md(&format!("{}:{}", f.file, f.line)),
                    percent(f.statements_hit, f.statements),
                    f.counters_hit,
                    f.counters
                );
            }
            out.push_str("\n</details>\n");
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
                "<section class=\"code-coverage\">\n<h2>Code coverage: {}</h2>\n<p>{:.1}% of \
                 statements, {} of {} counters hit, {} functions never reached.</p>",
                esc(&title(run, b)),
                b.percent(),
                b.counters_hit,
                b.counters,
                b.uncovered().len()
            );
            out.push_str(
                "<table class=\"code-coverage\">\n<thead><tr><th>function</th><th>file:line</th>\
                 <th>statements</th><th>counters</th></tr></thead>\n<tbody>\n",
            );
            for (pkg, f) in least_covered(b) {
                let _ = writeln!(
                    out,
                    "<tr{}><td><code>{}</code></td><td>{}</td><td>{:.1}%</td><td>{}/{}</td></tr>",
                    if f.counters_hit == 0 {
                        " class=\"uncovered\""
                    } else {
                        ""
                    },
                    esc(&format!("{pkg}.{}", f.name)),
                    esc(&format!("{}:{}", f.file, f.line)),
                    percent(f.statements_hit, f.statements),
                    f.counters_hit,
                    f.counters
                );
            }
            out.push_str("</tbody>\n</table>\n</section>\n");
        }
    }
}
