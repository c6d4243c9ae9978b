//! `cni-flaky-crash`: a correct no-op plugin that dies on bad bridge names
//! instead of rejecting them: it aborts (SIGABRT) when `bridge` contains a
//! `/` and panics when `bridge` is longer than 15 bytes (IFNAMSIZ - 1).
//! See `flaky_common`.

#[path = "flaky_common/mod.rs"]
mod flaky_common;

fn main() {
    flaky_common::main_with(|conf| {
        let Some(bridge) = conf.get("bridge").and_then(serde_json::Value::as_str) else {
            return;
        };
        if bridge.contains('/') {
            std::process::abort();
        }
        if bridge.len() > 15 {
            panic!("bridge name {bridge:?} does not fit IFNAMSIZ");
        }
    })
}
