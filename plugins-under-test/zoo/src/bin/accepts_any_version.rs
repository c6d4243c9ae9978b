//! Defect: an unsupported `cniVersion` is silently treated as 1.0.0 instead
//! of failing with code 1; the result echoes the version asked for.
//! Caught by `version/unsupported-version`.

use cni_zoo::{delegate, Call, SUPPORTED};
use serde_json::Value;

fn main() {
    let call = Call::read();
    let asked = match call.version() {
        Some(v) if !SUPPORTED.contains(&v) => v.to_string(),
        _ => call.forward().finish(),
    };
    let mut stdin = call.forwarded_stdin();
    if let Ok(mut conf) = serde_json::from_slice::<Value>(&stdin) {
        if let Some(obj) = conf.as_object_mut() {
            obj.insert("cniVersion".into(), Value::String("1.0.0".into()));
        }
        stdin = conf.to_string().into_bytes();
    }
    let mut out = delegate(&stdin, &[]);
    if let Some(mut result) = out.json() {
        if let Some(obj) = result.as_object_mut() {
            if obj.contains_key("cniVersion") {
                obj.insert("cniVersion".into(), Value::String(asked));
                out.set_json(&result);
            }
        }
    }
    out.finish()
}
