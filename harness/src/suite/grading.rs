//! Grading by requirement: each requirement a case cites gets the verdict
//! of its own check, at the level the catalogue grades it (the spec's word,
//! or a stricter `graded` level the catalogue justifies). A MAY never fails,
//! a SHOULD only warns.

use std::collections::BTreeMap;

use super::verdict::CaseVerdict;
use crate::judge::Severity;
use crate::record::{OtherFinding, Verdict};
use crate::requirements::{self, Level};

/// What each of `ids` got from this case run.
pub fn per_requirement(ids: &[&str], v: &CaseVerdict) -> BTreeMap<String, Verdict> {
    // Findings citing none of the case's own ids cannot be attributed: the
    // case verdict then stands for all of them.
    let attributed = v.graded.iter().any(|(id, _)| ids.contains(id));
    ids.iter()
        .map(|id| {
            let own = v
                .graded
                .iter()
                .filter(|(g, _)| g == id)
                .map(|(_, v)| *v)
                .max_by_key(|v| v.severity());
            let verdict = match (attributed, own) {
                (true, Some(own)) => own,
                // The case judged this requirement and found nothing against it.
                (true, None) if matches!(v.verdict, Verdict::Fail | Verdict::Warn) => Verdict::Pass,
                _ => v.verdict,
            };
            (id.to_string(), at_level(graded_level(id), verdict))
        })
        .collect()
}

/// The case's own verdict: what it concluded, but a failure or warning only
/// as bad as the worst requirement it broke (a case failing on a SHOULD
/// warns). Findings citing requirements outside the case's list (an oracle's
/// side remark) still count, at their own level.
pub fn case_verdict(
    concluded: Verdict,
    per: &BTreeMap<String, Verdict>,
    v: &CaseVerdict,
) -> Verdict {
    if !matches!(concluded, Verdict::Fail | Verdict::Warn) || per.is_empty() {
        return concluded;
    }
    let outside = v
        .graded
        .iter()
        .filter(|(id, _)| !per.contains_key(*id))
        .map(|(id, g)| at_level(graded_level(id), *g));
    per.values()
        .copied()
        .chain(outside)
        .max_by_key(|v| v.severity())
        .unwrap_or(concluded)
}

/// The findings about other plugins, each graded at its requirement's
/// level as it would be for that plugin.
pub fn others(v: &CaseVerdict) -> Vec<OtherFinding> {
    v.others()
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| {
            let raw = match f.severity {
                Severity::Error => Verdict::Fail,
                Severity::Warning => Verdict::Warn,
                Severity::Info => Verdict::Pass,
            };
            OtherFinding {
                plugin: f.by.clone().unwrap_or_default(),
                requirement: f.requirement.to_string(),
                verdict: at_level(graded_level(f.requirement), raw),
                message: f.message.clone(),
            }
        })
        .collect()
}

/// The level a requirement is graded at; ids outside the catalogue as MUST.
fn graded_level(id: &str) -> Level {
    requirements::requirement(id).map_or(Level::Must, |r| r.graded_level())
}

/// A verdict capped by what breaking a requirement of `level` can mean.
pub fn at_level(level: Level, v: Verdict) -> Verdict {
    match (level, v) {
        (Level::Should | Level::May, Verdict::Fail) => Verdict::Warn,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_may_or_should_never_fails() {
        assert_eq!(at_level(Level::May, Verdict::Fail), Verdict::Warn);
        assert_eq!(at_level(Level::Should, Verdict::Fail), Verdict::Warn);
        assert_eq!(at_level(Level::Must, Verdict::Fail), Verdict::Fail);
        assert_eq!(at_level(Level::May, Verdict::Blocked), Verdict::Blocked);
    }

    #[test]
    fn findings_grade_their_own_requirement() {
        let v = CaseVerdict::fail("made an interface", "nothing made", "eth0").cites("ENV-8");
        let per = per_requirement(&["ENV-1", "ENV-8", "ERR-5"], &v);
        assert_eq!(per["ENV-1"], Verdict::Pass);
        assert_eq!(per["ENV-8"], Verdict::Fail);
        // ERR-5 is a SHOULD (the code table has no modal verb): a wrong
        // code warns.
        let v = CaseVerdict::fail("code 3, not 4", "code 4", "code 3").cites("ERR-5");
        let per = per_requirement(&["ENV-1", "ERR-5"], &v);
        assert_eq!(per["ERR-5"], Verdict::Warn);
        // Unattributed: the case verdict for every requirement, at its level.
        let v = CaseVerdict::fail("broken", "", "");
        let per = per_requirement(&["ENV-1", "ENV-8"], &v);
        assert_eq!(per["ENV-1"], Verdict::Warn);
        assert_eq!(per["ENV-8"], Verdict::Fail);
    }

    #[test]
    fn a_finding_outside_the_cases_list_still_counts() {
        let v = CaseVerdict::from_findings(
            &[
                crate::judge::Finding::info("DEL-KEPT", "bridge kept"),
                crate::judge::Finding::warning("DEL-PREEXISTING", "made by DEL itself"),
            ],
            "nothing left",
            "ok",
        );
        let per = per_requirement(&["DEL-1", "DEL-KEPT"], &v);
        assert_eq!(case_verdict(v.verdict, &per, &v), Verdict::Warn);
    }

    #[test]
    fn kept_state_is_never_a_failure() {
        // DEL-KEPT is a MAY: whatever the case concluded, its cell is not red.
        let v = CaseVerdict::fail("a veth outlived DEL", "", "");
        let per = per_requirement(&["DEL-1", "DEL-KEPT"], &v);
        assert_ne!(per["DEL-KEPT"], Verdict::Fail);
    }
}
