//! The terminal's per-case lines: one per (case, version) as it finishes,
//! naming the verdict as the reports do (`warn`, `blocked`, not libtest's
//! `ok`/`ignored`), within 100 columns whatever the requirement list.

use crate::record::{CaseResult, Verdict};

/// Widest line printed.
pub const COLUMNS: usize = 100;

/// `1.0.0::add/result-version [ADD-3,RES-2] .......... pass`, the name
/// padded to `width` (capped so the line fits) and the requirement list cut
/// to what fits (`+N` says how many ids were left out).
pub fn line(r: &CaseResult, width: usize) -> String {
    let verdict = r.verdict.as_str();
    // "test " + name + " ... " + verdict
    let room = COLUMNS.saturating_sub(5 + 5 + "blocked".len());
    let name = name(r, room);
    let width = width.min(room);
    let mut s = format!("test {name:<width$} ... {verdict}");
    if matches!(r.verdict, Verdict::Skip | Verdict::Blocked) {
        // The reason as far as the line allows: the full text is in the reports.
        let left = COLUMNS.saturating_sub(s.chars().count() + 3);
        if left > 10 {
            s += &format!(" ({})", cut(&r.reason, left));
        }
    }
    s
}

/// `<version>::<case>`, the trial's name without its requirement list.
pub fn head(r: &CaseResult) -> String {
    match r.spec_version {
        Some(v) => format!("{v}::{}", r.case),
        None => r.case.clone(),
    }
}

/// The case's display name within `room` columns.
pub fn name(r: &CaseResult, room: usize) -> String {
    let head = head(r);
    let ids: Vec<&str> = r.requirements.iter().map(|q| q.id.as_str()).collect();
    for keep in (0..=ids.len()).rev() {
        let mut list = ids[..keep].join(",");
        if keep < ids.len() {
            if keep > 0 {
                list.push(',');
            }
            list += &format!("+{}", ids.len() - keep);
        }
        let full = format!("{head} [{list}]");
        if full.chars().count() <= room {
            return full;
        }
    }
    cut(&head, room)
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecVersion;

    fn result(verdict: Verdict, ids: &[&str]) -> CaseResult {
        CaseResult {
            case: "add/consistent-with-kernel".into(),
            title: String::new(),
            requirements: crate::suite::requirement_refs(ids),
            spec_version: Some(SpecVersion::V1_0_0),
            verdict,
            reason: "blocked by the baseline: CHECK of the configuration at 0.4.0 fails with a long message".into(),
            detail: None,
            duration_ms: 0,
            requirement_verdicts: Default::default(),
            plugin: String::new(),
            about_others: Vec::new(),
        }
    }

    #[test]
    fn lines_say_the_verdict_and_fit_100_columns() {
        let many = [
            "RES-IF-SANDBOX",
            "RES-IF-HOST",
            "RES-IF-MAC",
            "RES-IF-MTU",
            "RES-IP-CONFIGURED",
            "RES-ROUTE-PRESENT",
            "RES-SANDBOX",
        ];
        for v in [
            Verdict::Warn,
            Verdict::Blocked,
            Verdict::Pass,
            Verdict::Skip,
        ] {
            let l = line(&result(v, &many), 400);
            assert!(l.chars().count() <= COLUMNS, "{} columns: {l}", l.len());
            assert!(l.contains(&format!(" ... {}", v.as_str())), "{l}");
        }
        let l = line(&result(Verdict::Warn, &many), 40);
        assert!(
            l.contains("+"),
            "the cut list says how many ids it left out: {l}"
        );
        let short = line(&result(Verdict::Pass, &["ADD-1"]), 10);
        assert!(short.starts_with("test 1.0.0::add/consistent-with-kernel [ADD-1] ... pass"));
    }
}
