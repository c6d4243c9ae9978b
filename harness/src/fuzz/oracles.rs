//! What counts as a defect, judged on every execution. The judgements are
//! `crate::judge`'s, shared with the conformance suite; this module turns
//! their findings into [`Detection`]s keyed for deduplication, and adds what
//! only a fuzzer asks (crashes, panics, hangs). What the kernel says comes
//! through [`Observer`].

use serde_json::Value;

use super::observe::Observer;
use crate::invoke::{Exit, Reply, Step};
use crate::judge::{self, consistency, Finding, Severity};
use crate::record::Oracle;
use crate::schema::DocumentKind;
use crate::spec::Verb;

/// An oracle that fired on one execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub oracle: Oracle,
    pub verb: Verb,
    /// Normalised, so the same defect reached by different inputs has one signature.
    pub message: String,
    /// For humans: the raw message.
    pub summary: String,
}

impl Detection {
    pub fn new(oracle: Oracle, verb: Verb, raw: &str) -> Detection {
        Detection {
            oracle,
            verb,
            message: normalize(raw),
            summary: format!(
                "{oracle} on {verb}: {}",
                raw.chars().take(300).collect::<String>()
            ),
        }
    }

    /// A judgement's finding: a violated requirement is one defect whatever
    /// interface or address it names (`[RES-IFNAME] ... eth0` and `... net1`
    /// share a signature).
    pub fn of_finding(oracle: Oracle, verb: Verb, f: &Finding) -> Detection {
        let mut d = Detection::new(oracle, verb, &format!("[{}] {}", f.requirement, f.message));
        d.message = f.requirement.to_ascii_lowercase();
        d
    }

    /// The deduplication key: oracle, verb and normalised message.
    pub fn signature(&self) -> String {
        format!("{}:{}:{}", self.oracle, self.verb, self.message)
    }
}

/// How the fuzzed plugin's results are judged.
#[derive(Debug, Clone, Copy)]
pub struct ResultRules {
    /// The document its success results must be (see `judge::result::kind_for`).
    pub kind: DocumentKind,
    /// Compare them with the kernel (main plugins; IPAM and meta plugins
    /// don't configure the interfaces their results describe).
    pub consistency: bool,
}

/// Judge one plugin execution on its own (crash, panic, hang, garbage, bad result).
pub fn judge_step(step: &Step, rules: ResultRules, observer: &mut Observer) -> Option<Detection> {
    let verb = step.invocation.verb;
    let stderr = String::from_utf8_lossy(&step.outcome.stderr);
    if let Some(at) = panic_location(&stderr) {
        return Some(Detection::new(Oracle::Panic, verb, &at));
    }
    let violation =
        |findings: Vec<Finding>| findings.into_iter().find(|f| f.severity == Severity::Error);
    match &step.reply {
        Reply::Died(Exit::Signal(_)) => Some(Detection::new(
            Oracle::Crash,
            verb,
            &step.outcome.exit.to_string(),
        )),
        Reply::Died(_) => Some(Detection::new(
            Oracle::Hang,
            verb,
            "no exit before the timeout",
        )),
        Reply::Garbage(why) => Some(Detection::new(Oracle::Garbage, verb, why.kind())),
        Reply::Error(e) => {
            let requested = judge::error::requested_version(step);
            violation(judge::error::well_formed(
                requested,
                e,
                &step.outcome.stdout,
            ))
            .map(|f| Detection::of_finding(Oracle::Garbage, verb, &f))
        }
        Reply::Success(answer) => {
            if let Some(f) = judge::output::form(step) {
                return Some(Detection::of_finding(Oracle::Garbage, verb, &f));
            }
            match answer {
                _ if verb != Verb::Add => None,
                None => Some(Detection::new(
                    Oracle::BadResult,
                    verb,
                    "ADD succeeded without printing a result",
                )),
                Some(result) => add_result(step, result, rules, observer),
            }
        }
    }
}

/// A success result right after the ADD that printed it (the kernel is as
/// the ADD left it): it must normalise, validate against its version's
/// schema, carry the configuration's version and, for main plugins, agree
/// with the kernel.
fn add_result(
    step: &Step,
    result: &Value,
    rules: ResultRules,
    observer: &mut Observer,
) -> Option<Detection> {
    let verb = step.invocation.verb;
    let requested = judge::error::requested_version(step);
    let (parsed, findings) = judge::result::judge(result, requested, rules.kind);
    if let Some(f) = findings.first() {
        return Some(Detection::of_finding(Oracle::BadResult, verb, f));
    }
    let parsed = parsed.filter(|_| rules.consistency)?;
    let ifname = env_var(step, "CNI_IFNAME");
    match observer.kernel_for(&parsed) {
        Ok(Some(k)) => {
            // Interface sanity shares the kernel view; what the
            // configuration asks (hairpin, promiscuity) is the suite's to judge.
            let mut findings = consistency::check(&parsed, &ifname, &k.container, &k.node);
            findings.extend(judge::interface::check(
                &ifname,
                &k.container,
                &k.node,
                &judge::interface::Asked::default(),
            ));
            findings
                .iter()
                .find(|f| f.severity == Severity::Error)
                .map(|f| Detection::of_finding(Oracle::BadResult, verb, f))
        }
        Ok(None) => Some(Detection::new(
            Oracle::BadResult,
            verb,
            "no container namespace to check the result in",
        )),
        Err(e) => Some(Detection::new(
            Oracle::BadResult,
            verb,
            &format!("cannot read the kernel to check the result: {e}"),
        )),
    }
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
pub fn coverage_key(step: &Step, detection: Option<&Detection>) -> String {
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
    let oracle = detection.map(|v| v.oracle.as_str()).unwrap_or("-");
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
