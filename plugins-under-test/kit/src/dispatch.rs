//! Verb dispatch: environment + stdin in, result or error JSON out, exit code.
//! Every failure, including a panic, becomes a spec error object on stdout
//! (SPEC.md "Error": "output ... to stdout" and a non-zero exit).

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::env::{Env, Verb};
use crate::error::{CniError, ErrorCode};
use crate::netconf::{sniff_version, NetConf};
use crate::result::CniResult;
use crate::version::{version_answer, SpecVersion};

/// Everything a verb handler gets.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub env: Env,
    pub conf: NetConf,
}

/// A plugin's verbs. STATUS and GC default to success (nothing to report or
/// collect).
pub trait Plugin {
    fn add(&self, inv: &Invocation) -> Result<CniResult, CniError>;
    fn del(&self, inv: &Invocation) -> Result<(), CniError>;
    fn check(&self, inv: &Invocation) -> Result<(), CniError>;
    fn status(&self, _inv: &Invocation) -> Result<(), CniError> {
        Ok(())
    }
    fn gc(&self, _inv: &Invocation) -> Result<(), CniError> {
        Ok(())
    }
}

/// Run one invocation from the process environment and exit.
pub fn dispatch(plugin: &impl Plugin) -> ! {
    let mut stdin = Vec::new();
    let read = std::io::stdin().read_to_end(&mut stdin);
    let code = match read {
        Ok(_) => run(
            plugin,
            |k| std::env::var(k).ok(),
            &stdin,
            &mut std::io::stdout(),
        ),
        Err(e) => {
            let err = CniError::io("reading stdin", e);
            emit(
                &mut std::io::stdout(),
                &err.to_json(SpecVersion::LATEST.as_str()),
            );
            1
        }
    };
    std::process::exit(code)
}

/// One invocation; returns the exit status. Output goes to `out`.
pub fn run(
    plugin: &impl Plugin,
    get_env: impl Fn(&str) -> Option<String>,
    stdin: &[u8],
    out: &mut dyn Write,
) -> i32 {
    let mut version = sniff_version(stdin);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_verb(plugin, get_env, stdin, &mut version)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(CniError::new(ErrorCode::Internal, "internal error (plugin panicked)").details(what))
    });
    match outcome {
        Ok(Some(json)) => {
            emit(out, &json);
            0
        }
        Ok(None) => 0,
        Err(e) => {
            emit(out, &e.to_json(version.as_str()));
            1
        }
    }
}

fn run_verb(
    plugin: &impl Plugin,
    get_env: impl Fn(&str) -> Option<String>,
    stdin: &[u8],
    version: &mut SpecVersion,
) -> Result<Option<serde_json::Value>, CniError> {
    let env = Env::from_lookup(get_env)?;
    if env.verb == Verb::Version {
        // The VERSION request carries only `cniVersion`; answer even if it is
        // missing or unknown, that is what the probe is for.
        let requested = serde_json::from_slice::<serde_json::Value>(stdin)
            .ok()
            .and_then(|v| v.get("cniVersion")?.as_str()?.parse().ok());
        return Ok(Some(version_answer(requested)));
    }
    let conf = NetConf::parse(stdin)?;
    *version = conf.version;
    let gate = |min: SpecVersion| {
        if conf.version < min {
            Err(CniError::incompatible(format!(
                "{} is not defined for cniVersion {} (needs {} or later)",
                env.verb.as_str(),
                conf.version,
                min
            )))
        } else {
            Ok(())
        }
    };
    match env.verb {
        Verb::Check => gate(SpecVersion::V0_4_0)?,
        Verb::Status | Verb::Gc => gate(SpecVersion::V1_1_0)?,
        _ => {}
    }
    let inv = Invocation { env, conf };
    match inv.env.verb {
        Verb::Add => Ok(Some(plugin.add(&inv)?.to_json(inv.conf.version))),
        Verb::Del => plugin.del(&inv).map(|_| None),
        Verb::Check => plugin.check(&inv).map(|_| None),
        Verb::Status => plugin.status(&inv).map(|_| None),
        Verb::Gc => plugin.gc(&inv).map(|_| None),
        Verb::Version => Ok(None),
    }
}

fn emit(out: &mut dyn Write, json: &serde_json::Value) {
    let _ = serde_json::to_writer(&mut *out, json);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

#[cfg(test)]
mod tests;
