//! Delegating to another plugin (normally IPAM) found on `CNI_PATH`
//! (SPEC.md "Section 4: Plugin Delegation"): same environment, the full
//! config on stdin, its result (any version) parsed back.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::env::{Env, Verb};
use crate::error::{CniError, ErrorCode};
use crate::result::CniResult;

/// Locate `plugin_type` on `CNI_PATH`. A type with a path separator is
/// refused: the spec names plugins, it does not let configs pick binaries.
pub fn find_plugin(plugin_type: &str, env: &Env) -> Result<PathBuf, CniError> {
    if plugin_type.is_empty() || plugin_type.contains('/') || plugin_type.starts_with('.') {
        return Err(CniError::config(
            "ipam.type",
            format!("{plugin_type:?} is not a plugin name"),
        ));
    }
    if env.path.is_empty() {
        return Err(CniError::env(format!(
            "CNI_PATH is required to find plugin {plugin_type:?} but not set"
        )));
    }
    env.path
        .iter()
        .map(|dir| dir.join(plugin_type))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CniError::new(
                ErrorCode::Delegate,
                format!(
                    "plugin {plugin_type:?} not found in CNI_PATH {}",
                    env.path
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(":")
                ),
            )
        })
}

/// Run `plugin_type` for `verb` with our environment (CNI_COMMAND replaced
/// by `verb`) and `config` on stdin. Returns its stdout on success; its error
/// object is relayed with the delegate's own code.
pub fn exec(plugin_type: &str, verb: Verb, env: &Env, config: &[u8]) -> Result<Vec<u8>, CniError> {
    let bin = find_plugin(plugin_type, env)?;
    let mut child = Command::new(&bin)
        .env("CNI_COMMAND", verb.as_str())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            CniError::new(
                ErrorCode::Delegate,
                format!("starting {}: {e}", bin.display()),
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A plugin may exit without reading stdin; a broken pipe is its answer.
        let _ = stdin.write_all(config);
    }
    let out = child.wait_with_output().map_err(|e| {
        CniError::new(
            ErrorCode::Delegate,
            format!("waiting for {}: {e}", bin.display()),
        )
    })?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(relay_error(plugin_type, &out.stdout, out.status))
}

/// ADD on a delegate and parse its result.
pub fn add(plugin_type: &str, env: &Env, config: &[u8]) -> Result<CniResult, CniError> {
    let stdout = exec(plugin_type, Verb::Add, env, config)?;
    let json: serde_json::Value = serde_json::from_slice(&stdout).map_err(|e| {
        CniError::new(
            ErrorCode::Delegate,
            format!("{plugin_type} ADD printed no valid JSON result: {e}"),
        )
    })?;
    CniResult::from_json(&json).map_err(|e| {
        CniError::new(
            ErrorCode::Delegate,
            format!("{plugin_type} ADD result is malformed: {e}"),
        )
    })
}

/// A verb without output (DEL, CHECK, STATUS, GC).
pub fn quiet(plugin_type: &str, verb: Verb, env: &Env, config: &[u8]) -> Result<(), CniError> {
    exec(plugin_type, verb, env, config).map(|_| ())
}

fn relay_error(plugin_type: &str, stdout: &[u8], status: std::process::ExitStatus) -> CniError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(stdout).ok();
    match parsed
        .as_ref()
        .and_then(|v| Some((v.get("code")?.as_u64()?, v)))
    {
        Some((code, v)) => {
            let msg = v.get("msg").and_then(|m| m.as_str()).unwrap_or("");
            let details = v.get("details").and_then(|m| m.as_str()).unwrap_or("");
            CniError::with_code(code as u32, format!("{plugin_type}: {msg}")).details(details)
        }
        None => CniError::new(
            ErrorCode::Delegate,
            format!(
                "{plugin_type} failed ({status}) without an error object: {}",
                String::from_utf8_lossy(stdout).trim()
            ),
        ),
    }
}
