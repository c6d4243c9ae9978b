//! The recording plugin's log (`cni-recorder`, see
//! plugins-under-test/testplugins/src/bin/recorder.rs): one JSON line per
//! call with the environment it got and its stdin as text.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One plugin execution as the plugin saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub env: BTreeMap<String, String>,
    /// Exactly the bytes the plugin read (the recorder stores them as text;
    /// our fixtures are ASCII, so nothing is lost).
    pub stdin: String,
}

impl Call {
    pub fn verb(&self) -> &str {
        self.env.get("CNI_COMMAND").map_or("?", String::as_str)
    }

    /// Which plugin of the list this was: the fixtures give each a `role`.
    pub fn role(&self) -> String {
        serde_json::from_str::<Value>(&self.stdin)
            .ok()
            .and_then(|v| v.get("role").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "?".into())
    }

    pub fn label(&self) -> String {
        format!("{} {}", self.verb(), self.role())
    }
}

/// Read and remove `dir/calls.jsonl`, so the next run starts empty.
pub fn take(dir: &Path) -> Vec<Call> {
    let file = dir.join("calls.jsonl");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("recorder line is not JSON ({e}): {line}"));
            let env = v["env"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            Call {
                env,
                stdin: v["stdin"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect()
}
