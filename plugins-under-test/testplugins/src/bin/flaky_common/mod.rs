//! What the `cni-flaky-*` plugins share: a correct, do-nothing CNI plugin
//! into which each binary plants one defect. They exist so the fuzzer can be
//! tested against defects it must find, with nothing else to report.
//!
//! Correct behaviour (SPEC.md "Execution Protocol" and "Result Types"):
//! VERSION lists every version; ADD returns an empty result at the
//! configuration's `cniVersion`; CHECK, DEL, STATUS and GC succeed silently;
//! unreadable configurations and unknown versions get an error JSON on stdout
//! (codes 6 and 1) and a non-zero exit.

use std::io::Read;

use serde_json::{json, Value};

pub const ALL_VERSIONS: [&str; 7] = [
    "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
];

/// Run the plugin; `defect` sees the parsed configuration of every verb but
/// VERSION before the plugin answers.
pub fn main_with(defect: fn(&Value)) -> ! {
    let mut stdin = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut stdin);
    let verb = std::env::var("CNI_COMMAND").unwrap_or_default();
    if verb == "VERSION" {
        answer(json!({"cniVersion": "1.1.0", "supportedVersions": ALL_VERSIONS}));
    }
    let conf: Value = match serde_json::from_slice(&stdin) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => fail("1.1.0", 6, "configuration is not a JSON object"),
        Err(e) => fail("1.1.0", 6, &format!("cannot decode configuration: {e}")),
    };
    let version = match conf.get("cniVersion").and_then(Value::as_str) {
        Some(v) if ALL_VERSIONS.contains(&v) => v.to_string(),
        Some(v) => fail("1.1.0", 1, &format!("unsupported cniVersion {v:?}")),
        None => fail("1.1.0", 7, "missing string field cniVersion"),
    };
    defect(&conf);
    match verb.as_str() {
        "ADD" => {
            let result = if version == "0.1.0" || version == "0.2.0" {
                json!({"cniVersion": version, "dns": {}})
            } else {
                json!({"cniVersion": version, "interfaces": [], "ips": [], "dns": {}})
            };
            answer(result)
        }
        "DEL" | "CHECK" | "STATUS" | "GC" => std::process::exit(0),
        other => fail(&version, 4, &format!("unknown CNI_COMMAND {other:?}")),
    }
}

fn answer(v: Value) -> ! {
    println!("{v}");
    std::process::exit(0)
}

fn fail(version: &str, code: u32, msg: &str) -> ! {
    println!(
        "{}",
        json!({"cniVersion": version, "code": code, "msg": msg})
    );
    std::process::exit(1)
}
