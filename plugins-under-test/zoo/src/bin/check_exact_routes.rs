//! Defect: CHECK also fails when the container has more IPv4 routes than
//! `prevResult` accounts for (its routes plus one connected route per
//! address), so a route a later plugin of the chain added breaks CHECK.
//! SPEC.md says CHECK must allow for such changes. Caught by
//! `check/tolerates-later-changes` (CHECK-6).

use std::process::Command;

use cni_zoo::{fail, Call};
use serde_json::Value;

/// CNI error code this plugin uses for what it finds wrong (plugin-specific).
const UNEXPECTED: u32 = 100;

/// IPv4 routes of the main table in the namespace at `netns`.
fn container_routes(netns: &str) -> Option<usize> {
    let out = Command::new("nsenter")
        .arg(format!("--net={netns}"))
        .args(["ip", "-4", "route", "show"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).lines().count())
}

/// Routes `prevResult` accounts for: its IPv4 routes and one connected
/// route per IPv4 address.
fn expected(prev: &Value) -> usize {
    let v4 = |s: &str| !s.contains(':');
    let count = |key: &str, field: &str| {
        prev.get(key).and_then(Value::as_array).map_or(0, |l| {
            l.iter()
                .filter(|e| e.get(field).and_then(Value::as_str).is_some_and(v4))
                .count()
        })
    };
    count("routes", "dst") + count("ips", "address")
}

fn main() {
    let call = Call::read();
    let out = call.forward();
    if call.verb != "CHECK" || !out.succeeded() {
        out.finish()
    }
    let prev = call
        .conf
        .as_ref()
        .and_then(|c| c.get("prevResult"))
        .cloned();
    let netns = std::env::var("CNI_NETNS").unwrap_or_default();
    if let (Some(prev), Some(have)) = (prev, container_routes(&netns)) {
        let want = expected(&prev);
        if have > want {
            fail(
                &call.version_or_default(),
                UNEXPECTED,
                &format!("the container has {have} IPv4 routes, prevResult accounts for {want}"),
            )
        }
    }
    out.finish()
}
