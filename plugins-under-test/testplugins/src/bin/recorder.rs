//! `cni-recorder`: a scripted test plugin, after libcni's `noop` test plugin.
//!
//! Every call appends one JSON line with the environment and stdin it received
//! to `<recordDir>/calls.jsonl` (default `/var/lib/cni/recorder`, which the
//! harness maps to a per-sandbox directory), then answers as its configuration
//! says:
//!
//! ```json
//! {"type": "cni-recorder",
//!  "recordDir": "/var/lib/cni/recorder",
//!  "answers": {"ADD": {"exit": 0, "stdout": {...} | "raw text", "stderr": "log", "sleepMs": 0}}}
//! ```
//!
//! Called as an IPAM plugin (`"ipam": {"type": "cni-recorder", ...}`), it
//! reads `recordDir` and `answers` from the `ipam` section.
//!
//! Without an answer for the verb it behaves like a well-mannered plugin: ADD
//! returns `prevResult` (or an empty result) at the requested version,
//! VERSION lists every spec version, other verbs succeed silently.

use std::io::{Read, Write};

use serde_json::{json, Map, Value};

const ALL_VERSIONS: [&str; 7] = [
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
];

fn main() {
    let mut stdin = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut stdin);
    let env: Map<String, Value> = std::env::vars()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let verb = std::env::var("CNI_COMMAND").unwrap_or_default();
    let conf: Value = serde_json::from_slice(&stdin).unwrap_or(Value::Null);

    // Called as an IPAM plugin, its settings sit in the `ipam` section.
    let own = |key: &str| {
        conf.get(key)
            .or_else(|| conf.get("ipam").and_then(|i| i.get(key)))
            .cloned()
    };
    let dir = own("recordDir")
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or("/var/lib/cni/recorder")
        .to_string();
    let line = json!({"env": env, "stdin": String::from_utf8_lossy(&stdin)});
    let recorded = std::fs::create_dir_all(&dir).and_then(|_| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(format!("{dir}/calls.jsonl"))?;
        writeln!(f, "{line}")
    });
    if let Err(e) = recorded {
        eprintln!("cni-recorder: cannot record to {dir}: {e}");
    }

    let answer = own("answers").and_then(|a| a.get(&verb).cloned());
    let version = conf
        .get("cniVersion")
        .and_then(Value::as_str)
        .unwrap_or("1.1.0")
        .to_string();
    let code = match answer {
        Some(a) => scripted(&a),
        None => default_answer(&verb, &version, &conf),
    };
    std::process::exit(code);
}

fn scripted(a: &Value) -> i32 {
    if let Some(ms) = a.get("sleepMs").and_then(Value::as_u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    if let Some(e) = a.get("stderr").and_then(Value::as_str) {
        eprint!("{e}");
    }
    match a.get("stdout") {
        Some(Value::String(s)) => print!("{s}"),
        Some(v) => print!("{v}"),
        None => {}
    }
    let _ = std::io::stdout().flush();
    a.get("exit").and_then(Value::as_i64).unwrap_or(0) as i32
}

fn default_answer(verb: &str, version: &str, conf: &Value) -> i32 {
    match verb {
        "ADD" => {
            let mut result = conf
                .get("prevResult")
                .cloned()
                .unwrap_or_else(|| json!({"dns": {}}));
            if let Some(obj) = result.as_object_mut() {
                obj.insert("cniVersion".into(), Value::String(version.to_string()));
            }
            println!("{result}");
            0
        }
        "VERSION" => {
            println!(
                "{}",
                json!({"cniVersion": version, "supportedVersions": ALL_VERSIONS})
            );
            0
        }
        "DEL" | "CHECK" | "STATUS" | "GC" => 0,
        other => {
            println!(
                "{}",
                json!({"cniVersion": version, "code": 4, "msg": "unknown CNI_COMMAND", "details": other})
            );
            1
        }
    }
}
