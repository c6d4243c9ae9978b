//! Building graded verdicts, with the evidence a reader needs, from what
//! the cases conclude themselves and from the findings of `judge`.

use crate::invoke::Step;
use crate::judge::{self, error::Expect, Finding, Severity};
use crate::record::{Detail, InvocationRecord, Verdict};

/// The outcome of one case run.
#[derive(Debug, Clone)]
pub struct CaseVerdict {
    pub verdict: Verdict,
    pub reason: String,
    pub expected: String,
    pub actual: String,
    /// The kernel diff and findings about other plugins, when there are
    /// any; boxed to keep the verdict (the error side of every case step)
    /// small.
    pub extra: Option<Box<Extra>>,
    /// The requirements the deciding findings cite, with what each found;
    /// empty when the case did not say (its verdict then stands for every
    /// requirement it checks).
    pub graded: Vec<(&'static str, Verdict)>,
}

/// The rarely set parts of a [`CaseVerdict`].
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub kernel_diff: Option<String>,
    /// Findings about other plugins (chain-mates, delegates) whose own
    /// invocation produced them: reported apart, never counted in the
    /// verdict about the plugin under test.
    pub others: Vec<Finding>,
}

impl CaseVerdict {
    pub fn pass(reason: impl Into<String>) -> CaseVerdict {
        Self::new(Verdict::Pass, reason, "", "")
    }

    /// A MUST was broken.
    pub fn fail(
        reason: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CaseVerdict {
        Self::new(Verdict::Fail, reason, expected, actual)
    }

    /// A SHOULD was broken, or the spec is ambiguous and the plugin chose
    /// the road libcni does not take.
    pub fn warn(
        reason: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CaseVerdict {
        Self::new(Verdict::Warn, reason, expected, actual)
    }

    pub fn skip(reason: impl Into<String>) -> CaseVerdict {
        Self::new(Verdict::Skip, reason, "", "")
    }

    /// Not judged: something the case needs (the baseline, a control)
    /// failed first; `reason` names it and where it is judged.
    pub fn blocked(reason: impl Into<String>, actual: impl Into<String>) -> CaseVerdict {
        Self::new(Verdict::Blocked, reason, "", actual)
    }

    /// The harness could not run the case.
    pub fn error(reason: impl Into<String>) -> CaseVerdict {
        Self::new(Verdict::Error, reason, "", "")
    }

    fn new(
        verdict: Verdict,
        reason: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> CaseVerdict {
        CaseVerdict {
            verdict,
            reason: reason.into(),
            expected: expected.into(),
            actual: actual.into(),
            extra: None,
            graded: Vec::new(),
        }
    }

    /// This verdict is about requirement `id` (of the case's own).
    pub fn cites(mut self, id: &'static str) -> CaseVerdict {
        self.graded.push((id, self.verdict));
        self
    }

    /// Requirement `id` (of the case's own) was judged and holds, whatever
    /// else the case found.
    pub fn holds(mut self, id: &'static str) -> CaseVerdict {
        self.graded.push((id, Verdict::Pass));
        self
    }

    /// Requirement `id` (of the case's own) was not judged in this run:
    /// its cell shows a skip, never a pass the case did not earn.
    pub fn not_judged(mut self, id: &'static str) -> CaseVerdict {
        self.graded.push((id, Verdict::Skip));
        self
    }

    /// Findings about other plugins than the one under test.
    pub fn others(&self) -> &[Finding] {
        self.extra.as_ref().map_or(&[], |e| e.others.as_slice())
    }

    /// With `others` as the findings about other plugins.
    pub fn with_others(mut self, others: Vec<Finding>) -> CaseVerdict {
        if !others.is_empty() || self.extra.is_some() {
            self.extra.get_or_insert_with(Box::default).others = others;
        }
        self
    }

    pub fn with_diff(mut self, diff: Option<String>) -> CaseVerdict {
        self.extra.get_or_insert_with(Box::default).kernel_diff = diff.filter(|d| !d.is_empty());
        self
    }

    /// The worse of two verdicts (by [`Verdict::severity`]), so a case
    /// checking several things reports its worst finding; what each
    /// requirement got is kept from both.
    pub fn worst(self, other: CaseVerdict) -> CaseVerdict {
        let mut graded = self.graded.clone();
        graded.extend(other.graded.iter().copied());
        let mut others = self.others().to_vec();
        others.extend(other.others().iter().cloned());
        let mut out = if other.verdict.severity() > self.verdict.severity() {
            other
        } else {
            self
        };
        out.graded = graded;
        out.with_others(others)
    }

    /// One finding as the case's verdict: errors fail, warnings warn,
    /// information passes.
    pub fn from_finding(f: &Finding) -> CaseVerdict {
        let verdict = match f.severity {
            Severity::Error => Verdict::Fail,
            Severity::Warning => Verdict::Warn,
            Severity::Info => Verdict::Pass,
        };
        Self::new(verdict, &f.message, &f.expected, &f.actual).cites(f.requirement)
    }

    /// Many findings about one expectation (`expected`, e.g. "the kernel
    /// matches"): the first error fails (with a count of the others), else
    /// the first warning warns, else `ok` passes. Every finding of the
    /// deciding severity is listed as evidence.
    pub fn from_findings(findings: &[Finding], expected: &str, ok: &str) -> CaseVerdict {
        let list = |sev: Severity| -> Vec<String> {
            findings
                .iter()
                .filter(|f| f.severity == sev)
                .map(|f| f.to_string())
                .collect()
        };
        let (errors, warnings) = (list(Severity::Error), list(Severity::Warning));
        let graded: Vec<(&'static str, Verdict)> = findings
            .iter()
            .map(|f| {
                let v = match f.severity {
                    Severity::Error => Verdict::Fail,
                    Severity::Warning => Verdict::Warn,
                    Severity::Info => Verdict::Pass,
                };
                (f.requirement, v)
            })
            .collect();
        let verdict = if let Some(first) = errors.first() {
            let more = match errors.len() {
                1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            };
            CaseVerdict::fail(format!("{first}{more}"), expected, errors.join("\n"))
        } else if let Some(first) = warnings.first() {
            CaseVerdict::warn(first.clone(), expected, warnings.join("\n"))
        } else {
            CaseVerdict::pass(ok)
        };
        CaseVerdict { graded, ..verdict }
    }

    /// [`CaseVerdict::from_findings`] over the findings about `subject`
    /// (the plugin under test's `type`) alone: those another plugin's
    /// invocation produced are kept apart in `others`.
    pub fn from_findings_of(
        subject: &str,
        findings: &[Finding],
        expected: &str,
        ok: &str,
    ) -> CaseVerdict {
        let (own, others): (Vec<Finding>, Vec<Finding>) = findings
            .iter()
            .cloned()
            .partition(|f| f.by.as_deref().is_none_or(|p| p == subject));
        Self::from_findings(&own, expected, ok).with_others(others)
    }

    /// A step that should have failed as `want` says: its worst finding,
    /// or a pass naming the error.
    pub fn expected_error(step: &Step, want: &Expect<'_>) -> CaseVerdict {
        match judge::error::expected(step, want).first() {
            Some(f) => CaseVerdict::from_finding(f),
            None => CaseVerdict::pass(step.reply.summary()),
        }
    }

    /// The same verdict, the reason prefixed with `what` was provoked (for
    /// cases that provoke several times).
    pub fn about(self, what: &str) -> CaseVerdict {
        CaseVerdict {
            reason: format!("{what}: {}", self.reason),
            ..self
        }
    }

    pub(crate) fn detail(&self, invocations: Vec<InvocationRecord>) -> Option<Detail> {
        if matches!(self.verdict, Verdict::Pass | Verdict::Skip) {
            return None;
        }
        Some(Detail {
            expected: self.expected.clone(),
            actual: self.actual.clone(),
            invocations,
            kernel_diff: self.extra.as_ref().and_then(|e| e.kernel_diff.clone()),
        })
    }
}

/// Early return of a non-pass verdict from a case body.
#[macro_export]
macro_rules! bail_verdict {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(verdict) => return verdict,
        }
    };
}
