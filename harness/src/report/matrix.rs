//! The shape every human-readable report shares: runs in a stable order,
//! their version columns, and the requirement × column matrix of verdicts.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::record::{CaseResult, RequirementRef, RunKind, RunResults, Verdict};
use crate::requirements::Level;
use crate::spec::SpecVersion;

/// A matrix column within one run: a spec version, or `None` for the cases
/// that are not run per version.
pub(super) type Column = Option<SpecVersion>;

/// Row id for cases that cite no requirement, so they still show up.
pub(super) const NO_REQUIREMENT: &str = "(none)";

/// One run, prepared for rendering.
pub(super) struct RunView<'a> {
    /// Position in display order, used for anchors (so the page does not
    /// depend on the order runs were given in).
    pub index: usize,
    /// Display name, unique among the runs of one report.
    pub label: String,
    pub run: &'a RunResults,
    /// Versions the run covered plus any a case used, oldest first; `None` last.
    pub columns: Vec<Column>,
    /// Cases with their position in `run.cases`, sorted by name then version.
    pub cases: Vec<(usize, &'a CaseResult)>,
}

impl RunView<'_> {
    /// The cases in `column` that check requirement `req`, and what the
    /// cell shows for them.
    pub fn cell(&self, req: &RequirementRef, column: Column) -> Cell<'_> {
        let cases: Vec<(usize, &CaseResult)> = self
            .cases
            .iter()
            .filter(|(_, c)| c.spec_version == column && checks(c, &req.id))
            .copied()
            .collect();
        let mark = worst(cases.iter().map(|(_, c)| *c), &req.id).map(|v| Mark::grade(req, v));
        Cell { cases, mark }
    }

    pub fn is_fuzz(&self) -> bool {
        self.run.kind == RunKind::Fuzz
    }

    /// Anchor of case `i` (its index in `run.cases`): stable across renders
    /// of the same input, whatever order the runs were given in.
    pub fn anchor(&self, i: usize) -> String {
        format!("c-{}-{i}", self.index)
    }
}

/// One requirement × column cell of the matrix.
pub(super) struct Cell<'a> {
    /// The cases checking the requirement there, with their index in `run.cases`.
    pub cases: Vec<(usize, &'a CaseResult)>,
    /// `None` when no case checks it there.
    pub mark: Option<Mark>,
}

/// What a cell shows: the worst verdict its cases got for the requirement's
/// own checks ([`worst`]), as far as the
/// requirement's level lets it count. Only [`Mark::grade`] makes one, so a
/// MAY row can never show a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Pass,
    Fail,
    Warn,
    Skip,
    Error,
    /// Not judged: the baseline or the case's control failed first.
    Blocked,
    /// A MAY the plugin does not do: the spec allows that, so it is
    /// information, not a failure or a warning.
    Info,
}

impl Mark {
    pub fn grade(req: &RequirementRef, worst: Verdict) -> Mark {
        match worst {
            // An error is the harness's, not the plugin's: it stays visible.
            Verdict::Fail | Verdict::Warn if is_optional(req) => Mark::Info,
            Verdict::Pass => Mark::Pass,
            Verdict::Fail => Mark::Fail,
            Verdict::Warn => Mark::Warn,
            Verdict::Skip => Mark::Skip,
            Verdict::Error => Mark::Error,
            Verdict::Blocked => Mark::Blocked,
        }
    }

    /// Lower-case name, also the CSS class suffix (`v-fail`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Pass => "pass",
            Mark::Fail => "fail",
            Mark::Warn => "warn",
            Mark::Skip => "skip",
            Mark::Error => "error",
            Mark::Blocked => "blocked",
            Mark::Info => "info",
        }
    }
}

/// Whether breaking `req` is allowed (a MAY).
fn is_optional(req: &RequirementRef) -> bool {
    req.level == Some(Level::May)
}

fn checks(case: &CaseResult, id: &str) -> bool {
    if case.requirements.is_empty() {
        id == NO_REQUIREMENT
    } else {
        case.requirements.iter().any(|r| r.id == id)
    }
}

/// The runs sorted by plugin name, kind, then start time, labelled uniquely.
pub(super) fn views(runs: &[RunResults]) -> Vec<RunView<'_>> {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&i| {
        let r = &runs[i];
        (
            &r.target.name,
            r.target.runtime.persona,
            r.kind == RunKind::Fuzz,
            &r.started_at,
            i,
        )
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    order
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            let run = &runs[input];
            let mut label = run.target.name.clone();
            let persona = run.target.runtime.persona;
            if persona != crate::invoke::persona::RuntimeKind::Libcni {
                label.push_str(&format!(" [{persona}]"));
            }
            if run.kind == RunKind::Fuzz {
                label.push_str(" (fuzz)");
            }
            let n = seen.entry(label.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                label = format!("{label} #{n}");
            }
            RunView {
                index,
                label,
                run,
                columns: columns(run),
                cases: sorted_cases(run),
            }
        })
        .collect()
}

/// Every column any of `views` has, in column order (for the version filter).
pub(super) fn all_columns<'a>(views: impl IntoIterator<Item = &'a RunView<'a>>) -> Vec<Column> {
    let mut all: Vec<Column> = views
        .into_iter()
        .flat_map(|v| v.columns.iter().copied())
        .collect();
    // `None` sorts first in `Option`'s order; it belongs last, like in a run.
    all.sort_by_key(|c| (c.is_none(), *c));
    all.dedup();
    all
}

fn columns(run: &RunResults) -> Vec<Column> {
    let mut versions: Vec<SpecVersion> = run.versions.clone();
    versions.extend(run.cases.iter().filter_map(|c| c.spec_version));
    versions.sort();
    versions.dedup();
    let mut columns: Vec<Column> = versions.into_iter().map(Some).collect();
    if run.cases.iter().any(|c| c.spec_version.is_none()) {
        columns.push(None);
    }
    columns
}

fn sorted_cases(run: &RunResults) -> Vec<(usize, &CaseResult)> {
    let mut cases: Vec<(usize, &CaseResult)> = run.cases.iter().enumerate().collect();
    // `None` (version-independent) after the versions, like the columns.
    cases.sort_by_key(|(i, c)| (&c.case, c.spec_version.is_none(), c.spec_version, *i));
    cases
}

/// Every requirement any case of any run cites, sorted by id (numbers in
/// ids compare as numbers: `ADD-2` before `ADD-10`). When runs
/// disagree on a requirement's text, the first run in display order wins.
pub(super) fn requirements<'a>(
    views: impl IntoIterator<Item = &'a RunView<'a>>,
) -> Vec<RequirementRef> {
    let mut by_id: BTreeMap<&str, &RequirementRef> = BTreeMap::new();
    let mut uncited = false;
    for view in views {
        for (_, case) in &view.cases {
            uncited |= case.requirements.is_empty();
            for r in &case.requirements {
                by_id.entry(r.id.as_str()).or_insert(r);
            }
        }
    }
    let mut rows: Vec<RequirementRef> = by_id.into_values().cloned().collect();
    rows.sort_by(|a, b| natural_cmp(&a.id, &b.id));
    if uncited {
        rows.push(RequirementRef {
            id: NO_REQUIREMENT.to_string(),
            level: None,
            section: String::new(),
            text: "Cases that cite no requirement".to_string(),
        });
    }
    rows
}

/// The worst verdict requirement `id` got from a cell's cases, by
/// [`Verdict::severity`]: each case's verdict for that requirement's own
/// check ([`CaseResult::verdict_for`], graded at its level, so a MAY is
/// never a failure), not the case's worst. A cell is `skip` only when
/// every case in it was skipped.
pub(super) fn worst<'a>(
    cases: impl IntoIterator<Item = &'a CaseResult>,
    id: &str,
) -> Option<Verdict> {
    cases
        .into_iter()
        .map(|c| c.verdict_for(id))
        .max_by_key(|&v| v.severity())
}

/// What a report says first about a run: which binary refused which
/// version, and each failed baseline (older documents: their one baseline).
pub(super) fn plan_headlines(run: &RunResults) -> Vec<String> {
    match &run.plan {
        Some(plan) => plan.headlines(),
        None => run.baseline.iter().filter_map(|b| b.headline()).collect(),
    }
}

/// The coverage lines to print: one, unlabelled, when every run that has
/// one says the same (the usual case: one harness judged them all), else
/// one per run, labelled.
pub(super) fn coverage_lines(views: &[RunView<'_>]) -> Vec<(Option<String>, String)> {
    let lines: Vec<(String, String)> = views
        .iter()
        .filter_map(|v| v.run.coverage.as_ref().map(|c| (v.label.clone(), c.line())))
        .collect();
    match lines.first() {
        Some((_, first)) if lines.iter().all(|(_, l)| l == first) => {
            vec![(None, first.clone())]
        }
        _ => lines.into_iter().map(|(l, c)| (Some(l), c)).collect(),
    }
}

/// `case [version]`, or just `case` for version-independent cases; the
/// name JUnit and the lists use.
pub(super) fn case_label(case: &CaseResult) -> String {
    match case.spec_version {
        Some(v) => format!("{} [{v}]", case.case),
        None => case.case.clone(),
    }
}

pub(super) fn column_label(column: Column) -> &'static str {
    column.map_or("any", SpecVersion::as_str)
}

/// Whether a case belongs in the "needs attention" lists.
pub(super) fn is_notable(v: Verdict) -> bool {
    matches!(
        v,
        Verdict::Fail | Verdict::Warn | Verdict::Error | Verdict::Blocked
    )
}

/// The notable cases grouped by cause, worst first: cases with the same
/// verdict whose reasons differ only in tokens holding digits (versions,
/// addresses, MACs, counts) share one cause and one entry in the reports.
pub(super) fn by_cause<'c>(cases: &[(usize, &'c CaseResult)]) -> Vec<Vec<(usize, &'c CaseResult)>> {
    let mut groups: Vec<(String, Vec<(usize, &'c CaseResult)>)> = Vec::new();
    for &(i, c) in cases.iter().filter(|(_, c)| is_notable(c.verdict)) {
        let key = format!("{} {}", c.verdict.as_str(), cause_key(&c.reason));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push((i, c)),
            None => groups.push((key, vec![(i, c)])),
        }
    }
    let mut out: Vec<Vec<(usize, &'c CaseResult)>> = groups.into_iter().map(|(_, g)| g).collect();
    // Failures first: they are what fails the run (the sort is stable).
    out.sort_by_key(|g| std::cmp::Reverse(g[0].1.verdict.severity()));
    out
}

/// A reason with every token holding a digit replaced, so the same cause
/// at another version or on another interface reads the same.
fn cause_key(reason: &str) -> String {
    reason
        .split_whitespace()
        .map(|t| {
            if t.chars().any(|c| c.is_ascii_digit()) {
                "#"
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Findings about other plugins than the one under test (chain-mates,
/// delegates), each distinct line once with the cases that saw it.
pub(super) fn about_others<'c>(
    cases: &[(usize, &'c CaseResult)],
) -> Vec<(String, Vec<&'c CaseResult>)> {
    let mut out: Vec<(String, String, Vec<&'c CaseResult>)> = Vec::new();
    for &(_, c) in cases {
        for o in &c.about_others {
            let key = format!("{} {} {}", o.plugin, o.requirement, cause_key(&o.message));
            match out.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, _, list)) => list.push(c),
                None => out.push((key, o.line(), vec![c])),
            }
        }
    }
    out.into_iter()
        .map(|(_, line, list)| (line, list))
        .collect()
}

/// The one-line outcome of a run, as its exit status would report it.
pub(super) fn outcome(run: &RunResults) -> &'static str {
    if run.interrupted.is_some() {
        "INTERRUPTED"
    } else if run.failed() {
        "FAILED"
    } else if run.not_tested() {
        "NOT TESTED"
    } else {
        "PASSED"
    }
}

/// Orders strings with their digit runs compared as numbers; ties (such as
/// `A-01` and `A-1`) fall back to plain string order.
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in s.char_indices().skip(1) {
            let prev_digit = s[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_digit());
            if c.is_ascii_digit() != prev_digit {
                out.push((prev_digit, &s[start..i]));
                start = i;
            }
        }
        if !s.is_empty() {
            let digit = s[start..].starts_with(|c: char| c.is_ascii_digit());
            out.push((digit, &s[start..]));
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let ord = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::{natural_cmp, Mark};
    use crate::record::{RequirementRef, Verdict};
    use crate::requirements::Level;

    fn req(level: Option<Level>) -> RequirementRef {
        RequirementRef {
            id: "X-1".into(),
            level,
            section: String::new(),
            text: String::new(),
        }
    }

    #[test]
    fn a_broken_may_is_information_never_a_failure() {
        let may = req(Some(Level::May));
        assert_eq!(Mark::grade(&may, Verdict::Fail), Mark::Info);
        assert_eq!(Mark::grade(&may, Verdict::Warn), Mark::Info);
        // The harness failing to run the case is not the plugin's doing.
        assert_eq!(Mark::grade(&may, Verdict::Error), Mark::Error);
        assert_eq!(Mark::grade(&may, Verdict::Pass), Mark::Pass);
        assert_eq!(Mark::grade(&may, Verdict::Skip), Mark::Skip);
        assert_eq!(
            Mark::grade(&req(Some(Level::Must)), Verdict::Fail),
            Mark::Fail
        );
        assert_eq!(
            Mark::grade(&req(Some(Level::Should)), Verdict::Warn),
            Mark::Warn
        );
        // The "(none)" row of cases citing nothing has no level: not optional.
        assert_eq!(Mark::grade(&req(None), Verdict::Fail), Mark::Fail);
    }

    #[test]
    fn ids_sort_with_numbers_as_numbers() {
        let mut ids = vec![
            "ADD-10", "ADD-2", "ADD-1", "ADD", "CHECK-1", "ADD-2a", "A-01",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            ["A-01", "ADD", "ADD-1", "ADD-2", "ADD-2a", "ADD-10", "CHECK-1"]
        );
    }
}
