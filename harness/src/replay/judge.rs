//! Judging a replayed invocation as the suite judges one: the form of
//! what it printed, an error's shape, a result's schema and version, the
//! kernel's agreement with the result, and at the end what DEL left. The
//! judgements are `crate::judge`'s; this module only picks which apply.

use crate::invoke::{Exit, Reply, Step};
use crate::judge::{self, consistency, Finding};
use crate::kernel::NsSnapshot;
use crate::result::CniResult;
use crate::schema::DocumentKind;
use crate::spec::Verb;

/// The namespaces an ADD result is checked against, right after the ADD.
pub struct Kernel<'a> {
    /// `None` when the container namespace is gone.
    pub container: Option<&'a NsSnapshot>,
    pub node: &'a NsSnapshot,
}

/// Everything wrong with one replayed step, worst first, and the ADD's
/// result in the harness's model when it printed a readable one.
pub fn step(step: &Step, kernel: &Kernel<'_>) -> (Vec<Finding>, Option<CniResult>) {
    let verb = step.invocation.verb;
    let requested = judge::error::requested_version(step);
    let mut out: Vec<Finding> = judge::output::form(step).into_iter().collect();
    let mut parsed = None;
    match &step.reply {
        Reply::Died(Exit::Timeout(d)) => out.push(
            Finding::error("EXEC-2", format!("{verb}: no exit within {d:?}"))
                .expected("the plugin exits, 0 on success and non-zero on failure"),
        ),
        Reply::Died(exit) => out.push(
            Finding::error("EXEC-2", format!("{verb}: killed: {exit}"))
                .expected("the plugin exits, 0 on success and non-zero on failure"),
        ),
        Reply::Garbage(_) => {} // the form says it
        Reply::Error(e) => out.extend(judge::error::well_formed(
            requested,
            e,
            &step.outcome.stdout,
        )),
        Reply::Success(None) if verb == Verb::Add => out.push(
            Finding::error("ADD-1", "ADD exited 0 without printing a result")
                .expected("a result on stdout"),
        ),
        Reply::Success(Some(result)) if verb == Verb::Add && out.is_empty() => {
            let (p, findings) = judge::result::judge(result, requested, DocumentKind::Result);
            out.extend(findings);
            if let (Some(p), Some(container)) = (&p, kernel.container) {
                let ifname = env(step, "CNI_IFNAME");
                out.extend(consistency::check(p, &ifname, container, kernel.node));
            }
            parsed = p;
        }
        Reply::Success(_) => {}
    }
    (judge::worst_first(out), parsed)
}

fn env(step: &Step, key: &str) -> String {
    step.invocation
        .env
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}
