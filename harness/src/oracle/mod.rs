//! Oracles: judgements over observations.
//!
//! - [`consistency`]: does the kernel agree with the result a plugin printed?
//! - [`leak`]: what did ADD leave behind after DEL, and does anything grow
//!   with every ADD/DEL cycle?
//! - [`tamper`]: breaking an attachment on purpose, for CHECK and DEL cases.
//!
//! Every finding cites the requirement it enforces (ids of
//! `specs/requirements.json`).

pub mod consistency;
pub mod leak;
pub mod tamper;

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// State legitimately kept or worth knowing; never fails a case.
    Info,
    /// A departure that does not break the attachment.
    Warning,
    /// A violated MUST.
    Error,
}

/// One thing an oracle found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Requirement id, e.g. `RES-IF-EXISTS`.
    pub requirement: &'static str,
    pub message: String,
}

impl Finding {
    pub(crate) fn error(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            requirement,
            message: message.into(),
        }
    }

    pub(crate) fn warning(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            requirement,
            message: message.into(),
        }
    }

    pub(crate) fn info(requirement: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Info,
            requirement,
            message: message.into(),
        }
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
