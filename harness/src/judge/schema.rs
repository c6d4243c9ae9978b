//! Documents against their version's schema: one finding per document
//! (naming the first violation, listing all as evidence), and the schema
//! line `cni-harness exec` prints under every plugin answer.

use std::fmt;

use serde_json::Value;

use super::Finding;
use crate::invoke::{Exit, Garbage, Reply, Step};
use crate::schema::{self, DocumentKind, SchemaError, Violation};
use crate::spec::{SpecVersion, Verb};

/// `doc` as a `kind` document of `version`: `Ok(None)` when valid,
/// `Ok(Some)` for the violations (citing `requirement`), `Err` when the
/// version defines no such document (nothing to judge it by).
pub fn check(
    version: SpecVersion,
    kind: DocumentKind,
    doc: &Value,
    requirement: &'static str,
) -> Result<Option<Finding>, SchemaError> {
    match schema::validate(version, kind, doc) {
        Ok(()) => Ok(None),
        Err(SchemaError::Invalid(violations)) => {
            Ok(Some(violated(version, kind, &violations, requirement)))
        }
        Err(e) => Err(e),
    }
}

fn violated(
    version: SpecVersion,
    kind: DocumentKind,
    violations: &[Violation],
    requirement: &'static str,
) -> Finding {
    let file = schema::schema_file(version, kind);
    let noun = noun(kind);
    let first = violations
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    Finding::error(requirement, format!("the {noun} breaks {file}: {first}"))
        .expected(format!("a {noun} valid against {file}"))
        .actual(
            violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
}

fn noun(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Config => "configuration",
        DocumentKind::Conflist => "configuration list",
        DocumentKind::Result => "result",
        DocumentKind::IpamResult => "IPAM result",
        DocumentKind::Error => "error object",
        DocumentKind::Version => "VERSION answer",
    }
}

/// The version a VERSION answer declares (it is judged at that version;
/// libcni reads it the same way).
pub fn declared_version(doc: &Value) -> Option<SpecVersion> {
    doc.get("cniVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
}

/// What the schema says of one plugin answer, as `exec` prints it.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerSchema {
    /// Success with nothing on stdout.
    NoOutput,
    /// ADD succeeded with nothing on stdout: libcni fails the operation.
    NoAddResult,
    Valid {
        kind: DocumentKind,
        file: String,
    },
    Invalid {
        kind: DocumentKind,
        file: String,
        violations: Vec<Violation>,
    },
    /// No schema to judge by, and why.
    NotChecked(String),
    Unreadable(Garbage),
    NoAnswer(Exit),
}

/// The schema's word on `step`'s answer: VERSION answers at the version
/// they declare, the rest at `version` (the configuration's), success
/// results as `result_kind` (see [`super::result::kind_for`]).
pub fn answer(
    step: &Step,
    version: Option<SpecVersion>,
    result_kind: DocumentKind,
) -> AnswerSchema {
    let unknown =
        || AnswerSchema::NotChecked("the configuration's cniVersion is not a spec version".into());
    let (doc, kind, v) = match &step.reply {
        Reply::Success(None) if step.invocation.verb == Verb::Add => {
            return AnswerSchema::NoAddResult
        }
        Reply::Success(None) => return AnswerSchema::NoOutput,
        Reply::Success(Some(doc)) if step.invocation.verb == Verb::Version => (
            doc,
            DocumentKind::Version,
            declared_version(doc).unwrap_or(SpecVersion::LATEST),
        ),
        Reply::Success(Some(doc)) => match version {
            Some(v) => (doc, result_kind, v),
            None => return unknown(),
        },
        Reply::Error(e) => match version {
            Some(v) => (&e.raw, DocumentKind::Error, v),
            None => return unknown(),
        },
        Reply::Garbage(why) => return AnswerSchema::Unreadable(why.clone()),
        Reply::Died(exit) => return AnswerSchema::NoAnswer(*exit),
    };
    let file = schema::schema_file(v, kind);
    match schema::validate(v, kind, doc) {
        Ok(()) => AnswerSchema::Valid { kind, file },
        Err(SchemaError::Invalid(violations)) => AnswerSchema::Invalid {
            kind,
            file,
            violations,
        },
        Err(e) => AnswerSchema::NotChecked(e.to_string()),
    }
}

impl fmt::Display for AnswerSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerSchema::NoOutput => f.write_str("no output (as the verb allows)"),
            AnswerSchema::NoAddResult => f.write_str("no output: ADD must print a result"),
            AnswerSchema::Valid { kind, file } => write!(f, "valid {kind} ({file})"),
            AnswerSchema::Invalid {
                kind,
                file,
                violations,
            } => {
                write!(f, "INVALID {kind} against {file}:")?;
                for v in violations {
                    write!(f, "\n      {v}")?;
                }
                Ok(())
            }
            AnswerSchema::NotChecked(why) => write!(f, "not checked: {why}"),
            AnswerSchema::Unreadable(why) => write!(f, "not JSON: {why}"),
            AnswerSchema::NoAnswer(exit) => write!(f, "no answer: {exit}"),
        }
    }
}
