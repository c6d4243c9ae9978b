//! Grading a reply that must be an error.

use crate::invoke::{Reply, Step};
use crate::spec::ErrorCode;
use crate::suite::verdict::CaseVerdict;

/// What an expected error must look like.
pub struct Expect<'a> {
    /// The code the spec prescribes, if any.
    pub code: Option<u64>,
    /// Words the message or details should contain (e.g. the variable name).
    pub mentions: &'a [&'a str],
    /// What the case did to provoke the error, for the reason line.
    pub provoked_by: &'a str,
}

/// Grade a step that should have failed with a spec error on stdout.
///
/// Errors on stderr only, and errors without `cniVersion`, are graded as
/// warnings: the spec text is ambiguous there and libcni tolerates both
/// (see `docs/requirements.md`).
pub fn grade(step: &Step, want: &Expect<'_>) -> CaseVerdict {
    // The error schema of the version the plugin was asked in (if known).
    let version: Option<crate::spec::SpecVersion> =
        serde_json::from_slice::<serde_json::Value>(&step.invocation.stdin)
            .ok()
            .and_then(|v| v.get("cniVersion")?.as_str()?.parse().ok());
    let expected = match want.code {
        Some(c) => format!("non-zero exit and an error JSON on stdout with code {c}"),
        None => "non-zero exit and an error JSON on stdout".to_string(),
    };
    match &step.reply {
        Reply::Success(_) => CaseVerdict::fail(
            format!("plugin succeeded although {}", want.provoked_by),
            expected,
            format!(
                "{} with stdout {}",
                step.outcome.exit,
                text(&step.outcome.stdout)
            ),
        ),
        Reply::Died(exit) => CaseVerdict::fail(
            format!("plugin died when {}", want.provoked_by),
            expected,
            exit.to_string(),
        ),
        Reply::Garbage(why) => {
            if let Some(code) = stderr_error_code(&step.outcome.stderr) {
                CaseVerdict::warn(
                    format!("error JSON (code {code}) on stderr, nothing on stdout; libcni reads errors from stdout"),
                    expected,
                    format!("stderr: {}", text(&step.outcome.stderr)),
                )
            } else {
                CaseVerdict::fail(
                    format!("no well-formed error when {}: {why}", want.provoked_by),
                    expected,
                    format!(
                        "{} stdout: {}",
                        step.outcome.exit,
                        text(&step.outcome.stdout)
                    ),
                )
            }
        }
        Reply::Error(e) => {
            if let Some(v) = version {
                if let Err(crate::schema::SchemaError::Invalid(violations)) =
                    crate::schema::validate(v, crate::schema::DocumentKind::Error, &e.raw)
                {
                    return CaseVerdict::fail(
                        format!(
                            "the error object breaks {}: {}",
                            crate::schema::schema_file(v, crate::schema::DocumentKind::Error),
                            violations
                                .first()
                                .map(ToString::to_string)
                                .unwrap_or_default()
                        ),
                        expected,
                        text(&step.outcome.stdout),
                    );
                }
            }
            if e.msg.is_none() || e.code.is_none() {
                return CaseVerdict::fail(
                    "error JSON lacks `code` or `msg`",
                    expected,
                    text(&step.outcome.stdout),
                );
            }
            if let (Some(want_code), Some(got)) = (want.code, e.code) {
                if want_code != got {
                    return CaseVerdict::fail(
                        format!("wrong error code when {}", want.provoked_by),
                        expected,
                        format!("code {got}: {}", e.msg.as_deref().unwrap_or("")),
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
                return CaseVerdict::warn(
                    format!("error does not name {}", unnamed.join(", ")),
                    format!("msg or details naming {}", unnamed.join(", ")),
                    said.trim().to_string(),
                );
            }
            if let Some(code) = e
                .code
                .filter(|c| !KNOWN_CODES.contains(c) && ErrorCode::is_reserved(*c))
            {
                return CaseVerdict::warn(
                    format!("error code {code} is in the spec's reserved range 1-99 but not a spec code"),
                    "a spec code, or 100+ for the plugin's own",
                    format!("code {code}"),
                );
            }
            if e.cni_version.is_none() {
                return CaseVerdict::warn(
                    "error JSON has no cniVersion (Go's skel omits it; libcni accepts that)",
                    "cniVersion in the error object",
                    text(&step.outcome.stdout),
                );
            }
            CaseVerdict::pass(format!("error {e}"))
        }
    }
}

/// Spec codes, plus Go's 8 (invalid netns) which libcni defines too.
const KNOWN_CODES: [u64; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51];

fn stderr_error_code(stderr: &[u8]) -> Option<u64> {
    let s = String::from_utf8_lossy(stderr);
    s.lines()
        .chain(std::iter::once(s.as_ref()))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l.trim()).ok())
        .find_map(|v| v.get("code").and_then(serde_json::Value::as_u64))
}

pub fn text(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s = s.trim();
    if s.is_empty() {
        "(empty)".into()
    } else {
        s.chars().take(300).collect()
    }
}
