//! Building graded verdicts, with the evidence a reader needs.

use crate::results::{Detail, InvocationRecord, Verdict};

/// The outcome of one case run.
#[derive(Debug, Clone)]
pub struct CaseVerdict {
    pub verdict: Verdict,
    pub reason: String,
    pub expected: String,
    pub actual: String,
    pub kernel_diff: Option<String>,
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
            kernel_diff: None,
        }
    }

    pub fn with_diff(mut self, diff: Option<String>) -> CaseVerdict {
        self.kernel_diff = diff.filter(|d| !d.is_empty());
        self
    }

    /// The worse of two verdicts (fail > error > warn > pass > skip), so a
    /// case checking several things reports its worst finding.
    pub fn worst(self, other: CaseVerdict) -> CaseVerdict {
        let rank = |v: Verdict| match v {
            Verdict::Fail => 4,
            Verdict::Error => 3,
            Verdict::Warn => 2,
            Verdict::Pass => 1,
            Verdict::Skip => 0,
        };
        if rank(other.verdict) > rank(self.verdict) {
            other
        } else {
            self
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
            kernel_diff: self.kernel_diff.clone(),
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
