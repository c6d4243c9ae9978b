//! Error answers: the form every error object must have, and whether a
//! step that should have failed did so as the spec asks.
//!
//! Where the spec is ambiguous the other road is a warning, as libcni
//! tolerates it (see `specs/requirements.json`): error JSON on stderr only
//! (ERR-1), an error object without `cniVersion` (ERR-10).

use serde_json::Value;

use super::{excerpt, schema, Finding, Severity};
use crate::invoke::{PluginError, Reply, Step};
use crate::schema::DocumentKind;
use crate::spec::{ErrorCode, SpecVersion};

/// Spec codes, plus Go's 8 (invalid netns) which libcni defines too.
const KNOWN_CODES: [u64; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51];

/// What an expected error must look like.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// The requirement saying the provocation must be refused.
    pub refusal: &'static str,
    /// The code the spec prescribes, if any, and the requirement that does.
    pub code: Option<(u64, &'static str)>,
    /// Words the message or details should contain (e.g. the variable name).
    pub mentions: &'a [&'a str],
    /// What was done to provoke the error, for the message.
    pub provoked_by: &'a str,
}

/// The error object's own form, worst first: valid against the error
/// schema of `version` (when known) and carrying `code` and `msg` (ERR-1);
/// a reserved code that is no spec code (ERR-11) and a missing
/// `cniVersion` (ERR-10) are warnings.
pub fn well_formed(version: Option<SpecVersion>, e: &PluginError, stdout: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(v) = version {
        if let Ok(Some(f)) = schema::check(v, DocumentKind::Error, &e.raw, "ERR-1") {
            out.push(f.actual(excerpt(stdout)));
        }
    }
    if e.msg.is_none() || e.code.is_none() {
        out.push(
            Finding::error("ERR-1", "error JSON lacks `code` or `msg`")
                .expected("an error object with an integer `code` and a string `msg`")
                .actual(excerpt(stdout)),
        );
    }
    if let Some(code) = e
        .code
        .filter(|c| !KNOWN_CODES.contains(c) && ErrorCode::is_reserved(*c))
    {
        out.push(
            Finding::warning(
                "ERR-11",
                format!(
                    "error code {code} is in the spec's reserved range 1-99 but not a spec code"
                ),
            )
            .expected("a spec code, or 100+ for the plugin's own")
            .actual(format!("code {code}")),
        );
    }
    if e.cni_version.is_none() {
        out.push(
            Finding::warning(
                "ERR-10",
                "error JSON has no cniVersion (Go's skel omits it; libcni accepts that)",
            )
            .expected("cniVersion in the error object")
            .actual(excerpt(stdout)),
        );
    }
    out
}

/// Everything wrong with `step` as the error `want` describes, worst
/// first; empty when it is that error.
pub fn expected(step: &Step, want: &Expect<'_>) -> Vec<Finding> {
    let expected = match want.code {
        Some((c, _)) => format!("non-zero exit and an error JSON on stdout with code {c}"),
        None => "non-zero exit and an error JSON on stdout".to_string(),
    };
    let stdout = &step.outcome.stdout;
    let e = match &step.reply {
        Reply::Success(_) => {
            return vec![Finding::error(
                want.refusal,
                format!("plugin succeeded although {}", want.provoked_by),
            )
            .expected(expected)
            .actual(format!(
                "{} with stdout {}",
                step.outcome.exit,
                excerpt(stdout)
            ))]
        }
        Reply::Died(exit) => {
            return vec![Finding::error(
                want.refusal,
                format!("plugin died when {}", want.provoked_by),
            )
            .expected(expected)
            .actual(exit.to_string())]
        }
        Reply::Garbage(why) => {
            let finding = match stderr_error_code(&step.outcome.stderr) {
                Some(code) => Finding::warning(
                    "ERR-1",
                    format!(
                        "error JSON (code {code}) on stderr, nothing on stdout; \
                         libcni reads errors from stdout"
                    ),
                )
                .actual(format!("stderr: {}", excerpt(&step.outcome.stderr))),
                None => Finding::error(
                    "ERR-1",
                    format!("no well-formed error when {}: {why}", want.provoked_by),
                )
                .actual(format!(
                    "{} stdout: {}",
                    step.outcome.exit,
                    excerpt(stdout)
                )),
            };
            return vec![finding.expected(expected)];
        }
        Reply::Error(e) => e,
    };
    // The object's own faults and the expectation's, in the order a reader
    // fixes them: what is broken first, the object's quibbles last.
    let (faults, quibbles): (Vec<Finding>, Vec<Finding>) =
        well_formed(requested_version(step), e, stdout)
            .into_iter()
            .partition(|f| f.severity == Severity::Error);
    let mut out: Vec<Finding> = faults
        .into_iter()
        .map(|f| f.expected(expected.clone()))
        .collect();
    out.extend(unexpected(e, want));
    out.extend(quibbles);
    super::worst_first(out)
}

/// Where a well-formed error differs from the one asked for: the code
/// (an error), the words its message should hold (a warning).
fn unexpected(e: &PluginError, want: &Expect<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some((want_code, requirement)), Some(got)) = (want.code, e.code) {
        if want_code != got {
            out.push(
                Finding::error(
                    requirement,
                    format!("wrong error code when {}", want.provoked_by),
                )
                .expected(format!(
                    "non-zero exit and an error JSON on stdout with code {want_code}"
                ))
                .actual(format!("code {got}: {}", e.msg.as_deref().unwrap_or(""))),
            );
        }
    }
    let said = format!(
        "{} {}",
        e.msg.as_deref().unwrap_or(""),
        e.details.as_deref().unwrap_or("")
    );
    let unnamed: Vec<&str> = want
        .mentions
        .iter()
        .copied()
        .filter(|m| !said.contains(m))
        .collect();
    if !unnamed.is_empty() {
        let requirement = want.code.map_or(want.refusal, |(_, r)| r);
        out.push(
            Finding::warning(
                requirement,
                format!("error does not name {}", unnamed.join(", ")),
            )
            .expected(format!("msg or details naming {}", unnamed.join(", ")))
            .actual(said.trim()),
        );
    }
    out
}

/// The version the plugin was asked in: its stdin's `cniVersion`, when
/// that is a spec version.
pub fn requested_version(step: &Step) -> Option<SpecVersion> {
    serde_json::from_slice::<Value>(&step.invocation.stdin)
        .ok()
        .and_then(|v| v.get("cniVersion")?.as_str()?.parse().ok())
}

/// A code from error JSON on stderr (a line of it, or all of it).
fn stderr_error_code(stderr: &[u8]) -> Option<u64> {
    let s = String::from_utf8_lossy(stderr);
    s.lines()
        .chain(std::iter::once(s.as_ref()))
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .find_map(|v| v.get("code").and_then(Value::as_u64))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::invoke::{Exit, Invocation, Outcome};
    use crate::spec::Verb;

    /// A step as the runtime records it, for ADD at 1.0.0.
    fn step(exit: i32, stdout: &str, stderr: &str) -> Step {
        let outcome = Outcome {
            exit: Exit::Code(exit),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
            stdout_truncated: false,
            stderr_truncated: false,
            wall: Duration::ZERO,
        };
        Step {
            plugin_type: "p".into(),
            invocation: Invocation {
                plugin: PathBuf::from("/bin/p"),
                verb: Verb::Add,
                env: Vec::new(),
                stdin: br#"{"cniVersion":"1.0.0","name":"n","type":"p"}"#.to_vec(),
            },
            reply: Reply::from_outcome(&outcome),
            outcome,
        }
    }

    const WANT: Expect<'static> = Expect {
        refusal: "ENV-1",
        code: Some((4, "ERR-5")),
        mentions: &["CNI_IFNAME"],
        provoked_by: "CNI_IFNAME is missing",
    };

    fn ids(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings
            .iter()
            .map(|f| (f.requirement, f.severity))
            .collect()
    }

    #[test]
    fn the_error_asked_for_has_no_findings() {
        let s = step(
            1,
            r#"{"cniVersion":"1.0.0","code":4,"msg":"CNI_IFNAME missing"}"#,
            "",
        );
        assert_eq!(expected(&s, &WANT), []);
    }

    #[test]
    fn success_and_stderr_errors_are_told_apart() {
        let ok = expected(&step(0, "", ""), &WANT);
        assert_eq!(ids(&ok), [("ENV-1", Severity::Error)]);
        assert!(ok[0]
            .message
            .contains("succeeded although CNI_IFNAME is missing"));
        let stderr = expected(&step(1, "", r#"{"code":4,"msg":"x"}"#), &WANT);
        assert_eq!(ids(&stderr), [("ERR-1", Severity::Warning)]);
        let nothing = expected(&step(1, "", "panic"), &WANT);
        assert_eq!(ids(&nothing), [("ERR-1", Severity::Error)]);
    }

    #[test]
    fn faults_come_before_quibbles() {
        // Wrong code, a message not naming the variable, no cniVersion.
        let s = step(1, r#"{"code":7,"msg":"bad"}"#, "");
        assert_eq!(
            ids(&expected(&s, &WANT)),
            [
                ("ERR-5", Severity::Error),
                ("ERR-5", Severity::Warning),
                ("ERR-10", Severity::Warning),
            ]
        );
        // An object without msg breaks the form before anything else.
        let s = step(1, r#"{"cniVersion":"1.0.0","code":4}"#, "");
        assert_eq!(ids(&expected(&s, &WANT))[0], ("ERR-1", Severity::Error));
    }

    #[test]
    fn reserved_codes_outside_the_spec_warn() {
        let e = match step(1, r#"{"cniVersion":"1.0.0","code":42,"msg":"m"}"#, "").reply {
            Reply::Error(e) => e,
            other => panic!("{other:?}"),
        };
        let f = well_formed(Some(SpecVersion::V1_0_0), &e, b"");
        assert_eq!(ids(&f), [("ERR-11", Severity::Warning)]);
        assert!(well_formed(
            None,
            &PluginError {
                code: Some(999),
                ..e
            },
            b""
        )
        .is_empty());
    }
}
