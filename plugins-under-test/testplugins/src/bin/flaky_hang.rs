//! `cni-flaky-hang`: a correct no-op plugin that never answers when the
//! configuration's `mtu` is above 9000 (jumbo frames), the kind of input a
//! fuzzer reaches by mutating one number. See `flaky_common`.

#[path = "flaky_common/mod.rs"]
mod flaky_common;

fn main() {
    flaky_common::main_with(|conf| {
        if conf
            .get("mtu")
            .and_then(serde_json::Value::as_f64)
            .is_some_and(|mtu| mtu > 9000.0)
        {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    })
}
