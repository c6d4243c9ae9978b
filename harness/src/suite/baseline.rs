//! The baseline: before any case, the configuration's ADD, CHECK (when the
//! version has CHECK and the list does not disable it) and DEL at one
//! version, in a fresh sandbox; the plan runs one at the configuration's
//! own version and one at each version it covers. When one fails, that is
//! the root cause for its version: the cases of that version that need a
//! working ADD (or CHECK) are blocked by it and the failure is reported
//! once, not once per case.

use super::ctx::Ctx;
use super::options::SuiteOptions;
use crate::invoke::setup::SetupError;
use crate::invoke::{ChainRun, DelegateCall};
use crate::record::{Baseline, BaselineFailure};
use crate::spec::{SpecVersion, Verb};

/// Run the baseline at `version`; `None` when the sandbox cannot be built
/// (the cases then report that themselves).
pub fn run(opts: &SuiteOptions, version: SpecVersion) -> Option<Baseline> {
    run_with(opts, version, false).0
}

/// [`run`], watching the delegates the plugins run (through a
/// [`crate::invoke::DelegateTap`]): the baseline, and every delegate call
/// its ADD, CHECK and DEL made.
pub fn run_tapped(
    opts: &SuiteOptions,
    version: SpecVersion,
) -> (Option<Baseline>, Vec<DelegateCall>) {
    run_with(opts, version, true)
}

fn run_with(
    opts: &SuiteOptions,
    version: SpecVersion,
    tapped: bool,
) -> (Option<Baseline>, Vec<DelegateCall>) {
    let mut ctx = match Ctx::new(opts, version) {
        Ok(ctx) => ctx,
        Err(SetupError::Unsupported(_)) | Err(SetupError::Io(_)) => return (None, Vec::new()),
    };
    if tapped {
        // Without the tap the plan only misses delegates: not fatal.
        let _ = ctx.tap_delegates();
    }
    let att = ctx.attachment(0);
    let mut verbs = vec![Verb::Add];
    let mut failure = match ctx.add(&att) {
        Ok(run) => failed(&run, "ADD", &ctx),
        Err(v) => Some(harness_failure(Verb::Add, &v.reason)),
    };
    let check = version.has_check() && !ctx.net.disable_check;
    if failure.is_none() && check {
        verbs.push(Verb::Check);
        failure = match ctx.check(&att) {
            Ok(run) => failed(&run, "CHECK", &ctx),
            Err(v) => Some(harness_failure(Verb::Check, &v.reason)),
        };
    }
    // DEL also after a failed ADD, as the spec asks of runtimes; judged
    // only when everything before held.
    verbs.push(Verb::Del);
    let del = ctx.del(&att);
    if failure.is_none() {
        failure = match del {
            Ok(run) => failed(&run, "DEL", &ctx),
            Err(v) => Some(harness_failure(Verb::Del, &v.reason)),
        };
    }
    let invocations = ctx.invocations();
    let calls = ctx.delegate_calls();
    let baseline = Baseline {
        spec_version: version,
        configured: false,
        verbs,
        failure: failure.map(|f| BaselineFailure { invocations, ..f }),
    };
    (Some(baseline), calls)
}

/// The failure of one verb, with the failing plugin's answer and stderr;
/// when a delegate the plugin ran failed, it is named (the root cause).
fn failed(run: &ChainRun, verb: &str, ctx: &Ctx) -> Option<BaselineFailure> {
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
            let mut what = if s.reply.is_success() {
                format!("{} gave no result", s.plugin_type)
            } else {
                format!("{}: {}", s.plugin_type, s.reply.summary())
            };
            if let Some(d) = ctx
                .delegate_calls()
                .iter()
                .rev()
                .find(|d| d.verb == Some(run.verb) && !d.exit.success())
            {
                what += &format!(
                    " (its delegate {} failed: {})",
                    d.binary,
                    d.reply().summary()
                );
            }
            if let crate::invoke::Reply::Error(e) = &s.reply {
                if e.code == Some(1) && run.verb == Verb::Add {
                    what += &format!(" (cniVersion {} refused as incompatible)", ctx.version);
                }
            }
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
