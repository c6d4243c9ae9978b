//! The zoo: CNI plugins that each carry exactly one defect, so the harness
//! can prove every conformance case catches the fault it is written for.
//!
//! Every zoo plugin but `drops-prevresult` and `noop-ipam` wraps a correct
//! plugin, Debian's Go `bridge` (looked up by name on `CNI_PATH`, except for
//! VERSION under libcni's probe, whose `CNI_PATH` is `dummy`): it forwards
//! the environment and its stdin unchanged, and passes the delegate's stdout,
//! stderr and exit code through. The shared plumbing lives here so each
//! binary shows only its defect.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

pub mod daemon;
pub mod net;
pub mod validate;

/// The correct plugin every wrapper delegates to.
pub const DELEGATE: &str = "bridge";

/// Spec versions Debian's bridge supports (what a truthful VERSION lists).
pub const SUPPORTED: [&str; 6] = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"];

/// The version Debian's bridge names in its VERSION answer.
const DELEGATE_SPEC: &str = "1.0.0";

/// CNI error code for an I/O failure of the plugin itself.
const IO_FAILURE: u32 = 5;

/// One invocation as the runtime made it.
pub struct Call {
    /// `CNI_COMMAND`, empty when unset.
    pub verb: String,
    /// The configuration, or `None` when stdin is not JSON (forwarded
    /// untouched so the delegate reports the decode error itself).
    pub conf: Option<Value>,
    /// Stdin exactly as received.
    pub raw: Vec<u8>,
}

impl Call {
    pub fn read() -> Call {
        let mut raw = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut raw) {
            fail("1.0.0", IO_FAILURE, &format!("cannot read stdin: {e}"));
        }
        let conf = serde_json::from_slice(&raw).ok();
        Call {
            verb: std::env::var("CNI_COMMAND").unwrap_or_default(),
            conf,
            raw,
        }
    }

    /// The configuration's `cniVersion`, if it has one.
    pub fn version(&self) -> Option<&str> {
        self.conf.as_ref()?.get("cniVersion")?.as_str()
    }

    /// A version to put in the zoo plugin's own answers.
    pub fn version_or_default(&self) -> String {
        self.version().unwrap_or("1.0.0").to_string()
    }

    /// Stdin for the delegate: exactly what this plugin received. The Go
    /// bridge ignores its own `"type"`, and leaving it alone keeps what the
    /// IPAM plugin behind the bridge sees identical to this plugin's
    /// configuration, as `ipam/delegation` demands of a correct plugin.
    pub fn forwarded_stdin(&self) -> Vec<u8> {
        self.raw.clone()
    }

    /// Forward this call unchanged to the delegate.
    pub fn forward(&self) -> Outcome {
        delegate(&self.forwarded_stdin(), &[])
    }
}

/// What the delegate answered.
pub struct Outcome {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.code == 0
    }

    /// The delegate's stdout as JSON, if it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.stdout).ok()
    }

    /// Replace stdout with a JSON document.
    pub fn set_json(&mut self, doc: &Value) {
        self.stdout = doc.to_string().into_bytes();
    }

    /// Pass the outcome on to the runtime and exit with its code.
    pub fn finish(self) -> ! {
        let mut out = std::io::stdout();
        let _ = out.write_all(&self.stdout);
        let _ = out.flush();
        let mut err = std::io::stderr();
        let _ = err.write_all(&self.stderr);
        let _ = err.flush();
        std::process::exit(self.code)
    }
}

/// Where `name` sits on `CNI_PATH`.
fn find_plugin(name: &str) -> Option<PathBuf> {
    let path = std::env::var("CNI_PATH").unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.is_file())
}

/// Run the delegate with `stdin` and the inherited environment, overridden
/// by `env` (`Some` sets a variable, `None` removes it). Failing to run it at
/// all is this plugin's own error: reported on stdout, exit 1.
pub fn delegate(stdin: &[u8], env: &[(&str, Option<&str>)]) -> Outcome {
    delegate_to(DELEGATE, stdin, env)
}

/// [`delegate`] to another correct plugin than [`DELEGATE`] (found by name on
/// `CNI_PATH`), for defects only a 1.1.0 plugin can show.
pub fn delegate_to(name: &str, stdin: &[u8], env: &[(&str, Option<&str>)]) -> Outcome {
    let version = serde_json::from_slice::<Value>(stdin)
        .ok()
        .and_then(|c| {
            c.get("cniVersion")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| "1.0.0".into());
    // libcni probes VERSION with CNI_PATH=dummy: a delegate installed next
    // to this binary answers for itself.
    let sibling = || {
        let exe = std::env::current_exe().ok()?;
        let p = exe.parent()?.join(name);
        (std::env::var("CNI_COMMAND").as_deref() == Ok("VERSION") && p.is_file()).then_some(p)
    };
    let Some(path) = find_plugin(name).or_else(sibling) else {
        // Otherwise (podman probes before ADD and DEL) answer what the
        // delegate lists rather than fail.
        if std::env::var("CNI_COMMAND").as_deref() == Ok("VERSION") {
            let answer = json!({"cniVersion": DELEGATE_SPEC, "supportedVersions": SUPPORTED});
            return Outcome {
                code: 0,
                stdout: answer.to_string().into_bytes(),
                stderr: Vec::new(),
            };
        }
        fail(
            &version,
            IO_FAILURE,
            &format!("delegate plugin {name:?} not found on CNI_PATH"),
        );
    };
    let mut cmd = Command::new(&path);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => fail(
            &version,
            IO_FAILURE,
            &format!("cannot run {}: {e}", path.display()),
        ),
    };
    // Write stdin from a thread so a delegate that answers before reading
    // everything cannot deadlock us on a full pipe.
    let writer = child.stdin.take().map(|mut pipe| {
        let input = stdin.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        })
    });
    let output = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => fail(
            &version,
            IO_FAILURE,
            &format!("cannot wait for {}: {e}", path.display()),
        ),
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Outcome {
        // Killed by a signal: report a failure rather than success.
        code: output.status.code().unwrap_or(1),
        stdout: output.stdout,
        stderr: output.stderr,
    }
}

/// Print a CNI error of this plugin's own on stdout and exit 1.
pub fn fail(version: &str, code: u32, msg: &str) -> ! {
    println!(
        "{}",
        json!({"cniVersion": version, "code": code, "msg": msg})
    );
    std::process::exit(1)
}

/// Exit 0 with nothing on stdout (DEL/CHECK success).
pub fn succeed_silently() -> ! {
    std::process::exit(0)
}

/// Forward the call unchanged; after an ADD the delegate got right, break
/// the attachment with `defect` (given the call and the delegate's result).
/// A defect that cannot be applied is this plugin's own error (code 5), so
/// a zoo plugin never passes for a correct one by accident.
pub fn break_after_add(defect: impl FnOnce(&Call, &Value) -> Result<(), String>) -> ! {
    let call = Call::read();
    let out = call.forward();
    if call.verb == "ADD" && out.succeeded() {
        let result = out.json().unwrap_or(Value::Null);
        if let Err(e) = defect(&call, &result) {
            fail(
                &call.version_or_default(),
                IO_FAILURE,
                &format!("zoo: could not apply the defect: {e}"),
            );
        }
    }
    out.finish()
}

/// A `CNI_*` variable, empty when unset.
pub fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_default()
}

/// Versions with chaining (and so `prevResult`), for the meta plugins
/// without a delegate.
pub const CHAINABLE: [&str; 4] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];

/// A correct pass-through meta plugin with no delegate: checks the request
/// as a correct plugin does (but not the variables in `unused`, which it
/// never reads), answers ADD with `prevResult` as `shape` prints it, and
/// has nothing of its own to undo or verify on DEL and CHECK.
pub fn pass_through(unused: &[&str], shape: impl FnOnce(&mut Value, &str)) -> ! {
    let call = Call::read();
    let version = call.version_or_default();
    if let Err(refusal) = validate::request_using(&call, &CHAINABLE, unused) {
        fail(&version, refusal.code, &refusal.msg)
    }
    match call.verb.as_str() {
        "ADD" => {
            let mut result = call
                .conf
                .as_ref()
                .and_then(|c| c.get("prevResult"))
                .cloned()
                .unwrap_or_else(|| json!({}));
            shape(&mut result, &version);
            println!("{result}");
            succeed_silently()
        }
        "VERSION" => {
            println!(
                "{}",
                json!({"cniVersion": version, "supportedVersions": CHAINABLE})
            );
            succeed_silently()
        }
        _ => succeed_silently(),
    }
}
