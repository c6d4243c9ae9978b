//! A correct pass-through meta plugin (no defect): it checks its place in
//! the chain (a `prevResult`) before its environment, as many chained
//! plugins do. It must pass `env/missing-variables` and
//! `env/invalid-container-id`, which run it inside its chain.

use cni_zoo::{fail, succeed_silently, Call};
use serde_json::{json, Value};

const SUPPORTED: [&str; 4] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];
const INCOMPATIBLE_VERSION: u32 = 1;
const INVALID_ENV: u32 = 4;
const DECODE: u32 = 6;
const INVALID_CONFIG: u32 = 7;

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_default()
}

/// Code 4 naming the first required variable that is missing or invalid.
fn check_env(version: &str) {
    for key in ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
        if env(key).is_empty() {
            fail(version, INVALID_ENV, &format!("{key} is required"));
        }
    }
    let id = env("CNI_CONTAINERID");
    let valid_id = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid_id {
        fail(
            version,
            INVALID_ENV,
            &format!("CNI_CONTAINERID {id:?} is not a valid container ID"),
        );
    }
    let ifname = env("CNI_IFNAME");
    let valid_if =
        ifname.len() <= 15 && ifname != "." && ifname != ".." && !ifname.contains(['/', ':', ' ']);
    if !valid_if {
        fail(
            version,
            INVALID_ENV,
            &format!("CNI_IFNAME {ifname:?} is not a valid interface name"),
        );
    }
}

fn main() {
    let call = Call::read();
    let version = call.version_or_default();
    if call.verb == "VERSION" {
        println!(
            "{}",
            json!({"cniVersion": version, "supportedVersions": SUPPORTED})
        );
        succeed_silently()
    }
    let Some(conf) = call.conf.as_ref() else {
        fail(&version, DECODE, "stdin is not a JSON configuration")
    };
    if !SUPPORTED.contains(&version.as_str()) {
        fail(
            &version,
            INCOMPATIBLE_VERSION,
            &format!("cniVersion {version} is not supported"),
        );
    }
    match call.verb.as_str() {
        "ADD" | "CHECK" => {
            // Its place in the chain first: without a prevResult there is
            // nothing to pass on.
            let Some(prev) = conf.get("prevResult").filter(|p| p.is_object()) else {
                fail(
                    &version,
                    INVALID_CONFIG,
                    "must be chained after a plugin that creates the interface (no prevResult)",
                )
            };
            check_env(&version);
            if call.verb == "ADD" {
                let mut out = prev.clone();
                out["cniVersion"] = Value::String(version);
                println!("{out}");
            }
            succeed_silently()
        }
        "DEL" | "STATUS" | "GC" => succeed_silently(),
        other => fail(
            &version,
            INVALID_ENV,
            &format!("unknown CNI_COMMAND: {other:?}"),
        ),
    }
}
