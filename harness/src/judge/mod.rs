//! Judgements: what the conformance suite and the fuzzer conclude from what
//! they observed, written once for both. Every check returns [`Finding`]s
//! citing the requirement it enforces (ids of `specs/requirements.json`);
//! the suite grades them into case verdicts, the fuzzer into findings.
//!
//! - [`result`]: a success result against its version's schema and
//!   shape (the IPAM one for IPAM plugins) and the configuration's version;
//! - [`consistency`]: does the kernel agree with the result?
//! - [`interface`]: do the attachment's links carry traffic (queue length,
//!   MTU of both veth ends, bridge port state, what the configuration asks)?
//! - [`delegation`]: does a delegating plugin pass on what its IPAM
//!   returned, and roll a failed ADD back with the delegate's DEL only?
//! - [`error`]: is an error answer well-formed, and the one a provocation asks for?
//! - [`output`]: is what a plugin printed one document agreeing with its exit?
//! - [`repeat`]: does a repeated ADD of one attachment hold one reservation?
//! - [`leak`]: what did ADD leave behind after DEL, what grows per cycle?
//! - [`schema`]: any document against its schema, and the line `exec` prints;
//! - [`dataplane`]: did the packets a result's claims call for get through?

pub mod consistency;
pub mod dataplane;
pub mod delegation;
pub mod error;
pub mod interface;
pub mod leak;
pub mod output;
pub mod repeat;
pub mod result;
pub mod schema;

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// State legitimately kept or worth knowing; never fails a case.
    Info,
    /// A broken SHOULD, or the road libcni does not take where the spec is
    /// ambiguous.
    Warning,
    /// A broken MUST.
    Error,
}

/// One thing a judgement found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Requirement id, e.g. `RES-IF-HOST`.
    pub requirement: &'static str,
    /// One line: what happened.
    pub message: String,
    /// What the requirement asks for here (empty when `message` says it).
    pub expected: String,
    /// The evidence: what the plugin printed, what the kernel holds.
    pub actual: String,
    /// The plugin (`type`) whose invocation produced it, when the judgement
    /// could tell (a chain's kernel changes split per plugin); `None`: the
    /// plugin under test, or not attributable to one invocation.
    pub by: Option<String>,
}

impl Finding {
    pub fn error(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, requirement, message)
    }

    pub fn warning(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, requirement, message)
    }

    pub fn info(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Info, requirement, message)
    }

    fn new(severity: Severity, requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            requirement,
            message: message.into(),
            expected: String::new(),
            actual: String::new(),
            by: None,
        }
    }

    /// With what the requirement asks for here.
    pub fn expected(mut self, expected: impl Into<String>) -> Finding {
        self.expected = expected.into();
        self
    }

    /// Produced by `plugin`'s invocation.
    pub fn by(mut self, plugin: impl Into<String>) -> Finding {
        self.by = Some(plugin.into());
        self
    }

    /// With the evidence.
    pub fn actual(mut self, actual: impl Into<String>) -> Finding {
        self.actual = actual.into();
        self
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}",
            self.severity, self.requirement, self.message
        )
    }
}

/// Whether any finding is an error.
pub fn any_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// The worst finding first, in their order otherwise (sort is stable).
pub fn worst_first(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

/// What a plugin printed, for evidence: trimmed, at most 300 characters,
/// `(empty)` for nothing.
pub fn excerpt(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim();
    if s.is_empty() {
        "(empty)".into()
    } else {
        s.chars().take(300).collect()
    }
}
