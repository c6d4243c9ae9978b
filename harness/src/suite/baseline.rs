//! The baseline: before any case, the configuration's own ADD, CHECK (when
//! its version has CHECK and the list does not disable it) and DEL at its
//! version, in a fresh sandbox. When it fails, that is the root cause: the
//! cases that need a working ADD (or CHECK) are blocked by it and the failure
//! is reported once, not once per case.

use super::ctx::Ctx;
use super::options::SuiteOptions;
use crate::invoke::setup::SetupError;
use crate::invoke::ChainRun;
use crate::record::{Baseline, BaselineFailure};
use crate::spec::{SpecVersion, Verb};

/// The version the baseline runs at: the configuration's own when the plan
/// covers it, else the newest planned one.
pub fn version(declared: Option<SpecVersion>, planned: &[SpecVersion]) -> Option<SpecVersion> {
    declared
        .filter(|v| planned.contains(v))
        .or_else(|| planned.last().copied())
}

/// Run the baseline; `None` when no version is planned or the sandbox
/// cannot be built (the cases then report that themselves).
pub fn run(opts: &SuiteOptions, version: SpecVersion) -> Option<Baseline> {
    let mut ctx = match Ctx::new(opts, version) {
        Ok(ctx) => ctx,
        Err(SetupError::Unsupported(_)) | Err(SetupError::Io(_)) => return None,
    };
    let att = ctx.attachment(0);
    let mut verbs = vec![Verb::Add];
    let mut failure = match ctx.add(&att) {
        Ok(run) => failed(&run, "ADD"),
        Err(v) => Some(harness_failure(Verb::Add, &v.reason)),
    };
    let check = version.has_check() && !ctx.net.disable_check;
    if failure.is_none() && check {
        verbs.push(Verb::Check);
        failure = match ctx.check(&att) {
            Ok(run) => failed(&run, "CHECK"),
            Err(v) => Some(harness_failure(Verb::Check, &v.reason)),
        };
    }
    // DEL also after a failed ADD, as the spec asks of runtimes; judged
    // only when everything before held.
    verbs.push(Verb::Del);
    let del = ctx.del(&att);
    if failure.is_none() {
        failure = match del {
            Ok(run) => failed(&run, "DEL"),
            Err(v) => Some(harness_failure(Verb::Del, &v.reason)),
        };
    }
    let invocations = ctx.invocations();
    Some(Baseline {
        spec_version: version,
        verbs,
        failure: failure.map(|f| BaselineFailure { invocations, ..f }),
    })
}

/// The failure of one verb, with the failing plugin's answer and stderr.
fn failed(run: &ChainRun, verb: &str) -> Option<BaselineFailure> {
    if run.succeeded() && !(run.verb == Verb::Add && run.result().is_none()) {
        return None;
    }
    let culprit = run
        .steps
        .iter()
        .find(|s| !s.reply.is_success())
        .or(run.last());
    let (error, stderr) = match culprit {
        Some(s) => {
            let what = if s.reply.is_success() {
                format!("{} gave no result", s.plugin_type)
            } else {
                format!("{}: {}", s.plugin_type, s.reply.summary())
            };
            (what, crate::judge::excerpt(&s.outcome.stderr))
        }
        None => (format!("{verb}: no plugin ran"), String::new()),
    };
    Some(BaselineFailure {
        verb: run.verb,
        error,
        stderr: if stderr == "(empty)" {
            String::new()
        } else {
            stderr
        },
        invocations: Vec::new(),
    })
}

fn harness_failure(verb: Verb, reason: &str) -> BaselineFailure {
    BaselineFailure {
        verb,
        error: reason.to_string(),
        stderr: String::new(),
        invocations: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_runs_at_the_declared_version_when_planned() {
        let planned = [SpecVersion::V0_4_0, SpecVersion::V1_0_0];
        assert_eq!(
            version(Some(SpecVersion::V0_4_0), &planned),
            Some(SpecVersion::V0_4_0)
        );
        assert_eq!(
            version(Some(SpecVersion::V0_1_0), &planned),
            Some(SpecVersion::V1_0_0)
        );
        assert_eq!(version(None, &[]), None);
    }
}
