//! Reading a plugin's answer the way libcni does: on success stdout holds the
//! result; on failure stdout holds the error JSON (stderr is only logs).

use serde_json::Value;

use super::exec::{Exit, Outcome};

/// A CNI error structure as the plugin sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginError {
    pub code: Option<u64>,
    pub msg: Option<String>,
    pub details: Option<String>,
    pub cni_version: Option<String>,
    pub raw: Value,
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(c) => write!(f, "code {c}")?,
            None => write!(f, "no code")?,
        }
        if let Some(m) = &self.msg {
            write!(f, ": {m}")?;
        }
        if let Some(d) = &self.details {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// Why an answer cannot be read: a stable kind plus the parser's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Garbage {
    /// Exit 0 but stdout is not one JSON document.
    SuccessNotJson { error: String },
    /// Non-zero exit and nothing on stdout.
    ErrorEmpty { code: i32, stderr: String },
    /// Non-zero exit and stdout is JSON, but not an object.
    ErrorNotObject { code: i32 },
    /// Non-zero exit and stdout is not JSON.
    ErrorNotJson { code: i32, error: String },
}

impl Garbage {
    /// The kind without the variable parts: what one defect has in common
    /// however it is reached (the fuzzer's deduplication key).
    pub fn kind(&self) -> &'static str {
        match self {
            Garbage::SuccessNotJson { .. } => "exit 0 with stdout that is not one JSON document",
            Garbage::ErrorEmpty { .. } => "non-zero exit with nothing on stdout",
            Garbage::ErrorNotObject { .. } => "non-zero exit with JSON that is not an error object",
            Garbage::ErrorNotJson { .. } => "non-zero exit with stdout that is not JSON",
        }
    }

    /// Whether the plugin exited 0 (so stdout should have been a result).
    pub fn on_success(&self) -> bool {
        matches!(self, Garbage::SuccessNotJson { .. })
    }
}

impl std::fmt::Display for Garbage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Garbage::SuccessNotJson { error } => {
                write!(f, "exit 0 but stdout is not one JSON document: {error}")
            }
            Garbage::ErrorEmpty { code, stderr } => {
                write!(f, "exit {code} with nothing on stdout (stderr: {stderr})")
            }
            Garbage::ErrorNotObject { code } => {
                write!(f, "exit {code} and stdout is JSON but not an error object")
            }
            Garbage::ErrorNotJson { code, error } => {
                write!(f, "exit {code} and stdout is not JSON: {error}")
            }
        }
    }
}

/// The plugin's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Exit 0; `None` when stdout was empty (normal for DEL, STATUS, GC).
    Success(Option<Value>),
    /// Non-zero exit with a JSON object on stdout.
    Error(PluginError),
    /// Output a runtime cannot interpret, and why.
    Garbage(Garbage),
    /// Killed by a signal or by the timeout.
    Died(Exit),
}

impl Reply {
    pub fn from_outcome(out: &Outcome) -> Reply {
        match out.exit {
            Exit::Signal(_) | Exit::Timeout(_) => Reply::Died(out.exit),
            Exit::Code(0) => {
                if out.stdout.iter().all(u8::is_ascii_whitespace) {
                    return Reply::Success(None);
                }
                match serde_json::from_slice::<Value>(&out.stdout) {
                    Ok(v) => Reply::Success(Some(v)),
                    Err(e) => Reply::Garbage(Garbage::SuccessNotJson {
                        error: e.to_string(),
                    }),
                }
            }
            Exit::Code(code) => match serde_json::from_slice::<Value>(&out.stdout) {
                Ok(Value::Object(obj)) => Reply::Error(PluginError {
                    code: obj.get("code").and_then(Value::as_u64),
                    msg: obj.get("msg").and_then(Value::as_str).map(str::to_string),
                    details: obj
                        .get("details")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    cni_version: obj
                        .get("cniVersion")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    raw: Value::Object(obj),
                }),
                Ok(_) => Reply::Garbage(Garbage::ErrorNotObject { code }),
                Err(_) if out.stdout.iter().all(u8::is_ascii_whitespace) => {
                    Reply::Garbage(Garbage::ErrorEmpty {
                        code,
                        stderr: first_line(&out.stderr),
                    })
                }
                Err(e) => Reply::Garbage(Garbage::ErrorNotJson {
                    code,
                    error: e.to_string(),
                }),
            },
        }
    }

    /// The success result, if any.
    pub fn result(&self) -> Option<&Value> {
        match self {
            Reply::Success(v) => v.as_ref(),
            _ => None,
        }
    }

    pub fn is_success(&self) -> bool {
        matches!(self, Reply::Success(_))
    }

    /// One line for humans.
    pub fn summary(&self) -> String {
        match self {
            Reply::Success(Some(_)) => "success with a result".into(),
            Reply::Success(None) => "success (no output)".into(),
            Reply::Error(e) => format!("error {e}"),
            Reply::Garbage(why) => format!("unreadable answer: {why}"),
            Reply::Died(exit) => format!("died: {exit}"),
        }
    }
}

/// The first line that says something: a Rust panic's stderr starts with
/// an empty line, and "empty" would hide it.
fn first_line(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.is_empty() {
        "empty".into()
    } else {
        line.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn stderr_is_shown_whatever_its_first_character() {
        let panic = b"\nthread 'main' panicked at src/main.rs:3:5:\nboom\n";
        assert_eq!(
            first_line(panic),
            "thread 'main' panicked at src/main.rs:3:5:"
        );
        assert_eq!(first_line(b" \n\t\n"), "empty");
        assert_eq!(first_line(b""), "empty");
    }
}
