//! What one runtime operation did: each plugin execution, and the runtime's
//! own word on the whole where libcni has one (it fails an ADD whose output
//! it cannot decode; it sends nothing for a verb the configuration disables).

use std::fmt;

use serde_json::Value;

use super::exec::Outcome;
use super::reply::Reply;
use super::Invocation;
use crate::spec::Verb;

/// One plugin execution and what came of it.
#[derive(Debug, Clone)]
pub struct Step {
    pub plugin_type: String,
    pub invocation: Invocation,
    pub outcome: Outcome,
    pub reply: Reply,
}

/// A verb the configuration list switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabled {
    /// `disableCheck`
    Check,
    /// `disableGC`
    Gc,
    /// The runtime the harness plays never sends this verb.
    ByRuntime {
        runtime: super::RuntimeKind,
        verb: Verb,
    },
}

impl fmt::Display for Disabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match self {
            Disabled::Check => "disableCheck",
            Disabled::Gc => "disableGC",
            Disabled::ByRuntime { runtime, verb } => {
                return write!(f, "{runtime} never sends {verb}")
            }
        };
        write!(f, "the configuration sets {key}")
    }
}

/// Why the runtime failed an operation although every plugin it ran exited 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeFailure {
    /// ADD exited 0 and printed nothing: libcni has no result to decode.
    NoAddResult { plugin: String },
    /// ADD printed something libcni cannot decode as a result of its version.
    UndecodableResult { plugin: String, error: String },
    /// The runtime's VERSION probe before the operation refused the
    /// network (podman skips a network whose plugin does not list the
    /// configuration's version), so no plugin ran.
    ProbeRefused {
        runtime: super::RuntimeKind,
        plugin: String,
        why: String,
    },
}

impl fmt::Display for RuntimeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeFailure::NoAddResult { plugin } => write!(
                f,
                "{plugin} ADD exited 0 but printed no result (libcni fails the ADD: nothing to decode)"
            ),
            RuntimeFailure::UndecodableResult { plugin, error } => write!(
                f,
                "{plugin} ADD exited 0 but libcni cannot decode its result: {error}"
            ),
            RuntimeFailure::ProbeRefused {
                runtime,
                plugin,
                why,
            } => write!(
                f,
                "{runtime}'s VERSION probe of {plugin} refused the network ({why}): no plugin ran"
            ),
        }
    }
}

/// The runtime's own part in an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeNote {
    /// Nothing was sent; libcni reports success without calling a plugin.
    NotSent(Disabled),
    /// The runtime failed the operation itself.
    Failed(RuntimeFailure),
}

/// All plugin executions of one runtime operation, in execution order.
#[derive(Debug, Clone)]
pub struct ChainRun {
    pub verb: Verb,
    pub steps: Vec<Step>,
    /// `None`: the plugins' answers alone decide.
    pub runtime: Option<RuntimeNote>,
    /// VERSION probes the runtime ran before the operation (podman's), not
    /// part of the operation's own steps.
    pub probes: Vec<Step>,
}

impl ChainRun {
    /// Steps run by hand (one plugin alone), judged as libcni judges their
    /// verb: an ADD that exits 0 without a result has failed.
    pub fn of(verb: Verb, steps: Vec<Step>) -> ChainRun {
        let runtime = match steps.last() {
            Some(s) if verb == Verb::Add && s.reply == Reply::Success(None) => {
                Some(RuntimeNote::Failed(RuntimeFailure::NoAddResult {
                    plugin: s.plugin_type.clone(),
                }))
            }
            _ => None,
        };
        ChainRun {
            verb,
            steps,
            runtime,
            probes: Vec::new(),
        }
    }

    /// Nothing sent because the configuration disables the verb.
    pub fn not_sent(verb: Verb, why: Disabled) -> ChainRun {
        ChainRun {
            verb,
            steps: Vec::new(),
            runtime: Some(RuntimeNote::NotSent(why)),
            probes: Vec::new(),
        }
    }

    /// The operation succeeded as libcni would report it: every plugin
    /// succeeded and the runtime failed nothing itself (a verb not sent
    /// because the configuration disables it succeeds, as in libcni).
    pub fn succeeded(&self) -> bool {
        !matches!(self.runtime, Some(RuntimeNote::Failed(_)))
            && self.steps.iter().all(|s| s.reply.is_success())
    }

    /// Why nothing was sent, if the configuration disables the verb.
    pub fn disabled(&self) -> Option<Disabled> {
        match self.runtime {
            Some(RuntimeNote::NotSent(d)) => Some(d),
            _ => None,
        }
    }

    /// The runtime's own failure, if it failed the operation.
    pub fn runtime_failure(&self) -> Option<&RuntimeFailure> {
        match &self.runtime {
            Some(RuntimeNote::Failed(f)) => Some(f),
            _ => None,
        }
    }

    /// The last step (the one whose answer the runtime reports, except for
    /// GC, which goes on after failures: see [`ChainRun::failures`]).
    pub fn last(&self) -> Option<&Step> {
        self.steps.last()
    }

    /// The final result of a successful ADD, as the last plugin printed it.
    pub fn result(&self) -> Option<&Value> {
        if self.succeeded() {
            self.last().and_then(|s| s.reply.result())
        } else {
            None
        }
    }

    /// Every step that failed (more than one only for GC).
    pub fn failed_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| !s.reply.is_success())
    }

    /// Every error, one line each, as libcni would report (and for GC join) them.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .failed_steps()
            .map(|s| format!("{} {}: {}", s.plugin_type, self.verb, s.reply.summary()))
            .collect();
        if let Some(f) = self.runtime_failure() {
            out.push(f.to_string());
        }
        out
    }

    /// One line for humans.
    pub fn summary(&self) -> String {
        if let Some(d) = self.disabled() {
            return format!("{} not sent: {d}", self.verb);
        }
        let failures = self.failures();
        if failures.is_empty() {
            match self.last() {
                Some(s) => s.reply.summary(),
                None => "no plugin ran".into(),
            }
        } else {
            failures.join("; ")
        }
    }
}

impl Step {
    /// The step as the results format records it (each text capped at
    /// 64 KiB so that results and findings stay readable).
    pub fn record(&self) -> crate::record::InvocationRecord {
        let text = |b: &[u8]| String::from_utf8_lossy(b).chars().take(64 * 1024).collect();
        crate::record::InvocationRecord {
            plugin: self.invocation.plugin.display().to_string(),
            verb: self.invocation.verb,
            env: self.invocation.env.clone(),
            stdin: text(&self.invocation.stdin),
            stdout: text(&self.outcome.stdout),
            stderr: text(&self.outcome.stderr),
            status: self.outcome.exit,
            wall_ms: self.outcome.wall.as_secs_f64() * 1000.0,
        }
    }
}
