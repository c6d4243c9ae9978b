//! What counts as a defect, judged on every execution. What the kernel and
//! the schemas say comes through [`Observer`], so nothing here reads either.

use std::fmt;

use serde_json::Value;

use super::observe::Observer;
use crate::invoke::{Exit, Reply, Step};
use crate::spec::{SpecVersion, Verb};

/// Which oracle fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Oracle {
    /// Killed by a signal.
    Crash,
    /// A Go `panic:` or Rust `panicked at` on stderr, whatever the exit.
    Panic,
    /// No exit within the timeout.
    Hang,
    /// Non-zero exit without a well-formed error JSON on stdout, or exit 0
    /// with stdout that is not JSON (SPEC.md "Error", "Result Types").
    Garbage,
    /// A success result the schema or the kernel contradicts (SPEC.md "Result Types").
    BadResult,
    /// Per-attachment state left after a successful DEL (SPEC.md "DEL":
    /// the plugin must release the resources of the attachment).
    Leak,
    /// The seed configuration, accepted before, fails after this input.
    Recheck,
    /// A successful ADD whose result's gateway does not answer (DP-GATEWAY).
    Dataplane,
}

impl Oracle {
    pub fn as_str(self) -> &'static str {
        match self {
            Oracle::Crash => "crash",
            Oracle::Panic => "panic",
            Oracle::Hang => "hang",
            Oracle::Garbage => "garbage-output",
            Oracle::BadResult => "bad-result",
            Oracle::Leak => "leak",
            Oracle::Recheck => "recheck",
            Oracle::Dataplane => "dataplane",
        }
    }

    pub fn parse(s: &str) -> Option<Oracle> {
        [
            Oracle::Crash,
            Oracle::Panic,
            Oracle::Hang,
            Oracle::Garbage,
            Oracle::BadResult,
            Oracle::Leak,
            Oracle::Recheck,
            Oracle::Dataplane,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

impl fmt::Display for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An oracle that fired on one execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub oracle: Oracle,
    pub verb: Verb,
    /// Normalised, so the same defect reached by different inputs has one signature.
    pub message: String,
    /// For humans: the raw message.
    pub summary: String,
}

impl Verdict {
    pub fn new(oracle: Oracle, verb: Verb, raw: &str) -> Verdict {
        Verdict {
            oracle,
            verb,
            message: normalize(raw),
            summary: format!(
                "{oracle} on {verb}: {}",
                raw.chars().take(300).collect::<String>()
            ),
        }
    }

    /// The deduplication key: oracle, verb and normalised message.
    pub fn signature(&self) -> String {
        format!("{}:{}:{}", self.oracle, self.verb, self.message)
    }
}

/// What a DEL left behind, compared with the state before the ADD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// Per-attachment objects still present (leaks), one line each.
    pub leaked: Vec<String>,
    /// Whether the sandbox is as good as new (anything else left, even
    /// legitimate per-network state, makes the fuzzer start a fresh one).
    pub pristine: bool,
    /// The full readable diff, for findings.
    pub diff: String,
}

/// What identifies the attachment whose leftovers are judged.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentFacts<'a> {
    pub container_id: &'a str,
    pub ifname: &'a str,
    /// The ADD result, when there was one.
    pub add_result: Option<&'a Value>,
}

/// Judge one plugin execution on its own (crash, panic, hang, garbage, bad result).
pub fn judge_step(
    step: &Step,
    requested: Option<SpecVersion>,
    observer: &mut Observer,
) -> Option<Verdict> {
    let verb = step.invocation.verb;
    let stderr = String::from_utf8_lossy(&step.outcome.stderr);
    if let Some(at) = panic_location(&stderr) {
        return Some(Verdict::new(Oracle::Panic, verb, &at));
    }
    match &step.reply {
        Reply::Died(Exit::Signal(_)) => Some(Verdict::new(
            Oracle::Crash,
            verb,
            &step.outcome.exit.to_string(),
        )),
        Reply::Died(_) => Some(Verdict::new(
            Oracle::Hang,
            verb,
            "no exit before the timeout",
        )),
        Reply::Garbage(why) => Some(Verdict::new(Oracle::Garbage, verb, garbage_class(why))),
        Reply::Error(e) if e.code.is_none() || e.msg.is_none() => Some(Verdict::new(
            Oracle::Garbage,
            verb,
            "error JSON without a numeric `code` and a string `msg`",
        )),
        Reply::Error(_) => None,
        Reply::Success(None) if verb == Verb::Add => Some(Verdict::new(
            Oracle::BadResult,
            verb,
            "ADD succeeded without printing a result",
        )),
        Reply::Success(Some(result)) if verb == Verb::Add => observer
            .check_result(requested, result, &env_var(step, "CNI_IFNAME"))
            .first()
            .map(|v| bad_result(verb, v)),
        Reply::Success(_) => None,
    }
}

/// A violated requirement is one defect whatever interface or address it
/// names: `[RES-IFNAME] ... eth0` and `... net1` share a signature.
fn bad_result(verb: Verb, violation: &str) -> Verdict {
    let mut v = Verdict::new(Oracle::BadResult, verb, violation);
    if let Some(id) = violation
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map(|(id, _)| id)
    {
        v.message = id.to_ascii_lowercase();
    }
    v
}

fn env_var(step: &Step, key: &str) -> String {
    step.invocation
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Where a Go or Rust program panicked, from its stderr.
pub fn panic_location(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    // Rust: "thread 'main' (123) panicked at src/main.rs:18:13:"
    if let Some(line) = lines.iter().find(|l| l.contains("panicked at ")) {
        let at = line
            .split("panicked at ")
            .nth(1)
            .unwrap_or("")
            .trim_end_matches(':');
        let file = at.rsplit('/').next().unwrap_or(at);
        return Some(format!("rust panic at {file}"));
    }
    // Go: "panic: message", then "goroutine 1 [running]:" and the frame.
    let start = lines.iter().position(|l| l.starts_with("panic: "))?;
    let msg = lines[start].trim_start_matches("panic: ");
    let frame = lines[start..]
        .iter()
        .skip_while(|l| !l.starts_with("goroutine "))
        .skip(1)
        .find(|l| !l.trim().is_empty() && !l.starts_with("panic("))
        .map(|l| l.split('(').next().unwrap_or(l).trim())
        .unwrap_or("?");
    Some(format!("go panic: {msg} in {frame}"))
}

/// Reasons without their variable parts.
fn garbage_class(why: &str) -> &'static str {
    if why.contains("nothing on stdout") {
        "non-zero exit with nothing on stdout"
    } else if why.contains("not an error object") {
        "non-zero exit with JSON that is not an error object"
    } else if why.starts_with("exit 0") {
        "exit 0 with stdout that is not one JSON document"
    } else {
        "non-zero exit with stdout that is not JSON"
    }
}

/// Drop what varies between occurrences of one defect: quoted values,
/// numbers, hex, addresses; keep the words.
pub fn normalize(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' | '\'' => {
                for d in chars.by_ref() {
                    if d == c {
                        break;
                    }
                }
                out.push('Q');
            }
            '0'..='9' => {
                while chars.peek().is_some_and(|d| d.is_ascii_alphanumeric()) {
                    chars.next();
                }
                out.push('N');
            }
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
        if out.len() >= 120 {
            break;
        }
    }
    out.trim().to_string()
}

/// The coverage tuple of one execution: verb, exit, error code, reply kind,
/// result shape, normalised message and verdict. New tuples make an input
/// worth keeping in the corpus.
pub fn coverage_key(step: &Step, verdict: Option<&Verdict>) -> String {
    let exit = match step.outcome.exit {
        Exit::Code(c) => format!("exit{c}"),
        Exit::Signal(s) => format!("sig{s}"),
        Exit::Timeout(_) => "timeout".into(),
    };
    let (kind, detail) = match &step.reply {
        Reply::Success(Some(v)) => ("ok", shape(v)),
        Reply::Success(None) => ("ok", String::new()),
        Reply::Error(e) => (
            "err",
            format!(
                "{}/{}",
                e.code.map(|c| c.to_string()).unwrap_or_default(),
                normalize(e.msg.as_deref().unwrap_or(""))
                    .chars()
                    .take(60)
                    .collect::<String>()
            ),
        ),
        Reply::Garbage(_) => ("garbage", String::new()),
        Reply::Died(_) => ("died", String::new()),
    };
    let oracle = verdict.map(|v| v.oracle.as_str()).unwrap_or("-");
    format!("{}|{exit}|{kind}|{detail}|{oracle}", step.invocation.verb)
}

/// Keys and list lengths of a result.
fn shape(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::Array(a) => format!("{k}[{}]", a.len()),
                _ => k.clone(),
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => "non-object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_located() {
        let rust =
            "thread 'main' (15815) panicked at plugins/x/src/bin/flaky_crash.rs:18:13:\nboom";
        assert_eq!(
            panic_location(rust).as_deref(),
            Some("rust panic at flaky_crash.rs:18:13")
        );
        let go = "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.cmdAdd(0xc000)\n\t/src/main.go:12 +0x1d\n";
        assert_eq!(
            panic_location(go).as_deref(),
            Some("go panic: runtime error: index out of range [3] with length 3 in main.cmdAdd")
        );
        assert_eq!(panic_location("just a log line"), None);
    }

    #[test]
    fn normalisation_keeps_words_only() {
        assert_eq!(
            normalize(r#"failed to set "eth0" mtu 9001: Invalid  argument 0x1f"#),
            "failed to set Q mtu N: invalid argument N"
        );
    }
}
