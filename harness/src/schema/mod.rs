//! Per-version JSON Schemas (draft 2020-12) for every document CNI exchanges:
//! plugin configuration, configuration list, ADD result, IPAM result, error
//! and VERSION result. The schemas live in `specs/<version>/<kind>.schema.json`
//! (each names the SPEC.md section it encodes) and are embedded at build time.
//!
//! Each schema is compiled once per process and reused: validation runs on
//! every fuzz execution, and compiling costs far more than validating.

mod embedded;
mod kind;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use crate::spec::SpecVersion;

pub use kind::{DocumentKind, UnknownKind};

impl DocumentKind {
    /// Whether this document exists at `version`.
    pub fn exists_in(self, version: SpecVersion) -> bool {
        embedded::schema_text(version, self).is_some()
    }
}

/// One way a document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the document, e.g. `/ips/0/address` ("" is the root).
    pub path: String,
    /// JSON pointer into the schema naming the rule broken, following `$ref`s
    /// as evaluated, e.g. `/properties/ips/items/$ref/properties/address/$ref/pattern`.
    pub rule: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{path}: {} (rule {})", self.message, self.rule)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("CNI {version} has no {kind} document")]
    NotInVersion {
        kind: DocumentKind,
        version: SpecVersion,
    },
    #[error("{} schema violation(s): {}", .0.len(), join(.0))]
    Invalid(Vec<Violation>),
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `specs/<version>/<kind>.schema.json`, for messages that point a reader at
/// the rule's source.
pub fn schema_file(version: SpecVersion, kind: DocumentKind) -> String {
    format!("specs/{version}/{kind}.schema.json")
}

/// The raw schema text, or `None` when `kind` does not exist at `version`.
pub fn schema_text(version: SpecVersion, kind: DocumentKind) -> Option<&'static str> {
    embedded::schema_text(version, kind)
}

/// Validate `doc` as a `kind` document of CNI `version`.
pub fn validate(version: SpecVersion, kind: DocumentKind, doc: &Value) -> Result<(), SchemaError> {
    let (schema, validator) = compiled()
        .get(&(version, kind))
        .ok_or(SchemaError::NotInVersion { kind, version })?;
    // The boolean check is much cheaper; only collect errors when it fails.
    if validator.is_valid(doc) {
        return Ok(());
    }
    let violations = validator
        .iter_errors(doc)
        .map(|e| Violation {
            path: e.instance_path().as_str().to_string(),
            rule: e.evaluation_path().as_str().to_string(),
            message: message(schema, &e),
        })
        .collect();
    Err(SchemaError::Invalid(violations))
}

/// The validator's message, except for patterns: an address regex is
/// unreadable, so name what the value should be from the rule's description.
fn message(schema: &Value, e: &jsonschema::ValidationError<'_>) -> String {
    if let jsonschema::error::ValidationErrorKind::Pattern { .. } = e.kind() {
        let rule = e.schema_path().as_str();
        let parent = rule.strip_suffix("/pattern").unwrap_or(rule);
        if let Some(what) = schema
            .pointer(parent)
            .and_then(|n| n["description"].as_str())
        {
            return format!("{} is not valid here: expected {what}", e.instance());
        }
    }
    e.to_string()
}

type Compiled = HashMap<(SpecVersion, DocumentKind), (Value, jsonschema::Validator)>;

/// Every embedded schema, compiled on first use. The schemas ship with the
/// binary and are covered by tests, so a failure here is a build defect.
fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut map = HashMap::new();
        for &(version, kind, text) in embedded::SCHEMAS {
            let file = schema_file(version, kind);
            let schema: Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
            let validator = jsonschema::draft202012::new(&schema)
                .unwrap_or_else(|e| panic!("{file} does not compile: {e}"));
            map.insert((version, kind), (schema, validator));
        }
        map
    })
}
