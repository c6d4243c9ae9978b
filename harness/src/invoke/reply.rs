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

/// The plugin's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Exit 0; `None` when stdout was empty (normal for DEL, STATUS, GC).
    Success(Option<Value>),
    /// Non-zero exit with a JSON object on stdout.
    Error(PluginError),
    /// Output a runtime cannot interpret (with why).
    Garbage(String),
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
                    Err(e) => {
                        Reply::Garbage(format!("exit 0 but stdout is not one JSON document: {e}"))
                    }
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
                Ok(_) => Reply::Garbage(format!(
                    "exit {code} and stdout is JSON but not an error object"
                )),
                Err(_) if out.stdout.iter().all(u8::is_ascii_whitespace) => {
                    Reply::Garbage(format!(
                        "exit {code} with nothing on stdout (stderr: {})",
                        first_line(&out.stderr)
                    ))
                }
                Err(e) => Reply::Garbage(format!("exit {code} and stdout is not JSON: {e}")),
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

fn first_line(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let line = s.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        "empty".into()
    } else {
        line.chars().take(200).collect()
    }
}
